// The quote event loop: input records, venue replies and deadlines in one order, on the
// injected clock. For each record at time `now`: the venue first runs everything due by
// `now` and sees the market data, its replies reach the manager, then the manager sees
// the record. Deadlines (the manager's and the venue's) fire from one timer on the clock,
// so under --replay they fire in time order before same-time data, and two replays of a
// recording are byte-identical. The manager and the venue are pure: this file only turns
// records into their inputs and their outputs into records.
//
// Amends need nothing of their own here: an amend is a venue request like a place, its
// answers (`amended`, `amend-rejected`) are venue replies, and its state changes are
// `order` records of the versions involved: the old client id goes `pending-amend`
// (reason `reprice`) then `amended` (reason `amended`), the new client id starts `resting`
// (reason `amend`) on the same `order_id`; refusals read `amend-rejected:<reason>`.
// Fills name the version they hit, so `quote_fair_p` and `quote_ts` are that version's.
import type { Clock } from '../clock/clock.js';
import { DeadlineTimer } from '../clock/deadline.js';
import { FEE_TYPES, type FeeType } from '../core/fees.js';
import { COUNT_ONE, PRICE_ONE, parsePriceRanges, unitsOfCount, unitsOfDollars } from '../core/kalshi-fixed.js';
import { QuoteManager, type KillTransition, type OrderContext, type PositionView } from '../core/quote-manager.js';
import type { OrderState } from '../core/order-state.js';
import type { BookView, Venue, VenueReply } from '../core/trading.js';
import type { AnyRecord } from '../schema/index.js';
import type { KalshiBook, KalshiExec, KalshiMarket, KalshiStatus } from '../schema/records.js';

/** Where the loop writes (the command turns these into records, log lines and metrics). */
export interface LoopOut {
  record(r: Record<string, unknown> & { type: string }): void;
  warn(msg: string, fields: Record<string, unknown>): void;
  count(metric: string, labels?: Record<string, string>): void;
}

/** A venue the loop can also feed market data to (the shadow venue; live venues ignore it). */
export interface MarketVenue extends Venue {
  onMarket?(info: { ticker: string; status: string; feeType: FeeType; grid: import('../core/kalshi-fixed.js').PriceGrid }, now: number): void;
  onBook?(b: BookView, now: number): void;
  onTrade?(t: { ticker: string; tradeId: string; price: number; count: number; takerSide: 'yes' | 'no' }, now: number): void;
  onResult?(ticker: string, now: number): void;
  /** Live: what the exchange said (kalshi.exec), and the market-data feeder's status (reconnects). */
  onExec?(e: KalshiExec, now: number): void;
  onFeederStatus?(s: KalshiStatus, now: number): void;
  /** Live: changes of the venue's health since the last call (private channels, order group). */
  takeHealth?(): Array<{ cause: string; up: boolean; detail: string }>;
}

export interface LoopOptions {
  mode: 'shadow' | 'live';
  source: string;
  method: string;
  defaultFeeType: FeeType;
  queueModel: string | undefined;
  /** Live: the account's positions read at start (kalshi.exec op positions) seed the limits. */
  onPositions?(body: Record<string, unknown>, now: number): void;
  /** Live: today's orders of ours read at start (an earlier run's) count toward the daily notional limit. */
  onTodayOrders?(body: Record<string, unknown>, now: number): void;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const dollars = (units: number): number => Math.round(units) / PRICE_ONE;
const contracts = (units: number): number => units / COUNT_ONE;

export class QuoteLoop {
  private readonly timer: DeadlineTimer;
  manager!: QuoteManager;

  constructor(
    private readonly clock: Clock,
    readonly venue: MarketVenue,
    private readonly opt: LoopOptions,
    private readonly out: LoopOut,
  ) {
    this.timer = new DeadlineTimer(
      clock,
      () => this.next(),
      (now) => this.fire(now),
    );
  }

