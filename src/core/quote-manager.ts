// The quote manager: a fold (state, event, now) -> (state', requests + records).
//
// Events are records (oracle, market, book, status, result), venue replies and timer
// deadlines; outputs go to a sink the caller turns into venue requests and records.
// Quoting is a diff of desired quotes against the orders we believe live, gated by the
// order state table: on a ticker side, nothing new while a place, cancel or amend is in
// flight. A reprice either amends the resting quote in place (repriceBy 'amend': one
// request, the order is never absent nor doubled) or cancels it and places the
// replacement only after the cancel is acknowledged ('cancel-replace', hummingbot's rule
// against orders piling up). Every decision is event-driven; deadlines (max order age,
// min rest, pregame cutoff, cancel retry, kill-switch resume) come back as tick().
import type { KalshiStatus, OracleProb, OracleStatus } from '../schema/records.js';
import { Deadlines } from './deadlines.js';
import { easternDate, isoUtc } from './eventtime.js';
import { COUNT_ONE, PRICE_ONE, gridStep, type PriceGrid } from './kalshi-fixed.js';
import { FINAL, IN_FLIGHT, apply, newOrder, remaining, type OrderEvent, type OrderState } from './order-state.js';
import { EDGE_EPS, edgeAt, makerQuote, meetsEdge, takerOrder, type FeeModel } from './quote-pricing.js';
import type { BookSide, BookView, Liquidity, QueueModelName, VenueReply, VenueRequest } from './trading.js';
import type { FeeSchedule, FeeType } from './fees.js';

// ---------------------------------------------------------------- what the manager is given

export interface KillScope {
  condition: string;
  scope: 'global' | 'sport' | 'game' | 'ticker';
  key: string;
}
export interface KillTransition extends KillScope {
  state: 'tripped' | 'cleared';
  detail?: string;
}
/** The kill-switch policy (src/core/killswitch.ts), seen through what the manager uses. */
export interface KillPolicy {
  onOracleStatus(rec: OracleStatus, now: number): KillTransition[];
  onOracleProb(event: string, sport: string, now: number): KillTransition[];
  onKalshiStatus(rec: KalshiStatus, now: number): KillTransition[];
  /** Live venues only: the venue's health by cause (private channels, order group). */
  onVenue?(cause: string, up: boolean, detail: string, now: number): KillTransition[];
  onBook(ticker: string, now: number): KillTransition[];
  onLink(ticker: string, event: string, sport: string, now: number): KillTransition[];
  onCommence(event: string, commenceTs: number | undefined, now: number): KillTransition[];
  tick(now: number): KillTransition[];
  next(): number | undefined;
  blocked(ticker: string, event: string, sport: string): KillScope | undefined;
  /** A settled market and a finished game are dropped (memory stays flat over weeks). */
  forgetTicker(ticker: string, now: number): KillTransition[];
  forgetGame(event: string, now: number): KillTransition[];
}

/** Conditions that mean "a feed is stale": their pulls say `stale-feed`, the others `kill-switch`. */
const STALE_CONDITIONS = new Set(['oracle-stale', 'kalshi-feed-down', 'ticker-stale']);

export interface LimitCheck {
  ok: boolean;
  reason?: string;
  detail?: string;
}
/** Positions and limits (src/core/positions.ts, risk-limits.ts), seen through what the manager uses. */
export interface Exposure {
  /** Record a fill; returns the ticker's position after it. */
  onFill(f: { ticker: string; side: BookSide; price: number; count: number; fee: number }, now: number): PositionView;
  settle(ticker: string, result: 'yes' | 'no', now: number): PositionView | undefined;
  /** Limits before an order; `working` holds every order that may still fill (the candidate excluded). */
  check(
    candidate: Candidate,
    working: ReadonlyArray<{ ticker: string; side: BookSide; price: number; count: number }>,
    gameTickers: readonly string[],
    now: number,
  ): LimitCheck;
  /** An order was placed (daily notional: a replacement counts only what it adds to the one it replaces). */
  placed(o: Candidate, now: number): void;
  forget(ticker: string): void;
}
/** An order about to be placed; `replaces` is the quote a reprice cancelled for it (same day, same side). */
export interface Candidate {
  ticker: string;
  event: string;
  side: BookSide;
  price: number;
  count: number;
  replaces?: { side: BookSide; price: number; remaining: number; placedTs: number };
}

export interface PositionView {
  ticker: string;
  /** Net YES contracts, COUNT_ONE units (negative: short YES = long NO). */
  position: number;
  /** PRICE_ONE units. */
  cost: number;
  fees: number;
  realized: number;
  settled: boolean;
  result?: 'yes' | 'no';
  /** Set when the fill could not be booked (malformed, or after settlement): nothing changed. */
  refused?: string;
}

export type Sizer = (q: {
  ticker: string;
  event: string;
  side: BookSide;
  fair: number;
  price: number;
  liquidity: Liquidity;
  feeType: FeeType;
}) => { ok: true; count: number } | { ok: false; reason: string; detail: string };

export interface ManagerOptions {
  mode: 'shadow' | 'live';
  source: string;
  method: string;
  /** Minimum maker edge after fees (probability). */
  edge: number;
  /** Taker orders only when set. */
  takerEdge: number | undefined;
  improveTicks: number;
  refreshToleranceTicks: number;
  minRestMs: number;
  maxOrderAgeMs: number;
  pullBeforeStartMs: number;
  inPlay: boolean;
  /** A cancel not answered within this is sent again (and the repeats in between suppressed). */
  cancelRetryMs: number;
  cancelRetryMax: number;
  /** How long finished orders are kept so late fills still map. */
  keepFinishedMs: number;
  /**
   * Live books: how long a level we just left may still show our size (the echo of a
   * cancel or an amend away from it, until the feed's delta arrives). Only that long is it
   * taken out of the book; a longer window eats the others' size at levels we keep joining.
   */
  echoWindowMs: number;
  /** How long a settled market's state is kept. */
  forgetAfterMs: number;
  /** Live books show our own orders: prices are judged against the others' orders only. */
  bookIncludesOwn: boolean;
  fees: FeeSchedule;
  queueModel: QueueModelName | undefined;
  /** Client order ids are this, the time of this process's first order (base 36), '-', a sequence number. */
  clientOrderIdPrefix: string;
  /**
   * How a resting quote moves to a new price: `amend` it in place (Kalshi V2 amend: one
   * round trip, never a moment with no quote or two), or `cancel-replace` (cancel, wait for
   * the acknowledgement, place the new quote). An amend is used only for a resting maker
   * quote moving on its own ticker side; an amend the venue refuses as invalid falls back
   * to cancel-replace for that order, and one refused as post-only-cross leaves the side
   * empty until the next book (as a refused place does). Absent: `cancel-replace`, the
   * manager's behaviour before amends existed (the quote command always sets it, from
   * config quote.reprice).
   */
  repriceBy?: 'amend' | 'cancel-replace';
}

// ---------------------------------------------------------------- what it says

export interface ManagerSink {
  request(req: VenueRequest, now: number): void;
  order(o: OrderState, reason: string, now: number, ctx: OrderContext): void;
  fill(f: Extract<VenueReply, { kind: 'fill' }>, o: OrderState, ctx: OrderContext, fairNow: number | undefined, now: number): void;
  skip(s: { ticker?: string; event?: string; reason: string; detail: string }, now: number): void;
  latency(
    kind: 'quote-to-action' | 'oracle-to-order' | 'oracle-to-cancel' | 'cancel' | 'reprice',
    ms: number,
    ticker: string,
    clientOrderId: string,
    now: number,
  ): void;
  killswitch(t: KillTransition, now: number): void;
  position(p: PositionView, event: string | undefined, now: number): void;
  count(metric: string, labels?: Record<string, string>): void;
  /** An impossible transition or an answer we cannot place: logged and counted, never thrown. */
  anomaly(what: string, detail: Record<string, unknown>, now: number): void;
}

