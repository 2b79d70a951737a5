import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '../stores/auth.js'

// History mode: Django answers every non-API path with index.html. Every view is its own lazy chunk, so the first
// load carries only the shell and the page asked for.
export const routes = [
  { path: '/', redirect: { name: 'auctions' } },
  { path: '/auctions', name: 'auctions', component: () => import('../views/AuctionListView.vue') },
  {
    path: '/auctions/:id(\\d+)',
    name: 'auction',
    component: () => import('../views/AuctionRoomView.vue'),
    props: true,
  },
  {
    path: '/sales/:id(\\d+)',
    name: 'sale',
    component: () => import('../views/SaleView.vue'),
    props: true,
  },
  {
    path: '/login',
    name: 'login',
    component: () => import('../views/LoginView.vue'),
    meta: { guestOnly: true },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('../views/RegisterView.vue'),
    meta: { guestOnly: true },
  },
  {
    path: '/me',
    name: 'me',
    component: () => import('../views/MyPageView.vue'),
    meta: { requiresAuth: true },
  },
  {
    path: '/console',
    name: 'console',
    component: () => import('../views/ConsoleView.vue'),
    meta: { requiresAuth: true, organizerOnly: true },
  },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('../views/NotFoundView.vue') },
]

export function createAppRouter(authReady) {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: (to, from, saved) => saved ?? { top: 0 },
  })
  router.beforeEach(async (to) => {
    await authReady
    const auth = useAuthStore()
    if (to.meta.requiresAuth && !auth.isAuthenticated) return { name: 'login', query: { next: to.fullPath } }
    if (to.meta.organizerOnly && !auth.isOrganizer) return { name: 'auctions' }
    if (to.meta.guestOnly && auth.isAuthenticated) return { name: 'auctions' }
    return true
  })
  return router
}
