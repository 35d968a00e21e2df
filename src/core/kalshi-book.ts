// One Kalshi market's order book, kept from a snapshot plus signed deltas in exact
// integers (prices in 1/10000 USD, sizes in 1/100 contract) and read in YES terms.
//
// Kalshi publishes bids only: YES bids and NO bids. A NO bid is a YES ask:
//   use_yes_price=false (the default on the wire): a NO level at q is a YES ask at 1 - q;
//   use_yes_price=true: NO levels are already on the YES scale, so the price is the ask.
// Internally both sides are kept as YES prices: bids (from `yes` levels) and asks (from
// `no` levels), each a sorted array of prices plus a price -> size map.
//
// A book that cannot be trusted is invalid and stays invalid until the next snapshot:
// a snapshot or delta with a malformed price or size, a price off the market's grid or
// outside (0, 1), a delta removing a level that is not there or taking a size below
// zero. The caller must not publish an invalid book (and should re-snapshot it).
import { PRICE_ONE, UNIT_GRID, countNumber, onPriceGrid, parseCount, parsePrice, priceNumber, type PriceGrid } from './kalshi-fixed.js';
import { lowerBound } from './search.js';

export type WireSide = 'yes' | 'no';

/** Why a book stopped being trustworthy (counted by the feeder as a bad-input reason). */
export type BookFault =
  | 'bad-price' // not a 4-decimal price string
  | 'off-grid' // outside (0, 1) or not on the market's price_ranges
  | 'bad-size' // not a 2-decimal count string (or a non-positive snapshot size)
  | 'bad-side' // side is neither yes nor no
  | 'bad-level' // a snapshot level that is not a [price, size] pair
  | 'duplicate-level' // a snapshot with the same price twice on one side
  | 'negative-size' // a delta taking a level below zero
  | 'missing-level' // a negative delta on a level the book does not have
  | 'zero-delta' // a delta of 0 (no information; the book is left as it was)
  | 'invalid'; // a delta for a book awaiting its snapshot

export type ApplyResult =
  { ok: true; /** a level within the top `depth` of its side changed */ visible: boolean } | { ok: false; fault: BookFault; detail: string };

/** [price units, size units], best first. */
export type Level = [number, number];

class Side {
  /** Prices ascending. */
  readonly prices: number[] = [];
  readonly sizes = new Map<number, number>();
  /** JSON text of this side's top levels, kept until a visible change (topJson). */
  json: string | undefined;
  jsonDepth = 0;
  constructor(readonly visibleDepth: number) {}

  clear(): void {
    this.prices.length = 0;
    this.sizes.clear();
    this.json = undefined;
  }

  /** Index of p in prices, or -(insertion point) - 1. */
  find(p: number): number {
    const a = this.prices;
    const i = lowerBound(a, p);
    return i < a.length && a[i] === p ? i : -i - 1;
  }

  set(p: number, size: number): void {
    const i = this.find(p);
    if (i < 0) this.prices.splice(-i - 1, 0, p);
    this.sizes.set(p, size);
  }

  remove(p: number): void {
    const i = this.find(p);
    if (i >= 0) this.prices.splice(i, 1);
    this.sizes.delete(p);
  }
}

export interface BookOptions {
  /** The wire convention of the `no` levels (use_yes_price of the subscription). */
  useYesPrice: boolean;
  /** The market's tick structure (default: the 4-decimal unit grid). */
  grid?: PriceGrid;
  /** Levels per side that count as visible (a change deeper than this is not "visible"). */
  depth: number;
}

export class KalshiBook {
  private readonly bids: Side;
  private readonly asks: Side;
  private _valid = false;
  private _fault: string | undefined = 'awaiting snapshot';
  grid: PriceGrid;
  readonly useYesPrice: boolean;
  readonly depth: number;

  constructor(
    readonly ticker: string,
    opts: BookOptions,
  ) {
    this.useYesPrice = opts.useYesPrice;
    this.grid = opts.grid ?? UNIT_GRID;
    this.depth = opts.depth;
    this.bids = new Side(opts.depth);
    this.asks = new Side(opts.depth);
  }

  get valid(): boolean {
    return this._valid;
  }

  /** Why the book is invalid (undefined while valid). */
  get fault(): string | undefined {
    return this._fault;
  }

  /** Mark untrusted: no reads until the next snapshot. */
  invalidate(reason: string): void {
    this._valid = false;
    this._fault = reason;
    this.bids.clear();
    this.asks.clear();
  }

