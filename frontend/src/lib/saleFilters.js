// The sale page's filters (SaleView.vue), kept pure so they can be tested without a page.

import { horseNames } from './horseNames.js'

export function priceOf(a) {
  return a.hammer_price ?? a.current_price ?? a.start_price
}

export function amount(text) {
  const n = Number(String(text).replace(/[,\s¥]/g, ''))
  return text === '' || text === null || text === undefined || !Number.isFinite(n) ? null : n
}

export function emptyFilters() {
  return {
    q: '',
    sire: null,
    damsSire: null,
    sex: null,
    year: null,
    status: null,
    consignor: null,
    min: '',
    max: '',
  }
}

/**
 * The consignors of the lots, for the organizers' filter: `[{ value: id, title: name }]` by name. The API sends a
 * horse's `consignor` to organizers only, so for anyone else this is empty.
 */
export function consignorOptions(lots) {
  const byId = new Map()
  for (const a of lots) {
    const c = a.horse?.consignor
    if (c && c.id !== null && c.id !== undefined) byId.set(c.id, c.name || String(c.id))
  }
  return [...byId]
    .map(([value, title]) => ({ value, title }))
    .sort((x, y) => x.title.localeCompare(y.title) || x.value - y.value)
}

/**
 * The distinct sires (`pick = 'sire'`) or dam's sires (`'damsSire'`) of the lots, for a filter:
 * `[{ value, title }]`, the value the Japanese name (what the filter compares), the title the name in `locale`
 * (the English one where the catalogue gives it), sorted by title.
 */
export function pedigreeOptions(lots, pick, locale) {
  const japanese = { sire: (h) => h.sire, damsSire: (h) => h.dams_sire }[pick]
  const byValue = new Map()
  for (const a of lots) {
    const h = a.horse ?? {}
    const value = japanese(h)
    if (value && !byValue.has(value)) byValue.set(value, horseNames(h, locale)[pick])
  }
  return [...byValue]
    .map(([value, title]) => ({ value, title }))
    .sort((x, y) => x.title.localeCompare(y.title))
}

/** The lots that pass every filter set. The consignor filter counts only for organizers. */
export function filterLots(lots, filters, { organizer = false } = {}) {
  const q = (filters.q ?? '').trim().toLowerCase()
  const min = amount(filters.min)
  const max = amount(filters.max)
  return lots.filter((a) => {
    const h = a.horse ?? {}
    if (
      q &&
      ![h.name, h.name_en, h.sire, h.sire_en, h.dam, h.dam_en, h.dams_sire, h.dams_sire_en].some((v) =>
        String(v ?? '')
          .toLowerCase()
          .includes(q),
      )
    )
      return false
    if (filters.sire && h.sire !== filters.sire) return false
    if (filters.damsSire && h.dams_sire !== filters.damsSire) return false
    if (filters.sex && h.sex !== filters.sex) return false
    if (filters.year && h.foaling_year !== filters.year) return false
    if (filters.status && a.status !== filters.status) return false
    if (organizer && filters.consignor !== null && filters.consignor !== undefined) {
      if (h.consignor?.id !== filters.consignor) return false
    }
    if (min !== null && priceOf(a) < min) return false
    if (max !== null && priceOf(a) > max) return false
    return true
  })
}
