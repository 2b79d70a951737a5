// What the bid entry may say about an amount before anything is sent. The amount itself is never changed: an
// amount the server would refuse is refused on screen, and a valid one nearby is offered as a separate choice.
import { buyerTotal } from './buyerTotal.js'
import { amountProblem, roundDownBelow, snapAmount } from './increments.js'

/** The highest amount the server's fat-finger guard accepts now, or null when the snapshot does not say. */
export function bidCeiling(auction) {
  const jump = auction?.max_jump
  if (!Number.isSafeInteger(jump)) return null
  return (auction.current_price ?? auction.start_price) + jump
}

/**
 * {problem, suggestion} for a typed amount: `problem` is the server's code it would be refused with (or null), and
 * `suggestion` the valid amount to offer instead (or null): the minimum for a too-low amount, the grid amount just
 * below for an amount between steps, the highest acceptable one for a too-high amount.
 */
export function checkAmount(amount, { minNext, startPrice, firstBid, table, ceiling = null }) {
  const grid = { minNext, startPrice, firstBid, table }
  if (amount === null || amount === undefined || !Number.isSafeInteger(amount) || amount <= 0) {
    return { problem: 'invalid_amount', suggestion: null }
  }
  if (amount < minNext) return { problem: 'bid_too_low', suggestion: minNext }
  if (ceiling !== null && amount > ceiling) {
    const highest = amountProblem(ceiling, grid) === null ? ceiling : roundDownBelow(ceiling, table)
    return { problem: 'bid_too_high', suggestion: highest !== null && highest >= minNext ? highest : null }
  }
  const problem = amountProblem(amount, grid)
  if (problem === 'bid_off_increment') return { problem, suggestion: snapAmount(amount, grid) }
  return { problem, suggestion: null }
}

/** Whole yen only: "1,212,345" and "121万" are amounts; "1.5" or "12abc" are not (never rounded quietly). */
export function parseTypedAmount(text, parse) {
  const value = parse(text)
  if (value === null) return null
  const digits = String(text)
    .normalize('NFKC')
    .replace(/[\s,¥￥円]/g, '')
  if (/^\d+\.\d+$/.test(digits)) return null
  return value
}

/**
 * What a buyer would pay for a hammer price, when the lot's sale defines its rates (rule 11): the hammer price,
 * the buyer's premium floor(hammer × rate) and consumption tax floor((hammer + premium) × tax rate). Null when the
 * lot carries no rates.
 */
export function buyersTotal(amount, auction) {
  // One computation of rule 11 for the whole app (exact decimal rates, whole yen): lib/buyerTotal.js.
  if (!Number.isSafeInteger(amount)) return null
  if (auction?.buyer_premium_rate === undefined || auction?.buyer_premium_rate === null) return null
  return buyerTotal(amount, auction.buyer_premium_rate, auction.consumption_tax_rate ?? '0.1')?.total ?? null
}
