// The shadow (paper) venue: a simulated matching engine fed by the displayed Kalshi book
// and its trade prints, behind the same Venue interface a live venue has. Pure: time
// comes in as `now`, there is no randomness, and the same calls give the same replies.
// The full rules are in docs-venue.md; in short:
//
// - Latency on both legs: a request reaches the engine `latencyMs` after submit; every
//   reply reaches us `latencyMs` after the engine event that caused it. A cancel takes
//   effect only when it arrives, so a fill can land in between (the cancel/fill race).
// - Market data is applied to the engine at the time we are given it (no separate feed
//   latency). Before a book, trade or market update at `now` is applied, every internal
//   event due at or before `now` runs first, in (time, sequence) order.
// - Time never goes backwards: a `now` earlier than one already seen counts as the latest.
// - Resting orders keep a queue position (src/core/queue-model.ts) on their (side, price)
//   level of the displayed book. The displayed book never contains our shadow orders.
// - Fills of a resting order are maker fills at its own price:
//     a trade at its price whose taker hit its side fills what is left of the trade after
//     the queue ahead; a trade through its price fills up to the trade's size; the
//     opposite side of the displayed book at or through its price fills up to the size
//     displayed there, less what our orders already took from those levels.
//   Trades only fill orders on the side their taker hit (taker YES -> our asks, taker NO
//   -> our bids); crosses only fill from the resting opposite side. The two never describe
//   the same contracts, so a cross and a trade of one event are not counted twice.
//   One trade is shared among our orders in price-time priority (better price first, then
//   arrival): the sum of our fills from one trade never exceeds its size.
// - Taker fills (ioc, and the crossing part of a gtc that is not post-only) walk the
//   displayed opposite side best first up to the limit, never more than displayed, at
//   each level's price.
// - Liquidity our orders take (taker or cross) is remembered per (side, price) level as
//   `consumed` and is not available again: on every book update it becomes
//   min(consumed, displayed size), and it is forgotten when the level empties.
// - Amend (Kalshi V2 semantics, src/core/trading.ts): takes effect when it arrives, like a
//   cancel, so fills can land in between. `count` is the new total: what rests after it is
//   count - filled. The order keeps its order id and gets the new client id (the old one
//   still names it). Same price and a smaller remaining keeps the queue position; a price
//   change, a larger size or an unchanged one goes to the back (a fresh arrival on its
//   level, behind our other orders too). Refusals: unknown-order, already-filled,
//   already-canceled, invalid (off-grid price, bad count, a client id in use: the order
//   rests unchanged). A post-only order amended to a price that would cross is CANCELED
//   (Kalshi's PostOnlyCrossCancel, reference section 3) and the amend answered
//   post-only-cross. Fills that reached the new total before the amend arrived end the
//   order: `amended` with remaining 0, nothing rests (the amend's total is a cap; the
//   order never keeps working beyond what we last asked for).
import { OrderFeeLedger, feeRate, type FeeSchedule, type FeeType } from './fees.js';
import { COUNT_ONE, PRICE_ONE, onPriceGrid } from './kalshi-fixed.js';
import { queueOnArrival, queueOnLevelChange, queueOnTrade, type QueueState } from './queue-model.js';
import type {
  AmendRejectReason,
  BookSide,
  BookView,
  CancelCause,
  Liquidity,
  MarketInfo,
  OrderSpec,
  QueueModelName,
  TradeView,
  Venue,
  VenueReply,
  VenueRequest,
} from './trading.js';

export interface ShadowVenueOptions {
  /** Order entry latency and response latency, each (ms, >= 0). */
  latencyMs: number;
  queueModel: QueueModelName;
  fees: FeeSchedule;
  /** Prefix of the order ids the venue assigns (`${prefix}-${n}`); default `shadow`. */
  orderIdPrefix?: string;
  /**
   * How long a finished order (filled or canceled) stays known to the engine, ms after it
   * finished; default one hour. A cancel for it after that gets `unknown-order`.
   */
  retainFinishedMs?: number;
}

