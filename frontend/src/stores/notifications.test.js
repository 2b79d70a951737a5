import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

const api = vi.hoisted(() => ({ list: vi.fn(), markRead: vi.fn(), markAllRead: vi.fn() }))
vi.mock('../api/index.js', () => ({ notifications: api }))
vi.mock('../realtime/index.js', () => ({ realtime: { on: vi.fn() } }))

const { useNotificationsStore } = await import('./notifications.js')

beforeEach(() => {
  setActivePinia(createPinia())
  Object.values(api).forEach((fn) => fn.mockReset())
})

describe('the notifications store', () => {
  it('counts the unread ones, and mark all read clears the count after the server agreed', async () => {
    api.list.mockResolvedValue([
      { id: 1, read: false },
      { id: 2, read: true },
      { id: 3, read: false },
    ])
    api.markAllRead.mockResolvedValue({ marked: 2 })
    const store = useNotificationsStore()
    await store.load()
    expect(store.unread).toBe(2)

    await store.markAllRead()

    expect(api.markAllRead).toHaveBeenCalledTimes(1)
    expect(store.unread).toBe(0)
  })

  it('keeps the count when the server refuses', async () => {
    api.list.mockResolvedValue([{ id: 1, read: false }])
    api.markAllRead.mockRejectedValue(new Error('offline'))
    const store = useNotificationsStore()
    await store.load()
    await expect(store.markAllRead()).rejects.toThrow('offline')
    expect(store.unread).toBe(1)
  })
})
