// The auction-room socket client: one WebSocket to /ws/auctions/ for the whole app, joined to as many auction
// rooms as the screens on show need (the list joins every lot on it, a room page joins its lot).
//
// Plain JS, no Vue: the app wires it to the stores (src/realtime/index.js); tests drive it with a fake WebSocket.
//
// What it guarantees:
// - It reconnects by itself after any drop, with exponential backoff and jitter (so ten thousand phones do not
//   all knock at the same instant after a server restart), re-joins every room it was in, and the server answers
//   each join with a full `auction:state` snapshot, so the screens resync without a reload.
// - Close codes: 4401 (token expired) → ask the app for a fresh token, reconnect at once; 4403 (token invalid) →
//   tell the app (it signs out), reconnect anonymously; 4429 (abuse) → wait at least `abuseMs`; 4409 (the account's
//   standing changed: deactivated, demoted, approval revoked) → reconnect, and the new session says who one is now.
// - Bids. THE POLICY: a bid asked for while the socket is not connected is REFUSED on screen at once (answer
//   code `offline`); it is never queued to go out later at a price the bidder no longer sees. A bid that was sent
//   while connected but whose answer was lost with the connection stays pending and is SENT AGAIN ONCE the socket
//   is back, with the SAME idempotency key: the server either answers with the original result or takes it for the
//   first time, and never makes two bids of it. If no answer comes within `bidTimeoutMs`, the bid is reported as
//   `no_answer` (unknown: the screen says to check the history, which the resync has brought up to date).
//   Nothing is ever dropped silently: every bid() promise resolves with an outcome.
// - The token is read afresh (`getToken`) for every connection, so a reconnect after a refresh uses the new one;
//   `reconnect()` switches a live socket to a new token (or to anonymous) at once.

export const ConnectionState = Object.freeze({
  IDLE: 'idle', // not started, or stopped by disconnect()
  CONNECTING: 'connecting', // first connection under way
  OPEN: 'open', // the server has said hello (`session`); rooms joined
  RECONNECTING: 'reconnecting', // lost; waiting for the next attempt or attempting
})

export const CloseCode = Object.freeze({
  NORMAL: 1000,
  TOKEN_EXPIRED: 4401,
  TOKEN_INVALID: 4403,
  ABUSE: 4429,
  SESSION_REVOKED: 4409,
})

const WS_OPEN = 1

function defaultTimers() {
  return {
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (id) => globalThis.clearTimeout(id),
  }
}

