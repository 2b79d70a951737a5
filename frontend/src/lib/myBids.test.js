import { describe, expect, it } from 'vitest'
import { groupMyBids, lotStatusForMe } from './myBids.js'

const bid = (auction, amount, status, highest = false, at = amount) => ({
  auction,
  amount,
  auction_status: status,
  is_highest: highest,
  lot_number: auction,
  horse_name: `馬${auction}`,
  placed_at_ms: at,
})

describe('my bids, per lot', () => {
  it('groups bids by lot with my highest bid and a count, latest lot first', () => {
    const lots = groupMyBids([
      bid(1, 1_000_000, 'active', false, 5),
      bid(1, 1_200_000, 'active', true, 6),
      bid(2, 3_000_000, 'sold', false, 1),
    ])
    expect(lots.map((l) => [l.auctionId, l.myTop, l.count, l.status])).toEqual([
      [1, 1_200_000, 2, 'leading'],
      [2, 3_000_000, 1, 'lost'],
    ])
  })

  it('never calls a lot passed in (unsold) "highest", even when my bid topped it', () => {
    expect(lotStatusForMe('unsold', true)).toBe('passed_in')
    expect(lotStatusForMe('sold', true)).toBe('won')
    expect(lotStatusForMe('active', false)).toBe('outbid')
    expect(lotStatusForMe('cancelled', true)).toBe('cancelled')
  })

  it("keeps the horse's English name beside the Japanese one, for an English page", () => {
    const [lot] = groupMyBids([{ ...bid(1, 1_000_000, 'active'), horse_name_en: 'Uma One' }])
    expect([lot.horseName, lot.horseNameEn]).toEqual(['馬1', 'Uma One'])
  })
})
