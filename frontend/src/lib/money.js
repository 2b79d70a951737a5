// Yen, the way bidders read it: ¥12,300,000 everywhere, and 1,230万円 (or 1億2,300万円) for Japanese readers,
// as sale catalogues and results lists print prices.

const grouping = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

/** ¥12,300,000 (an ASCII yen sign, as on the sale ring's board; not the full-width ￥ of ja-JP ICU). */
export function formatYen(amount) {
  if (amount === null || amount === undefined || !Number.isFinite(Number(amount))) return '—'
  return `¥${grouping.format(Number(amount))}`
}

/**
 * 1,230万円; 1億2,300万円 from one hundred million; 5億円. Amounts that are not whole 万 (rare: a start price
 * of ¥5,000) are written in full yen, 12,345円, rather than with a decimal.
 */
export function formatMan(amount) {
  if (amount === null || amount === undefined || !Number.isFinite(Number(amount))) return '—'
  const n = Number(amount)
  if (n % 10_000 !== 0) return `${grouping.format(n)}円`
  const man = n / 10_000
  const oku = Math.floor(man / 10_000)
  const rest = man % 10_000
  if (oku === 0) return `${grouping.format(man)}万円`
  if (rest === 0) return `${grouping.format(oku)}億円`
  return `${grouping.format(oku)}億${grouping.format(rest)}万円`
}

/** The main way to show a price in a locale: 万円 for Japanese, ¥ for everyone else. */
export function formatPrice(amount, locale) {
  return String(locale || '').startsWith('ja') ? formatMan(amount) : formatYen(amount)
}

/** Parses what a bidder typed: "12,300,000", "¥12300000", "1230万", "１２３０万円" (full-width digits too). */
export function parseAmount(text) {
  if (typeof text === 'number') return Number.isFinite(text) ? text : null
  if (typeof text !== 'string') return null
  let s = text.normalize('NFKC').replace(/[\s,¥￥円]/g, '')
  let multiplier = 1
  const okuMatch = s.match(/^(\d+)億(\d*)万?$/)
  if (okuMatch) {
    const oku = Number(okuMatch[1])
    const man = okuMatch[2] ? Number(okuMatch[2]) : 0
    return oku * 100_000_000 + man * 10_000
  }
  if (s.endsWith('万')) {
    multiplier = 10_000
    s = s.slice(0, -1)
  }
  if (!/^\d+(\.\d+)?$/.test(s)) return null
  const value = Math.round(Number(s) * multiplier)
  return Number.isSafeInteger(value) ? value : null
}
