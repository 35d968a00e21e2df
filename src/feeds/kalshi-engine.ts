// The Kalshi protocol engine, socket-free: inputs in (connection attempts, opens, frames,
// closes, REST discovery answers, timer beats, all with their receive time), records and
// outgoing commands out. It owns the subscriptions, sequence checks, the resync ladder,
// the books and the market set; src/feeds/kalshi-session.ts owns the socket, the
// reconnect backoff and the heartbeat, src/feeds/kalshi-discovery.ts the REST calls, and
// src/feeds/kalshi-records.ts what the records look like. The engine never reads a clock
// and starts no timer: every time comes with its input, so `feed-kalshi --from-raw`
// replays a recording of the inputs (KalshiInput, src/feeds/kalshi-raw.ts) to the same
// records, byte for byte.
//
// Subscriptions: one sid per channel (reference §1.2: error 6 may refuse a second one),
// grown and shrunk with update_subscription add_markets / delete_markets. The trade
// channel has no update_subscription, so a changed market set subscribes a new trade sid
// first and unsubscribes the old one after (trades de-duplicated by trade_id); if the
// server refuses the second sid with error 6 it falls back to unsubscribe-then-subscribe.
//
// Books: `seq` is checked per sid (every message carrying sid+seq, `ok` responses
// included). On a gap every book of that sid is invalid and recovered by, in order of
// preference, update_subscription get_snapshot, then unsubscribe + subscribe, then a
// reconnect; each step is taken when the previous one has not made every book valid
// within resync_timeout_ms (checked at each `tick`). Error 10/17/25 kills the
// subscription: resubscribe. A book is only published while valid, and only when its
// top `depth` levels changed.
import { inMaintenanceWindow } from '../core/kalshi-schedule.js';
import { KalshiBook } from '../core/kalshi-book.js';
import { UNIT_GRID, parsePriceRanges, type PriceGrid } from '../core/kalshi-fixed.js';
import { TERMINAL_ERRORS, WS_ERROR_TEXT, decodeFrame, type Decoded, type FillMsg, type Msg, type UserOrderMsg } from '../core/kalshi-messages.js';
import { GAME_SERIES, parseMarketTicker, seriesOf, type ParsedMarket } from '../core/kalshi-ticker.js';
import { excerpt } from '../core/text.js';
import type { Logger } from '../log/logger.js';
import type { Counter, Metrics } from '../log/metrics.js';
import type { KalshiStatus } from '../schema/records.js';
import type { RestMarket } from './kalshi-rest.js';
import {
  MonotonicTs,
  bookLine,
  fillRecord,
  linkRecord,
  marketRecord,
  resultRecord,
  statusRecord,
  tradeRecord,
  unmappedRecord,
  userOrderRecord,
  type FeedRecord,
  type TickerStatus,
} from './kalshi-records.js';

/** The settings that shape what the engine publishes (recorded in a --raw header). */
export interface EngineSettings {
  /** Markets named on the command line. */
  tickers: readonly string[];
  /** Series whose open markets are discovered over REST. */
  series: readonly string[];
  /** false: WebSocket only (no discovery, no kalshi.market). */
  rest: boolean;
  /** Also subscribe to fill and user_orders. */
  private: boolean;
  depth: number;
  useYesPrice: boolean;
  resyncTimeoutMs: number;
}

/** One round of market discovery over REST, as the engine takes it. */
export interface DiscoveryAnswer {
  /** fee_type per series, for the series whose lookup answered. */
  fee_types: Record<string, string>;
  /** The open markets of the series, plus the markets looked up one by one. */
  markets: RestMarket[];
  /** Markets the exchange answered 404 for. */
  not_found: string[];
  exchange?: { exchange_active?: boolean; trading_active?: boolean };
  /** The round failed (a listing or lookup that did not answer): only not_found applies. */
  error?: string;
}

/**
 * Every input of the engine. `recv_ts` is when it happened; `conn` numbers the
 * connection attempts of the run.
 */
export type KalshiInput =
  | { kind: 'start'; recv_ts: number }
  | { kind: 'connect'; recv_ts: number; conn: number }
  | { kind: 'open'; recv_ts: number; conn: number }
  | { kind: 'frame'; recv_ts: number; conn: number; data: string }
  | { kind: 'close'; recv_ts: number; conn: number; cause: string; detail?: CloseDetail }
  | { kind: 'rest'; recv_ts: number; answer: DiscoveryAnswer }
  | { kind: 'tick'; recv_ts: number }
  | { kind: 'status'; recv_ts: number }
  | { kind: 'flush'; recv_ts: number }
  | { kind: 'stop'; recv_ts: number };

export interface CloseDetail {
  code?: number;
  reason?: string;
  error?: string;
  detail?: string;
}

export interface EngineOptions {
  settings: EngineSettings;
  log: Logger;
  metrics: Metrics;
  /** Where records go. */
  emit: (record: FeedRecord) => void;
  /** Where a record already serialized goes (kalshi.book, the hot path); default: parsed and emitted. */
  emitLine?: (line: string, type: string) => void;
}

/** What the engine asks of the socket; a replay ignores it (the recording has what followed). */
export interface EngineIo {
  /** Send one text frame on connection `conn`. */
  send(conn: number, text: string): void;
  /** End connection `conn` (the engine has already counted it closed, with this cause). */
  drop(conn: number, cause: string, detail: string | undefined): void;
  /** A kalshi.status is due once this turn's inputs are handled: deliver a `flush` input soon. */
  flushSoon(): void;
}

const NO_IO: EngineIo = { send() {}, drop() {}, flushSoon() {} };

export type FeedState = KalshiStatus['state'];
type SubKey = 'book' | 'trade' | 'lifecycle' | 'fill' | 'orders';
export const CHANNEL: Record<SubKey, string> = {
  book: 'orderbook_delta',
  trade: 'trade',
  lifecycle: 'market_lifecycle_v2',
  fill: 'fill',
  orders: 'user_orders',
};

interface Sub {
  key: SubKey;
  sid: number | null;
  state: 'subscribing' | 'active';
  tickers: Set<string>;
  lastSeq: number | null;
  /** The trade sid this one replaces (make-before-break). */
  replaces: number | null;
  /** Recovery in progress: 0 get_snapshot, 1 resubscribe (then reconnect). */
  resync: { level: 0 | 1; since: number; trigger: string } | null;
  /** When the subscribe command was sent. */
  since: number;
}