  /** The manager's sink: its decisions become venue requests and records. */
  sink() {
    const o = this.out;
    const mode = this.opt.mode;
    return {
      request: (req: Parameters<Venue['submit']>[0], now: number) => this.venue.submit(req, now),
      order: (ord: OrderState, reason: string, now: number, ctx: OrderContext) => o.record(orderRecord(mode, ord, reason, now, ctx)),
      fill: (f: Extract<VenueReply, { kind: 'fill' }>, ord: OrderState, ctx: OrderContext, fairNow: number | undefined, now: number) => {
        o.record({
          type: 'fill',
          ts: now,
          order_id: f.orderId,
          client_order_id: f.clientOrderId,
          trade_id: f.tradeId,
          ticker: f.ticker,
          side: 'yes',
          action: ord.side === 'bid' ? 'buy' : 'sell',
          price: dollars(f.price),
          count: contracts(f.count),
          fee: dollars(f.fee),
          liquidity: f.liquidity,
          mode,
          fair_p: round6(fairNow ?? ctx.fair),
          source: this.opt.source,
          method: this.opt.method,
          event: ctx.event,
          ...(f.queueModel ? { queue_model: f.queueModel } : {}),
          quote_fair_p: round6(ctx.fair),
          quote_ts: ord.createdTs,
        });
        o.count('fills_total', { liquidity: f.liquidity });
      },
      skip: (s: { ticker?: string; event?: string; reason: string; detail: string }, now: number) => o.record({ type: 'skip', ts: now, ...s }),
      latency: (kind: string, ms: number, ticker: string, clientOrderId: string, now: number) =>
        o.record({ type: 'latency', ts: now, kind, ms, ticker, client_order_id: clientOrderId }),
      killswitch: (k: KillTransition, now: number) =>
        o.record({
          type: 'killswitch',
          ts: now,
          state: k.state,
          condition: k.condition,
          scope: k.scope,
          key: k.key,
          ...(k.detail ? { detail: k.detail } : {}),
        }),
      position: (p: PositionView, event: string | undefined, now: number) => o.record(positionRecord(mode, p, event, now)),
      count: (m: string, labels?: Record<string, string>) => o.count(m, labels),
      anomaly: (what: string, detail: Record<string, unknown>, _now: number) => o.warn(what, detail),
    };
  }

  /** One input record at the clock's now (already passed through by the caller). */
  onRecord(rec: AnyRecord, at?: number): void {
    // A record this process stamped itself (live: what the exchange said) is handled at its
    // stamp, so a replay, whose clock follows the stamps, handles it at the same time.
    const now = at ?? this.clock.now();
    const m = this.manager;
    this.deliver(now);
    switch (rec.type) {
      case 'oracle.prob':
        m.onOracleProb(rec, now);
        break;
      case 'oracle.status':
        m.onOracleStatus(rec, now);
        break;
      case 'market.link':
        m.onLink(rec, now);
        break;
      case 'kalshi.status':
        this.venue.onFeederStatus?.(rec, now);
        this.deliver(now);
        m.onKalshiStatus(rec, now);
        break;
      case 'kalshi.exec':
        if (rec.op === 'positions') this.opt.onPositions?.(rec.body ?? {}, now);
        if (rec.op === 'orders' && rec.body?.scope === 'today') this.opt.onTodayOrders?.(rec.body, now);
        // The session's start names its client order ids, and its stop pulls every quote
        // (recorded, so a replay does both at the same point of the session).
        if (rec.op === 'group') m.startRun(now);
        if (rec.op === 'session' && rec.body?.event === 'stop') m.pullAll('shutdown', now);
        this.venue.onExec?.(rec, now);
        this.deliver(now);
        // Live: orders need the private channels and an untriggered order group (venue-down).
        for (const h of this.venue.takeHealth?.() ?? []) m.onVenueStatus(h.cause, h.up, h.detail, now);
        break;
      case 'kalshi.market': {
        const info = this.marketInfo(rec);
        if (info) {
          this.venue.onMarket?.(info, now);
          this.deliver(now);
          m.onMarket(info, now);
        }
        break;
      }
      case 'kalshi.book': {
        const b = bookView(rec);
        this.venue.onBook?.(b, now);
        this.deliver(now);
        m.onBook(b, now);
        break;
      }
      case 'kalshi.trade': {
        this.venue.onTrade?.(
          { ticker: rec.ticker, tradeId: rec.trade_id, price: unitsOfDollars(rec.price), count: unitsOfCount(rec.count), takerSide: rec.taker_side },
          now,
        );
        this.deliver(now);
        break;
      }
      case 'kalshi.result':
        this.venue.onResult?.(rec.ticker, now);
        m.onResult(rec, now);
        break;
      default:
        break;
    }
    this.timer.schedule();
  }

