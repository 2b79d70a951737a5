// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { createVuetify } from 'vuetify'
import { createI18n } from 'vue-i18n'
import { createMemoryHistory, createRouter } from 'vue-router'
import ja from '../i18n/ja.js'
import en from '../i18n/en.js'
import AuctionCard from './AuctionCard.vue'

// A lot's summary as the sale detail sends it: Japanese names, the romaji / English name beside the horse's.
function lot(horse = {}) {
  return {
    id: 7,
    seq: 1,
    lot_number: 7,
    status: 'sold',
    start_price: 1_000_000,
    current_price: 2_000_000,
    hammer_price: 2_000_000,
    winner_paddle: 101,
    bid_count: 3,
    horse: {
      id: 7,
      name: 'キタサンミライ',
      name_en: 'Kitasan Mirai',
      sire: 'キタサンブラック',
      dam: 'シュガーハート',
      sex: 'colt',
      foaling_year: 2024,
      ...horse,
    },
  }
}

async function mountCard(locale, auction) {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/sales/:id', name: 'sale', component: { template: '<div />' } },
      { path: '/auctions/:id', name: 'auction', component: { template: '<div />' } },
    ],
  })
  router.push('/sales/5')
  await router.isReady()
  const i18n = createI18n({ legacy: false, locale, fallbackLocale: 'ja', messages: { ja, en } })
  const wrapper = mount(AuctionCard, {
    props: { auction },
    global: { plugins: [createPinia(), router, i18n, createVuetify()] },
  })
  return wrapper
}

const text = (wrapper, id) => wrapper.get(`[data-testid="${id}"]`).text()

describe('AuctionCard: the names in the SPA language', () => {
  it('shows the English (romaji) names in English', async () => {
    const wrapper = await mountCard(
      'en',
      lot({ sire_en: 'Kitasan Black', pedigree: { d: { ja: 'シュガーハート', en: 'Sugar Heart' } } }),
    )
    expect(text(wrapper, 'horse-name')).toBe('Kitasan Mirai')
    expect(text(wrapper, 'horse-parents')).toBe('Sire Kitasan Black · Dam Sugar Heart')
  })

  it('falls back to the Japanese names in English when the catalogue gives no English one', async () => {
    const wrapper = await mountCard('en', lot({ name_en: '' }))
    expect(text(wrapper, 'horse-name')).toBe('キタサンミライ')
    expect(text(wrapper, 'horse-parents')).toBe('Sire キタサンブラック · Dam シュガーハート')
  })

  it('keeps the Japanese names in Japanese', async () => {
    const wrapper = await mountCard('ja', lot({ sire_en: 'Kitasan Black' }))
    expect(text(wrapper, 'horse-name')).toBe('キタサンミライ')
    expect(text(wrapper, 'horse-parents')).toBe('父 キタサンブラック · 母 シュガーハート')
  })
})
