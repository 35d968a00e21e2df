// The simulator's REST API (reference §2): market data (markets with series/status
// filters and cursor pagination, one market, its order book, a series' fee type, the
// exchange status), the V2 order endpoints (create, cancel, amend, decrease, batch
// create, batch cancel) over the matching engine, and portfolio reads (orders, fills,
// positions). Portfolio endpoints need a valid signature; market data accepts unsigned
// requests but refuses a bad signature. Token buckets per tier (reference §2.3) and an
// injectable run of 429s. Errors are {code, message, details} (reference §2.4).
//
// UNCERTAIN variants (reference §2.1, §3), chosen by configuration:
//   cancelDone: cancel of an executed/cancelled order -> 404 (default) or reduced_by "0.00".
//   post-only that would cross -> cancelled with remaining 0 (default) or 400 (engine option).
//   cancel-all (DELETE /portfolio/events/orders): served, with the batch-cancel item shape.
//   positions: one signed position_fp per market, positive = YES (no netting setting).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../clock/clock.js';
import { PRICE_ONE, formatCount, formatPrice, parseCount, parsePrice, priceRangesWire } from '../../core/kalshi-fixed.js';
import { SIM_REST_PREFIX as REST_PREFIX } from './signature.js';
import { SimError, type BookSide, type SimMarket, type SimOrder, type Stp, type Tif } from './engine.js';
import { FAULT_KINDS, type Fault } from './faults.js';
import type { KalshiSim } from './server.js';

export type Tier = 'none' | 'basic' | 'advanced' | 'expert' | 'premier';

export interface RestConfig {
  cancelDone: '404' | 'zero';
  tier: Tier;
  /** Delay before an order endpoint (/portfolio/events/orders..., order groups) reaches the engine, ms. */
  orderLatencyMs: number;
}

const SKEW_REASON = 'timestamp outside the allowed skew';

/** Read/write token buckets (reference §2.3): tokens per second and capacity in seconds. */
const TIERS: Record<Exclude<Tier, 'none'>, { read: number; write: number; readCap: number; writeCap: number }> = {
  basic: { read: 200, write: 100, readCap: 2, writeCap: 1 },
  advanced: { read: 300, write: 300, readCap: 2, writeCap: 2 },
  expert: { read: 600, write: 600, readCap: 2, writeCap: 2 },
  premier: { read: 1000, write: 1000, readCap: 2, writeCap: 2 },
};

export class RateLimiter {
  /** 429s still to serve regardless of tokens (the rate-limit fault). */
  forced = 0;
  private readonly buckets: Record<'read' | 'write', { tokens: number; rate: number; cap: number; at: number }> | undefined;

  constructor(
    private readonly tier: Tier,
    private readonly clock: Clock,
  ) {
    if (tier === 'none') return;
    const t = TIERS[tier];
    const now = clock.now();
    this.buckets = {
      read: { tokens: t.read * t.readCap, rate: t.read, cap: t.read * t.readCap, at: now },
      write: { tokens: t.write * t.writeCap, rate: t.write, cap: t.write * t.writeCap, at: now },
    };
  }

  /**
   * GET /account/limits (reference §2.3): refill_rate in tokens per second, bucket_capacity
   * in tokens. Tier `none` (no limits) is served as usage_tier "unlimited" with a
   * refill of 1,000,000 tokens per second.
   */
  limits(): Json {
    if (!this.buckets) {
      const big = { refill_rate: 1_000_000, bucket_capacity: 1_000_000 };
      return { usage_tier: 'unlimited', read: big, write: big, grants: [] };
    }
    const b = this.buckets;
    return {
      usage_tier: this.tier,
      read: { refill_rate: b.read.rate, bucket_capacity: b.read.cap },
      write: { refill_rate: b.write.rate, bucket_capacity: b.write.cap },
      grants: [],
    };
  }

