import { describe, expect, it } from 'vitest'
import { consignorOptions, emptyFilters, filterLots, pedigreeOptions } from './saleFilters.js'

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

describe('the pedigree filters and the search in English', () => {
  const catalogue = [
    {
      id: 1,
      lot_number: 1,
      horse: {
        name: 'サクラ',
        sire: 'キタサンブラック',
        sire_en: 'Kitasan Black',
        dams_sire: 'ディープインパクト',
        dams_sire_en: 'Deep Impact',
      },
    },
    {
      id: 2,
      lot_number: 2,
      horse: { name: 'ハヤテ', sire: 'エピファネイア', dams_sire: 'キングカメハメハ', dam_en: 'Hayate Mare' },
    },
    {
      id: 3,
      lot_number: 3,
      horse: {
        name: 'ミナモ',
        sire: 'キタサンブラック',
        sire_en: 'Kitasan Black',
        dams_sire: 'ディープインパクト',
      },
    },
  ]

  it('offers each sire once, titled in English where given and filtering by the Japanese name', () => {
    expect(pedigreeOptions(catalogue, 'sire', 'en')).toEqual([
      { value: 'キタサンブラック', title: 'Kitasan Black' },
      { value: 'エピファネイア', title: 'エピファネイア' },
    ])
    const [kitasan] = pedigreeOptions(catalogue, 'sire', 'en')
    const kept = filterLots(catalogue, { ...emptyFilters(), sire: kitasan.value })
    expect(kept.map((a) => a.id)).toEqual([1, 3])
  })

  it('titles the options in Japanese for a Japanese page', () => {
    expect(pedigreeOptions(catalogue, 'damsSire', 'ja').map((o) => o.title)).toEqual([
      'キングカメハメハ',
      'ディープインパクト',
    ])
  })

  it('finds a lot by the English name of its sire, dam or dam’s sire', () => {
    const search = (q) => filterLots(catalogue, { ...emptyFilters(), q }).map((a) => a.id)
    expect(search('kitasan')).toEqual([1, 3])
    expect(search('deep impact')).toEqual([1])
    expect(search('hayate mare')).toEqual([2])
  })
})
