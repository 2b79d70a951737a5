import { describe, expect, it } from 'vitest'
import {
  DEFAULT_INCREMENT_TABLE,
  amountProblem,
  incrementFor,
  isLargeJump,
  isOnGrid,
  minNextBid,
  roundDownBelow,
  roundUpToGrid,
  snapAmount,
  stepDown,
  stepUp,
  stepsBetween,
  tableFor,
} from './increments.js'

describe('the step at a price', () => {
  it.each([
    [1, 10_000],
    [999_999, 10_000],
    [1_000_000, 100_000],
    [9_999_999, 100_000],
    [10_000_000, 500_000],
    [49_999_999, 500_000],
    [50_000_000, 1_000_000],
    [900_000_000, 1_000_000],
  ])('at ¥%i the step is ¥%i', (price, step) => {
    expect(incrementFor(price)).toBe(step)
  })
})

describe('the grid', () => {
  it('accepts multiples of the step of the tier the amount falls in', () => {
    expect(isOnGrid(990_000)).toBe(true)
    expect(isOnGrid(1_100_000)).toBe(true)
    expect(isOnGrid(10_500_000)).toBe(true)
    expect(isOnGrid(51_000_000)).toBe(true)
  })

  it('refuses amounts between steps, fractions and non-positive amounts', () => {
    expect(isOnGrid(995_000)).toBe(false)
    expect(isOnGrid(1_010_000)).toBe(false) // a 10,000 step is off the grid above ¥1,000,000
    expect(isOnGrid(10_100_000)).toBe(false)
    expect(isOnGrid(50_500_000)).toBe(false)
    expect(isOnGrid(1_000_000.5)).toBe(false)
    expect(isOnGrid(0)).toBe(false)
    expect(isOnGrid(-100_000)).toBe(false)
  })

  it('rounds up onto the grid, settling in a coarser tier when it crosses a bound', () => {
    expect(roundUpToGrid(990_000)).toBe(990_000)
    expect(roundUpToGrid(991_000)).toBe(1_000_000)
    expect(roundUpToGrid(1_000_001)).toBe(1_100_000)
    expect(roundUpToGrid(9_950_000)).toBe(10_000_000)
    expect(roundUpToGrid(10_000_001)).toBe(10_500_000)
    expect(roundUpToGrid(49_600_000)).toBe(50_000_000)
  })

  it('finds the largest grid amount strictly below an amount', () => {
    expect(roundDownBelow(1_000_000)).toBe(990_000)
    expect(roundDownBelow(1_100_000)).toBe(1_000_000)
    expect(roundDownBelow(1_150_000)).toBe(1_100_000)
    expect(roundDownBelow(10_000_000)).toBe(9_900_000)
    expect(roundDownBelow(10_000)).toBe(null)
  })

  it('finds a lower tier even when a custom table has bounds off the coarser grid', () => {
    const table = [
      [1_050_000, 10_000],
      [null, 100_000],
    ]
    // 1,000,000..1,049,999 has no multiple of 100,000 above the bound; the answer lies in the tier below.
    expect(roundDownBelow(1_100_000, table)).toBe(1_040_000)
  })
})

describe('the minimum next bid', () => {
  it('is the start price for the first bid, even off the grid', () => {
    expect(minNextBid({ startPrice: 1_234_567, currentPrice: null })).toBe(1_234_567)
  })

  it('is the current price plus the step at the current price, on the grid', () => {
    expect(minNextBid({ startPrice: 500_000, currentPrice: 500_000 })).toBe(510_000)
    expect(minNextBid({ startPrice: 500_000, currentPrice: 990_000 })).toBe(1_000_000)
    expect(minNextBid({ startPrice: 5_000_000, currentPrice: 12_300_000 })).toBe(13_000_000) // 12,800,000 is off the 500,000 grid
    expect(minNextBid({ startPrice: 5_000_000, currentPrice: 49_500_000 })).toBe(50_000_000)
    expect(minNextBid({ startPrice: 5_000_000, currentPrice: 50_000_000 })).toBe(51_000_000)
  })

  it('rounds up onto the grid after an off-grid opening bid', () => {
    // First bid at an off-grid start price of ¥1,234,567: +100,000 = 1,334,567 → 1,400,000.
    expect(minNextBid({ startPrice: 1_234_567, currentPrice: 1_234_567 })).toBe(1_400_000)
  })

  it('uses a per-auction table from the snapshot when there is one', () => {
    const auction = {
      increment_table: [
        [2_000_000, 50_000],
        [null, 250_000],
      ],
    }
    const table = tableFor(auction)
    expect(minNextBid({ startPrice: 1_000_000, currentPrice: 1_000_000, table })).toBe(1_050_000)
    expect(minNextBid({ startPrice: 1_000_000, currentPrice: 2_000_000, table })).toBe(2_250_000)
    expect(tableFor({ increment_table: null })).toBe(DEFAULT_INCREMENT_TABLE)
    expect(tableFor({ increment_table: [[100, 10]] })).toBe(DEFAULT_INCREMENT_TABLE) // malformed: no open tier
  })
})

describe('checking a typed amount', () => {
  const first = { minNext: 1_234_567, startPrice: 1_234_567, firstBid: true }
  const later = { minNext: 1_400_000, startPrice: 1_234_567, firstBid: false }

  it('accepts the start price for the first bid and grid amounts above it', () => {
    expect(amountProblem(1_234_567, first)).toBe(null)
    expect(amountProblem(1_300_000, first)).toBe(null)
  })

  it('names the reason with the server codes', () => {
    expect(amountProblem(1_200_000, first)).toBe('bid_too_low')
    expect(amountProblem(1_250_000, first)).toBe('bid_off_increment')
    expect(amountProblem(1_234_567, later)).toBe('bid_too_low')
    expect(amountProblem(1_450_000, later)).toBe('bid_off_increment')
    expect(amountProblem(1.5, later)).toBe('invalid_amount')
    expect(amountProblem(Number.NaN, later)).toBe('invalid_amount')
  })

  it('snaps down onto the grid, never below the minimum', () => {
    expect(snapAmount(1_450_000, later)).toBe(1_400_000)
    expect(snapAmount(1_999_999, later)).toBe(1_900_000)
    expect(snapAmount(100, later)).toBe(1_400_000)
    expect(snapAmount(1_500_000, later)).toBe(1_500_000)
    expect(snapAmount(1_234_567, first)).toBe(1_234_567)
    expect(snapAmount(1_250_000, first)).toBe(1_234_567) // 1,200,000 would be below the start price
  })

  it('steps up and down along the grid', () => {
    expect(stepUp(990_000)).toBe(1_000_000)
    expect(stepUp(1_000_000)).toBe(1_100_000)
    expect(stepUp(1_234_567)).toBe(1_300_000)
    expect(stepDown(1_100_000, 500_000)).toBe(1_000_000)
    expect(stepDown(1_000_000, 500_000)).toBe(990_000)
    expect(stepDown(1_400_000, 1_400_000)).toBe(1_400_000)
  })

  it('counts steps and asks for confirmation only above ten steps', () => {
    expect(stepsBetween(1_000_000, 2_000_000)).toBe(10)
    expect(stepsBetween(990_000, 1_100_000)).toBe(2)
    expect(isLargeJump(2_000_000, 1_000_000)).toBe(false)
    expect(isLargeJump(2_100_000, 1_000_000)).toBe(true)
    expect(isLargeJump(1_000_000, 1_000_000)).toBe(false)
  })
})