  /** Take `cost` tokens from a bucket; false when the request must get a 429. */
  take(kind: 'read' | 'write', cost: number): boolean {
    if (this.forced > 0) {
      this.forced--;
      return false;
    }
    if (!this.buckets) return true;
    const b = this.buckets[kind];
    const now = this.clock.now();
    b.tokens = Math.min(b.cap, b.tokens + ((now - b.at) * b.rate) / 1000);
    b.at = now;
    if (b.tokens < cost) return false;
    b.tokens -= cost;
    return true;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details = '',
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export async function handleRest(sim: KalshiSim, req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  const method = req.method ?? 'GET';
  const send = (status: number, obj: unknown): void => {
    const text = JSON.stringify(obj);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    if (url.pathname.startsWith('/_sim')) return send(200, admin(sim, method, url, body));
    if (!url.pathname.startsWith(REST_PREFIX + '/')) throw new HttpError(404, 'not_found', `no route ${url.pathname}`);
    const path = url.pathname.slice(REST_PREFIX.length);
    const portfolio = path.startsWith('/portfolio/');
    const write = portfolio && method !== 'GET';
    let owner: string | undefined;
    if (req.headers['kalshi-access-signature'] !== undefined || portfolio) {
      const v = sim.verify(req, url.pathname);
      // An expired timestamp has its own code (seen live: execution.md, a drifting host clock).
      if (!v.ok) throw new HttpError(401, v.reason === SKEW_REASON ? 'header_timestamp_expired' : 'authentication_error', v.reason);
      owner = v.keyId;
    }
    if (sim.echoRest > 0) {
      sim.echoRest--;
      const keyId = String(req.headers['kalshi-access-key'] ?? '');
      throw new HttpError(401, 'authentication_error', `key ${keyId} (${encodeURIComponent(keyId)}) is not valid for ${req.url ?? ''}`);
    }
    const cost = write ? writeCost(method, path, body) : 10;
    if (!sim.limiter.take(write ? 'write' : 'read', cost)) {
      // Kalshi's 429 body (reference §2.3); no Retry-After.
      return send(429, { error: 'too many requests' });
    }
    const json = body.length ? parseJson(body) : undefined;
    const orderPath = path.startsWith('/portfolio/events/orders') || path.startsWith('/portfolio/order_groups');
    // Order-path latency: the request reaches the matching engine this much later.
    if (orderPath && sim.restConfig.orderLatencyMs > 0) await new Promise<void>((r) => sim.clock.setTimeout(r, sim.restConfig.orderLatencyMs));
    const [status, out] = route(sim, method, path, url.searchParams, json, owner);
    if (write && orderPath && sim.order5xx > 0) {
      // The order-5xx fault: applied by the engine, then answered 500.
      sim.order5xx--;
      return send(500, { code: 'internal_server_error', message: 'sim: internal error after the request was applied', details: '' });
    }
    send(status, out);
  } catch (e) {
    if (e instanceof HttpError) return send(e.status, { code: e.code, message: e.message, details: e.details });
    if (e instanceof SimError) return send(e.status, { code: e.code, message: e.message, details: '' });
    throw e;
  }
}

function writeCost(method: string, path: string, body: string): number {
  const batched = path.endsWith('/batched');
  const cancel = method === 'DELETE';
  let n = 1;
  if (batched) {
    const j = parseJson(body) as { orders?: unknown };
    n = Array.isArray(j?.orders) ? j.orders.length : 1;
  }
  return (cancel ? 2 : 10) * n;
}

function parseJson(body: string): Json {
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid_parameters', 'body is not a JSON object');
}

function route(sim: KalshiSim, method: string, path: string, q: URLSearchParams, body: Json | undefined, owner: string | undefined): [number, unknown] {
  const e = sim.engine;
  let m: RegExpExecArray | null;
  if (method === 'GET') {
    if (path === '/markets') return [200, listMarkets(sim, q)];
    if ((m = /^\/markets\/([^/]+)$/.exec(path))) return [200, { market: marketWire(e.market(decodeURIComponent(m[1]!)), sim.clock.now()) }];
    if ((m = /^\/markets\/([^/]+)\/orderbook$/.exec(path))) return [200, orderbookWire(sim, decodeURIComponent(m[1]!), q)];
    if ((m = /^\/series\/([^/]+)$/.exec(path))) return [200, seriesWire(sim, decodeURIComponent(m[1]!))];
    if (path === '/exchange/status')
      return [
        200,
        {
          exchange_active: e.exchangeActive,
          trading_active: e.tradingActive,
          exchange_index_statuses: [{ exchange_index: 0, exchange_active: e.exchangeActive, trading_active: e.tradingActive }],
        },
      ];
    if (path === '/portfolio/orders') return [200, listOrders(sim, owner!, q)];
    if (path === '/account/limits') {
      if (owner === undefined) throw new HttpError(401, 'authentication_error', 'account endpoints need a signature');
      return [200, sim.limiter.limits()];
    }
    if (path === '/portfolio/orders/queue_positions') return [200, queuePositions(sim, owner!, q)];
    if ((m = /^\/portfolio\/orders\/([^/]+)\/queue_position$/.exec(path))) {
      const o = e.order(owner!, decodeURIComponent(m[1]!));
      return [200, { queue_position_fp: formatCount(e.queuePosition(o)) }];
    }
    if ((m = /^\/portfolio\/orders\/([^/]+)$/.exec(path))) return [200, { order: orderWire(e.order(owner!, decodeURIComponent(m[1]!))) }];
    if (path === '/portfolio/fills') return [200, listFills(sim, owner!, q)];
    if (path === '/portfolio/positions') return [200, listPositions(sim, owner!, q)];
  }
  if (path.startsWith('/portfolio/order_groups')) return orderGroups(sim, method, path, body, owner!);
  if (path === '/portfolio/events/orders' && method === 'POST') return [201, create(sim, owner!, body)];
  if (path === '/portfolio/events/orders/batched' && method === 'POST') {
    const orders = body?.orders;
    if (!Array.isArray(orders) || orders.length === 0) throw new HttpError(400, 'invalid_parameters', 'orders must be a non-empty array');
    return [
      201,
      {
        orders: orders.map((o) => {
          try {
            return create(sim, owner!, o as Json);
          } catch (err) {
            const x = toError(err);
            return { client_order_id: (o as Json)?.client_order_id ?? null, error: { code: x.code, message: x.message, details: x.details } };
          }
        }),
      },
    ];
  }
  if (path === '/portfolio/events/orders/batched' && method === 'DELETE') {
    const orders = body?.orders;
    if (!Array.isArray(orders) || orders.length === 0) throw new HttpError(400, 'invalid_parameters', 'orders must be a non-empty array');
    return [
      200,
      {
        orders: orders.map((o) => {
          const id = (o as Json)?.order_id;
          try {
            if (typeof id !== 'string') throw new HttpError(400, 'invalid_parameters', 'order_id required');
            return cancelOne(sim, owner!, id);
          } catch (err) {
            const x = toError(err);
            return { order_id: id ?? null, client_order_id: null, reduced_by: '0.00', error: { code: x.code, message: x.message, details: x.details } };
          }
        }),
      },
    ];
  }
  if (path === '/portfolio/events/orders' && method === 'DELETE') {
    // Cancel-all: reported in a community changelog (2026-08-27), not in the docs copy
    // (reference §2.1 UNCERTAIN). Served here with the batch-cancel item shape; `ticker`
    // narrows it to one market.
    const ticker = q.get('ticker');
    const mine = [...sim.engine.orders.values()].filter((o) => o.owner === owner && o.status === 'resting' && (!ticker || o.ticker === ticker));
    return [200, { orders: mine.map((o) => cancelOne(sim, owner!, o.id)) }];
  }
  if ((m = /^\/portfolio\/events\/orders\/([^/]+)$/.exec(path)) && method === 'DELETE') return [200, cancelOne(sim, owner!, decodeURIComponent(m[1]!))];
  if ((m = /^\/portfolio\/events\/orders\/([^/]+)\/amend$/.exec(path)) && method === 'POST') return [200, amend(sim, owner!, decodeURIComponent(m[1]!), body)];
  if ((m = /^\/portfolio\/events\/orders\/([^/]+)\/decrease$/.exec(path)) && method === 'POST')
    return [200, decrease(sim, owner!, decodeURIComponent(m[1]!), body)];
  throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
}

function toError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof SimError) return new HttpError(e.status, e.code, e.message);
  return new HttpError(500, 'internal', (e as Error).message);
}

