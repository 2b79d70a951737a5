import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { auth as authApi, me as meApi } from '../api/index.js'
import { apiError } from '../api/http.js'
import * as session from '../auth/session.js'
import { hasSavedLocale, setLocale } from '../i18n/index.js'

export const ORGANIZER_ROLES = ['admin', 'auctioneer']

// The user's profile only. The tokens stay in auth/session.js, out of the store's reach.
export const useAuthStore = defineStore('auth', () => {
  const user = ref(null)
  const ready = ref(false)

  const isAuthenticated = computed(() => user.value !== null)
  const role = computed(() => user.value?.role ?? 'anonymous')
  const isOrganizer = computed(() => ORGANIZER_ROLES.includes(role.value))
  const paddle = computed(() => user.value?.paddle_number ?? null)
  const canBid = computed(() => role.value === 'bidder' && Boolean(user.value?.is_approved_to_bid))
  // email_unconfirmed | under_review | approved for bidders; not_applicable for the other roles.
  const vettingStatus = computed(() => user.value?.vetting_status ?? 'not_applicable')
  // Vet documents are for organizers and approved bidders (the server decides; this only shapes the page).
  const canReadDocuments = computed(() => isOrganizer.value || canBid.value)

  // The account's language applies until this browser picks one with the language button.
  function adoptLanguage() {
    if (user.value?.language && !hasSavedLocale()) setLocale(user.value.language, { save: false })
  }

  async function loadMe() {
    try {
      user.value = await authApi.me()
      adoptLanguage()
    } catch (error) {
      if (apiError(error).status === 401) {
        session.clearTokens()
        user.value = null
      } else {
        throw error
      }
    }
  }

  /** On start-up: resume the tab's session from its refresh token, if any. */
  async function init() {
    session.onSessionChange((reason) => {
      if (reason === 'signed-out') user.value = null
    })
    try {
      if (session.getRefreshToken()) {
        const token = await session.refreshTokens()
        if (token) await loadMe()
      }
    } catch {
      // Offline at start-up: stay anonymous for now; the refresh timer tries again.
    } finally {
      ready.value = true
    }
  }

  async function login(username, password) {
    const tokens = await authApi.token(username, password)
    session.setTokens(tokens, 'signed-in')
    await loadMe()
  }

  async function register(payload) {
    const data = await authApi.register(payload)
    session.setTokens({ access: data.access, refresh: data.refresh }, 'signed-in')
    user.value = data.user ?? null
    if (user.value) adoptLanguage()
    else await loadMe()
  }

  /** Changes one's own e-mail and/or language; the site follows a new language at once. */
  async function updateProfile(changes) {
    user.value = await meApi.update(changes)
    if (changes.language) setLocale(changes.language)
    return user.value
  }

  async function logout() {
    const refresh = session.getRefreshToken()
    try {
      if (refresh) await authApi.logout(refresh)
    } catch {
      // The server may be unreachable or the token already dead; sign out here regardless.
    } finally {
      session.clearTokens()
      user.value = null
    }
  }

  return {
    user,
    ready,
    isAuthenticated,
    role,
    isOrganizer,
    paddle,
    canBid,
    vettingStatus,
    canReadDocuments,
    init,
    login,
    register,
    logout,
    loadMe,
    updateProfile,
  }
})
