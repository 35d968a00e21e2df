// The live venue's pure core: what the exchange told us (REST answers, private WebSocket
// messages, reconciliation snapshots, each one `kalshi.exec` record) turned into the
// quote manager's VenueReplies, and the manager's requests turned into the REST calls to
// make (actions). No sockets and no clock: time comes in as `now`, so a recorded live
// session (its kalshi.exec records) replays through this same code to the same replies.
//
// Truth, in order of trust (reference kalshi.md §3): `fill` messages (deduplicated by
// trade_id) for fills; `user_order` updates and REST order reads for status; REST write
// answers only for what they say about the order we sent (a cancel or create body naming
// another order, the documented V2 bug, is counted and ignored: the order is read again).
// Every order that owes us an event (a cancel answered but not yet confirmed over the
// WebSocket, a create whose outcome is unknown, an execution whose fills have not all
// arrived) has a deadline; when it passes, the order is read again over REST (a
// `verify` action), so a dropped acknowledgement never leaves an order unknown to us.
// Amends (reprice in place) give the order a new client id per version
// (updated_client_order_id); the answer, a user_order or a fill naming the next version,
// or a read of the order says whether one happened.
import { formatCount, formatPrice, parseCount, parsePrice } from './kalshi-fixed.js';
import { Deadlines } from './deadlines.js';
import type { EXEC_OPS } from '../schema/records.js';
import type { CancelCause, OrderSpec, RejectReason, VenueReply, VenueRequest } from './trading.js';

/** One exchange answer or message, as the kalshi.exec record carries it (src/schema/records.ts). */
export interface ExecEvent {
  op: ExecOp;
  client_order_id?: string;
  order_id?: string;
  /** The REST call succeeded (2xx with a usable body). */
  ok?: boolean;
  /** HTTP status of a failed call (0: no answer). */
  status?: number;
  /** Kalshi's error code, or ours: `outcome-unknown`, `rate-limited`, `unavailable`, `clock-skew`. */
  code?: string;
  error?: string;
  /** The body (REST) or `msg` (WebSocket), as received. */
  body?: Record<string, unknown>;
  /** Private WebSocket connection number. */
  conn?: number;
}

export type ExecOp = (typeof EXEC_OPS)[number];

/** What the network shell is asked to do. */
export type ExecAction =
  | { op: 'create'; clientOrderId: string; body: Record<string, unknown> }
  | { op: 'cancel'; clientOrderId: string; orderId: string; ticker: string }
  | { op: 'amend'; clientOrderId: string; newClientOrderId: string; orderId: string; ticker: string; body: Record<string, unknown> }
  /** Read one order again (by id, or by client id when the exchange id is unknown). */
  | { op: 'verify'; clientOrderId: string; orderId?: string; ticker: string; why: string }
  /** Read every resting order and the fills since `sinceMs` (after a reconnect). */
  | { op: 'reconcile'; sinceMs: number; why: string };

/** Side records and signals of the core (the shell writes them; replay writes the same). */
export interface ExecOut {
  action(a: ExecAction): void;
  /** `reconcile` records (lost, orphan, missed-fill, ...) and `latency` records of fills. */
  record(r: Record<string, unknown> & { type: string }): void;
  warn(msg: string, fields: Record<string, unknown>): void;
  count(metric: string, labels?: Record<string, string>): void;
}

export interface ExecOptions {
  /** Our client order ids start with this: orders that do not are another process's and left alone. */
  prefix: string;
  orderGroupId: string | undefined;
  /** A canceled or executed order not confirmed over the WebSocket this long after the REST answer is read again. */
  ackTimeoutMs: number;
  /** Fills are fetched from this long before the last one we saw (reconnects). */
  overlapMs: number;
  /** Finished orders are kept this long so late fills and duplicate messages still map. */
  keepFinishedMs: number;
}

/** `amending`: the next version of an order whose amend is on its way (not yet the exchange's). */
type Phase = 'creating' | 'unknown' | 'open' | 'amending' | 'final';

interface LiveOrder {
  spec: OrderSpec;
  orderId: string | undefined;
  phase: Phase;
  accepted: boolean;
  /** A cancel was asked for before the exchange id was known. */
  cancelWanted: boolean;
  cancelSent: boolean;
  filled: number;
  /** The exchange's fill count when it said the order was finished (fills still to arrive). */
  exchangeFilled: number;
  finalAt: number | undefined;
  /** Times the order was read again (bounded: MAX_VERIFY). */
  verifyCount: number;
  /** Its trade ids (forgotten with it). */
  trades: string[];
  /** An amend on its way: the client id of the next version (on the old version). */
  amendTo?: string;
  /** The next version: the client id it amends (on the new version, until the answer). */
  amendOf?: string;
  /** Taken as finished, then seen resting: a cancel was sent (once). */
  strayCanceled?: boolean;
}

const MAX_VERIFY = 8;
/** The deadlines at which an order is read again, by why. */
const READS = ['ack', 'end', 'fills', 'unknown', 'reconcile', 'mismatch', 'no-order-id', 'cancel-refused', 'nothing-reduced', 'amend-unknown'] as const;

