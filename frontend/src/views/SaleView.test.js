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
  sales: { get: vi.fn() },
  me: { bids: vi.fn() },
  watchlist: { list: vi.fn() },
}))
vi.mock('../api/index.js', () => api)
vi.mock('../realtime/index.js', () => ({
  realtime: { join: () => () => {}, on: () => () => {}, send: () => {}, state: 'open' },
}))

const { default: SaleView } = await import('./SaleView.vue')
const { useAuthStore } = await import('../stores/auth.js')

function lot(id, consignor) {
  return {
    id,
    seq: 1,
    lot_number: id,
    status: 'scheduled',
    start_price: 1_000_000,
    current_price: null,
    horse: { id, name: `馬${id}`, sire: 'キタサンブラック', sex: 'colt', foaling_year: 2024, ...consignor },
  }
}

function saleDetail({ organizer }) {
  const who = (c) => (organizer ? { consignor: c } : {})
  return {
    id: 5,
    name_ja: '2026 サマーセール',
    name_en: '2026 Summer Sale',
    starts_on: '2026-07-14',
    ends_on: '2026-07-14',
    buyer_premium_rate: '0.05',
    lots: [
      lot(1, who({ id: 11, name: '佐藤牧場' })),
      lot(2, who({ id: 12, name: '加藤牧場' })),
      lot(3, who({ id: 11, name: '佐藤牧場' })),
    ],
  }
}

async function mountSale(role) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.user = role ? { id: 1, username: role, role, vetting_status: 'approved', paddle_number: null } : null
  api.sales.get.mockResolvedValue(saleDetail({ organizer: ['admin', 'auctioneer'].includes(role) }))
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/sales/:id', name: 'sale', component: { template: '<div />' } },
      { path: '/auctions/:id', name: 'auction', component: { template: '<div />' } },
    ],
  })
  router.push('/sales/5')
  await router.isReady()
  const i18n = createI18n({ legacy: false, locale: 'en', messages: { ja, en } })
  const wrapper = mount(SaleView, {
    props: { id: 5 },
    global: { plugins: [pinia, router, i18n, createVuetify()], stubs: { AuctionCard: true } },
  })
  await flushPromises()
  return wrapper
}

describe('SaleView: the consignor filter', () => {
  beforeEach(() => {
    vi.clearAllMocks()
    api.me.bids.mockResolvedValue([])
    api.watchlist.list.mockResolvedValue([])
  })

  it.each(['auctioneer', 'admin'])('is offered to an organizer (%s) and narrows the lots', async (role) => {
    const wrapper = await mountSale(role)
    const select = wrapper.findComponent('[data-testid="filter-consignor"]')
    expect(select.exists()).toBe(true)
    expect(select.props('items')).toHaveLength(2) // each consignor once
    expect(select.props('items')).toEqual(
      expect.arrayContaining([
        { value: 12, title: '加藤牧場' },
        { value: 11, title: '佐藤牧場' },
      ]),
    )
    expect(wrapper.get('[data-testid="sale-shown"]').text()).toBe('3 of 3 lots')
    await select.setValue(11)
    expect(wrapper.get('[data-testid="sale-shown"]').text()).toBe('2 of 3 lots')
  })

  it.each(['bidder', 'viewer', null])('is not shown to %s', async (role) => {
    const wrapper = await mountSale(role)
    expect(wrapper.find('[data-testid="filter-consignor"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="filter-sire"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="sale-shown"]').text()).toBe('3 of 3 lots')
  })
})
