// Scenario tests of the quote manager: a session wires the real manager to a scripted
// venue (the test decides when each answer arrives, to make races happen on purpose)
// and collects what it writes. Kill switches and limits are the real ones unless a test
// says otherwise.
import { KALSHI_FEES } from '../../src/core/fees.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import {
  QuoteManager,
  type Exposure,
  type KillPolicy,
  type KillTransition,
  type ManagerOptions,
  type ManagerSink,
  type PositionView,
  type Sizer,
} from '../../src/core/quote-manager.js';
import type { OrderState } from '../../src/core/order-state.js';
import type { BookView, VenueReply, VenueRequest } from '../../src/core/trading.js';
import type { KalshiStatus, OracleProb, OracleStatus } from '../../src/schema/records.js';

export const T0 = Date.UTC(2026, 0, 25, 18, 0, 0);
export const EVENT = 'nba-2026-01-25-den-mem';
export const HOME = 'KXNBAGAME-26JAN25DENMEM-MEM';
export const AWAY = 'KXNBAGAME-26JAN25DENMEM-DEN';
/** Four hours after T0: far from the pregame cutoff unless a test moves it. */
export const COMMENCE = T0 + 4 * 3_600_000;

export const DEFAULTS: ManagerOptions = {
  mode: 'shadow',
  source: 'boltodds',
  method: 'shin',
  edge: 0.02,
  takerEdge: undefined,
  improveTicks: 0,
  refreshToleranceTicks: 1,
  minRestMs: 0,
  maxOrderAgeMs: 0,
  pullBeforeStartMs: 300_000,
  inPlay: false,
  cancelRetryMs: 5_000,
  cancelRetryMax: 3,
  keepFinishedMs: 600_000,
  echoWindowMs: 2_000,
  forgetAfterMs: 3_600_000,
  bookIncludesOwn: false,
  fees: KALSHI_FEES,
  queueModel: undefined,
  clientOrderIdPrefix: 'c',
};

/** A venue whose answers the test writes: requests are collected, replies delivered on demand. */
export class ScriptedVenue {
  readonly requests: Array<VenueRequest & { at: number }> = [];
  private nextId = 0;
  place(i = -1): Extract<VenueRequest, { kind: 'place' }> & { at: number } {
    const places = this.requests.filter((r) => r.kind === 'place') as Array<Extract<VenueRequest, { kind: 'place' }> & { at: number }>;
    return places.at(i)!;
  }
  cancels(): Array<Extract<VenueRequest, { kind: 'cancel' }> & { at: number }> {
    return this.requests.filter((r) => r.kind === 'cancel') as Array<Extract<VenueRequest, { kind: 'cancel' }> & { at: number }>;
  }
  orderIdOf(coid: string): string {
    return `x-${coid}`;
  }
  accepted(coid: string, ts: number, remaining = 1000): VenueReply {
    return { kind: 'accepted', ts, clientOrderId: coid, orderId: this.orderIdOf(coid), ticker: this.tickerOf(coid), remaining };
  }
  canceled(coid: string, ts: number, remaining = 1000, cause: 'requested' | 'ioc-remainder' | 'market-closed' = 'requested'): VenueReply {
    return { kind: 'canceled', ts, clientOrderId: coid, orderId: this.orderIdOf(coid), ticker: this.tickerOf(coid), remaining, cause };
  }
  fill(coid: string, ts: number, count: number, remaining: number, tradeId = `t${++this.nextId}`): VenueReply {
    const p = this.requests.find((r) => r.kind === 'place' && r.order.clientOrderId === coid) as Extract<VenueRequest, { kind: 'place' }>;
    return {
      kind: 'fill',
      ts,
      clientOrderId: coid,
      orderId: this.orderIdOf(coid),
      ticker: p.order.ticker,
      tradeId,
      side: p.order.side,
      price: p.order.price,
      count,
      remaining,
      liquidity: p.order.tif === 'gtc' ? 'maker' : 'taker',
      fee: 0,
    };
  }
  cancelRejected(coid: string, ts: number, reason: 'unknown-order' | 'already-filled' | 'already-canceled'): VenueReply {
    return { kind: 'cancel-rejected', ts, clientOrderId: coid, ticker: this.tickerOf(coid), reason };
  }
  rejected(coid: string, ts: number): VenueReply {
    return { kind: 'rejected', ts, clientOrderId: coid, ticker: this.tickerOf(coid), reason: 'post-only-cross' };
  }
  private tickerOf(coid: string): string {
    const p = this.requests.find((r) => r.kind === 'place' && r.order.clientOrderId === coid) as Extract<VenueRequest, { kind: 'place' }> | undefined;
    return p?.order.ticker ?? HOME;
  }
}

/** A kill policy that never trips (for tests whose subject is not the kill switches). */
export const NO_KILLS: KillPolicy = {
  onOracleStatus: () => [],
  onOracleProb: () => [],
  onKalshiStatus: () => [],
  onBook: () => [],
  onLink: () => [],
  onCommence: () => [],
  tick: () => [],
  next: () => undefined,
  blocked: () => undefined,
  forgetTicker: () => [],
  forgetGame: () => [],
};

