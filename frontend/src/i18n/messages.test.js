import { describe, expect, it } from 'vitest'
import ja from './ja.js'
import en from './en.js'

const keys = (messages, prefix = '') =>
  Object.entries(messages).flatMap(([key, value]) =>
    value && typeof value === 'object' ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  )

describe('the messages', () => {
  it('have the same keys in Japanese and English', () => {
    expect(keys(en).sort()).toEqual(keys(ja).sort())
  })

  it('explain every refusal the server sends for a paused lot', () => {
    for (const messages of [ja, en]) {
      expect(messages.reasons.auction_paused).toBeTruthy()
      expect(messages.bid.paused).toBeTruthy()
      expect(messages.maxBid.paused).toBeTruthy()
    }
    expect(ja.bid.paused).toContain('一時停止中')
    expect(en.bid.paused).toMatch(/^Paused/)
  })
})
