import { describe, expect, it } from 'vitest'
import { buyerTotal, percent } from './buyerTotal.js'

// The same worked examples as the server's (tests/auctions/test_pricing.py): hammer, rate, premium, tax, total.
const WORKED = [
  [1_000_000, '0.05', 50_000, 105_000, 1_155_000],
  [1_234_567, '0.05', 61_728, 129_629, 1_425_924],
  [999_999, '0.05', 49_999, 104_999, 1_154_997],
  [19, '0.05', 0, 1, 20],
  [100, '0.29', 29, 12, 141],
  [3_333_333, '0.075', 249_999, 358_333, 3_941_665],
  [5_000_000, '0', 0, 500_000, 5_500_000],
  [2_500_000_000, '0.05', 125_000_000, 262_500_000, 2_887_500_000],
]

describe('buyerTotal', () => {
  it.each(WORKED)('hammer %i at %s', (hammer, rate, premium, tax, total) => {
    expect(buyerTotal(hammer, rate)).toEqual({
      hammer_price: hammer,
      buyer_premium: premium,
      consumption_tax: tax,
      total,
    })
  })

  it('refuses what it cannot price', () => {
    expect(buyerTotal(1.5, '0.05')).toBeNull()
    expect(buyerTotal(-1, '0.05')).toBeNull()
    expect(buyerTotal(1000, 'five')).toBeNull()
  })

  it('writes rates as percentages', () => {
    expect([percent('0.05'), percent('0.075'), percent('0.1')]).toEqual(['5%', '7.5%', '10%'])
  })
})