interface Pending {
  cmd: 'subscribe' | 'unsubscribe' | 'add_markets' | 'delete_markets' | 'get_snapshot';
  sub: Sub | null;
  tickers: string[];
  sentAt: number;
}

/** One connection attempt, as the engine sees it. */
interface Conn {
  n: number;
  open: boolean;
  openedAt: number;
  frames: number;
  nextId: number;
}

/** One market the feeder follows. */
interface MarketState {
  ticker: string;
  /** The ticker as a JSON string literal (books are serialized by hand). */
  tickerJson: string;
  parsed: ParsedMarket | undefined;
  wanted: boolean;
  /** Named on the command line (never dropped for being absent from a discovery). */
  pinned: boolean;
  status: string | undefined;
  closeTs: number | undefined;
  feeType: string | undefined;
  eventTicker: string;
  grid: PriceGrid;
  book: KalshiBook;
  seq: number | null;
  sid: number | null;
  lastUpdate: number | null;
  invalidSince: number | null;
  linked: boolean;
  /** The last kalshi.market written for it, serialized (written again only when it changes). */
  lastMarketJson: string | undefined;
  /** Closed/determined/settled: dropped from the map once unsubscribed. */
  finished: boolean;
}

export interface FeedSummary {
  connects: number;
  reconnects: number;
  disconnects: number;
  disconnect_causes: Record<string, number>;
  failed_connects: number;
  gaps: number;
  resyncs: Record<string, number>;
  bad_messages: Record<string, number>;
  /** Error responses from the exchange, by code (an error 6 in a trade-sid swap is expected). */
  ws_errors: Record<string, number>;
  books: number;
  trades: number;
  messages: number;
}

/** Market statuses after which a market is gone for good (reference §5). */
const FINISHED = new Set(['closed', 'determined', 'disputed', 'amended', 'finalized', 'settled']);

/** A lost connection that was our decision (the heartbeat's or the engine's): a reconnect as a resync step. */
function droppedByUs(cause: string): boolean {
  return cause === 'heartbeat-timeout' || cause === 'resync-timeout' || cause.startsWith('subscribe-error-');
}

/** Hand one input to the engine (live and --from-raw share this). */
export function applyInput(engine: KalshiEngine, e: KalshiInput): void {
  switch (e.kind) {
    case 'start':
      return engine.start(e.recv_ts);
    case 'connect':
      return engine.connecting(e.conn, e.recv_ts);
    case 'open':
      return engine.opened(e.conn, e.recv_ts);
    case 'frame':
      return engine.frame(e.conn, e.data, e.recv_ts);
    case 'close':
      return engine.closed(e.conn, e.cause, e.detail ?? {}, e.recv_ts);
    case 'rest':
      return engine.discovered(e.answer, e.recv_ts);
    case 'tick':
      return engine.tick(e.recv_ts);
    case 'status':
      return engine.periodicStatus(e.recv_ts);
    case 'flush':
      return engine.flush(e.recv_ts);
    case 'stop':
      return engine.stop(e.recv_ts);
  }
}

