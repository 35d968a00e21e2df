// Pricing of one ticker (pure): the maker quotes and the taker orders the fair price
// allows after fees, on the market's price grid. Prices in PRICE_ONE units, counts in
// COUNT_ONE units, edges in probability. Fees are the exchange's rounded fee of an
// order of the quoted size (src/core/fees.ts), per contract: never the unrounded rate,
// so a quote that "has edge" has it after the fee actually charged.
import { orderFee, type FeeSchedule, type FeeType } from './fees.js';
import { COUNT_ONE, PRICE_ONE, gridCeil, gridFloor, gridStep, type PriceGrid } from './kalshi-fixed.js';
import type { BookSide, Liquidity } from './trading.js';

/** Comparisons of edges tolerate float noise of this size (probability). */
export const EDGE_EPS = 1e-9;

export interface FeeModel {
  schedule: FeeSchedule;
  feeType: FeeType;
}

/** Per schedule and fee type, maker and taker: price x 2^24 + count -> fee per contract. */
const feeCache = new Map<FeeSchedule, Map<FeeType, [Map<number, number | undefined>, Map<number, number | undefined>]>>();
const CACHE_COUNT_LIMIT = 2 ** 24;
const CACHE_MAX = 100_000;

/**
 * The fee per contract, in probability units (dollars), of an order of `count` at
 * `price`: the rounded order fee divided by the count. Undefined when the fee cannot be
 * computed (an unsupported fee type): the caller does not quote.
 */
export function feePerContract(fee: FeeModel, price: number, count: number, liquidity: Liquidity): number | undefined {
  // The fee formula is symmetric in P(1 - P): selling YES at p costs what buying NO at 1 - p does.
  let bySchedule = feeCache.get(fee.schedule);
  if (!bySchedule) feeCache.set(fee.schedule, (bySchedule = new Map()));
  let pair = bySchedule.get(fee.feeType);
  if (!pair) bySchedule.set(fee.feeType, (pair = [new Map(), new Map()]));
  const cache = pair[liquidity === 'maker' ? 0 : 1];
  const key = count < CACHE_COUNT_LIMIT ? price * CACHE_COUNT_LIMIT + count : -1;
  if (key >= 0 && cache.has(key)) return cache.get(key);
  const r = orderFee(fee.schedule, { price: price / PRICE_ONE, count: count / COUNT_ONE, liquidity, fee_type: fee.feeType });
  const v = r.ok ? r.micro / 1e6 / (count / COUNT_ONE) : undefined;
  if (key >= 0) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** Edge of a YES bid (buy YES) or ask (sell YES) at `price` against fair YES probability `fair`, after fees. */
export function edgeAt(fair: number, side: BookSide, price: number, count: number, liquidity: Liquidity, fee: FeeModel): number | undefined {
  const f = feePerContract(fee, price, count, liquidity);
  if (f === undefined) return undefined;
  const p = price / PRICE_ONE;
  return side === 'bid' ? fair - p - f : p - fair - f;
}

export function meetsEdge(edge: number | undefined, threshold: number): boolean {
  return edge !== undefined && edge >= threshold - EDGE_EPS;
}

export interface MakerInput {
  fair: number;
  side: BookSide;
  grid: PriceGrid;
  /** Best price others show on our side and on the other side (undefined: empty). */
  bestSame: number | undefined;
  bestOther: number | undefined;
  /** Minimum edge after the maker fee. */
  edge: number;
  /** How many ticks we may improve on the best price of our side (0: join). */
  improveTicks: number;
  count: number;
  fee: FeeModel;
}

export type MakerQuote =
  { ok: true; price: number; limit: number; edge: number } | { ok: false; reason: 'no-edge' | 'would-cross' | 'fee-unknown'; detail: string };

/**
 * The maker quote: the limit is the best grid price with edge >= threshold after the
 * maker fee; the quote is that limit, but never crossing the other side (post-only) and
 * never paying more than joining (or improving by improveTicks) the best price there.
 */
export function makerQuote(m: MakerInput): MakerQuote {
  const bid = m.side === 'bid';
  const ideal = bid ? (m.fair - m.edge) * PRICE_ONE : (m.fair + m.edge) * PRICE_ONE;
  let limit = bid ? gridFloor(m.grid, Math.floor(ideal + 1e-6)) : gridCeil(m.grid, Math.ceil(ideal - 1e-6));
  // Walk away from fair until the fee is paid for too (the fee is at most a few cents).
  for (;;) {
    if (limit === undefined) return { ok: false, reason: 'no-edge', detail: `no price on the grid gives ${m.edge} edge at fair ${m.fair.toFixed(4)}` };
    const e = edgeAt(m.fair, m.side, limit, m.count, 'maker', m.fee);
    if (e === undefined) return { ok: false, reason: 'fee-unknown', detail: `maker fee of fee type ${m.fee.feeType} at ${limit}` };
    if (meetsEdge(e, m.edge)) break;
    limit = gridStep(m.grid, limit, bid ? -1 : 1);
  }
  let price = limit;
  if (m.bestSame !== undefined) {
    const target = gridStep(m.grid, m.bestSame, bid ? m.improveTicks : -m.improveTicks) ?? m.bestSame;
    price = bid ? Math.min(price, target) : Math.max(price, target);
  }
  if (m.bestOther !== undefined && (bid ? price >= m.bestOther : price <= m.bestOther)) {
    const inside = bid ? gridFloor(m.grid, m.bestOther - 1) : gridCeil(m.grid, m.bestOther + 1);
    if (inside === undefined)
      return { ok: false, reason: 'would-cross', detail: `no price on the grid ${bid ? 'below' : 'above'} the best ${bid ? 'ask' : 'bid'} ${m.bestOther}` };
    price = bid ? Math.min(price, inside) : Math.max(price, inside);
  }
  const edge = edgeAt(m.fair, m.side, price, m.count, 'maker', m.fee)!;
  return { ok: true, price, limit, edge };
}

export interface TakerInput {
  fair: number;
  /** bid: buy YES by lifting asks; ask: sell YES by hitting bids. */
  side: BookSide;
  /** The levels we would take, best first: asks ascending for a bid, bids descending for an ask. */
  levels: ReadonlyArray<readonly [number, number]>;
  takerEdge: number;
  /** Most we want (COUNT_ONE units). */
  maxCount: number;
  fee: FeeModel;
}

export type TakerOrder = { ok: true; price: number; count: number; edge: number } | { ok: false };

/**
 * The taker (IOC) order: every displayed level whose price still has taker edge after
 * the taker fee, up to maxCount; limit at the worst such level. The fee is checked at
 * the size taken so far (the rounded fee of a small order is the larger per contract).
 */
export function takerOrder(t: TakerInput): TakerOrder {
  let count = 0;
  let price: number | undefined;
  let worstEdge = Infinity;
  for (const [p, q] of t.levels) {
    if (count >= t.maxCount) break;
    const take = Math.min(q, t.maxCount - count);
    const e = edgeAt(t.fair, t.side, p, take, 'taker', t.fee);
    if (!meetsEdge(e, t.takerEdge)) break;
    count += take;
    price = p;
    worstEdge = Math.min(worstEdge, e!);
  }
  if (price === undefined || count <= 0) return { ok: false };
  return { ok: true, price, count, edge: worstEdge };
}
