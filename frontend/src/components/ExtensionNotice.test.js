// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createVuetify } from 'vuetify'
import { createI18n } from 'vue-i18n'
import ja from '../i18n/ja.js'
import en from '../i18n/en.js'
import ExtensionNotice from './ExtensionNotice.vue'
import { useAuctionsStore } from '../stores/auctions.js'
import { serverClock } from '../lib/serverClock.js'

function mountNotice(pinia, auction) {
  const i18n = createI18n({ legacy: false, locale: 'ja', fallbackLocale: 'en', messages: { ja, en } })
  return mount(ExtensionNotice, { props: { auction }, global: { plugins: [pinia, createVuetify(), i18n] } })
}

describe('ExtensionNotice', () => {
  let pinia
  let store
  beforeEach(() => {
    pinia = createPinia()
    setActivePinia(pinia)
    store = useAuctionsStore()
  })

  function extend(reason) {
    const endsAt = serverClock.serverNow() + 300_000
    store.applySnapshot({ id: 5, status: 'active', seq: 1, extension_count: 0, ends_at_ms: endsAt - 1000 })
    store.applyEvent({
      type: 'auction:extended',
      auction_id: 5,
      seq: 2,
      ends_at_ms: endsAt,
      extension_count: 1,
      ...(reason ? { reason } : {}),
    })
    return store.byId[5]
  }

  it('says the lot was extended because bidding was impossible during an outage (rule 12)', () => {
    const wrapper = mountNotice(pinia, extend('outage'))
    const notice = wrapper.get('[data-testid="extension-notice"]')
    expect(notice.text()).toContain('システム障害の間は入札できなかったため')
  })

  it('says a late bid extended the lot otherwise', () => {
    const wrapper = mountNotice(pinia, extend(null))
    const notice = wrapper.get('[data-testid="extension-notice"]')
    expect(notice.text()).toContain('セリ延長！')
    expect(notice.text()).not.toContain('システム障害')
  })
})
