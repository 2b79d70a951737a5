// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createVuetify } from 'vuetify'
import { createI18n } from 'vue-i18n'
import ja from '../i18n/ja.js'
import en from '../i18n/en.js'

const realtime = vi.hoisted(() => ({
  bid: vi.fn(),
  on: vi.fn(),
  onState: (listener) => listener({ state: 'open', attempt: 0, nextRetryAt: null, lastCloseCode: null }),
  state: 'open',
}))
vi.mock('../realtime/index.js', () => ({ realtime }))

const { default: BidPanel } = await import('./BidPanel.vue')
const { useAuthStore } = await import('../stores/auth.js')
const { useConnectionStore } = await import('../stores/connection.js')

// happy-dom lacks a few browser APIs that Vuetify's dialog uses.
globalThis.visualViewport ??= Object.assign(new EventTarget(), {
  width: 1024,
  height: 768,
  scale: 1,
  offsetTop: 0,
  offsetLeft: 0,
})
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
}

function auction(overrides = {}) {
  return {
    id: 4,
    status: 'active',
    start_price: 1_000_000,
    current_price: 1_100_000,
    min_next_bid: 1_200_000,
    increment_table: null,
    high_bidder_paddle: 102,
    ends_at_ms: Date.now() + 300_000,
    ...overrides,
  }
}

function mountPanel(props = auction()) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const auth = useAuthStore()
  auth.user = { id: 3, role: 'bidder', is_approved_to_bid: true, paddle_number: 101 }
  const i18n = createI18n({ legacy: false, locale: 'ja', messages: { ja, en } })
  const wrapper = mount(BidPanel, {
    props: { auction: props },
    global: {
      plugins: [pinia, i18n, createVuetify()],
      stubs: { teleport: true },
      mocks: { $route: { fullPath: '/auctions/4' } },
    },
    attachTo: document.body,
  })
  return { wrapper, auth }
}

const byTestId = (wrapper, id) => wrapper.find(`[data-testid="${id}"]`)

beforeEach(() => {
  realtime.bid.mockReset()
  document.body.innerHTML = ''
})