  /**
   * Replace the book with a snapshot (`yes_dollars_fp` / `no_dollars_fp`: lists of
   * [price, count] strings; an absent side is empty). On any bad level the book is
   * invalid and the fault is returned.
   */
  snapshot(yes: unknown, no: unknown): ApplyResult {
    this.bids.clear();
    this.asks.clear();
    const r = this.loadSide('yes', yes) ?? this.loadSide('no', no);
    if (r) {
      this.invalidate(`${r.fault}: ${r.detail}`);
      return r;
    }
    this._valid = true;
    this._fault = undefined;
    return { ok: true, visible: true };
  }

  /** Apply one signed delta (`price_dollars`, `delta_fp`, `side`). */
  delta(side: unknown, priceStr: unknown, deltaStr: unknown): ApplyResult {
    if (!this._valid) return { ok: false, fault: 'invalid', detail: this._fault ?? 'invalid' };
    if (side !== 'yes' && side !== 'no') return this.fail('bad-side', `side ${JSON.stringify(side)}`);
    const wire = parsePrice(priceStr);
    if (wire === null) return this.fail('bad-price', `price_dollars ${JSON.stringify(priceStr)}`);
    const d = parseCount(deltaStr, true);
    if (d === null) return this.fail('bad-size', `delta_fp ${JSON.stringify(deltaStr)}`);
    const p = this.yesPrice(side, wire);
    if (!onPriceGrid(this.grid, p)) return this.fail('off-grid', `${side} price ${String(priceStr)} is not on the ${this.grid.source} grid`);
    if (d === 0) return { ok: false, fault: 'zero-delta', detail: `zero delta at ${side} ${String(priceStr)}` };
    const s = side === 'yes' ? this.bids : this.asks;
    const cur = s.sizes.get(p);
    if (cur === undefined) {
      if (d < 0) return this.fail('missing-level', `delta ${String(deltaStr)} on absent ${side} level ${String(priceStr)}`);
      s.set(p, d);
    } else {
      const next = cur + d;
      if (next < 0) return this.fail('negative-size', `${side} ${String(priceStr)}: ${cur / 100} + ${String(deltaStr)} < 0`);
      // Exact integers only: a sum past 2^53 could no longer be trusted to the 1/100 contract.
      if (!Number.isSafeInteger(next)) return this.fail('bad-size', `${side} ${String(priceStr)}: ${cur / 100} + ${String(deltaStr)} exceeds exact arithmetic`);
      if (next === 0) s.remove(p);
      else s.sizes.set(p, next);
    }
    const visible = this.isVisible(side === 'yes', p);
    if (visible) s.json = undefined;
    return { ok: true, visible };
  }

  /** Best `n` levels per side in YES terms: bids highest first, asks lowest first. */
  top(n = this.depth): { bids: Level[]; asks: Level[] } {
    const bids: Level[] = [];
    const bp = this.bids.prices;
    for (let i = bp.length - 1; i >= 0 && bids.length < n; i--) bids.push([bp[i]!, this.bids.sizes.get(bp[i]!)!]);
    const asks: Level[] = [];
    const ap = this.asks.prices;
    for (let i = 0; i < ap.length && asks.length < n; i++) asks.push([ap[i]!, this.asks.sizes.get(ap[i]!)!]);
    return { bids, asks };
  }