export class ExecCore {
  private readonly orders = new Map<string, LiveOrder>();
  private readonly byOrderId = new Map<string, string>();
  /** Trade ids applied (fills are deduplicated by them), until their order is forgotten. */
  private readonly seenTrades = new Set<string>();
  private readonly deadlines = new Deadlines<string>();
  private queue: VenueReply[] = [];
  /** The order group was triggered (its contracts limit hit): no orders until it is reset. */
  halted: string | undefined;
  /** Exchange time of the latest fill seen (reconnect windows start before it). */
  lastFillMs: number | undefined;
  private lastFeedConn = 0;
  private feederConnects = 0;
  /** The order group our orders go in: configured, or learned from the session's `group` record. */
  private groupId: string | undefined;
  private health: Array<{ cause: string; up: boolean; detail: string }> = [];
  /** Orders of ours this process did not place (an earlier run's), canceled when seen. */
  private readonly orphans = new Set<string>();
  private feedLive = false;
  readonly counts = {
    creates: 0,
    amends: 0,
    cancels: 0,
    verifies: 0,
    reconciles: 0,
    orphans: 0,
    lost: 0,
    missed_fills: 0,
    duplicate_fills: 0,
    mismatched_bodies: 0,
  };

  constructor(
    private readonly opt: ExecOptions,
    private readonly out: ExecOut,
  ) {
    this.groupId = opt.orderGroupId;
  }

  /** Health changes since the last call: `private-feed` and `order-group`, up or down (the loop trips venue-down). */
  takeHealth(): Array<{ cause: string; up: boolean; detail: string }> {
    const h = this.health;
    this.health = [];
    return h;
  }

  // ------------------------------------------------------------ the Venue interface

  submit(req: VenueRequest, now: number): void {
    if (req.kind === 'place') return this.place(req.order, now);
    if (req.kind === 'amend') return this.amend(req, now);
    const o = this.orders.get(req.clientOrderId);
    if (!o) return this.reply({ kind: 'cancel-rejected', ts: now, clientOrderId: req.clientOrderId, ticker: req.ticker, reason: 'unknown-order' });
    if (o.phase === 'final') {
      const reason = o.filled >= o.spec.count ? 'already-filled' : 'already-canceled';
      return this.reply({ kind: 'cancel-rejected', ts: now, clientOrderId: req.clientOrderId, ticker: req.ticker, reason });
    }
    if (o.orderId === undefined) {
      o.cancelWanted = true;
      return;
    }
    this.sendCancel(o, now);
  }

  replies(now: number): VenueReply[] {
    this.tick(now);
    if (this.queue.length === 0) return [];
    const q = this.queue;
    this.queue = [];
    return q;
  }

  next(): number | undefined {
    return this.deadlines.next();
  }

  /** Deadlines due by now: orders that owe us an event are read again. */
  tick(now: number): void {
    for (const key of this.deadlines.popDue(now)) {
      const i = key.indexOf(':');
      const kind = key.slice(0, i);
      const coid = key.slice(i + 1);
      if (kind === 'forget') {
        this.forget(coid);
        continue;
      }
      const o = this.orders.get(coid);
      if (!o || (o.phase === 'final' && o.filled >= o.exchangeFilled)) continue;
      this.verify(o, kind, now);
    }
  }

  /** Orders we believe may still rest or fill (for shutdown and gauges). */
  open(): Array<{ clientOrderId: string; orderId: string | undefined; ticker: string }> {
    const r: Array<{ clientOrderId: string; orderId: string | undefined; ticker: string }> = [];
    for (const o of this.orders.values())
      if (o.phase !== 'final' && o.phase !== 'amending') r.push({ clientOrderId: o.spec.clientOrderId, orderId: o.orderId, ticker: o.spec.ticker });
    return r;
  }

  /** The market-data feeder's status: after it reconnects (more connects than before), reconcile once over REST. */
  onFeederStatus(s: { connects: number }, now: number): void {
    const before = this.feederConnects;
    this.feederConnects = Math.max(before, s.connects);
    if (before > 0 && s.connects > before) this.reconcile('feeder-reconnect', now);
  }

  // ------------------------------------------------------------ what the exchange said

  onExec(e: ExecEvent, now: number): void {
    switch (e.op) {
      case 'create':
        return this.onCreate(e, now);
      case 'cancel':
        return this.onCancel(e, now);
      case 'amend':
        return this.onAmend(e, now);
      case 'user_order':
      case 'order':
      case 'lookup':
        return this.onOrderRead(e, now);
      case 'orders':
        // `today`: the day's orders, read at start for the daily notional limit (the command's).
        if (e.body?.scope === 'today') return;
        for (const x of arrayOf(e.body?.orders)) this.onOrderState(x, 'orders', now);
        return;
      case 'fills':
        for (const f of arrayOf(e.body?.fills)) this.onFill(f, 'rest', now);
        return;
      case 'fill':
        if (e.body) this.onFill(e.body, 'ws', now);
        return;
      case 'order_group':
        return this.onGroup(e.body ?? {}, now);
      case 'feed':
        return this.onFeed(e, now);
      case 'group':
        // The group start-up created: every order from now on goes into it (and a replay learns it from the same record).
        if (this.groupId === undefined && typeof e.body?.order_group_id === 'string') this.groupId = e.body.order_group_id;
        return;
      case 'positions':
      case 'cancel-all':
      case 'session':
        return; // read by the command (positions seed the exposure; shutdown; the session's stop)
    }
  }

  // ------------------------------------------------------------ requests

  private place(spec: OrderSpec, now: number): void {
    if (this.orders.has(spec.clientOrderId)) {
      return this.reply({ kind: 'rejected', ts: now, clientOrderId: spec.clientOrderId, ticker: spec.ticker, reason: 'duplicate-client-order-id' });
    }
    if (this.halted !== undefined) {
      return this.reply({ kind: 'rejected', ts: now, clientOrderId: spec.clientOrderId, ticker: spec.ticker, reason: 'venue-halted', detail: this.halted });
    }
    const o: LiveOrder = {
      spec,
      orderId: undefined,
      phase: 'creating',
      accepted: false,
      cancelWanted: false,
      cancelSent: false,
      filled: 0,
      exchangeFilled: 0,
      finalAt: undefined,
      verifyCount: 0,
      trades: [],
    };
    this.orders.set(spec.clientOrderId, o);
    this.counts.creates++;
    this.out.action({ op: 'create', clientOrderId: spec.clientOrderId, body: createBody(spec, this.groupId) });
  }

