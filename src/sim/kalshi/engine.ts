// The simulated exchange's matching engine: markets, one YES book per market with
// price-time priority, V2-style orders (side bid/ask, YES price), fills with fees
// (src/core/fees.ts: the same exact fee code the sizing uses, per order), positions, and market lifecycle. Everything it does is
// reported to listeners (level changes, trades, fills, order updates, lifecycle), which
// the WebSocket layer turns into Kalshi messages. Prices are YES price units
// (1/10000 USD); counts are 1/100 contract.
//
// Public book: resting bids are YES bids; resting asks at YES price p are NO bids at
// 1 - p. The engine never rests a crossed book: an incoming order matches first.
import { lowerBound } from '../../core/search.js';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import { KALSHI_FEES, OrderFeeLedger, type FeeSchedule, type FeeType } from '../../core/fees.js';
import { LINEAR_CENT, PRICE_ONE, onPriceGrid, type PriceGrid } from '../../core/kalshi-fixed.js';

export type BookSide = 'bid' | 'ask';
export type Tif = 'good_till_canceled' | 'immediate_or_cancel' | 'fill_or_kill';
export type Stp = 'taker_at_cross' | 'maker';
export type OrderStatus = 'resting' | 'canceled' | 'executed';

/** Market statuses of reference §5. */
export type MarketStatus = 'initialized' | 'active' | 'inactive' | 'closed' | 'determined' | 'disputed' | 'amended' | 'finalized';

/** The owner of background liquidity (random walk, scenario books): nobody's session. */
export const LIQUIDITY = '__liquidity';
/** The owner of background takers (random-walk trades). */
export const TAKER = '__taker';

/** Background owners ("__" prefix): no fills or order updates are kept or sent for them. */
export function isBackground(owner: string): boolean {
  return owner.startsWith('__');
}

export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

export interface SimOrder {
  id: string;
  clientOrderId: string | undefined;
  owner: string;
  ticker: string;
  side: BookSide;
  price: number;
  initial: number;
  remaining: number;
  filled: number;
  status: OrderStatus;
  tif: Tif;
  postOnly: boolean;
  stp: Stp;
  createdMs: number;
  updatedMs: number;
  expirationMs: number | undefined;
  takerCost: number;
  makerCost: number;
  takerFees: number;
  makerFees: number;
  /** Fees are charged per order (rounded on the order's running total), not per fill. */
  feeLedger?: OrderFeeLedger;
  /** Sum of price x count over fills (units x count units), for the average fill price. */
  fillNotional: number;
  lastUpdateReason: string | undefined;
  orderGroupId?: string;
}

/**
 * An order group (reference §3, execution.md §3): when the contracts its orders fill
 * within a rolling 15 s reach `limit`, it triggers: every resting order of the group is
 * cancelled (reason OrderGroupTriggered) and new ones are refused until a reset.
 */
export interface SimOrderGroup {
  id: string;
  owner: string;
  /** Count units (1/100 contract). */
  limit: number;
  triggered: boolean;
  /** Fills in the rolling window: [ts ms, count units]. */
  window: Array<[number, number]>;
}

export const ORDER_GROUP_WINDOW_MS = 15_000;

export interface OrderGroupEvent {
  owner: string;
  groupId: string;
  eventType: 'created' | 'triggered' | 'reset' | 'deleted' | 'limit_updated';
  limit: number;
  ts: number;
}

export interface SimTrade {
  tradeId: string;
  ticker: string;
  price: number;
  count: number;
  takerBookSide: BookSide;
  ts: number;
}

export interface SimFill {
  tradeId: string;
  orderId: string;
  clientOrderId: string | undefined;
  owner: string;
  ticker: string;
  price: number;
  count: number;
  isTaker: boolean;
  fee: number;
  side: BookSide;
  postPosition: number;
  ts: number;
}

export interface LifecycleEvent {
  ticker: string;
  eventType: 'created' | 'activated' | 'deactivated' | 'close_date_updated' | 'determined' | 'settled' | 'price_level_structure_updated';
  ts: number;
  fields: Record<string, unknown>;
}

export interface EngineListener {
  /** An aggregate level changed by `delta` (count units) at YES price `price`. */
  level?(ticker: string, side: BookSide, price: number, delta: number): void;
  trade?(t: SimTrade): void;
  fill?(f: SimFill): void;
  order?(o: SimOrder): void;
  lifecycle?(e: LifecycleEvent): void;
  orderGroup?(e: OrderGroupEvent): void;
}

export interface MarketSpec {
  ticker: string;
  eventTicker?: string;
  series?: string;
  status?: MarketStatus;
  grid?: PriceGrid;
  openTs?: number;
  closeTs?: number;
  yesSubTitle?: string;
  feeType?: FeeType;
  /** 1/10000 (10000 = 1.0). */
  feeMultiplier?: number;
}

