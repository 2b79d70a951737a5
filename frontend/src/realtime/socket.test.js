import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CloseCode, ConnectionState, RealtimeClient } from './socket.js'

// A stand-in for the browser's WebSocket that the test plays the server for.
class FakeWebSocket {
  static instances = []

  constructor(url) {
    this.url = url
    this.readyState = 0
    this.sent = []
    this.closedByClient = null
    FakeWebSocket.instances.push(this)
  }

  send(data) {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data))
  }

  close(code, reason) {
    this.closedByClient = { code, reason }
    this.readyState = 3
  }

  // --- the server's side ---
  accept(user = { role: 'bidder', id: 7, paddle_number: 12 }) {
    this.readyState = 1
    this.onopen?.({})
    this.push({ type: 'session', user })
  }

  push(message) {
    this.onmessage?.({ data: JSON.stringify({ server_time: 1_700_000_000_000, ...message }) })
  }

  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.({ code })
  }

  framesOf(type) {
    return this.sent.filter((frame) => frame.type === type)
  }
}

const latest = () => FakeWebSocket.instances.at(-1)
const flush = () => vi.advanceTimersByTimeAsync(0)

function makeClient(overrides = {}) {
  let token = 'access-1'
  const client = new RealtimeClient({
    url: 'ws://test/ws/auctions/',
    getToken: () => token,
    WebSocketImpl: FakeWebSocket,
    random: () => 0.5,
    ...overrides,
  })
  return { client, setToken: (t) => (token = t) }
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeWebSocket.instances = []
})

afterEach(() => {
  vi.useRealTimers()
})

describe('connecting', () => {
  it('connects with the access token and joins its rooms once the server has said hello', async () => {
    const { client } = makeClient()
    const states = []
    client.onState((s) => states.push(s.state))
    client.join(3)
    client.join(4)
    client.connect()
    await flush()
    expect(latest().url).toBe('ws://test/ws/auctions/?token=access-1')
    expect(client.state).toBe(ConnectionState.CONNECTING)
    latest().accept()
    expect(client.state).toBe(ConnectionState.OPEN)
    expect(
      latest()
        .framesOf('auction:join')
        .map((f) => f.auction_id),
    ).toEqual([3, 4])
    expect(states).toEqual(['idle', 'connecting', 'open'])
  })

  it('connects anonymously without a token', async () => {
    const { client } = makeClient({ getToken: async () => null })
    client.connect()
    await flush()
    expect(latest().url).toBe('ws://test/ws/auctions/')
  })

  it('joins and leaves rooms live, counting screens that share a room', async () => {
    const { client } = makeClient()
    client.connect()
    await flush()
    latest().accept()
    const leaveList = client.join(9)
    const leaveRoom = client.join(9)
    expect(latest().framesOf('auction:join')).toHaveLength(1)
    leaveRoom()
    leaveRoom() // leaving twice through the same handle counts once
    expect(latest().framesOf('auction:leave')).toHaveLength(0)
    leaveList()
    expect(latest().framesOf('auction:leave')).toEqual([{ type: 'auction:leave', auction_id: 9 }])
  })
})

