// The order state table: which (status, event) pairs are allowed and where they lead.
// An order's state is a fold over its events, so a ledger of `order`/`fill` records
// rebuilds it (foldOrderRecords). Real-world edges are allowed on purpose (nautilus,
// hummingbot): a fill after a cancel request, a fill reported after the cancel ack
// (the exchange filled it first), a repeated cancel ack, a cancel refused because the
// order had already filled. Anything else is an impossible transition: the caller logs
// and counts it; it never throws.
//
// Amend (a reprice in place, src/core/trading.ts): one state per quote VERSION (client
// order id). The resting version goes `pending-amend` while the amend is on its way; when
// the venue confirms, it ends `amended` (final: superseded by the next version, which
// shares its exchange order id and starts resting under the new client id). The races:
//   - a fill while the amend is on its way counts against this (old) version: it stays
//     `pending-amend` (or ends `filled` when nothing remains); the venue's answer says what
//     is left under the new version (its `remaining`, after every fill it made first);
//   - a fill reported after `amended` (the exchange made it before the amend) still counts
//     against this version;
//   - the venue canceled the order first (market closed): `cancel-ack` ends it `canceled`;
//   - the amend refused: `invalid` leaves the order as it was (back to resting/partial);
//     `already-filled` keeps it `pending-amend` until the fill that says so (as a refused
//     cancel does); `post-only-cross`, `already-canceled` and `unknown-order` mean nothing
//     of it rests any more: `canceled`.
import type { ORDER_STATUSES } from '../schema/records.js';
import type { AmendRejectReason, BookSide, Tif } from './trading.js';

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderEvent =
  | { kind: 'send' }
  | { kind: 'accept'; orderId: string }
  | { kind: 'reject' }
  | { kind: 'fill'; tradeId: string; count: number }
  | { kind: 'cancel-request' }
  | { kind: 'cancel-ack' }
  | { kind: 'cancel-reject'; alreadyFilled: boolean }
  | { kind: 'amend-request' }
  /** The venue confirmed the amend: this version is superseded by the next. */
  | { kind: 'amend-ack' }
  | { kind: 'amend-reject'; reason: AmendRejectReason };

export type EventKind = OrderEvent['kind'];

/** Statuses from which nothing more is expected but late fills. */
export const FINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'amended']);
/** A place, cancel or amend is on its way: nothing new on this ticker side until it is answered. */
export const IN_FLIGHT: ReadonlySet<OrderStatus> = new Set(['new', 'submitted', 'pending-cancel', 'pending-amend']);

/**
 * The table. For `fill` the target is decided by what remains (partial or filled), and an
 * order already canceled stays canceled (the fill happened before the cancel took effect).
 */
const TABLE: Record<OrderStatus, Partial<Record<EventKind, OrderStatus | 'by-remaining' | 'same' | 'back' | 'by-reason'>>> = {
  new: { send: 'submitted' },
  submitted: { accept: 'resting', reject: 'rejected', fill: 'by-remaining', 'cancel-ack': 'canceled' },
  resting: { fill: 'by-remaining', 'cancel-request': 'pending-cancel', 'cancel-ack': 'canceled', 'amend-request': 'pending-amend' },
  partial: { fill: 'by-remaining', 'cancel-request': 'pending-cancel', 'cancel-ack': 'canceled', accept: 'same', 'amend-request': 'pending-amend' },
  // A cancel on its way: the order can still fill; a refusal sends it back (or, already
  // filled, leaves it waiting for the fill that says so).
  'pending-cancel': { fill: 'by-remaining', 'cancel-ack': 'canceled', 'cancel-reject': 'back', accept: 'same' },
  // Late edges: the exchange filled before our cancel arrived, and told us in this order;
  // a second ack of the same cancel; a refusal of a cancel that crossed a fill.
  // The create's answer can come after the fills it caused (live: the fill channel is faster
  // than the REST reply), so a late accept only records the exchange's order id.
  filled: { 'cancel-reject': 'same', 'cancel-ack': 'same', accept: 'same', 'amend-reject': 'same' },
  canceled: { fill: 'same', 'cancel-ack': 'same', 'cancel-reject': 'same', accept: 'same', 'amend-reject': 'same' },
  rejected: {},
  // An amend on its way: the old version can still fill (by-remaining keeps it pending, or
  // ends it filled); the venue can cancel it first; the refusal is decided by its reason.
  // Nothing else is sent for it meanwhile (a pull waits for the answer: cancelWanted).
  'pending-amend': { fill: 'by-remaining', 'amend-ack': 'amended', 'amend-reject': 'by-reason', 'cancel-ack': 'canceled', accept: 'same' },
  // Superseded by its amendment: late fills (made before the amend took effect) still count;
  // a repeated answer changes nothing.
  amended: { fill: 'same', 'amend-ack': 'same', 'amend-reject': 'same', 'cancel-ack': 'same', 'cancel-reject': 'same', accept: 'same' },
};