/** Why an order was made, carried to its records. */
export interface OrderContext {
  event: string;
  fair: number;
  edge: number;
  /** When the oracle price behind it was stamped. */
  oracleTs: number;
  reason: string;
  liquidity: Liquidity;
}

// ---------------------------------------------------------------- state

type Slot = 'bid' | 'ask' | 'take-bid' | 'take-ask';
const MAKER_SLOTS: readonly ('bid' | 'ask')[] = ['bid', 'ask'];

interface Link {
  event: string;
  sport: string;
  side: 'home' | 'away';
}
interface Market {
  status: string;
  feeType: FeeType;
  grid: PriceGrid;
}
interface Fair {
  pHome: number;
  pAway: number;
  ts: number;
  commenceTs: number;
  sport: string;
}
interface Working {
  o: OrderState;
  slot: Slot;
  ctx: OrderContext;
  /** Reason a cancel is wanted while the place is still in flight. */
  cancelWanted?: string;
  cancelReason?: string;
  cancelRetries: number;
  /** A reprice: when the decision to move was taken (for the reprice latency). */
  repriceFrom?: number;
  /**
   * An amend on its way: the next version of the order (a new client id, not live until
   * the venue says so), why it was made, and when the reprice was decided.
   */
  amend?: { next: OrderState; ctx: OrderContext; repriceFrom: number };
  /** Earlier versions of this exchange order (superseded by amends), until late fills can no longer come. */
  prior?: Map<string, { o: OrderState; ctx: OrderContext }>;
  /** What earlier versions filled: with o.filled, the exchange order's fills (an amend's total counts them). */
  priorFilled?: number;
  /** The venue refused an amend of this order as invalid: it is repriced by cancel from now on (no refusal loop). */
  noAmend?: boolean;
}
interface TickerState {
  link?: Link;
  market?: Market;
  book?: BookView;
  slots: Partial<Record<Slot, string>>;
  lastSkip?: string;
  /** A reprice decided at `at` waits for the old quote's cancel ack; `replaced` is what that quote still had. */
  repriceAt: Partial<Record<BookSide, { at: number; replaced?: NonNullable<Candidate['replaces']> }>>;
  /** Slots whose last order the venue refused: no new one until the next book (no reject loop). */
  held: Set<Slot>;
  /** The last limit refusal per slot: the same order is not checked again until something the limits see changes. */
  refusedAt: Partial<Record<Slot, { key: string; version: number; reason: string; detail: string }>>;
  /** The size of the last new quote per side (the first guess of the next one's price). */
  lastSize: Partial<Record<BookSide, number>>;
  /** The market's result, once known; the position settles when no order of it is working. */
  result?: 'yes' | 'no';
  settled: boolean;
}

const ACTIVE = 'active';
/** How long the price of a game no market.link names is kept after its last update. */
const UNLINKED_KEEP_MS = 24 * 3_600_000;

export class QuoteManager {
  private readonly tickers = new Map<string, TickerState>();
  private readonly gameTickers = new Map<string, Set<string>>();
  private readonly fairs = new Map<string, Fair>();
  private readonly orders = new Map<string, Working>();
  private readonly deadlines = new Deadlines<string>();
  private seq = 0;
  /** Bumped whenever what the limits see changes (an order placed or finished, a fill, a settlement). */
  private exposureVersion = 0;
  /** Client order ids: the prefix, the time of the first order, a sequence number. */
  private idBase: string | undefined;
  /** After pullAll: no new orders, only the answers to the last cancels. */
  private closed = false;
  /** Recently canceled own orders still possibly shown by a live book (echo race). */
  private readonly ghosts = new Map<string, Array<{ side: BookSide; price: number; count: number; until: number }>>();

  constructor(
    private readonly opt: ManagerOptions,
    private readonly kill: KillPolicy,
    private readonly exposure: Exposure,
    private readonly sizer: Sizer,
    private readonly out: ManagerSink,
  ) {}

  // ---------------------------------------------------------------- inputs

  onLink(r: { ticker: string; event: string; sport: string; side: 'home' | 'away' }, now: number): void {
    const t = this.ticker(r.ticker);
    if (t.link && t.link.event !== r.event) this.gameTickers.get(t.link.event)?.delete(r.ticker);
    t.link = { event: r.event, sport: r.sport, side: r.side };
    let g = this.gameTickers.get(r.event);
    if (!g) this.gameTickers.set(r.event, (g = new Set()));
    g.add(r.ticker);
    this.deadlines.clear(`unlinked:${r.event}`);
    this.kills(this.kill.onLink(r.ticker, r.event, r.sport, now), now);
    const f = this.fairs.get(r.event);
    if (!f) this.kills(this.kill.onCommence(r.event, undefined, now), now);
    this.evaluate(r.ticker, now);
  }

  onMarket(r: { ticker: string; status: string; feeType: FeeType; grid: PriceGrid }, now: number): void {
    const t = this.ticker(r.ticker);
    t.market = { status: r.status, feeType: r.feeType, grid: r.grid };
    this.evaluate(r.ticker, now);
  }

  onOracleProb(r: OracleProb, now: number): void {
    if (r.source !== this.opt.source || r.method !== this.opt.method) return;
    const prev = this.fairs.get(r.event);
    this.fairs.set(r.event, { pHome: r.p_home, pAway: r.p_away, ts: r.ts, commenceTs: r.commence_ts, sport: r.sport });
    this.kills(this.kill.onOracleProb(r.event, r.sport, now), now);
    if (!prev || prev.commenceTs !== r.commence_ts) {
      this.kills(this.kill.onCommence(r.event, r.commence_ts, now), now);
      if (!this.opt.inPlay) this.deadlines.set(`pregame:${r.event}`, r.commence_ts - this.opt.pullBeforeStartMs);
    }
    const linked = this.gameTickers.get(r.event);
    // A game no market.link names (the oracle prices more games than we trade) is kept a
    // day after its last price, in case its link comes, then forgotten.
    if (!linked || linked.size === 0) this.deadlines.set(`unlinked:${r.event}`, now + UNLINKED_KEEP_MS);
    for (const tk of linked ?? []) this.evaluate(tk, now);
  }

  onOracleStatus(r: OracleStatus, now: number): void {
    this.kills(this.kill.onOracleStatus(r, now), now);
  }

  onKalshiStatus(r: KalshiStatus, now: number): void {
    this.kills(this.kill.onKalshiStatus(r, now), now);
  }

  /** Live: the venue up or down for one cause (its private channels, its order group): venue-down. */
  onVenueStatus(cause: string, up: boolean, detail: string, now: number): void {
    if (this.kill.onVenue) this.kills(this.kill.onVenue(cause, up, detail, now), now);
  }

  onBook(b: BookView, now: number): void {
    const t = this.ticker(b.ticker);
    const prev = t.book;
    t.book = b;
    const wasHeld = t.held.size > 0;
    t.held.clear();
    this.kills(this.kill.onBook(b.ticker, now), now);
    // A maker quote depends on the book through its best prices only: a book whose top is
    // unchanged changes no decision (unless we take depth, or the book shows our own orders).
    const sameTop =
      prev !== undefined &&
      !wasHeld &&
      this.opt.takerEdge === undefined &&
      !this.opt.bookIncludesOwn &&
      prev.bids[0]?.[0] === b.bids[0]?.[0] &&
      prev.asks[0]?.[0] === b.asks[0]?.[0];
    if (!sameTop) this.evaluate(b.ticker, now);
  }

