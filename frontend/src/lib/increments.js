// The bid step grid, ported from the server's auctions/increments.py so the screen proposes only amounts the
// server will accept. The server still decides; this only spares the bidder a round trip for an obvious mistake.
//
// A table is a list of [upper bound, step] tiers in yen: below the bound the step applies; the last bound is null.
// An amount is on the grid when it is a multiple of the step of the tier it falls in. The first bid may also be
// exactly the start price, wherever that lies.

export const DEFAULT_INCREMENT_TABLE = Object.freeze([
  [1_000_000, 10_000],
  [10_000_000, 100_000],
  [50_000_000, 500_000],
  [null, 1_000_000],
])

/** The table to use for an auction snapshot: its own override when it has a well-formed one. */
export function tableFor(auction) {
  const table = auction?.increment_table
  return isValidTable(table) ? table : DEFAULT_INCREMENT_TABLE
}

export function isValidTable(table) {
  if (!Array.isArray(table) || table.length === 0) return false
  let previous = 0
  for (let i = 0; i < table.length; i += 1) {
    const tier = table[i]
    if (!Array.isArray(tier) || tier.length !== 2) return false
    const [bound, step] = tier
    if (!Number.isSafeInteger(step) || step <= 0) return false
    const last = i === table.length - 1
    if (last && bound !== null) return false
    if (!last) {
      if (!Number.isSafeInteger(bound) || bound <= previous) return false
      previous = bound
    }
  }
  return true
}

function tierIndex(price, table) {
  for (let i = 0; i < table.length; i += 1) {
    const bound = table[i][0]
    if (bound === null || price < bound) return i
  }
  throw new Error('increment table has no open last tier')
}

/** The step that applies at this price. */
export function incrementFor(price, table = DEFAULT_INCREMENT_TABLE) {
  return table[tierIndex(price, table)][1]
}

export function isOnGrid(amount, table = DEFAULT_INCREMENT_TABLE) {
  return Number.isSafeInteger(amount) && amount > 0 && amount % incrementFor(amount, table) === 0
}

/** The smallest amount on the grid that is >= amount. */
export function roundUpToGrid(amount, table = DEFAULT_INCREMENT_TABLE) {
  let value = amount
  // Rounding up may cross into the next tier, whose grid is coarser; settle there (at most one pass per tier).
  for (;;) {
    const step = incrementFor(value, table)
    const rounded = Math.ceil(value / step) * step
    if (incrementFor(rounded, table) === step) return rounded
    value = rounded
  }
}

/** The largest amount on the grid that is strictly below amount (null when there is none above zero). */
export function roundDownBelow(amount, table = DEFAULT_INCREMENT_TABLE) {
  let y = amount - 1
  while (y > 0) {
    const index = tierIndex(y, table)
    const step = table[index][1]
    const candidate = Math.floor(y / step) * step
    const lowerBound = index === 0 ? 0 : table[index - 1][0]
    if (candidate >= lowerBound && candidate > 0) return candidate
    // No multiple of this tier's step lies inside the tier below y: look in the tier below.
    y = lowerBound - 1
  }
  return null
}

/** The lowest acceptable next bid: the start price for the first bid, else one step up, on the grid. */
export function minNextBid({ startPrice, currentPrice, table = DEFAULT_INCREMENT_TABLE }) {
  if (currentPrice === null || currentPrice === undefined) return startPrice
  return roundUpToGrid(currentPrice + incrementFor(currentPrice, table), table)
}

/**
 * Why an amount would be refused, as the server's code, or null if it is acceptable as far as the grid goes.
 * `minNext` is the snapshot's min_next_bid; `firstBid` is true while nobody has bid.
 */
export function amountProblem(amount, { minNext, startPrice, firstBid, table = DEFAULT_INCREMENT_TABLE }) {
  if (!Number.isSafeInteger(amount) || amount <= 0) return 'invalid_amount'
  if (amount < minNext) return 'bid_too_low'
  if (firstBid && amount === startPrice) return null
  if (!isOnGrid(amount, table)) return 'bid_off_increment'
  return null
}

/** The next valid amount above `amount` (for a "+" button). */
export function stepUp(amount, table = DEFAULT_INCREMENT_TABLE) {
  return roundUpToGrid(amount + 1, table)
}

/** The next valid amount below `amount`, never under `floor` (for a "−" button). */
export function stepDown(amount, floor, table = DEFAULT_INCREMENT_TABLE) {
  const below = roundDownBelow(amount, table)
  return below === null || below < floor ? floor : below
}

/**
 * Snaps a typed amount onto the grid: down to the nearest valid amount (never more money than was typed), but
 * never below the minimum next bid.
 */
export function snapAmount(amount, { minNext, startPrice, firstBid, table = DEFAULT_INCREMENT_TABLE }) {
  if (!Number.isFinite(amount) || amount <= minNext) return minNext
  const whole = Math.floor(amount)
  if (amountProblem(whole, { minNext, startPrice, firstBid, table }) === null) return whole
  const below = roundDownBelow(whole, table)
  return below === null || below < minNext ? minNext : below
}

/** How many grid steps `amount` lies above `from` (capped, for the large-jump confirmation). */
export function stepsBetween(from, amount, table = DEFAULT_INCREMENT_TABLE, cap = 1000) {
  let steps = 0
  let value = from
  while (value < amount && steps < cap) {
    value = stepUp(value, table)
    steps += 1
  }
  return steps
}

/** A bid more than this many steps above the minimum asks for confirmation first. */
export const LARGE_JUMP_STEPS = 10

export function isLargeJump(amount, minNext, table = DEFAULT_INCREMENT_TABLE) {
  return stepsBetween(minNext, amount, table, LARGE_JUMP_STEPS + 1) > LARGE_JUMP_STEPS
}
