// Positions per ticker: a fold over our fills and Kalshi's settlements (issue 10 §4).
//
// Units (src/core/trading.ts): prices PRICE_ONE units (YES terms), counts COUNT_ONE units,
// money integer PRICE_ONE units. Everything here is an integer; no float decides a value.
//
// The model is YES terms throughout. A `bid` fill buys YES (cash -price x count); an `ask`
// fill sells YES (cash +price x count), which on Kalshi is buying NO at PRICE_ONE - price,
// or selling YES we hold. So `position` is the net YES count: positive = long YES, negative
// = long NO. Holding -n YES is economically the same as holding n NO bought at 1 - p: if
// the market resolves YES the NO holder loses 1 - p per contract, and in YES terms +p - 1;
// if NO, the NO holder gains p, and in YES terms +p - 0.
//
// `costBasis` is what the open position cost in YES terms: positive for long YES (money
// paid), negative for long NO (the YES-terms money received; the NO holder paid
// |position| x PRICE_ONE + costBasis). Closing trades realize PnL at average cost:
//   realized += closing cash - costBasis x closed / |position|
// and a fill that crosses zero closes the old position in full and opens the rest.
//
// Rounding (only ever needed for fractional contracts or a partial close):
//  - Cash of a fill: exact for whole contracts (price x count is a multiple of COUNT_ONE).
//    For a fractional count a payment is rounded up and a receipt down (Math.floor of the
//    signed YES-terms cash): never more money than we really have.
//  - Basis released by a partial close is rounded so the realized PnL is rounded down
//    (toward -infinity); the remainder stays in costBasis. Nothing is lost: at every step
//    realizedPnl - costBasis = the sum of all fill cash, exactly, so a full close or a
//    settlement realizes the exact total.
//  - Settlement payout of a fractional position is rounded down (Math.floor).
//  - Fees are the exchange's integer fees as given; they are kept apart (`fees`) and
//    `netPnl` = realizedPnl - fees.
//
// Pure: no clock; `now` comes in. Memory: a settled ticker is kept (a late fill or a second
// settlement is refused, not double-counted) until forget(ticker).
import { COUNT_ONE, PRICE_ONE } from './kalshi-fixed.js';
import type { BookSide } from './trading.js';

/** One fill of ours, as the venue reported it. */
export interface PositionFill {
  ticker: string;
  side: BookSide;
  /** PRICE_ONE units, YES terms, 0 < price < PRICE_ONE. */
  price: number;
  /** COUNT_ONE units, > 0. */
  count: number;
  /** PRICE_ONE units, integer >= 0. */
  fee: number;
}

/** The state of one ticker. */
export interface PositionSnapshot {
  ticker: string;
  /** Net YES contracts, COUNT_ONE units: > 0 long YES, < 0 long NO. */
  position: number;
  /** YES-terms cost of the open position, PRICE_ONE units (negative when long NO). */
  costBasis: number;
  /** Fees paid on this ticker, PRICE_ONE units. */
  fees: number;
  /** PnL realized so far (closing trades, settlement), before fees, PRICE_ONE units. */
  realizedPnl: number;
  /** Contracts bought and sold (COUNT_ONE units), for reports. */
  bought: number;
  sold: number;
  fills: number;
  /** Set once the ticker settled. */
  settled?: 'yes' | 'no';
}

/** What a settlement produced: the data of a `position` record. */
export interface Settlement {
  ticker: string;
  ts: number;
  result: 'yes' | 'no';
  /** The position that settled (COUNT_ONE units, YES terms). */
  position: number;
  /** Its YES-terms cost basis (PRICE_ONE units). */
  costBasis: number;
  /** What settlement paid in YES terms: position x PRICE_ONE on YES, 0 on NO (PRICE_ONE units). */
  payout: number;
  /** Realized over the ticker's life, trading and settlement, before fees (PRICE_ONE units). */
  realizedPnl: number;
  /** Fees over the ticker's life (PRICE_ONE units). */
  fees: number;
  /** realizedPnl - fees. */
  netPnl: number;
  bought: number;
  sold: number;
  fills: number;
}

export type FillResult = { ok: true; position: PositionSnapshot } | { ok: false; detail: string };
export type SettleResult = { ok: true; settlement: Settlement } | { ok: false; reason: 'unknown-ticker' | 'already-settled'; detail: string };

interface State {
  position: number;
  costBasis: number;
  fees: number;
  realizedPnl: number;
  bought: number;
  sold: number;
  fills: number;
  settled?: 'yes' | 'no';
}

/** Signed YES-terms cash of a fill, PRICE_ONE units; exact for whole contracts, floored otherwise. */
export function fillCash(side: BookSide, price: number, count: number): number {
  const micro = price * count; // PRICE_ONE x COUNT_ONE units, exact
  return Math.floor((side === 'bid' ? -micro : micro) / COUNT_ONE);
}