  /** The top as record numbers (dollars, contracts). */
  topNumbers(n = this.depth): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const t = this.top(n);
    const conv = (l: Level): [number, number] => [priceNumber(l[0]), countNumber(l[1])];
    return { bids: t.bids.map(conv), asks: t.asks.map(conv) };
  }

  /**
   * The top as the JSON text of a record's two fields, `"bids":[[p,s],...],"asks":[...]`,
   * built without intermediate arrays or float formatting (the feeder's hot path). The
   * text is exactly what JSON.stringify prints for topNumbers().
   */
  topJson(n = this.depth): string {
    return `"bids":[${sideJson(this.bids, n, true)}],"asks":[${sideJson(this.asks, n, false)}]`;
  }

  bestBid(): Level | undefined {
    const p = this.bids.prices[this.bids.prices.length - 1];
    return p === undefined ? undefined : [p, this.bids.sizes.get(p)!];
  }

  bestAsk(): Level | undefined {
    const p = this.asks.prices[0];
    return p === undefined ? undefined : [p, this.asks.sizes.get(p)!];
  }

  /** True when the best bid is at or above the best ask (the exchange never rests that). */
  get crossed(): boolean {
    const b = this.bestBid();
    const a = this.bestAsk();
    return b !== undefined && a !== undefined && b[0] >= a[0];
  }

  get levelCount(): number {
    return this.bids.prices.length + this.asks.prices.length;
  }

  /** A wire price of one side to the YES price of the book side it feeds. */
  private yesPrice(side: WireSide, wire: number): number {
    return side === 'yes' || this.useYesPrice ? wire : PRICE_ONE - wire;
  }

  /** Whether a change at YES price p is within the top `depth` levels of its side. */
  private isVisible(bid: boolean, p: number): boolean {
    const s = bid ? this.bids : this.asks;
    const i = s.find(p);
    const idx = i >= 0 ? i : -i - 1; // where p is (or would be) in the ascending array
    // Levels better than p: above it for bids, below it for asks.
    const better = bid ? s.prices.length - (i >= 0 ? idx + 1 : idx) : idx;
    return better < this.depth;
  }

  private loadSide(side: WireSide, levels: unknown): { ok: false; fault: BookFault; detail: string } | undefined {
    if (levels === undefined || levels === null) return undefined; // absent key: empty side
    if (!Array.isArray(levels)) return { ok: false, fault: 'bad-level', detail: `${side} levels are not an array` };
    const s = side === 'yes' ? this.bids : this.asks;
    for (const lv of levels) {
      if (!Array.isArray(lv) || lv.length < 2) return { ok: false, fault: 'bad-level', detail: `${side} level ${JSON.stringify(lv)}` };
      const wire = parsePrice(lv[0]);
      if (wire === null) return { ok: false, fault: 'bad-price', detail: `${side} level price ${JSON.stringify(lv[0])}` };
      const size = parseCount(lv[1]);
      if (size === null || size <= 0) return { ok: false, fault: 'bad-size', detail: `${side} level size ${JSON.stringify(lv[1])}` };
      const p = this.yesPrice(side, wire);
      if (!onPriceGrid(this.grid, p)) return { ok: false, fault: 'off-grid', detail: `${side} price ${String(lv[0])} is not on the ${this.grid.source} grid` };
      if (s.sizes.has(p)) return { ok: false, fault: 'duplicate-level', detail: `${side} price ${String(lv[0])} twice` };
      s.set(p, size);
    }
    return undefined;
  }

  private fail(fault: BookFault, detail: string): ApplyResult {
    this.invalidate(`${fault}: ${detail}`);
    return { ok: false, fault, detail };
  }
}

/** One side's top `n` levels as JSON array items, best first; cached until a visible change. */
function sideJson(side: Side, n: number, bids: boolean): string {
  if (side.json !== undefined && side.jsonDepth === n) return side.json;
  const cache = n <= side.visibleDepth;
  let out = '';
  const ps = side.prices;
  const sz = side.sizes;
  if (bids) {
    for (let i = ps.length - 1, k = 0; i >= 0 && k < n; i--, k++) {
      const p = ps[i]!;
      out += `${k ? ',[' : '['}${priceText(p)},${countText(sz.get(p)!)}]`;
    }
  } else {
    for (let i = 0; i < ps.length && i < n; i++) {
      const p = ps[i]!;
      out += `${i ? ',[' : '['}${priceText(p)},${countText(sz.get(p)!)}]`;
    }
  }
  // Only a top no deeper than the visibility depth is known to change with a visible delta.
  if (cache) {
    side.json = out;
    side.jsonDepth = n;
  }
  return out;
}

/** Every price 0..1 in units as JSON prints the dollar number (4200 -> "0.42"), computed once. */
const PRICE_TEXT: string[] = Array.from({ length: PRICE_ONE + 1 }, (_, u) => String(u / PRICE_ONE));

function priceText(u: number): string {
  return PRICE_TEXT[u] ?? String(u / PRICE_ONE);
}

/** Count units as JSON prints count/100 (12050 -> "120.5", 5 -> "0.05"), in integer arithmetic. */
export function countText(u: number): string {
  if (u < 0) return `-${countText(-u)}`;
  const q = Math.floor(u / 100);
  const r = u - q * 100;
  if (r === 0) return String(q);
  if (r % 10 === 0) return `${q}.${r / 10}`;
  return `${q}.${r < 10 ? '0' : ''}${r}`;
}
