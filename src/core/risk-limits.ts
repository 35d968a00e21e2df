// Limits checked before every order (issue 10 §2). A limit reached is a `skip`, not an error.
//
// Units: prices PRICE_ONE units (YES terms), counts COUNT_ONE units, money PRICE_ONE units
// (src/core/trading.ts). Comparisons are made exactly, in price x count units
// (PRICE_ONE x COUNT_ONE per dollar), so a fractional contract never rounds a limit.
//
// What each limit means, precisely:
//
// limit-position (Limits.maxPositionContracts, COUNT_ONE units)
//   Per ticker, the position the ticker would reach if every working order on the
//   candidate's side filled, plus the candidate: for a bid, position + working bids +
//   count must be <= max; for an ask, -(position - working asks - count) <= max. Only the
//   candidate's direction is checked, so an order that shrinks exposure (a reduce-only
//   order: an ask against a long YES position, a bid against a long NO one) passes even
//   when the position already exceeds the limit, as long as it does not carry the
//   position past the limit on the other side.
//
// limit-game-loss (Limits.maxGameLossDollars, PRICE_ONE units)
//   A game has a home ticker and an away ticker, and exactly one resolves YES: so YES on
//   one and NO on the other are the same bet. For each outcome (home wins: home YES, away
//   NO; away wins: the reverse; with more tickers, each one YES and the others NO) the
//   game's PnL is
//     sum over its two tickers of  realizedPnl - fees + (YES ? position x $1 : 0) - costBasis
//     + for every working order and the candidate: its PnL in that outcome if it filled,
//       counted only when negative (min(0, .)), minus its `fee` if given.
//   Counting an order only where it loses is the worst case over every subset of the
//   working orders filling, in full or in part: a resting quote that would hedge is not
//   assumed to fill (a two-sided quote's bid and ask never cancel each other out). The
//   worst-case loss is -min over the outcomes (0 if every outcome wins). A ticker whose
//   partner is unknown is computed alone on its own YES/NO outcomes. The candidate fails
//   when the loss with it exceeds the limit AND exceeds the loss without it (an order that
//   adds no loss in the worst outcome passes even when realized losses are over the limit).
//
// limit-daily-notional (Limits.maxDailyNotionalDollars, PRICE_ONE units)
//   Per US Eastern trading day (eventtime.easternDate of `now`), the money our orders
//   commit: an order's notional is what it costs if it fills in full, price x count for a
//   bid (YES bought at p) and (PRICE_ONE - price) x count for an ask (NO bought at 1 - p).
//   Every order placed that day adds its notional, except that an order placed to replace
//   one of ours (same ticker and side, the old one cancelled) adds only the amount by which
//   its notional exceeds the replaced order's remaining notional, when the replaced order
//   was itself placed (and so counted) the same Eastern day; otherwise it counts in full.
//   So a chain of reprices counts at its high-water mark, once; a fill never adds (its
//   order was counted when placed); a cancel never subtracts. The total resets to 0 at
//   Eastern midnight. The candidate fails when today's total plus what it would add
//   exceeds the limit (reduce-only orders too: the notional cap is a hard daily budget).
//
// Checks run in that order; the first one that fails is reported. Before them, every
// number is validated (integers, prices strictly inside (0, PRICE_ONE), counts > 0, limits
// >= 0): a NaN compares false and would pass every limit, so malformed input fails with
// `invalid-input` instead.
import { easternDate } from './eventtime.js';
import { COUNT_ONE, PRICE_ONE, formatCount, formatPrice } from './kalshi-fixed.js';
import type { BookSide } from './trading.js';

export interface Limits {
  /** Per ticker, COUNT_ONE units (100 = one contract). */
  maxPositionContracts: number;
  /** Worst-case loss per game across its tickers, PRICE_ONE units (10,000 = $1). */
  maxGameLossDollars: number;
  /** Notional placed per US Eastern day, PRICE_ONE units (10,000 = $1). */
  maxDailyNotionalDollars: number;
}

