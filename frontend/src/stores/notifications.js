import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { notifications as notificationsApi } from '../api/index.js'
import { apiError } from '../api/http.js'
import { realtime } from '../realtime/index.js'

// The signed-in user's notifications: loaded over REST, pushed live as `notification` on the socket.
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref([])
  const available = ref(true) // false while the server has no notifications endpoint (404)
  const latest = ref(null) // the last one pushed live, for a snackbar

  const unread = computed(() => items.value.filter((n) => !(n.read ?? n.is_read ?? n.read_at)).length)

  async function load() {
    try {
      items.value = await notificationsApi.list()
      available.value = true
    } catch (error) {
      const { status } = apiError(error)
      if (status === 404) available.value = false
      else if (status !== 401) throw error
    }
  }

  async function markRead(notification) {
    await notificationsApi.markRead(notification.id)
    notification.read = true
  }

  async function markAllRead() {
    await notificationsApi.markAllRead()
    items.value = items.value.map((n) => ({ ...n, read: true }))
  }

  function clear() {
    items.value = []
    latest.value = null
  }

  realtime.on('notification', (message) => {
    const notification = message.notification ?? message
    if (notification.id !== undefined && items.value.some((n) => n.id === notification.id)) return
    items.value = [notification, ...items.value]
    latest.value = notification
  })

  return { items, available, latest, unread, load, markRead, markAllRead, clear }
})
