// The REST client: JSON under /api/, the access token on every request, one retry after a refresh when the
// server says the token is no longer valid, and the server's clock sampled from every answer that carries it.
import axios from 'axios'
import { monotonicNow } from '../lib/clock.js'
import { sampleServerTime } from '../lib/serverClock.js'
import * as session from '../auth/session.js'

export const http = axios.create({
  baseURL: '/api',
  timeout: 15_000,
  headers: { Accept: 'application/json' },
})

const AUTH_PATHS = ['/auth/token/', '/auth/token/refresh/', '/auth/register/']

http.interceptors.request.use(async (config) => {
  const isAuthCall = AUTH_PATHS.some((path) => config.url?.startsWith(path))
  if (!isAuthCall && !config.anonymous) {
    const token = await session.freshAccessToken()
    if (token) config.headers.Authorization = `Bearer ${token}`
  }
  return config
})

http.interceptors.response.use(
  (response) => {
    sampleServerTime(response.data, monotonicNow())
    return response
  },
  async (error) => {
    const { config, response } = error
    if (!config || !response) throw error
    const isAuthCall = AUTH_PATHS.some((path) => config.url?.startsWith(path))
    const code = response.data?.code
    if (response.status === 401 && code === 'token_not_valid' && !config._retried && !isAuthCall) {
      config._retried = true
      let token = null
      try {
        token = await session.refreshTokens()
      } catch {
        throw error
      }
      if (token) {
        config.headers.Authorization = `Bearer ${token}`
      } else {
        // Signed out by the refresh: a read anyone may make is retried as an anonymous visitor.
        if ((config.method || 'get').toLowerCase() !== 'get') throw error
        delete config.headers.Authorization
        config.anonymous = true
      }
      return http(config)
    }
    throw error
  },
)

/** A uniform error: {status, code, detail, errors}. `code` is the server's, or `network` / `http_<status>`. */
export function apiError(error) {
  const response = error?.response
  if (!response)
    return { status: 0, code: 'network', detail: error?.message ?? null, errors: null, retryAfter: null }
  const data = response.data && typeof response.data === 'object' ? response.data : {}
  return {
    status: response.status,
    code: data.code || `http_${response.status}`,
    detail: data.detail ?? null,
    errors: data.errors ?? null,
    retryAfter: Number.isFinite(data.retry_after) ? data.retry_after : null,
  }
}

/** The items of a list answer, paginated ({results}) or not. */
export function itemsOf(data) {
  if (Array.isArray(data)) return data
  if (data && Array.isArray(data.results)) return data.results
  return []
}
