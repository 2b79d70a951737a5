import { describe, expect, it } from 'vitest'
import { bidCeiling, buyersTotal, checkAmount, parseTypedAmount } from './bidEntry.js'
import { DEFAULT_INCREMENT_TABLE } from './increments.js'
import { parseAmount } from './money.js'

const grid = {
  minNext: 1_200_000,
  startPrice: 1_000_000,
  firstBid: false,
  table: DEFAULT_INCREMENT_TABLE,
  ceiling: 51_100_000,
}

describe('checking a typed amount without changing it', () => {
  it('accepts an amount on the grid between the minimum and the ceiling', () => {
    expect(checkAmount(4_200_000, grid)).toEqual({ problem: null, suggestion: null })
  })
  it('offers the minimum for a too-low amount (the issue: 3,000,000 typed at a price of 4.1M)', () => {
    expect(checkAmount(3_000_000, { ...grid, minNext: 4_200_000 })).toEqual({
      problem: 'bid_too_low',
      suggestion: 4_200_000,
    })
  })
  it('offers the step below for an amount between steps (the issue: 1,212,345 with a minimum of 1.2M)', () => {
    expect(checkAmount(1_212_345, grid)).toEqual({ problem: 'bid_off_increment', suggestion: 1_200_000 })
  })
  it('offers the highest acceptable amount above the fat-finger limit', () => {
    expect(checkAmount(90_000_000, grid)).toEqual({ problem: 'bid_too_high', suggestion: 51_000_000 })
  })
  it('refuses what is not a whole number of yen, never rounding it', () => {
    expect(parseTypedAmount('1,200,000.5', parseAmount)).toBe(null)
    expect(parseTypedAmount('120万', parseAmount)).toBe(1_200_000)
    expect(checkAmount(null, grid).problem).toBe('invalid_amount')
  })
})

describe('limits and totals from the snapshot', () => {
  it('the ceiling is the price (or the start price) plus the jump in force', () => {
    expect(bidCeiling({ current_price: 1_100_000, start_price: 1_000_000, max_jump: 50_000_000 })).toBe(
      51_100_000,
    )
    expect(bidCeiling({ current_price: null, start_price: 1_000_000, max_jump: 5_000_000 })).toBe(6_000_000)
    expect(bidCeiling({ current_price: null, start_price: 1_000_000 })).toBe(null)
  })
  it("the buyer's total floors the premium and the tax (rule 11), or is unknown without rates", () => {
    const lot = { buyer_premium_rate: '0.05', consumption_tax_rate: '0.10' }
    expect(buyersTotal(10_000_000, lot)).toBe(10_000_000 + 500_000 + 1_050_000)
    expect(buyersTotal(1_234_567, lot)).toBe(1_234_567 + 61_728 + 129_629)
    expect(buyersTotal(10_000_000, {})).toBe(null)
  })
})

describe('the estimate beside a bid or a maximum', () => {
  it('is rule 11 in exact whole yen, the same as the buyer total block', async () => {
    const { buyersTotal } = await import('./bidEntry.js')
    // 100 × 0.29 is 28.999… in floating point; the premium is ¥29
    expect(buyersTotal(100, { buyer_premium_rate: '0.29', consumption_tax_rate: '0.1' })).toBe(141)
    expect(buyersTotal(1_200_000, { buyer_premium_rate: '0.05', consumption_tax_rate: '0.1' })).toBe(
      1_386_000,
    )
    expect(buyersTotal(1_200_000, {})).toBeNull()
  })
})