describe('reconnecting', () => {
  it('reconnects by itself with growing, jittered delays', async () => {
    const { client } = makeClient()
    client.connect()
    await flush()
    latest().accept()
    latest().drop(1006)
    expect(client.state).toBe(ConnectionState.RECONNECTING)

    // random() = 0.5: delays are 3/4 of min(10 s, 500 ms · 2^attempt): 375, 750, 1500, 3000 ms.
    const delays = [375, 750, 1500, 3000]
    for (const delay of delays) {
      const before = FakeWebSocket.instances.length
      await vi.advanceTimersByTimeAsync(delay - 1)
      expect(FakeWebSocket.instances.length).toBe(before)
      await vi.advanceTimersByTimeAsync(1)
      expect(FakeWebSocket.instances.length).toBe(before + 1)
      latest().drop(1006) // the server is still down
    }
    expect(client.attempt).toBe(5)
  })

  it('keeps the jitter within half the ceiling to the ceiling, capped', () => {
    const low = new RealtimeClient({ random: () => 0, WebSocketImpl: FakeWebSocket })
    const high = new RealtimeClient({ random: () => 0.999999, WebSocketImpl: FakeWebSocket })
    expect(low.backoffDelay(0)).toBe(250)
    expect(high.backoffDelay(0)).toBe(500)
    expect(low.backoffDelay(3)).toBe(2000)
    expect(high.backoffDelay(3)).toBe(4000)
    expect(low.backoffDelay(30)).toBe(5000)
    expect(high.backoffDelay(30)).toBe(10000)
  })

  it('re-joins the rooms it is in (not those it left) and resyncs from auction:state', async () => {
    const { client } = makeClient()
    const snapshots = []
    client.on('auction:state', (m) => snapshots.push(m))
    client.connect()
    await flush()
    latest().accept()
    client.join(1)
    const leave2 = client.join(2)
    latest().push({ type: 'auction:state', id: 1, current_price: 1_000_000 })
    expect(client.isSynced(1)).toBe(true)
    leave2()

    latest().drop(1006)
    expect(client.isSynced(1)).toBe(false)
    await vi.advanceTimersByTimeAsync(375)
    const second = latest()
    expect(second).not.toBe(FakeWebSocket.instances[0])
    second.accept()
    expect(second.framesOf('auction:join')).toEqual([{ type: 'auction:join', auction_id: 1 }])
    expect(client.isSynced(1)).toBe(false) // joined, but the snapshot is not in yet

    // Bids taken while this client was away: the snapshot on re-join carries them.
    second.push({ type: 'auction:state', id: 1, current_price: 1_500_000, bid_count: 4 })
    expect(client.isSynced(1)).toBe(true)
    expect(snapshots.at(-1)).toMatchObject({ id: 1, current_price: 1_500_000, bid_count: 4 })
  })

  it('resets the backoff after a good connection', async () => {
    const { client } = makeClient()
    client.connect()
    await flush()
    latest().drop(1006)
    await vi.advanceTimersByTimeAsync(375)
    latest().drop(1006)
    await vi.advanceTimersByTimeAsync(750)
    latest().accept()
    expect(client.attempt).toBe(0)
    latest().drop(1006)
    const before = FakeWebSocket.instances.length
    await vi.advanceTimersByTimeAsync(375)
    expect(FakeWebSocket.instances.length).toBe(before + 1)
  })

  it('gives up on a handshake that hangs and tries again', async () => {
    const { client } = makeClient({ connectTimeoutMs: 5_000 })
    client.connect()
    await flush()
    const hung = latest()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(hung.closedByClient).not.toBe(null)
    await vi.advanceTimersByTimeAsync(375)
    expect(latest()).not.toBe(hung)
  })

  it('stops for good on disconnect()', async () => {
    const { client } = makeClient()
    client.connect()
    await flush()
    latest().accept()
    client.disconnect()
    expect(latest().closedByClient.code).toBe(1000)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeWebSocket.instances).toHaveLength(1)
    expect(client.state).toBe(ConnectionState.IDLE)
  })

  it('connects again at once when asked to retry now (back online)', async () => {
    const { client } = makeClient()
    client.connect()
    await flush()
    latest().accept()
    latest().drop(1006)
    client.retryNow()
    await flush()
    expect(FakeWebSocket.instances).toHaveLength(2)
  })
})

describe('tokens and close codes', () => {
  it('on 4401 refreshes the token and reconnects at once with the fresh one', async () => {
    const { client, setToken } = makeClient({
      onTokenExpired: vi.fn(async () => setToken('access-2')),
    })
    client.join(5)
    client.connect()
    await flush()
    latest().accept()
    latest().push({ type: 'error', code: 'token_expired', detail: '...' })
    latest().drop(CloseCode.TOKEN_EXPIRED)
    await flush()
    expect(client.onTokenExpired).toHaveBeenCalledTimes(1)
    expect(latest().url).toBe('ws://test/ws/auctions/?token=access-2')
    latest().accept()
    expect(latest().framesOf('auction:join')).toEqual([{ type: 'auction:join', auction_id: 5 }])
  })

  it('on 4403 lets the app sign out and reconnects anonymously', async () => {
    const { client, setToken } = makeClient({
      onTokenInvalid: vi.fn(async () => setToken(null)),
    })
    client.connect()
    await flush()
    latest().drop(CloseCode.TOKEN_INVALID)
    await flush()
    expect(client.onTokenInvalid).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(375)
    expect(latest().url).toBe('ws://test/ws/auctions/')
  })

  it('on 4429 waits at least the abuse delay', async () => {
    const { client } = makeClient({ abuseDelayMs: 30_000 })
    client.connect()
    await flush()
    latest().accept()
    latest().drop(CloseCode.ABUSE)
    await vi.advanceTimersByTimeAsync(29_999)
    expect(FakeWebSocket.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeWebSocket.instances).toHaveLength(2)
  })

  it('switches a live socket to a new token on reconnect()', async () => {
    const { client, setToken } = makeClient()
    client.join(8)
    client.connect()
    await flush()
    const first = latest()
    first.accept()
    setToken('access-after-refresh')
    client.reconnect()
    await flush()
    expect(first.closedByClient.code).toBe(1000)
    expect(latest().url).toBe('ws://test/ws/auctions/?token=access-after-refresh')
    latest().accept()
    expect(latest().framesOf('auction:join')).toEqual([{ type: 'auction:join', auction_id: 8 }])
  })
})

