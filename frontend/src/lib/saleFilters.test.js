import { describe, expect, it } from 'vitest'
import { consignorOptions, emptyFilters, filterLots } from './saleFilters.js'

const sato = { id: 11, name: '佐藤牧場' }
const kato = { id: 12, name: 'kato_farm' }
const lots = [
  {
    id: 1,
    lot_number: 1,
    status: 'active',
    start_price: 1_000_000,
    horse: { name: 'A', sire: 'X', consignor: sato },
  },
  {
    id: 2,
    lot_number: 2,
    status: 'active',
    start_price: 2_000_000,
    horse: { name: 'B', sire: 'Y', consignor: kato },
  },
  {
    id: 3,
    lot_number: 3,
    status: 'scheduled',
    start_price: 3_000_000,
    horse: { name: 'C', sire: 'X', consignor: sato },
  },
  {
    id: 4,
    lot_number: 4,
    status: 'scheduled',
    start_price: 4_000_000,
    horse: { name: 'D', sire: 'Y', consignor: null },
  },
]

describe('the consignor filter (organizers only)', () => {
  it('offers each consignor once, by name', () => {
    expect(consignorOptions(lots)).toEqual([
      { value: 12, title: 'kato_farm' },
      { value: 11, title: '佐藤牧場' },
    ])
  })

  it('offers nothing when the lots name no consignor (what everyone but an organizer gets)', () => {
    const publicLots = lots.map(({ horse: { consignor, ...horse }, ...a }) => ({ ...a, horse }))
    expect(consignorOptions(publicLots)).toEqual([])
  })

  it("keeps an organizer's lots of that consignor, with the other filters", () => {
    const filters = { ...emptyFilters(), consignor: 11 }
    expect(filterLots(lots, filters, { organizer: true }).map((a) => a.id)).toEqual([1, 3])
    expect(
      filterLots(lots, { ...filters, status: 'scheduled' }, { organizer: true }).map((a) => a.id),
    ).toEqual([3])
    expect(filterLots(lots, { ...filters, consignor: 12, sire: 'X' }, { organizer: true })).toEqual([])
  })

  it('is ignored for anyone else', () => {
    expect(filterLots(lots, { ...emptyFilters(), consignor: 11 }).map((a) => a.id)).toEqual([1, 2, 3, 4])
  })

  it('the other filters still work as before', () => {
    expect(filterLots(lots, { ...emptyFilters(), sire: 'Y', min: '2,500,000' }).map((a) => a.id)).toEqual([4])
    expect(filterLots(lots, { ...emptyFilters(), q: 'c' }).map((a) => a.id)).toEqual([3])
  })
})
