// Kalshi WebSocket v2 frames (reference §1) decoded into typed messages, with every
// defect named. Pure: a frame's text in, a message or a `bad` with its reason out.
//
// The envelope (`type`, `sid`, `seq`, `id`) is read first, so a data message whose body
// is broken still counts for the sequence check of its subscription (it consumed a seq)
// and still names the market it broke, when that much is readable. Order-book level
// strings are not parsed here: the book parses them, so a bad price or size invalidates
// the book it was meant for.
import { parseCount, parsePrice, PRICE_ONE } from './kalshi-fixed.js';
import { isObj } from './json.js';

export type BadReason = 'not-json' | 'not-object' | 'no-type' | 'unknown-type' | 'bad-field';

export interface Envelope {
  type: string;
  sid: number | undefined;
  seq: number | undefined;
  id: number | undefined;
}

export type Msg =
  | { kind: 'subscribed'; id: number | undefined; sid: number; channel: string }
  | { kind: 'ok'; id: number | undefined; sid: number | undefined; tickers: string[] | undefined; list: Array<{ channel: string; sid: number }> | undefined }
  | { kind: 'unsubscribed'; id: number | undefined; sid: number | undefined }
  | { kind: 'error'; id: number | undefined; sid: number | undefined; code: number; text: string; ticker: string | undefined }
  | { kind: 'snapshot'; sid: number; ticker: string; yes: unknown; no: unknown }
  | { kind: 'delta'; sid: number; ticker: string; side: unknown; price: unknown; delta: unknown; tsMs: number | undefined }
  | { kind: 'trade'; ticker: string; tradeId: string; price: number; count: number; takerSide: 'yes' | 'no'; tsMs: number | undefined }
  | { kind: 'lifecycle'; ticker: string; eventType: string; body: Record<string, unknown> }
  | { kind: 'event_lifecycle'; body: Record<string, unknown> }
  | { kind: 'event_fee_update'; body: Record<string, unknown> }
  | { kind: 'fill'; fill: FillMsg }
  | { kind: 'user_order'; order: UserOrderMsg }
  /** A documented type this feeder does not use (ticker, market_position, ...). */
  | { kind: 'ignored'; type: string };

export interface FillMsg {
  tradeId: string;
  orderId: string;
  clientOrderId: string | undefined;
  ticker: string;
  price: number;
  count: number;
  fee: number;
  isTaker: boolean;
  outcomeSide: 'yes' | 'no';
  bookSide: 'bid' | 'ask';
  postPosition: number | undefined;
  tsMs: number | undefined;
}

export interface UserOrderMsg {
  orderId: string;
  clientOrderId: string | undefined;
  ticker: string;
  status: 'resting' | 'canceled' | 'executed';
  outcomeSide: 'yes' | 'no';
  bookSide: 'bid' | 'ask';
  price: number;
  fillCount: number;
  remainingCount: number;
  initialCount: number;
  tsMs: number | undefined;
}

export type Decoded =
  { ok: true; env: Envelope; msg: Msg } | { ok: false; env: Envelope | undefined; reason: BadReason; detail: string; ticker: string | undefined };

/** Types Kalshi documents that this feeder receives but has no use for. */
const IGNORED = new Set(['ticker', 'market_position', 'order_group_updates', 'multivariate_lookup', 'communications']);

