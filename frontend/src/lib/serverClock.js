// The app's one estimate of the server's clock, fed by every socket message and every REST answer that carries
// `server_time`. Countdowns and the token refresh timer read it.
import { ServerClock } from './clock.js'

export const serverClock = new ServerClock()

/** Samples a payload's server time: `server_time` in ms (the contract), or an ISO string as a fallback. */
export function sampleServerTime(payload, receivedAt) {
  if (!payload || typeof payload !== 'object') return
  let value = payload.server_time_ms ?? payload.server_time
  if (typeof value === 'string') value = Date.parse(value)
  if (Number.isFinite(value)) serverClock.sample(value, receivedAt)
}
