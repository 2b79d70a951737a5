// The server's clock, as seen from this device.
//
// Every server message carries `server_time` (ms since the epoch). A message stamped S by the server and received
// here at local time R left the server before it arrived, so S - R is a lower bound of the true offset
// (server clock minus local clock), short of it by the message's one-way delay. Keeping the largest of the recent
// samples picks the one that travelled fastest, which is the best estimate (the NTP "minimum delay" filter).
//
// Local time is read from a monotonic clock (performance.timeOrigin + performance.now()), so the user changing the
// phone's clock mid-auction changes nothing. If the monotonic clock stalls while the device sleeps, newer samples
// are larger and win at once; old samples age out of the window either way.
//
// The countdown is then `ends_at_ms - (local now + offset)`: every screen shows the same remaining time whatever
// its own clock says, to within the fastest one-way delay (a few tens of milliseconds).

export function monotonicNow() {
  if (typeof performance !== 'undefined' && typeof performance.now === 'function' && performance.timeOrigin) {
    return performance.timeOrigin + performance.now()
  }
  return Date.now()
}

export class ServerClock {
  /**
   * @param {object} [options]
   * @param {() => number} [options.now] local clock in ms (injected in tests)
   * @param {number} [options.maxSamples] how many recent samples to keep
   * @param {number} [options.maxAgeMs] samples older than this are dropped
   */
  constructor({ now = monotonicNow, maxSamples = 30, maxAgeMs = 60_000 } = {}) {
    this.now = now
    this.maxSamples = maxSamples
    this.maxAgeMs = maxAgeMs
    this.samples = [] // {offset, at}
    this.offset = 0
  }

  get synced() {
    return this.samples.length > 0
  }

  /** Records one observation of the server's clock; `receivedAt` defaults to now. Returns the new offset. */
  sample(serverTimeMs, receivedAt = this.now()) {
    if (!Number.isFinite(serverTimeMs)) return this.offset
    this.samples.push({ offset: serverTimeMs - receivedAt, at: receivedAt })
    const oldest = receivedAt - this.maxAgeMs
    this.samples = this.samples.filter((s) => s.at >= oldest).slice(-this.maxSamples)
    this.offset = Math.max(...this.samples.map((s) => s.offset))
    return this.offset
  }

  /** The server's time now, in ms since the epoch. */
  serverNow() {
    return this.now() + this.offset
  }

  /** Milliseconds left until `endsAtMs` (server time), never negative; null without a deadline. */
  remainingMs(endsAtMs, at = this.serverNow()) {
    if (endsAtMs === null || endsAtMs === undefined || !Number.isFinite(endsAtMs)) return null
    return Math.max(0, endsAtMs - at)
  }
}

/** The deadline of a snapshot in ms: `ends_at_ms` when sent, else parsed from the ISO `ends_at`. */
export function endsAtMs(auction) {
  if (!auction) return null
  if (Number.isFinite(auction.ends_at_ms)) return auction.ends_at_ms
  if (auction.ends_at) {
    const parsed = Date.parse(auction.ends_at)
    return Number.isNaN(parsed) ? null : parsed
  }
  return null
}

/**
 * "4:05" / "1:02:03": whole seconds rounded up, so the display reaches 0:00 exactly when time is up.
 * Returns "--:--" without a deadline.
 */
export function formatCountdown(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '--:--'
  const total = Math.ceil(Math.max(0, ms) / 1000)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const ss = String(seconds).padStart(2, '0')
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`
  return `${minutes}:${ss}`
}