export interface OrderState {
  clientOrderId: string;
  orderId: string | undefined;
  ticker: string;
  side: BookSide;
  /** PRICE_ONE units. */
  price: number;
  /** COUNT_ONE units. */
  count: number;
  filled: number;
  tif: Tif;
  status: OrderStatus;
  /** Status before the pending cancel, to go back to when the cancel is refused. */
  beforeCancel: OrderStatus | undefined;
  /** Status before the pending amend, to go back to when the amend is refused as invalid. */
  beforeAmend: OrderStatus | undefined;
  /** Trade ids already applied: a repeated fill report is not counted twice. */
  trades: Set<string>;
  createdTs: number;
  /** When the order was accepted (rests from then on). */
  restingSince: number | undefined;
  cancelSentTs: number | undefined;
  amendSentTs: number | undefined;
}

export type Transition =
  | { ok: true; from: OrderStatus; to: OrderStatus; duplicate?: false }
  /** A fill whose trade id was already applied: nothing changes. */
  | { ok: true; from: OrderStatus; to: OrderStatus; duplicate: true }
  | { ok: false; from: OrderStatus; event: EventKind; detail: string };

export function newOrder(o: { clientOrderId: string; ticker: string; side: BookSide; price: number; count: number; tif: Tif; now: number }): OrderState {
  return {
    clientOrderId: o.clientOrderId,
    orderId: undefined,
    ticker: o.ticker,
    side: o.side,
    price: o.price,
    count: o.count,
    filled: 0,
    tif: o.tif,
    status: 'new',
    beforeCancel: undefined,
    beforeAmend: undefined,
    trades: new Set(),
    createdTs: o.now,
    restingSince: undefined,
    cancelSentTs: undefined,
    amendSentTs: undefined,
  };
}

export function remaining(o: OrderState): number {
  return o.count - o.filled;
}

/** Whether the table allows `event` in status `s` (for tests and diagnostics). */
export function allowed(s: OrderStatus, event: EventKind): boolean {
  return TABLE[s][event] !== undefined;
}

