// What the buyer pays for a hammer price (the design's rule 11), exactly as the server computes it: premium
// floor(hammer × rate), consumption tax floor((hammer + premium) × 10 %), integer yen. Rates arrive as exact
// decimal strings ("0.05"); they are turned into integer fractions, never binary floats (100 × 0.29 is 28.999…).

function fraction(rate) {
  const text = String(rate ?? '').trim()
  const match = text.match(/^(\d+)(?:\.(\d+))?$/)
  if (!match) return null
  const decimals = match[2] ?? ''
  return { numerator: BigInt(match[1] + decimals), denominator: 10n ** BigInt(decimals.length) }
}

function floorTimes(amount, rate) {
  return (amount * rate.numerator) / rate.denominator // BigInt division truncates: the floor for amounts ≥ 0
}

/** {hammer_price, buyer_premium, consumption_tax, total}, or null for an amount or rate it cannot use. */
export function buyerTotal(hammerPrice, premiumRate, taxRate = '0.1') {
  const premiumFraction = fraction(premiumRate)
  const taxFraction = fraction(taxRate)
  if (!Number.isSafeInteger(hammerPrice) || hammerPrice < 0 || !premiumFraction || !taxFraction) return null
  const hammer = BigInt(hammerPrice)
  const premium = floorTimes(hammer, premiumFraction)
  const tax = floorTimes(hammer + premium, taxFraction)
  return {
    hammer_price: hammerPrice,
    buyer_premium: Number(premium),
    consumption_tax: Number(tax),
    total: Number(hammer + premium + tax),
  }
}

/** "0.05" → "5%", "0.075" → "7.5%". */
export function percent(rate) {
  const f = fraction(rate)
  if (!f) return ''
  const scaled = Number((f.numerator * 10000n) / f.denominator) / 100
  return `${scaled}%`
}