export function decodeFrame(text: string): Decoded {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return bad(undefined, 'not-json', (e as Error).message, undefined);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return bad(undefined, 'not-object', `a JSON ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`, undefined);
  const o = v as Record<string, unknown>;
  if (typeof o.type !== 'string') return bad(undefined, 'no-type', 'no string "type"', undefined);
  const env: Envelope = { type: o.type, sid: intOrUndef(o.sid), seq: intOrUndef(o.seq), id: intOrUndef(o.id) };
  if ((o.sid !== undefined && env.sid === undefined) || (o.seq !== undefined && env.seq === undefined)) {
    return bad(env, 'bad-field', `sid/seq not integers (sid ${JSON.stringify(o.sid)}, seq ${JSON.stringify(o.seq)})`, undefined);
  }
  const m = o.msg;
  const body = isObj(m) ? m : undefined;
  const ticker = body && typeof body.market_ticker === 'string' ? body.market_ticker : undefined;
  switch (env.type) {
    case 'orderbook_delta': {
      // Without a seq a book message cannot be checked for a gap: not applied (the next
      // message's seq then shows the gap, and the book is re-snapshotted).
      if (!body || ticker === undefined || env.sid === undefined || env.seq === undefined)
        return bad(env, 'bad-field', 'orderbook_delta without msg.market_ticker, sid or seq', ticker);
      const tsMs = intOrUndef(body.ts_ms);
      return { ok: true, env, msg: { kind: 'delta', sid: env.sid, ticker, side: body.side, price: body.price_dollars, delta: body.delta_fp, tsMs } };
    }
    case 'orderbook_snapshot': {
      if (!body || ticker === undefined || env.sid === undefined || env.seq === undefined)
        return bad(env, 'bad-field', 'orderbook_snapshot without msg.market_ticker, sid or seq', ticker);
      return { ok: true, env, msg: { kind: 'snapshot', sid: env.sid, ticker, yes: body.yes_dollars_fp, no: body.no_dollars_fp } };
    }
    case 'trade': {
      if (!body || ticker === undefined) return bad(env, 'bad-field', 'trade without msg.market_ticker', ticker);
      const price = parsePrice(body.yes_price_dollars);
      const count = parseCount(body.count_fp);
      const taker = takerSide(body);
      if (typeof body.trade_id !== 'string' || body.trade_id === '' || price === null || count === null || count <= 0 || !taker) {
        return bad(env, 'bad-field', `trade ${ticker}: trade_id/yes_price_dollars/count_fp/taker side unreadable`, ticker);
      }
      if (!inside(price))
        return bad(env, 'bad-field', `trade ${ticker}: yes_price_dollars ${String(body.yes_price_dollars)} not strictly between 0 and 1`, ticker);
      return { ok: true, env, msg: { kind: 'trade', ticker, tradeId: body.trade_id, price, count, takerSide: taker, tsMs: intOrUndef(body.ts_ms) } };
    }
    case 'market_lifecycle_v2': {
      if (!body || ticker === undefined || typeof body.event_type !== 'string')
        return bad(env, 'bad-field', 'market_lifecycle_v2 without market_ticker/event_type', ticker);
      return { ok: true, env, msg: { kind: 'lifecycle', ticker, eventType: body.event_type, body } };
    }
    case 'event_lifecycle':
    case 'event_fee_update':
      if (!body) return bad(env, 'bad-field', `${env.type} without msg`, undefined);
      return { ok: true, env, msg: { kind: env.type, body } };
    case 'fill': {
      if (!body) return bad(env, 'bad-field', 'fill without msg', ticker);
      const f = fillOf(body);
      return typeof f === 'string' ? bad(env, 'bad-field', f, ticker) : { ok: true, env, msg: { kind: 'fill', fill: f } };
    }
    case 'user_order': {
      if (!body) return bad(env, 'bad-field', 'user_order without msg', undefined);
      const u = userOrderOf(body);
      return typeof u === 'string'
        ? bad(env, 'bad-field', u, typeof body.ticker === 'string' ? body.ticker : undefined)
        : { ok: true, env, msg: { kind: 'user_order', order: u } };
    }
    case 'subscribed': {
      const sid = body ? intOrUndef(body.sid) : undefined;
      if (!body || sid === undefined || typeof body.channel !== 'string') return bad(env, 'bad-field', 'subscribed without msg.sid/channel', undefined);
      return { ok: true, env, msg: { kind: 'subscribed', id: env.id, sid, channel: body.channel } };
    }
    case 'ok': {
      if (Array.isArray(m)) {
        const list: Array<{ channel: string; sid: number }> = [];
        for (const x of m) {
          const e = x as Record<string, unknown> | null;
          if (e && typeof e.channel === 'string' && intOrUndef(e.sid) !== undefined) list.push({ channel: e.channel, sid: e.sid as number });
        }
        return { ok: true, env, msg: { kind: 'ok', id: env.id, sid: env.sid, tickers: undefined, list } };
      }
      const mt = body?.market_tickers;
      const tickers = Array.isArray(mt) && mt.every((t) => typeof t === 'string') ? (mt as string[]) : undefined;
      return { ok: true, env, msg: { kind: 'ok', id: env.id, sid: env.sid, tickers, list: undefined } };
    }
    case 'unsubscribed':
      return { ok: true, env, msg: { kind: 'unsubscribed', id: env.id, sid: env.sid } };
    case 'error': {
      const code = body ? intOrUndef(body.code) : undefined;
      if (!body || code === undefined) return bad(env, 'bad-field', 'error without msg.code', undefined);
      const sid = env.sid ?? intOrUndef(body.sid);
      return { ok: true, env, msg: { kind: 'error', id: env.id, sid, code, text: typeof body.msg === 'string' ? body.msg : '', ticker } };
    }
    default:
      if (IGNORED.has(env.type)) return { ok: true, env, msg: { kind: 'ignored', type: env.type } };
      return bad(env, 'unknown-type', `unknown message type ${JSON.stringify(env.type).slice(0, 60)}`, ticker);
  }
}

/** taker_outcome_side, else taker_book_side (bid = yes), else the deprecated taker_side. */
function takerSide(b: Record<string, unknown>): 'yes' | 'no' | undefined {
  const o = b.taker_outcome_side;
  if (o === 'yes' || o === 'no') return o;
  const bs = b.taker_book_side;
  if (bs === 'bid') return 'yes';
  if (bs === 'ask') return 'no';
  const t = b.taker_side;
  return t === 'yes' || t === 'no' ? t : undefined;
}

/**
 * outcome_side / book_side, else derived from the deprecated (action, side) pair:
 * buy yes = bid, sell yes = ask, buy no = ask, sell no = bid; outcome follows the book
 * side (a "sell yes" is outcome no, reference §1.3).
 */