interface Level {
  orders: SimOrder[];
  total: number;
}

class Ladder {
  /** Prices ascending. */
  readonly prices: number[] = [];
  readonly levels = new Map<number, Level>();

  get(p: number): Level | undefined {
    return this.levels.get(p);
  }

  add(o: SimOrder): void {
    let l = this.levels.get(o.price);
    if (!l) {
      l = { orders: [], total: 0 };
      this.levels.set(o.price, l);
      this.prices.splice(lowerBound(this.prices, o.price), 0, o.price);
    }
    l.orders.push(o);
    l.total += o.remaining;
  }

  /** Take `qty` off a resting order (not removing it). */
  reduce(o: SimOrder, qty: number): void {
    const l = this.levels.get(o.price);
    if (l) l.total -= qty;
  }

  remove(o: SimOrder): void {
    const l = this.levels.get(o.price);
    if (!l) return;
    const i = l.orders.indexOf(o);
    if (i >= 0) {
      l.orders.splice(i, 1);
      l.total -= o.remaining;
    }
    if (l.orders.length === 0) {
      this.levels.delete(o.price);
      const j = this.prices.indexOf(o.price);
      if (j >= 0) this.prices.splice(j, 1);
    }
  }

  get lowest(): number | undefined {
    return this.prices[0];
  }

  get highest(): number | undefined {
    return this.prices[this.prices.length - 1];
  }
}

export interface SimMarket {
  ticker: string;
  eventTicker: string;
  series: string;
  status: MarketStatus;
  grid: PriceGrid;
  openTs: number;
  closeTs: number;
  yesSubTitle: string;
  feeType: FeeType;
  feeMultiplier: number;
  result: '' | 'yes' | 'no';
  settlementTs: number | undefined;
  bids: Ladder;
  asks: Ladder;
  lastPrice: number | undefined;
  volume: number;
  openInterest: number;
}

export interface Position {
  position: number;
  feesPaid: number;
  /** Sum over fills of price x count, in 1/10000 USD. */
  traded: number;
  /**
   * What the open position cost (market_exposure_dollars), in 1/10000 USD: YES price x count
   * for a long YES position, NO price x count for a short one, at average cost (a reducing
   * fill takes its share of the cost out; a fill through zero starts a new basis).
   */
  exposure: number;
  lastUpdatedMs: number;
}

export interface PlaceRequest {
  ticker: string;
  side: BookSide;
  price: number;
  count: number;
  tif: Tif;
  stp: Stp;
  postOnly?: boolean;
  clientOrderId?: string;
  expirationMs?: number;
  reduceOnly?: boolean;
  orderGroupId?: string;
}

export interface EngineOptions {
  clock: Clock;
  /** The fee schedule (rates, rounding model); the published one by default. */
  fees?: FeeSchedule;
  /** How a post-only order that would cross ends (reference §3 UNCERTAIN). */
  postOnlyCross?: 'cancel' | 'reject';
}

export class Engine {
  readonly markets = new Map<string, SimMarket>();
  readonly orders = new Map<string, SimOrder>();
  readonly fills: SimFill[] = [];
  readonly positions = new Map<string, Position>();
  exchangeActive = true;
  tradingActive = true;
  private readonly listeners: EngineListener[] = [];
  private nextOrder = 1;
  private nextGroup = 1;
  readonly groups = new Map<string, SimOrderGroup>();
  /** owner \0 client_order_id -> order id, over every order ever placed (not only resting). */
  private readonly clientIds = new Map<string, string>();
  /** Expiry timers of resting GTC orders with an expiration_time. */
  private readonly expiries = new Map<string, TimerHandle>();
  private nextTrade = 1;
  private readonly clock: Clock;

  constructor(private readonly opts: EngineOptions) {
    this.clock = opts.clock;
  }

  listen(l: EngineListener): void {
    this.listeners.push(l);
  }

  // ------------------------------------------------------------ markets

  addMarket(spec: MarketSpec): SimMarket {
    const existing = this.markets.get(spec.ticker);
    if (existing) {
      this.updateMarket(existing, spec);
      return existing;
    }
    const now = this.clock.now();
    const i = spec.ticker.lastIndexOf('-');
    const eventTicker = spec.eventTicker ?? (i > 0 ? spec.ticker.slice(0, i) : spec.ticker);
    const m: SimMarket = {
      ticker: spec.ticker,
      eventTicker,
      series: spec.series ?? eventTicker.split('-')[0]!,
      status: spec.status ?? 'active',
      grid: spec.grid ?? LINEAR_CENT,
      openTs: spec.openTs ?? now - 3_600_000,
      closeTs: spec.closeTs ?? now + 14 * 86_400_000,
      yesSubTitle: spec.yesSubTitle ?? spec.ticker.slice(i + 1),
      feeType: spec.feeType ?? 'quadratic_with_maker_fees',
      feeMultiplier: spec.feeMultiplier ?? 10_000,
      result: '',
      settlementTs: undefined,
      bids: new Ladder(),
      asks: new Ladder(),
      lastPrice: undefined,
      volume: 0,
      openInterest: 0,
    };
    this.markets.set(m.ticker, m);
    this.emitLifecycle(m, 'created', { open_ts: Math.floor(m.openTs / 1000), close_ts: Math.floor(m.closeTs / 1000) });
    return m;
  }