  /**
   * Reprice in place (V2 amend): the next version gets its own client id
   * (updated_client_order_id) on the same exchange order. Refused here, without a request,
   * when the order is not open on the exchange with a known id or another request is on
   * its way for it (the manager amends resting orders only: this is a guard).
   */
  private amend(req: Extract<VenueRequest, { kind: 'amend' }>, now: number): void {
    const o = this.orders.get(req.clientOrderId);
    const refuse = (reason: 'unknown-order' | 'already-filled' | 'already-canceled' | 'invalid', detail: string): void =>
      this.reply({ kind: 'amend-rejected', ts: now, clientOrderId: req.clientOrderId, ticker: req.ticker, reason, detail });
    if (!o) return refuse('unknown-order', 'no such order');
    if (o.phase === 'final') return refuse(o.filled >= o.spec.count ? 'already-filled' : 'already-canceled', 'the order is finished');
    if (o.orderId === undefined || o.phase !== 'open' || o.amendTo !== undefined || o.cancelSent || o.cancelWanted || this.orders.has(req.newClientOrderId)) {
      return refuse('invalid', 'the order is not open with nothing on its way');
    }
    const n: LiveOrder = {
      spec: { ...o.spec, clientOrderId: req.newClientOrderId, price: req.price, count: req.count },
      orderId: o.orderId,
      phase: 'amending',
      accepted: true,
      cancelWanted: false,
      cancelSent: false,
      // Fills count across the versions of one exchange order (`count` is the new total).
      filled: o.filled,
      exchangeFilled: o.exchangeFilled,
      finalAt: undefined,
      verifyCount: 0,
      trades: [],
      amendOf: o.spec.clientOrderId,
    };
    o.amendTo = req.newClientOrderId;
    o.verifyCount = 0; // a new question: its reads have their own budget
    this.orders.set(req.newClientOrderId, n);
    this.counts.amends++;
    this.out.action({
      op: 'amend',
      clientOrderId: o.spec.clientOrderId,
      newClientOrderId: req.newClientOrderId,
      orderId: o.orderId,
      ticker: o.spec.ticker,
      body: {
        ticker: o.spec.ticker,
        side: o.spec.side,
        price: formatPrice(req.price),
        count: formatCount(req.count),
        client_order_id: o.spec.clientOrderId,
        updated_client_order_id: req.newClientOrderId,
      },
    });
    // Answered over REST; its user_order confirms. Not heard: the order is read again.
    this.deadlines.set(`ack:${o.spec.clientOrderId}`, now + this.opt.ackTimeoutMs);
  }

