// Kalshi trading fees (reference §4), exact: C contracts at price P pay
//   taker: round_up(0.07   x C x P x (1 - P)) x fee_multiplier
//   maker: round_up(0.0175 x C x P x (1 - P)) x fee_multiplier, only where the series'
//          fee_type is quadratic_with_maker_fees (0.5 x 0.07 for the combo variant)
// rounded up to $0.0001. Arithmetic is in BigInt over price units (1/10000 USD) and count
// units (1/100 contract), so no product overflows or rounds.
//
// UNCERTAIN (reference §4): whether fee_multiplier scales the maker rate too. We apply it
// to both; a caller reconciling against fee_cost / *_fees_dollars will see any mismatch.

export const FEE_TYPES = ['quadratic', 'quadratic_with_maker_fees', 'quadratic_with_combo_maker_fees', 'flat'] as const;
export type FeeType = (typeof FEE_TYPES)[number];

/** Rates as fractions num/den of the 0.07 base: taker 1, maker 0.25 or 0.5 or 0. */
function makerShare(feeType: FeeType): [bigint, bigint] {
  switch (feeType) {
    case 'quadratic_with_maker_fees': return [1n, 4n];
    case 'quadratic_with_combo_maker_fees': return [1n, 2n];
    default: return [0n, 1n];
  }
}

export interface FeeInput {
  /** YES price in units (1/10000 USD), 0 < price < 10000. */
  price: number;
  /** Contracts in units (1/100 contract), > 0. */
  count: number;
  taker: boolean;
  feeType: FeeType;
  /** fee_multiplier in 1/10000 (10000 = 1.0). */
  multiplier?: number;
}

/** The fee in units (1/10000 USD), rounded up. `flat` fees are not modelled: throws. */
export function kalshiFee(f: FeeInput): number {
  if (f.feeType === 'flat') throw new Error('flat fee schedules are not modelled');
  const [sn, sd] = f.taker ? [1n, 1n] : makerShare(f.feeType);
  if (sn === 0n) return 0;
  const p = BigInt(f.price);
  const c = BigInt(f.count);
  const m = BigInt(f.multiplier ?? 10_000);
  // fee$ = 7/100 * share * (c/100) * (p/1e4) * ((1e4-p)/1e4) * (m/1e4); in units (x 1e4):
  const num = 7n * sn * c * p * (10_000n - p) * m;
  const den = 100n * sd * 100n * 10_000n * 10_000n;
  const q = num / den;
  return Number(num % den === 0n ? q : q + 1n);
}