  private updateMarket(m: SimMarket, spec: MarketSpec): void {
    if (spec.status && spec.status !== m.status) this.setStatus(m.ticker, spec.status);
    if (spec.closeTs !== undefined && spec.closeTs !== m.closeTs) {
      m.closeTs = spec.closeTs;
      this.emitLifecycle(m, 'close_date_updated', { close_ts: Math.floor(m.closeTs / 1000) });
    }
    if (spec.grid) this.setGrid(m.ticker, spec.grid);
    if (spec.feeType) m.feeType = spec.feeType;
  }

  market(ticker: string): SimMarket {
    const m = this.markets.get(ticker);
    if (!m) throw new SimError(404, 'market_not_found', `market ${ticker} not found`);
    return m;
  }

  /** Pause (inactive) or reactivate a market; reactivation cancels every resting order (reference §1.3). */
  setStatus(ticker: string, status: MarketStatus): void {
    const m = this.market(ticker);
    const prev = m.status;
    if (prev === status) return;
    m.status = status;
    if (status === 'inactive') this.emitLifecycle(m, 'deactivated', { is_deactivated: true });
    else if (status === 'active' && prev === 'inactive') {
      this.cancelAll(m, 'MarketReactivated');
      this.emitLifecycle(m, 'activated', { is_deactivated: false });
    } else if (status === 'active') this.emitLifecycle(m, 'activated', { is_deactivated: false });
    else if (status === 'closed') this.cancelAll(m, 'MarketClosed');
  }

  setGrid(ticker: string, grid: PriceGrid): void {
    const m = this.market(ticker);
    m.grid = grid;
    // Resting orders are preserved (reference §6).
    this.emitLifecycle(m, 'price_level_structure_updated', {
      price_level_structure: grid.source,
      price_ranges: grid.bands.map((b) => ({ start: fmt4(b.start), end: fmt4(b.end), step: fmt4(b.step) })),
    });
  }

  /** The game ended: resting orders are cancelled, the market is determined (then settled). */
  determine(ticker: string, result: 'yes' | 'no'): void {
    const m = this.market(ticker);
    this.cancelAll(m, 'MarketDetermined');
    m.status = 'determined';
    m.result = result;
    this.emitLifecycle(m, 'determined', {
      result,
      determination_ts: Math.floor(this.clock.now() / 1000),
      settlement_value: result === 'yes' ? '1.0000' : '0.0000',
    });
  }

  settle(ticker: string): void {
    const m = this.market(ticker);
    m.status = 'finalized';
    m.settlementTs = this.clock.now();
    this.emitLifecycle(m, 'settled', { settled_ts: Math.floor(m.settlementTs / 1000) });
  }

  // ------------------------------------------------------------ orders