  /**
   * The market's result. Its quotes are pulled, and the position is settled once every
   * order of the ticker is final: a fill the venue made before the result but reports
   * after it (it is on its way, latency_ms) is booked first, never lost or left open.
   */
  onResult(r: { ticker: string; result: 'yes' | 'no' }, now: number): void {
    const t = this.ticker(r.ticker);
    if (t.settled || t.result !== undefined) return;
    t.result = r.result;
    for (const s of Object.keys(t.slots) as Slot[]) this.pull(r.ticker, s, 'market-closed', now);
    this.settleIfDone(r.ticker, t, now);
  }

  private settleIfDone(ticker: string, t: TickerState, now: number): void {
    if (t.settled || t.result === undefined || Object.keys(t.slots).length > 0) return;
    t.settled = true;
    this.exposureVersion++;
    const p = this.exposure.settle(ticker, t.result, now);
    if (p) this.out.position(p, t.link?.event, now);
    this.deadlines.set(`forget:${ticker}`, now + this.opt.forgetAfterMs);
  }

  onReply(rep: VenueReply, now: number): void {
    const w = this.orders.get(rep.clientOrderId);
    if (!w) {
      this.out.anomaly('reply for an unknown order', { kind: rep.kind, client_order_id: rep.clientOrderId, ticker: rep.ticker }, now);
      this.out.count('order_anomalies_total', { kind: 'unknown-order' });
      return;
    }
    if (rep.clientOrderId !== w.o.clientOrderId) {
      // Another version of the order: the next one of an amend on its way, or an earlier one.
      const am = w.amend;
      if (am && rep.clientOrderId === am.next.clientOrderId && w.o.status === 'pending-amend') {
        // The new version speaks before the amend's own answer (live: the fill channel is
        // faster than the REST reply): the amend took effect. A fill says what rested then.
        this.promote(w, rep.kind === 'fill' ? rep.remaining + rep.count : am.next.count, 'orderId' in rep ? rep.orderId : w.o.orderId, now);
      } else {
        this.priorReply(w, rep, now);
        this.evaluate(w.o.ticker, now);
        return;
      }
    }
    const o = w.o;
    switch (rep.kind) {
      case 'accepted': {
        if (!this.step(w, { kind: 'accept', orderId: rep.orderId }, now)) return;
        if (o.status === 'resting') {
          this.out.order(o, w.ctx.reason, now, w.ctx);
          this.out.latency('quote-to-action', now - o.createdTs, o.ticker, o.clientOrderId, now);
          if (w.repriceFrom !== undefined) this.out.latency('reprice', now - w.repriceFrom, o.ticker, o.clientOrderId, now);
          if (this.opt.maxOrderAgeMs > 0) this.deadlines.set(`age:${o.clientOrderId}`, now + this.opt.maxOrderAgeMs);
        }
        if (w.cancelWanted !== undefined && !FINAL.has(o.status)) {
          const why = w.cancelWanted;
          w.cancelWanted = undefined;
          this.cancel(w, why, now);
          return;
        }
        break;
      }
      case 'rejected': {
        if (!this.step(w, { kind: 'reject' }, now)) return;
        this.out.order(o, `rejected:${rep.reason}`, now, w.ctx);
        this.tickers.get(o.ticker)?.held.add(w.slot);
        this.out.count('order_rejects_total', { reason: rep.reason });
        break;
      }
      case 'fill': {
        const before = o.status;
        const applied = this.applyFill(o, rep, now);
        if (applied === 'impossible') {
          // The order's state cannot take it, yet the exchange filled it: booked once all the same.
          this.bookStray(rep, o, w.ctx, now);
          this.evaluate(o.ticker, now);
          return;
        }
        if (applied === 'duplicate') return;
        if (before === 'submitted' && this.opt.maxOrderAgeMs > 0 && o.tif === 'gtc') this.deadlines.set(`age:${o.clientOrderId}`, now + this.opt.maxOrderAgeMs);
        const t = this.tickers.get(o.ticker);
        const fair = t?.link ? this.fairOf(t.link) : undefined;
        this.out.fill(rep, o, w.ctx, fair, now);
        if (o.status !== before) this.out.order(o, 'fill', now, w.ctx);
        this.exposureVersion++;
        const p = this.exposure.onFill({ ticker: o.ticker, side: o.side, price: rep.price, count: rep.count, fee: rep.fee }, now);
        if (p.refused !== undefined) {
          this.out.anomaly('fill not booked in the position', { client_order_id: o.clientOrderId, trade_id: rep.tradeId, detail: p.refused }, now);
          this.out.count('order_anomalies_total', { kind: 'fill-not-booked' });
        } else this.out.position(p, w.ctx.event, now);
        break;
      }
      case 'canceled': {
        const sentAt = o.cancelSentTs;
        if (!this.step(w, { kind: 'cancel-ack' }, now)) return;
        if (sentAt !== undefined && rep.cause === 'requested') this.out.latency('cancel', now - sentAt, o.ticker, o.clientOrderId, now);
        this.out.order(o, rep.cause === 'requested' ? (w.cancelReason ?? 'canceled') : rep.cause, now, w.ctx);
        break;
      }
      case 'cancel-rejected': {
        if (rep.reason === 'unknown-order') {
          // The venue has no such order working: it is not resting, whatever we thought.
          this.out.anomaly('cancel refused: the venue does not know the order; taken as canceled', { client_order_id: o.clientOrderId, status: o.status }, now);
          this.out.count('order_anomalies_total', { kind: 'cancel-unknown-order' });
          if (!FINAL.has(o.status)) {
            if (!this.step(w, { kind: 'cancel-ack' }, now)) return;
            this.out.order(o, 'unknown-to-venue', now, w.ctx);
          }
          break;
        }
        if (rep.reason === 'already-canceled') {
          // Canceled already (by the venue: IOC remainder, market closed): that is our answer.
          this.out.count('cancel_rejects_total', { reason: rep.reason });
          if (!FINAL.has(o.status)) {
            if (!this.step(w, { kind: 'cancel-ack' }, now)) return;
            this.out.order(o, 'already-canceled', now, w.ctx);
          }
          break;
        }
        const already = rep.reason === 'already-filled';
        if (!this.step(w, { kind: 'cancel-reject', alreadyFilled: already }, now)) return;
        this.out.count('cancel_rejects_total', { reason: rep.reason });
        if (o.status !== 'pending-cancel' && !FINAL.has(o.status)) this.out.order(o, `cancel-rejected:${rep.reason}`, now, w.ctx);
        break;
      }
      case 'amended': {
        const am = w.amend;
        if (!am || am.next.clientOrderId !== rep.newClientOrderId) {
          this.out.anomaly('amend answer with no such amend on its way', { client_order_id: o.clientOrderId, new_client_order_id: rep.newClientOrderId }, now);
          this.out.count('order_anomalies_total', { kind: 'amend-unexpected' });
          return;
        }
        if (o.status !== 'pending-amend') {
          // We took the order as finished (filled, or canceled by the venue) before the venue
          // said the amend took effect. Whatever rests now is not ours to keep: cancel it.
          this.dropAmend(w);
          if (rep.remaining > 0) this.orphan(w, am, rep, now);
          this.evaluate(o.ticker, now);
          return;
        }
        if (rep.remaining <= 0) {
          // The fills made while the amend was on its way reached its new total: nothing rests.
          this.dropAmend(w);
          if (!this.step(w, { kind: 'cancel-ack' }, now)) return;
          this.out.order(o, 'amend-nothing-left', now, w.ctx);
          break;
        }
        this.promote(w, rep.remaining, rep.orderId, now, rep.price);
        this.cancelIfWanted(w, now);
        break;
      }
      case 'amend-rejected': {
        if (!w.amend) {
          this.out.anomaly('amend refusal with no amend on its way', { client_order_id: o.clientOrderId, reason: rep.reason }, now);
          this.out.count('order_anomalies_total', { kind: 'amend-unexpected' });
          return;
        }
        this.dropAmend(w);
        const before = o.status;
        if (!this.step(w, { kind: 'amend-reject', reason: rep.reason }, now)) return;
        if (FINAL.has(before)) {
          // Finished first (the fill or the venue's cancel came before this answer): nothing to change.
          this.out.count('order_rejects_total', { reason: rep.reason, request: 'amend' });
          this.evaluate(o.ticker, now);
          return;
        }
        this.out.count('order_rejects_total', { reason: rep.reason, request: 'amend' });
        if (rep.reason === 'unknown-order') {
          this.out.anomaly('amend refused: the venue does not know the order; taken as canceled', { client_order_id: o.clientOrderId, status: before }, now);
          this.out.count('order_anomalies_total', { kind: 'amend-unknown-order' });
        }
        if (rep.reason === 'invalid') w.noAmend = true; // repriced by cancel from now on: no refusal loop
        // A post-only amend that would have crossed: the order is gone; like a refused place,
        // the side waits for the next book (a reprice signal, never a loop).
        if (rep.reason === 'post-only-cross') this.tickers.get(o.ticker)?.held.add(w.slot);
        if (o.status !== before) this.out.order(o, rep.reason === 'unknown-order' ? 'unknown-to-venue' : `amend-rejected:${rep.reason}`, now, w.ctx);
        this.cancelIfWanted(w, now);
        break;
      }
    }
    if (o === w.o && FINAL.has(o.status)) this.finish(w, now);
    this.evaluate(o.ticker, now);
  }

