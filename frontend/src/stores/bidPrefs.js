import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

// The bidder's own choices about bid entry, kept in this browser. The confirmation step is on unless the bidder
// switched it off themselves.
const CONFIRM_KEY = 'umaseri.confirmBids'

function readConfirm() {
  try {
    return globalThis.localStorage?.getItem(CONFIRM_KEY) !== 'off'
  } catch {
    return true // storage blocked (private mode): keep the safe default
  }
}

export const useBidPrefsStore = defineStore('bidPrefs', () => {
  const confirmBids = ref(readConfirm())
  watch(confirmBids, (value) => {
    try {
      globalThis.localStorage?.setItem(CONFIRM_KEY, value ? 'on' : 'off')
    } catch {
      // not kept across reloads; the choice still holds for this page
    }
  })
  return { confirmBids }
})