// ------------------------------------------------------------ orders

function priceField(v: unknown, what: string): number {
  const p = parsePrice(v);
  if (p === null || p <= 0 || p >= PRICE_ONE)
    throw new HttpError(400, 'invalid_parameters', `${what} must be a dollar string in (0, 1) with at most 4 decimals`);
  return p;
}

function countField(v: unknown, what: string): number {
  const c = parseCount(v);
  if (c === null || c <= 0) throw new HttpError(400, 'invalid_parameters', `${what} must be a count string >= 0.01 with at most 2 decimals`);
  return c;
}

function create(sim: KalshiSim, owner: string, b: Json | undefined): Json {
  if (!b) throw new HttpError(400, 'invalid_parameters', 'body required');
  const side = b.side;
  if (side !== 'bid' && side !== 'ask') throw new HttpError(400, 'invalid_parameters', 'side must be bid or ask (V2: YES book)');
  const tif = b.time_in_force;
  if (tif !== 'good_till_canceled' && tif !== 'immediate_or_cancel' && tif !== 'fill_or_kill')
    throw new HttpError(400, 'invalid_parameters', 'time_in_force required');
  const stp = b.self_trade_prevention_type;
  if (stp !== 'taker_at_cross' && stp !== 'maker') throw new HttpError(400, 'invalid_parameters', 'self_trade_prevention_type required');
  if (typeof b.ticker !== 'string') throw new HttpError(400, 'invalid_parameters', 'ticker required');
  const exp = b.expiration_time;
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isInteger(exp)))
    throw new HttpError(400, 'invalid_parameters', 'expiration_time is unix seconds');
  const o = sim.engine.place(owner, {
    ticker: b.ticker,
    side: side as BookSide,
    price: priceField(b.price, 'price'),
    count: countField(b.count, 'count'),
    tif: tif as Tif,
    stp: stp as Stp,
    postOnly: b.post_only === true,
    reduceOnly: b.reduce_only === true,
    ...(typeof b.client_order_id === 'string' ? { clientOrderId: b.client_order_id } : {}),
    ...(typeof exp === 'number' ? { expirationMs: exp * 1000 } : {}),
    ...(typeof b.order_group_id === 'string' ? { orderGroupId: b.order_group_id } : {}),
  });
  return {
    order_id: o.id,
    client_order_id: o.clientOrderId ?? null,
    fill_count: formatCount(o.filled),
    remaining_count: formatCount(o.remaining),
    ...fillAverages(o),
    ts_ms: sim.clock.now(),
  };
}