  /**
   * The amend took effect: the old version ends `amended`, the next one rests with what the
   * venue says rested right after the amend (`remainingAtAmend`; fills the exchange made
   * before it belong to the old version, whenever they are reported).
   */
  private promote(w: Working, remainingAtAmend: number, orderId: string | undefined, now: number, price?: number): void {
    const old = w.o;
    const oldCtx = w.ctx;
    const am = w.amend!;
    const next = am.next;
    if (!this.step(w, { kind: 'amend-ack' }, now)) return;
    w.amend = undefined;
    (w.prior ??= new Map()).set(old.clientOrderId, { o: old, ctx: oldCtx });
    w.priorFilled = (w.priorFilled ?? 0) + old.filled;
    next.count = remainingAtAmend;
    if (price !== undefined) next.price = price;
    apply(next, { kind: 'send' }, now);
    apply(next, { kind: 'accept', orderId: orderId ?? old.orderId ?? '' }, now);
    w.o = next;
    w.ctx = am.ctx;
    this.exposureVersion++;
    const t = this.tickers.get(next.ticker);
    if (t && t.slots[w.slot] === old.clientOrderId) t.slots[w.slot] = next.clientOrderId;
    if (t) delete t.repriceAt[next.side];
    this.deadlines.clear(`age:${old.clientOrderId}`);
    this.deadlines.clear(`retry:${old.clientOrderId}`);
    this.deadlines.set(`done:${old.clientOrderId}`, now + this.opt.keepFinishedMs);
    if (this.opt.maxOrderAgeMs > 0) this.deadlines.set(`age:${next.clientOrderId}`, now + this.opt.maxOrderAgeMs);
    // A live book may still show the old level for a while (the echo race, as after a cancel).
    if (this.opt.bookIncludesOwn && remaining(old) > 0 && old.price !== next.price) this.ghost(old, now);
    this.out.order(old, 'amended', now, oldCtx);
    this.out.order(next, am.ctx.reason, now, am.ctx);
    // Latencies name a version that has order records: the amend's oracle-to-order (oracle
    // stamp to amend sent) is written once the version exists, never for an amend that failed.
    this.out.latency('oracle-to-order', Math.max(0, next.createdTs - am.ctx.oracleTs), next.ticker, next.clientOrderId, now);
    this.out.latency('quote-to-action', now - next.createdTs, next.ticker, next.clientOrderId, now);
    this.out.latency('reprice', now - am.repriceFrom, next.ticker, next.clientOrderId, now);
  }

  /** The amend on its way is over without a next version (refused, or nothing left): its id is forgotten. */
  private dropAmend(w: Working): void {
    if (!w.amend) return;
    this.orders.delete(w.amend.next.clientOrderId);
    w.amend = undefined;
  }

  /** An amended version the venue keeps although we took the order as finished: tracked, and canceled. */
  private orphan(w: Working, am: NonNullable<Working['amend']>, rep: Extract<VenueReply, { kind: 'amended' }>, now: number): void {
    const o = am.next;
    o.count = rep.remaining;
    o.price = rep.price;
    apply(o, { kind: 'send' }, now);
    apply(o, { kind: 'accept', orderId: rep.orderId }, now);
    const orphan: Working = { o, slot: w.slot, ctx: am.ctx, cancelRetries: 0 };
    this.orders.set(o.clientOrderId, orphan);
    this.out.anomaly(
      'amend took effect on an order taken as finished: the new version is canceled',
      { client_order_id: o.clientOrderId, was: w.o.clientOrderId },
      now,
    );
    this.out.count('order_anomalies_total', { kind: 'amend-after-final' });
    this.out.order(o, am.ctx.reason, now, am.ctx);
    this.cancel(orphan, 'amend-after-final', now);
  }

  /** A pull decided while the amend was on its way goes out once the order rests again. */
  private cancelIfWanted(w: Working, now: number): void {
    if (w.cancelWanted === undefined || (w.o.status !== 'resting' && w.o.status !== 'partial')) return;
    const why = w.cancelWanted;
    w.cancelWanted = undefined;
    this.cancel(w, why, now);
  }

  /** A reply about an earlier version of an amended order: late fills count; repeats change nothing. */
  private priorReply(w: Working, rep: VenueReply, now: number): void {
    const p = w.prior?.get(rep.clientOrderId);
    if (!p) {
      this.out.anomaly(
        'reply for a version of an order we do not know',
        { kind: rep.kind, client_order_id: rep.clientOrderId, current: w.o.clientOrderId },
        now,
      );
      this.out.count('order_anomalies_total', { kind: 'unknown-order' });
      return;
    }
    const o = p.o;
    if (rep.kind === 'amended') return; // the amend's own answer after its new version already spoke
    if (rep.kind !== 'fill') {
      const e: OrderEvent | undefined =
        rep.kind === 'accepted'
          ? { kind: 'accept', orderId: rep.orderId }
          : rep.kind === 'canceled'
            ? { kind: 'cancel-ack' }
            : rep.kind === 'amend-rejected'
              ? { kind: 'amend-reject', reason: rep.reason }
              : rep.kind === 'cancel-rejected'
                ? { kind: 'cancel-reject', alreadyFilled: rep.reason === 'already-filled' }
                : undefined;
      const tr = e ? apply(o, e, now) : undefined;
      if (!tr?.ok) {
        this.out.anomaly('impossible order transition', { client_order_id: o.clientOrderId, from: o.status, event: rep.kind }, now);
        this.out.count('order_anomalies_total', { kind: 'impossible-transition' });
      }
      return;
    }
    const applied = this.applyFill(o, rep, now);
    if (applied === 'impossible') this.bookStray(rep, o, p.ctx, now);
    if (applied !== 'ok') return;
    // Made before the amend took effect: the old version's fill (the venue's remaining after
    // the amend already left it out, so the current version does not change).
    w.priorFilled = (w.priorFilled ?? 0) + rep.count;
    const t = this.tickers.get(o.ticker);
    this.out.fill(rep, o, p.ctx, t?.link ? this.fairOf(t.link) : undefined, now);
    this.exposureVersion++;
    const pos = this.exposure.onFill({ ticker: o.ticker, side: o.side, price: rep.price, count: rep.count, fee: rep.fee }, now);
    if (pos.refused !== undefined) {
      this.out.anomaly('fill not booked in the position', { client_order_id: o.clientOrderId, trade_id: rep.tradeId, detail: pos.refused }, now);
      this.out.count('order_anomalies_total', { kind: 'fill-not-booked' });
    } else this.out.position(pos, p.ctx.event, now);
  }

