import { beforeEach, describe, expect, it, vi } from 'vitest'

const post = vi.fn()
vi.mock('axios', () => ({ default: { create: () => ({ post }) } }))

class MemoryStorage {
  constructor() {
    this.map = new Map()
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null
  }
  setItem(key, value) {
    this.map.set(key, String(value))
  }
  removeItem(key) {
    this.map.delete(key)
  }
}

function jwt(payload) {
  const b64 = (obj) =>
    Buffer.from(JSON.stringify(obj))
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.signature`
}

let session
beforeEach(async () => {
  vi.resetModules()
  post.mockReset()
  globalThis.sessionStorage = new MemoryStorage()
  session = await import('./session.js')
})

describe('reading a token', () => {
  it('decodes the payload of a base64url JWT, unicode included', () => {
    const token = jwt({ exp: 1_800_000_000, user_id: '7', name: '佐藤' })
    expect(session.decodeJwt(token)).toEqual({ exp: 1_800_000_000, user_id: '7', name: '佐藤' })
    expect(session.expiresAtMs(token)).toBe(1_800_000_000_000)
  })

  it('returns null for anything that is not a JWT', () => {
    expect(session.decodeJwt('nonsense')).toBe(null)
    expect(session.decodeJwt(null)).toBe(null)
    expect(session.expiresAtMs('a.b.c')).toBe(null)
  })

  it('schedules the refresh a minute before expiry on the server clock', () => {
    // A 15-minute token read at issue: refresh after 14 minutes.
    expect(session.refreshDelayMs(1_900_000, 1_000_000, { issuedAtMs: 1_000_000 })).toBe(840_000)
    expect(session.refreshDelayMs(1_900_000, 1_000_000)).toBe(840_000)
  })

  it('refreshes a short-lived token halfway through its life, never in a tight loop', () => {
    // A 30-second token: refreshing "60 s before expiry" would mean at once, again and again.
    expect(session.refreshDelayMs(1_030_000, 1_000_000, { issuedAtMs: 1_000_000 })).toBe(15_000)
    // Already due (the tab slept): soon, but not in the same tick.
    expect(session.refreshDelayMs(1_000_030_000, 1_000_000_000)).toBe(1_000)
  })
})

describe('keeping the session', () => {
  it('keeps the access token in memory and only the refresh token in sessionStorage', () => {
    const access = jwt({ exp: Math.floor(Date.now() / 1000) + 900 })
    session.setTokens({ access, refresh: 'r-1' })
    expect(session.getAccessToken()).toBe(access)
    expect([...globalThis.sessionStorage.map.values()]).toEqual(['r-1'])
  })

  it('refreshes once for concurrent callers and stores the rotated refresh token', async () => {
    globalThis.sessionStorage.setItem('umaseri.refresh', 'r-old')
    const access = jwt({ exp: Math.floor(Date.now() / 1000) + 900 })
    let answer
    post.mockReturnValue(new Promise((resolve) => (answer = resolve)))
    const events = []
    session.onSessionChange((reason) => events.push(reason))
    const first = session.refreshTokens()
    const second = session.refreshTokens()
    answer({ data: { access, refresh: 'r-new' } })
    await expect(first).resolves.toBe(access)
    await expect(second).resolves.toBe(access)
    expect(post).toHaveBeenCalledTimes(1)
    expect(post).toHaveBeenCalledWith('/auth/token/refresh/', { refresh: 'r-old' })
    expect(session.getRefreshToken()).toBe('r-new')
    expect(events).toEqual(['refreshed'])
  })

  it('signs out when the server refuses the refresh token', async () => {
    globalThis.sessionStorage.setItem('umaseri.refresh', 'r-blacklisted')
    post.mockRejectedValue({ response: { status: 401, data: { code: 'token_not_valid' } } })
    const events = []
    session.onSessionChange((reason) => events.push(reason))
    await expect(session.refreshTokens()).resolves.toBe(null)
    expect(session.getRefreshToken()).toBe(null)
    expect(events).toEqual(['signed-out'])
  })

  it('keeps the session through a network failure', async () => {
    globalThis.sessionStorage.setItem('umaseri.refresh', 'r-1')
    post.mockRejectedValue(new Error('Network Error'))
    await expect(session.refreshTokens()).rejects.toThrow('Network Error')
    expect(session.getRefreshToken()).toBe('r-1')
  })

  it('gives an anonymous visitor no token and no request', async () => {
    await expect(session.freshAccessToken()).resolves.toBe(null)
    expect(post).not.toHaveBeenCalled()
  })
})
