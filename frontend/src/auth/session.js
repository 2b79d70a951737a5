// The signed-in session: the JWT pair, kept apart from everything else.
//
// Where the tokens live, and why:
// - The ACCESS token (15 min) lives only in this module's closure: not in Pinia state (which devtools and any
//   script holding the app instance can read), not in any storage. A reload loses it; the refresh token gets a new
//   one. An injected script could still call our API while the page is open — no browser design prevents that
//   short of httpOnly cookies, which the wire contract (JSON bodies, `?token=` on the socket) does not use.
// - The REFRESH token (7 days, rotated on every use, blacklisted on logout) lives in sessionStorage, not
//   localStorage. Trade-off: sessionStorage is per tab and is gone when the tab (or the installed app's window)
//   closes, so the user signs in again more often, and a lot opened in a new tab starts signed out. In return a
//   stolen-by-XSS token is exposed for a shorter time, nothing is left on a shared or lost phone after the tab is
//   closed, and — the decisive reason with rotating refresh tokens — two tabs never race to rotate the same refresh
//   token (with localStorage the loser's token is blacklisted and that tab is thrown out mid-auction).
// - The access token is refreshed about 60 s before it expires (its `exp`, read against the server's clock, not
//   the phone's), and at once when a request or the socket finds it expired. Refreshes are single-flight.

import axios from 'axios'
import { serverClock } from '../lib/serverClock.js'

const REFRESH_KEY = 'umaseri.refresh'
export const REFRESH_LEAD_MS = 60_000
const RETRY_AFTER_NETWORK_ERROR_MS = 15_000
const MIN_REFRESH_DELAY_MS = 1_000

let accessToken = null
let refreshTimer = null
let inFlight = null
const listeners = new Set()

// A bare client for the refresh call itself, so the API client's 401 handling cannot loop into it.
const bare = axios.create({ baseURL: '/api', timeout: 15_000 })

function storage() {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null // storage disabled (some private modes)
  }
}

/** The payload of a JWT, or null. Only read for `exp`: the signature is the server's business. */
export function decodeJwt(token) {
  if (typeof token !== 'string') return null
  const part = token.split('.')[1]
  if (!part) return null
  try {
    const base64 = part
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(part.length / 4) * 4, '=')
    const json = decodeURIComponent(
      Array.from(atob(base64), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
    )
    return JSON.parse(json)
  } catch {
    return null
  }
}

/** Milliseconds (server time) at which a token expires, or null. */
export function expiresAtMs(token) {
  const exp = decodeJwt(token)?.exp
  return Number.isFinite(exp) ? exp * 1000 : null
}

/**
 * When to refresh an access token, in ms from now on the server's clock: `leadMs` before it expires, or halfway
 * through its life if that is shorter (a 30 s token must not be refreshed in a tight loop), and never sooner than
 * a second from now.
 */
export function refreshDelayMs(expMs, serverNow, { issuedAtMs = null, leadMs = REFRESH_LEAD_MS } = {}) {
  const lifetime = issuedAtMs === null ? null : expMs - issuedAtMs
  const lead = lifetime !== null && lifetime > 0 ? Math.min(leadMs, lifetime / 2) : leadMs
  return Math.max(MIN_REFRESH_DELAY_MS, expMs - serverNow - lead)
}

export function getAccessToken() {
  return accessToken
}

export function getRefreshToken() {
  return storage()?.getItem(REFRESH_KEY) ?? null
}

export function hasSession() {
  return Boolean(accessToken || getRefreshToken())
}

/** Listens for 'signed-in', 'refreshed' and 'signed-out'; returns an unsubscribe function. */
export function onSessionChange(listener) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

function emit(reason) {
  for (const listener of listeners) {
    try {
      listener(reason)
    } catch (error) {
      console.error(error)
    }
  }
}

function schedule(token) {
  clearTimeout(refreshTimer)
  refreshTimer = null
  const exp = expiresAtMs(token)
  if (exp === null) return
  const iat = decodeJwt(token)?.iat
  const issuedAtMs = Number.isFinite(iat) ? iat * 1000 : null
  refreshTimer = setTimeout(
    () => {
      refreshTokens().catch(() => {})
    },
    refreshDelayMs(exp, serverClock.serverNow(), { issuedAtMs }),
  )
}

/** Stores a new pair (after sign-in, register or refresh). */
export function setTokens({ access, refresh }, reason = 'signed-in') {
  accessToken = access || null
  if (refresh) storage()?.setItem(REFRESH_KEY, refresh)
  schedule(accessToken)
  emit(reason)
}

/** Forgets the session here (the server side is logout()'s business). */
export function clearTokens() {
  const had = hasSession()
  accessToken = null
  clearTimeout(refreshTimer)
  refreshTimer = null
  storage()?.removeItem(REFRESH_KEY)
  if (had) emit('signed-out')
}

/** True if the access token is missing or expires within `marginMs` (server time). */
export function accessExpiring(marginMs = 5_000) {
  const exp = expiresAtMs(accessToken)
  return exp === null || exp - serverClock.serverNow() < marginMs
}

/**
 * Gets a new access token with the refresh token (rotating: the new refresh token replaces the old). Single-flight:
 * concurrent callers share one request. Resolves with the access token, or null when signed out. A refused refresh
 * (expired, blacklisted) signs out; a network failure keeps the session and tries again later.
 */
export function refreshTokens() {
  if (inFlight) return inFlight
  const refresh = getRefreshToken()
  if (!refresh) return Promise.resolve(null)
  inFlight = bare
    .post('/auth/token/refresh/', { refresh })
    .then(({ data }) => {
      setTokens({ access: data.access, refresh: data.refresh }, 'refreshed')
      return accessToken
    })
    .catch((error) => {
      const status = error?.response?.status
      if (status === 400 || status === 401 || status === 403) {
        clearTokens()
        return null
      }
      clearTimeout(refreshTimer)
      refreshTimer = setTimeout(() => refreshTokens().catch(() => {}), RETRY_AFTER_NETWORK_ERROR_MS)
      throw error
    })
    .finally(() => {
      inFlight = null
    })
  return inFlight
}

/** The access token to use now, refreshed first if it is about to expire; null for an anonymous visitor. */
export async function freshAccessToken() {
  if (!getRefreshToken() && !accessToken) return null
  if (accessExpiring() && getRefreshToken()) {
    try {
      return await refreshTokens()
    } catch {
      return accessToken // offline: try what we have; the server will say if it is stale
    }
  }
  return accessToken
}

/** After the tab slept (timers paused), catch up on a refresh that is due. */
export function refreshIfDue() {
  if (getRefreshToken() && accessExpiring(REFRESH_LEAD_MS)) refreshTokens().catch(() => {})
}
