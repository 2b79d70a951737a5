import { useI18n } from 'vue-i18n'
import { formatMan, formatPrice, formatYen } from '../lib/money.js'

// Locale-aware formatting of prices and times for templates.
export function useFormat() {
  const { locale } = useI18n()
  const timeFormats = {}
  function timeFormat(withDate) {
    const key = `${locale.value}:${withDate}`
    if (!timeFormats[key]) {
      timeFormats[key] = new Intl.DateTimeFormat(locale.value === 'ja' ? 'ja-JP' : 'en-GB', {
        timeZone: 'Asia/Tokyo',
        ...(withDate ? { month: 'short', day: 'numeric' } : {}),
        hour: '2-digit',
        minute: '2-digit',
        second: withDate ? undefined : '2-digit',
      })
    }
    return timeFormats[key]
  }
  return {
    price: (amount) => formatPrice(amount, locale.value),
    yen: formatYen,
    man: formatMan,
    isJa: () => locale.value === 'ja',
    /** A server time (ms or ISO) as a Tokyo wall-clock time, labelled with its zone (a buyer abroad reads it). */
    time: (value, withDate = false) => {
      if (value === null || value === undefined) return '—'
      const ms = typeof value === 'number' ? value : Date.parse(value)
      return Number.isNaN(ms) ? '—' : `${timeFormat(withDate).format(new Date(ms))} JST`
    },
  }
}
