import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('../api/index.js', () => ({
  auctions: { list: vi.fn(), get: vi.fn(), bids: vi.fn(async () => []) },
}))

const { useAuctionsStore } = await import('./auctions.js')
const { realtime } = await import('../realtime/index.js')

const push = (message) => realtime._onMessage(JSON.stringify({ server_time: Date.now(), ...message }))

const snapshot = {
  id: 6,
  status: 'active',
  start_price: 2_000_000,
  current_price: 2_500_000,
  min_next_bid: 2_600_000,
  bid_count: 2,
  extension_count: 0,
  ends_at_ms: 1_800_000_000_000,
  high_bidder_paddle: 101,
  horse: { id: 3, name: 'サクラノユウヒ' },
  server_time: 1_799_999_990_000,
}

describe('the auctions store, fed by the socket', () => {
  let store
  beforeEach(() => {
    setActivePinia(createPinia())
    store = useAuctionsStore()
  })

  it('keeps one object per auction and updates it in place from auction:update', () => {
    const auction = store.applySnapshot(snapshot)
    store.histories[6] = []
    push({
      type: 'auction:update',
      auction_id: 6,
      current_price: 2_600_000,
      min_next_bid: 2_700_000,
      bid_count: 3,
      high_bidder_paddle: 102,
      bid: { id: 9, amount: 2_600_000, paddle_number: 102 },
    })
    expect(store.byId[6]).toBe(auction)
    expect(auction).toMatchObject({
      current_price: 2_600_000,
      min_next_bid: 2_700_000,
      high_bidder_paddle: 102,
    })
    expect(auction.type).toBeUndefined()
    expect(store.histories[6].map((b) => b.amount)).toEqual([2_600_000])
    // The same bid again (the accepted answer and the broadcast) is listed once.
    store.addBid(6, { id: 9, amount: 2_600_000, paddle_number: 102 })
    expect(store.histories[6]).toHaveLength(1)
  })

  it('raises the extension notice on auction:extended and on a resync that shows a new extension', () => {
    store.applySnapshot(snapshot)
    push({ type: 'auction:extended', auction_id: 6, ends_at_ms: 1_800_000_100_000, extension_count: 1 })
    expect(store.extensions[6]).toMatchObject({ ends_at_ms: 1_800_000_100_000, count: 1 })
    expect(store.byId[6].ends_at_ms).toBe(1_800_000_100_000)
    store.dismissExtension(6)
    // Missed while disconnected: the snapshot on re-join has a higher count.
    push({ type: 'auction:state', ...snapshot, extension_count: 2, ends_at_ms: 1_800_000_200_000 })
    expect(store.extensions[6]).toMatchObject({ count: 2, ends_at_ms: 1_800_000_200_000 })
  })

  it('ends the auction on auction:ended and stops offering a next bid', () => {
    store.applySnapshot(snapshot)
    push({
      type: 'auction:ended',
      auction_id: 6,
      status: 'sold',
      hammer_price: 2_500_000,
      winner_paddle: 101,
    })
    expect(store.byId[6]).toMatchObject({ status: 'sold', hammer_price: 2_500_000, winner_paddle: 101 })
    expect(store.byId[6].min_next_bid).toBe(null)
  })

  it('ignores events for auctions it does not show', () => {
    push({ type: 'auction:update', auction_id: 99, current_price: 1 })
    expect(store.byId[99]).toBeUndefined()
  })

  it('replaces the state with a resync snapshot but keeps a loaded horse record', () => {
    store.applySnapshot(snapshot)
    store.byId[6].horse.photos = [{ image: '/media/a.jpg' }]
    push({ type: 'auction:state', ...snapshot, current_price: 3_000_000, bid_count: 5 })
    expect(store.byId[6]).toMatchObject({ current_price: 3_000_000, bid_count: 5 })
    expect(store.byId[6].horse.photos).toHaveLength(1)
  })
})

describe('the auctions store keeps to the newest version (seq)', () => {
  let store
  let sync
  beforeEach(() => {
    setActivePinia(createPinia())
    store = useAuctionsStore()
    sync = vi.spyOn(realtime, 'sync').mockImplementation(() => {})
    store.applySnapshot({ ...snapshot, seq: 10 })
  })

  it('ignores a stale event and a stale tick, so an extension is never undone', () => {
    push({
      type: 'auction:extended',
      auction_id: 6,
      seq: 11,
      ends_at_ms: 1_800_000_300_000,
      extension_count: 1,
    })
    push({ type: 'auction:timer', auction_id: 6, seq: 10, ends_at_ms: 1_800_000_000_000 })
    push({ type: 'auction:update', auction_id: 6, seq: 11, current_price: 1 })
    expect(store.byId[6]).toMatchObject({ seq: 11, ends_at_ms: 1_800_000_300_000, current_price: 2_500_000 })
    expect(sync).not.toHaveBeenCalled()
  })

  it('ignores a REST snapshot older than what the socket brought', () => {
    push({ type: 'auction:update', auction_id: 6, seq: 11, current_price: 2_600_000 })
    store.applySnapshot({ ...snapshot, seq: 10, current_price: 2_500_000 })
    expect(store.byId[6].current_price).toBe(2_600_000)
  })

  it('asks for auction:sync when it sees a gap', () => {
    push({ type: 'auction:update', auction_id: 6, seq: 13, current_price: 2_800_000 })
    expect(store.byId[6].current_price).toBe(2_800_000)
    expect(sync).toHaveBeenCalledWith(6)
  })

  it('asks for auction:sync when a tick shows a version it has not seen', () => {
    push({ type: 'auction:timer', auction_id: 6, seq: 12, ends_at_ms: 1 })
    expect(sync).toHaveBeenCalledWith(6)
    expect(store.byId[6].ends_at_ms).toBe(snapshot.ends_at_ms) // only the fresh state says what changed
  })

  it('asks for auction:sync when the clock has run out and no end came', () => {
    store.checkOverdue(snapshot.ends_at_ms + 1000)
    expect(sync).not.toHaveBeenCalled()
    store.checkOverdue(snapshot.ends_at_ms + 3000)
    expect(sync).toHaveBeenCalledWith(6)
  })

  it('stops the clock on auction:paused, restarts it on auction:resumed, and keeps a message apart', () => {
    const auction = store.byId[6] // at seq 10
    push({ type: 'auction:paused', auction_id: 6, seq: 11, paused: true, paused_remaining_ms: 42_000 })
    expect([auction.paused, auction.paused_remaining_ms]).toEqual([true, 42_000])
    push({ type: 'auction:message', auction_id: 6, seq: 12, text: '上場番号7は欠場です', sent_at_ms: 1 })
    expect(store.roomMessages[6].text).toBe('上場番号7は欠場です')
    expect(auction.text).toBeUndefined()
    push({
      type: 'auction:resumed',
      auction_id: 6,
      seq: 13,
      paused: false,
      paused_remaining_ms: null,
      ends_at_ms: 5,
    })
    expect([auction.paused, auction.ends_at_ms, auction.seq]).toEqual([false, 5, 13])
  })
})

describe('an extension for an outage (rule 12)', () => {
  it('keeps the reason for the notice, not on the lot', () => {
    setActivePinia(createPinia())
    const store = useAuctionsStore()
    store.applySnapshot({ ...snapshot, seq: 3 })
    push({
      type: 'auction:extended',
      auction_id: 6,
      seq: 4,
      reason: 'outage',
      ends_at_ms: 1,
      extension_count: 1,
    })
    expect(store.extensions[6].reason).toBe('outage')
    expect(store.byId[6].reason).toBeUndefined()
  })
})
