// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createVuetify } from 'vuetify'
import { createI18n } from 'vue-i18n'
import ja from '../i18n/ja.js'
import en from '../i18n/en.js'

const api = vi.hoisted(() => ({ get: vi.fn(), set: vi.fn(), withdraw: vi.fn() }))
vi.mock('../api/index.js', () => ({ maxBids: api }))

const { default: MaxBidPanel } = await import('./MaxBidPanel.vue')
const { useAuthStore } = await import('../stores/auth.js')

globalThis.visualViewport ??= Object.assign(new EventTarget(), { width: 1024, height: 768, scale: 1 })
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const lot = (overrides = {}) => ({
  id: 4,
  lot_number: 12,
  status: 'active',
  start_price: 1_000_000,
  current_price: 1_100_000,
  min_next_bid: 1_200_000,
  high_bidder_paddle: 102,
  max_jump: 50_000_000,
  horse: { name: 'サクラローレル' },
  ...overrides,
})

function mountPanel(props = lot()) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAuthStore().user = { id: 3, role: 'bidder', is_approved_to_bid: true, paddle_number: 101 }
  const i18n = createI18n({ legacy: false, locale: 'ja', messages: { ja, en } })
  return mount(MaxBidPanel, {
    props: { auction: props },
    global: { plugins: [pinia, i18n, createVuetify()], stubs: { teleport: true } },
    attachTo: document.body,
  })
}

beforeEach(() => {
  Object.values(api).forEach((fn) => fn.mockReset())
  document.body.innerHTML = ''
  localStorage.removeItem('umaseri.confirmBids')
})

describe('the maximum bid panel', () => {
  it('shows its owner their own maximum, and that they lead within it', async () => {
    api.get.mockResolvedValue({ auction: 4, max_amount: 3_000_000 })
    const wrapper = mountPanel(lot({ high_bidder_paddle: 101 }))
    await flushPromises()
    expect(wrapper.find('[data-testid="my-max"]').text()).toBe('あなたの上限: ¥3,000,000')
    expect(wrapper.find('[data-testid="max-leading"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="max-withdraw"]').attributes('disabled')).toBeDefined()
  })

  it('sets exactly the typed maximum after the confirmation, and refuses a lowered one on screen', async () => {
    api.get.mockRejectedValue({ response: { status: 404, data: { code: 'max_bid_not_found' } } })
    api.set.mockResolvedValue({ auction: 4, max_amount: 2_500_000 })
    const wrapper = mountPanel()
    await flushPromises()
    await wrapper.find('[data-testid="max-field"] input').setValue('2,500,000')
    await wrapper.find('[data-testid="max-submit"]').trigger('click')
    await flushPromises()
    expect(api.set).not.toHaveBeenCalled()
    document.querySelector('[data-testid="max-confirm"]').click()
    await flushPromises()
    expect(api.set).toHaveBeenCalledWith(4, 2_500_000, expect.any(String))
    expect(wrapper.find('[data-testid="my-max"]').attributes('data-amount')).toBe('2500000')

    await wrapper.find('[data-testid="max-field"] input').setValue('2,000,000')
    await wrapper.find('[data-testid="max-submit"]').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('上限額は引き上げのみできます。')
    expect(api.set).toHaveBeenCalledTimes(1)
  })

  it('shows the total for the whole maximum, premium and tax included, before it is confirmed', async () => {
    api.get.mockRejectedValue({ response: { status: 404, data: { code: 'max_bid_not_found' } } })
    const wrapper = mountPanel(lot({ buyer_premium_rate: '0.0333', increment_table: [[null, 1000]] }))
    await flushPromises()
    await wrapper.find('[data-testid="max-field"] input').setValue('2,345,000')
    await wrapper.find('[data-testid="max-submit"]').trigger('click')
    await flushPromises()
    const dialog = document.querySelector('[data-testid="max-confirm-dialog"]')
    expect(dialog.getAttribute('data-amount')).toBe('2345000')
    const figure = (id) => dialog.querySelector(`[data-testid="${id}"]`).textContent.trim()
    expect(figure('buyer-total-premium')).toBe('¥78,088') // floor(2,345,000 × 3.33 %) = floor(78,088.5)
    expect(figure('buyer-total-tax')).toBe('¥242,308') // floor(2,423,088 × 10 %) = floor(242,308.8)
    expect(figure('buyer-total-amount')).toBe('¥2,665,396')
    expect(dialog.textContent).toContain('上限額で落札した場合のお支払い')
    expect(api.set).not.toHaveBeenCalled()
  })

  it('turns setting and raising a maximum off while the lot is paused, and says so', async () => {
    api.get.mockResolvedValue({ auction: 4, max_amount: 3_000_000 })
    const wrapper = mountPanel(lot({ paused: true }))
    await flushPromises()
    expect(wrapper.find('[data-testid="max-paused"]').text()).toContain('一時停止中')
    expect(wrapper.find('[data-testid="max-field"] input').attributes('disabled')).toBeDefined()
    expect(wrapper.find('[data-testid="max-submit"]').attributes('disabled')).toBeDefined()
    await wrapper.find('[data-testid="max-field"] input').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(document.querySelector('[data-testid="max-confirm-dialog"]')).toBe(null)
    expect(api.set).not.toHaveBeenCalled()
    // The server lets a maximum be withdrawn while paused: that stays open.
    expect(wrapper.find('[data-testid="max-withdraw"]').attributes('disabled')).toBeUndefined()

    await wrapper.setProps({ auction: lot({ paused: false }) })
    expect(wrapper.find('[data-testid="max-paused"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="max-submit"]').attributes('disabled')).toBeUndefined()
  })

  it('explains an auction_paused refusal (the pause reached the server first)', async () => {
    api.get.mockRejectedValue({ response: { status: 404, data: { code: 'max_bid_not_found' } } })
    api.set.mockRejectedValue({
      response: { status: 409, data: { code: 'auction_paused', detail: 'server text' } },
    })
    localStorage.setItem('umaseri.confirmBids', 'off')
    const wrapper = mountPanel()
    await flushPromises()
    await wrapper.find('[data-testid="max-field"] input').setValue('2,500,000')
    await wrapper.find('[data-testid="max-submit"]').trigger('click')
    await flushPromises()
    const state = wrapper.find('[data-testid="max-state"]')
    expect(state.attributes('data-code')).toBe('auction_paused')
    expect(state.text()).toContain('このセリは一時停止中です。')
    expect(state.text()).not.toContain('server text')
  })
})
