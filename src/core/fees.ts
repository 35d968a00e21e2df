// Kalshi trading fees, computed exactly (../shared/reference/kalshi.md §4, pricing.md §3).
//
//   taker fee = round_up(0.07   x C x P x (1 - P))
//   maker fee = round_up(0.0175 x C x P x (1 - P))   only where the series charges maker fees
//
// Never in floating point: 0.07*100*0.5*0.5 is 1.7500000000000002 in float, which rounds
// up to 176 cents; the fee is 175. Prices live on the 1/10000-dollar grid (4 decimals),
// counts on the 1/100-contract grid, rates on the 1e-6 grid and the fee multiplier on the
// 1e-4 grid, so the exact fee is an integer numerator over 10^20 dollars (BigInt: it can
// pass 2^53 for large orders).
//
// Two rounding models (config `fees.rounding`):
//   'cent'      the published fee schedule: the order's fee is rounded up to $0.01, per
//               order. Fills of one order are charged so that the running total is always
//               the round-up of the running exact fee (an order split into many fills pays
//               what one fill would).
//   'centicent' the newer exchange mechanics (docs "Fee Rounding"): each fill's trade fee
//               is rounded up to $0.0001; the balance change (revenue - trade fee) is then
//               floored to the member's balance precision ($0.01 non-direct, $0.0001
//               direct) and the difference charged as a rounding fee; a per-order
//               accumulator of rounding fees rebates $0.01 each time it reaches $0.01.
import { onGrid } from '../schema/common.js';

export type Liquidity = 'maker' | 'taker';

/** The series fee types of Kalshi's API (`fee_type` on GET /series/{ticker}). */
export const FEE_TYPES = ['quadratic', 'quadratic_with_maker_fees', 'quadratic_with_combo_maker_fees', 'flat'] as const;
export type FeeType = (typeof FEE_TYPES)[number];

export const FEE_ROUNDINGS = ['cent', 'centicent'] as const;
export type FeeRounding = (typeof FEE_ROUNDINGS)[number];

export interface FeeSchedule {
  /** Taker rate (0.07). At most 6 decimals. */
  taker_rate: number;
  /** Maker rate on series with fee_type quadratic_with_maker_fees (0.0175 = 0.25 x taker). */
  maker_rate: number;
  /** Maker rate on series with fee_type quadratic_with_combo_maker_fees (0.035 = 0.5 x taker). */
  combo_maker_rate: number;
  /** 'cent': round the order's fee up to $0.01; 'centicent': $0.0001 + balance rounding + accumulator. */
  rounding: FeeRounding;
  /** Balance precision in dollars under 'centicent': 0.01 (non-direct member) or 0.0001 (direct). */
  balance_precision: number;
  /** Fee type assumed when a market's is not known. */
  default_fee_type: FeeType;
  /** Whether a series' fee_multiplier scales the maker rate as well as the taker rate (UNCERTAIN at Kalshi). */
  multiplier_scales_maker: boolean;
}

/** The published schedule (fee schedule effective 2025-07-01). */
export const KALSHI_FEES: FeeSchedule = {
  taker_rate: 0.07,
  maker_rate: 0.0175,
  combo_maker_rate: 0.035,
  rounding: 'cent',
  balance_precision: 0.01,
  default_fee_type: 'quadratic_with_maker_fees',
  multiplier_scales_maker: true,
};

export interface FeeQuery {
  /** Price of the contract bought or sold, in dollars (YES price for YES, NO price for NO): (0, 1), at most 4 decimals. */
  price: number;
  /** Contracts, > 0, at most 2 decimals. */
  count: number;
  liquidity: Liquidity;
  /** The series' fee_type; the schedule's default_fee_type when absent. */
  fee_type?: FeeType | undefined;
  /** The series' fee_multiplier (usually 1); at most 4 decimals. */
  multiplier?: number | undefined;
}

export type FeeResult =
  | {
      ok: true;
      /** The fee charged for the order, in millionths of a dollar (an integer; a multiple of 10000 under 'cent'). */
      micro: number;
      /** The same in dollars. */
      dollars: number;
      /** The unrounded fee in dollars (float, for information only). */
      exact: number;
    }
  | { ok: false; reason: 'bad-price' | 'bad-count' | 'bad-multiplier' | 'unsupported-fee-type'; detail: string };