function fillAverages(o: SimOrder): Json {
  if (o.filled === 0) return {};
  const avg = Math.round(o.fillNotional / o.filled);
  const fees = o.takerFees + o.makerFees;
  return { average_fill_price: formatPrice(avg), average_fee_paid: formatPrice(Math.ceil((fees * 100) / o.filled)) };
}

function cancelOne(sim: KalshiSim, owner: string, id: string): Json {
  const o = sim.engine.order(owner, id);
  if (o.status === 'resting' && sim.fillBeforeCancel > 0) {
    // The fill-before-cancel fault: a taker reaches the order first and takes half of it
    // (at least 0.01), then the cancel removes what is left.
    sim.fillBeforeCancel--;
    sim.engine.fillAgainst(o, Math.max(1, Math.floor(o.remaining / 2)));
  }
  if (o.status !== 'resting' && sim.restConfig.cancelDone === '404') throw new HttpError(404, 'not_found', `order ${id} is ${o.status}`);
  const r = sim.engine.cancel(owner, id);
  return { order_id: o.id, client_order_id: o.clientOrderId ?? null, reduced_by: formatCount(r.reducedBy), ts_ms: sim.clock.now() };
}

function amend(sim: KalshiSim, owner: string, id: string, b: Json | undefined): Json {
  if (!b) throw new HttpError(400, 'invalid_parameters', 'body required');
  const side = b.side;
  if (side !== 'bid' && side !== 'ask') throw new HttpError(400, 'invalid_parameters', 'side must be bid or ask');
  if (typeof b.ticker !== 'string') throw new HttpError(400, 'invalid_parameters', 'ticker required');
  const o = sim.engine.amend(owner, id, {
    ticker: b.ticker,
    side,
    price: priceField(b.price, 'price'),
    count: countField(b.count, 'count'),
    ...(typeof b.updated_client_order_id === 'string' ? { updatedClientOrderId: b.updated_client_order_id } : {}),
  });
  return {
    order_id: o.id,
    client_order_id: o.clientOrderId ?? null,
    remaining_count: formatCount(o.remaining),
    fill_count: formatCount(o.filled),
    ...fillAverages(o),
    ts_ms: sim.clock.now(),
  };
}

