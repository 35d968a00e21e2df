// Config section `fees`: Kalshi's fee schedule as src/core/fees.ts computes it
// (../shared/reference/kalshi.md §4). Rates are exact decimals (at most 6 places).
import { z } from 'zod';
import { onGrid } from '../../schema/common.js';
import { FEE_ROUNDINGS, FEE_TYPES } from '../../core/fees.js';

const rate = z
  .number()
  .min(0)
  .max(1)
  .refine((x) => onGrid(x, 6), 'a rate with at most 6 decimals');

export const feesSection = z
  .strictObject({
    /** Taker rate: fee = round_up(rate x C x P x (1 - P)). */
    taker_rate: rate.default(0.07),
    /** Maker rate on series whose fee_type is quadratic_with_maker_fees (0.25 x taker). */
    maker_rate: rate.default(0.0175),
    /** Maker rate on series whose fee_type is quadratic_with_combo_maker_fees (0.5 x taker). */
    combo_maker_rate: rate.default(0.035),
    /**
     * "cent": the order's fee rounded up to $0.01 (the fee schedule; per order, however it fills).
     * "centicent": each fill's trade fee rounded up to $0.0001, the balance change floored to
     * balance_precision and the difference charged, with the per-order accumulator that rebates whole cents.
     */
    rounding: z.enum(FEE_ROUNDINGS).default('cent'),
    /** Balance precision for "centicent": 0.01 for non-direct members, 0.0001 for direct members. */
    balance_precision: z.union([z.literal(0.01), z.literal(0.0001)]).default(0.01),
    /** Fee type assumed for a market whose series fee_type is not known (charging maker fees is the cautious guess). */
    default_fee_type: z.enum(FEE_TYPES).default('quadratic_with_maker_fees'),
    /** Whether a series' fee_multiplier scales the maker rate too (Kalshi does not say; UNCERTAIN). */
    multiplier_scales_maker: z.boolean().default(true),
  })
  .prefault({});
