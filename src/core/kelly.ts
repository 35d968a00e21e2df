// Kelly sizing for a $1 binary contract with Kalshi's fee, behind the calibration gate
// (../shared/reference/pricing.md §3; roadmap item 6: no Kelly before calibration).
//
// Buying one side at price P with an all-in fee f per contract and win probability q,
// the log-optimal fraction of bankroll spent (fees included) is
//
//     x* = (q - P - f) / (1 - P - f)      when q > P + f, else 0.
//
// YES: q is the fair YES probability and P the YES price. NO: q is 1 - fair YES and P
// the NO price; with N = 1 - P this is (P - q - f)/(P - f) in YES terms.
//
// Fractional Kelly λ is full Kelly on the bankroll λW: for a continuous stake the two
// are identical (x* does not depend on W), and it gives the integer search one exact
// objective. The whole number of contracts maximises the expected log growth
//
//     G(C) = q ln(1 + (C(1-P) - fee(C))/λW) + (1-q) ln(1 - (C P + fee(C))/λW)
//
// under the TRUE fee, rounded per order (fees.ts). The fee is not linear in C (rounding
// up makes it a staircase), so the optimum can sit a few contracts away from the
// continuous one. The search is exact: the same G with the unrounded fee is an upper
// bound of G (rounding only adds fee) and is concave in C with its peak at the
// continuous optimum, so walking outward from that peak can stop as soon as the bound
// falls to the best true value found.
//
// The gate: Kelly is refused (a value, not an exception: the command turns it into
// RefusedError and exit 3) for an oracle path (source, sport, phase, method) without a
// calibration sign-off that is within the tolerance in force and rests on enough games.
import type { CalibrationSignoff } from '../schema/records.js';
import { feePerContract, orderFee, type FeeSchedule, type FeeType, type Liquidity } from './fees.js';

/** x* = (q - P - f)/(1 - P - f) for q > P + f, else 0. q: win probability of the side bought, P its price, f the fee per contract. */
export function kellyFraction(q: number, price: number, fee: number): number {
  const cost = price + fee;
  if (!(q > cost) || cost >= 1) return 0;
  return (q - cost) / (1 - cost);
}

/** Buy YES at `yesPrice` with fair YES probability q. */
export function kellyYes(q: number, yesPrice: number, fee: number): number {
  return kellyFraction(q, yesPrice, fee);
}

/** Buy NO at `noPrice` with fair YES probability q (NO wins with 1 - q). */
export function kellyNo(q: number, noPrice: number, fee: number): number {
  return kellyFraction(1 - q, noPrice, fee);
}

// ---------------------------------------------------------------- the gate

/** An oracle path: what a calibration group and a sign-off name. */
export interface OraclePath {
  source: string;
  sport: string;
  phase: 'pregame' | 'live';
  method: string;
}

export const PATH_KEYS = ['source', 'sport', 'phase', 'method'] as const;

export interface GateOptions {
  /** The ECE tolerance in force now (config kelly.tolerance). A sign-off made under a looser one does not pass. */
  tolerance: number;
  /** Fewest scored games a sign-off must rest on (config kelly.signoff_min_n). */
  min_n: number;
}

export type RefusalReason = 'no-signoff' | 'outside-tolerance' | 'too-few-games';

export interface Refusal {
  ok: false;
  refused: true;
  reason: RefusalReason;
  detail: string;
  path: OraclePath;
}

export type Gate = { ok: true; signoff: CalibrationSignoff } | Refusal;

export function pathLabel(p: OraclePath): string {
  return `${p.source}/${p.sport}/${p.phase}/${p.method}`;
}

/** True when the group names exactly this path (the four keys, no others). */
export function groupMatches(group: Record<string, string>, path: OraclePath): boolean {
  const keys = Object.keys(group);
  if (keys.length !== PATH_KEYS.length) return false;
  return PATH_KEYS.every((k) => group[k] === path[k]);
}

/** ECE within the band: at most the tolerance (a NaN ECE is not). */
export function withinTolerance(ece: number, tolerance: number): boolean {
  return ece <= tolerance;
}

/**
 * The calibration sign-off rule, the one place it is written: calibrate signs off a group
 * and the Kelly gate accepts a sign-off only when its ECE is within the tolerance
 * (`withinTolerance`) and it rests on at least `min_n` games. The tolerance is checked first.
 */
export function signoffRule(g: { ece: number; n: number }, opts: GateOptions): { ok: true } | { ok: false; reason: 'outside-tolerance' | 'too-few-games' } {
  if (!withinTolerance(g.ece, opts.tolerance)) return { ok: false, reason: 'outside-tolerance' };
  if (!(g.n >= opts.min_n)) return { ok: false, reason: 'too-few-games' };
  return { ok: true };
}

/** Whether Kelly may size on this path: the latest matching sign-off, checked against today's bar. */
export function kellyGate(path: OraclePath, signoffs: readonly CalibrationSignoff[], opts: GateOptions): Gate {
  let best: CalibrationSignoff | undefined;
  for (const s of signoffs) if (groupMatches(s.group, path) && (!best || s.ts >= best.ts)) best = s;
  const label = pathLabel(path);
  if (!best)
    return {
      ok: false,
      refused: true,
      reason: 'no-signoff',
      path,
      detail: `no calibration sign-off for ${label}: run calibrate --signoff on this path's probabilities and results`,
    };
  const rule = best.within_tolerance ? signoffRule(best, opts) : { ok: false as const, reason: 'outside-tolerance' as const };
  if (!rule.ok && rule.reason === 'outside-tolerance') {
    return {
      ok: false,
      refused: true,
      reason: 'outside-tolerance',
      path,
      detail: `sign-off for ${label} has ECE ${best.ece.toFixed(4)} > tolerance ${opts.tolerance}`,
    };
  }
  if (!rule.ok) {
    return { ok: false, refused: true, reason: 'too-few-games', path, detail: `sign-off for ${label} rests on ${best.n} games < ${opts.min_n} required` };
  }
  return { ok: true, signoff: best };
}