/** floor(a x b / c) for integers, c > 0; exact (BigInt) when a x b leaves the safe range. */
export function mulFloorDiv(a: number, b: number, c: number): number {
  const p = a * b;
  if (Number.isSafeInteger(p)) return Math.floor(p / c);
  const P = BigInt(a) * BigInt(b);
  const C = BigInt(c);
  let q = P / C; // truncates toward zero
  if (P % C !== 0n && P < 0n) q -= 1n;
  return Number(q);
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

/** Why a fill cannot be booked, or undefined when it can. */
export function invalidFill(f: PositionFill): string | undefined {
  if (typeof f.ticker !== 'string' || f.ticker === '') return 'fill without a ticker';
  if (f.side !== 'bid' && f.side !== 'ask') return `side ${String(f.side)} is not bid or ask`;
  if (!isInt(f.price) || f.price <= 0 || f.price >= PRICE_ONE) return `price ${String(f.price)} is not an integer in (0, ${PRICE_ONE})`;
  if (!isInt(f.count) || f.count <= 0) return `count ${String(f.count)} is not a positive integer`;
  if (!isInt(f.fee) || f.fee < 0) return `fee ${String(f.fee)} is not a non-negative integer`;
  return undefined;
}

export class Positions {
  private readonly byTicker = new Map<string, State>();

  /** Book one fill. A malformed fill, or one on a settled ticker, is refused and changes nothing. */
  onFill(f: PositionFill): FillResult {
    const bad = invalidFill(f);
    if (bad) return { ok: false, detail: `${f.ticker}: ${bad}` };
    let s = this.byTicker.get(f.ticker);
    if (s?.settled) return { ok: false, detail: `${f.ticker}: fill after settlement (${s.settled}) refused` };
    if (!s) this.byTicker.set(f.ticker, (s = { position: 0, costBasis: 0, fees: 0, realizedPnl: 0, bought: 0, sold: 0, fills: 0 }));
    const dir = f.side === 'bid' ? 1 : -1;
    s.fees += f.fee;
    s.fills++;
    if (dir > 0) s.bought += f.count;
    else s.sold += f.count;
    let left = f.count;
    // Closing part: the fill goes against the open position.
    if (s.position !== 0 && Math.sign(s.position) !== dir) {
      const open = Math.abs(s.position);
      const closed = Math.min(left, open);
      const cash = fillCash(f.side, f.price, closed);
      // Released basis rounded so realized is rounded down: realized = cash - released,
      // released = ceil(costBasis x closed / open) = -floor(-costBasis x closed / open).
      const released = closed === open ? s.costBasis : -mulFloorDiv(-s.costBasis, closed, open);
      s.realizedPnl += cash - released;
      s.costBasis -= released;
      s.position += dir * closed;
      left -= closed;
    }
    if (left > 0) {
      s.costBasis -= fillCash(f.side, f.price, left);
      s.position += dir * left;
    }
    return { ok: true, position: snapshot(f.ticker, s) };
  }

  /**
   * Settle a ticker: YES pays PRICE_ONE per contract held long YES (and takes it from a
   * long-NO position, in YES terms); NO pays 0. The ticker is kept, marked settled.
   */
  settle(ticker: string, result: 'yes' | 'no', now: number): SettleResult {
    const s = this.byTicker.get(ticker);
    if (!s) return { ok: false, reason: 'unknown-ticker', detail: `${ticker}: no fills, nothing to settle` };
    if (s.settled) return { ok: false, reason: 'already-settled', detail: `${ticker}: already settled ${s.settled}` };
    const payout = result === 'yes' ? Math.floor((s.position * PRICE_ONE) / COUNT_ONE) : 0;
    const settlement: Settlement = {
      ticker,
      ts: now,
      result,
      position: s.position,
      costBasis: s.costBasis,
      payout,
      realizedPnl: s.realizedPnl + payout - s.costBasis,
      fees: s.fees,
      netPnl: s.realizedPnl + payout - s.costBasis - s.fees,
      bought: s.bought,
      sold: s.sold,
      fills: s.fills,
    };
    s.realizedPnl = settlement.realizedPnl;
    s.position = 0;
    s.costBasis = 0;
    s.settled = result;
    return { ok: true, settlement };
  }

  get(ticker: string): PositionSnapshot | undefined {
    const s = this.byTicker.get(ticker);
    return s ? snapshot(ticker, s) : undefined;
  }

  /** Every ticker held, sorted by ticker. */
  all(): PositionSnapshot[] {
    return [...this.byTicker.keys()].sort().map((k) => snapshot(k, this.byTicker.get(k)!));
  }

  /** Drop a settled ticker; an unsettled one is never forgotten (false). */
  forget(ticker: string): boolean {
    const s = this.byTicker.get(ticker);
    if (!s?.settled) return false;
    return this.byTicker.delete(ticker);
  }

  get size(): number {
    return this.byTicker.size;
  }
}

function snapshot(ticker: string, s: State): PositionSnapshot {
  return {
    ticker,
    position: s.position,
    costBasis: s.costBasis,
    fees: s.fees,
    realizedPnl: s.realizedPnl,
    bought: s.bought,
    sold: s.sold,
    fills: s.fills,
    ...(s.settled ? { settled: s.settled } : {}),
  };
}
