// The vocabulary the quote manager and its venues (shadow now, live next) share.
//
// Units: prices are integers in PRICE_ONE units (1/10,000 of a dollar, YES terms);
// counts are integers in COUNT_ONE units (1/100 of a contract); money is integer
// PRICE_ONE units too (price units x contracts). Records carry dollars and contracts;
// conversion happens only at the record boundary (src/cli), so no float ever decides
// an order.
//
// Sides are in YES terms: a `bid` buys YES at `price`; an `ask` sells YES at `price`,
// which Kalshi books as a NO bid at PRICE_ONE - price.
import { COUNT_ONE, PRICE_ONE } from './kalshi-fixed.js';
import type { FeeType } from './fees.js';

export type BookSide = 'bid' | 'ask';
export type Tif = 'gtc' | 'ioc';
export type Liquidity = 'maker' | 'taker';
export type QueueModelName = 'risk-averse' | 'prob';
export const QUEUE_MODELS: readonly QueueModelName[] = ['risk-averse', 'prob'];

/** One order as we send it. */
export interface OrderSpec {
  clientOrderId: string;
  ticker: string;
  side: BookSide;
  /** Limit price, PRICE_ONE units, YES terms. */
  price: number;
  /** Contracts, COUNT_ONE units, > 0. */
  count: number;
  tif: Tif;
  /** A resting (gtc) quote never takes: the venue rejects it if it would cross. */
  postOnly: boolean;
}

/**
 * What the manager asks a venue to do.
 *
 * `amend` replaces a resting order in place (Kalshi V2 `POST .../orders/{id}/amend`): its
 * price and its size change, the order keeps its exchange order id, and at no moment is
 * there no quote or two quotes. `count` is the new TOTAL of the order, COUNT_ONE units:
 * what already filled (across every earlier version of the order) plus the desired
 * remaining, as Kalshi defines it. Queue priority is kept only when the amend reduces the
 * size at the same price; a price change or a size increase goes to the back of the queue.
 *
 * Client ids: every amend gives the order a new client order id (`newClientOrderId`,
 * Kalshi's `updated_client_order_id`). One client id is one quote version, one decision:
 * its price and size never change, so every `order` record of that id states the same
 * price and count (foldOrderRecords rebuilds it from its first record), and every fill is
 * attributed to the decision (fair, edge, oracle time) that made the version it hit. The
 * versions of one exchange order share its `order_id`. Fills the exchange made before the
 * amend took effect carry the old id; fills after it, the new one.
 */
export type VenueRequest =
  | { kind: 'place'; order: OrderSpec }
  | { kind: 'cancel'; clientOrderId: string; ticker: string }
  | { kind: 'amend'; clientOrderId: string; ticker: string; price: number; count: number; newClientOrderId: string };

/**
 * Why a venue refused an order. Live only: `rate-limited` (429s outlasted the retries),
 * `venue-error` (the exchange failed, or a create whose outcome was unknown never landed),
 * `venue-halted` (our order group was triggered: nothing is placed until it is reset).
 */
export type RejectReason =
  | 'post-only-cross'
  | 'market-closed'
  | 'market-unknown'
  | 'off-grid'
  | 'duplicate-client-order-id'
  | 'invalid'
  | 'rate-limited'
  | 'venue-error'
  | 'venue-halted';
/** Why a venue refused a cancel. */
export type CancelRejectReason = 'unknown-order' | 'already-filled' | 'already-canceled';
/**
 * Why a venue refused an amend, and what became of the order:
 * - `unknown-order`: the venue has no such order: it is not working (taken as canceled).
 * - `already-filled`: the order filled in full first; the fills are on their way.
 * - `already-canceled`: the order was canceled first (by us, the market, an IOC remainder).
 * - `post-only-cross`: the amended price would take liquidity, so the post-only order was
 *   CANCELED (Kalshi cancels a post-only order that would cross, PostOnlyCrossCancel,
 *   reference section 3): nothing of it rests any more; its earlier fills stand.
 * - `invalid`: the amend was refused before it touched the order (off-grid price, bad
 *   count, duplicate new client id, ...): the order rests unchanged, at its old price,
 *   under its old client id. A live adapter that cannot tell whether the order survived
 *   must not answer `post-only-cross` or `invalid` before the order's state is known.
 */