/** An order that may fill: the candidate or a working one. */
export interface OrderExposure {
  ticker: string;
  side: BookSide;
  /** PRICE_ONE units, YES terms. */
  price: number;
  /** What can still fill, COUNT_ONE units. */
  count: number;
  /** Fee if it filled in full, PRICE_ONE units (optional; counted as a loss when given). */
  fee?: number;
}

/** The replaced order of a replacement: what was still working when it was cancelled. */
export interface ReplacedOrder {
  side: BookSide;
  price: number;
  /** Remaining count when replaced, COUNT_ONE units. */
  remaining: number;
  /** When the replaced order was placed (counted), epoch ms. */
  placedTs: number;
}

export interface Candidate extends OrderExposure {
  /** Set when this order replaces one of ours (a reprice): see limit-daily-notional. */
  replaces?: ReplacedOrder;
}

/** What the checks need of a position (a PositionSnapshot from src/core/positions.ts fits). */
export interface PositionLike {
  position: number;
  costBasis: number;
  realizedPnl: number;
  fees: number;
}

export interface CheckInput {
  candidate: Candidate;
  /** Current positions by ticker (a Positions instance or a Map fits). */
  positions: { get(ticker: string): PositionLike | undefined };
  /** Every order of ours that can still fill (resting, in flight, pending cancel), any ticker. */
  working: readonly OrderExposure[];
  /**
   * The tickers of the candidate's game (home and away: exactly one resolves YES). When
   * the candidate's ticker is not among them, or it is the only one (partner unknown), it
   * is computed alone on its own YES/NO outcomes.
   */
  gameTickers?: readonly string[];
  /** Today's notional so far. */
  notional: DailyNotional;
  now: number;
}

export type LimitReason = 'limit-position' | 'limit-game-loss' | 'limit-daily-notional' | 'invalid-input';
export type CheckResult = { ok: true } | { ok: false; reason: LimitReason; detail: string };

/** Money of price x count, in PRICE_ONE x COUNT_ONE units (exact integers). */
type Micro = number;

/** What an order commits if it fills in full, PRICE_ONE x COUNT_ONE units. */
export function orderNotionalMicro(side: BookSide, price: number, count: number): Micro {
  return (side === 'bid' ? price : PRICE_ONE - price) * count;
}

/** Micro units as dollars for a detail string (exact to 1/10,000 when whole; else 6 decimals). */
function dollars(micro: Micro): string {
  return micro % COUNT_ONE === 0 ? `$${formatPrice(micro / COUNT_ONE)}` : `$${(micro / (PRICE_ONE * COUNT_ONE)).toFixed(6)}`;
}

function contracts(count: number): string {
  return formatCount(count);
}

/** A ticker's PnL in one outcome (YES or NO) from its position, micro units. */
function positionPnl(p: PositionLike | undefined, yes: boolean): Micro {
  if (!p) return 0;
  return (p.realizedPnl - p.fees - p.costBasis) * COUNT_ONE + (yes ? p.position * PRICE_ONE : 0);
}

/** An order's PnL in one outcome if it filled in full, micro units (fees apart). */
function orderPnl(o: OrderExposure, yes: boolean): Micro {
  // bid: pays p, gets 1 on YES. ask: gets p, pays 1 on YES.
  const perContract = o.side === 'bid' ? (yes ? PRICE_ONE - o.price : -o.price) : yes ? o.price - PRICE_ONE : o.price;
  return perContract * o.count;
}

function orderLoss(o: OrderExposure, yes: boolean): Micro {
  return Math.min(0, orderPnl(o, yes)) - (o.fee ?? 0) * COUNT_ONE;
}

/**
 * The worst-case loss of a game (micro units, >= 0) from positions and orders that may
 * fill, with `extra` orders added. `tickers` are [home, away] or [ticker] alone.
 */