  /**
   * A fill the order's state cannot take (the order was taken as rejected, or as filled
   * already, and the exchange filled it anyway): the order's state stays as it is, but the
   * exchange's fill is real, so the position, the limits and the fill record have it (once
   * per trade id; the venue deduplicates too).
   */
  private bookStray(rep: Extract<VenueReply, { kind: 'fill' }>, o: OrderState, ctx: OrderContext, now: number): void {
    if (o.trades.has(rep.tradeId)) return;
    o.trades.add(rep.tradeId);
    const t = this.tickers.get(o.ticker);
    this.out.fill(rep, o, ctx, t?.link ? this.fairOf(t.link) : undefined, now);
    this.exposureVersion++;
    const pos = this.exposure.onFill({ ticker: o.ticker, side: o.side, price: rep.price, count: rep.count, fee: rep.fee }, now);
    if (pos.refused !== undefined) {
      this.out.anomaly('fill not booked in the position', { client_order_id: o.clientOrderId, trade_id: rep.tradeId, detail: pos.refused }, now);
      this.out.count('order_anomalies_total', { kind: 'fill-not-booked' });
    } else this.out.position(pos, ctx.event, now);
  }

  /** Deadlines due at now. */
  tick(now: number): void {
    this.kills(this.kill.tick(now), now);
    for (const key of this.deadlines.popDue(now)) {
      const i = key.indexOf(':');
      const kind = key.slice(0, i);
      const id = key.slice(i + 1);
      if (kind === 'age' || kind === 'retry') {
        const w = this.orders.get(id);
        if (!w) continue;
        if (kind === 'retry') this.retryCancel(w, now);
        else this.evaluate(w.o.ticker, now);
      } else if (kind === 'rest-bid' || kind === 'rest-ask') this.evaluate(id, now);
      else if (kind === 'pregame') for (const tk of this.gameTickers.get(id) ?? []) this.evaluate(tk, now);
      else if (kind === 'done') {
        const w = this.orders.get(id);
        if (w && w.o.clientOrderId !== id) w.prior?.delete(id); // an earlier version of an amended order
        this.orders.delete(id);
      } else if (kind === 'forget') this.forget(id, now);
      else if (kind === 'unlinked' && !this.gameTickers.get(id)?.size) {
        this.fairs.delete(id);
        this.gameTickers.delete(id);
        this.deadlines.clear(`pregame:${id}`);
      }
    }
  }

