// The live venue's network edge: the signed REST client and the private WebSocket of
// `quote --live`. It carries out the core's actions (src/core/exec-venue.ts) and turns
// every answer and every private message into one `kalshi.exec` record, handed to
// `emit` (which writes it and passes it to the quote loop, in one order). It decides
// nothing itself: so a recorded live session replays through the core without it.
//
// Start: the write budget read from /account/limits, the private channels subscribed,
// our resting orders (client id prefix) canceled and their absence verified, positions
// read (they seed the limits), the order group created. Stop: what is in flight answered,
// every resting order of ours canceled, and none left verified over REST.
import type { Clock } from '../clock/clock.js';
import type { ExecAction, ExecEvent } from '../core/exec-venue.js';
import { parseCount } from '../core/kalshi-fixed.js';
import type { Logger } from '../log/logger.js';
import { ClockSkewError, RestError, type CreateOrderBody, type KalshiRest } from './kalshi-rest.js';
import type { KalshiPrivateFeed, PrivateMessage, PrivateState } from './kalshi-private.js';

/** A kalshi.exec record before its time is stamped: the core's event with its type (src/schema/records.ts). */
export type ExecRecord = ExecEvent & { type: 'kalshi.exec' };

export interface LiveEdgeOptions {
  rest: KalshiRest;
  clock: Clock;
  log: Logger;
  /** Our client order ids start with this. */
  prefix: string;
  /** Where every exchange answer goes (the command writes it, then the loop handles it). */
  emit(rec: ExecRecord): void;
  /** The exchange refused our clock: nothing can be sent until it is fixed. */
  onFatal(err: Error): void;
  count(metric: string, labels?: Record<string, string>): void;
}

const PAGE = 1000;
const MAX_PAGES = 100;

export class KalshiLiveEdge {
  private readonly inflight = new Set<Promise<void>>();
  private feed: KalshiPrivateFeed | undefined;
  private closed = false;

  constructor(private readonly o: LiveEdgeOptions) {}

  /** The private feed's callbacks (the command builds the feed with them). */
  feedHandlers(): { onMessage(m: PrivateMessage, now: number): void; onState(s: PrivateState, now: number): void; onGap(conn: number, channel: string): void } {
    return {
      onMessage: (m) => {
        const op = m.type === 'user_order' ? 'user_order' : m.type === 'fill' ? 'fill' : 'order_group';
        const oid = typeof m.msg.order_id === 'string' ? m.msg.order_id : undefined;
        const coid = typeof m.msg.client_order_id === 'string' ? m.msg.client_order_id : undefined;
        this.o.emit({
          type: 'kalshi.exec',
          op,
          ...(coid !== undefined ? { client_order_id: coid } : {}),
          ...(oid !== undefined ? { order_id: oid } : {}),
          body: m.msg,
          conn: m.conn,
        });
      },
      onState: (s) => {
        this.o.emit({
          type: 'kalshi.exec',
          op: 'feed',
          conn: s.conn,
          body: s.state === 'live' ? { state: 'live' } : { state: 'down', cause: s.cause, ...(s.detail ? { detail: s.detail } : {}) },
        });
      },
      // A gap on order_group_updates: we may have missed a trigger; the group is read again.
      onGap: () => this.track(this.readGroups()),
    };
  }

  /** A mark of the session itself (its stop), recorded like the exchange's answers. */
  mark(body: Record<string, unknown>): void {
    this.o.emit({ type: 'kalshi.exec', op: 'session', body });
  }

  attachFeed(feed: KalshiPrivateFeed): void {
    this.feed = feed;
  }

  /** Carry out one action of the core (never synchronously: the loop is mid-decision). */
  execute(a: ExecAction): void {
    if (this.closed && a.op === 'create') return;
    this.track(Promise.resolve().then(() => this.run(a)));
  }

  /** Wait until every request in flight has been answered (or `ms` passed). */
  async settle(ms: number): Promise<boolean> {
    const until = this.o.clock.now() + ms;
    while (this.inflight.size > 0 && this.o.clock.now() < until) {
      await Promise.race([Promise.allSettled([...this.inflight]), this.sleep(Math.max(1, Math.min(100, until - this.o.clock.now())))]);
    }
    return this.inflight.size === 0;
  }

  // ------------------------------------------------------------ start

