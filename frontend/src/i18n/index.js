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
  return 'ja' // Japanese by default, whatever the browser says: this is a Japanese sale.
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'ja',
  messages: { ja, en },
})

export function setLocale(locale) {
  if (!LOCALES.includes(locale)) return
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    globalThis.localStorage?.setItem(KEY, locale)
  } catch {
    // storage disabled
  }
}