export type AmendRejectReason = 'unknown-order' | 'already-filled' | 'already-canceled' | 'post-only-cross' | 'invalid';
/**
 * Why an order ended without filling in full. Live only, from Kalshi's last_update_reason:
 * `expired`, `group-triggered` (the order group's contracts limit), `self-trade`, `paused`
 * (cancel_order_on_pause), `exchange` (any other reason the exchange gave), and `lost`
 * (the exchange no longer knows an order we thought working: see the reconcile record).
 */
export type CancelCause = 'requested' | 'ioc-remainder' | 'market-closed' | 'expired' | 'group-triggered' | 'self-trade' | 'paused' | 'exchange' | 'lost';

/**
 * What a venue tells the manager, each stamped with the time it reaches us (`ts`).
 * `remaining` is what is still working after the event (COUNT_ONE units).
 */
export type VenueReply =
  | { kind: 'accepted'; ts: number; clientOrderId: string; orderId: string; ticker: string; remaining: number }
  | { kind: 'rejected'; ts: number; clientOrderId: string; ticker: string; reason: RejectReason; detail?: string }
  | {
      kind: 'fill';
      ts: number;
      clientOrderId: string;
      orderId: string;
      ticker: string;
      tradeId: string;
      side: BookSide;
      price: number;
      count: number;
      remaining: number;
      liquidity: Liquidity;
      /** Fee of this fill, PRICE_ONE units (integer, rounded as the exchange does). */
      fee: number;
      /** Shadow fills name the queue model that produced them. */
      queueModel?: QueueModelName;
    }
  | { kind: 'canceled'; ts: number; clientOrderId: string; orderId: string; ticker: string; remaining: number; cause: CancelCause }
  | { kind: 'cancel-rejected'; ts: number; clientOrderId: string; ticker: string; reason: CancelRejectReason }
  /**
   * The amend took effect: the order now has `newClientOrderId`, `price` and the total
   * `count`; `remaining` is what rests right after the amend (fills the exchange made
   * before it already taken off: the new total minus everything filled). `remaining` 0:
   * the fills made while the amend was on its way reached the new total, so nothing of the
   * order rests any more (the venue ended it; it is not resting at the old price either).
   */
  | {
      kind: 'amended';
      ts: number;
      clientOrderId: string;
      newClientOrderId: string;
      orderId: string;
      ticker: string;
      price: number;
      count: number;
      remaining: number;
    }
  | { kind: 'amend-rejected'; ts: number; clientOrderId: string; ticker: string; reason: AmendRejectReason; detail?: string };

/** A venue behind the one small interface the quote loop drives (pure: time comes in as `now`). */
export interface Venue {
  /** Send a request at `now`. */
  submit(req: VenueRequest, now: number): void;
  /** Replies that have reached us by `now`, in order. */
  replies(now: number): VenueReply[];
  /** When the next reply or internal event is due, if any. */
  next(): number | undefined;
}

/** What the venue needs to know about a market (from kalshi.market). */
export interface MarketInfo {
  ticker: string;
  /** Kalshi's market status: `active`, `inactive` (paused), `closed`, `settled`, ... */
  status: string;
  feeType: FeeType;
  /** Allowed prices: from price_ranges. */
  grid: import('./kalshi-fixed.js').PriceGrid;
}

/** A displayed book in YES terms and integer units: bids best (highest) first, asks best (lowest) first. */
export interface BookView {
  ticker: string;
  bids: ReadonlyArray<readonly [price: number, count: number]>;
  asks: ReadonlyArray<readonly [price: number, count: number]>;
}

/** A public trade in YES terms: `takerSide` yes = the taker bought YES (lifted asks). */
export interface TradeView {
  ticker: string;
  tradeId: string;
  price: number;
  count: number;
  takerSide: 'yes' | 'no';
}

/** Money of `count` at `price`, in PRICE_ONE units (an integer for whole contracts). */
export function notional(price: number, count: number): number {
  return (price * count) / COUNT_ONE;
}

/** The other side's price of the same contract pair: a YES ask at p is a NO bid at 1 - p. */
export function complement(price: number): number {
  return PRICE_ONE - price;
}