/** The /ws/auctions/ URL on this page's origin, ws: or wss: to match http: or https:. */
export function defaultSocketUrl(location = globalThis.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/ws/auctions/`
}

export class RealtimeClient {
  constructor({
    url = () => defaultSocketUrl(),
    getToken = () => null,
    onTokenExpired = async () => {},
    onTokenInvalid = async () => {},
    WebSocketImpl = globalThis.WebSocket,
    timers = defaultTimers(),
    random = Math.random,
    baseDelayMs = 500,
    maxDelayMs = 10_000,
    abuseDelayMs = 30_000,
    connectTimeoutMs = 10_000,
    bidTimeoutMs = 20_000,
    logger = null,
  } = {}) {
    Object.assign(this, {
      url,
      getToken,
      onTokenExpired,
      onTokenInvalid,
      WebSocketImpl,
      timers,
      random,
      baseDelayMs,
      maxDelayMs,
      abuseDelayMs,
      connectTimeoutMs,
      bidTimeoutMs,
      logger,
    })
    this.ws = null
    this.state = ConnectionState.IDLE
    this.attempt = 0 // failed attempts since the last good connection
    this.expiredInARow = 0
    this.retryTimer = null
    this.connectTimer = null
    this.nextRetryAt = null
    this.lastCloseCode = null
    this.session = null // the `session` message of the current connection
    this.wanted = false // true between connect() and disconnect()
    this.generation = 0 // bumps on every new socket; stale sockets' events are ignored
    this.rooms = new Map() // auction id → number of screens that want it
    this.synced = new Set() // rooms whose snapshot arrived on the current connection
    this.pending = new Map() // idempotency key → {frame, resolve, timer, sends}
    this.handlers = new Map() // message type → Set of handlers ('*': every message)
    this.stateListeners = new Set()
  }

  // --- lifecycle -----------------------------------------------------------------------------------------

  /** Starts connecting (idempotent). */
  connect() {
    this.wanted = true
    if (!this.ws && !this.retryTimer) this._open()
  }

  /** Closes for good: no reconnect. Pending bids are answered `no_answer`. */
  disconnect() {
    this.wanted = false
    this._clearRetry()
    this._dropSocket(CloseCode.NORMAL, 'client disconnect')
    this.synced.clear()
    for (const key of [...this.pending.keys()]) this._settle(key, { status: 'unknown', code: 'no_answer' })
    this._setState(ConnectionState.IDLE)
  }

  /**
   * Drops the current socket and connects again at once, e.g. with a fresh token after a refresh, or as
   * someone else after a sign-in or sign-out. Rooms are re-joined, pending bids re-sent.
   */
  reconnect() {
    if (!this.wanted) return
    this._clearRetry()
    this._dropSocket(CloseCode.NORMAL, 'reconnect')
    this.synced.clear()
    this._setState(
      this.state === ConnectionState.IDLE ? ConnectionState.CONNECTING : ConnectionState.RECONNECTING,
    )
    this._open()
  }

  /** Skips the rest of a backoff wait (the browser says it is back online, the tab became visible). */
  retryNow() {
    if (this.wanted && this.retryTimer) {
      this._clearRetry()
      this._open()
    }
  }

  // --- rooms ---------------------------------------------------------------------------------------------

  /** Joins an auction room; returns a function that leaves it. Several screens may join the same room. */
  join(auctionId) {
    const id = Number(auctionId)
    const count = this.rooms.get(id) || 0
    this.rooms.set(id, count + 1)
    if (count === 0 && this.state === ConnectionState.OPEN)
      this._send({ type: 'auction:join', auction_id: id })
    let left = false
    return () => {
      if (!left) {
        left = true
        this.leave(id)
      }
    }
  }

  leave(auctionId) {
    const id = Number(auctionId)
    const count = this.rooms.get(id) || 0
    if (count <= 1) {
      this.rooms.delete(id)
      this.synced.delete(id)
      if (count === 1 && this.state === ConnectionState.OPEN)
        this._send({ type: 'auction:leave', auction_id: id })
    } else {
      this.rooms.set(id, count - 1)
    }
  }

  /** Asks for a fresh `auction:state` of a joined room: after a gap in `seq`, or a clock at zero with no end. */
  sync(auctionId) {
    const id = Number(auctionId)
    if (this.state === ConnectionState.OPEN && this.rooms.has(id))
      this._send({ type: 'auction:sync', auction_id: id })
  }

  isSynced(auctionId) {
    return this.state === ConnectionState.OPEN && this.synced.has(Number(auctionId))
  }

  // --- bids ----------------------------------------------------------------------------------------------

  /**
   * Sends a bid. Resolves (never rejects) with one of:
   *   {status: 'accepted', bid, message}
   *   {status: 'rejected', code, detail, message}   (the server's reason, or `offline` if not connected)
   *   {status: 'unknown', code: 'no_answer'}         (sent, but no answer in time)
   */
  bid({ auctionId, amount, idempotencyKey }) {
    if (!idempotencyKey) throw new Error('a bid needs an idempotency key')
    const existing = this.pending.get(idempotencyKey)
    if (existing) return existing.promise // a double tap: the same bid, one answer
    if (this.state !== ConnectionState.OPEN) {
      return Promise.resolve({ status: 'rejected', code: 'offline', detail: null })
    }
    const frame = {
      type: 'auction:bid',
      auction_id: Number(auctionId),
      amount,
      idempotency_key: idempotencyKey,
    }
    let resolve
    const promise = new Promise((r) => {
      resolve = r
    })
    const entry = { frame, resolve, promise, sends: 0, timer: null }
    entry.timer = this.timers.setTimeout(
      () => this._settle(idempotencyKey, { status: 'unknown', code: 'no_answer' }),
      this.bidTimeoutMs,
    )
    this.pending.set(idempotencyKey, entry)
    this._sendBid(entry)
    return promise
  }

  get pendingBids() {
    return [...this.pending.values()].map((entry) => ({ ...entry.frame, sends: entry.sends }))
  }

  // --- listeners -----------------------------------------------------------------------------------------

  /** Calls handler(message) for every message of this type ('*' for all); returns an unsubscribe function. */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set())
    this.handlers.get(type).add(handler)
    return () => this.handlers.get(type)?.delete(handler)
  }

  /** Calls listener(status) now and on every change of connection state; returns an unsubscribe function. */
  onState(listener) {
    this.stateListeners.add(listener)
    listener(this.status)
    return () => this.stateListeners.delete(listener)
  }

  get status() {
    return {
      state: this.state,
      attempt: this.attempt,
      nextRetryAt: this.nextRetryAt,
      lastCloseCode: this.lastCloseCode,
      session: this.session,
    }
  }

  // --- internals -----------------------------------------------------------------------------------------

  async _open() {
    const generation = ++this.generation
    if (this.state !== ConnectionState.OPEN) {
      this._setState(this.state === ConnectionState.IDLE ? ConnectionState.CONNECTING : this.state)
    }
    let token = null
    try {
      token = await this.getToken()
    } catch (error) {
      this._log('token lookup failed', error)
    }
    if (generation !== this.generation || !this.wanted) return
    const base = typeof this.url === 'function' ? this.url() : this.url
    const url = token ? `${base}${base.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : base
    let ws
    try {
      ws = new this.WebSocketImpl(url)
    } catch (error) {
      this._log('socket construction failed', error)
      this._scheduleRetry()
      return
    }
    this.ws = ws
    this.session = null
    this.connectTimer = this.timers.setTimeout(() => {
      if (ws === this.ws && this.state !== ConnectionState.OPEN) {
        this._log('connect timed out')
        this._dropSocket(CloseCode.NORMAL, 'connect timeout')
        this._onLost(null)
      }
    }, this.connectTimeoutMs)
    ws.onmessage = (event) => {
      if (ws === this.ws) this._onMessage(event.data)
    }
    ws.onclose = (event) => {
      if (ws === this.ws) {
        this.ws = null
        this._onLost(event?.code ?? null)
      }
    }
    ws.onerror = () => {
      // A close event always follows; the reconnect happens there.
    }
  }

  _onMessage(raw) {
    let message
    try {
      message = JSON.parse(raw)
    } catch {
      this._log('unparsable frame ignored')
      return
    }
    if (!message || typeof message.type !== 'string') return
    if (message.type === 'session') this._onSession(message)
    if (message.type === 'auction:state') {
      const id = Number(message.id ?? message.auction_id)
      if (this.rooms.has(id)) this.synced.add(id)
    }
    if (message.type === 'auction:bid:accepted') {
      this._settle(message.idempotency_key, { status: 'accepted', bid: message.bid ?? null, message })
    } else if (
      message.type === 'auction:bid:rejected' ||
      (message.type === 'error' && message.idempotency_key)
    ) {
      this._settle(message.idempotency_key, {
        status: 'rejected',
        code: message.code || 'rejected',
        detail: message.detail ?? null,
        message,
      })
    }
    this._dispatch(message.type, message)
    this._dispatch('*', message)
  }

  _onSession(message) {
    this._clearConnectTimer()
    this.session = message
    this.attempt = 0
    this.expiredInARow = 0
    this.nextRetryAt = null
    this.synced.clear()
    this._setState(ConnectionState.OPEN)
    // Re-join every room: each join is answered with a full snapshot (the resync). The server handles one
    // socket's frames in order, so the joins land before any re-sent bid.
    for (const id of this.rooms.keys()) this._send({ type: 'auction:join', auction_id: id })
    for (const entry of this.pending.values()) this._sendBid(entry)
  }

  async _onLost(code) {
    this._clearConnectTimer()
    this.lastCloseCode = code
    this.session = null
    this.synced.clear()
    if (!this.wanted) return
    this._setState(ConnectionState.RECONNECTING)
    if (code === CloseCode.TOKEN_EXPIRED) {
      this.expiredInARow += 1
      if (this.expiredInARow <= 2) {
        const generation = this.generation
        try {
          await this.onTokenExpired()
        } catch (error) {
          this._log('token refresh failed', error)
        }
        if (generation === this.generation && this.wanted && !this.ws) this._open()
        return
      }
    } else if (code === CloseCode.TOKEN_INVALID) {
      const generation = this.generation
      try {
        await this.onTokenInvalid()
      } catch (error) {
        this._log('token invalid handler failed', error)
      }
      if (generation !== this.generation || !this.wanted || this.ws) return
    }
    this._scheduleRetry(code === CloseCode.ABUSE ? this.abuseDelayMs : 0)
  }

  /** Exponential backoff with jitter: half the ceiling plus a random share of the other half. */
  backoffDelay(attempt) {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt)
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2))
  }

  _scheduleRetry(minimumMs = 0) {
    this._clearRetry()
    const delay = Math.max(minimumMs, this.backoffDelay(this.attempt))
    this.attempt += 1
    this.nextRetryAt = Date.now() + delay
    this._setState(ConnectionState.RECONNECTING)
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null
      this.nextRetryAt = null
      if (this.wanted) this._open()
    }, delay)
  }

  _clearRetry() {
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.nextRetryAt = null
  }

  _clearConnectTimer() {
    if (this.connectTimer) this.timers.clearTimeout(this.connectTimer)
    this.connectTimer = null
  }

  _dropSocket(code, reason) {
    this._clearConnectTimer()
    const ws = this.ws
    this.ws = null
    this.generation += 1
    if (ws) {
      ws.onmessage = ws.onclose = ws.onerror = null
      try {
        ws.close(code, reason)
      } catch {
        // already closed
      }
    }
  }

  _sendBid(entry) {
    if (this.state === ConnectionState.OPEN && this._send(entry.frame)) entry.sends += 1
  }

  _settle(key, outcome) {
    const entry = key ? this.pending.get(key) : null
    if (!entry) return
    this.pending.delete(key)
    this.timers.clearTimeout(entry.timer)
    entry.resolve({
      idempotencyKey: key,
      auctionId: entry.frame.auction_id,
      amount: entry.frame.amount,
      ...outcome,
    })
  }

  _send(frame) {
    const ws = this.ws
    if (!ws || ws.readyState !== WS_OPEN) return false
    try {
      ws.send(JSON.stringify(frame))
      return true
    } catch (error) {
      this._log('send failed', error)
      return false
    }
  }

  _dispatch(type, message) {
    for (const handler of this.handlers.get(type) || []) {
      try {
        handler(message)
      } catch (error) {
        this._log(`handler for ${type} failed`, error)
      }
    }
  }

  _setState(state) {
    this.state = state
    const status = this.status
    for (const listener of this.stateListeners) listener(status)
  }

  _log(...args) {
    if (this.logger) this.logger(...args)
  }
}
