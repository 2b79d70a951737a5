import { useI18n } from 'vue-i18n'
import { formatPrice } from '../lib/money.js'

// A stored notification ({kind, data}) as a sentence in the reader's language.
export function useNotificationText() {
  const { t, te, locale } = useI18n()
  return (notification) => {
    if (!notification) return ''
    const data = notification.data ?? {}
    const params = {
      lot: data.lot_number ?? '?',
      horse: data.horse_name ?? '',
      amount: formatPrice(data.amount, locale.value),
      price: formatPrice(data.hammer_price, locale.value),
      kind: notification.kind ?? '',
    }
    let key = `notifications.${notification.kind}`
    if (notification.kind === 'consignor_result') {
      key =
        data.status === 'sold'
          ? 'notifications.consignor_result_sold'
          : 'notifications.consignor_result_unsold'
    }
    return te(key) ? t(key, params) : t('notifications.other', params)
  }
}
