import { describe, expect, it } from 'vitest'
import { ServerClock, endsAtMs, formatCountdown } from './clock.js'

function fakeLocalClock(start) {
  const clock = { t: start, now: () => clock.t }
  return clock
}

describe('the clock-offset countdown', () => {
  it('shows the same remaining time on devices whose clocks disagree', () => {
    const serverNow = 1_800_000_000_000
    const endsAt = serverNow + 90_000
    // Phone A runs 7 minutes fast, phone B 2 hours slow; both hear the server 40 ms after it spoke.
    const a = fakeLocalClock(serverNow + 7 * 60_000 + 40)
    const b = fakeLocalClock(serverNow - 2 * 3600_000 + 40)
    const clockA = new ServerClock({ now: a.now })
    const clockB = new ServerClock({ now: b.now })
    clockA.sample(serverNow)
    clockB.sample(serverNow)
    expect(clockA.remainingMs(endsAt)).toBe(clockB.remainingMs(endsAt))
    expect(clockA.remainingMs(endsAt)).toBe(90_000)
    // A naive countdown from the local clock would be 7 minutes off (and over) on A.
    expect(endsAt - a.now()).toBeLessThan(0)
  })

  it('counts down as local time passes and stops at zero', () => {
    const local = fakeLocalClock(5_000)
    const clock = new ServerClock({ now: local.now })
    clock.sample(1_000_000) // server is 995,000 ms ahead of this local clock
    const endsAt = 1_010_000
    expect(clock.remainingMs(endsAt)).toBe(10_000)
    local.t += 4_200
    expect(clock.remainingMs(endsAt)).toBe(5_800)
    expect(formatCountdown(clock.remainingMs(endsAt))).toBe('0:06')
    local.t += 10_000
    expect(clock.remainingMs(endsAt)).toBe(0)
    expect(formatCountdown(clock.remainingMs(endsAt))).toBe('0:00')
  })

  it('keeps the sample that travelled fastest as the offset', () => {
    const local = fakeLocalClock(0)
    const clock = new ServerClock({ now: local.now })
    // True offset 1,000,000. Delays of 300, 20 and 150 ms make samples short by that much.
    local.t = 300
    clock.sample(1_000_000)
    local.t = 1_020
    clock.sample(1_001_000)
    local.t = 2_150
    clock.sample(1_002_000)
    expect(clock.offset).toBe(999_980)
  })

  it('moves to a later offset at once (the device slept) and forgets old samples', () => {
    const local = fakeLocalClock(0)
    const clock = new ServerClock({ now: local.now, maxAgeMs: 10_000 })
    clock.sample(500_000)
    expect(clock.offset).toBe(500_000)
    local.t = 1_000
    clock.sample(531_000) // the local monotonic clock stalled for 30 s
    expect(clock.offset).toBe(530_000)
    // A server clock step backwards is believed once the higher samples have aged out.
    local.t = 20_000
    clock.sample(510_000)
    expect(clock.offset).toBe(490_000)
  })

  it('uses the local clock until the first sample and ignores garbage', () => {
    const local = fakeLocalClock(42)
    const clock = new ServerClock({ now: local.now })
    expect(clock.synced).toBe(false)
    expect(clock.serverNow()).toBe(42)
    clock.sample(undefined)
    expect(clock.synced).toBe(false)
    expect(clock.remainingMs(null)).toBe(null)
  })

  it('reads the deadline from ends_at_ms, else from the ISO ends_at', () => {
    expect(endsAtMs({ ends_at_ms: 123, ends_at: '2030-01-01T00:00:00Z' })).toBe(123)
    expect(endsAtMs({ ends_at: '2030-01-01T00:00:00+00:00' })).toBe(Date.UTC(2030, 0, 1))
    expect(endsAtMs({ ends_at: null })).toBe(null)
  })

  it('formats minutes, hours and a missing deadline', () => {
    expect(formatCountdown(300_000)).toBe('5:00')
    expect(formatCountdown(299_001)).toBe('5:00')
    expect(formatCountdown(299_000)).toBe('4:59')
    expect(formatCountdown(3_723_000)).toBe('1:02:03')
    expect(formatCountdown(null)).toBe('--:--')
  })
})