describe('bids', () => {
  async function openClient(options) {
    const made = makeClient(options)
    made.client.join(1)
    made.client.connect()
    await flush()
    latest().accept()
    return made
  }

  it('resolves with the server answer matched by idempotency key', async () => {
    const { client } = await openClient()
    const answer = client.bid({ auctionId: 1, amount: 1_100_000, idempotencyKey: 'k-1' })
    expect(latest().framesOf('auction:bid')).toEqual([
      { type: 'auction:bid', auction_id: 1, amount: 1_100_000, idempotency_key: 'k-1' },
    ])
    latest().push({
      type: 'auction:bid:rejected',
      idempotency_key: 'k-1',
      code: 'bid_too_low',
      detail: 'low',
    })
    await expect(answer).resolves.toMatchObject({
      status: 'rejected',
      code: 'bid_too_low',
      amount: 1_100_000,
    })
  })

  it('sends a double tap once and answers both taps', async () => {
    const { client } = await openClient()
    const a = client.bid({ auctionId: 1, amount: 1_100_000, idempotencyKey: 'k-2' })
    const b = client.bid({ auctionId: 1, amount: 1_100_000, idempotencyKey: 'k-2' })
    expect(latest().framesOf('auction:bid')).toHaveLength(1)
    latest().push({ type: 'auction:bid:accepted', idempotency_key: 'k-2', bid: { id: 1, amount: 1_100_000 } })
    await expect(a).resolves.toMatchObject({ status: 'accepted' })
    await expect(b).resolves.toMatchObject({ status: 'accepted' })
  })

  it('refuses a bid made while disconnected and never sends it later', async () => {
    const { client } = await openClient()
    latest().drop(1006)
    const answer = await client.bid({ auctionId: 1, amount: 1_100_000, idempotencyKey: 'k-3' })
    expect(answer).toMatchObject({ status: 'rejected', code: 'offline' })
    await vi.advanceTimersByTimeAsync(375)
    latest().accept()
    expect(latest().framesOf('auction:bid')).toHaveLength(0)
  })

  it('re-sends an unanswered bid once after reconnecting, with the same key, after the re-join', async () => {
    const { client } = await openClient()
    const answer = client.bid({ auctionId: 1, amount: 1_200_000, idempotencyKey: 'k-4' })
    latest().drop(1006) // the answer is lost with the connection
    await vi.advanceTimersByTimeAsync(375)
    const second = latest()
    second.accept()
    expect(second.sent.map((f) => f.type)).toEqual(['auction:join', 'auction:bid'])
    expect(second.framesOf('auction:bid')[0]).toMatchObject({ idempotency_key: 'k-4', amount: 1_200_000 })
    // The server recognises the key and answers with the original result.
    second.push({ type: 'auction:bid:accepted', idempotency_key: 'k-4', bid: { id: 77, amount: 1_200_000 } })
    await expect(answer).resolves.toMatchObject({ status: 'accepted', bid: { id: 77 } })
    // Answered: not sent a third time after another drop.
    second.drop(1006)
    await vi.advanceTimersByTimeAsync(750)
    latest().accept()
    expect(latest().framesOf('auction:bid')).toHaveLength(0)
  })

  it('reports a bid with no answer in time as unknown', async () => {
    const { client } = await openClient({ bidTimeoutMs: 8_000 })
    const answer = client.bid({ auctionId: 1, amount: 1_200_000, idempotencyKey: 'k-5' })
    await vi.advanceTimersByTimeAsync(8_000)
    await expect(answer).resolves.toMatchObject({ status: 'unknown', code: 'no_answer' })
    expect(client.pendingBids).toHaveLength(0)
  })

  it('takes a frame error that names the key as the refusal of that bid', async () => {
    const { client } = await openClient()
    const answer = client.bid({ auctionId: 1, amount: 1_200_000, idempotencyKey: 'k-6' })
    latest().push({ type: 'error', code: 'not_joined', detail: 'Join first', idempotency_key: 'k-6' })
    await expect(answer).resolves.toMatchObject({ status: 'rejected', code: 'not_joined' })
  })
})

describe('messages', () => {
  it('hands every message to its type handlers and to catch-all handlers', async () => {
    const { client } = makeClient()
    const updates = []
    const all = []
    const off = client.on('auction:update', (m) => updates.push(m))
    client.on('*', (m) => all.push(m.type))
    client.connect()
    await flush()
    latest().accept()
    latest().push({ type: 'auction:update', auction_id: 1, current_price: 2_000_000 })
    off()
    latest().push({ type: 'auction:update', auction_id: 1, current_price: 2_100_000 })
    latest().onmessage({ data: 'not json' })
    expect(updates).toHaveLength(1)
    expect(all).toEqual(['session', 'auction:update', 'auction:update'])
  })

  it('ignores events from a socket it has already replaced', async () => {
    const { client } = makeClient()
    const updates = []
    client.on('auction:update', (m) => updates.push(m))
    client.connect()
    await flush()
    const old = latest()
    old.accept()
    const oldOnMessage = old.onmessage
    client.reconnect()
    await flush()
    expect(old.onmessage).toBe(null)
    oldOnMessage?.({ data: JSON.stringify({ type: 'auction:update' }) }) // a late frame on a stale handler
    expect(updates).toHaveLength(0)
  })
})