  /** The amend took effect (answer, or the order read with the new client id): the next version is the order now. */
  private amended(o: LiveOrder, remaining: number, now: number): void {
    const n = o.amendTo !== undefined ? this.orders.get(o.amendTo) : undefined;
    if (!n) return;
    o.amendTo = undefined;
    n.amendOf = undefined;
    n.filled = Math.max(n.filled, o.filled);
    n.exchangeFilled = Math.max(n.exchangeFilled, o.exchangeFilled);
    if (n.orderId !== undefined) this.byOrderId.set(n.orderId, n.spec.clientOrderId);
    const wasFinal = o.phase === 'final';
    o.phase = 'final';
    o.finalAt ??= now;
    this.clearReads(o.spec.clientOrderId);
    this.deadlines.set(`forget:${o.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
    n.phase = remaining > 0 && !wasFinal ? 'open' : 'final';
    if (n.phase === 'final') {
      n.finalAt = now;
      this.deadlines.set(`forget:${n.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
    }
    this.reply({
      kind: 'amended',
      ts: now,
      clientOrderId: o.spec.clientOrderId,
      newClientOrderId: n.spec.clientOrderId,
      orderId: o.orderId ?? '',
      ticker: o.spec.ticker,
      price: n.spec.price,
      count: n.spec.count,
      remaining: Math.max(0, remaining),
    });
  }

  /** The amend did not happen: the next version is dropped; `reason` says what became of the order. */
  private amendRefused(
    o: LiveOrder,
    reason: 'already-filled' | 'already-canceled' | 'post-only-cross' | 'invalid' | 'unknown-order',
    detail: string,
    now: number,
  ): void {
    const nid = o.amendTo;
    if (nid === undefined) return;
    o.amendTo = undefined;
    this.orders.delete(nid);
    this.reply({ kind: 'amend-rejected', ts: now, clientOrderId: o.spec.clientOrderId, ticker: o.spec.ticker, reason, detail });
  }

  private onAmend(e: ExecEvent, now: number): void {
    const o = e.client_order_id !== undefined ? this.orders.get(e.client_order_id) : undefined;
    if (!o) return this.anomaly('amend answer for an order we did not send', e, now);
    if (o.amendTo === undefined) return; // settled already (the WebSocket named the next version first)
    if (e.ok) {
      const b = e.body ?? {};
      if (b.order_id !== undefined && b.order_id !== o.orderId) {
        this.counts.mismatched_bodies++;
        this.anomaly('amend answer describes another order: not trusted, the order is read again', e, now);
        return this.verify(o, 'mismatch', now);
      }
      const remaining = parseCount(b.remaining_count);
      if (remaining === null) return this.verify(o, 'mismatch', now);
      return this.amended(o, remaining, now);
    }
    if (e.status === 409 || (e.status !== undefined && e.status >= 400 && e.status < 500 && e.status !== 404 && e.code !== 'MARKET_INACTIVE')) {
      // Refused before it touched the order: it rests unchanged.
      return this.amendRefused(o, 'invalid', `${e.status ?? ''} ${e.code ?? ''}: ${e.error ?? ''}`.trim(), now);
    }
    // Not resting any more (404, market inactive), or no usable answer: read the order; its
    // state (and client id) says whether the amend happened.
    this.verify(o, 'amend-unknown', now);
  }

  private sendCancel(o: LiveOrder, now: number): void {
    o.cancelWanted = false;
    o.cancelSent = true;
    o.verifyCount = 0; // a new question: its reads have their own budget
    this.counts.cancels++;
    this.out.action({ op: 'cancel', clientOrderId: o.spec.clientOrderId, orderId: o.orderId!, ticker: o.spec.ticker });
    // Confirmed over the WebSocket (user_order canceled) or read again.
    this.deadlines.set(`ack:${o.spec.clientOrderId}`, now + this.opt.ackTimeoutMs);
  }

  private verify(o: LiveOrder, why: string, now: number): void {
    // Never given up: after MAX_VERIFY reads a person is told (once), and the order is still
    // read at the slowest interval until the exchange says what it is (an outage ends).
    if (o.verifyCount === MAX_VERIFY) {
      this.out.warn('order still unconfirmed after repeated reads: its side stays blocked; still read every so often (see the runbook)', {
        client_order_id: o.spec.clientOrderId,
        why,
      });
      this.out.count('exec_unconfirmed_total');
    }
    o.verifyCount++;
    this.counts.verifies++;
    // One read answers every question about the order (its fills, then its state): the
    // other reads it owed are dropped, this one's deadline set below.
    this.clearReads(o.spec.clientOrderId);
    this.out.action({
      op: 'verify',
      clientOrderId: o.spec.clientOrderId,
      ...(o.orderId !== undefined ? { orderId: o.orderId } : {}),
      ticker: o.spec.ticker,
      why,
    });
    // Still nothing after this long: read it again (backing off).
    this.deadlines.set(`${why}:${o.spec.clientOrderId}`, now + this.opt.ackTimeoutMs * 2 ** Math.min(o.verifyCount, 5));
  }

  private reconcile(why: string, now: number): void {
    this.counts.reconciles++;
    const since = (this.lastFillMs ?? now) - this.opt.overlapMs;
    this.out.action({ op: 'reconcile', sinceMs: since, why });
    // A create on its way is not read: the exchange may not have it yet (a look-up finding
    // nothing would take it as lost), and its answer comes whatever happens.
    for (const o of this.orders.values()) if (o.phase === 'open' || o.phase === 'unknown') this.verify(o, 'reconcile', now);
  }

  // ------------------------------------------------------------ answers

  private onCreate(e: ExecEvent, now: number): void {
    const o = e.client_order_id !== undefined ? this.orders.get(e.client_order_id) : undefined;
    if (!o) return this.anomaly('create answer for an order we did not send', e, now);
    if (e.ok) {
      const b = e.body ?? {};
      if (b.client_order_id !== undefined && b.client_order_id !== null && b.client_order_id !== o.spec.clientOrderId) {
        this.counts.mismatched_bodies++;
        this.anomaly('create answer describes another order: not trusted, the order is read again', e, now);
        if (o.phase === 'creating') o.phase = 'unknown'; // answered, not usably: found by client id (or lost) like an unknown outcome
        return this.verify(o, 'mismatch', now);
      }
      const id = typeof b.order_id === 'string' ? b.order_id : undefined;
      if (id === undefined) {
        if (o.phase === 'creating') o.phase = 'unknown';
        return this.verify(o, 'no-order-id', now);
      }
      this.learnId(o, id);
      const fill = parseCount(b.fill_count) ?? 0;
      const remaining = parseCount(b.remaining_count);
      if (o.phase === 'final') return o.accepted ? undefined : this.stray(o, id, remaining, 'create', now);
      if (remaining === 0 && fill === 0 && o.spec.postOnly) {
        // A post-only order that would have crossed is canceled at once (reference §3):
        // a reprice signal, not an error.
        return this.finalReject(o, 'post-only-cross', 'post-only order would have crossed', now);
      }
      o.phase = 'open';
      this.accept(o, remaining ?? o.spec.count - o.filled, now);
      // An order that can no longer rest (IOC done, or filled at once) owes us its end.
      if (remaining === 0) this.deadlines.set(`end:${o.spec.clientOrderId}`, now + this.opt.ackTimeoutMs);
      if (o.cancelWanted) this.sendCancel(o, now);
      return;
    }
    if (o.phase === 'final') return;
    if (e.code === 'outcome-unknown' || e.code === 'bad-json') {
      // The order may exist: never placed again; read by client id until we know.
      o.phase = 'unknown';
      this.out.count('exec_create_unknown_total');
      return this.verify(o, 'unknown', now);
    }
    const reason = rejectReason(e);
    this.finalReject(o, reason, `${e.status ?? ''} ${e.code ?? ''}: ${e.error ?? ''}`.trim(), now);
  }

  private onCancel(e: ExecEvent, now: number): void {
    const o = e.client_order_id !== undefined ? this.orders.get(e.client_order_id) : undefined;
    if (!o) {
      if (e.client_order_id !== undefined && this.orphans.has(e.client_order_id)) {
        // Its end comes as a user_order. Refused (not a 404): canceled again when next seen resting.
        if (!e.ok && e.status !== 404) this.orphans.delete(e.client_order_id);
        return;
      }
      return this.anomaly('cancel answer for an order we did not send', e, now);
    }
    if (e.ok) {
      const b = e.body ?? {};
      if (b.order_id !== undefined && b.order_id !== o.orderId) {
        this.counts.mismatched_bodies++;
        this.anomaly('cancel answer describes another order: not trusted, the order is read again', e, now);
        return this.verify(o, 'mismatch', now);
      }
      // reduced_by 0: there was nothing resting (filled or canceled already): read it.
      if (parseCount(b.reduced_by) === 0 && o.phase !== 'final') this.verify(o, 'nothing-reduced', now);
      return; // otherwise the user_order update (or the ack deadline) says how it ended
    }
    o.cancelSent = false;
    // A stray's cancel refused: sent again when it is next seen resting (the manager does not retry it).
    if (o.phase === 'final' && e.status !== 404) o.strayCanceled = false;
    if (e.status === 404 || e.code === 'MARKET_INACTIVE' || e.code === 'market_closed') {
      // Not resting any more: how it ended is read over REST (fills may still be on their way).
      if (o.phase !== 'final') this.verify(o, 'cancel-refused', now);
      return;
    }
    // Rate limited or unavailable after the client's retries: the manager sends it again.
    this.out.warn('cancel failed: the quote manager will send it again', {
      client_order_id: o.spec.clientOrderId,
      status: e.status,
      code: e.code,
      error: e.error,
    });
    this.out.count('exec_cancel_failures_total', { code: e.code ?? String(e.status ?? 0) });
  }

  private onOrderRead(e: ExecEvent, now: number): void {
    const b = e.op === 'user_order' ? e.body : (e.body?.order as Record<string, unknown> | undefined);
    if (e.op !== 'user_order' && !e.ok) {
      const o = e.client_order_id !== undefined ? this.orders.get(e.client_order_id) : undefined;
      if (!o || o.phase === 'final') return;
      if (e.status === 404) return this.lostOrder(o, now);
      return; // the read failed: its deadline reads it again
    }
    if (!b) {
      const o = e.client_order_id !== undefined ? this.orders.get(e.client_order_id) : undefined;
      // Not found by client id: lost only when its create's outcome is unknown (a create on its way is answered).
      if (e.op === 'lookup' && o && o.phase === 'unknown') return this.lostOrder(o, now);
      return;
    }
    this.onOrderState(b, e.op, now);
  }

  /**
   * The exchange shows resting an order we took as finished (a create taken as lost that
   * landed after all; or a read older than what finished it): canceled, once, whatever it
   * is (a stale read costs one cancel answered 404). Never left resting unknown to us.
   */
  private stray(o: LiveOrder, id: string | undefined, remaining: number | null, via: string, now: number): void {
    if (o.strayCanceled || id === undefined || remaining === 0) return;
    o.strayCanceled = true;
    this.learnId(o, id);
    this.counts.orphans++;
    this.out.record({
      type: 'reconcile',
      ts: now,
      kind: 'orphan',
      client_order_id: o.spec.clientOrderId,
      order_id: id,
      ticker: o.spec.ticker,
      detail: `taken as finished, seen resting via ${via}: canceled`,
    });
    this.out.count('order_anomalies_total', { kind: 'exec-stray' });
    this.out.action({ op: 'cancel', clientOrderId: o.spec.clientOrderId, orderId: id, ticker: o.spec.ticker });
  }

  /** A create whose outcome was unknown is not found, or an order we thought working is gone. */
  private lostOrder(o: LiveOrder, now: number): void {
    this.counts.lost++;
    this.out.record({
      type: 'reconcile',
      ts: now,
      kind: 'lost',
      client_order_id: o.spec.clientOrderId,
      ...(o.orderId !== undefined ? { order_id: o.orderId } : {}),
      ticker: o.spec.ticker,
      detail: o.orderId === undefined ? 'create outcome unknown and no such order exists' : 'the exchange does not know this order',
    });
    if (o.orderId === undefined) return this.finalReject(o, 'venue-error', 'create did not land', now);
    this.end(o, 'lost', now);
    this.amendRefused(o, 'unknown-order', 'the exchange does not know the order', now);
  }

  /** An Order (user_order message, or a REST read) for any of our orders. */
  private onOrderState(b: Record<string, unknown>, via: string, now: number): void {
    const id = typeof b.order_id === 'string' ? b.order_id : undefined;
    const coid = typeof b.client_order_id === 'string' ? b.client_order_id : undefined;
    const key = (id !== undefined ? this.byOrderId.get(id) : undefined) ?? coid;
    const o = key !== undefined ? this.orders.get(key) : undefined;
    const status = b.status;
    if (!o) {
      if (coid === undefined || !coid.startsWith(this.opt.prefix)) return; // another process's order
      // An orphan that ended is done with (the set stays small over weeks).
      if (status !== 'resting') {
        this.orphans.delete(coid);
        return;
      }
      if (id !== undefined && !this.orphans.has(coid)) {
        // Ours by prefix, unknown to this process (an earlier run's): cancel it.
        this.orphans.add(coid);
        this.counts.orphans++;
        this.out.record({
          type: 'reconcile',
          ts: now,
          kind: 'orphan',
          client_order_id: coid,
          order_id: id,
          ticker: String(b.ticker ?? ''),
          detail: `seen via ${via}: canceled`,
        });
        this.out.action({ op: 'cancel', clientOrderId: coid, orderId: id, ticker: String(b.ticker ?? '') });
      }
      return;
    }
    const filled = parseCount(b.fill_count_fp ?? b.fill_count) ?? 0;
    const remaining = parseCount(b.remaining_count_fp ?? b.remaining_count);
    // An amend on its way: the order under its next client id means the amend happened.
    if (o.amendTo !== undefined && coid === o.amendTo) this.amended(o, status === 'resting' ? (remaining ?? 0) : 0, now);
    else if (o.amendOf !== undefined) {
      // The next version named before the answer (the user_order outran it).
      const old = this.orders.get(o.amendOf);
      if (old) this.amended(old, status === 'resting' ? (remaining ?? 0) : 0, now);
    } else if (o.amendTo !== undefined && status === 'resting' && via !== 'user_order') {
      // Read over REST under its old id, resting: the amend did not happen (it never will now).
      this.amendRefused(o, 'invalid', 'the order rests unchanged', now);
    }
    const cur = this.current(o);
    if (cur !== o) return this.onOrderState(b, via, now);
    if (coid !== undefined && coid !== o.spec.clientOrderId && o.amendTo === undefined && o.amendOf === undefined && o.phase !== 'final') {
      // Our order under a client id we never gave it (an amend we dropped that landed after
      // all): it rests at a price we do not track. Not trusted: ended here, canceled there.
      this.out.warn('order on the exchange under a client id we did not give it: canceled', {
        client_order_id: o.spec.clientOrderId,
        exchange_client_order_id: coid,
      });
      this.out.count('order_anomalies_total', { kind: 'exec-client-id-mismatch' });
      this.end(o, 'lost', now);
      if (status === 'resting') this.stray(o, id, remaining, via, now);
      return;
    }
    if (id !== undefined) this.learnId(o, id);
    if (status === 'resting') {
      if (o.phase === 'final') return this.stray(o, id, remaining, via, now);
      if (o.phase !== 'open') o.phase = 'open';
      this.accept(o, remaining ?? o.spec.count - o.filled, now);
      if (o.cancelWanted) this.sendCancel(o, now);
      else if (!o.cancelSent && o.amendTo === undefined && o.filled >= o.exchangeFilled) {
        // Resting with nothing of ours on its way: whatever a read was owed for is answered
        // (a reconcile's read is not repeated), and the read budget starts over.
        this.clearReads(o.spec.clientOrderId);
        o.verifyCount = 0;
      }
      return;
    }
    if (status !== 'canceled' && status !== 'executed') return;
    o.exchangeFilled = Math.max(o.exchangeFilled, filled);
    if (o.phase === 'final') return this.awaitFills(o, now);
    // Finished while an amend was on its way: the amend cannot happen now.
    if (o.amendTo !== undefined) {
      if (status === 'canceled') {
        const reason = typeof b.last_update_reason === 'string' ? b.last_update_reason : undefined;
        this.end(o, cancelCause(o, reason), now);
        this.amendRefused(o, reason === 'PostOnlyCrossCancel' ? 'post-only-cross' : 'already-canceled', `canceled (${reason ?? 'no reason given'})`, now);
      } else {
        o.phase = 'final';
        o.finalAt = now;
        this.deadlines.set(`forget:${o.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
        this.amendRefused(o, 'already-filled', 'executed', now);
      }
      return this.awaitFills(o, now);
    }
    const reason = typeof b.last_update_reason === 'string' ? b.last_update_reason : undefined;
    if (status === 'canceled' && reason === 'PostOnlyCrossCancel' && !o.accepted) {
      return this.finalReject(o, 'post-only-cross', 'post-only order would have crossed', now);
    }
    if (!o.accepted) this.accept(o, remaining ?? 0, now);
    // The group's cancels can come before its order_group_updates message: halt on the first,
    // so the quotes they end are not placed again only to be refused.
    if (reason === 'OrderGroupTriggered' && this.groupId !== undefined) this.groupTriggered(this.groupId, 'its orders canceled by the exchange', now);
    if (status === 'executed') {
      // Its fills say so (they may still be on their way); the manager finishes it on them.
      o.phase = 'final';
      o.finalAt = now;
      this.deadlines.clear(`ack:${o.spec.clientOrderId}`);
      this.deadlines.set(`forget:${o.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
      return this.awaitFills(o, now);
    }
    this.end(o, cancelCause(o, reason), now);
    this.awaitFills(o, now);
  }

  private onFill(f: Record<string, unknown>, via: 'ws' | 'rest', now: number): void {
    const tradeId = typeof f.trade_id === 'string' ? f.trade_id : typeof f.fill_id === 'string' ? f.fill_id : undefined;
    const id = typeof f.order_id === 'string' ? f.order_id : undefined;
    const price = parsePrice(f.yes_price_dollars);
    const count = parseCount(f.count_fp);
    const fee = parsePrice(f.fee_cost) ?? (f.fee_cost === '0' || f.fee_cost === 0 ? 0 : null);
    if (tradeId === undefined || id === undefined || price === null || count === null || count <= 0 || fee === null) {
      this.out.warn('fill message unreadable: not applied', { via, trade_id: tradeId, order_id: id });
      this.out.count('exec_bad_messages_total', { op: 'fill' });
      return;
    }
    const exMs = typeof f.ts_ms === 'number' ? f.ts_ms : typeof f.ts === 'number' ? f.ts * 1000 : undefined;
    // The fill's own client id names the version it hit (amends); REST fills have none.
    const named = typeof f.client_order_id === 'string' && this.orders.has(f.client_order_id) ? f.client_order_id : undefined;
    const key = named ?? this.byOrderId.get(id) ?? (typeof f.client_order_id === 'string' ? f.client_order_id : undefined);
    let o = key !== undefined ? this.orders.get(key) : undefined;
    if (this.seenTrades.has(tradeId)) {
      if (via === 'ws') this.counts.duplicate_fills++;
      return;
    }
    if (!o) {
      // Not an order of this process: an earlier run's (its position is read at start), or another process's.
      return;
    }
    if (o.phase === 'amending' && o.amendOf !== undefined) {
      // A fill of the next version before the amend's answer: the amend happened.
      const old = this.orders.get(o.amendOf);
      if (old) this.amended(old, Math.max(0, o.spec.count - Math.max(o.filled, old.filled)), now);
      o = this.orders.get(key!) ?? o;
    }
    this.seenTrades.add(tradeId);
    o.trades.push(tradeId);
    if (exMs !== undefined) this.lastFillMs = Math.max(this.lastFillMs ?? 0, exMs);
    this.learnId(o, id);
    if (via === 'rest') {
      this.counts.missed_fills++;
      this.out.record({
        type: 'reconcile',
        ts: now,
        kind: 'missed-fill',
        client_order_id: o.spec.clientOrderId,
        order_id: id,
        ticker: o.spec.ticker,
        trade_id: tradeId,
        detail: 'fill not heard over the WebSocket: applied from GET /portfolio/fills',
      });
    }
    const side = f.book_side === 'bid' || f.book_side === 'ask' ? f.book_side : undefined;
    if (side !== undefined && side !== o.spec.side) {
      this.out.warn('fill on the other side than our order: applied on our side', {
        client_order_id: o.spec.clientOrderId,
        trade_id: tradeId,
        book_side: side,
      });
      this.out.count('order_anomalies_total', { kind: 'fill-side' });
    }
    o.filled += count;
    if (!o.accepted && o.phase !== 'final') {
      // Fills can outrun the create's answer: the order exists.
      o.phase = 'open';
    }
    this.reply({
      kind: 'fill',
      ts: now,
      clientOrderId: o.spec.clientOrderId,
      orderId: id,
      ticker: o.spec.ticker,
      tradeId,
      side: o.spec.side,
      price,
      count,
      remaining: Math.max(0, o.spec.count - o.filled),
      liquidity: f.is_taker === true ? 'taker' : 'maker',
      fee,
    });
    if (exMs !== undefined && via === 'ws') {
      this.out.record({ type: 'latency', ts: now, kind: 'fill', ms: Math.max(0, now - exMs), ticker: o.spec.ticker, client_order_id: o.spec.clientOrderId });
    }
    if (o.filled >= o.spec.count && o.phase !== 'final') {
      o.phase = 'final';
      o.finalAt = now;
      this.deadlines.clear(`ack:${o.spec.clientOrderId}`);
      this.deadlines.set(`forget:${o.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
    }
    // Filled in full while an amend was on its way: the amend cannot happen now.
    if (o.filled >= o.spec.count && o.amendTo !== undefined) this.amendRefused(o, 'already-filled', 'filled in full', now);
    if (o.phase === 'final' && o.filled >= o.exchangeFilled) this.deadlines.clear(`fills:${o.spec.clientOrderId}`);
  }

  private onGroup(m: Record<string, unknown>, now: number): void {
    const ev = m.event_type;
    const gid = m.order_group_id;
    if (this.groupId !== undefined && gid !== this.groupId) return;
    if (ev === 'triggered') {
      this.groupTriggered(String(gid), `contracts limit ${String(m.contracts_limit_fp ?? '?')} reached`, now);
    } else if (ev === 'reset' && this.halted !== undefined) {
      this.halted = undefined;
      this.health.push({ cause: 'order-group', up: true, detail: `order group ${String(gid)} reset` });
      this.out.record({ type: 'reconcile', ts: now, kind: 'group-reset', detail: `order group ${String(gid)} reset: orders allowed again` });
    } else if (ev === 'deleted') {
      this.halted = `order group ${String(gid)} deleted`;
      this.out.record({ type: 'reconcile', ts: now, kind: 'group-triggered', detail: this.halted });
      this.health.push({ cause: 'order-group', up: false, detail: this.halted });
    }
  }

  /** Halt: the exchange canceled the group's orders and refuses new ones until a reset (once per trigger). */
  private groupTriggered(gid: string, why: string, now: number): void {
    if (this.halted !== undefined) return;
    this.halted = `order group ${gid} triggered (${why}): its orders are canceled and new ones refused until it is reset`;
    this.out.warn('order group triggered: the exchange-side circuit breaker canceled our resting orders', { order_group_id: gid });
    this.out.count('exec_group_triggered_total');
    this.out.record({ type: 'reconcile', ts: now, kind: 'group-triggered', detail: this.halted });
    this.health.push({ cause: 'order-group', up: false, detail: this.halted });
  }

  private onFeed(e: ExecEvent, now: number): void {
    const state = e.body?.state;
    const conn = e.conn ?? 0;
    if (state === 'live') {
      // A new private connection after an earlier one: what happened in the gap is read over REST.
      if (this.lastFeedConn > 0 && conn !== this.lastFeedConn) this.reconcile('private-reconnect', now);
      this.lastFeedConn = conn;
      if (!this.feedLive) this.health.push({ cause: 'private-feed', up: true, detail: 'private channels live' });
      this.feedLive = true;
    } else if (state === 'down') {
      if (this.feedLive) this.health.push({ cause: 'private-feed', up: false, detail: `private channels down (${String(e.body?.cause ?? 'unknown')})` });
      this.feedLive = false;
    }
  }

  /** Whether the private WebSocket is up (orders need it: their state comes from it). */
  get privateLive(): boolean {
    return this.feedLive;
  }

  // ------------------------------------------------------------ helpers

  private accept(o: LiveOrder, remaining: number, now: number): void {
    if (o.accepted) return;
    o.accepted = true;
    this.deadlines.clear(`unknown:${o.spec.clientOrderId}`);
    this.deadlines.clear(`no-order-id:${o.spec.clientOrderId}`);
    this.deadlines.clear(`mismatch:${o.spec.clientOrderId}`);
    this.reply({
      kind: 'accepted',
      ts: now,
      clientOrderId: o.spec.clientOrderId,
      orderId: o.orderId ?? '',
      ticker: o.spec.ticker,
      remaining: Math.max(0, remaining),
    });
  }

  private end(o: LiveOrder, cause: CancelCause, now: number): void {
    o.phase = 'final';
    o.finalAt = now;
    this.deadlines.clear(`ack:${o.spec.clientOrderId}`);
    this.deadlines.clear(`end:${o.spec.clientOrderId}`);
    this.deadlines.set(`forget:${o.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
    this.reply({
      kind: 'canceled',
      ts: now,
      clientOrderId: o.spec.clientOrderId,
      orderId: o.orderId ?? '',
      ticker: o.spec.ticker,
      remaining: Math.max(0, o.spec.count - Math.max(o.filled, o.exchangeFilled)),
      cause,
    });
  }

  private finalReject(o: LiveOrder, reason: RejectReason, detail: string, now: number): void {
    o.phase = 'final';
    o.finalAt = now;
    this.deadlines.set(`forget:${o.spec.clientOrderId}`, now + this.opt.keepFinishedMs);
    this.reply({ kind: 'rejected', ts: now, clientOrderId: o.spec.clientOrderId, ticker: o.spec.ticker, reason, detail });
  }

  /** The exchange counted more fills than we have heard: they are read if they do not come. */
  private awaitFills(o: LiveOrder, now: number): void {
    if (o.exchangeFilled > o.filled) this.deadlines.set(`fills:${o.spec.clientOrderId}`, now + this.opt.ackTimeoutMs);
  }

  /** The version of an order now in force (its amendment, once that took effect). */
  private current(o: LiveOrder): LiveOrder {
    let v = o;
    for (let i = 0; i < 8 && v.phase === 'final' && v.amendTo === undefined; i++) {
      const id = v.orderId !== undefined ? this.byOrderId.get(v.orderId) : undefined;
      const next = id !== undefined && id !== v.spec.clientOrderId ? this.orders.get(id) : undefined;
      if (!next || next.phase === 'amending') break;
      v = next;
    }
    return v;
  }

  private learnId(o: LiveOrder, id: string): void {
    if (o.orderId === id) return;
    if (o.orderId !== undefined) this.byOrderId.delete(o.orderId);
    o.orderId = id;
    this.byOrderId.set(id, o.spec.clientOrderId);
  }

  private forget(coid: string): void {
    const o = this.orders.get(coid);
    if (!o || o.phase !== 'final') return;
    this.orders.delete(coid);
    if (o.orderId !== undefined && this.byOrderId.get(o.orderId) === coid) this.byOrderId.delete(o.orderId);
    for (const tr of o.trades) this.seenTrades.delete(tr);
    this.clearReads(coid);
  }

  private clearReads(coid: string): void {
    for (const k of READS) this.deadlines.clear(`${k}:${coid}`);
  }

  private reply(r: VenueReply): void {
    this.queue.push(r);
  }

  private anomaly(what: string, e: ExecEvent, now: number): void {
    this.out.warn(what, { op: e.op, client_order_id: e.client_order_id, order_id: e.order_id, now });
    this.out.count('order_anomalies_total', { kind: `exec-${e.op}` });
  }
}

/** The V2 create body of one of our orders (reference §2.1). */
export function createBody(spec: OrderSpec, orderGroupId: string | undefined): Record<string, unknown> {
  const gtc = spec.tif === 'gtc';
  return {
    ticker: spec.ticker,
    client_order_id: spec.clientOrderId,
    side: spec.side,
    count: formatCount(spec.count),
    price: formatPrice(spec.price),
    time_in_force: gtc ? 'good_till_canceled' : 'immediate_or_cancel',
    // Our taker never fills against our own quote: the incoming order is canceled instead.
    self_trade_prevention_type: 'taker_at_cross',
    post_only: gtc && spec.postOnly,
    cancel_order_on_pause: true,
    ...(orderGroupId !== undefined ? { order_group_id: orderGroupId } : {}),
  };
}

function rejectReason(e: ExecEvent): RejectReason {
  const code = (e.code ?? '').toLowerCase();
  if (e.status === 409) return 'duplicate-client-order-id';
  if (code === 'market_inactive' || code === 'market_closed' || code.includes('closed') || code.includes('paused')) return 'market-closed';
  if (e.status === 404 || code.includes('market_not_found')) return 'market-unknown';
  if (code.includes('post_only') || /post.only/i.test(e.error ?? '')) return 'post-only-cross';
  if (/grid|tick/i.test(e.error ?? '')) return 'off-grid';
  if (code === 'rate-limited') return 'rate-limited';
  if (code === 'unavailable' || code === 'over-budget' || code === 'clock-skew' || (e.status ?? 0) >= 500 || e.status === 0) return 'venue-error';
  return 'invalid';
}

/** Why an order we did not finish ourselves ended (Kalshi's last_update_reason). */
function cancelCause(o: LiveOrder, reason: string | undefined): CancelCause {
  if (o.spec.tif === 'ioc') return 'ioc-remainder';
  switch (reason) {
    case 'MarketClosed':
      return 'market-closed';
    case 'Expired':
      return 'expired';
    case 'OrderGroupTriggered':
    case 'OrderGroupDeleted':
      return 'group-triggered';
    case 'SelfTradePrevention':
      return 'self-trade';
    case 'MarketPaused':
    case 'Paused':
      return 'paused';
    default:
      return o.cancelSent ? 'requested' : 'exchange';
  }
}

function arrayOf(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v.filter((x) => x !== null && typeof x === 'object') as Array<Record<string, unknown>>) : [];
}