/** Apply one event in place. Returns what happened; an impossible event changes nothing. */
export function apply(o: OrderState, e: OrderEvent, now: number): Transition {
  const from = o.status;
  const rule = TABLE[from][e.kind];
  if (rule === undefined) return { ok: false, from, event: e.kind, detail: `${e.kind} is not allowed in status ${from}` };
  if (e.kind === 'fill') {
    if (o.trades.has(e.tradeId)) return { ok: true, from, to: from, duplicate: true };
    if (!(e.count > 0) || e.count > remaining(o)) {
      return { ok: false, from, event: 'fill', detail: `fill of ${e.count} with ${remaining(o)} remaining (trade ${e.tradeId})` };
    }
    o.trades.add(e.tradeId);
    o.filled += e.count;
  }
  let to: OrderStatus;
  if (rule === 'same') to = from;
  else if (rule === 'back') to = e.kind === 'cancel-reject' && e.alreadyFilled ? from : (o.beforeCancel ?? 'resting');
  else if (rule === 'by-reason') {
    const reason = e.kind === 'amend-reject' ? e.reason : 'invalid';
    if (reason === 'invalid') to = o.beforeAmend ?? 'resting';
    else if (reason === 'already-filled')
      to = from; // the fill that says so is on its way
    else to = 'canceled';
  } else if (rule === 'by-remaining') {
    to = remaining(o) === 0 ? 'filled' : from === 'pending-cancel' || from === 'pending-amend' ? from : 'partial';
    if (to === 'pending-cancel') o.beforeCancel = 'partial'; // a refused cancel now leaves it partial
    if (to === 'pending-amend') o.beforeAmend = 'partial'; // a refused amend now leaves it partial
  } else to = rule;
  if (e.kind === 'accept') {
    o.orderId ??= e.orderId;
    if (to === 'resting') o.restingSince ??= now;
  }
  if (e.kind === 'fill' && from === 'submitted') o.restingSince ??= now;
  if (e.kind === 'cancel-request') {
    o.beforeCancel = from;
    o.cancelSentTs = now;
  }
  if (e.kind === 'amend-request') {
    o.beforeAmend = from;
    o.amendSentTs = now;
  }
  if (to !== 'pending-cancel') o.cancelSentTs = to === from ? o.cancelSentTs : undefined;
  if (to !== 'pending-amend') o.amendSentTs = to === from ? o.amendSentTs : undefined;
  o.status = to;
  return { ok: true, from, to };
}

// ---------------------------------------------------------------- rebuilding from records

/** The fields of `order` and `fill` records the fold needs (YES-terms records, dollars, contracts). */
export interface OrderRecordLike {
  type: 'order';
  ts: number;
  client_order_id: string;
  order_id?: string | undefined;
  ticker: string;
  action: 'buy' | 'sell';
  price: number;
  count: number;
  tif: 'gtc' | 'ioc' | 'fok';
  status: OrderStatus;
  filled: number;
}
export interface FillRecordLike {
  type: 'fill';
  ts: number;
  client_order_id: string;
  trade_id: string;
  count: number;
}

/**
 * Rebuild order states from a ledger of `order` and `fill` records, in file order. An
 * `order` record states the status after a change, so it is taken as the truth for
 * status and filled count; fills add their trade ids (for de-duplication). Returns the
 * states and the records that could not be applied (a fill for an unknown order).
 */
export function foldOrderRecords(
  records: ReadonlyArray<OrderRecordLike | FillRecordLike>,
  units: { price: (x: number) => number; count: (x: number) => number },
): {
  orders: Map<string, OrderState>;
  unmatched: FillRecordLike[];
} {
  const orders = new Map<string, OrderState>();
  const unmatched: FillRecordLike[] = [];
  for (const r of records) {
    if (r.type === 'order') {
      let o = orders.get(r.client_order_id);
      if (!o) {
        o = newOrder({
          clientOrderId: r.client_order_id,
          ticker: r.ticker,
          side: r.action === 'buy' ? 'bid' : 'ask',
          price: units.price(r.price),
          count: units.count(r.count),
          tif: r.tif === 'gtc' ? 'gtc' : 'ioc',
          now: r.ts,
        });
        orders.set(r.client_order_id, o);
      }
      if (r.order_id !== undefined) o.orderId = r.order_id;
      if (r.status === 'resting' && o.restingSince === undefined) o.restingSince = r.ts;
      if (r.status === 'pending-cancel' && o.status !== 'pending-cancel') {
        o.beforeCancel = o.status;
        o.cancelSentTs = r.ts;
      }
      if (r.status === 'pending-amend' && o.status !== 'pending-amend') {
        o.beforeAmend = o.status;
        o.amendSentTs = r.ts;
      }
      o.status = r.status;
      o.filled = units.count(r.filled);
    } else {
      const o = orders.get(r.client_order_id);
      if (o) o.trades.add(r.trade_id);
      else unmatched.push(r);
    }
  }
  return { orders, unmatched };
}
