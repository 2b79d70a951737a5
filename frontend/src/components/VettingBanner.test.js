// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createVuetify } from 'vuetify'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ja from '../i18n/ja.js'
import en from '../i18n/en.js'

const api = vi.hoisted(() => ({
  auth: {
    confirmEmail: vi.fn(),
    resendConfirmation: vi.fn(),
    me: vi.fn(),
  },
}))
vi.mock('../api/index.js', () => api)

const { default: VettingBanner } = await import('./VettingBanner.vue')
const { useAuthStore } = await import('../stores/auth.js')

function bidder(vetting_status) {
  return { id: 7, username: 'hanako', email: 'hanako@example.jp', role: 'bidder', vetting_status }
}

async function mountBanner({ user = null, path = '/auctions', locale = 'en' } = {}) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.user = user
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/auctions', name: 'auctions', component: { template: '<div />' } }],
  })
  router.push(path)
  await router.isReady()
  const i18n = createI18n({ legacy: false, locale, messages: { ja, en } })
  const wrapper = mount(VettingBanner, { global: { plugins: [pinia, router, i18n, createVuetify()] } })
  await flushPromises()
  return { wrapper, router, auth }
}

describe('VettingBanner', () => {
  beforeEach(() => {
    vi.clearAllMocks()
  })

  it('asks a bidder to confirm the address the link was sent to, and sends it again on request', async () => {
    api.auth.resendConfirmation.mockResolvedValue(undefined)
    const { wrapper } = await mountBanner({ user: bidder('email_unconfirmed') })

    const banner = wrapper.find('[data-testid="vetting-banner"]')
    expect(banner.attributes('data-status')).toBe('email_unconfirmed')
    expect(banner.text()).toContain('hanako@example.jp')

    await wrapper.find('[data-testid="vetting-resend"]').trigger('click')
    await flushPromises()
    expect(api.auth.resendConfirmation).toHaveBeenCalledOnce()
    expect(wrapper.find('[data-testid="vetting-notice"]').text()).toContain('A new link is on its way.')
  })

  it('says the account is under review, in Japanese too', async () => {
    const { wrapper } = await mountBanner({ user: bidder('under_review'), locale: 'ja' })
    expect(wrapper.find('[data-testid="vetting-banner"]').text()).toContain('審査中')
    expect(wrapper.find('[data-testid="vetting-resend"]').exists()).toBe(false)
  })

  it.each([
    ['an approved bidder', bidder('approved')],
    ['an organizer', { id: 1, username: 'olivia', role: 'auctioneer', vetting_status: 'not_applicable' }],
    ['a visitor', null],
  ])('stays out of the way of %s', async (_who, user) => {
    const { wrapper } = await mountBanner({ user })
    expect(wrapper.find('[data-testid="vetting-banner"]').exists()).toBe(false)
  })

  it('confirms the address from the link, then drops the token from the address bar', async () => {
    api.auth.confirmEmail.mockResolvedValue({ email_confirmed: true, vetting_status: 'under_review' })
    api.auth.me.mockResolvedValue(bidder('under_review'))
    const { wrapper, router, auth } = await mountBanner({
      user: bidder('email_unconfirmed'),
      path: '/auctions?confirm_email=abc.def&tab=live',
    })

    expect(api.auth.confirmEmail).toHaveBeenCalledWith('abc.def')
    expect(router.currentRoute.value.query).toEqual({ tab: 'live' })
    expect(wrapper.find('[data-testid="vetting-notice"]').text()).toContain('confirmed')
    expect(auth.user.vetting_status).toBe('under_review')
  })

  it('says why a link could not be used', async () => {
    api.auth.confirmEmail.mockRejectedValue({
      response: { status: 400, data: { code: 'confirmation_expired', detail: 'This link has expired.' } },
    })
    const { wrapper } = await mountBanner({ path: '/auctions?confirm_email=old' })
    expect(wrapper.find('[data-testid="vetting-notice"]').text()).toContain('This link has expired.')
  })
})
