import { defineStore } from 'pinia'
import { ref } from 'vue'
import { maxBids as maxBidsApi } from '../api/index.js'
import { apiError } from '../api/http.js'
import { uuid4 } from '../lib/uuid.js'

// The signed-in bidder's own maxima (自動入札), by auction id: the max-bid object, or null when there is none.
// Nobody else's maximum ever reaches the browser.
export const useMaxBidsStore = defineStore('maxBids', () => {
  const byAuction = ref({})

  async function load(auctionId) {
    try {
      byAuction.value[auctionId] = await maxBidsApi.get(auctionId)
    } catch (error) {
      const { status } = apiError(error)
      if (status === 404 || status === 401) byAuction.value[auctionId] = null
      else throw error
    }
    return byAuction.value[auctionId]
  }

  /** Sets or raises the maximum to exactly `amount`. Resolves with {ok, maxBid} or {ok: false, error}. */
  async function set(auctionId, amount, idempotencyKey = uuid4()) {
    try {
      const maxBid = await maxBidsApi.set(auctionId, amount, idempotencyKey)
      byAuction.value[auctionId] = maxBid
      return { ok: true, maxBid }
    } catch (error) {
      return { ok: false, error: apiError(error) }
    }
  }

  async function withdraw(auctionId) {
    try {
      await maxBidsApi.withdraw(auctionId)
      byAuction.value[auctionId] = null
      return { ok: true }
    } catch (error) {
      return { ok: false, error: apiError(error) }
    }
  }

  function clear() {
    byAuction.value = {}
  }

  return { byAuction, load, set, withdraw, clear }
})
