// The app's one socket, wired to the session (tokens) and the server clock. Stores subscribe to its messages.
import { RealtimeClient } from './socket.js'
import { monotonicNow } from '../lib/clock.js'
import { sampleServerTime } from '../lib/serverClock.js'
import * as session from '../auth/session.js'

export const realtime = new RealtimeClient({
  getToken: () => session.freshAccessToken(),
  // 4401: the token expired on the socket. Refresh; the 'refreshed' event below reconnects with the new token.
  onTokenExpired: () => session.refreshTokens(),
  // 4403: the server does not accept this token at all. Sign out here; the socket comes back anonymous.
  onTokenInvalid: () => session.clearTokens(),
  logger: import.meta.env?.DEV ? (...args) => console.debug('[realtime]', ...args) : null,
})

realtime.on('*', (message) => sampleServerTime(message, monotonicNow()))

// A new identity or a fresh token: switch the live socket over at once (rooms re-joined, pending bids re-sent).
session.onSessionChange(() => realtime.reconnect())

let started = false

/** Connects and keeps the socket alive across sleep and network changes (called once by main.js). */
export function startRealtime() {
  if (started) return
  started = true
  realtime.connect()
  if (typeof window !== 'undefined') {
    window.addEventListener('online', () => realtime.retryNow())
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        session.refreshIfDue()
        realtime.retryNow()
      }
    })
  }
}