  place(owner: string, r: PlaceRequest): SimOrder {
    const m = this.market(r.ticker);
    if (m.status !== 'active') throw new SimError(400, 'MARKET_INACTIVE', `market ${m.ticker} is ${m.status}`);
    if (!this.tradingActive || !this.exchangeActive) throw new SimError(400, 'TRADING_PAUSED', 'trading is paused');
    if (!onPriceGrid(m.grid, r.price)) throw new SimError(400, 'invalid_parameters', `price ${fmt4(r.price)} is not on the market's price grid`);
    if (!Number.isInteger(r.count) || r.count <= 0) throw new SimError(400, 'invalid_parameters', 'count must be at least 0.01');
    if (r.expirationMs !== undefined && r.tif !== 'good_till_canceled')
      throw new SimError(400, 'invalid_parameters', 'expiration_time is only allowed with good_till_canceled');
    if (r.orderGroupId !== undefined) {
      const g = this.group(owner, r.orderGroupId);
      // UNCERTAIN code: the reference names no error for an order into a triggered group.
      if (g.triggered) throw new SimError(400, 'order_group_triggered', `order group ${g.id} has triggered; reset it first`);
    }
    if (r.expirationMs !== undefined && r.expirationMs <= this.clock.now()) throw new SimError(400, 'invalid_parameters', 'expiration_time is in the past');
    // client_order_id is the idempotency key: unique over ALL of an owner's orders, resting
    // or finished, so that a retried create can never place a second order.
    if (r.clientOrderId !== undefined && this.clientIds.has(clientKey(owner, r.clientOrderId))) {
      throw new SimError(
        409,
        'conflict',
        `client_order_id ${r.clientOrderId} was already used by order ${this.clientIds.get(clientKey(owner, r.clientOrderId))!}`,
      );
    }
    let count = r.count;
    if (r.reduceOnly) {
      const pos = this.position(owner, r.ticker).position;
      const cap = r.side === 'ask' ? Math.max(0, pos) : Math.max(0, -pos);
      count = Math.min(count, cap);
      if (count === 0) throw new SimError(400, 'invalid_parameters', 'reduce_only order with nothing to reduce');
    }
    const now = this.clock.now();
    const o: SimOrder = {
      id: uuid(this.nextOrder++, 0xa),
      clientOrderId: r.clientOrderId,
      owner,
      ticker: r.ticker,
      side: r.side,
      price: r.price,
      initial: count,
      remaining: count,
      filled: 0,
      status: 'resting',
      tif: r.tif,
      postOnly: r.postOnly === true,
      stp: r.stp,
      createdMs: now,
      updatedMs: now,
      expirationMs: r.expirationMs,
      takerCost: 0,
      makerCost: 0,
      takerFees: 0,
      makerFees: 0,
      fillNotional: 0,
      lastUpdateReason: undefined,
      ...(r.orderGroupId !== undefined ? { orderGroupId: r.orderGroupId } : {}),
    };
    this.orders.set(o.id, o);
    if (o.postOnly && this.wouldCross(m, o)) {
      if (this.opts.postOnlyCross === 'reject') {
        this.orders.delete(o.id);
        throw new SimError(400, 'post_only_cross', 'post-only order would cross the book');
      }
      if (o.clientOrderId !== undefined) this.clientIds.set(clientKey(owner, o.clientOrderId), o.id);
      o.status = 'canceled';
      o.remaining = 0;
      o.lastUpdateReason = 'PostOnlyCrossCancel';
      this.emitOrder(o);
      return o;
    }
    if (o.clientOrderId !== undefined) this.clientIds.set(clientKey(owner, o.clientOrderId), o.id);
    if (o.tif === 'fill_or_kill' && this.crossingQuantity(m, o) < o.remaining) {
      o.status = 'canceled';
      o.remaining = 0;
      o.lastUpdateReason = 'FillOrKillNotFilled';
      this.emitOrder(o);
      return o;
    }
    this.emitOrder(o); // created
    this.match(m, o);
    this.restOnBook(m, o);
    if (o.status === 'resting' && o.expirationMs !== undefined) {
      const id = o.id;
      this.expiries.set(
        id,
        this.clock.setTimeout(() => {
          this.expiries.delete(id);
          this.cancel(owner, id, 'Expired');
        }, o.expirationMs - this.clock.now()),
      );
    }
    return o;
  }

  // ------------------------------------------------------------ order groups

  createGroup(owner: string, limit: number): SimOrderGroup {
    if (!Number.isInteger(limit) || limit < 100 || limit > 100_000_000)
      throw new SimError(400, 'invalid_parameters', 'contracts_limit must be 1 to 1,000,000 contracts');
    const g: SimOrderGroup = { id: uuid(this.nextGroup++, 0xc), owner, limit, triggered: false, window: [] };
    this.groups.set(g.id, g);
    this.emitGroup(g, 'created');
    return g;
  }

  group(owner: string, id: string): SimOrderGroup {
    const g = this.groups.get(id);
    if (!g || g.owner !== owner) throw new SimError(404, 'not_found', `order group ${id} not found`);
    return g;
  }

  /** Trigger now (also the manual trigger): cancel the group's resting orders, refuse new ones. */
  triggerGroup(owner: string, id: string): void {
    const g = this.group(owner, id);
    g.triggered = true;
    for (const o of [...this.orders.values()]) if (o.orderGroupId === id && o.status === 'resting') this.cancel(o.owner, o.id, 'OrderGroupTriggered');
    this.emitGroup(g, 'triggered');
  }

  resetGroup(owner: string, id: string): void {
    const g = this.group(owner, id);
    g.triggered = false;
    g.window = [];
    this.emitGroup(g, 'reset');
  }

  setGroupLimit(owner: string, id: string, limit: number): void {
    const g = this.group(owner, id);
    if (!Number.isInteger(limit) || limit < 100 || limit > 100_000_000)
      throw new SimError(400, 'invalid_parameters', 'contracts_limit must be 1 to 1,000,000 contracts');
    g.limit = limit;
    this.emitGroup(g, 'limit_updated');
  }

  deleteGroup(owner: string, id: string): void {
    const g = this.group(owner, id);
    for (const o of [...this.orders.values()]) if (o.orderGroupId === id && o.status === 'resting') this.cancel(o.owner, o.id, 'OrderGroupDeleted');
    this.groups.delete(id);
    this.emitGroup(g, 'deleted');
  }