function decrease(sim: KalshiSim, owner: string, id: string, b: Json | undefined): Json {
  if (!b) throw new HttpError(400, 'invalid_parameters', 'body required');
  const by = b.reduce_by;
  const to = b.reduce_to;
  if ((by === undefined) === (to === undefined)) throw new HttpError(400, 'invalid_parameters', 'give exactly one of reduce_by and reduce_to');
  const byN = by === undefined ? undefined : countField(by, 'reduce_by');
  const toN = to === undefined ? undefined : parseCount(to);
  if (to !== undefined && toN === null) throw new HttpError(400, 'invalid_parameters', 'reduce_to must be a count string');
  const o = sim.engine.decrease(owner, id, byN, toN ?? undefined);
  return { order_id: o.id, client_order_id: o.clientOrderId ?? null, remaining_count: formatCount(o.remaining), ts_ms: sim.clock.now() };
}

// ------------------------------------------------------------ order groups

function groupLimit(b: Json | undefined): number {
  const v = b?.contracts_limit_fp ?? b?.contracts_limit;
  const c = typeof v === 'number' && Number.isInteger(v) ? v * 100 : parseCount(v);
  if (c === null) throw new HttpError(400, 'invalid_parameters', 'contracts_limit (integer) or contracts_limit_fp (count string) required');
  return c;
}

/**
 * Order groups: POST /portfolio/order_groups/create {contracts_limit}, GET /portfolio/order_groups,
 * GET|DELETE /portfolio/order_groups/{id}, PUT /portfolio/order_groups/{id}/reset|trigger|limit.
 */
function orderGroups(sim: KalshiSim, method: string, path: string, body: Json | undefined, owner: string): [number, unknown] {
  const e = sim.engine;
  const wire = (g: { id: string; limit: number; triggered: boolean }): Json => ({
    order_group_id: g.id,
    contracts_limit: Math.floor(g.limit / 100),
    contracts_limit_fp: formatCount(g.limit),
    triggered: g.triggered,
  });
  if (path === '/portfolio/order_groups/create' && method === 'POST') return [201, { order_group_id: e.createGroup(owner, groupLimit(body)).id }];
  if (path === '/portfolio/order_groups' && method === 'GET') return [200, { order_groups: [...e.groups.values()].filter((g) => g.owner === owner).map(wire) }];
  const m = /^\/portfolio\/order_groups\/([^/]+)(?:\/(reset|trigger|limit))?$/.exec(path);
  if (m) {
    const id = decodeURIComponent(m[1]!);
    const action = m[2];
    if (!action && method === 'GET') {
      const g = e.group(owner, id);
      const orders = [...e.orders.values()].filter((o) => o.orderGroupId === id).map((o) => o.id);
      return [200, { ...wire(g), orders, filled_in_window_fp: formatCount(e.groupFilled(g)) }];
    }
    if (!action && method === 'DELETE') {
      e.deleteGroup(owner, id);
      return [200, {}];
    }
    if (method === 'PUT' && action === 'reset') {
      e.resetGroup(owner, id);
      return [200, {}];
    }
    if (method === 'PUT' && action === 'trigger') {
      e.triggerGroup(owner, id);
      return [200, {}];
    }
    if (method === 'PUT' && action === 'limit') {
      e.setGroupLimit(owner, id, groupLimit(body));
      return [200, {}];
    }
  }
  throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
}

// ------------------------------------------------------------ reads

const STATUS_FILTER: Record<string, ReadonlySet<string>> = {
  unopened: new Set(['initialized']),
  open: new Set(['active']),
  paused: new Set(['inactive']),
  closed: new Set(['closed', 'determined', 'disputed', 'amended']),
  settled: new Set(['finalized']),
};