  /** When tick() must run next. */
  next(): number | undefined {
    const a = this.deadlines.next();
    const b = this.kill.next();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  /**
   * Name this run's client order ids after `now` instead of the first order's time. Live:
   * the session's start (a recorded kalshi.exec time), so a replay of the session names
   * its orders exactly alike.
   */
  startRun(now: number): void {
    this.idBase ??= `${this.opt.clientOrderIdPrefix}${now.toString(36)}-`;
  }

  /** Orders we believe may still fill (for the summary and tests). */
  workingOrders(): OrderState[] {
    // An amended order is known by each of its client ids: listed once, as its current version.
    return [...this.orders].filter(([id, w]) => id === w.o.clientOrderId && !FINAL.has(w.o.status)).map(([, w]) => w.o);
  }

  get counts(): { tickers: number; orders: number; deadlines: number; games: number } {
    return { tickers: this.tickers.size, orders: this.orders.size, deadlines: this.deadlines.size, games: this.fairs.size };
  }

  /** Pull every resting quote (shutdown): cancels sent; the caller waits for the answers. */
  pullAll(reason: string, now: number): void {
    this.closed = true;
    for (const [tk, t] of this.tickers) for (const s of Object.keys(t.slots) as Slot[]) this.pull(tk, s, reason, now);
  }

  // ---------------------------------------------------------------- deciding

  private evaluate(ticker: string, now: number): void {
    const t = this.tickers.get(ticker);
    if (!t || t.settled || t.result !== undefined) return;
    const why = this.closed ? { skip: 'shutdown', pull: 'shutdown', detail: 'quote is stopping' } : this.blockedReason(ticker, t, now);
    if (why) {
      for (const s of Object.keys(t.slots) as Slot[]) this.pull(ticker, s, why.pull, now);
      this.skipOnce(ticker, t, why.skip, why.detail, now);
      return;
    }
    const link = t.link!;
    const market = t.market!;
    const fair = this.fairOf(link)!;
    const f = this.fairs.get(link.event)!;
    const fee: FeeModel = { schedule: this.opt.fees, feeType: market.feeType };
    let skipped: { reason: string; detail: string } | undefined;
    // Protective cancels first, on both sides, before any reprice or placement is decided:
    // a quote the oracle moved through leaves first whichever side it is on.
    for (const side of MAKER_SLOTS) {
      const w = t.slots[side] !== undefined ? this.orders.get(t.slots[side]!) : undefined;
      if (!w || IN_FLIGHT.has(w.o.status) || FINAL.has(w.o.status)) continue;
      const why = this.adverse(w.o, side, fair, fee);
      if (!why) continue;
      this.cancel(w, why, now);
      // The reaction that protects: the oracle price behind the move to the cancel sent.
      if (w.o.status === 'pending-cancel') this.out.latency('oracle-to-cancel', Math.max(0, now - f.ts), ticker, w.o.clientOrderId, now);
    }
    for (const side of MAKER_SLOTS) {
      const r = this.maker(ticker, t, side, fair, f.ts, fee, now);
      if (r) skipped ??= r;
    }
    if (this.opt.takerEdge !== undefined) {
      for (const side of MAKER_SLOTS) {
        const r = this.taker(ticker, t, side, fair, f.ts, fee, now);
        if (r) skipped ??= r;
      }
    }
    if (skipped) this.skipOnce(ticker, t, skipped.reason, skipped.detail, now);
    else t.lastSkip = undefined;
  }

  /** Why this ticker may not quote at all now, with the pull reason for resting quotes. */
  private blockedReason(ticker: string, t: TickerState, now: number): { skip: string; pull: string; detail: string } | undefined {
    if (!t.link) return { skip: 'unmapped', pull: 'unmapped', detail: 'no market.link maps this ticker to a game side' };
    const link = t.link;
    const k = this.kill.blocked(ticker, link.event, link.sport);
    if (k) {
      const pull = STALE_CONDITIONS.has(k.condition) ? 'stale-feed' : 'kill-switch';
      return { skip: 'kill-switch', pull, detail: `${k.condition} (${k.scope} ${k.key})` };
    }
    const f = this.fairs.get(link.event);
    if (!f) return { skip: 'no-oracle', pull: 'stale-feed', detail: `no oracle.prob from ${this.opt.source}/${this.opt.method} for ${link.event}` };
    if (!t.market) return { skip: 'no-market', pull: 'market-closed', detail: 'no kalshi.market for this ticker' };
    if (t.market.status !== ACTIVE)
      return { skip: 'market-closed', pull: t.market.status === 'inactive' ? 'market-paused' : 'market-closed', detail: `market status ${t.market.status}` };
    if (!this.opt.inPlay && now >= f.commenceTs - this.opt.pullBeforeStartMs) {
      return {
        skip: 'pregame-cutoff',
        pull: 'pregame-cutoff',
        detail: `game starts at ${isoUtc(f.commenceTs)}; quotes pulled ${this.opt.pullBeforeStartMs} ms before`,
      };
    }
    if (!t.book) return { skip: 'no-book', pull: 'stale-feed', detail: 'no kalshi.book for this ticker yet' };
    return undefined;
  }

  private maker(
    ticker: string,
    t: TickerState,
    side: 'bid' | 'ask',
    fair: number,
    oracleTs: number,
    fee: FeeModel,
    now: number,
  ): { reason: string; detail: string } | undefined {
    const coid = t.slots[side];
    const w = coid !== undefined ? this.orders.get(coid) : undefined;
    if (!w && t.held.has(side)) return undefined;
    const market = t.market!;
    const [bestSame, bestOther] = this.others(t, side, now);
    const quoteAt = (count: number) =>
      makerQuote({
        fair,
        side,
        grid: market.grid,
        bestSame,
        bestOther,
        edge: this.opt.edge,
        improveTicks: this.opt.improveTicks,
        count,
        fee,
      });
    // A resting quote is judged at what it still has; a new one is priced at the size of the
    // last one on this side (one contract at first), then sized at that price: the sizer
    // (Kelly) is always asked about the order we place.
    let count = w ? remaining(w.o) : (t.lastSize[side] ?? COUNT_ONE);
    let q = quoteAt(count);
    if (!w && q.ok) {
      const sized = this.sizedQuote(ticker, t, side, fair, quoteAt, count, q);
      if (!sized.ok) return { reason: sized.reason, detail: sized.detail };
      ({ q, count } = sized);
      t.lastSize[side] = count;
    }
    if (w) {
      const o = w.o;
      if (IN_FLIGHT.has(o.status)) {
        // Answered first; what to do then is decided then. A pull decided meanwhile is kept.
        if ((o.status === 'submitted' || o.status === 'pending-amend') && !q.ok)
          w.cancelWanted ??= q.reason === 'no-edge' ? 'edge-below-threshold' : 'would-cross';
        return undefined;
      }
      // Resting (or partial): is it still worth its place?
      const why = this.adverse(o, side, fair, fee);
      if (why) return (this.cancel(w, why, now), undefined);
      const rested = now - (o.restingSince ?? o.createdTs);
      if (this.opt.maxOrderAgeMs > 0 && rested >= this.opt.maxOrderAgeMs) return (this.cancel(w, 'max-age', now), undefined);
      if (!q.ok) {
        if (q.reason === 'would-cross') return (this.cancel(w, 'would-cross', now), undefined);
        return undefined;
      }
      if (this.moved(market.grid, o.price, q.price)) {
        if (rested >= this.opt.minRestMs) {
          if (this.opt.repriceBy === 'amend' && !w.noAmend && this.amend(ticker, t, side, w, fair, oracleTs, quoteAt, now)) return undefined;
          w.repriceFrom = now;
          return (this.cancel(w, 'reprice', now), undefined);
        }
        this.deadlines.set(`rest-${side}:${ticker}`, (o.restingSince ?? o.createdTs) + this.opt.minRestMs);
      }
      return undefined;
    }
    if (!q.ok) return { reason: q.reason === 'no-edge' ? 'edge-below-threshold' : q.reason, detail: q.detail };
    const reprice = t.repriceAt[side];
    const r = this.place(
      ticker,
      t,
      side,
      { price: q.price, count, tif: 'gtc', fair, edge: q.edge, oracleTs, reason: reprice ? 'replace' : 'new-quote', liquidity: 'maker' },
      now,
      reprice,
    );
    if (!r) delete t.repriceAt[side];
    return r;
  }

  /**
   * A new quote's size: the sizer is asked at the price found for `count`; when the size
   * it gives moves the price (the fee of the new size), it is asked once more at that price.
   */
  private sizedQuote(
    ticker: string,
    t: TickerState,
    side: 'bid' | 'ask',
    fair: number,
    quoteAt: (count: number) => ReturnType<typeof makerQuote>,
    count: number,
    q: Extract<ReturnType<typeof makerQuote>, { ok: true }>,
  ): { ok: true; q: ReturnType<typeof makerQuote>; count: number } | { ok: false; reason: string; detail: string } {
    let cur = q;
    for (let i = 0; i < 2; i++) {
      const sized = this.size(ticker, t, side, fair, cur.price, t.market!, 'maker');
      if (!sized.ok) return sized;
      if (sized.count === count) break;
      count = sized.count;
      const again = quoteAt(count);
      if (!again.ok || again.price === cur.price) return { ok: true, q: again, count };
      cur = again; // the fee of the new size moved the price a tick: ask once more at it
    }
    return { ok: true, q: cur, count };
  }

  /**
   * Reprice a resting quote by amending it in place: sized as a new quote would be, checked
   * against the limits as the replacement of what it still has. Returns false when it
   * cannot be amended (no quote at the new size, the sizer or the limits refuse): the
   * caller then cancels it, as cancel-replace would, and the new quote is decided after.
   */
  private amend(
    ticker: string,
    t: TickerState,
    side: 'bid' | 'ask',
    w: Working,
    fair: number,
    oracleTs: number,
    quoteAt: (count: number) => ReturnType<typeof makerQuote>,
    now: number,
  ): boolean {
    const o = w.o;
    if (o.tif !== 'gtc' || (o.status !== 'resting' && o.status !== 'partial')) return false;
    const start = t.lastSize[side] ?? COUNT_ONE;
    const q0 = quoteAt(start);
    if (!q0.ok) return false;
    const sized = this.sizedQuote(ticker, t, side, fair, quoteAt, start, q0);
    if (!sized.ok || !sized.q.ok) return false;
    const { q, count } = sized;
    if (q.price === o.price && count === remaining(o)) return true; // already what we want
    const link = t.link!;
    const cand: Candidate = {
      ticker,
      event: link.event,
      side,
      price: q.price,
      count,
      replaces: { side, price: o.price, remaining: remaining(o), placedTs: o.createdTs },
    };
    const game = this.gameTickers.get(link.event) ?? new Set([ticker]);
    if (!this.exposure.check(cand, this.working(game, w), [...game], now).ok) return false;
    if (!this.step(w, { kind: 'amend-request' }, now)) return false;
    t.lastSize[side] = count;
    // Should the old version end before the amend takes effect (filled meanwhile, refused as
    // post-only-cross), the quote placed next on this side is this reprice's replacement.
    t.repriceAt[side] = { at: now };
    this.exposureVersion++;
    const coid = this.nextClientOrderId(now);
    const next = newOrder({ clientOrderId: coid, ticker, side, price: q.price, count, tif: 'gtc', now });
    const ctx: OrderContext = { event: link.event, fair, edge: q.edge, oracleTs, reason: 'amend', liquidity: 'maker' };
    w.amend = { next, ctx, repriceFrom: now };
    this.orders.set(coid, w);
    this.exposure.placed(cand, now);
    this.out.order(o, 'reprice', now, w.ctx);
    // Kalshi's count is the order's new total: everything it filled (every version) plus what should rest.
    const total = (w.priorFilled ?? 0) + o.filled + count;
    this.out.request({ kind: 'amend', clientOrderId: o.clientOrderId, ticker, price: q.price, count: total, newClientOrderId: coid }, now);
    this.out.count('order_reprices_total', { by: 'amend' });
    return true;
  }

  /** The orders of a game that may still fill (an amend on its way counts at both versions), `except` one. */
  private working(game: Iterable<string>, except?: Working): Array<{ ticker: string; side: BookSide; price: number; count: number }> {
    const working: Array<{ ticker: string; side: BookSide; price: number; count: number }> = [];
    for (const tk of game) {
      const slots = this.tickers.get(tk)?.slots;
      if (!slots) continue;
      for (const coid of Object.values(slots)) {
        const w = this.orders.get(coid!);
        if (!w || w === except) continue;
        const o = w.o;
        if (!FINAL.has(o.status)) working.push({ ticker: o.ticker, side: o.side, price: o.price, count: remaining(o) });
        if (w.amend) working.push({ ticker: o.ticker, side: o.side, price: w.amend.next.price, count: w.amend.next.count });
      }
    }
    return working;
  }

  private nextClientOrderId(now: number): string {
    this.idBase ??= `${this.opt.clientOrderIdPrefix}${now.toString(36)}-`;
    return `${this.idBase}${(++this.seq).toString(36)}`;
  }

  private taker(
    ticker: string,
    t: TickerState,
    side: 'bid' | 'ask',
    fair: number,
    oracleTs: number,
    fee: FeeModel,
    now: number,
  ): { reason: string; detail: string } | undefined {
    const slot: Slot = side === 'bid' ? 'take-bid' : 'take-ask';
    if (t.slots[slot] !== undefined || t.held.has(slot)) return undefined; // one IOC at a time per side
    const book = t.book!;
    const other: BookSide = side === 'bid' ? 'ask' : 'bid';
    // Never lift our own resting quote: a live book shows it, and it is not liquidity for us.
    const levels = this.opt.bookIncludesOwn ? this.withoutOwn(t, book, other, now) : other === 'ask' ? book.asks : book.bids;
    if (levels.length === 0) return undefined;
    const sized = this.size(ticker, t, side, fair, levels[0]![0], t.market!, 'taker');
    if (!sized.ok) return undefined; // no taker edge is the normal case: not worth a skip
    const o = takerOrder({ fair, side, levels, takerEdge: this.opt.takerEdge!, maxCount: sized.count, fee });
    if (!o.ok) return undefined;
    return this.place(
      ticker,
      t,
      slot,
      { price: o.price, count: o.count, tif: 'ioc', fair, edge: o.edge, oracleTs, reason: 'take', liquidity: 'taker' },
      now,
      undefined,
    );
  }

  private size(
    ticker: string,
    t: TickerState,
    side: BookSide,
    fair: number,
    price: number | undefined,
    market: Market,
    liquidity: Liquidity,
  ): { ok: true; count: number } | { ok: false; reason: string; detail: string } {
    const p = price ?? Math.round(fair * PRICE_ONE);
    return this.sizer({ ticker, event: t.link!.event, side, fair, price: Math.min(PRICE_ONE - 1, Math.max(1, p)), liquidity, feeType: market.feeType });
  }

  private place(
    ticker: string,
    t: TickerState,
    slot: Slot,
    d: { price: number; count: number; tif: 'gtc' | 'ioc'; fair: number; edge: number; oracleTs: number; reason: string; liquidity: Liquidity },
    now: number,
    reprice: TickerState['repriceAt'][BookSide],
  ): { reason: string; detail: string } | undefined {
    const side: BookSide = slot === 'bid' || slot === 'take-bid' ? 'bid' : 'ask';
    const link = t.link!;
    const repriceFrom = reprice?.at;
    // A refused order asked again with nothing changed is refused again: not re-checked on
    // every book (the day is part of the key: the daily notional starts over at midnight ET).
    const key = `${d.price}:${d.count}:${reprice?.replaced ? 'r' : ''}:${easternDate(now)}`;
    const prev = t.refusedAt[slot];
    if (prev && prev.version === this.exposureVersion && prev.key === key) return { reason: prev.reason, detail: prev.detail };
    // The limits look at this game only: the orders that may still fill on its tickers.
    const game = this.gameTickers.get(link.event) ?? new Set([ticker]);
    const working = this.working(game);
    const cand: Candidate = { ticker, event: link.event, side, price: d.price, count: d.count, ...(reprice?.replaced ? { replaces: reprice.replaced } : {}) };
    const lim = this.exposure.check(cand, working, [...game], now);
    if (!lim.ok) {
      const r = { reason: lim.reason ?? 'limit', detail: lim.detail ?? '' };
      t.refusedAt[slot] = { key, version: this.exposureVersion, ...r };
      return r;
    }
    delete t.refusedAt[slot];
    this.exposureVersion++;
    const coid = this.nextClientOrderId(now);
    const o = newOrder({ clientOrderId: coid, ticker, side, price: d.price, count: d.count, tif: d.tif, now });
    const ctx: OrderContext = { event: link.event, fair: d.fair, edge: d.edge, oracleTs: d.oracleTs, reason: d.reason, liquidity: d.liquidity };
    const w: Working = { o, slot, ctx, cancelRetries: 0, ...(repriceFrom !== undefined ? { repriceFrom } : {}) };
    this.orders.set(coid, w);
    t.slots[slot] = coid;
    apply(o, { kind: 'send' }, now);
    this.exposure.placed(cand, now);
    this.out.order(o, d.reason, now, ctx);
    this.out.latency('oracle-to-order', Math.max(0, now - d.oracleTs), ticker, coid, now);
    this.out.request(
      { kind: 'place', order: { clientOrderId: coid, ticker, side, price: d.price, count: d.count, tif: d.tif, postOnly: d.tif === 'gtc' } },
      now,
    );
    this.out.count('orders_total', { liquidity: d.liquidity });
    return undefined;
  }

  /** Pull whatever occupies a slot (cancel it, or have it canceled once acknowledged). */
  private pull(ticker: string, slot: Slot, reason: string, now: number): void {
    const t = this.tickers.get(ticker);
    const coid = t?.slots[slot];
    if (coid === undefined) return;
    const w = this.orders.get(coid);
    if (!w) return;
    if (w.o.status === 'submitted' || w.o.status === 'new' || w.o.status === 'pending-amend') w.cancelWanted ??= reason;
    else if (!FINAL.has(w.o.status) && w.o.status !== 'pending-cancel' && w.o.tif === 'gtc') this.cancel(w, reason, now);
  }

  private cancel(w: Working, reason: string, now: number): void {
    const o = w.o;
    if (o.status === 'pending-cancel') {
      this.out.count('cancel_suppressed_total'); // a duplicate: the first is still on its way
      return;
    }
    if (!this.step(w, { kind: 'cancel-request' }, now)) return;
    w.cancelReason = reason;
    w.cancelRetries = 0;
    this.deadlines.clear(`age:${o.clientOrderId}`);
    this.deadlines.set(`retry:${o.clientOrderId}`, now + this.opt.cancelRetryMs);
    if (reason === 'reprice') {
      const t = this.tickers.get(o.ticker);
      if (t) t.repriceAt[o.side] = { at: now };
      this.out.count('order_reprices_total');
    }
    this.out.order(o, reason, now, w.ctx);
    this.out.request({ kind: 'cancel', clientOrderId: o.clientOrderId, ticker: o.ticker }, now);
    this.out.count('order_cancels_total', { reason });
  }

  /** A cancel not answered in time is sent again, a bounded number of times; never a loop. */
  private retryCancel(w: Working, now: number): void {
    if (w.o.status !== 'pending-cancel') return;
    if (w.cancelRetries >= this.opt.cancelRetryMax) {
      this.out.anomaly(
        'cancel never answered: the order stays pending-cancel and its side stays blocked',
        { client_order_id: w.o.clientOrderId, retries: w.cancelRetries },
        now,
      );
      this.out.count('order_anomalies_total', { kind: 'cancel-unanswered' });
      return;
    }
    w.cancelRetries++;
    this.deadlines.set(`retry:${w.o.clientOrderId}`, now + this.opt.cancelRetryMs);
    this.out.count('cancel_retries_total');
    this.out.request({ kind: 'cancel', clientOrderId: w.o.clientOrderId, ticker: w.o.ticker }, now);
  }

  private step(w: Working, e: OrderEvent, now: number): boolean {
    const tr = apply(w.o, e, now);
    if (tr.ok) return true;
    this.out.anomaly('impossible order transition', { client_order_id: w.o.clientOrderId, from: tr.from, event: tr.event, detail: tr.detail }, now);
    this.out.count('order_anomalies_total', { kind: 'impossible-transition' });
    return false;
  }

  /** A finished order frees its slot at once but is kept a while so late fills still map. */
  private finish(w: Working, now: number): void {
    this.exposureVersion++;
    const t = this.tickers.get(w.o.ticker);
    if (t && t.slots[w.slot] === w.o.clientOrderId) delete t.slots[w.slot];
    // An IOC took what the book showed: the next one waits for a book that shows what is left.
    if (t && w.o.tif === 'ioc') t.held.add(w.slot);
    if (t) this.settleIfDone(w.o.ticker, t, now);
    const rp = t?.repriceAt[w.o.side];
    if (rp && w.cancelReason === 'reprice' && w.o.status === 'canceled') {
      rp.replaced = { side: w.o.side, price: w.o.price, remaining: remaining(w.o), placedTs: w.o.createdTs };
    }
    this.deadlines.clear(`age:${w.o.clientOrderId}`);
    this.deadlines.clear(`retry:${w.o.clientOrderId}`);
    this.deadlines.set(`done:${w.o.clientOrderId}`, now + this.opt.keepFinishedMs);
    if (this.opt.bookIncludesOwn && w.o.status === 'canceled' && remaining(w.o) > 0) this.ghost(w.o, now);
    // An amend still on its way for a finished order: its answer can still come, then its id goes.
    if (w.amend) this.deadlines.set(`done:${w.amend.next.clientOrderId}`, now + this.opt.keepFinishedMs);
  }

  /** A level of ours a live book may still show for a while after it left (the echo race). */
  private ghost(o: OrderState, now: number): void {
    let g = this.ghosts.get(o.ticker);
    if (!g) this.ghosts.set(o.ticker, (g = []));
    g.push({ side: o.side, price: o.price, count: remaining(o), until: now + this.opt.echoWindowMs });
  }

  /**
   * The best prices the others show on our side and on the other side. A live book shows
   * our own resting orders, and for a while after a cancel the old level (the echo race):
   * both are taken out so we never join or chase ourselves.
   */
  private others(t: TickerState, side: BookSide, now: number): [number | undefined, number | undefined] {
    const b = t.book!;
    const bids = this.opt.bookIncludesOwn ? this.withoutOwn(t, b, 'bid', now) : b.bids;
    const asks = this.opt.bookIncludesOwn ? this.withoutOwn(t, b, 'ask', now) : b.asks;
    const bestBid = bids[0]?.[0];
    const bestAsk = asks[0]?.[0];
    return side === 'bid' ? [bestBid, bestAsk] : [bestAsk, bestBid];
  }

  private withoutOwn(t: TickerState, b: BookView, side: BookSide, now: number): ReadonlyArray<readonly [number, number]> {
    const own = new Map<number, number>();
    for (const s of Object.keys(t.slots) as Slot[]) {
      const w = this.orders.get(t.slots[s]!);
      if (w && w.o.side === side && w.o.tif === 'gtc' && w.o.status !== 'new') own.set(w.o.price, (own.get(w.o.price) ?? 0) + remaining(w.o));
    }
    const ghosts = this.ghosts.get(b.ticker);
    if (ghosts) {
      const live = ghosts.filter((g) => g.until > now);
      if (live.length) this.ghosts.set(b.ticker, live);
      else this.ghosts.delete(b.ticker);
      for (const g of live) if (g.side === side) own.set(g.price, (own.get(g.price) ?? 0) + g.count);
    }
    const levels = side === 'bid' ? b.bids : b.asks;
    if (own.size === 0) return levels;
    const out: Array<readonly [number, number]> = [];
    for (const [p, q] of levels) {
      const left = q - (own.get(p) ?? 0);
      if (left > 0) out.push([p, left]);
    }
    return out;
  }

  /** A fill into an order's state: `impossible` (logged and counted) when the state cannot take it, `duplicate` when the trade was applied already. */
  private applyFill(o: OrderState, rep: { tradeId: string; count: number }, now: number): 'ok' | 'impossible' | 'duplicate' {
    const tr = apply(o, { kind: 'fill', tradeId: rep.tradeId, count: rep.count }, now);
    if (!tr.ok) {
      this.out.anomaly('impossible order transition', { client_order_id: o.clientOrderId, from: tr.from, event: tr.event, detail: tr.detail }, now);
      this.out.count('order_anomalies_total', { kind: 'impossible-transition' });
      return 'impossible';
    }
    if (tr.duplicate) {
      this.out.count('fill_duplicates_total');
      return 'duplicate';
    }
    return 'ok';
  }

  /** Why a resting quote must go at once, whatever else is decided: the oracle moved through it, or its edge fell below --edge. */
  private adverse(o: OrderState, side: 'bid' | 'ask', fair: number, fee: FeeModel): 'oracle-moved-through' | 'edge-below-threshold' | undefined {
    const through = side === 'bid' ? o.price >= fair * PRICE_ONE - EDGE_EPS : o.price <= fair * PRICE_ONE + EDGE_EPS;
    if (through) return 'oracle-moved-through';
    if (!meetsEdge(edgeAt(fair, side, o.price, remaining(o), 'maker', fee), this.opt.edge)) return 'edge-below-threshold';
    return undefined;
  }

  private moved(grid: PriceGrid, from: number, to: number): boolean {
    if (from === to) return false;
    const tol = Math.max(1, this.opt.refreshToleranceTicks);
    const up = gridStep(grid, from, tol);
    const down = gridStep(grid, from, -tol);
    return (up !== undefined && to >= up) || (down !== undefined && to <= down) || (up === undefined && to > from) || (down === undefined && to < from);
  }

  // ---------------------------------------------------------------- helpers

  private fairOf(link: Link): number | undefined {
    const f = this.fairs.get(link.event);
    if (!f) return undefined;
    return link.side === 'home' ? f.pHome : f.pAway;
  }

  private kills(ts: KillTransition[], now: number): void {
    for (const k of ts) {
      this.out.killswitch(k, now);
      this.out.count('killswitch_transitions_total', { condition: k.condition, state: k.state });
      for (const tk of this.inScope(k)) this.evaluate(tk, now);
    }
  }

  private inScope(k: KillScope): string[] {
    if (k.scope === 'ticker') return [k.key];
    if (k.scope === 'game') return [...(this.gameTickers.get(k.key) ?? [])];
    const all = [...this.tickers.keys()];
    if (k.scope === 'global') return all;
    return all.filter((tk) => this.tickers.get(tk)!.link?.sport === k.key);
  }

  private skipOnce(ticker: string, t: TickerState, reason: string, detail: string, now: number): void {
    if (t.lastSkip === reason) return;
    t.lastSkip = reason;
    this.out.skip({ ticker, ...(t.link ? { event: t.link.event } : {}), reason, detail }, now);
    this.out.count('skips_total', { reason });
  }

  private ticker(tk: string): TickerState {
    let t = this.tickers.get(tk);
    if (!t) this.tickers.set(tk, (t = { slots: {}, repriceAt: {}, held: new Set(), refusedAt: {}, lastSize: {}, settled: false }));
    return t;
  }

  /** A settled market, once nothing can still arrive for it: its state goes. */
  private forget(tk: string, now: number): void {
    const t = this.tickers.get(tk);
    if (!t) return;
    if (Object.keys(t.slots).length > 0) {
      this.deadlines.set(`forget:${tk}`, now + this.opt.forgetAfterMs);
      return;
    }
    this.tickers.delete(tk);
    this.ghosts.delete(tk);
    this.exposure.forget(tk);
    const gone = this.kill.forgetTicker(tk, now);
    if (t.link) {
      const g = this.gameTickers.get(t.link.event);
      g?.delete(tk);
      if (g && g.size === 0) {
        this.gameTickers.delete(t.link.event);
        this.fairs.delete(t.link.event);
        this.deadlines.clear(`pregame:${t.link.event}`);
        gone.push(...this.kill.forgetGame(t.link.event, now));
      }
    }
    this.kills(gone, now);
  }
}

/** Contracts of a count in COUNT_ONE units (for records). */
export function contractsOf(count: number): number {
  return count / COUNT_ONE;
}