export class KalshiEngine {
  /** The socket side; replaced by the session once it runs. */
  io: EngineIo = NO_IO;
  private readonly settings: EngineSettings;
  private readonly opts: EngineOptions;
  private readonly log: Logger;
  private readonly markets = new Map<string, MarketState>();
  private readonly seriesSet: Set<string>;
  private readonly subs = new Map<SubKey, Sub>();
  private readonly bySid = new Map<number, Sub>();
  private readonly pending = new Map<number, Pending>();
  private conn: Conn | undefined;
  private authFailures = 0;
  private stopping = false;
  private everLive = false;
  private state: FeedState = 'connecting';
  private lastCause: string | null = null;
  private lastMsgTs: number | null = null;
  private readonly recordTs = new MonotonicTs();
  private exchange: { exchange_active?: boolean; trading_active?: boolean } = {};
  private statusDirty = false;
  private flushRequested = false;
  /** With --series, the first discovery has completed (until then the feed is not live). */
  private discoveryDone = false;
  // Trades repeat only while two trade sids overlap (milliseconds): a short memory does.
  // Fills are rarer and costlier to double: a longer one.
  private readonly recentTrades = new RecentIds(2_000);
  private readonly recentFills = new RecentIds(20_000);
  private msgsAtLastRate = 0;
  private lastRateTs: number | null = null;
  private readonly counters = new Map<string, Counter>();
  private readonly msgCounters = new Map<string, Counter>();
  readonly summary: FeedSummary = {
    connects: 0,
    reconnects: 0,
    disconnects: 0,
    disconnect_causes: {},
    failed_connects: 0,
    gaps: 0,
    resyncs: {},
    bad_messages: {},
    ws_errors: {},
    books: 0,
    trades: 0,
    messages: 0,
  };

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.settings = opts.settings;
    this.log = opts.log.child({ component: 'feed-kalshi' });
    this.seriesSet = new Set(opts.settings.series);
  }

  get feedState(): FeedState {
    return this.state;
  }

  /** Whether connection `conn` is the engine's current, open one. */
  isOpen(conn: number): boolean {
    return this.conn?.n === conn && this.conn.open;
  }

  // ------------------------------------------------------------ inputs

  /** The run begins: the markets named on the command line. */
  start(now: number): void {
    this.lastRateTs = now;
    for (const t of this.settings.tickers) this.addMarket(t, true, now);
  }

  /** A connection attempt begins. */
  connecting(conn: number, now: number): void {
    if (this.stopping) return;
    this.conn = { n: conn, open: false, openedAt: 0, frames: 0, nextId: 1 };
    this.markStatus(now);
  }

  opened(conn: number, now: number): void {
    const c = this.conn;
    if (!c || c.n !== conn || c.open || this.stopping) return;
    c.open = true;
    c.openedAt = now;
    this.authFailures = 0;
    this.summary.connects++;
    if (this.summary.connects > 1) this.summary.reconnects++;
    this.log.info('connected', { conn, connects: this.summary.connects, use_yes_price: this.settings.useYesPrice });
    this.subscribeAll(now);
    // Published now, before any book of this connection: readers tell sessions apart by `connects`.
    this.emitStatus(now);
  }

  /** Connection `conn` is gone (or never opened): `cause` says why. */
  closed(conn: number, cause: string, d: CloseDetail, now: number): void {
    const c = this.conn;
    if (!c || c.n !== conn || this.stopping) return; // already closed (a drop of ours), or stopping
    const wasOpen = c.open;
    const detail: Record<string, unknown> = { conn };
    if (d.detail) detail.detail = d.detail;
    if (d.error !== undefined) detail.error = d.error;
    if (wasOpen) {
      if (d.code !== undefined) detail.code = d.code;
      if (d.reason) detail.reason = d.reason;
      detail.uptime_ms = now - c.openedAt;
    }
    this.conn = undefined;
    this.resetSession(now);
    const maintenance = inMaintenanceWindow(now);
    if (droppedByUs(cause)) {
      this.counter('kalshi_resyncs_total', { method: 'reconnect', trigger: cause }).inc();
      this.summary.resyncs.reconnect = (this.summary.resyncs.reconnect ?? 0) + 1;
    }
    if (wasOpen) {
      this.summary.disconnects++;
      this.summary.disconnect_causes[cause] = (this.summary.disconnect_causes[cause] ?? 0) + 1;
      this.counter('reconnects_total', { source: 'kalshi', cause }).inc();
      // Expected during the Thursday window: state, not an error.
      (maintenance ? this.log.info : this.log.warn).call(this.log, 'disconnected', { cause, ...detail, maintenance });
    } else {
      this.summary.failed_connects++;
      const auth = cause === 'handshake-401' || cause === 'handshake-403';
      this.authFailures = auth ? this.authFailures + 1 : 0;
      const lvl = maintenance ? 'info' : auth ? 'error' : 'warn';
      this.log.limited(lvl, `connect-failed:${cause}`, 'connect failed', { cause, ...detail, maintenance }, 3);
      // Refused again and again: a revoked key or a clock far off. Someone must look.
      if (auth && !maintenance && (this.authFailures === 3 || this.authFailures % 50 === 0)) {
        this.log.critical('the exchange keeps refusing our signature; check KALSHI_API_KEY_ID, the key file and the clock', {
          cause,
          failures: this.authFailures,
        });
      }
    }
    this.lastCause = cause;
    this.emitStatus(now);
  }

  /** One text frame on connection `conn`. */
  frame(conn: number, text: string, now: number): void {
    const c = this.conn;
    if (!c || c.n !== conn || !c.open || this.stopping) return;
    this.lastMsgTs = now;
    this.summary.messages++;
    c.frames++;
    const d = decodeFrame(text);
    if (d.env?.sid !== undefined && d.env.seq !== undefined) this.checkSeq(d.env.sid, d.env.seq, now);
    if (!d.ok) {
      this.onBad(c, d, text, now);
      return;
    }
    this.countMsg(d.env.type);
    this.dispatch(d.msg, d.env.seq, now);
  }

  /** The resync ladder's clock: pending commands expire, stuck recoveries escalate. */
  tick(now: number): void {
    const c = this.conn;
    if (!c?.open || this.stopping) return;
    // A command the server never answered is forgotten after a minute.
    for (const [id, p] of this.pending)
      if (now - p.sentAt > 60_000) {
        this.pending.delete(id);
        this.log.warn('command never answered', { id, command: p.cmd });
      }
    const book = this.subs.get('book');
    if (book?.state === 'active') {
      let invalid = 0;
      for (const t of book.tickers) if (this.markets.get(t)?.book.valid === false) invalid++;
      if (invalid === 0) book.resync = null;
      else if (!book.resync) book.resync = { level: 0, since: now, trigger: 'awaiting-snapshot' };
      else if (now - book.resync.since > this.settings.resyncTimeoutMs) {
        if (book.resync.level === 0) this.resubscribe(book, `resync-timeout(${book.resync.trigger})`, now);
        else this.dropConnection('resync-timeout', `${invalid} book(s) still invalid after resubscribe (${book.resync.trigger})`, now);
        return;
      }
    }
    // A subscription never confirmed (any channel): the next rung is a new connection.
    for (const sub of this.subs.values()) {
      if (sub.state === 'subscribing' && now - sub.since > this.settings.resyncTimeoutMs) {
        this.dropConnection('resync-timeout', `${CHANNEL[sub.key]} subscription not confirmed`, now);
        return;
      }
    }
  }

  /** The periodic kalshi.status (every status_every_ms). */
  periodicStatus(now: number): void {
    if (this.stopping) return;
    const dt = this.lastRateTs === null ? 0 : now - this.lastRateTs;
    if (dt > 0) {
      this.gauge('feed_message_rate', { source: 'kalshi' }).set(Math.round(((this.summary.messages - this.msgsAtLastRate) * 1000) / dt));
      this.msgsAtLastRate = this.summary.messages;
      this.lastRateTs = now;
    }
    this.emitStatus(now);
  }

  /** The deferred kalshi.status of a validity or state change (see markStatus). */
  flush(now: number): void {
    this.flushRequested = false;
    if (this.statusDirty && !this.stopping) this.emitStatus(now);
  }

  /** The run ends: every book invalid, a last status with cause shutdown. */
  stop(now: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.resetSession(now);
    this.conn = undefined;
    this.lastCause = 'shutdown';
    this.emitStatus(now);
  }

  // ------------------------------------------------------------ discovery

  /** The markets discovery must look up one by one: followed, and not in `listed`. */
  lookupsNeeded(listed: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const m of this.markets.values()) if (!listed.has(m.ticker) && (m.pinned || m.wanted)) out.push(m.ticker);
    return out;
  }

  /** A discovery round answered. */
  discovered(a: DiscoveryAnswer, now: number): void {
    if (this.stopping) return;
    for (const t of a.not_found) this.dropUnknownMarket(t);
    if (a.error !== undefined) {
      this.log.limited('warn', 'discovery', 'market discovery failed; retrying at the next refresh', { err: a.error });
      return;
    }
    for (const rm of a.markets) this.upsertFromRest(rm, a.fee_types, now);
    if (a.exchange) {
      const next = { exchange_active: a.exchange.exchange_active, trading_active: a.exchange.trading_active };
      if (next.exchange_active !== this.exchange.exchange_active || next.trading_active !== this.exchange.trading_active) {
        this.exchange = next;
        this.log.info('exchange status', next);
        this.markStatus(now);
      }
    }
    this.discoveryDone = true;
    this.syncSubs(now);
  }

  /** A REST retry (counted with the bad messages, as the feeder always has). */
  noteRestRetry(status: number | null): void {
    this.countBad(status === 429 ? 'rest-429' : 'rest-retry');
  }

  // ------------------------------------------------------------ connection

  /** End the current connection ourselves: counted closed now, the socket told to go. */
  private dropConnection(cause: string, detail: string, now: number): void {
    const c = this.conn;
    if (!c) return;
    this.closed(c.n, cause, { detail }, now);
    this.io.drop(c.n, cause, detail);
  }

  /** Forget everything tied to the lost session: subscriptions, pending commands, books. */
  private resetSession(now: number): void {
    this.subs.clear();
    this.bySid.clear();
    this.pending.clear();
    for (const m of this.markets.values()) {
      this.invalidate(m, 'disconnected', now);
      m.sid = null;
    }
  }

  // ------------------------------------------------------------ subscriptions

  private send(c: Conn, cmd: string, params: Record<string, unknown> | undefined, pending: Omit<Pending, 'sentAt'> | undefined, now: number): number {
    const id = c.nextId++;
    const msg = params === undefined ? { id, cmd } : { id, cmd, params };
    if (pending) this.pending.set(id, { ...pending, sentAt: now });
    this.io.send(c.n, JSON.stringify(msg));
    return id;
  }

  private openConn(): Conn | undefined {
    const c = this.conn;
    return c?.open ? c : undefined;
  }

  private wantedTickers(): Set<string> {
    const s = new Set<string>();
    for (const m of this.markets.values()) if (m.wanted) s.add(m.ticker);
    return s;
  }

  private subscribeAll(now: number): void {
    const want = this.wantedTickers();
    if (want.size) {
      this.subscribe('book', want, 'connect', now);
      this.subscribe('trade', want, 'connect', now);
    }
    this.subscribe('lifecycle', new Set(), 'connect', now);
    if (this.settings.private) {
      this.subscribe('fill', new Set(), 'connect', now);
      this.subscribe('orders', new Set(), 'connect', now);
    }
  }

  private subscribe(key: SubKey, tickers: Set<string>, trigger: string, now: number, replaces: number | null = null): Sub | undefined {
    const c = this.openConn();
    if (!c) return undefined;
    const sub: Sub = {
      key,
      sid: null,
      state: 'subscribing',
      tickers: new Set(tickers),
      lastSeq: null,
      replaces,
      since: now,
      resync: key === 'book' ? { level: 1, since: now, trigger } : null,
    };
    this.subs.set(key, sub);
    const params: Record<string, unknown> = { channels: [CHANNEL[key]] };
    if (key === 'book' || key === 'trade') params.market_tickers = [...tickers];
    if (key === 'book') params.use_yes_price = this.settings.useYesPrice;
    this.send(c, 'subscribe', params, { cmd: 'subscribe', sub, tickers: [...tickers] }, now);
    return sub;
  }

  private unsubscribe(sid: number, now: number): void {
    const c = this.openConn();
    if (!c) return;
    this.bySid.delete(sid);
    this.send(c, 'unsubscribe', { sids: [sid] }, { cmd: 'unsubscribe', sub: null, tickers: [] }, now);
  }

  /** Drop a subscription (unsubscribing it unless the server already killed it) and subscribe afresh. */
  private resubscribe(sub: Sub, trigger: string, now: number, dead = false): void {
    if (sub.key === 'book')
      for (const t of sub.tickers) {
        const m = this.markets.get(t);
        if (m) this.invalidate(m, trigger, now);
      }
    if (sub.sid !== null) {
      if (dead) this.bySid.delete(sub.sid);
      else this.unsubscribe(sub.sid, now);
    }
    this.subs.delete(sub.key);
    this.summary.resyncs.resubscribe = (this.summary.resyncs.resubscribe ?? 0) + 1;
    this.counter('kalshi_resyncs_total', { method: 'resubscribe', trigger: trimTrigger(trigger) }).inc();
    this.log.info('resync', { method: 'resubscribe', channel: CHANNEL[sub.key], sid: sub.sid, trigger });
    const want = sub.key === 'book' || sub.key === 'trade' ? this.wantedTickers() : new Set<string>();
    if ((sub.key === 'book' || sub.key === 'trade') && want.size === 0) return;
    this.subscribe(sub.key, want, trigger, now);
    this.markStatus(now);
  }

  /** Bring the book and trade subscriptions in line with the wanted market set. */
  private syncSubs(now: number): void {
    const c = this.openConn();
    if (!c) return;
    const want = this.wantedTickers();
    const book = this.subs.get('book');
    if (!book) {
      if (want.size) this.subscribe('book', want, 'markets-added', now);
    } else if (book.state === 'active' && book.sid !== null) {
      const add = [...want].filter((t) => !book.tickers.has(t));
      const del = [...book.tickers].filter((t) => !want.has(t));
      if (want.size === 0) {
        this.unsubscribe(book.sid, now);
        this.subs.delete('book');
      } else {
        if (add.length) {
          for (const t of add) book.tickers.add(t);
          this.send(
            c,
            'update_subscription',
            { sids: [book.sid], market_tickers: add, action: 'add_markets' },
            { cmd: 'add_markets', sub: book, tickers: add },
            now,
          );
          this.log.info('markets added', { sid: book.sid, tickers: add });
        }
        if (del.length) {
          for (const t of del) book.tickers.delete(t);
          this.send(
            c,
            'update_subscription',
            { sids: [book.sid], market_tickers: del, action: 'delete_markets' },
            { cmd: 'delete_markets', sub: book, tickers: del },
            now,
          );
          this.log.info('markets removed', { sid: book.sid, tickers: del });
        }
      }
    }
    for (const m of [...this.markets.values()]) if (m.finished) this.markets.delete(m.ticker);
    const trade = this.subs.get('trade');
    if (!trade) {
      if (want.size) this.subscribe('trade', want, 'markets-added', now);
    } else if (trade.state === 'active' && trade.sid !== null) {
      if (want.size === 0) {
        this.unsubscribe(trade.sid, now);
        this.subs.delete('trade');
      } else if (!sameSet(trade.tickers, want)) {
        this.subscribe('trade', want, 'markets-changed', now, trade.sid);
      }
    }
    this.markStatus(now);
  }

  // ------------------------------------------------------------ frames

  private checkSeq(sid: number, seq: number, now: number): void {
    const sub = this.bySid.get(sid);
    if (!sub) return;
    const last = sub.lastSeq;
    sub.lastSeq = seq;
    if (last === null || seq === last + 1) return;
    this.summary.gaps++;
    this.counter('gaps_total', { source: 'kalshi' }).inc();
    if (sub.key !== 'book') {
      // Trades/fills carry no seq per the spec (UNCERTAIN: some report one). A gap there
      // cannot be repaired from a snapshot: it is counted and reported.
      this.log.limited('warn', `gap:${sub.key}`, 'sequence gap on a channel without snapshots', {
        channel: CHANNEL[sub.key],
        sid,
        expected: last + 1,
        got: seq,
      });
      return;
    }
    this.log.warn('gap', { sid, expected: last + 1, got: seq, books: sub.tickers.size });
    this.requestSnapshots(sub, [...sub.tickers], 'gap', now, true);
  }

  /**
   * Invalidate books of a subscription and ask for their snapshots (get_snapshot). With
   * `all`, every book of the sid (a gap: which market lost data is unknown).
   */
  private requestSnapshots(sub: Sub, tickers: string[], trigger: string, now: number, all: boolean): void {
    const c = this.openConn();
    const list: string[] = [];
    for (const t of tickers) {
      const m = this.markets.get(t);
      if (!m) continue;
      this.invalidate(m, trigger, now);
      if (sub.tickers.has(t)) list.push(t);
    }
    if (!c || sub.state !== 'active' || sub.sid === null || list.length === 0) return;
    // Escalation is timed from the first trouble; a later gap asks again without resetting it.
    if (!sub.resync) sub.resync = { level: 0, since: now, trigger };
    this.summary.resyncs.get_snapshot = (this.summary.resyncs.get_snapshot ?? 0) + 1;
    this.counter('kalshi_resyncs_total', { method: 'get_snapshot', trigger }).inc();
    this.log.info('resync', { method: 'get_snapshot', sid: sub.sid, trigger, tickers: all ? list.length : list });
    this.send(c, 'update_subscription', { sids: [sub.sid], market_tickers: list, action: 'get_snapshot' }, { cmd: 'get_snapshot', sub, tickers: list }, now);
  }

  private onBad(c: Conn, d: Extract<Decoded, { ok: false }>, text: string, now: number): void {
    this.countBad(d.reason);
    const env = d.env;
    this.log.limited(
      'warn',
      `bad-message:${d.reason}`,
      'bad message',
      {
        reason: d.reason,
        detail: d.detail,
        conn: c.n,
        frame: c.frames,
        ...(env?.sid !== undefined ? { sid: env.sid } : {}),
        ...(env?.seq !== undefined ? { seq: env.seq } : {}),
        excerpt: excerpt(text, 120),
      },
      5,
    );
    // A broken message that consumed a seq of the book subscription may have carried a
    // book change: that market's book (or, when unreadable, every book of the sid) can no
    // longer be trusted.
    if (env?.sid === undefined || env.seq === undefined) return;
    const sub = this.bySid.get(env.sid);
    if (!sub || sub.key !== 'book') return;
    if (d.ticker !== undefined && sub.tickers.has(d.ticker)) this.requestSnapshots(sub, [d.ticker], `bad-${d.reason}`, now, false);
    else this.requestSnapshots(sub, [...sub.tickers], `bad-${d.reason}`, now, true);
  }

  private dispatch(msg: Msg, seq: number | undefined, now: number): void {
    switch (msg.kind) {
      case 'delta':
        return this.onDelta(msg, seq, now);
      case 'snapshot':
        return this.onSnapshot(msg, seq, now);
      case 'trade':
        return this.onTrade(msg, now);
      case 'lifecycle':
        return this.onLifecycle(msg, now);
      case 'event_fee_update':
        return this.onFeeUpdate(msg.body, now);
      case 'event_lifecycle':
        return;
      case 'fill':
        return this.onFill(msg.fill, now);
      case 'user_order':
        return this.onUserOrder(msg.order, now);
      case 'subscribed':
        return this.onSubscribed(msg, now);
      case 'ok':
        return this.onOk(msg, now);
      case 'unsubscribed':
        // bySid forgot the sid when the unsubscribe was sent; its late messages are ignored.
        if (msg.id !== undefined) this.pending.delete(msg.id);
        return;
      case 'error':
        return this.onWsError(msg, now);
      case 'ignored':
        return;
    }
  }

  private onSubscribed(msg: Extract<Msg, { kind: 'subscribed' }>, now: number): void {
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (!p || p.cmd !== 'subscribe' || !p.sub) {
      this.log.warn('subscribed without a matching command', { id: msg.id, sid: msg.sid, channel: msg.channel });
      return;
    }
    this.pending.delete(msg.id!);
    const sub = p.sub;
    if (this.subs.get(sub.key) !== sub) {
      // Superseded while in flight: let it go.
      this.unsubscribe(msg.sid, now);
      return;
    }
    sub.sid = msg.sid;
    sub.state = 'active';
    sub.lastSeq = null;
    this.bySid.set(msg.sid, sub);
    if (sub.key === 'book') {
      if (sub.resync) sub.resync = { level: sub.resync.level, since: now, trigger: sub.resync.trigger };
      for (const t of sub.tickers) {
        const m = this.markets.get(t);
        if (m) m.sid = msg.sid;
      }
    }
    if (sub.replaces !== null) {
      this.unsubscribe(sub.replaces, now);
      sub.replaces = null;
    }
    this.log.info('subscribed', {
      channel: msg.channel,
      sid: msg.sid,
      tickers: sub.tickers.size,
      ...(sub.key === 'book' ? { use_yes_price: this.settings.useYesPrice } : {}),
    });
    // The wanted set may have moved while the command was in flight.
    if (sub.key === 'book' || sub.key === 'trade') this.syncSubs(now);
  }

  private onOk(msg: Extract<Msg, { kind: 'ok' }>, now: number): void {
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    if (p.sub && msg.tickers && (p.cmd === 'add_markets' || p.cmd === 'delete_markets') && this.subs.get(p.sub.key) === p.sub) {
      // The server's full list after the update is the truth.
      p.sub.tickers = new Set(msg.tickers);
      for (const t of msg.tickers) {
        const m = this.markets.get(t);
        if (m && p.sub.sid !== null) m.sid = p.sub.sid;
      }
      this.markStatus(now);
    }
  }

  private onWsError(msg: Extract<Msg, { kind: 'error' }>, now: number): void {
    const p = msg.id !== undefined && msg.id !== 0 ? this.pending.get(msg.id) : undefined;
    if (p) this.pending.delete(msg.id!);
    const text = msg.text || WS_ERROR_TEXT[msg.code] || '';
    this.summary.ws_errors[msg.code] = (this.summary.ws_errors[msg.code] ?? 0) + 1;
    this.counter('feed_bad_messages_total', { source: 'kalshi', reason: `ws-error-${msg.code}` }).inc();
    // error_text and command, not msg and cmd: those names are the log line's own.
    this.log.warn('kalshi error', {
      code: msg.code,
      error_text: text,
      id: msg.id,
      sid: msg.sid,
      command: p?.cmd,
      ...(msg.ticker ? { ticker: msg.ticker } : {}),
    });
    if (TERMINAL_ERRORS.has(msg.code)) {
      // The subscription is dead. Which one: the sid it names, else the command it
      // answers, else (unknown) every data subscription.
      const bySid = msg.sid !== undefined ? this.bySid.get(msg.sid) : undefined;
      const known = bySid ?? p?.sub ?? undefined;
      if (known) {
        if (this.subs.get(known.key) === known) this.resubscribe(known, `error-${msg.code}`, now, true);
        return;
      }
      // Unknown: unsubscribe everything (a dead sid answers error 7, harmless) and start over.
      for (const s of [...this.subs.values()]) this.resubscribe(s, `error-${msg.code}`, now, false);
      return;
    }
    if (!p) return;
    const sub = p.sub;
    switch (p.cmd) {
      case 'subscribe':
        if (!sub || this.subs.get(sub.key) !== sub) return;
        if (msg.code === 6 && sub.replaces !== null) {
          // One sid per channel: fall back to break-before-make.
          const old = sub.replaces;
          this.subs.delete(sub.key);
          this.unsubscribe(old, now);
          this.subscribe(sub.key, sub.tickers, 'error-6', now);
          return;
        }
        if (msg.code === 16 && msg.ticker) {
          this.dropUnknownMarket(msg.ticker);
          this.subs.delete(sub.key);
          const want = this.wantedTickers();
          if (want.size) this.subscribe(sub.key, want, 'market-not-found', now);
          return;
        }
        this.dropConnection(`subscribe-error-${msg.code}`, text, now);
        return;
      case 'get_snapshot':
        // get_snapshot refused (an older server, error 13, ...): the next rung.
        if (sub && this.subs.get(sub.key) === sub) this.resubscribe(sub, `get-snapshot-error-${msg.code}`, now);
        return;
      case 'add_markets':
        if (msg.code === 16 && msg.ticker) {
          this.dropUnknownMarket(msg.ticker);
          if (sub) for (const t of p.tickers) sub.tickers.delete(t);
          this.syncSubs(now);
          return;
        }
        if (sub && this.subs.get(sub.key) === sub) this.resubscribe(sub, `add-markets-error-${msg.code}`, now);
        return;
      case 'delete_markets':
      case 'unsubscribe':
        return;
    }
  }

  private dropUnknownMarket(ticker: string): void {
    const m = this.markets.get(ticker);
    this.log.error('market not found by the exchange: dropped', { ticker });
    if (m) {
      m.wanted = false;
      m.pinned = false;
    }
  }

  // ------------------------------------------------------------ books

  /**
   * The market a snapshot or delta is for, when it comes on the live book subscription
   * (its Sub is then bySid.get(sid)); undefined to ignore it, counted when the market is
   * not one we follow. No allocation: this is on every delta.
   */
  private bookMarket(sid: number, ticker: string): MarketState | undefined {
    const sub = this.bySid.get(sid);
    if (!sub || sub.key !== 'book' || this.subs.get('book') !== sub) return undefined;
    const m = this.markets.get(ticker);
    if (!m || !m.wanted) {
      this.countBad('unknown-market');
      return undefined;
    }
    return m;
  }

  private onSnapshot(msg: Extract<Msg, { kind: 'snapshot' }>, seq: number | undefined, now: number): void {
    const m = this.bookMarket(msg.sid, msg.ticker);
    if (!m) return;
    const sub = this.bySid.get(msg.sid)!;
    const r = m.book.snapshot(msg.yes, msg.no);
    m.sid = msg.sid;
    m.seq = seq ?? m.seq;
    m.lastUpdate = now;
    if (!r.ok) {
      this.countBad(`snapshot-${r.fault}`);
      this.log.limited('warn', `bad-snapshot:${r.fault}`, 'snapshot rejected', { ticker: m.ticker, fault: r.fault, detail: r.detail, sid: msg.sid, seq }, 5);
      if (m.invalidSince === null) m.invalidSince = now;
      this.markStatus(now);
      return;
    }
    if (m.invalidSince !== null) m.invalidSince = null;
    // Recovery done when every book of the sid is valid again: the next trouble starts at the first rung.
    if (sub.resync) {
      let all = true;
      for (const t of sub.tickers)
        if (this.markets.get(t)?.book.valid === false) {
          all = false;
          break;
        }
      if (all) sub.resync = null;
    }
    this.noteCrossed(m);
    this.publishBook(m, now, undefined);
    this.markStatus(now);
  }

  private onDelta(msg: Extract<Msg, { kind: 'delta' }>, seq: number | undefined, now: number): void {
    const m = this.bookMarket(msg.sid, msg.ticker);
    if (!m) return;
    if (!m.book.valid) return; // awaiting its snapshot: deltas before it do not apply
    const r = m.book.delta(msg.side, msg.price, msg.delta);
    m.seq = seq ?? m.seq;
    m.lastUpdate = now;
    if (r.ok) {
      if (r.visible) {
        this.noteCrossed(m);
        this.publishBook(m, now, msg.tsMs);
      }
      return;
    }
    this.countBad(r.fault);
    this.log.limited('warn', `bad-delta:${r.fault}`, 'delta rejected', { ticker: m.ticker, fault: r.fault, detail: r.detail, sid: msg.sid, seq }, 5);
    if (r.fault === 'zero-delta') return; // nothing changed, nothing lost
    this.requestSnapshots(this.bySid.get(msg.sid)!, [m.ticker], r.fault, now, false);
    this.markStatus(now);
  }

  private invalidate(m: MarketState, reason: string, now: number): void {
    if (m.book.valid) m.book.invalidate(reason);
    if (m.invalidSince === null) {
      m.invalidSince = now;
      this.markStatus(now);
    }
  }

  private noteCrossed(m: MarketState): void {
    // The engine never rests a crossed book; seeing one is reported, not repaired (the
    // order of deltas around a trade is not documented, so it may be transient).
    if (m.book.crossed) {
      this.countBad('crossed');
      this.log.limited('warn', 'crossed', 'crossed book', { ticker: m.ticker, bid: m.book.bestBid()?.[0], ask: m.book.bestAsk()?.[0], seq: m.seq }, 3);
    }
  }

  private publishBook(m: MarketState, now: number, exchTs: number | undefined): void {
    this.summary.books++;
    const line = bookLine(this.recordTs.at(now), now, m.tickerJson, m.seq, m.sid, m.book.topJson(), exchTs);
    if (this.opts.emitLine) this.opts.emitLine(line, 'kalshi.book');
    else this.opts.emit(JSON.parse(line) as FeedRecord);
  }

  // ------------------------------------------------------------ trades, lifecycle, private

  private onTrade(msg: Extract<Msg, { kind: 'trade' }>, now: number): void {
    const m = this.markets.get(msg.ticker);
    if (!m || !m.wanted) return;
    if (!this.recentTrades.add(msg.tradeId)) return; // seen on the sid being replaced
    this.summary.trades++;
    this.opts.emit(tradeRecord(this.recordTs.at(now), now, msg));
  }

  private onLifecycle(msg: Extract<Msg, { kind: 'lifecycle' }>, now: number): void {
    const m = this.markets.get(msg.ticker);
    if (!m) {
      // Lifecycle covers every market on the exchange: only our series interest us.
      if (msg.eventType === 'created' && this.seriesSet.has(seriesOf(msg.ticker)) && this.settings.rest) {
        this.log.info('market created', { ticker: msg.ticker });
      }
      return;
    }
    const b = msg.body;
    let changed = false;
    switch (msg.eventType) {
      case 'determined': {
        const result = b.result;
        if (result === 'yes' || result === 'no') {
          this.opts.emit(resultRecord(this.recordTs.at(now), now, m.ticker, result, b.settlement_value));
        } else {
          this.log.warn('determination without a yes/no result', { ticker: m.ticker, result });
        }
        m.status = 'determined';
        changed = true;
        break;
      }
      case 'settled':
        m.status = 'finalized';
        changed = true;
        break;
      case 'deactivated':
      case 'activated': {
        const paused = typeof b.is_deactivated === 'boolean' ? b.is_deactivated : msg.eventType === 'deactivated';
        m.status = paused ? 'inactive' : 'active';
        changed = true;
        this.log.info(paused ? 'market paused' : 'market active', { ticker: m.ticker });
        break;
      }
      case 'close_date_updated': {
        const s = b.close_ts;
        if (typeof s === 'number' && Number.isFinite(s)) {
          m.closeTs = s < 1e11 ? s * 1000 : s; // lifecycle times are epoch seconds
          changed = true;
        }
        break;
      }
      case 'price_level_structure_updated': {
        const g = parsePriceRanges(b.price_ranges);
        if (typeof g === 'string') this.log.warn('price_level_structure_updated unreadable', { ticker: m.ticker, problem: g });
        else {
          m.grid = g;
          m.book.grid = g;
          changed = true;
        }
        break;
      }
      default:
        return;
    }
    if (changed) {
      this.emitMarket(m, now);
      this.markStatus(now);
    }
    if (m.status !== undefined && FINISHED.has(m.status) && m.wanted) {
      this.retire(m);
      this.syncSubs(now);
    }
  }

  /**
   * A finished market: out of the subscription at the next sync, its book freed, and
   * forgotten then (a feeder running for weeks sees thousands of games come and go).
   */
  private retire(m: MarketState): void {
    this.log.info('market finished: unsubscribing', { ticker: m.ticker, status: m.status });
    m.wanted = false;
    m.finished = true;
    m.book.invalidate('finished');
  }

  private onFeeUpdate(b: Record<string, unknown>, now: number): void {
    const ev = b.event_ticker;
    const ft = b.fee_type_override;
    if (typeof ev !== 'string' || typeof ft !== 'string') return;
    for (const m of this.markets.values()) {
      if (m.eventTicker === ev && m.feeType !== ft) {
        m.feeType = ft;
        this.emitMarket(m, now);
      }
    }
  }

  private onFill(f: FillMsg, now: number): void {
    if (!this.recentFills.add(f.tradeId + '|' + f.orderId)) return;
    this.opts.emit(fillRecord(this.recordTs.at(now), now, f));
  }

  private onUserOrder(u: UserOrderMsg, now: number): void {
    this.opts.emit(userOrderRecord(this.recordTs.at(now), now, u));
  }

  // ------------------------------------------------------------ markets

  private addMarket(ticker: string, pinned: boolean, now: number): MarketState {
    let m = this.markets.get(ticker);
    if (m) {
      if (pinned) m.pinned = true;
      return m;
    }
    const p = parseMarketTicker(ticker);
    const i = ticker.lastIndexOf('-');
    m = {
      ticker,
      tickerJson: JSON.stringify(ticker),
      parsed: p.ok ? p.value : undefined,
      wanted: true,
      pinned,
      status: undefined,
      closeTs: undefined,
      feeType: undefined,
      eventTicker: i > 0 ? ticker.slice(0, i) : ticker,
      grid: UNIT_GRID,
      book: new KalshiBook(ticker, { useYesPrice: this.settings.useYesPrice, depth: this.settings.depth }),
      seq: null,
      sid: null,
      lastUpdate: null,
      invalidSince: now,
      linked: false,
      lastMarketJson: undefined,
      finished: false,
    };
    this.markets.set(ticker, m);
    if (p.ok) {
      m.linked = true;
      this.opts.emit(linkRecord(this.recordTs.at(now), ticker, p.value));
    } else {
      // Reported, never guessed: the book still works, but nothing links it to a game.
      this.counter('skips_total', { reason: 'unmapped' }).inc();
      this.log.warn('ticker not mapped to a game', { ticker, problem: p.problem, detail: p.detail });
      this.opts.emit(unmappedRecord(this.recordTs.at(now), ticker, `${p.problem}: ${p.detail}`));
    }
    return m;
  }

  private upsertFromRest(rm: RestMarket, feeTypes: Record<string, string>, now: number): void {
    const status = typeof rm.status === 'string' ? rm.status : undefined;
    const existing = this.markets.get(rm.ticker);
    if (!existing && status !== 'active') return; // open markets only
    const m = existing ?? this.addMarket(rm.ticker, false, now);
    m.status = status;
    if (typeof rm.event_ticker === 'string') m.eventTicker = rm.event_ticker;
    if (typeof rm.close_time === 'string') {
      const t = Date.parse(rm.close_time);
      if (Number.isFinite(t)) m.closeTs = t;
    }
    if (rm.price_ranges !== undefined) {
      const g = parsePriceRanges(rm.price_ranges);
      if (typeof g === 'string')
        this.log.limited('warn', `price-ranges:${rm.ticker}`, 'price_ranges unreadable: keeping the 4-decimal grid', { ticker: rm.ticker, problem: g });
      else {
        m.grid = g;
        m.book.grid = g;
      }
    }
    m.feeType = feeTypes[seriesOf(rm.ticker)] ?? m.feeType;
    if (status !== undefined && FINISHED.has(status)) {
      this.emitMarket(m, now);
      if (m.wanted) this.retire(m);
      return;
    } else if (status === 'active' || status === 'inactive') {
      m.wanted = true; // paused (inactive) markets stay subscribed: a pause is a state
    }
    this.emitMarket(m, now);
  }

  /** kalshi.market, when something in it changed (REST mode only: --no-rest has no metadata). */
  private emitMarket(m: MarketState, now: number): void {
    if (!this.settings.rest) return;
    const series = seriesOf(m.ticker);
    const sport = m.parsed?.sport ?? GAME_SERIES[series];
    if (!sport) return;
    const rec = marketRecord({
      ticker: m.ticker,
      eventTicker: m.eventTicker,
      series,
      sport,
      parsed: m.parsed,
      status: m.status,
      closeTs: m.closeTs,
      grid: m.grid,
      feeType: m.feeType,
    });
    const key = JSON.stringify(rec);
    if (key === m.lastMarketJson) return;
    m.lastMarketJson = key;
    rec.ts = this.recordTs.at(now);
    this.opts.emit(rec);
  }

  // ------------------------------------------------------------ status

  private computeState(): FeedState {
    if (this.stopping) return 'down';
    const c = this.conn;
    if (!c) return 'down'; // waiting to reconnect
    if (!c.open) return 'connecting';
    let ready = this.discoveryDone || this.seriesSet.size === 0 || !this.settings.rest;
    for (const s of this.subs.values()) if (s.state !== 'active') ready = false;
    if (ready)
      for (const m of this.markets.values())
        if (m.wanted && !m.book.valid) {
          ready = false;
          break;
        }
    if (ready) return 'live';
    return this.everLive ? 'resyncing' : 'connecting';
  }

  /** Recompute the global state; log and gauge a change. */
  private refreshState(): void {
    const s = this.computeState();
    if (s === this.state) return;
    this.state = s;
    if (s === 'live') this.everLive = true;
    this.gauge('feed_state', { source: 'kalshi' }).set(s === 'live' ? 1 : 0);
    this.log.info('state', { state: s, ...(this.lastCause && s !== 'live' ? { cause: this.lastCause } : {}) });
  }

  /** A validity or state change: a kalshi.status once this turn's inputs are handled (a `flush` input). */
  private markStatus(_now: number): void {
    if (this.stopping) return;
    this.refreshState();
    this.statusDirty = true;
    if (this.flushRequested) return;
    this.flushRequested = true;
    this.io.flushSoon();
  }

  private emitStatus(now: number): void {
    this.statusDirty = false;
    this.refreshState();
    const tickers: Record<string, TickerStatus> = {};
    let invalid = 0;
    let oldest = 0;
    for (const m of this.markets.values()) {
      if (!m.wanted) continue;
      const age = m.lastUpdate === null ? null : Math.max(0, now - m.lastUpdate);
      tickers[m.ticker] = { valid: m.book.valid, age_ms: age, seq: m.seq, ...(m.status !== undefined ? { market_status: m.status } : {}) };
      if (!m.book.valid) invalid++;
      if (age !== null && age > oldest) oldest = age;
    }
    // The stalest market's age (per-market ages are in kalshi.status: a label per ticker
    // would grow without bound as games come and go).
    this.gauge('feed_freshness_ms', { source: 'kalshi' }).set(oldest);
    this.gauge('kalshi_books_invalid', {}).set(invalid);
    this.opts.emit(
      statusRecord(this.recordTs.at(now), {
        state: this.state,
        connects: this.summary.connects,
        reconnects: this.summary.reconnects,
        disconnects: this.summary.disconnects,
        gaps: this.summary.gaps,
        lastMsgTs: this.lastMsgTs,
        tickers,
        cause: this.lastCause,
        maintenance: inMaintenanceWindow(now),
        useYesPrice: this.settings.useYesPrice,
        exchange: this.exchange,
      }),
    );
  }

  // ------------------------------------------------------------ counting

  private countMsg(type: string): void {
    let c = this.msgCounters.get(type);
    if (!c) {
      c = this.opts.metrics.counter('messages_total', { source: 'kalshi', kind: type });
      this.msgCounters.set(type, c);
    }
    c.inc();
  }

  private countBad(reason: string): void {
    this.summary.bad_messages[reason] = (this.summary.bad_messages[reason] ?? 0) + 1;
    this.counter('feed_bad_messages_total', { source: 'kalshi', reason }).inc();
  }

  private counter(name: Parameters<Metrics['counter']>[0], labels: Record<string, string>): Counter {
    const key = `${name}|${JSON.stringify(labels)}`;
    let c = this.counters.get(key);
    if (!c) {
      c = this.opts.metrics.counter(name, labels);
      this.counters.set(key, c);
    }
    return c;
  }

  private gauge(name: Parameters<Metrics['gauge']>[0], labels: Record<string, string>): { set(v: number): void } {
    return this.opts.metrics.gauge(name, labels);
  }
}

/** A bounded set of recent ids (de-duplication of trades and fills). */
class RecentIds {
  private readonly set = new Set<string>();
  constructor(private readonly max: number) {}
  /** false when already present. */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    this.set.add(id);
    if (this.set.size > this.max) {
      const first = this.set.values().next().value;
      if (first !== undefined) this.set.delete(first);
    }
    return true;
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function trimTrigger(t: string): string {
  const i = t.indexOf('(');
  return i < 0 ? t : t.slice(0, i);
}