/** An order as the engine holds it (exported for inspection in tests and tools). */
export interface ShadowOrderView {
  clientOrderId: string;
  orderId: string;
  ticker: string;
  side: BookSide;
  price: number;
  count: number;
  remaining: number;
  status: 'open' | 'filled' | 'canceled';
  /** Estimated displayed quantity ahead of the order (COUNT_ONE units). */
  ahead: number;
}

interface ShadowOrder {
  /** The current version (an amend changes its client id, price and total count). */
  spec: OrderSpec;
  /** Every client id the order has had (each still names it until it is forgotten). */
  ids: string[];
  orderId: string;
  /** Arrival sequence at the engine (time priority among our orders). */
  seq: number;
  remaining: number;
  status: 'open' | 'filled' | 'canceled';
  queue: QueueState;
  fills: number;
  ledger: OrderFeeLedger;
}

interface Level {
  price: number;
  size: number;
}

interface MarketState {
  info: MarketInfo | undefined;
  /** Displayed book, YES terms: bids best (highest) first, asks best (lowest) first. */
  bids: Level[];
  asks: Level[];
  bidSize: Map<number, number>;
  askSize: Map<number, number>;
  /** Liquidity of the displayed levels our orders already took, per side of the book. */
  consumedBid: Map<number, number>;
  consumedAsk: Map<number, number>;
  /** Open (resting) orders in arrival order. */
  open: ShadowOrder[];
}

interface EngineEvent {
  at: number;
  seq: number;
  req: VenueRequest;
}

interface Outgoing {
  ts: number;
  seq: number;
  reply: VenueReply;
}

const DEFAULT_RETAIN_MS = 3_600_000;

export class ShadowVenue implements Venue {
  private readonly latency: number;
  private readonly model: QueueModelName;
  private readonly fees: FeeSchedule;
  private readonly prefix: string;
  private readonly retainMs: number;

  private readonly markets = new Map<string, MarketState>();
  private readonly faultCounts = new Map<string, number>();
  /** Orders the engine accepted, open or finished (until retention ends), by clientOrderId. */
  private readonly orders = new Map<string, ShadowOrder>();
  /** Finished orders in finishing order, for retention. */
  private readonly finished: Array<{ at: number; clientOrderId: string }> = [];
  private finishedHead = 0;
  private readonly events: EngineEvent[] = [];
  private readonly outbox: Outgoing[] = [];
  private seq = 0;
  private orderSeq = 0;
  /** Arrival order at the engine (places, and amends that lose their priority). */
  private arrivalSeq = 0;
  /** The latest time seen (engine time never goes backwards). */
  private clock = Number.NEGATIVE_INFINITY;

  constructor(opts: ShadowVenueOptions) {
    if (!Number.isFinite(opts.latencyMs) || opts.latencyMs < 0) throw new Error(`shadow venue: latencyMs ${opts.latencyMs} is not a finite number >= 0`);
    if (opts.queueModel !== 'risk-averse' && opts.queueModel !== 'prob') throw new Error(`shadow venue: unknown queue model ${String(opts.queueModel)}`);
    this.latency = opts.latencyMs;
    this.model = opts.queueModel;
    this.fees = opts.fees;
    this.prefix = opts.orderIdPrefix ?? 'shadow';
    this.retainMs = opts.retainFinishedMs ?? DEFAULT_RETAIN_MS;
    // Fails here (at start) rather than on the first fill when the schedule is unusable.
    new OrderFeeLedger(this.fees);
  }

  // ------------------------------------------------------------------ Venue

  submit(req: VenueRequest, now: number): void {
    const t = this.advance(now);
    this.insertEvent({ at: t + this.latency, seq: this.seq++, req });
  }

  replies(now: number): VenueReply[] {
    const t = this.advance(now);
    let n = 0;
    while (n < this.outbox.length && this.outbox[n]!.ts <= t) n++;
    return this.outbox.splice(0, n).map((o) => o.reply);
  }