function page<T>(items: T[], q: URLSearchParams): { items: T[]; cursor: string } {
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? 100 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError(400, 'invalid_parameters', 'limit must be 1..1000');
  const c = q.get('cursor');
  let start = 0;
  if (c) {
    start = Number(Buffer.from(c, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new HttpError(400, 'invalid_parameters', 'bad cursor');
  }
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : '';
  return { items: slice, cursor: next };
}

function listMarkets(sim: KalshiSim, q: URLSearchParams): Json {
  const series = q.get('series_ticker');
  const event = q.get('event_ticker');
  const status = q.get('status');
  const tickers = q.get('tickers')?.split(',').filter(Boolean);
  let filter: ReadonlySet<string> | undefined;
  if (status) {
    filter = STATUS_FILTER[status];
    if (!filter) throw new HttpError(400, 'invalid_parameters', `status must be one of ${Object.keys(STATUS_FILTER).join(', ')}`);
  }
  const all = [...sim.engine.markets.values()].filter(
    (m) =>
      (!series || m.series === series) && (!event || m.eventTicker === event) && (!filter || filter.has(m.status)) && (!tickers || tickers.includes(m.ticker)),
  );
  const now = sim.clock.now();
  const p = page(all, q);
  return { markets: p.items.map((m) => marketWire(m, now)), cursor: p.cursor };
}

export function marketWire(m: SimMarket, _now: number): Json {
  const bb = m.bids.highest;
  const ba = m.asks.lowest;
  return {
    ticker: m.ticker,
    event_ticker: m.eventTicker,
    market_type: 'binary',
    yes_sub_title: m.yesSubTitle,
    no_sub_title: m.yesSubTitle,
    status: m.status,
    result: m.result,
    can_close_early: true,
    open_time: new Date(m.openTs).toISOString(),
    close_time: new Date(m.closeTs).toISOString(),
    expected_expiration_time: new Date(m.closeTs).toISOString(),
    latest_expiration_time: new Date(m.closeTs).toISOString(),
    yes_bid_dollars: formatPrice(bb ?? 0),
    yes_ask_dollars: formatPrice(ba ?? PRICE_ONE),
    no_bid_dollars: formatPrice(ba === undefined ? 0 : PRICE_ONE - ba),
    no_ask_dollars: formatPrice(bb === undefined ? PRICE_ONE : PRICE_ONE - bb),
    yes_bid_size_fp: formatCount(bb === undefined ? 0 : m.bids.get(bb)!.total),
    yes_ask_size_fp: formatCount(ba === undefined ? 0 : m.asks.get(ba)!.total),
    last_price_dollars: formatPrice(m.lastPrice ?? 0),
    volume_fp: formatCount(m.volume),
    open_interest_fp: formatCount(m.openInterest),
    notional_value_dollars: '1.0000',
    price_level_structure: m.grid.source,
    price_ranges: priceRangesWire(m.grid),
    exchange_index: 0,
    ...(m.result ? { settlement_value_dollars: m.result === 'yes' ? '1.0000' : '0.0000' } : {}),
    rules_primary: `If ${m.yesSubTitle} wins the game, the market resolves to Yes.`,
  };
}

function orderbookWire(sim: KalshiSim, ticker: string, q: URLSearchParams): Json {
  const depthRaw = q.get('depth');
  const depth = depthRaw === null ? 0 : Number(depthRaw);
  const { bids, asks } = sim.engine.levels(ticker);
  // Ascending; the best level is the last element (reference §6). NO levels at NO prices.
  let yes = bids;
  let no = asks.map(([p, s]) => [PRICE_ONE - p, s] as [number, number]).sort((a, b) => a[0] - b[0]);
  if (depth > 0) {
    yes = yes.slice(-depth);
    no = no.slice(-depth);
  }
  const f = (l: Array<[number, number]>): string[][] => l.map(([p, s]) => [formatPrice(p), formatCount(s)]);
  return { orderbook_fp: { yes_dollars: f(yes), no_dollars: f(no) } };
}

function seriesWire(sim: KalshiSim, ticker: string): Json {
  const markets = [...sim.engine.markets.values()].filter((m) => m.series === ticker);
  if (markets.length === 0) throw new HttpError(404, 'not_found', `series ${ticker} not found`);
  const m = markets[0]!;
  return {
    series: {
      ticker,
      title: ticker.includes('NHL') ? 'NHL game winner' : ticker.includes('NBA') ? 'NBA game winner' : ticker,
      category: 'Sports',
      frequency: 'custom',
      fee_type: m.feeType,
      fee_multiplier: m.feeMultiplier / 10_000,
    },
  };
}

export function orderWire(o: SimOrder): Json {
  const outcome = o.side === 'bid' ? 'yes' : 'no';
  return {
    order_id: o.id,
    user_id: o.owner,
    client_order_id: o.clientOrderId ?? null,
    ticker: o.ticker,
    outcome_side: outcome,
    book_side: o.side,
    side: outcome,
    action: o.side === 'bid' ? 'buy' : 'sell',
    type: 'limit',
    status: o.status,
    yes_price_dollars: formatPrice(o.price),
    no_price_dollars: formatPrice(PRICE_ONE - o.price),
    fill_count_fp: formatCount(o.filled),
    remaining_count_fp: formatCount(o.remaining),
    initial_count_fp: formatCount(o.initial),
    taker_fill_cost_dollars: formatPrice(o.takerCost),
    maker_fill_cost_dollars: formatPrice(o.makerCost),
    taker_fees_dollars: formatPrice(o.takerFees),
    maker_fees_dollars: formatPrice(o.makerFees),
    created_time: new Date(o.createdMs).toISOString(),
    last_update_time: new Date(o.updatedMs).toISOString(),
    ...(o.expirationMs !== undefined ? { expiration_time: new Date(o.expirationMs).toISOString() } : {}),
    ...(o.lastUpdateReason !== undefined ? { last_update_reason: o.lastUpdateReason } : {}),
    self_trade_prevention_type: o.stp,
    subaccount_number: 0,
    exchange_index: 0,
    ...(o.orderGroupId !== undefined ? { order_group_id: o.orderGroupId } : {}),
  };
}

function listOrders(sim: KalshiSim, owner: string, q: URLSearchParams): Json {
  const ticker = q.get('ticker');
  const status = q.get('status');
  // min_ts / max_ts: unix seconds of creation (as for fills).
  const minTs = q.get('min_ts') === null ? undefined : Number(q.get('min_ts'));
  const maxTs = q.get('max_ts') === null ? undefined : Number(q.get('max_ts'));
  const all = [...sim.engine.orders.values()].filter(
    (o) =>
      o.owner === owner &&
      (!ticker || o.ticker === ticker) &&
      (!status || o.status === status) &&
      (minTs === undefined || o.createdMs / 1000 >= minTs) &&
      (maxTs === undefined || o.createdMs / 1000 <= maxTs),
  );
  const p = page(all, q);
  return { orders: p.items.map(orderWire), cursor: p.cursor };
}

/**
 * GET /portfolio/orders/queue_positions: the caller's resting orders, filtered by
 * `market_tickers` (comma-separated) or `event_ticker`; `queue_position_fp` counts the
 * contracts ahead at the order's price, zero-based (reference §2.2).
 */
function queuePositions(sim: KalshiSim, owner: string, q: URLSearchParams): Json {
  const tickers = q.get('market_tickers')?.split(',').filter(Boolean);
  const event = q.get('event_ticker');
  const rows: Json[] = [];
  for (const o of sim.engine.orders.values()) {
    if (o.owner !== owner || o.status !== 'resting') continue;
    if (tickers && !tickers.includes(o.ticker)) continue;
    if (event && sim.engine.market(o.ticker).eventTicker !== event) continue;
    rows.push({ order_id: o.id, market_ticker: o.ticker, queue_position_fp: formatCount(sim.engine.queuePosition(o)) });
  }
  return { queue_positions: rows };
}

function listFills(sim: KalshiSim, owner: string, q: URLSearchParams): Json {
  const ticker = q.get('ticker');
  const orderId = q.get('order_id');
  const minTs = q.get('min_ts') === null ? undefined : Number(q.get('min_ts'));
  const maxTs = q.get('max_ts') === null ? undefined : Number(q.get('max_ts'));
  const all = sim.engine.fills.filter(
    (f) =>
      f.owner === owner &&
      (!ticker || f.ticker === ticker) &&
      (!orderId || f.orderId === orderId) &&
      (minTs === undefined || f.ts / 1000 >= minTs) &&
      (maxTs === undefined || f.ts / 1000 <= maxTs),
  );
  const p = page(all, q);
  return {
    fills: p.items.map((f) => {
      const outcome = f.side === 'bid' ? 'yes' : 'no';
      return {
        fill_id: f.tradeId,
        trade_id: f.tradeId,
        order_id: f.orderId,
        ticker: f.ticker,
        outcome_side: outcome,
        book_side: f.side,
        count_fp: formatCount(f.count),
        yes_price_dollars: formatPrice(f.price),
        no_price_dollars: formatPrice(PRICE_ONE - f.price),
        is_taker: f.isTaker,
        fee_cost: formatPrice(f.fee),
        created_time: new Date(f.ts).toISOString(),
        ts: Math.floor(f.ts / 1000),
        exchange_index: 0,
        subaccount_number: 0,
      };
    }),
    cursor: p.cursor,
  };
}

function listPositions(sim: KalshiSim, owner: string, q: URLSearchParams): Json {
  const ticker = q.get('ticker');
  const rows: Json[] = [];
  for (const [k, p] of sim.engine.positions) {
    const [o, t] = k.split('\u0000') as [string, string];
    if (o !== owner || (ticker && t !== ticker)) continue;
    rows.push({
      ticker: t,
      position_fp: formatCount(p.position),
      market_exposure_dollars: formatPrice(p.exposure),
      fees_paid_dollars: formatPrice(p.feesPaid),
      total_traded_dollars: formatPrice(p.traded),
      last_updated_ts: new Date(p.lastUpdatedMs).toISOString(),
      exchange_index: 0,
    });
  }
  const pg = page(rows, q);
  return { market_positions: pg.items, event_positions: [], cursor: pg.cursor };
}

// ------------------------------------------------------------ admin (/_sim)

function admin(sim: KalshiSim, method: string, url: URL, body: string): unknown {
  const path = url.pathname;
  if (path === '/_sim/fault' && method === 'POST') {
    const f = parseJson(body) as Partial<Fault>;
    if (typeof f.kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(f.kind))
      throw new HttpError(400, 'invalid_parameters', `kind must be one of ${FAULT_KINDS.join(', ')}`);
    sim.inject({
      kind: f.kind,
      ...(typeof f.ms === 'number' ? { ms: f.ms } : {}),
      ...(typeof f.n === 'number' ? { n: f.n } : {}),
      ...(typeof f.code === 'number' ? { code: f.code } : {}),
    });
    return { ok: true, injected: sim.injected };
  }
  if (path === '/_sim/state' && method === 'GET') {
    const markets: Record<string, unknown> = {};
    for (const m of sim.engine.markets.values()) {
      const top = sim.engine.top(m.ticker, 1000);
      markets[m.ticker] = {
        status: m.status,
        result: m.result,
        bids: top.bids.map(([p, s]) => [p / PRICE_ONE, s / 100]),
        asks: top.asks.map(([p, s]) => [p / PRICE_ONE, s / 100]),
      };
    }
    return { sessions: sim.sessions.size, injected: sim.injected, refused: sim.refused, markets };
  }
  if (path === '/_sim/market' && method === 'POST') {
    const b = parseJson(body);
    const t = b.ticker;
    if (typeof t !== 'string') throw new HttpError(400, 'invalid_parameters', 'ticker required');
    switch (b.action) {
      case 'determine':
        if (b.result !== 'yes' && b.result !== 'no') throw new HttpError(400, 'invalid_parameters', 'result yes|no');
        sim.engine.determine(t, b.result);
        break;
      case 'settle':
        sim.engine.settle(t);
        break;
      case 'pause':
        sim.engine.setStatus(t, 'inactive');
        break;
      case 'activate':
        sim.engine.setStatus(t, 'active');
        break;
      case 'close':
        sim.engine.setStatus(t, 'closed');
        break;
      default:
        throw new HttpError(400, 'invalid_parameters', 'action: determine, settle, pause, activate or close');
    }
    return { ok: true };
  }
  throw new HttpError(404, 'not_found', `no admin route ${method} ${path}`);
}
