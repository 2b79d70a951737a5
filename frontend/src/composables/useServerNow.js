import { onBeforeUnmount, onMounted, ref } from 'vue'
import { serverClock } from '../lib/serverClock.js'

// One shared ticking "server now" for every countdown on screen. Computeds built on it only re-render when their
// displayed text changes, so ticking ten times a second is cheap and keeps each second change within 100 ms.
const now = ref(serverClock.serverNow())
let users = 0
let timer = null
const TICK_MS = 100

export function useServerNow() {
  onMounted(() => {
    users += 1
    if (!timer) {
      now.value = serverClock.serverNow()
      timer = setInterval(() => {
        now.value = serverClock.serverNow()
      }, TICK_MS)
    }
  })
  onBeforeUnmount(() => {
    users -= 1
    if (users === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  })
  return now
}