  /** Contracts (count units) the group's orders filled within the rolling window ending now. */
  groupFilled(g: SimOrderGroup): number {
    const from = this.clock.now() - ORDER_GROUP_WINDOW_MS;
    while (g.window.length && g.window[0]![0] <= from) g.window.shift();
    return g.window.reduce((a, [, q]) => a + q, 0);
  }

  private emitGroup(g: SimOrderGroup, eventType: OrderGroupEvent['eventType']): void {
    const e: OrderGroupEvent = { owner: g.owner, groupId: g.id, eventType, limit: g.limit, ts: this.clock.now() };
    for (const l of this.listeners) l.orderGroup?.(e);
  }

  /** The order an owner placed with this client_order_id, if any (resting or finished). */
  byClientId(owner: string, clientOrderId: string): SimOrder | undefined {
    const id = this.clientIds.get(clientKey(owner, clientOrderId));
    return id === undefined ? undefined : this.orders.get(id);
  }

  /**
   * Cancel a resting order. `reason` is its last_update_reason, set before the
   * user_order goes out (a self-trade or market-closed cancel is reported as such).
   */
  cancel(owner: string, orderId: string, reason = 'Canceled'): { order: SimOrder; reducedBy: number } {
    const o = this.ownOrder(owner, orderId);
    if (o.status !== 'resting') return { order: o, reducedBy: 0 };
    this.clock.clear(this.expiries.get(orderId));
    this.expiries.delete(orderId);
    const m = this.market(o.ticker);
    const reduced = o.remaining;
    this.takeOffBook(m, o);
    o.remaining = 0;
    o.status = 'canceled';
    o.updatedMs = this.clock.now();
    o.lastUpdateReason = reason;
    this.emitOrder(o);
    return { order: o, reducedBy: reduced };
  }

  /** Reduce the resting quantity by `by` or to `to`; priority is kept. */
  decrease(owner: string, orderId: string, by: number | undefined, to: number | undefined): SimOrder {
    const o = this.ownOrder(owner, orderId);
    if (o.status !== 'resting') throw new SimError(400, 'invalid_parameters', `order ${orderId} is ${o.status}`);
    const target = to !== undefined ? to : o.remaining - (by ?? 0);
    if (!Number.isInteger(target) || target < 0 || target >= o.remaining)
      throw new SimError(400, 'invalid_parameters', 'decrease must reduce the remaining count');
    this.shrink(o, o.remaining - target);
    return o;
  }

  /**
   * New price and/or total count (filled + remaining). Priority is kept only when the
   * size goes down at the same price (reference §2.1); otherwise the order goes to the
   * back of the queue and may match.
   */
  amend(owner: string, orderId: string, r: { ticker: string; side: BookSide; price: number; count: number; updatedClientOrderId?: string }): SimOrder {
    const o = this.ownOrder(owner, orderId);
    if (o.status !== 'resting') throw new SimError(400, 'invalid_parameters', `order ${orderId} is ${o.status}`);
    if (r.ticker !== o.ticker || r.side !== o.side) throw new SimError(400, 'invalid_parameters', 'amend cannot change ticker or side');
    const m = this.market(o.ticker);
    if (!onPriceGrid(m.grid, r.price)) throw new SimError(400, 'invalid_parameters', `price ${fmt4(r.price)} is not on the market's price grid`);
    if (!Number.isInteger(r.count) || r.count < o.filled) throw new SimError(400, 'invalid_parameters', 'count is below the filled quantity');
    if (r.updatedClientOrderId !== undefined && r.updatedClientOrderId !== o.clientOrderId) {
      const k = clientKey(owner, r.updatedClientOrderId);
      if (this.clientIds.has(k))
        throw new SimError(409, 'conflict', `client_order_id ${r.updatedClientOrderId} was already used by order ${this.clientIds.get(k)!}`);
      this.clientIds.set(k, o.id);
      o.clientOrderId = r.updatedClientOrderId;
    }
    const newRemaining = r.count - o.filled;
    if (r.price === o.price && newRemaining <= o.remaining) {
      if (newRemaining < o.remaining) this.shrink(o, o.remaining - newRemaining);
      else this.emitOrder(o);
      return o;
    }
    this.takeOffBook(m, o);
    o.price = r.price;
    o.initial = r.count;
    o.remaining = newRemaining;
    o.updatedMs = this.clock.now();
    o.lastUpdateReason = 'Amended';
    if (newRemaining === 0) {
      o.status = 'canceled';
      this.emitOrder(o);
      return o;
    }
    this.emitOrder(o);
    this.match(m, o);
    this.restOnBook(m, o);
    return o;
  }