describe('the bid panel', () => {
  const input = (wrapper) => wrapper.find('input[data-testid="amount-input"]')
  const dialogButton = (id) => document.querySelector(`[data-testid="${id}"]`)

  it('asks before every bid, showing the lot and the amount, then sends exactly that with a fresh key', async () => {
    let answer
    realtime.bid.mockReturnValue(new Promise((resolve) => (answer = resolve)))
    const { wrapper } = mountPanel(auction({ lot_number: 12, horse: { name: 'サクラローレル' } }))
    expect(byTestId(wrapper, 'bid-button').text()).toContain('120万円')
    await byTestId(wrapper, 'bid-button').trigger('click')
    await flushPromises()
    expect(realtime.bid).not.toHaveBeenCalled()
    const dialog = dialogButton('confirm-dialog')
    expect(dialog.getAttribute('data-amount')).toBe('1200000')
    expect(dialog.textContent).toContain('サクラローレル')
    expect(dialog.textContent).toContain('¥1,200,000')

    dialogButton('confirm-bid').click()
    await flushPromises()
    expect(realtime.bid).toHaveBeenCalledTimes(1)
    const [{ auctionId, amount, idempotencyKey }] = realtime.bid.mock.calls[0]
    expect(auctionId).toBe(4)
    expect(amount).toBe(1_200_000)
    expect(idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(byTestId(wrapper, 'bid-state').attributes('data-status')).toBe('sending')
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeDefined() // no double bid while sending

    answer({ status: 'rejected', code: 'bid_too_low', detail: 'The bid is below the minimum next bid.' })
    await flushPromises()
    const state = byTestId(wrapper, 'bid-state')
    expect(state.attributes('data-status')).toBe('rejected')
    expect(state.attributes('data-code')).toBe('bid_too_low')
    expect(state.text()).toContain('次の最低入札額を下回っています。')
  })

  it('shows the premium, the tax and the total for the typed amount, not the suggested one, before confirming', async () => {
    // A sale at 3.33 % on a lot stepping by ¥1,000: both roundings of rule 11 bite at ¥1,234,000.
    const { wrapper } = mountPanel(
      auction({ buyer_premium_rate: '0.0333', consumption_tax_rate: '0.1', increment_table: [[null, 1000]] }),
    )
    await input(wrapper).setValue('1,234,000')
    await byTestId(wrapper, 'bid-amount-button').trigger('click')
    await flushPromises()
    const dialog = dialogButton('confirm-dialog')
    expect(dialog.getAttribute('data-amount')).toBe('1234000')
    const figure = (id) => dialog.querySelector(`[data-testid="${id}"]`).textContent.trim()
    expect(figure('buyer-total-premium')).toBe('¥41,092') // floor(1,234,000 × 3.33 %) = floor(41,092.2)
    expect(figure('buyer-total-tax')).toBe('¥127,509') // floor(1,275,092 × 10 %) = floor(127,509.2)
    expect(figure('buyer-total-amount')).toBe('¥1,402,601')
    expect(dialog.textContent).toContain('この入札額で落札した場合のお支払い')
    expect(dialog.textContent).toContain('購買者手数料（3.33%）')
    expect(realtime.bid).not.toHaveBeenCalled()
  })

  it('never changes an amount typed between steps: it refuses it and offers the step below as its own button', async () => {
    const { wrapper } = mountPanel()
    await input(wrapper).setValue('1,250,000')
    await byTestId(wrapper, 'bid-amount-button').trigger('click')
    await input(wrapper).trigger('blur')
    await flushPromises()
    expect(realtime.bid).not.toHaveBeenCalled()
    expect(dialogButton('confirm-dialog')).toBe(null)
    expect(input(wrapper).element.value).toBe('1,250,000')
    expect(wrapper.text()).toContain('入札額が刻みに合っていません。')
    const offer = byTestId(wrapper, 'bid-suggested')
    expect(offer.attributes('data-amount')).toBe('1200000')
    expect(offer.text()).toContain('¥1,200,000 で入札')

    await offer.trigger('click')
    await flushPromises()
    expect(dialogButton('confirm-dialog').getAttribute('data-amount')).toBe('1200000')
    expect(realtime.bid).not.toHaveBeenCalled()
  })

  it('refuses a too-low amount on screen (Enter as the button) and sends nothing', async () => {
    const { wrapper } = mountPanel()
    await input(wrapper).setValue('1,000,000')
    await input(wrapper).trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(realtime.bid).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('次の最低入札額を下回っています。')
    expect(byTestId(wrapper, 'bid-suggested').attributes('data-amount')).toBe('1200000')
  })

  it('keeps a typed amount when the price moves, and says when it has become too low', async () => {
    const { wrapper } = mountPanel()
    await input(wrapper).setValue('1,300,000')
    await wrapper.setProps({ auction: auction({ current_price: 1_300_000, min_next_bid: 1_400_000 }) })
    await flushPromises()
    expect(input(wrapper).element.value).toBe('1,300,000')
    expect(wrapper.find('[data-problem="bid_too_low"]').exists()).toBe(true)
  })

  it('sends a typed valid amount exactly, Enter and the button alike, with the amount on the button', async () => {
    realtime.bid.mockResolvedValue({ status: 'accepted', bid: { id: 1, amount: 1_500_000 } })
    const { wrapper } = mountPanel()
    await input(wrapper).setValue('1,500,000')
    expect(byTestId(wrapper, 'bid-amount-button').text()).toContain('¥1,500,000 で入札')
    await input(wrapper).trigger('keydown', { key: 'Enter' })
    await flushPromises()
    dialogButton('confirm-bid').click()
    await flushPromises()
    expect(realtime.bid).toHaveBeenCalledWith(expect.objectContaining({ amount: 1_500_000 }))
    expect(byTestId(wrapper, 'bid-state').attributes('data-status')).toBe('accepted')
  })

  it('shows the fat-finger limit before anything is confirmed and refuses an amount above it', async () => {
    const { wrapper } = mountPanel(auction({ max_jump: 50_000_000 }))
    expect(byTestId(wrapper, 'bid-ceiling').text()).toContain('¥51,100,000')
    await input(wrapper).setValue('60,000,000')
    await byTestId(wrapper, 'bid-amount-button').trigger('click')
    await flushPromises()
    expect(dialogButton('confirm-dialog')).toBe(null)
    expect(realtime.bid).not.toHaveBeenCalled()
    expect(wrapper.find('[data-problem="bid_too_high"]').exists()).toBe(true)
    expect(byTestId(wrapper, 'bid-suggested').attributes('data-amount')).toBe('51000000')
  })

  it('lets the bidder switch the confirmation off, remembered in this browser', async () => {
    localStorage.removeItem('umaseri.confirmBids')
    realtime.bid.mockResolvedValue({ status: 'accepted', bid: { id: 1, amount: 1_200_000 } })
    const { wrapper } = mountPanel()
    await byTestId(wrapper, 'confirm-toggle').find('input').setValue(false)
    await flushPromises()
    expect(localStorage.getItem('umaseri.confirmBids')).toBe('off')
    await byTestId(wrapper, 'bid-button').trigger('click')
    await flushPromises()
    expect(realtime.bid).toHaveBeenCalledWith(expect.objectContaining({ amount: 1_200_000 }))
    localStorage.removeItem('umaseri.confirmBids')
  })

  it('counts down retry_after with the buttons off when rate-limited', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
    localStorage.setItem('umaseri.confirmBids', 'off')
    realtime.bid.mockResolvedValue({
      status: 'rejected',
      code: 'rate_limited',
      message: { retry_after: 7 },
    })
    const { wrapper } = mountPanel()
    await byTestId(wrapper, 'bid-button').trigger('click')
    await flushPromises()
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeDefined()
    expect(byTestId(wrapper, 'bid-button').text()).toContain('あと 7 秒')
    expect(byTestId(wrapper, 'bid-state').text()).toContain('あと 7 秒で再び入札できます')
    vi.advanceTimersByTime(3_000)
    await flushPromises()
    expect(byTestId(wrapper, 'bid-button').text()).toContain('あと 4 秒')
    vi.advanceTimersByTime(4_500)
    await flushPromises()
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeUndefined()
    vi.useRealTimers()
    localStorage.removeItem('umaseri.confirmBids')
  })

  it('refuses on screen while the connection is down', async () => {
    const { wrapper } = mountPanel()
    useConnectionStore().state = 'reconnecting'
    await flushPromises()
    expect(byTestId(wrapper, 'bid-blocker').attributes('data-reason')).toBe('disconnected')
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeDefined()
  })

  it('turns every control off while the auctioneer has paused the lot, and says so, in Japanese and English', async () => {
    const { wrapper } = mountPanel(auction({ paused: true, paused_remaining_ms: 42_000 }))
    const blocker = byTestId(wrapper, 'bid-blocker')
    expect(blocker.attributes('data-reason')).toBe('paused')
    expect(blocker.text()).toContain('一時停止中')
    for (const id of ['bid-button', 'bid-amount-button', 'amount-increase', 'amount-decrease']) {
      expect(byTestId(wrapper, id).attributes('disabled'), id).toBeDefined()
    }
    expect(input(wrapper).attributes('disabled')).toBeDefined()
    await byTestId(wrapper, 'bid-button').trigger('click')
    await flushPromises()
    expect(dialogButton('confirm-dialog')).toBe(null)
    expect(realtime.bid).not.toHaveBeenCalled()

    // auction:resumed: the controls come back.
    await wrapper.setProps({ auction: auction({ paused: false, paused_remaining_ms: null }) })
    expect(byTestId(wrapper, 'bid-blocker').exists()).toBe(false)
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeUndefined()

    await wrapper.setProps({ auction: auction({ paused: true }) })
    wrapper.vm.$i18n.locale = 'en'
    await flushPromises()
    expect(byTestId(wrapper, 'bid-blocker').text()).toContain('Paused')
  })

  it('explains an auction_paused refusal (the pause reached the server first)', async () => {
    localStorage.setItem('umaseri.confirmBids', 'off')
    realtime.bid.mockResolvedValue({ status: 'rejected', code: 'auction_paused', detail: 'server text' })
    const { wrapper } = mountPanel()
    await byTestId(wrapper, 'bid-button').trigger('click')
    await flushPromises()
    const state = byTestId(wrapper, 'bid-state')
    expect(state.attributes('data-code')).toBe('auction_paused')
    expect(state.text()).toContain('このセリは一時停止中です。')
    expect(state.text()).not.toContain('server text')
    localStorage.removeItem('umaseri.confirmBids')
  })

  it('shows the highest bidder that they lead, and no controls to viewers', async () => {
    const { wrapper, auth } = mountPanel(auction({ high_bidder_paddle: 101 }))
    expect(byTestId(wrapper, 'you-are-highest').exists()).toBe(true)
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeDefined()
    auth.user = { id: 9, role: 'viewer', is_approved_to_bid: false, paddle_number: null }
    await flushPromises()
    expect(byTestId(wrapper, 'bid-button').exists()).toBe(false)
    expect(byTestId(wrapper, 'bid-blocker').attributes('data-reason')).toBe('viewerOnly')
  })
})
