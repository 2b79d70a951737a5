// The REST endpoints of the wire contract (see the project's design document), one function each.
import { http, itemsOf } from './http.js'

export const auth = {
  register: (payload) => http.post('/auth/register/', payload).then((r) => r.data),
  token: (username, password) => http.post('/auth/token/', { username, password }).then((r) => r.data),
  logout: (refresh) => http.post('/auth/logout/', { refresh }).then((r) => r.data),
  me: () => http.get('/auth/me/').then((r) => r.data),
  // In the page's language, whatever the browser's own preference.
  conditions: (language) =>
    http.get('/auth/conditions/', { headers: { 'Accept-Language': language } }).then((r) => r.data),
  confirmEmail: (token) =>
    http.post('/auth/confirm-email/', { token }, { anonymous: true }).then((r) => r.data),
  resendConfirmation: () => http.post('/auth/confirm-email/resend/', {}).then((r) => r.data),
}

export const auctions = {
  list: (params = {}) =>
    http.get('/auctions/', { params: { limit: 200, ...params } }).then((r) => itemsOf(r.data)),
  get: (id) => http.get(`/auctions/${id}/`).then((r) => r.data),
  start: (id) => http.post(`/auctions/${id}/start/`, {}).then((r) => r.data),
  cancel: (id, reason = '') => http.post(`/auctions/${id}/cancel/`, { reason }).then((r) => r.data),
  pause: (id) => http.post(`/auctions/${id}/pause/`, {}).then((r) => r.data),
  resume: (id) => http.post(`/auctions/${id}/resume/`, {}).then((r) => r.data),
  message: (id, text) => http.post(`/auctions/${id}/message/`, { text }).then((r) => r.data),
  bids: (id) => http.get(`/auctions/${id}/bids/`, { params: { limit: 200 } }).then((r) => itemsOf(r.data)),
  watch: (id) => http.post(`/auctions/${id}/watch/`, {}).then((r) => r.data),
  unwatch: (id) => http.delete(`/auctions/${id}/watch/`).then((r) => r.data),
}

export const sales = {
  list: () => http.get('/sales/', { params: { limit: 100 } }).then((r) => itemsOf(r.data)),
  get: (id) => http.get(`/sales/${id}/`).then((r) => r.data),
}

// A buyer's invoices (staff: every one); the PDF comes as a blob, since it needs the bearer token.
export const invoices = {
  list: () => http.get('/invoices/', { params: { limit: 200 } }).then((r) => itemsOf(r.data)),
  pdf: (id, lang) =>
    http
      .get(`/invoices/${id}/pdf/`, {
        params: { lang },
        responseType: 'blob',
        headers: { Accept: 'application/pdf' },
      })
      .then((r) => r.data),
}

export const horses = {
  get: (id) => http.get(`/horses/${id}/`).then((r) => r.data),
  // A vet document, read with the access token (it is not public): the file itself, as a Blob.
  document: (url) => http.get(url, { baseURL: '', responseType: 'blob' }).then((r) => r.data),
}

export const watchlist = {
  list: () => http.get('/watchlist/', { params: { limit: 200 } }).then((r) => itemsOf(r.data)),
}

export const notifications = {
  list: () => http.get('/notifications/').then((r) => itemsOf(r.data)),
  markRead: (id) => http.post(`/notifications/${id}/read/`, {}).then((r) => r.data),
  markAllRead: () => http.post('/notifications/read-all/', {}).then((r) => r.data),
}

// The signed-in bidder's own bids across auctions, with their lot (is_highest, auction_status).
export const me = {
  bids: () => http.get('/me/bids/').then((r) => itemsOf(r.data)),
  update: (changes) => http.patch('/auth/me/', changes).then((r) => r.data),
  changePassword: (currentPassword, newPassword) =>
    http
      .post('/auth/password/', { current_password: currentPassword, new_password: newPassword })
      .then((r) => r.data),
}

// One's own maximum bid on a lot (rule 10). GET answers 404 `max_bid_not_found` when there is none.
export const maxBids = {
  get: (auctionId) => http.get(`/auctions/${auctionId}/max-bid/`).then((r) => r.data),
  set: (auctionId, maxAmount, idempotencyKey) =>
    http
      .put(`/auctions/${auctionId}/max-bid/`, { max_amount: maxAmount, idempotency_key: idempotencyKey })
      .then((r) => r.data),
  withdraw: (auctionId) => http.delete(`/auctions/${auctionId}/max-bid/`).then((r) => r.data),
}