  /** A background taker trades `qty` against this resting order at its price, whatever is ahead of it. */
  fillAgainst(o: SimOrder, qty: number): void {
    if (o.status !== 'resting' || qty <= 0) return;
    const m = this.market(o.ticker);
    const q = Math.min(qty, o.remaining);
    const now = this.clock.now();
    const taker: SimOrder = {
      id: uuid(this.nextOrder++, 0xa),
      clientOrderId: undefined,
      owner: TAKER,
      ticker: o.ticker,
      side: o.side === 'bid' ? 'ask' : 'bid',
      price: o.price,
      initial: q,
      remaining: q,
      filled: 0,
      status: 'resting',
      tif: 'immediate_or_cancel',
      postOnly: false,
      stp: 'taker_at_cross',
      createdMs: now,
      updatedMs: now,
      expirationMs: undefined,
      takerCost: 0,
      makerCost: 0,
      takerFees: 0,
      makerFees: 0,
      fillNotional: 0,
      lastUpdateReason: undefined,
    };
    this.execute(m, o, taker, o.price, q, o.side);
    if (taker.remaining === 0) taker.status = 'executed';
  }

  /** Contracts (count units) resting ahead of this order at its price; 0 when first or not resting. */
  queuePosition(o: SimOrder): number {
    if (o.status !== 'resting') return 0;
    const l = (o.side === 'bid' ? this.market(o.ticker).bids : this.market(o.ticker).asks).get(o.price);
    let ahead = 0;
    for (const r of l?.orders ?? []) {
      if (r === o) return ahead;
      ahead += r.remaining;
    }
    return 0;
  }

  order(owner: string, orderId: string): SimOrder {
    return this.ownOrder(owner, orderId);
  }

  position(owner: string, ticker: string): Position {
    const k = `${owner}\u0000${ticker}`;
    let p = this.positions.get(k);
    if (!p) {
      p = { position: 0, feesPaid: 0, traded: 0, exposure: 0, lastUpdatedMs: this.clock.now() };
      this.positions.set(k, p);
    }
    return p;
  }