  /**
   * Before the first quote: our resting orders (an earlier run's) are canceled and their
   * absence verified; positions and the order group are read. Throws (the command refuses
   * to start) when an order of ours cannot be canceled.
   */
  async startup(groupLimit: number): Promise<{ orphans: number; groupId: string }> {
    const resting = await this.listOrders({ status: 'resting' });
    this.o.emit({ type: 'kalshi.exec', op: 'orders', ok: true, body: { orders: resting, scope: 'startup' } });
    const ours = resting.filter((x) => this.isOurs(x));
    // The core sees them as orphans and asks for their cancels (through execute()).
    await this.settle(30_000);
    const after = (await this.listOrders({ status: 'resting' })).filter((x) => this.isOurs(x));
    if (after.length > 0) {
      throw new RestError(
        0,
        'startup-mismatch',
        `${after.length} resting order(s) of ours (${after
          .slice(0, 5)
          .map((x) => String(x.client_order_id))
          .join(', ')}) could not be canceled: refusing to start; reconcile by hand (man chimera-runbook)`,
        '/portfolio/orders',
      );
    }
    // Today's orders of ours (an earlier run's included) count toward the daily notional
    // limit: read back the last 36 h, the command keeps those of today's Eastern date.
    const recent = await this.listOrders({ min_ts: String(Math.floor((this.o.clock.now() - 36 * 3_600_000) / 1000)) });
    this.o.emit({ type: 'kalshi.exec', op: 'orders', ok: true, body: { orders: recent.filter((x) => isPrefixed(x, this.o.prefix)), scope: 'today' } });
    const positions = await this.pages('/portfolio/positions', {}, 'market_positions');
    this.o.emit({ type: 'kalshi.exec', op: 'positions', ok: true, body: { market_positions: positions } });
    const g = (await this.o.rest.request('POST', '/portfolio/order_groups/create', {}, { contracts_limit: groupLimit })) as { order_group_id?: unknown };
    if (typeof g.order_group_id !== 'string')
      throw new RestError(200, 'bad-shape', 'order group create without order_group_id', '/portfolio/order_groups/create');
    this.o.emit({ type: 'kalshi.exec', op: 'group', ok: true, body: { order_group_id: g.order_group_id, contracts_limit: groupLimit } });
    return { orphans: ours.length, groupId: g.order_group_id };
  }

  // ------------------------------------------------------------ stop

  /**
   * Cancel every resting order of ours and verify over REST that none is left. Returns the
   * client ids still resting (empty: clean).
   */
  async cancelAll(): Promise<string[]> {
    this.closed = true;
    await this.settle(10_000);
    for (let round = 0; round < 3; round++) {
      const ours = (await this.listOrders({ status: 'resting' })).filter((x) => this.isOurs(x));
      if (ours.length === 0) {
        this.o.emit({ type: 'kalshi.exec', op: 'cancel-all', ok: true, body: { resting: 0, round } });
        return [];
      }
      const body = { orders: ours.map((x) => ({ order_id: x.order_id, market_ticker: x.ticker })) };
      try {
        const r = (await this.o.rest.request('DELETE', '/portfolio/events/orders/batched', {}, body)) as Record<string, unknown>;
        this.o.emit({ type: 'kalshi.exec', op: 'cancel-all', ok: true, body: { ...r, round } });
      } catch (e) {
        this.o.emit({ type: 'kalshi.exec', op: 'cancel-all', ...errorFields(e), body: { round } });
        if (e instanceof ClockSkewError) throw e;
      }
    }
    const left = (await this.listOrders({ status: 'resting' })).filter((x) => this.isOurs(x));
    return left.map((x) => String(x.client_order_id));
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.feed?.stop();
  }

  // ------------------------------------------------------------ actions

  private async run(a: ExecAction): Promise<void> {
    try {
      switch (a.op) {
        case 'create':
          return await this.create(a.clientOrderId, a.body);
        case 'cancel':
          return await this.cancel(a.clientOrderId, a.orderId, a.ticker);
        case 'amend':
          return await this.amend(a.clientOrderId, a.orderId, a.body);
        case 'verify':
          return await this.verify(a.clientOrderId, a.orderId, a.ticker);
        case 'reconcile':
          return await this.reconcile(a.sinceMs);
      }
    } catch (e) {
      // A read that failed: the core's deadline reads again. Never thrown into the loop.
      if (e instanceof ClockSkewError) this.o.onFatal(e);
      this.o.log.warn('exchange request failed', {
        op: a.op,
        client_order_id: 'clientOrderId' in a ? a.clientOrderId : undefined,
        error: (e as Error).message,
      });
      this.o.count('exec_request_failures_total', { op: a.op });
    }
  }

  private async create(coid: string, body: Record<string, unknown>): Promise<void> {
    try {
      const r = await this.o.rest.createOrder(body as CreateOrderBody);
      this.o.emit({
        type: 'kalshi.exec',
        op: 'create',
        client_order_id: coid,
        order_id: r.order_id,
        ok: true,
        body: {
          order_id: r.order_id,
          client_order_id: r.client_order_id,
          fill_count: r.fill_count,
          remaining_count: r.remaining_count,
          recovered: r.recovered,
          attempts: r.attempts,
        },
      });
    } catch (e) {
      this.o.emit({ type: 'kalshi.exec', op: 'create', client_order_id: coid, ...errorFields(e) });
      if (e instanceof ClockSkewError) this.o.onFatal(e);
    }
  }

  private async cancel(coid: string, orderId: string, ticker: string): Promise<void> {
    try {
      const r = (await this.o.rest.request(
        'DELETE',
        `/portfolio/events/orders/${encodeURIComponent(orderId)}`,
        { market_ticker: ticker },
        undefined,
      )) as Record<string, unknown>;
      this.o.emit({ type: 'kalshi.exec', op: 'cancel', client_order_id: coid, order_id: orderId, ok: true, body: r });
    } catch (e) {
      this.o.emit({ type: 'kalshi.exec', op: 'cancel', client_order_id: coid, order_id: orderId, ...errorFields(e) });
      if (e instanceof ClockSkewError) this.o.onFatal(e);
    }
  }