  /** When anything is next due (manager deadlines, venue arrivals and replies). */
  next(): number | undefined {
    const a = this.manager.next();
    const b = this.venue.next();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /** Pull every quote and stop the timer; the caller then drains what is still due. */
  pullAll(reason: string): void {
    this.manager.pullAll(reason, this.clock.now());
    this.timer.schedule();
  }

  stop(): void {
    this.timer.stop();
  }

  private fire(now: number): void {
    this.deliver(now);
    this.manager.tick(now);
    this.deliver(now);
  }

  /** Venue replies that have reached us by now, to the manager, in order. */
  private deliver(now: number): void {
    for (;;) {
      const rs = this.venue.replies(now);
      if (rs.length === 0) return;
      for (const r of rs) this.manager.onReply(r, now);
    }
  }

  private marketInfo(rec: KalshiMarket): { ticker: string; status: string; feeType: FeeType; grid: import('../core/kalshi-fixed.js').PriceGrid } | undefined {
    if (rec.price_ranges === undefined) {
      this.out.warn('kalshi.market without price_ranges: its tick size is unknown, so it is not quoted', { ticker: rec.ticker });
      return { ticker: rec.ticker, status: 'no-price-grid', feeType: this.opt.defaultFeeType, grid: { bands: [], source: 'none' } };
    }
    const grid = parsePriceRanges(rec.price_ranges);
    if (typeof grid === 'string') {
      this.out.warn('kalshi.market price_ranges unreadable: not quoted', { ticker: rec.ticker, problem: grid });
      return { ticker: rec.ticker, status: 'no-price-grid', feeType: this.opt.defaultFeeType, grid: { bands: [], source: 'none' } };
    }
    const ft = rec.fee_type !== undefined && (FEE_TYPES as readonly string[]).includes(rec.fee_type) ? (rec.fee_type as FeeType) : this.opt.defaultFeeType;
    return { ticker: rec.ticker, status: rec.status, feeType: ft, grid };
  }
}

export function bookView(rec: KalshiBook): BookView {
  const lv = (a: ReadonlyArray<readonly [number, number]>) => a.map(([p, q]) => [unitsOfDollars(p), unitsOfCount(q)] as const);
  return { ticker: rec.ticker, bids: lv(rec.bids), asks: lv(rec.asks) };
}

export function orderRecord(
  mode: 'shadow' | 'live',
  o: OrderState,
  reason: string,
  now: number,
  ctx: OrderContext,
): Record<string, unknown> & { type: string } {
  return {
    type: 'order',
    ts: now,
    mode,
    client_order_id: o.clientOrderId,
    ...(o.orderId !== undefined ? { order_id: o.orderId } : {}),
    ticker: o.ticker,
    side: 'yes',
    action: o.side === 'bid' ? 'buy' : 'sell',
    price: dollars(o.price),
    count: contracts(o.count),
    tif: o.tif,
    post_only: o.tif === 'gtc',
    status: o.status,
    filled: contracts(o.filled),
    remaining: contracts(o.count - o.filled),
    reason,
    fair_p: round6(ctx.fair),
    edge: round6(ctx.edge),
    event: ctx.event,
    liquidity: ctx.liquidity,
    oracle_ts: ctx.oracleTs,
  };
}

export function positionRecord(mode: 'shadow' | 'live', p: PositionView, event: string | undefined, now: number): Record<string, unknown> & { type: string } {
  return {
    type: 'position',
    ts: now,
    mode,
    ticker: p.ticker,
    ...(event ? { event } : {}),
    position: contracts(p.position),
    cost: dollars(p.cost),
    fees: dollars(p.fees),
    realized_pnl: p.settled ? dollars(p.realized) : null,
    state: p.settled ? 'settled' : 'open',
    ...(p.result ? { result: p.result } : {}),
  };
}