  /** Best n levels per side, YES terms, best first ([price, size] in units). */
  top(ticker: string, n: number): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const m = this.market(ticker);
    const bids: Array<[number, number]> = [];
    for (let i = m.bids.prices.length - 1; i >= 0 && bids.length < n; i--) {
      const p = m.bids.prices[i]!;
      bids.push([p, m.bids.levels.get(p)!.total]);
    }
    const asks: Array<[number, number]> = [];
    for (let i = 0; i < m.asks.prices.length && asks.length < n; i++) {
      const p = m.asks.prices[i]!;
      asks.push([p, m.asks.levels.get(p)!.total]);
    }
    return { bids, asks };
  }

  /** Every level (bids ascending, asks ascending), YES prices. */
  levels(ticker: string): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    const m = this.market(ticker);
    return {
      bids: m.bids.prices.map((p) => [p, m.bids.levels.get(p)!.total] as [number, number]),
      asks: m.asks.prices.map((p) => [p, m.asks.levels.get(p)!.total] as [number, number]),
    };
  }

  /** Quantity LIQUIDITY rests at one level. */
  liquidityAt(ticker: string, side: BookSide, price: number): number {
    const l = (side === 'bid' ? this.market(ticker).bids : this.market(ticker).asks).get(price);
    let q = 0;
    if (l) for (const o of l.orders) if (o.owner === LIQUIDITY) q += o.remaining;
    return q;
  }

  /**
   * Set the background liquidity at one level to `size` (scenario books, random walk):
   * grows with a new LIQUIDITY order, shrinks LIQUIDITY's orders from the back of the
   * queue. A size that would cross the book matches like any order.
   */
  setLiquidity(ticker: string, side: BookSide, price: number, size: number): void {
    const m = this.market(ticker);
    const have = this.liquidityAt(ticker, side, price);
    if (size > have) {
      this.place(LIQUIDITY, { ticker, side, price, count: size - have, tif: 'good_till_canceled', stp: 'maker' });
      return;
    }
    let cut = have - size;
    const l = (side === 'bid' ? m.bids : m.asks).get(price);
    if (!l) return;
    for (let i = l.orders.length - 1; i >= 0 && cut > 0; i--) {
      const o = l.orders[i]!;
      if (o.owner !== LIQUIDITY) continue;
      const q = Math.min(cut, o.remaining);
      if (q === o.remaining) this.cancel(LIQUIDITY, o.id);
      else this.shrink(o, q);
      cut -= q;
    }
  }

  /** A public trade print with no book effect (scenario trades). */
  printTrade(ticker: string, price: number, count: number, takerBookSide: BookSide): void {
    const m = this.market(ticker);
    const t: SimTrade = { tradeId: uuid(this.nextTrade++, 0xb), ticker, price, count, takerBookSide, ts: this.clock.now() };
    m.lastPrice = price;
    m.volume += count;
    for (const l of this.listeners) l.trade?.(t);
  }

  // ------------------------------------------------------------ internals

  private ownOrder(owner: string, orderId: string): SimOrder {
    const o = this.orders.get(orderId);
    if (!o || o.owner !== owner) throw new SimError(404, 'not_found', `order ${orderId} not found`);
    return o;
  }

  private wouldCross(m: SimMarket, o: SimOrder): boolean {
    const best = o.side === 'bid' ? m.asks.lowest : m.bids.highest;
    return best !== undefined && (o.side === 'bid' ? best <= o.price : best >= o.price);
  }

  private crossingQuantity(m: SimMarket, o: SimOrder): number {
    const opp = o.side === 'bid' ? m.asks : m.bids;
    let q = 0;
    for (const p of opp.prices) {
      if (o.side === 'bid' ? p > o.price : p < o.price) continue;
      for (const r of opp.levels.get(p)!.orders) if (r.owner !== o.owner) q += r.remaining;
    }
    return q;
  }

  private match(m: SimMarket, o: SimOrder): void {
    const opp = o.side === 'bid' ? m.asks : m.bids;
    const oppSide: BookSide = o.side === 'bid' ? 'ask' : 'bid';
    while (o.remaining > 0 && o.status === 'resting') {
      const best = o.side === 'bid' ? opp.lowest : opp.highest;
      if (best === undefined || (o.side === 'bid' ? best > o.price : best < o.price)) break;
      const level = opp.get(best)!;
      const maker = level.orders[0]!;
      if (maker.owner === o.owner) {
        if (o.stp === 'maker') {
          this.cancel(maker.owner, maker.id, 'SelfTradePrevention');
          continue;
        }
        // taker_at_cross: the incoming order is cancelled; fills so far stand.
        o.lastUpdateReason = 'SelfTradePrevention';
        o.status = o.filled > 0 && o.remaining === 0 ? 'executed' : 'canceled';
        o.remaining = 0;
        break;
      }
      const qty = Math.min(o.remaining, maker.remaining);
      this.execute(m, maker, o, best, qty, oppSide);
    }
  }

  private execute(m: SimMarket, maker: SimOrder, taker: SimOrder, price: number, qty: number, makerSide: BookSide): void {
    const now = this.clock.now();
    const ladder = makerSide === 'bid' ? m.bids : m.asks;
    ladder.reduce(maker, qty);
    maker.remaining -= qty;
    if (maker.remaining === 0) {
      maker.remaining = 0;
      const l = ladder.get(price);
      if (l) {
        l.orders.splice(Math.max(0, l.orders.indexOf(maker)), 1);
        if (l.orders.length === 0) {
          ladder.levels.delete(price);
          const j = ladder.prices.indexOf(price);
          if (j >= 0) ladder.prices.splice(j, 1);
        }
      }
    }
    for (const l of this.listeners) l.level?.(m.ticker, makerSide, price, -qty);
    taker.remaining -= qty;
    const tradeId = uuid(this.nextTrade++, 0xb);
    m.lastPrice = price;
    m.volume += qty;
    const trade: SimTrade = { tradeId, ticker: m.ticker, price, count: qty, takerBookSide: taker.side, ts: now };
    for (const l of this.listeners) l.trade?.(trade);
    this.fillOne(m, maker, tradeId, price, qty, false, now);
    this.fillOne(m, taker, tradeId, price, qty, true, now);
  }

  private fillOne(m: SimMarket, o: SimOrder, tradeId: string, price: number, qty: number, isTaker: boolean, now: number): void {
    o.filled += qty;
    o.updatedMs = now;
    o.fillNotional += price * qty;
    const fee = isBackground(o.owner) ? 0 : this.fee(m, o, price, qty, isTaker);
    const cost = Math.round((price * qty) / 100);
    if (isTaker) {
      o.takerFees += fee;
      o.takerCost += cost;
    } else {
      o.makerFees += fee;
      o.makerCost += cost;
    }
    if (o.remaining === 0) o.status = 'executed';
    const pos = this.position(o.owner, m.ticker);
    const before = pos.position;
    pos.position += o.side === 'bid' ? qty : -qty;
    // A bid buys YES at price; an ask sells YES, i.e. buys NO at 1 - price.
    const sideCost = o.side === 'bid' ? cost : Math.round(((PRICE_ONE - price) * qty) / 100);
    if (before === 0 || before > 0 === (o.side === 'bid')) pos.exposure += sideCost;
    else if (qty <= Math.abs(before)) pos.exposure -= Math.round((pos.exposure * qty) / Math.abs(before));
    else pos.exposure = Math.round((sideCost * Math.abs(pos.position)) / qty);
    pos.feesPaid += fee;
    pos.traded += cost;
    pos.lastUpdatedMs = now;
    if (isBackground(o.owner)) return;
    const f: SimFill = {
      tradeId,
      orderId: o.id,
      clientOrderId: o.clientOrderId,
      owner: o.owner,
      ticker: m.ticker,
      price,
      count: qty,
      isTaker,
      fee,
      side: o.side,
      postPosition: pos.position,
      ts: now,
    };
    this.fills.push(f);
    for (const l of this.listeners) l.fill?.(f);
    this.emitOrder(o);
    const g = o.orderGroupId === undefined ? undefined : this.groups.get(o.orderGroupId);
    if (g && !g.triggered) {
      g.window.push([now, qty]);
      if (this.groupFilled(g) >= g.limit) this.triggerGroup(g.owner, g.id);
    }
  }

  /** This fill's fee in 1/10000 USD: what the order's fee ledger charges for it. */
  private fee(m: SimMarket, o: SimOrder, price: number, qty: number, isTaker: boolean): number {
    o.feeLedger ??= new OrderFeeLedger(this.opts.fees ?? KALSHI_FEES, { fee_type: m.feeType, multiplier: m.feeMultiplier / 10_000 });
    const r = o.feeLedger.fill({ price: price / 10_000, count: qty / 100, liquidity: isTaker ? 'taker' : 'maker', action: o.side === 'bid' ? 'buy' : 'sell' });
    if (!r.ok) throw new Error(`sim: no fee for ${m.ticker} (${m.feeType}): ${r.detail}`);
    if (r.net_micro % 100 !== 0) throw new Error(`sim: fee ${r.net_micro} micro-dollars is off the $0.0001 grid`);
    return r.net_micro / 100;
  }

  /** After matching: rest a GTC remainder, end an IOC/FOK one. */
  private restOnBook(m: SimMarket, o: SimOrder): void {
    if (o.status !== 'resting') {
      this.emitOrder(o);
      return;
    }
    if (o.remaining === 0) {
      o.status = 'executed';
      this.emitOrder(o);
      return;
    }
    if (o.tif !== 'good_till_canceled') {
      o.remaining = 0;
      o.status = 'canceled';
      o.lastUpdateReason = o.tif === 'immediate_or_cancel' ? 'ImmediateOrCancel' : 'FillOrKillNotFilled';
      this.emitOrder(o);
      return;
    }
    (o.side === 'bid' ? m.bids : m.asks).add(o);
    for (const l of this.listeners) l.level?.(m.ticker, o.side, o.price, o.remaining);
    if (o.filled > 0) this.emitOrder(o);
  }

  private takeOffBook(m: SimMarket, o: SimOrder): void {
    const ladder = o.side === 'bid' ? m.bids : m.asks;
    const l = ladder.get(o.price);
    if (!l || !l.orders.includes(o)) return;
    const q = o.remaining;
    ladder.remove(o);
    for (const li of this.listeners) li.level?.(m.ticker, o.side, o.price, -q);
  }

  private shrink(o: SimOrder, by: number): void {
    const m = this.market(o.ticker);
    const ladder = o.side === 'bid' ? m.bids : m.asks;
    if (by >= o.remaining) {
      // Down to nothing: off the book entirely (before anyone is told, so the book they read is whole).
      ladder.remove(o);
      o.remaining = 0;
      o.status = 'canceled';
    } else {
      ladder.reduce(o, by);
      o.remaining -= by;
    }
    o.updatedMs = this.clock.now();
    for (const l of this.listeners) l.level?.(m.ticker, o.side, o.price, -by);
    o.lastUpdateReason = 'Decreased';
    this.emitOrder(o);
  }

  private cancelAll(m: SimMarket, reason: string): void {
    for (const ladder of [m.bids, m.asks]) {
      for (const p of [...ladder.prices]) {
        for (const o of [...ladder.get(p)!.orders]) {
          this.cancel(o.owner, o.id, reason);
        }
      }
    }
  }

  private emitOrder(o: SimOrder): void {
    if (isBackground(o.owner)) {
      // Finished background orders are forgotten: a long run must not grow without bound.
      if (o.status !== 'resting') this.orders.delete(o.id);
      return;
    }
    for (const l of this.listeners) l.order?.(o);
  }

  private emitLifecycle(m: SimMarket, eventType: LifecycleEvent['eventType'], fields: Record<string, unknown>): void {
    const e: LifecycleEvent = { ticker: m.ticker, eventType, ts: this.clock.now(), fields };
    for (const l of this.listeners) l.lifecycle?.(e);
  }
}

function clientKey(owner: string, clientOrderId: string): string {
  return `${owner}\u0000${clientOrderId}`;
}

/** Deterministic UUID-shaped ids (Kalshi ids are UUIDs): counter + a kind nibble. */
function uuid(n: number, kind: number): string {
  const h = n.toString(16).padStart(12, '0');
  return `${kind.toString(16)}0000000-0000-4000-8000-${h}`;
}

function fmt4(u: number): string {
  return (u / PRICE_ONE).toFixed(4);
}