function direction(b: Record<string, unknown>): { outcomeSide: 'yes' | 'no'; bookSide: 'bid' | 'ask' } | undefined {
  const os = b.outcome_side;
  const bs = b.book_side;
  if ((os === 'yes' || os === 'no') && (bs === 'bid' || bs === 'ask')) return { outcomeSide: os, bookSide: bs };
  if (bs === 'bid' || bs === 'ask') return { outcomeSide: bs === 'bid' ? 'yes' : 'no', bookSide: bs };
  const action = b.action;
  const side = b.side;
  if ((action === 'buy' || action === 'sell') && (side === 'yes' || side === 'no')) {
    const bookSide = (action === 'buy') === (side === 'yes') ? 'bid' : 'ask';
    return { outcomeSide: bookSide === 'bid' ? 'yes' : 'no', bookSide };
  }
  if (typeof b.is_yes === 'boolean') return { outcomeSide: b.is_yes ? 'yes' : 'no', bookSide: b.is_yes ? 'bid' : 'ask' };
  return undefined;
}

function fillOf(b: Record<string, unknown>): FillMsg | string {
  const ticker = b.market_ticker;
  const price = parsePrice(b.yes_price_dollars);
  const count = parseCount(b.count_fp);
  const fee = b.fee_cost === undefined ? 0 : parsePrice(b.fee_cost);
  const dir = direction(b);
  if (typeof b.trade_id !== 'string' || typeof b.order_id !== 'string' || typeof ticker !== 'string') return 'fill without trade_id/order_id/market_ticker';
  if (price === null || count === null || count <= 0) return `fill ${b.trade_id}: yes_price_dollars/count_fp unreadable`;
  if (!inside(price)) return `fill ${b.trade_id}: yes_price_dollars ${String(b.yes_price_dollars)} not strictly between 0 and 1`;
  if (fee === null) return `fill ${b.trade_id}: fee_cost unreadable`;
  if (typeof b.is_taker !== 'boolean') return `fill ${b.trade_id}: is_taker not a boolean`;
  if (!dir) return `fill ${b.trade_id}: no outcome_side/book_side (nor action/side)`;
  const pos = b.post_position_fp === undefined ? undefined : parseCount(b.post_position_fp, true);
  if (pos === null) return `fill ${b.trade_id}: post_position_fp unreadable`;
  return {
    tradeId: b.trade_id,
    orderId: b.order_id,
    clientOrderId: typeof b.client_order_id === 'string' ? b.client_order_id : undefined,
    ticker,
    price,
    count,
    fee,
    isTaker: b.is_taker,
    ...dir,
    postPosition: pos,
    tsMs: intOrUndef(b.ts_ms),
  };
}

function userOrderOf(b: Record<string, unknown>): UserOrderMsg | string {
  const status = b.status;
  const price = parsePrice(b.yes_price_dollars);
  const fill = parseCount(b.fill_count_fp);
  const rem = parseCount(b.remaining_count_fp);
  const init = parseCount(b.initial_count_fp);
  const dir = direction(b);
  if (typeof b.order_id !== 'string' || typeof b.ticker !== 'string') return 'user_order without order_id/ticker';
  if (status !== 'resting' && status !== 'canceled' && status !== 'executed') return `user_order ${b.order_id}: status ${JSON.stringify(status)}`;
  if (price === null || fill === null || rem === null || init === null) return `user_order ${b.order_id}: price or counts unreadable`;
  if (!inside(price)) return `user_order ${b.order_id}: yes_price_dollars ${String(b.yes_price_dollars)} not strictly between 0 and 1`;
  if (!dir) return `user_order ${b.order_id}: no outcome_side/book_side`;
  return {
    orderId: b.order_id,
    clientOrderId: typeof b.client_order_id === 'string' ? b.client_order_id : undefined,
    ticker: b.ticker,
    status,
    ...dir,
    price,
    fillCount: fill,
    remainingCount: rem,
    initialCount: init,
    tsMs: intOrUndef(b.last_updated_ts_ms),
  };
}

function intOrUndef(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

function bad(env: Envelope | undefined, reason: BadReason, detail: string, ticker: string | undefined): Decoded {
  return { ok: false, env, reason, detail, ticker };
}

/** Error codes after which a subscription is dead (reference §1.2). */
export const TERMINAL_ERRORS: ReadonlySet<number> = new Set([10, 17, 25]);

export const WS_ERROR_TEXT: Readonly<Record<number, string>> = {
  1: 'Unable to process message',
  2: 'Params required',
  3: 'Channels required',
  4: 'Subscription IDs required',
  5: 'Unknown command',
  6: 'Already subscribed',
  7: 'Unknown subscription ID',
  8: 'Unknown channel name',
  9: 'Authentication required',
  10: 'Channel error',
  11: 'Invalid parameter',
  12: 'Exactly one subscription ID is required',
  13: 'Unsupported action',
  14: 'Market Ticker required',
  15: 'Action required',
  16: 'Market not found',
  17: 'Internal error',
  18: 'Command timeout',
  25: 'Subscription buffer overflow',
  26: 'Subscription market limit exceeded',
  27: 'Too many requests',
};

/** A contract price a trade, fill or order can have: strictly between $0 and $1. */
function inside(units: number): boolean {
  return units > 0 && units < PRICE_ONE;
}