// Grid scales: price 1e-4 $, count 1e-2, rate 1e-6, multiplier 1e-4.
const P_SCALE = 10_000n;
/** Exact fee = numerator / FEE_DEN dollars. */
export const FEE_DEN = 10n ** 20n; // 1e6 (rate) x 1e2 (count) x 1e4 x 1e4 (P(1-P)) x 1e4 (multiplier)
const DEN_PER_CENT = 10n ** 18n;
const DEN_PER_CENTICENT = 10n ** 16n;
/** Fill accounting runs on the 1e-6 dollar grid (price 1e-4 x count 1e-2). */
const MICRO_PER_CENTICENT = 100n;
const MICRO_PER_CENT = 10_000n;

/** x on a decimal grid as an integer, or undefined when x has more decimals than dp. */
export function toGrid(x: number, dp: number): number | undefined {
  if (!Number.isFinite(x) || !onGrid(x, dp)) return undefined;
  return Math.round(x * 10 ** dp);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  // a >= 0, b > 0
  return (a + b - 1n) / b;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** The fee rate (1e-6 units) for a liquidity and fee type, or a reason it cannot be computed. */
export function feeRate(s: FeeSchedule, liquidity: Liquidity, feeType: FeeType): { ok: true; micro: number } | { ok: false; detail: string } {
  if (feeType === 'flat') return { ok: false, detail: 'fee_type "flat" uses Kalshi\'s specific fee table, which is not modelled' };
  if (liquidity === 'maker' && feeType === 'quadratic') return { ok: true, micro: 0 };
  const rate = liquidity === 'taker' ? s.taker_rate : feeType === 'quadratic_with_maker_fees' ? s.maker_rate : s.combo_maker_rate;
  const micro = toGrid(rate, 6);
  if (micro === undefined || micro < 0) return { ok: false, detail: `fee rate ${rate} is not >= 0 with at most 6 decimals` };
  return { ok: true, micro };
}

interface Exact {
  ok: true;
  /** Exact fee numerator over FEE_DEN dollars. */
  num: bigint;
  price4: bigint;
  count2: bigint;
}

/** The exact (unrounded) fee of an order as an integer numerator over FEE_DEN dollars. */
export function exactFee(s: FeeSchedule, q: FeeQuery): Exact | Extract<FeeResult, { ok: false }> {
  const p4 = toGrid(q.price, 4);
  if (p4 === undefined || p4 <= 0 || p4 >= 10_000) {
    return { ok: false, reason: 'bad-price', detail: `price ${q.price} is not in (0, 1) with at most 4 decimals` };
  }
  const c2 = toGrid(q.count, 2);
  if (c2 === undefined || c2 <= 0) return { ok: false, reason: 'bad-count', detail: `count ${q.count} is not > 0 with at most 2 decimals` };
  const m4 = toGrid(q.multiplier ?? 1, 4);
  if (m4 === undefined || m4 < 0)
    return { ok: false, reason: 'bad-multiplier', detail: `fee multiplier ${String(q.multiplier)} is not >= 0 with at most 4 decimals` };
  const feeType = q.fee_type ?? s.default_fee_type;
  const rate = feeRate(s, q.liquidity, feeType);
  if (!rate.ok) return { ok: false, reason: 'unsupported-fee-type', detail: rate.detail };
  const mult = q.liquidity === 'maker' && !s.multiplier_scales_maker ? 10_000n : BigInt(m4);
  const price4 = BigInt(p4);
  const count2 = BigInt(c2);
  const num = BigInt(rate.micro) * count2 * price4 * (P_SCALE - price4) * mult;
  return { ok: true, num, price4, count2 };
}

function result(micro: bigint, num: bigint): FeeResult {
  const m = Number(micro);
  return { ok: true, micro: m, dollars: m / 1e6, exact: Number(num) / 1e20 };
}

/**
 * The fee of one order filled at once, under the schedule's rounding: 'cent' rounds the
 * exact fee up to $0.01; 'centicent' rounds it up to $0.0001, then adds the rounding fee
 * that brings the buyer's balance change back to the balance precision. This is the fee
 * Kelly sizing weighs (and what a single fill of the order costs).
 */
export function orderFee(s: FeeSchedule, q: FeeQuery): FeeResult {
  const e = exactFee(s, q);
  if (!e.ok) return e;
  if (s.rounding === 'cent') return result(ceilDiv(e.num, DEN_PER_CENT) * MICRO_PER_CENT, e.num);
  const ledger = new OrderFeeLedger(s, { fee_type: q.fee_type, multiplier: q.multiplier });
  const f = ledger.fill({ price: q.price, count: q.count, liquidity: q.liquidity, action: 'buy' });
  if (!f.ok) return f;
  return result(BigInt(f.net_micro), e.num);
}

/** One fill's fees, in millionths of a dollar (integers). */
export interface FillFee {
  ok: true;
  /** Trade fee ('cent': the cents this fill adds to the order's rounded-up total). */
  trade_micro: number;
  /** Rounding fee that restores the balance precision ('centicent'; 0 under 'cent'). */
  rounding_micro: number;
  /** Rebate from the order's accumulator on this fill, whole cents ('centicent'). */
  rebate_micro: number;
  /** trade + rounding - rebate. A fill that triggers a rebate can be negative; the order's total is not. */
  net_micro: number;
  /** net_micro in dollars. */
  net: number;
}

/**
 * Fees of one order across its fills, with the rounding model's per-order state: the
 * running exact fee ('cent') or the rounding-fee accumulator ('centicent'). The
 * accumulator carries over between taker and maker fills of the same order.
 */
export class OrderFeeLedger {
  /** 'cent': exact fee so far (numerator) and cents charged so far. */
  private exactNum = 0n;
  private chargedCents = 0n;
  /** 'centicent': accumulated rounding overpayment, 1e-6 dollars. */
  private accMicro = 0n;
  private readonly precisionMicro: bigint;

  constructor(
    private readonly s: FeeSchedule,
    private readonly market: { fee_type?: FeeType | undefined; multiplier?: number | undefined } = {},
  ) {
    const pm = toGrid(s.balance_precision, 6);
    if (pm === undefined || pm <= 0) throw new Error(`fees: balance_precision ${s.balance_precision} is not a positive multiple of $0.000001`);
    this.precisionMicro = BigInt(pm);
  }

  /** Accumulated rounding not yet rebated, in dollars ('centicent'). */
  get accumulator(): number {
    return Number(this.accMicro) / 1e6;
  }

  fill(f: { price: number; count: number; liquidity: Liquidity; action: 'buy' | 'sell' }): FillFee | Extract<FeeResult, { ok: false }> {
    const e = exactFee(this.s, { ...f, fee_type: this.market.fee_type, multiplier: this.market.multiplier });
    if (!e.ok) return e;
    if (this.s.rounding === 'cent') {
      this.exactNum += e.num;
      const due = ceilDiv(this.exactNum, DEN_PER_CENT);
      const cents = due - this.chargedCents;
      this.chargedCents = due;
      const m = Number(cents * MICRO_PER_CENT);
      return { ok: true, trade_micro: m, rounding_micro: 0, rebate_micro: 0, net_micro: m, net: m / 1e6 };
    }
    const tradeUnits = ceilDiv(e.num, DEN_PER_CENTICENT);
    const notionalMicro = e.price4 * e.count2; // 1e-4 x 1e-2 = 1e-6 dollars
    const revenue = f.action === 'buy' ? -notionalMicro : notionalMicro;
    const change = revenue - tradeUnits * MICRO_PER_CENTICENT;
    const floored = floorDiv(change, this.precisionMicro) * this.precisionMicro;
    const rounding = change - floored;
    this.accMicro += rounding;
    // "Once the accumulated rounding exceeds $0.01, a whole-cent rebate is issued": rebating
    // when it reaches $0.01 is what makes many fills total the same as one (tested).
    let rebateCents = 0n;
    while (this.accMicro >= MICRO_PER_CENT) {
      this.accMicro -= MICRO_PER_CENT;
      rebateCents++;
    }
    const trade = tradeUnits * MICRO_PER_CENTICENT;
    const rebate = rebateCents * MICRO_PER_CENT;
    const n = Number(trade + rounding - rebate);
    return { ok: true, trade_micro: Number(trade), rounding_micro: Number(rounding), rebate_micro: Number(rebate), net_micro: n, net: n / 1e6 };
  }
}

/** The per-contract fee rate at a price, in dollars per contract, unrounded (for the Kelly formula). */
export function feePerContract(s: FeeSchedule, q: Omit<FeeQuery, 'count'>): number | undefined {
  const e = exactFee(s, { ...q, count: 1 });
  return e.ok ? Number(e.num) / 1e20 : undefined;
}
