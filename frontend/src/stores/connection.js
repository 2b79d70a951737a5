import { defineStore } from 'pinia'
import { ref } from 'vue'
import { realtime } from '../realtime/index.js'

// The socket's connection state, for the banner and for the bid button.
export const useConnectionStore = defineStore('connection', () => {
  const state = ref(realtime.state)
  const attempt = ref(0)
  const nextRetryAt = ref(null)
  const lastCloseCode = ref(null)
  const everConnected = ref(false)

  realtime.onState((status) => {
    state.value = status.state
    attempt.value = status.attempt
    nextRetryAt.value = status.nextRetryAt
    lastCloseCode.value = status.lastCloseCode
    if (status.state === 'open') everConnected.value = true
  })

  return { state, attempt, nextRetryAt, lastCloseCode, everConnected }
})
