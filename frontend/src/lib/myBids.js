// My page's bids, one row per lot: my highest bid there, how many bids I made, and where the lot leaves me.
//
// A lot's status for me: `leading` / `outbid` while it runs; once over, `won` or `lost` when it sold, `passed_in`
// when it did not (主取り: even if my bid was the highest, nobody bought it), `cancelled` when it was withdrawn.
export function lotStatusForMe(auctionStatus, iLead) {
  if (auctionStatus === 'active' || auctionStatus === 'scheduled') return iLead ? 'leading' : 'outbid'
  if (auctionStatus === 'sold') return iLead ? 'won' : 'lost'
  if (auctionStatus === 'unsold') return 'passed_in'
  return 'cancelled'
}

/** Groups /api/me/bids/ rows by lot, the lots with the latest bid first. */
export function groupMyBids(bids) {
  const lots = new Map()
  for (const bid of bids) {
    const id = bid.auction ?? bid.auction_id
    const lot = lots.get(id) ?? {
      auctionId: id,
      lotNumber: bid.lot_number ?? null,
      horseName: bid.horse_name ?? '',
      horseNameEn: bid.horse_name_en ?? '',
      auctionStatus: bid.auction_status,
      myTop: 0,
      count: 0,
      iLead: false,
      lastAt: 0,
    }
    lot.myTop = Math.max(lot.myTop, bid.amount)
    lot.count += 1
    lot.iLead = lot.iLead || Boolean(bid.is_highest)
    lot.lastAt = Math.max(lot.lastAt, bid.placed_at_ms ?? Date.parse(bid.placed_at) ?? 0)
    lots.set(id, lot)
  }
  return [...lots.values()]
    .map((lot) => ({ ...lot, status: lotStatusForMe(lot.auctionStatus, lot.iLead) }))
    .sort((a, b) => b.lastAt - a.lastAt)
}