/** Positions without limits (for tests whose subject is not the limits). */
export function unlimited(): Exposure {
  const pos = new Map<string, PositionView>();
  return {
    onFill(f) {
      const p = pos.get(f.ticker) ?? { ticker: f.ticker, position: 0, cost: 0, fees: 0, realized: 0, settled: false };
      const sign = f.side === 'bid' ? 1 : -1;
      p.position += sign * f.count;
      p.cost += (sign * (f.price * f.count)) / 100;
      p.fees += f.fee;
      pos.set(f.ticker, p);
      return { ...p };
    },
    settle: (ticker) => pos.get(ticker),
    check: () => ({ ok: true }),
    placed: () => undefined,
    forget: (ticker) => {
      pos.delete(ticker);
    },
  };
}

export interface Written {
  orders: Array<{ o: OrderState; status: string; reason: string; at: number }>;
  fills: Array<{ tradeId: string; count: number; coid: string; at: number }>;
  skips: Array<{ ticker?: string; reason: string; at: number }>;
  kills: KillTransition[];
  latencies: Array<{ kind: string; ms: number }>;
  positions: PositionView[];
  anomalies: string[];
  counts: Map<string, number>;
}

export function session(over: Partial<ManagerOptions> = {}, parts: { kill?: KillPolicy; exposure?: Exposure; sizer?: Sizer } = {}) {
  const venue = new ScriptedVenue();
  const w: Written = { orders: [], fills: [], skips: [], kills: [], latencies: [], positions: [], anomalies: [], counts: new Map() };
  const sink: ManagerSink = {
    request: (req, now) => venue.requests.push({ ...req, at: now }),
    order: (o, reason, now) => w.orders.push({ o, status: o.status, reason, at: now }),
    fill: (f, o, _ctx, _fair, now) => w.fills.push({ tradeId: f.tradeId, count: f.count, coid: o.clientOrderId, at: now }),
    skip: (s, now) => w.skips.push({ ...(s.ticker !== undefined ? { ticker: s.ticker } : {}), reason: s.reason, at: now }),
    latency: (kind, ms) => w.latencies.push({ kind, ms }),
    killswitch: (k) => w.kills.push(k),
    position: (p) => w.positions.push(p),
    count: (m, labels) => {
      const k = labels ? `${m}${JSON.stringify(labels)}` : m;
      w.counts.set(k, (w.counts.get(k) ?? 0) + 1);
    },
    anomaly: (what) => w.anomalies.push(what),
  };
  const sizer: Sizer = parts.sizer ?? (() => ({ ok: true, count: 1000 }));
  const m = new QuoteManager({ ...DEFAULTS, ...over }, parts.kill ?? NO_KILLS, parts.exposure ?? unlimited(), sizer, sink);
  const count = (name: string) => [...w.counts].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((a, [, v]) => a + v, 0);
  /** The orders believed working, by side. */
  const working = () => m.workingOrders();
  return { m, venue, w, count, working };
}

export const prob = (pHome: number, ts: number, over: Partial<OracleProb> = {}): OracleProb =>
  ({
    type: 'oracle.prob',
    ts,
    source: 'boltodds',
    sport: 'nba',
    event: EVENT,
    home: 'MEM',
    away: 'DEN',
    commence_ts: COMMENCE,
    books: ['pinnacle'],
    method: 'shin',
    p_home: pHome,
    p_away: 1 - pHome,
    overround: 0.04,
    ...over,
  }) as OracleProb;

export const oracleStatus = (state: 'available' | 'unavailable', ts: number, over: Partial<OracleStatus> = {}): OracleStatus =>
  ({
    type: 'oracle.status',
    ts,
    source: 'boltodds',
    state,
    ...(state === 'unavailable' ? { reason: 'disconnected' } : {}),
    ...over,
  }) as OracleStatus;

export const kalshiStatus = (state: 'live' | 'resyncing' | 'down' | 'connecting', ts: number, over: Partial<KalshiStatus> = {}): KalshiStatus =>
  ({
    type: 'kalshi.status',
    ts,
    state,
    connects: 1,
    reconnects: 0,
    disconnects: 0,
    gaps: 0,
    last_msg_ts: ts,
    tickers: {},
    ...over,
  }) as KalshiStatus;

export const book = (ticker: string, bids: Array<[number, number]>, asks: Array<[number, number]>): BookView => ({ ticker, bids, asks });

/** Link and market for both tickers of the game, a fair price, and books: ready to quote. */
export function standardOpen(s: ReturnType<typeof session>, pHome = 0.5, at = T0): void {
  s.m.onLink({ ticker: HOME, event: EVENT, sport: 'nba', side: 'home' }, at);
  s.m.onMarket({ ticker: HOME, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, at);
  s.m.onOracleProb(prob(pHome, at), at);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), at);
}