export function worstCaseLossMicro(tickers: readonly string[], positions: CheckInput['positions'], orders: readonly OrderExposure[]): Micro {
  // Outcome i: tickers[i] resolves YES, every other NO. Alone: outcome 0 YES, outcome 1 NO.
  const outcomes: Array<(t: string) => boolean> = tickers.length === 1 ? [() => true, () => false] : tickers.map((winner) => (t: string) => t === winner);
  let worst = 0;
  for (const yesOf of outcomes) {
    let pnl = 0;
    for (const t of tickers) pnl += positionPnl(positions.get(t), yesOf(t));
    for (const o of orders) if (tickers.includes(o.ticker)) pnl += orderLoss(o, yesOf(o.ticker));
    if (-pnl > worst) worst = -pnl;
  }
  return worst;
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

/** Why an order's numbers cannot be used, or undefined. */
function invalidOrder(o: OrderExposure, what: string): string | undefined {
  if (typeof o.ticker !== 'string' || o.ticker === '') return `${what}: no ticker`;
  if (o.side !== 'bid' && o.side !== 'ask') return `${what} ${o.ticker}: side ${String(o.side)}`;
  if (!isInt(o.price) || o.price <= 0 || o.price >= PRICE_ONE) return `${what} ${o.ticker}: price ${String(o.price)} not an integer in (0, ${PRICE_ONE})`;
  if (!isInt(o.count) || o.count <= 0) return `${what} ${o.ticker}: count ${String(o.count)} not a positive integer`;
  if (o.fee !== undefined && (!isInt(o.fee) || o.fee < 0)) return `${what} ${o.ticker}: fee ${String(o.fee)} not a non-negative integer`;
  return undefined;
}

function invalidInput(input: CheckInput, limits: Limits): string | undefined {
  for (const k of ['maxPositionContracts', 'maxGameLossDollars', 'maxDailyNotionalDollars'] as const) {
    if (!isInt(limits[k]) || limits[k] < 0) return `limit ${k} ${String(limits[k])} is not a non-negative integer`;
  }
  if (!isInt(input.now)) return `now ${String(input.now)} is not an integer`;
  const bad = invalidOrder(input.candidate, 'candidate');
  if (bad) return bad;
  const r = input.candidate.replaces;
  if (
    r &&
    (!isInt(r.price) ||
      r.price <= 0 ||
      r.price >= PRICE_ONE ||
      !isInt(r.remaining) ||
      r.remaining < 0 ||
      !isInt(r.placedTs) ||
      (r.side !== 'bid' && r.side !== 'ask'))
  ) {
    return `candidate ${input.candidate.ticker}: replaced order malformed`;
  }
  for (const o of input.working) {
    const w = invalidOrder(o, 'working order');
    if (w) return w;
  }
  for (const tk of gameOf(input.candidate.ticker, input.gameTickers)) {
    const p = input.positions.get(tk);
    if (p && ![p.position, p.costBasis, p.realizedPnl, p.fees].every(isInt)) return `position ${tk} has a non-integer field`;
  }
  return undefined;
}

/** The tickers whose outcomes are computed together for a candidate on `ticker`, sorted. */
export function gameOf(ticker: string, gameTickers: readonly string[] | undefined): string[] {
  const set = new Set(gameTickers ?? []);
  if (!set.has(ticker) || set.size < 2) return [ticker];
  return [...set].sort();
}

/** Check one candidate order against the limits. */
export function checkOrder(input: CheckInput, limits: Limits): CheckResult {
  const invalid = invalidInput(input, limits);
  if (invalid) return { ok: false, reason: 'invalid-input', detail: invalid };
  const c = input.candidate;
  // Position.
  const pos = input.positions.get(c.ticker)?.position ?? 0;
  let sameSide = 0;
  for (const o of input.working) if (o.ticker === c.ticker && o.side === c.side) sameSide += o.count;
  const reach = c.side === 'bid' ? pos + sameSide + c.count : -(pos - sameSide - c.count);
  if (reach > limits.maxPositionContracts) {
    const dir = c.side === 'bid' ? 'long YES' : 'long NO';
    return {
      ok: false,
      reason: 'limit-position',
      detail: `${c.ticker}: ${dir} would reach ${contracts(reach)} contracts (position ${contracts(pos)}, working ${c.side}s ${contracts(sameSide)}, this ${contracts(c.count)}) > limit ${contracts(limits.maxPositionContracts)}`,
    };
  }
  // Game loss.
  const tickers = gameOf(c.ticker, input.gameTickers);
  const before = worstCaseLossMicro(tickers, input.positions, input.working);
  const after = worstCaseLossMicro(tickers, input.positions, [...input.working, c]);
  const maxLoss = limits.maxGameLossDollars * COUNT_ONE;
  if (after > maxLoss && after > before) {
    return {
      ok: false,
      reason: 'limit-game-loss',
      detail: `${tickers.join(' + ')}: worst-case loss would be ${dollars(after)} (${dollars(before)} without this order) > limit ${dollars(maxLoss)}`,
    };
  }
  // Daily notional.
  const today = input.notional.totalMicro(input.now);
  const add = input.notional.wouldAddMicro(input.now, c, c.replaces);
  const maxNotional = limits.maxDailyNotionalDollars * COUNT_ONE;
  if (today + add > maxNotional) {
    return {
      ok: false,
      reason: 'limit-daily-notional',
      detail: `${easternDate(input.now)}: notional would be ${dollars(today + add)} (${dollars(today)} placed today, this order ${dollars(add)}) > limit ${dollars(maxNotional)}`,
    };
  }
  return { ok: true };
}

/**
 * Notional placed per US Eastern trading day (see limit-daily-notional above). Feed it
 * every order actually placed (onPlace); checkOrder asks it what a candidate would add.
 */
export class DailyNotional {
  private day: string | undefined;
  private micro: Micro = 0;

  /** Today's total at `now`, PRICE_ONE x COUNT_ONE units (0 once the Eastern day rolled over). */
  totalMicro(now: number): Micro {
    return easternDate(now) === this.day ? this.micro : 0;
  }

  /** Today's total at `now`, PRICE_ONE units, rounded up (exact for whole contracts). */
  total(now: number): number {
    return Math.ceil(this.totalMicro(now) / COUNT_ONE);
  }

  /** The Eastern date the total belongs to (undefined before the first placement). */
  get date(): string | undefined {
    return this.day;
  }

  /** What placing `order` at `now` would add, micro units. */
  wouldAddMicro(now: number, order: { side: BookSide; price: number; count: number }, replaces?: ReplacedOrder): Micro {
    const full = orderNotionalMicro(order.side, order.price, order.count);
    if (!replaces || easternDate(replaces.placedTs) !== easternDate(now)) return full;
    const old = orderNotionalMicro(replaces.side, replaces.price, replaces.remaining);
    return Math.max(0, full - old);
  }

  /** Record an order placed at `now`; returns what it added (micro units). */
  onPlace(now: number, order: { side: BookSide; price: number; count: number }, replaces?: ReplacedOrder): Micro {
    const d = easternDate(now);
    if (d !== this.day) {
      this.day = d;
      this.micro = 0;
    }
    const add = this.wouldAddMicro(now, order, replaces);
    this.micro += add;
    return add;
  }
}

/**
 * Limits from configuration values in contracts and dollars (decimal numbers) to the
 * integer units above. A value that is not a non-negative whole number of units
 * (1/100 contract, $0.0001) is refused with a reason, never rounded.
 */
export function limitsFromConfig(cfg: {
  maxPositionContracts: number;
  maxGameLossDollars: number;
  maxDailyNotionalDollars: number;
}): { ok: true; limits: Limits } | { ok: false; detail: string } {
  const conv = (name: string, v: number, one: number): number | string => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `${name} must be a non-negative number, got ${String(v)}`;
    const u = Math.round(v * one);
    if (Math.abs(u - v * one) > 1e-6 * Math.max(1, u) || !Number.isSafeInteger(u)) return `${name} ${v} is not a whole number of 1/${one}`;
    return u;
  };
  const a = conv('maxPositionContracts', cfg.maxPositionContracts, COUNT_ONE);
  const b = conv('maxGameLossDollars', cfg.maxGameLossDollars, PRICE_ONE);
  const d = conv('maxDailyNotionalDollars', cfg.maxDailyNotionalDollars, PRICE_ONE);
  for (const x of [a, b, d]) if (typeof x === 'string') return { ok: false, detail: x };
  return { ok: true, limits: { maxPositionContracts: a as number, maxGameLossDollars: b as number, maxDailyNotionalDollars: d as number } };
}