  /** Amend (absolute price and total count: the client may resend it after a 5xx or timeout). */
  private async amend(coid: string, orderId: string, body: Record<string, unknown>): Promise<void> {
    try {
      const r = (await this.o.rest.request('POST', `/portfolio/events/orders/${encodeURIComponent(orderId)}/amend`, {}, body)) as Record<string, unknown>;
      this.o.emit({ type: 'kalshi.exec', op: 'amend', client_order_id: coid, order_id: orderId, ok: true, body: r });
    } catch (e) {
      this.o.emit({ type: 'kalshi.exec', op: 'amend', client_order_id: coid, order_id: orderId, ...errorFields(e) });
      if (e instanceof ClockSkewError) this.o.onFatal(e);
    }
  }

  /** Read one order again: its fills, then its state (fills first, so an end comes after them). */
  private async verify(coid: string, orderId: string | undefined, ticker: string): Promise<void> {
    if (orderId === undefined) {
      try {
        const found = await this.o.rest.findOrderByClientId(ticker, coid);
        this.o.emit({ type: 'kalshi.exec', op: 'lookup', client_order_id: coid, ok: true, body: { order: found ?? null } });
      } catch (e) {
        this.o.emit({ type: 'kalshi.exec', op: 'lookup', client_order_id: coid, ...errorFields(e) });
      }
      return;
    }
    const fills = await this.pages('/portfolio/fills', { order_id: orderId }, 'fills');
    this.o.emit({ type: 'kalshi.exec', op: 'fills', order_id: orderId, ok: true, body: { fills } });
    try {
      const r = (await this.o.rest.get(`/portfolio/orders/${encodeURIComponent(orderId)}`)) as Record<string, unknown>;
      this.o.emit({ type: 'kalshi.exec', op: 'order', client_order_id: coid, order_id: orderId, ok: true, body: r });
    } catch (e) {
      this.o.emit({ type: 'kalshi.exec', op: 'order', client_order_id: coid, order_id: orderId, ...errorFields(e) });
    }
  }

  /** After a reconnect: the fills since the window's start, then every resting order. */
  private async reconcile(sinceMs: number): Promise<void> {
    const fills = await this.pages('/portfolio/fills', { min_ts: Math.floor(sinceMs / 1000) }, 'fills');
    this.o.emit({ type: 'kalshi.exec', op: 'fills', ok: true, body: { fills, since_ms: sinceMs } });
    const resting = await this.listOrders({ status: 'resting' });
    this.o.emit({ type: 'kalshi.exec', op: 'orders', ok: true, body: { orders: resting, scope: 'reconcile' } });
  }

  private async readGroups(): Promise<void> {
    const r = (await this.o.rest.get('/portfolio/order_groups')) as { order_groups?: unknown };
    const groups = Array.isArray(r.order_groups) ? (r.order_groups as Array<Record<string, unknown>>) : [];
    for (const g of groups) {
      if (g.triggered === true) this.o.emit({ type: 'kalshi.exec', op: 'order_group', ok: true, body: { event_type: 'triggered', ...g } });
    }
  }

  // ------------------------------------------------------------ reads

  private listOrders(q: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    return this.pages('/portfolio/orders', q, 'orders');
  }

  private async pages(path: string, q: Record<string, string | number>, key: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const body = (await this.o.rest.get(path, { ...q, limit: PAGE, cursor })) as Record<string, unknown>;
      const items = body[key];
      if (!Array.isArray(items)) throw new RestError(200, 'bad-shape', `GET ${path} without ${key}`, path);
      for (const x of items) if (x && typeof x === 'object') out.push(x as Record<string, unknown>);
      cursor = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : undefined;
      if (!cursor) return out;
    }
    throw new RestError(200, 'pagination', `more than ${MAX_PAGES} pages of ${key}`, path);
  }

  /** A resting order of ours (with something left to cancel). */
  private isOurs(x: Record<string, unknown>): boolean {
    return isPrefixed(x, this.o.prefix) && (parseCount(x.remaining_count_fp) ?? 1) > 0;
  }

  private track(p: Promise<void>): void {
    const q = p.catch((e: unknown) => {
      this.o.log.warn('exchange request failed', { error: (e as Error).message });
    });
    this.inflight.add(q);
    void q.finally(() => this.inflight.delete(q));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.setTimeout(resolve, ms));
  }
}

function isPrefixed(x: Record<string, unknown>, prefix: string): boolean {
  return typeof x.client_order_id === 'string' && x.client_order_id.startsWith(prefix);
}

/** The kalshi.exec fields of a failed request (never a secret: RestError messages carry Kalshi's text). */
function errorFields(e: unknown): { ok: false; status: number; code: string; error: string } {
  if (e instanceof RestError) return { ok: false, status: e.status, code: e.code, error: e.message };
  return { ok: false, status: 0, code: 'error', error: (e as Error).message };
}
