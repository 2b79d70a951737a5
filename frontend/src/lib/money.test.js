import { describe, expect, it } from 'vitest'
import { formatMan, formatPrice, formatYen, parseAmount } from './money.js'

describe('yen formatting', () => {
  it('writes yen with an ASCII sign and thousands separators', () => {
    expect(formatYen(12_300_000)).toBe('¥12,300,000')
    expect(formatYen(0)).toBe('¥0')
    expect(formatYen(null)).toBe('—')
  })

  it('writes 万円 and 億 for Japanese readers', () => {
    expect(formatMan(12_300_000)).toBe('1,230万円')
    expect(formatMan(500_000)).toBe('50万円')
    expect(formatMan(100_000_000)).toBe('1億円')
    expect(formatMan(123_000_000)).toBe('1億2,300万円')
    expect(formatMan(5_100_000_000)).toBe('51億円')
    expect(formatMan(12_345)).toBe('12,345円')
  })

  it('picks the form by locale', () => {
    expect(formatPrice(12_300_000, 'ja')).toBe('1,230万円')
    expect(formatPrice(12_300_000, 'en')).toBe('¥12,300,000')
  })

  it('parses what bidders type', () => {
    expect(parseAmount('12,300,000')).toBe(12_300_000)
    expect(parseAmount('¥12300000')).toBe(12_300_000)
    expect(parseAmount('1230万')).toBe(12_300_000)
    expect(parseAmount('１，２３０万円')).toBe(12_300_000)
    expect(parseAmount('1億2300万')).toBe(123_000_000)
    expect(parseAmount('12.5万')).toBe(125_000)
    expect(parseAmount('abc')).toBe(null)
    expect(parseAmount('')).toBe(null)
  })
})
