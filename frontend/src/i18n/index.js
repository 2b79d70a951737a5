import { createI18n } from 'vue-i18n'
import ja from './ja.js'
import en from './en.js'

export const LOCALES = ['ja', 'en']
const KEY = 'umaseri.locale'

function initialLocale() {
  try {
    const saved = globalThis.localStorage?.getItem(KEY)
    if (LOCALES.includes(saved)) return saved
  } catch {
    // storage disabled
  }
  // A first visit follows the browser: English for a browser that prefers English, Japanese for everyone else
  // (this is a Japanese sale). The language button then remembers the choice.
  const preferred = globalThis.navigator?.languages?.[0] ?? globalThis.navigator?.language ?? ''
  return String(preferred).toLowerCase().startsWith('en') ? 'en' : 'ja'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'ja',
  messages: { ja, en },
})

/** True once this browser has chosen a language with the language button. */
export function hasSavedLocale() {
  try {
    return LOCALES.includes(globalThis.localStorage?.getItem(KEY))
  } catch {
    return false
  }
}

export function setLocale(locale, { save = true } = {}) {
  if (!LOCALES.includes(locale)) return
  i18n.global.locale.value = locale
  if (typeof document !== 'undefined') document.documentElement.lang = locale
  if (!save) return
  try {
    globalThis.localStorage?.setItem(KEY, locale)
  } catch {
    // storage disabled
  }
}
