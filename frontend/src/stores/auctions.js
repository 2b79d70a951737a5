import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { auctions as auctionsApi } from '../api/index.js'
import { realtime } from '../realtime/index.js'
import { serverClock } from '../lib/serverClock.js'

// Message keys that are about the message, not the auction.
const ENVELOPE = new Set([
  'type',
  'server_time',
  'auction_id',
  'bid',
  'remaining_ms',
  'idempotency_key',
  'reason',
])
// A clock this far past zero with no `auction:ended` asks the server for the truth (the end may have been lost).
const OVERDUE_MS = 2000
const SYNC_AGAIN_MS = 5000
let overdueTimer = null

export const FINAL_STATUSES = ['sold', 'unsold', 'cancelled']
export const OPEN_STATUSES = ['draft', 'scheduled', 'active']

function bidKey(bid) {
  return bid.id ?? `amount:${bid.amount}`
}

// Every auction the app has seen, kept current by the socket. One object per auction, updated in place, so the
// list and the room show the same numbers.
export const useAuctionsStore = defineStore('auctions', () => {
  const byId = reactive({})
  const histories = reactive({}) // auction id → bids, highest first
  const extensions = reactive({}) // auction id → {at (server ms), ends_at_ms, count}: for the extension notice
  const roomMessages = reactive({}) // auction id → {text, sent_at_ms}: the auctioneer's last message to the room

  function noteExtension(id, auction, previousCount) {
    const count = auction.extension_count ?? 0
    if (count > (previousCount ?? count)) {
      extensions[id] = { at: serverClock.serverNow(), ends_at_ms: auction.ends_at_ms, count }
    }
  }

  const lastSync = {} // auction id → when we last asked for a fresh state (ms, local clock)

  function requestSync(id) {
    const now = Date.now()
    if (now - (lastSync[id] ?? 0) < SYNC_AGAIN_MS) return
    lastSync[id] = now
    realtime.sync(id)
  }

  /** Whether `seq` is older than what we hold: then the message is stale and must not undo newer state. */
  function isStale(auction, seq) {
    return auction?.seq !== undefined && seq !== undefined && seq !== null && seq < auction.seq
  }

  /** A full snapshot (REST detail, list item, or `auction:state`): replaces what we had, unless it is older. */
  function applySnapshot(snapshot) {
    const id = Number(snapshot.id ?? snapshot.auction_id)
    if (!id) return null
    const previous = byId[id]
    if (isStale(previous, snapshot.seq)) return previous // a REST read that left before the last socket event
    const previousCount = previous?.extension_count
    const fields = {}
    for (const [key, value] of Object.entries(snapshot)) if (!ENVELOPE.has(key)) fields[key] = value
    fields.id = id
    if (previous) {
      // Keep the richer horse record (photos, documents) a room page may have loaded.
      if (previous.horse && fields.horse) fields.horse = { ...previous.horse, ...fields.horse }
      Object.assign(previous, fields)
    } else {
      byId[id] = fields
    }
    if (previous) noteExtension(id, byId[id], previousCount)
    return byId[id]
  }

  /**
   * A partial event: merges its fields into the auction it names, if it is newer than what we hold (`seq`).
   * A change must be exactly the next version; a tick carries the current one. Anything further ahead means we
   * missed something: apply it, and ask for a fresh state.
   */
  function applyEvent(message) {
    const id = Number(message.auction_id ?? message.id)
    if (!id) return
    const auction = byId[id]
    if (!auction) return // not a lot we show; its snapshot will come with the join
    const seq = message.seq
    if (seq !== undefined && auction.seq !== undefined) {
      const isTick = message.type === 'auction:timer'
      if (isTick ? seq < auction.seq : seq <= auction.seq) return // stale: never undo a newer state
      if (seq > auction.seq + (isTick ? 0 : 1)) requestSync(id)
      if (isTick && seq > auction.seq) return // only the fresh state can say what changed
    }
    if (message.type === 'auction:message') {
      // A message is about the room, not the lot: shown, never merged into the lot's fields.
      roomMessages[id] = { text: message.text, sent_at_ms: message.sent_at_ms }
      if (seq !== undefined) auction.seq = seq
      return
    }
    const previousCount = auction.extension_count
    for (const [key, value] of Object.entries(message)) if (!ENVELOPE.has(key)) auction[key] = value
    if (message.type === 'auction:extended') {
      extensions[id] = {
        at: serverClock.serverNow(),
        ends_at_ms: message.ends_at_ms,
        count: message.extension_count ?? (previousCount ?? 0) + 1,
        reason: message.reason ?? 'bid', // 'outage': the platform could not take bids (rule 12)
      }
    }
    if (message.type === 'auction:ended' || FINAL_STATUSES.includes(auction.status))
      auction.min_next_bid = null
    if (message.bid) addBid(id, message.bid)
  }

  function addBid(id, bid) {
    if (!bid || bid.amount === undefined) return
    const list = histories[id] ?? (histories[id] = [])
    if (list.some((b) => bidKey(b) === bidKey(bid))) return
    list.push(bid)
    list.sort((a, b) => b.amount - a.amount)
  }

  async function fetchList(params) {
    const items = await auctionsApi.list(params)
    return items.map(applySnapshot).filter(Boolean)
  }

  async function fetchOne(id) {
    return applySnapshot(await auctionsApi.get(id))
  }

  async function fetchHistory(id) {
    const bids = await auctionsApi.bids(id)
    const key = Number(id)
    const merged = new Map((histories[key] ?? []).map((b) => [bidKey(b), b]))
    for (const bid of bids) merged.set(bidKey(bid), bid)
    histories[key] = [...merged.values()].sort((a, b) => b.amount - a.amount)
    return histories[key]
  }

  function dismissExtension(id) {
    delete extensions[id]
  }

  /** Called every second: a live lot whose clock has run out without `auction:ended` asks for a fresh state. */
  function checkOverdue(serverNowMs = serverClock.serverNow()) {
    for (const auction of Object.values(byId)) {
      if (auction.status === 'active' && auction.ends_at_ms && serverNowMs - auction.ends_at_ms > OVERDUE_MS)
        requestSync(auction.id)
    }
  }
  if (typeof window !== 'undefined') {
    clearInterval(overdueTimer) // one watch per app (a new store replaces the old one, as in tests)
    overdueTimer = setInterval(() => checkOverdue(), 1000)
  }

  realtime.on('auction:state', (message) => {
    applySnapshot(message)
    // A resync after a reconnect may have missed bids: refresh the history of rooms that keep one.
    const id = Number(message.id ?? message.auction_id)
    if (histories[id] && (message.bid_count ?? 0) > histories[id].length) fetchHistory(id).catch(() => {})
  })
  for (const type of [
    'auction:update',
    'auction:extended',
    'auction:timer',
    'auction:started',
    'auction:ended',
    'auction:scheduled',
    'auction:paused',
    'auction:resumed',
    'auction:message',
  ]) {
    realtime.on(type, applyEvent)
  }

  return {
    byId,
    histories,
    extensions,
    roomMessages,
    applySnapshot,
    applyEvent,
    addBid,
    fetchList,
    fetchOne,
    fetchHistory,
    dismissExtension,
    checkOverdue,
  }
})