  next(): number | undefined {
    const a = this.events[0]?.at;
    const b = this.outbox[0]?.ts;
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  // ------------------------------------------------------------------ market data

  /** A market's status, fee type and grid. A status other than `active` cancels its resting orders. */
  onMarket(info: MarketInfo, now: number): void {
    const t = this.advance(now);
    const m = this.market(info.ticker);
    m.info = info;
    if (info.status !== 'active') {
      for (const o of [...m.open]) this.finish(o, 'market-closed', t);
    }
  }

  /**
   * The market settled (kalshi.result): its open orders end (`market-closed`) and its state
   * goes, so a month of markets does not stay in memory. A later request for it is
   * `market-unknown`.
   */
  onResult(ticker: string, now: number): void {
    const t = this.advance(now);
    const m = this.markets.get(ticker);
    if (!m) return;
    for (const o of [...m.open]) this.finish(o, 'market-closed', t);
    this.markets.delete(ticker);
  }

  /** Markets the venue holds state for. */
  get marketCount(): number {
    return this.markets.size;
  }

  /** A displayed book (YES terms, the full visible depth). */
  onBook(book: BookView, now: number): void {
    const t = this.advance(now);
    const m = this.market(book.ticker);
    const bids = this.levels(book.bids, 'bid');
    const asks = this.levels(book.asks, 'ask');
    const bidSize = sizeMap(bids);
    const askSize = sizeMap(asks);
    // Queue positions: each order's level, before -> after.
    for (const o of m.open) {
      const before = o.spec.side === 'bid' ? m.bidSize : m.askSize;
      const after = o.spec.side === 'bid' ? bidSize : askSize;
      const prev = before.get(o.spec.price) ?? 0;
      const nxt = after.get(o.spec.price) ?? 0;
      if (prev !== nxt) o.queue = queueOnLevelChange(this.model, o.queue, prev, nxt);
    }
    updateConsumed(m.consumedBid, bidSize);
    updateConsumed(m.consumedAsk, askSize);
    m.bids = bids;
    m.asks = asks;
    m.bidSize = bidSize;
    m.askSize = askSize;
    // Crosses: the opposite side displayed at or through a resting order's price.
    for (const o of priority(m.open, 'bid')) this.fillFromCross(m, o, t);
    for (const o of priority(m.open, 'ask')) this.fillFromCross(m, o, t);
  }

  /** A public trade (YES terms). */
  onTrade(trade: TradeView, now: number): void {
    const t = this.advance(now);
    if (
      !Number.isSafeInteger(trade.count) ||
      trade.count <= 0 ||
      !Number.isSafeInteger(trade.price) ||
      trade.price <= 0 ||
      trade.price >= PRICE_ONE ||
      (trade.takerSide !== 'yes' && trade.takerSide !== 'no')
    ) {
      this.count('bad-trade');
      return;
    }
    const m = this.markets.get(trade.ticker);
    if (!m) return;
    // Taker bought YES: it lifted YES asks (NO bids). Taker bought NO: it hit YES bids.
    const hit: BookSide = trade.takerSide === 'yes' ? 'ask' : 'bid';
    let left = trade.count;
    for (const o of priority(m.open, hit)) {
      const atOrThrough = hit === 'bid' ? o.spec.price >= trade.price : o.spec.price <= trade.price;
      if (!atOrThrough) continue;
      let can: number;
      if (o.spec.price === trade.price) {
        const r = queueOnTrade(o.queue, trade.count);
        o.queue = r.state;
        can = r.past;
      } else {
        can = trade.count;
      }
      const n = Math.min(o.remaining, can, left);
      if (n > 0) {
        left -= n;
        this.fill(m, o, o.spec.price, n, 'maker', t);
      }
    }
  }

  // ------------------------------------------------------------------ inspection

  /**
   * Market data the venue could not use, counted by reason (`bad-book-level`: a level whose
   * price or size is not an integer, a negative size, or a price outside (0, 1) (a size of
   * 0 is an empty level, not a fault); `duplicate-book-level`:
   * a price twice on one side (the first size is kept); `bad-trade`: a trade whose price,
   * count or taker side is unusable). The caller reports them; nothing is dropped silently.
   */
  faults(): Record<string, number> {
    return Object.fromEntries(this.faultCounts);
  }

  /** The engine's view of an order (undefined once unknown). */
  order(clientOrderId: string): ShadowOrderView | undefined {
    const o = this.orders.get(clientOrderId);
    if (!o) return undefined;
    return {
      clientOrderId: o.spec.clientOrderId,
      orderId: o.orderId,
      ticker: o.spec.ticker,
      side: o.spec.side,
      price: o.spec.price,
      count: o.spec.count,
      remaining: o.remaining,
      status: o.status,
      ahead: o.queue.ahead,
    };
  }

  // ------------------------------------------------------------------ engine

  /** Run every internal event due at or before `now`; returns the engine time. */
  private advance(now: number): number {
    if (Number.isFinite(now) && now > this.clock) this.clock = now;
    const t = this.clock;
    while (this.events.length > 0 && this.events[0]!.at <= t) {
      const e = this.events.shift()!;
      if (e.req.kind === 'place') this.arrivePlace(e.req.order, e.at);
      else if (e.req.kind === 'amend') this.arriveAmend(e.req, e.at);
      else this.arriveCancel(e.req.clientOrderId, e.req.ticker, e.at);
    }
    this.prune(t);
    return t;
  }

  private arrivePlace(spec: OrderSpec, t: number): void {
    const bad = invalidSpec(spec);
    if (bad) return this.reject(spec, 'invalid', t, bad);
    if (this.orders.has(spec.clientOrderId)) return this.reject(spec, 'duplicate-client-order-id', t);
    const m = this.markets.get(spec.ticker);
    if (!m || !m.info) return this.reject(spec, 'market-unknown', t);
    if (m.info.status !== 'active') return this.reject(spec, 'market-closed', t, `status ${m.info.status}`);
    if (!onPriceGrid(m.info.grid, spec.price)) return this.reject(spec, 'off-grid', t, `price ${spec.price} is not on the ${m.info.grid.source} grid`);
    const feeProblem = this.feeProblem(spec, m.info.feeType);
    if (feeProblem) return this.reject(spec, 'invalid', t, feeProblem);
    const crosses = this.crossable(m, spec.side, spec.price) > 0;
    if (spec.tif === 'gtc' && spec.postOnly && crosses) return this.reject(spec, 'post-only-cross', t);

    const o: ShadowOrder = {
      spec,
      ids: [spec.clientOrderId],
      orderId: `${this.prefix}-${++this.orderSeq}`,
      seq: ++this.arrivalSeq,
      remaining: spec.count,
      status: 'open',
      queue: queueOnArrival((spec.side === 'bid' ? m.bidSize : m.askSize).get(spec.price) ?? 0),
      fills: 0,
      ledger: new OrderFeeLedger(this.fees, { fee_type: m.info.feeType }),
    };
    this.orders.set(spec.clientOrderId, o);
    this.send(t, { kind: 'accepted', ts: 0, clientOrderId: spec.clientOrderId, orderId: o.orderId, ticker: spec.ticker, remaining: o.remaining });
    if (crosses) this.take(m, o, t);
    if (o.status !== 'open') return;
    if (spec.tif === 'ioc') return this.finish(o, 'ioc-remainder', t);
    m.open.push(o);
  }

  private arriveCancel(clientOrderId: string, ticker: string, t: number): void {
    const o = this.orders.get(clientOrderId);
    if (!o || o.spec.ticker !== ticker) return this.send(t, { kind: 'cancel-rejected', ts: 0, clientOrderId, ticker, reason: 'unknown-order' });
    if (o.status === 'filled') return this.send(t, { kind: 'cancel-rejected', ts: 0, clientOrderId, ticker, reason: 'already-filled' });
    if (o.status === 'canceled') return this.send(t, { kind: 'cancel-rejected', ts: 0, clientOrderId, ticker, reason: 'already-canceled' });
    this.finish(o, 'requested', t);
  }

  private arriveAmend(req: Extract<VenueRequest, { kind: 'amend' }>, t: number): void {
    const { clientOrderId, ticker } = req;
    const refuse = (reason: AmendRejectReason, detail?: string): void => {
      const r: VenueReply = { kind: 'amend-rejected', ts: 0, clientOrderId, ticker, reason };
      if (detail !== undefined) r.detail = detail;
      this.send(t, r);
    };
    const o = this.orders.get(clientOrderId);
    if (!o || o.spec.ticker !== ticker) return refuse('unknown-order');
    if (o.status === 'filled') return refuse('already-filled');
    if (o.status === 'canceled') return refuse('already-canceled');
    const m = this.markets.get(ticker);
    if (!m || !m.info) return refuse('unknown-order'); // unreachable: an open order's market is known
    const bad = invalidAmend(req);
    if (bad) return refuse('invalid', bad);
    if (this.orders.has(req.newClientOrderId)) return refuse('invalid', `client order id ${req.newClientOrderId} is already in use`);
    if (!onPriceGrid(m.info.grid, req.price)) return refuse('invalid', `price ${req.price} is not on the ${m.info.grid.source} grid`);
    const filled = o.spec.count - o.remaining;
    const left = req.count - filled;
    const crosses = left > 0 && this.crossable(m, o.spec.side, req.price) > 0;
    if (crosses && o.spec.postOnly) {
      // Kalshi cancels a post-only order that would cross: nothing of it rests any more.
      o.status = 'canceled';
      this.retire(m, o, t);
      return refuse('post-only-cross', `price ${req.price} would take liquidity`);
    }
    // Same price and a smaller remaining keeps the queue position; anything else is a new arrival.
    const keep = req.price === o.spec.price && left < o.remaining;
    o.spec = { ...o.spec, clientOrderId: req.newClientOrderId, price: req.price, count: req.count };
    o.ids.push(req.newClientOrderId);
    this.orders.set(req.newClientOrderId, o);
    o.remaining = Math.max(0, left);
    if (!keep && left > 0) {
      o.queue = queueOnArrival((o.spec.side === 'bid' ? m.bidSize : m.askSize).get(req.price) ?? 0);
      o.seq = ++this.arrivalSeq;
      const i = m.open.indexOf(o);
      if (i >= 0) m.open.splice(i, 1);
      m.open.push(o);
    }
    this.send(t, {
      kind: 'amended',
      ts: 0,
      clientOrderId,
      newClientOrderId: req.newClientOrderId,
      orderId: o.orderId,
      ticker,
      price: req.price,
      count: req.count,
      remaining: o.remaining,
    });
    if (left <= 0) {
      // The fills made while the amend was on its way reached its total: the order ends.
      o.status = 'canceled';
      this.retire(m, o, t);
      return;
    }
    if (crosses) this.take(m, o, t); // not post-only: the crossing part takes, the rest rests
  }

  /** A fee type the order could be charged under that fees.ts cannot compute, named. */
  private feeProblem(spec: OrderSpec, feeType: FeeType): string | undefined {
    const needs: Liquidity[] = spec.tif === 'ioc' ? ['taker'] : spec.postOnly ? ['maker'] : ['maker', 'taker'];
    for (const l of needs) {
      const r = feeRate(this.fees, l, feeType);
      if (!r.ok) return `no ${l} fee: ${r.detail}`;
    }
    return undefined;
  }

  /** Displayed quantity on the opposite side at or through `price`, less what we took. */
  private crossable(m: MarketState, side: BookSide, price: number): number {
    let n = 0;
    for (const [lv, consumed] of opposite(m, side)) {
      if (side === 'bid' ? lv.price > price : lv.price < price) break;
      n += Math.max(0, lv.size - (consumed.get(lv.price) ?? 0));
    }
    return n;
  }

  /** Taker: walk the opposite side best first up to the limit, at each level's price. */
  private take(m: MarketState, o: ShadowOrder, t: number): void {
    for (const [lv, consumed] of opposite(m, o.spec.side)) {
      if (o.remaining === 0) break;
      if (o.spec.side === 'bid' ? lv.price > o.spec.price : lv.price < o.spec.price) break;
      const used = consumed.get(lv.price) ?? 0;
      const n = Math.min(o.remaining, lv.size - used);
      if (n <= 0) continue;
      consumed.set(lv.price, used + n);
      this.fill(m, o, lv.price, n, 'taker', t);
    }
  }

  /** A resting order crossed by the displayed opposite side: one maker fill at its price. */
  private fillFromCross(m: MarketState, o: ShadowOrder, t: number): void {
    let n = 0;
    for (const [lv, consumed] of opposite(m, o.spec.side)) {
      if (o.remaining - n === 0) break;
      if (o.spec.side === 'bid' ? lv.price > o.spec.price : lv.price < o.spec.price) break;
      const used = consumed.get(lv.price) ?? 0;
      const k = Math.min(o.remaining - n, lv.size - used);
      if (k <= 0) continue;
      consumed.set(lv.price, used + k);
      n += k;
    }
    if (n > 0) this.fill(m, o, o.spec.price, n, 'maker', t);
  }

  private fill(m: MarketState, o: ShadowOrder, price: number, count: number, liquidity: Liquidity, t: number): void {
    o.remaining -= count;
    o.fills++;
    const f = o.ledger.fill({ price: price / PRICE_ONE, count: count / COUNT_ONE, liquidity, action: o.spec.side === 'bid' ? 'buy' : 'sell' });
    // Unreachable: the fee type was checked for this liquidity when the order arrived.
    if (!f.ok) throw new Error(`shadow venue: no fee for ${o.spec.ticker}: ${f.detail}`);
    const fee = Math.ceil(f.net_micro / 100);
    this.send(t, {
      kind: 'fill',
      ts: 0,
      clientOrderId: o.spec.clientOrderId,
      orderId: o.orderId,
      ticker: o.spec.ticker,
      tradeId: `${o.orderId}-${o.fills}`,
      side: o.spec.side,
      price,
      count,
      remaining: o.remaining,
      liquidity,
      fee,
      queueModel: this.model,
    });
    if (o.remaining === 0) {
      o.status = 'filled';
      this.retire(m, o, t);
    }
  }

  /** End an open order: canceled, nothing left working. */
  private finish(o: ShadowOrder, cause: CancelCause, t: number): void {
    o.status = 'canceled';
    this.send(t, { kind: 'canceled', ts: 0, clientOrderId: o.spec.clientOrderId, orderId: o.orderId, ticker: o.spec.ticker, remaining: 0, cause });
    const m = this.markets.get(o.spec.ticker);
    if (m) this.retire(m, o, t);
  }

  private retire(m: MarketState, o: ShadowOrder, t: number): void {
    const i = m.open.indexOf(o);
    if (i >= 0) m.open.splice(i, 1);
    this.finished.push({ at: t, clientOrderId: o.spec.clientOrderId });
  }

  private prune(t: number): void {
    while (this.finishedHead < this.finished.length && this.finished[this.finishedHead]!.at + this.retainMs <= t) {
      const id = this.finished[this.finishedHead]!.clientOrderId;
      for (const alias of this.orders.get(id)?.ids ?? [id]) this.orders.delete(alias);
      this.finishedHead++;
    }
    if (this.finishedHead > 1024 && this.finishedHead * 2 > this.finished.length) {
      this.finished.splice(0, this.finishedHead);
      this.finishedHead = 0;
    }
  }

  private reject(spec: OrderSpec, reason: Extract<VenueReply, { kind: 'rejected' }>['reason'], t: number, detail?: string): void {
    const r: VenueReply = { kind: 'rejected', ts: 0, clientOrderId: spec.clientOrderId, ticker: spec.ticker, reason };
    if (detail !== undefined) r.detail = detail;
    this.send(t, r);
  }

  /** Queue a reply for `latencyMs` after the engine event at `t`. */
  private send(t: number, reply: VenueReply): void {
    const ts = t + this.latency;
    reply.ts = ts;
    const o: Outgoing = { ts, seq: this.seq++, reply };
    let i = this.outbox.length;
    while (i > 0 && this.outbox[i - 1]!.ts > ts) i--;
    this.outbox.splice(i, 0, o);
  }

  private insertEvent(e: EngineEvent): void {
    let i = this.events.length;
    while (i > 0 && this.events[i - 1]!.at > e.at) i--;
    this.events.splice(i, 0, e);
  }

  private count(reason: string): void {
    this.faultCounts.set(reason, (this.faultCounts.get(reason) ?? 0) + 1);
  }

  /** Usable levels of one side, best first (sorted here whatever order they came in). */
  private levels(src: BookView['bids'], side: BookSide): Level[] {
    const out: Level[] = [];
    let sorted = true;
    for (const [price, size] of src) {
      if (!Number.isSafeInteger(price) || !Number.isSafeInteger(size) || size < 0 || price <= 0 || price >= PRICE_ONE) {
        this.count('bad-book-level');
        continue;
      }
      if (size === 0) continue; // an empty level: nothing there
      // A book has a handful of levels: a scan is cheaper than a Set per update.
      let dup = false;
      for (let i = 0; i < out.length; i++) if (out[i]!.price === price) dup = true;
      if (dup) {
        this.count('duplicate-book-level');
        continue;
      }
      const last = out[out.length - 1];
      if (last && (side === 'bid' ? last.price < price : last.price > price)) sorted = false;
      out.push({ price, size });
    }
    return sorted ? out : out.sort(side === 'bid' ? (a, b) => b.price - a.price : (a, b) => a.price - b.price);
  }

  private market(ticker: string): MarketState {
    let m = this.markets.get(ticker);
    if (!m) {
      m = {
        info: undefined,
        bids: [],
        asks: [],
        bidSize: new Map(),
        askSize: new Map(),
        consumedBid: new Map(),
        consumedAsk: new Map(),
        open: [],
      };
      this.markets.set(ticker, m);
    }
    return m;
  }
}

/** The opposite side of the displayed book, best first, with its consumed map. */
function* opposite(m: MarketState, side: BookSide): Generator<[Level, Map<number, number>]> {
  if (side === 'bid') for (const lv of m.asks) yield [lv, m.consumedAsk];
  else for (const lv of m.bids) yield [lv, m.consumedBid];
}

/** Open orders of one side in price-time priority: better price first, then arrival. */
function priority(open: readonly ShadowOrder[], side: BookSide): ShadowOrder[] {
  return open
    .filter((o) => o.spec.side === side)
    .sort((a, b) => (a.spec.price !== b.spec.price ? (side === 'bid' ? b.spec.price - a.spec.price : a.spec.price - b.spec.price) : a.seq - b.seq));
}

function sizeMap(ls: readonly Level[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of ls) m.set(l.price, l.size);
  return m;
}

/** Consumed liquidity survives a book update only as far as the level still shows it. */
function updateConsumed(consumed: Map<number, number>, sizes: ReadonlyMap<number, number>): void {
  for (const [p, c] of [...consumed]) {
    const s = sizes.get(p) ?? 0;
    if (s <= 0) consumed.delete(p);
    else if (c > s) consumed.set(p, s);
  }
}

/** Why an amend cannot be applied at all, or undefined. */
function invalidAmend(r: Extract<VenueRequest, { kind: 'amend' }>): string | undefined {
  if (typeof r.newClientOrderId !== 'string' || r.newClientOrderId === '') return 'newClientOrderId is empty';
  if (!Number.isSafeInteger(r.price) || r.price <= 0 || r.price >= PRICE_ONE) return `price ${r.price} is not an integer in (0, ${PRICE_ONE})`;
  if (!Number.isSafeInteger(r.count) || r.count <= 0) return `count ${r.count} is not a positive integer`;
  return undefined;
}

/** Why an order spec cannot be placed at all, or undefined. */
function invalidSpec(s: OrderSpec): string | undefined {
  if (typeof s.clientOrderId !== 'string' || s.clientOrderId === '') return 'clientOrderId is empty';
  if (typeof s.ticker !== 'string' || s.ticker === '') return 'ticker is empty';
  if (s.side !== 'bid' && s.side !== 'ask') return `side ${String(s.side)} is not bid or ask`;
  if (s.tif !== 'gtc' && s.tif !== 'ioc') return `tif ${String(s.tif)} is not gtc or ioc`;
  if (!Number.isSafeInteger(s.price) || s.price <= 0 || s.price >= PRICE_ONE) return `price ${s.price} is not an integer in (0, ${PRICE_ONE})`;
  if (!Number.isSafeInteger(s.count) || s.count <= 0) return `count ${s.count} is not a positive integer`;
  if (s.tif === 'ioc' && s.postOnly) return 'an ioc order cannot be post-only (it would never fill)';
  return undefined;
}