// ---------------------------------------------------------------- sizing

export interface SizeQuery {
  path: OraclePath;
  side: 'yes' | 'no';
  /** Fair probability that YES wins. */
  q: number;
  /** Price of the side bought, dollars (YES price for yes, NO price for no); at most 4 decimals. */
  price: number;
  /** Bankroll in dollars. */
  bankroll: number;
  /** Fractional Kelly λ in (0, 1]. */
  fraction: number;
  liquidity: Liquidity;
  fee_type?: FeeType | undefined;
  multiplier?: number | undefined;
  /** Cap on contracts (position limit); none when absent. */
  max_contracts?: number | undefined;
}

export interface Size {
  ok: true;
  /** Whole contracts to buy (0: no edge after fees). */
  contracts: number;
  /** Continuous Kelly fraction of the λ-bankroll with the unrounded fee. */
  x_star: number;
  /** Continuous optimum in contracts (x* λW / (P + f)). */
  continuous: number;
  /** The rounded fee of the order, dollars. */
  fee: number;
  /** Dollars spent: contracts x price + fee. */
  stake: number;
  /** Expected log growth of the λ-bankroll at `contracts`. */
  growth: number;
  /** Unrounded fee per contract used for x*. */
  fee_per_contract: number;
  signoff: CalibrationSignoff;
}

export type Sizing = Size | Refusal | { ok: false; refused: false; reason: 'bad-input' | 'fee'; detail: string };

/** Refuses without a valid sign-off; otherwise the best whole number of contracts under the rounded fee. */
export function sizeKelly(q: SizeQuery, fees: FeeSchedule, signoffs: readonly CalibrationSignoff[], gate: GateOptions): Sizing {
  const g = kellyGate(q.path, signoffs, gate);
  if (!g.ok) return g;
  return sizeContracts(q, fees, g.signoff);
}

/** The sizing itself (the gate already passed). Exported for tests and for callers holding a checked sign-off. */
export function sizeContracts(
  q: SizeQuery,
  fees: FeeSchedule,
  signoff: CalibrationSignoff,
): Size | { ok: false; refused: false; reason: 'bad-input' | 'fee'; detail: string } {
  const bad = (detail: string) => ({ ok: false as const, refused: false as const, reason: 'bad-input' as const, detail });
  if (!(q.q >= 0 && q.q <= 1)) return bad(`probability ${q.q} is not in [0, 1]`);
  if (!(q.price > 0 && q.price < 1)) return bad(`price ${q.price} is not in (0, 1)`);
  if (!(q.bankroll > 0) || !Number.isFinite(q.bankroll)) return bad(`bankroll ${q.bankroll} is not > 0`);
  if (!(q.fraction > 0 && q.fraction <= 1)) return bad(`Kelly fraction ${q.fraction} is not in (0, 1]`);
  if (q.max_contracts !== undefined && !(Number.isInteger(q.max_contracts) && q.max_contracts >= 0))
    return bad(`max_contracts ${q.max_contracts} is not a whole number >= 0`);
  const feeQ = { price: q.price, liquidity: q.liquidity, fee_type: q.fee_type, multiplier: q.multiplier };
  const f = feePerContract(fees, feeQ);
  if (f === undefined) {
    const r = orderFee(fees, { ...feeQ, count: 1 });
    return { ok: false, refused: false, reason: 'fee', detail: r.ok ? 'fee not computable' : r.detail };
  }
  const pWin = q.side === 'yes' ? q.q : 1 - q.q;
  const P = q.price;
  const W = q.fraction * q.bankroll;
  const xStar = kellyFraction(pWin, P, f);
  const continuous = (xStar * W) / (P + f);
  const zero: Size = { ok: true, contracts: 0, x_star: xStar, continuous, fee: 0, stake: 0, growth: 0, fee_per_contract: f, signoff };
  const cap = q.max_contracts ?? Number.MAX_SAFE_INTEGER;
  if (xStar <= 0 || cap === 0) return zero;

  const growth = (c: number, fee: number): number => {
    const lose = -(c * P + fee) / W;
    if (lose <= -1) return -Infinity;
    return pWin * Math.log1p((c * (1 - P) - fee) / W) + (1 - pWin) * Math.log1p(lose);
  };
  const trueFee = (c: number): number | undefined => {
    const r = orderFee(fees, { ...feeQ, count: c });
    return r.ok ? r.dollars : undefined;
  };
  let best = zero;
  const consider = (c: number): void => {
    const fee = trueFee(c);
    if (fee === undefined) return;
    const gc = growth(c, fee);
    if (gc > best.growth || (gc === best.growth && c < best.contracts)) {
      best = { ...zero, contracts: c, fee, stake: round6(c * P + fee), growth: gc };
    }
  };
  // The bound (unrounded fee) is concave with its peak at `continuous`: walk outward from it.
  const bound = (c: number): number => growth(c, c * f);
  const slack = (x: number): number => x - 1e-12 * Math.max(1e-12, Math.abs(x));
  const peak = Math.min(Math.floor(continuous), cap);
  for (let c = Math.max(peak, 1); c >= 1; c--) {
    if (c !== Math.max(peak, 1) && !(bound(c) > slack(best.growth))) break;
    consider(c);
  }
  for (let c = Math.max(peak, 1) + 1; c <= cap; c++) {
    if (!(bound(c) > slack(best.growth))) break;
    consider(c);
  }
  return best;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
