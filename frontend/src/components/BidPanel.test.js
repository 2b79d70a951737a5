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
  it('bids the next valid amount with a fresh idempotency key and shows sending, then the reason of a refusal', async () => {
    let answer
    realtime.bid.mockReturnValue(new Promise((resolve) => (answer = resolve)))
    const { wrapper } = mountPanel()
    expect(byTestId(wrapper, 'bid-button').text()).toContain('120万円')
    await byTestId(wrapper, 'bid-button').trigger('click')
    expect(realtime.bid).toHaveBeenCalledTimes(1)
    const [{ auctionId, amount, idempotencyKey }] = realtime.bid.mock.calls[0]
    expect(auctionId).toBe(4)
    expect(amount).toBe(1_200_000)
    expect(idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await flushPromises()
    expect(byTestId(wrapper, 'bid-state').attributes('data-status')).toBe('sending')
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeDefined() // no double bid while sending

    answer({ status: 'rejected', code: 'bid_too_low', detail: 'The bid is below the minimum next bid.' })
    await flushPromises()
    const state = byTestId(wrapper, 'bid-state')
    expect(state.attributes('data-status')).toBe('rejected')
    expect(state.attributes('data-code')).toBe('bid_too_low')
    expect(state.text()).toContain('次の最低入札額を下回っています。')
  })

  it('snaps an amount typed between steps down onto the grid and waits for the bidder', async () => {
    const { wrapper } = mountPanel()
    const input = wrapper.find('input[data-testid="amount-input"]')
    await input.setValue('1,250,000')
    await byTestId(wrapper, 'bid-amount-button').trigger('click')
    expect(realtime.bid).not.toHaveBeenCalled()
    expect(input.element.value).toBe('1,200,000')
    expect(wrapper.text()).toContain('¥1,200,000')
  })

  it('asks before a jump of more than ten steps and sends only once confirmed', async () => {
    realtime.bid.mockResolvedValue({ status: 'accepted', bid: { id: 1, amount: 5_000_000 } })
    const { wrapper } = mountPanel()
    await wrapper.find('input[data-testid="amount-input"]').setValue('5000000')
    await byTestId(wrapper, 'bid-amount-button').trigger('click')
    await flushPromises()
    expect(realtime.bid).not.toHaveBeenCalled()
    const confirm = document.querySelector('[data-testid="confirm-bid"]')
    expect(confirm).not.toBe(null)
    confirm.click()
    await flushPromises()
    expect(realtime.bid).toHaveBeenCalledWith(expect.objectContaining({ amount: 5_000_000 }))
    expect(byTestId(wrapper, 'bid-state').attributes('data-status')).toBe('accepted')
  })

  it('refuses on screen while the connection is down', async () => {
    const { wrapper } = mountPanel()
    useConnectionStore().state = 'reconnecting'
    await flushPromises()
    expect(byTestId(wrapper, 'bid-blocker').attributes('data-reason')).toBe('disconnected')
    expect(byTestId(wrapper, 'bid-button').attributes('disabled')).toBeDefined()
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
