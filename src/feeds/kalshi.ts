// The persistent Kalshi feeder: one WebSocket for the whole run (re-opened only after
// it is lost), order books kept from snapshots and gap-free deltas, and records out:
// kalshi.book, kalshi.trade, kalshi.result, kalshi.market, market.link, kalshi.status,
// and with `private` kalshi.fill / kalshi.user_order.
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
// within resync_timeout_ms. Error 10/17/25 kills the subscription: resubscribe. A book
// is only published while valid, and only when its top `depth` levels changed.
//
// Health: Kalshi pings every 10 s (ws answers with pongs); any frame or ping is a sign
// of life, and `silence_timeout_ms` without one is a dead socket. Reconnects back off
// exponentially with jitter (randomness injected) and each one records its cause.
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { inMaintenanceWindow } from '../core/kalshi-schedule.js';
import { KalshiBook } from '../core/kalshi-book.js';
import {
  UNIT_GRID, countNumber, parsePrice, parsePriceRanges, priceNumber, priceRangesNumbers, type PriceGrid,
} from '../core/kalshi-fixed.js';
import { TERMINAL_ERRORS, WS_ERROR_TEXT, decodeFrame, type Decoded, type Msg } from '../core/kalshi-messages.js';
import { GAME_SERIES, parseMarketTicker, seriesOf, type ParsedMarket } from '../core/kalshi-ticker.js';
import type { Logger } from '../log/logger.js';
import type { Counter, Metrics } from '../log/metrics.js';
import type { KalshiStatus } from '../schema/records.js';
import type { Signer } from './kalshi-auth.js';
import { KalshiRest, RestError, type RestMarket } from './kalshi-rest.js';
import { excerpt } from '../core/text.js';

export interface KalshiFeedOptions {
  wsUrl: string;
  restUrl: string;
  signer: Signer;
  /** Markets named on the command line. */
  tickers: readonly string[];
  /** Series whose open markets are discovered over REST. */
  series: readonly string[];
  /** false: WebSocket only (no discovery, no kalshi.market). */
  rest: boolean;
  private: boolean;
  depth: number;
  useYesPrice: boolean;
  statusEveryMs: number;
  silenceTimeoutMs: number;
  resyncTimeoutMs: number;
  refreshEveryMs: number;
  handshakeTimeoutMs: number;
  restTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number; stableMs: number };
  clock: Clock;
  /** Randomness for backoff jitter, injected (tests and soak seed it). */
  random: () => number;
  log: Logger;
  metrics: Metrics;
  /** Where records go (stdout in the command). */
  emit: (record: Record<string, unknown> & { type: string }) => void;
  /** Where a record already serialized goes (kalshi.book, the hot path); default: parsed and emitted. */
  emitLine?: (line: string, type: string) => void;
}

export type FeedState = KalshiStatus['state'];
type SubKey = 'book' | 'trade' | 'lifecycle' | 'fill' | 'orders';
const CHANNEL: Record<SubKey, string> = {
  book: 'orderbook_delta', trade: 'trade', lifecycle: 'market_lifecycle_v2', fill: 'fill', orders: 'user_orders',
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

interface Conn {
  ws: WebSocket;
  n: number;
  open: boolean;
  openedAt: number;
  frames: number;
  nextId: number;
  /** Set when we end the connection ourselves (heartbeat-timeout, resync-timeout, shutdown). */
  lost: { cause: string; detail?: string } | undefined;
  error: string | undefined;
  httpStatus: number | undefined;
  done: boolean;
}

interface Mkt {
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
  metaKey: string | undefined;
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

export class KalshiFeed {
  private readonly o: KalshiFeedOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly rest: KalshiRest | undefined;
  private readonly markets = new Map<string, Mkt>();
  private readonly seriesSet: Set<string>;
  private readonly feeTypes = new Map<string, string>();
  private readonly subs = new Map<SubKey, Sub>();
  private readonly bySid = new Map<number, Sub>();
  private readonly pending = new Map<number, Pending>();
  private conn: Conn | undefined;
  private attempts = 0;
  private failures = 0;
  private authFailures = 0;
  private stopping = false;
  private everLive = false;
  private state: FeedState = 'connecting';
  private lastCause: string | null = null;
  private lastActivity = 0;
  private lastMsgTs: number | null = null;
  private lastStamp = 0;
  private exchange: { exchange_active?: boolean; trading_active?: boolean } = {};
  private statusDirty = false;
  private statusScheduled: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private timers: TimerHandle[] = [];
  private discovering = false;
  /** With --series, the first discovery has completed (until then the feed is not live). */
  private discovered = false;
  // Trades repeat only while two trade sids overlap (milliseconds): a short memory does.
  // Fills are rarer and costlier to double: a longer one.
  private readonly recentTrades = new RecentIds(2_000);
  private readonly recentFills = new RecentIds(20_000);
  private readonly abort = new AbortController();
  private stopped: (() => void) | undefined;
  private msgsAtLastRate = 0;
  private lastRateTs = 0;
  private readonly counters = new Map<string, Counter>();
  private readonly msgCounters = new Map<string, Counter>();
  readonly summary: FeedSummary = {
    connects: 0, reconnects: 0, disconnects: 0, disconnect_causes: {}, failed_connects: 0,
    gaps: 0, resyncs: {}, bad_messages: {}, ws_errors: {}, books: 0, trades: 0, messages: 0,
  };

  constructor(opts: KalshiFeedOptions) {
    this.o = opts;
    this.clock = opts.clock;
    this.log = opts.log.child({ component: 'feed-kalshi' });
    this.seriesSet = new Set(opts.series);
    if (opts.rest) {
      this.rest = new KalshiRest({
        baseUrl: opts.restUrl, signer: opts.signer, clock: opts.clock, random: opts.random,
        timeoutMs: opts.restTimeoutMs, signal: this.abort.signal,
        onRetry: (r) => {
          this.countBad(r.status === 429 ? 'rest-429' : 'rest-retry');
          this.log.limited('warn', `rest-retry:${r.status ?? 'net'}`, 'REST request retried', { path: r.path, status: r.status, error: r.error, attempt: r.attempt, retry_in_ms: r.delayMs });
        },
      });
    }
    for (const t of opts.tickers) this.addMarket(t, true);
  }

  /** Run until `signal` aborts; then close the socket cleanly and publish a last status. */
  async run(signal: AbortSignal): Promise<FeedSummary> {
    const done = new Promise<void>((resolve) => { this.stopped = resolve; });
    const onAbort = (): void => this.stop();
    if (signal.aborted) return this.summary;
    signal.addEventListener('abort', onAbort, { once: true });
    const tickMs = Math.max(20, Math.min(1000, Math.floor(this.o.silenceTimeoutMs / 4), Math.floor(this.o.resyncTimeoutMs / 4)));
    this.timers.push(this.clock.setInterval(() => this.tick(), tickMs));
    this.timers.push(this.clock.setInterval(() => this.periodicStatus(), this.o.statusEveryMs));
    if (this.rest) {
      this.timers.push(this.clock.setInterval(() => void this.discover(), this.o.refreshEveryMs));
      void this.discover();
    }
    this.lastRateTs = this.clock.now();
    this.connect();
    this.emitStatus();
    await done;
    signal.removeEventListener('abort', onAbort);
    return this.summary;
  }

  // ------------------------------------------------------------ connection

  private connect(): void {
    if (this.stopping) return;
    this.reconnectTimer = undefined;
    const path = new URL(this.o.wsUrl).pathname;
    const headers = this.o.signer.headers(this.clock.now(), 'GET', path);
    // UTF-8 is not validated frame by frame: every frame is JSON-parsed and its fields checked anyway.
    const ws = new WebSocket(this.o.wsUrl, { headers, handshakeTimeout: this.o.handshakeTimeoutMs, maxPayload: 256 * 1024 * 1024, skipUTF8Validation: true });
    const conn: Conn = {
      ws, n: ++this.attempts, open: false, openedAt: 0, frames: 0, nextId: 1,
      lost: undefined, error: undefined, httpStatus: undefined, done: false,
    };
    this.conn = conn;
    this.markStatus();
    ws.on('open', () => this.onOpen(conn));
    ws.on('message', (data: WebSocket.RawData) => this.onFrame(conn, data));
    ws.on('ping', () => { if (conn === this.conn) this.lastActivity = this.clock.now(); });
    ws.on('pong', () => { if (conn === this.conn) this.lastActivity = this.clock.now(); });
    ws.on('unexpected-response', (req, res) => {
      conn.httpStatus = res.statusCode;
      res.resume();
      req.destroy();
      this.onClosed(conn, 1006, '');
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      conn.error = err.code ?? err.message;
      // A failed handshake (refused, timed out) has no close to follow on some paths.
      if (!conn.open) this.onClosed(conn, 1006, '');
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClosed(conn, code, reason.toString('utf8')));
  }

  private onOpen(conn: Conn): void {
    if (conn !== this.conn || conn.done) return;
    const now = this.clock.now();
    conn.open = true;
    conn.openedAt = now;
    this.lastActivity = now;
    this.authFailures = 0;
    this.summary.connects++;
    if (this.summary.connects > 1) this.summary.reconnects++;
    this.log.info('connected', { conn: conn.n, url: this.o.wsUrl, connects: this.summary.connects, use_yes_price: this.o.useYesPrice });
    this.subscribeAll();
    // Published now, before any book of this connection: readers tell sessions apart by `connects`.
    this.emitStatus();
  }

  private onClosed(conn: Conn, code: number, reason: string): void {
    if (conn.done) return;
    conn.done = true;
    if (conn !== this.conn) return;
    const now = this.clock.now();
    const wasOpen = conn.open;
    let cause: string;
    const detail: Record<string, unknown> = { conn: conn.n };
    if (conn.lost) {
      cause = conn.lost.cause;
      if (conn.lost.detail) detail.detail = conn.lost.detail;
    } else if (!wasOpen && conn.httpStatus !== undefined) {
      cause = `handshake-${conn.httpStatus}`;
    } else if (conn.error !== undefined && (!wasOpen || code === 1006)) {
      cause = 'error';
      detail.error = conn.error;
    } else {
      cause = 'close';
    }
    if (wasOpen) {
      detail.code = code;
      if (reason) detail.reason = reason;
      detail.uptime_ms = now - conn.openedAt;
    }
    this.conn = undefined;
    this.resetSession();
    const maintenance = inMaintenanceWindow(now);
    if (this.stopping) {
      this.finishStop();
      return;
    }
    if (wasOpen) {
      this.summary.disconnects++;
      this.summary.disconnect_causes[cause] = (this.summary.disconnect_causes[cause] ?? 0) + 1;
      this.counter('reconnects_total', { source: 'kalshi', cause }).inc();
      if (now - conn.openedAt >= this.o.backoff.stableMs) this.failures = 0;
      // Expected during the Thursday window: state, not an error.
      (maintenance ? this.log.info : this.log.warn).call(this.log, 'disconnected', { cause, ...detail, maintenance });
    } else {
      this.summary.failed_connects++;
      const auth = cause === 'handshake-401' || cause === 'handshake-403';
      this.authFailures = auth ? this.authFailures + 1 : 0;
      const lvl = maintenance ? 'info' : auth ? 'error' : 'warn';
      this.log.limited(lvl, `connect-failed:${cause}`, 'connect failed', { cause, ...detail, ...(conn.error ? { error: conn.error } : {}), maintenance }, 3);
      // Refused again and again: a revoked key or a clock far off. Someone must look.
      if (auth && !maintenance && (this.authFailures === 3 || this.authFailures % 50 === 0)) {
        this.log.critical('the exchange keeps refusing our signature; check KALSHI_API_KEY_ID, the key file and the clock', { cause, failures: this.authFailures });
      }
    }
    this.lastCause = cause;
    this.failures++;
    const base = Math.min(this.o.backoff.maxMs, this.o.backoff.initialMs * 2 ** Math.min(30, this.failures - 1));
    const delay = Math.round(base * (0.5 + 0.5 * this.o.random()));
    this.log.info('reconnecting', { in_ms: delay, cause, attempt: this.failures });
    this.emitStatus();
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  /** End the current connection ourselves, recording why; the close handler reconnects. */
  private dropConnection(cause: string, detail?: string): void {
    const c = this.conn;
    if (!c || c.done) return;
    c.lost = { cause, ...(detail ? { detail } : {}) };
    if (cause !== 'shutdown') this.counter('kalshi_resyncs_total', { method: 'reconnect', trigger: cause }).inc();
    if (cause !== 'shutdown') this.summary.resyncs.reconnect = (this.summary.resyncs.reconnect ?? 0) + 1;
    c.ws.terminate();
  }

  /** Forget everything tied to the lost session: subscriptions, pending commands, books. */
  private resetSession(): void {
    this.subs.clear();
    this.bySid.clear();
    this.pending.clear();
    const now = this.clock.now();
    for (const m of this.markets.values()) {
      this.invalidate(m, 'disconnected', now);
      m.sid = null;
    }
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    for (const t of this.timers) this.clock.clear(t);
    this.timers = [];
    this.clock.clear(this.reconnectTimer);
    this.clock.clear(this.statusScheduled);
    const c = this.conn;
    if (!c || c.done) {
      this.finishStop();
      return;
    }
    c.lost = { cause: 'shutdown' };
    if (c.open) c.ws.close(1000, 'shutdown');
    else c.ws.terminate();
    // A peer that never answers our close frame: do not wait for it.
    const t = this.clock.setTimeout(() => { if (!c.done) c.ws.terminate(); }, 2000);
    this.clock.unref?.(t);
  }

  private finishStop(): void {
    this.lastCause = 'shutdown';
    this.emitStatus();
    const s = this.stopped;
    this.stopped = undefined;
    s?.();
  }

  // ------------------------------------------------------------ timers

  private tick(): void {
    const now = this.clock.now();
    const c = this.conn;
    if (c?.open && !c.done && now - this.lastActivity > this.o.silenceTimeoutMs) {
      this.dropConnection('heartbeat-timeout', `no frame or ping for ${now - this.lastActivity} ms`);
      return;
    }
    if (!c?.open) return;
    // A command the server never answered is forgotten after a minute.
    for (const [id, p] of this.pending) if (now - p.sentAt > 60_000) {
      this.pending.delete(id);
      this.log.warn('command never answered', { id, cmd: p.cmd });
    }
    const book = this.subs.get('book');
    if (book?.state === 'active') {
      let invalid = 0;
      for (const t of book.tickers) if (this.markets.get(t)?.book.valid === false) invalid++;
      if (invalid === 0) book.resync = null;
      else if (!book.resync) book.resync = { level: 0, since: now, trigger: 'awaiting-snapshot' };
      else if (now - book.resync.since > this.o.resyncTimeoutMs) {
        if (book.resync.level === 0) this.resubscribe(book, `resync-timeout(${book.resync.trigger})`);
        else this.dropConnection('resync-timeout', `${invalid} book(s) still invalid after resubscribe (${book.resync.trigger})`);
      }
    }
    // A subscription never confirmed (any channel): the next rung is a new connection.
    for (const sub of this.subs.values()) {
      if (sub.state === 'subscribing' && now - sub.since > this.o.resyncTimeoutMs) {
        this.dropConnection('resync-timeout', `${CHANNEL[sub.key]} subscription not confirmed`);
        return;
      }
    }
  }

  private periodicStatus(): void {
    const now = this.clock.now();
    const mem = process.memoryUsage();
    this.gauge('process_memory_bytes', { kind: 'rss' }).set(mem.rss);
    this.gauge('process_memory_bytes', { kind: 'heap_used' }).set(mem.heapUsed);
    this.gauge('process_memory_bytes', { kind: 'heap_total' }).set(mem.heapTotal);
    this.gauge('process_memory_bytes', { kind: 'external' }).set(mem.external);
    this.gauge('process_memory_bytes', { kind: 'array_buffers' }).set(mem.arrayBuffers);
    const dt = now - this.lastRateTs;
    if (dt > 0) {
      this.gauge('feed_message_rate', { source: 'kalshi' }).set(Math.round(((this.summary.messages - this.msgsAtLastRate) * 1000) / dt));
      this.msgsAtLastRate = this.summary.messages;
      this.lastRateTs = now;
    }
    this.emitStatus();
  }

  // ------------------------------------------------------------ subscriptions

  private send(conn: Conn, cmd: string, params: Record<string, unknown> | undefined, pending: Omit<Pending, 'sentAt'> | undefined): number {
    const id = conn.nextId++;
    const msg = params === undefined ? { id, cmd } : { id, cmd, params };
    if (pending) this.pending.set(id, { ...pending, sentAt: this.clock.now() });
    conn.ws.send(JSON.stringify(msg));
    return id;
  }

  private wantedTickers(): Set<string> {
    const s = new Set<string>();
    for (const m of this.markets.values()) if (m.wanted) s.add(m.ticker);
    return s;
  }

  private subscribeAll(): void {
    const want = this.wantedTickers();
    if (want.size) {
      this.subscribe('book', want, 'connect');
      this.subscribe('trade', want, 'connect');
    }
    this.subscribe('lifecycle', new Set(), 'connect');
    if (this.o.private) {
      this.subscribe('fill', new Set(), 'connect');
      this.subscribe('orders', new Set(), 'connect');
    }
  }

  private subscribe(key: SubKey, tickers: Set<string>, trigger: string, replaces: number | null = null): Sub | undefined {
    const c = this.conn;
    if (!c?.open) return undefined;
    const sub: Sub = {
      key, sid: null, state: 'subscribing', tickers: new Set(tickers), lastSeq: null, replaces, since: this.clock.now(),
      resync: key === 'book' ? { level: 1, since: this.clock.now(), trigger } : null,
    };
    this.subs.set(key, sub);
    const params: Record<string, unknown> = { channels: [CHANNEL[key]] };
    if (key === 'book' || key === 'trade') params.market_tickers = [...tickers];
    if (key === 'book') params.use_yes_price = this.o.useYesPrice;
    this.send(c, 'subscribe', params, { cmd: 'subscribe', sub, tickers: [...tickers] });
    return sub;
  }

  private unsubscribe(sid: number): void {
    const c = this.conn;
    if (!c?.open) return;
    this.bySid.delete(sid);
    this.send(c, 'unsubscribe', { sids: [sid] }, { cmd: 'unsubscribe', sub: null, tickers: [] });
  }

  /** Drop a subscription (unsubscribing it unless the server already killed it) and subscribe afresh. */
  private resubscribe(sub: Sub, trigger: string, dead = false): void {
    const now = this.clock.now();
    if (sub.key === 'book') for (const t of sub.tickers) { const m = this.markets.get(t); if (m) this.invalidate(m, trigger, now); }
    if (sub.sid !== null) {
      if (dead) this.bySid.delete(sub.sid);
      else this.unsubscribe(sub.sid);
    }
    this.subs.delete(sub.key);
    this.summary.resyncs.resubscribe = (this.summary.resyncs.resubscribe ?? 0) + 1;
    this.counter('kalshi_resyncs_total', { method: 'resubscribe', trigger: trimTrigger(trigger) }).inc();
    this.log.info('resync', { method: 'resubscribe', channel: CHANNEL[sub.key], sid: sub.sid, trigger });
    const want = sub.key === 'book' || sub.key === 'trade' ? this.wantedTickers() : new Set<string>();
    if ((sub.key === 'book' || sub.key === 'trade') && want.size === 0) return;
    this.subscribe(sub.key, want, trigger);
    this.markStatus();
  }

  /** Bring the book and trade subscriptions in line with the wanted market set. */
  private syncSubs(): void {
    const c = this.conn;
    if (!c?.open) return;
    const want = this.wantedTickers();
    const book = this.subs.get('book');
    if (!book) {
      if (want.size) this.subscribe('book', want, 'markets-added');
    } else if (book.state === 'active' && book.sid !== null) {
      const add = [...want].filter((t) => !book.tickers.has(t));
      const del = [...book.tickers].filter((t) => !want.has(t));
      if (want.size === 0) {
        this.unsubscribe(book.sid);
        this.subs.delete('book');
      } else {
        if (add.length) {
          for (const t of add) book.tickers.add(t);
          this.send(c, 'update_subscription', { sids: [book.sid], market_tickers: add, action: 'add_markets' }, { cmd: 'add_markets', sub: book, tickers: add });
          this.log.info('markets added', { sid: book.sid, tickers: add });
        }
        if (del.length) {
          for (const t of del) book.tickers.delete(t);
          this.send(c, 'update_subscription', { sids: [book.sid], market_tickers: del, action: 'delete_markets' }, { cmd: 'delete_markets', sub: book, tickers: del });
          this.log.info('markets removed', { sid: book.sid, tickers: del });
        }
      }
    }
    for (const m of [...this.markets.values()]) if (m.finished) this.markets.delete(m.ticker);
    const trade = this.subs.get('trade');
    if (!trade) {
      if (want.size) this.subscribe('trade', want, 'markets-added');
    } else if (trade.state === 'active' && trade.sid !== null) {
      if (want.size === 0) {
        this.unsubscribe(trade.sid);
        this.subs.delete('trade');
      } else if (!sameSet(trade.tickers, want)) {
        this.subscribe('trade', want, 'markets-changed', trade.sid);
      }
    }
    this.markStatus();
  }

  // ------------------------------------------------------------ frames

  private onFrame(conn: Conn, data: WebSocket.RawData): void {
    if (conn !== this.conn || conn.done) return;
    const now = this.clock.now();
    this.lastActivity = now;
    this.lastMsgTs = now;
    this.summary.messages++;
    conn.frames++;
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const d = decodeFrame(text);
    if (d.env?.sid !== undefined && d.env.seq !== undefined) this.checkSeq(d.env.sid, d.env.seq, now);
    if (!d.ok) {
      this.onBad(conn, d, text, now);
      return;
    }
    this.countMsg(d.env.type);
    this.dispatch(d.msg, d.env.seq, now);
  }

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
      this.log.limited('warn', `gap:${sub.key}`, 'sequence gap on a channel without snapshots', { channel: CHANNEL[sub.key], sid, expected: last + 1, got: seq });
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
    const c = this.conn;
    const list: string[] = [];
    for (const t of tickers) {
      const m = this.markets.get(t);
      if (!m) continue;
      this.invalidate(m, trigger, now);
      if (sub.tickers.has(t)) list.push(t);
    }
    if (!c?.open || sub.state !== 'active' || sub.sid === null || list.length === 0) return;
    // Escalation is timed from the first trouble; a later gap asks again without resetting it.
    if (!sub.resync) sub.resync = { level: 0, since: now, trigger };
    this.summary.resyncs.get_snapshot = (this.summary.resyncs.get_snapshot ?? 0) + 1;
    this.counter('kalshi_resyncs_total', { method: 'get_snapshot', trigger }).inc();
    this.log.info('resync', { method: 'get_snapshot', sid: sub.sid, trigger, tickers: all ? list.length : list });
    this.send(c, 'update_subscription', { sids: [sub.sid], market_tickers: list, action: 'get_snapshot' }, { cmd: 'get_snapshot', sub, tickers: list });
  }

  private onBad(conn: Conn, d: Extract<Decoded, { ok: false }>, text: string, now: number): void {
    this.countBad(d.reason);
    const env = d.env;
    this.log.limited('warn', `bad-message:${d.reason}`, 'bad message', {
      reason: d.reason, detail: d.detail, conn: conn.n, frame: conn.frames,
      ...(env?.sid !== undefined ? { sid: env.sid } : {}), ...(env?.seq !== undefined ? { seq: env.seq } : {}),
      excerpt: excerpt(text, 120),
    }, 5);
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
      case 'delta': return this.onDelta(msg, seq, now);
      case 'snapshot': return this.onSnapshot(msg, seq, now);
      case 'trade': return this.onTrade(msg, now);
      case 'lifecycle': return this.onLifecycle(msg, now);
      case 'event_fee_update': return this.onFeeUpdate(msg.body, now);
      case 'event_lifecycle': return;
      case 'fill': return this.onFill(msg.fill, now);
      case 'user_order': return this.onUserOrder(msg.order, now);
      case 'subscribed': return this.onSubscribed(msg, now);
      case 'ok': return this.onOk(msg);
      case 'unsubscribed':
        // bySid forgot the sid when the unsubscribe was sent; its late messages are ignored.
        if (msg.id !== undefined) this.pending.delete(msg.id);
        return;
      case 'error': return this.onWsError(msg);
      case 'ignored': return;
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
      this.unsubscribe(msg.sid);
      return;
    }
    sub.sid = msg.sid;
    sub.state = 'active';
    sub.lastSeq = null;
    this.bySid.set(msg.sid, sub);
    if (sub.key === 'book') {
      if (sub.resync) sub.resync = { level: sub.resync.level, since: now, trigger: sub.resync.trigger };
      for (const t of sub.tickers) { const m = this.markets.get(t); if (m) m.sid = msg.sid; }
    }
    if (sub.replaces !== null) {
      this.unsubscribe(sub.replaces);
      sub.replaces = null;
    }
    this.log.info('subscribed', {
      channel: msg.channel, sid: msg.sid, tickers: sub.tickers.size,
      ...(sub.key === 'book' ? { use_yes_price: this.o.useYesPrice } : {}),
    });
    // The wanted set may have moved while the command was in flight.
    if (sub.key === 'book' || sub.key === 'trade') this.syncSubs();
  }

  private onOk(msg: Extract<Msg, { kind: 'ok' }>): void {
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    if (p.sub && msg.tickers && (p.cmd === 'add_markets' || p.cmd === 'delete_markets') && this.subs.get(p.sub.key) === p.sub) {
      // The server's full list after the update is the truth.
      p.sub.tickers = new Set(msg.tickers);
      for (const t of msg.tickers) { const m = this.markets.get(t); if (m && p.sub.sid !== null) m.sid = p.sub.sid; }
      this.markStatus();
    }
  }

  private onWsError(msg: Extract<Msg, { kind: 'error' }>): void {
    const p = msg.id !== undefined && msg.id !== 0 ? this.pending.get(msg.id) : undefined;
    if (p) this.pending.delete(msg.id!);
    const text = msg.text || WS_ERROR_TEXT[msg.code] || '';
    this.summary.ws_errors[msg.code] = (this.summary.ws_errors[msg.code] ?? 0) + 1;
    this.counter('feed_bad_messages_total', { source: 'kalshi', reason: `ws-error-${msg.code}` }).inc();
    this.log.warn('kalshi error', { code: msg.code, msg: text, id: msg.id, sid: msg.sid, cmd: p?.cmd, ...(msg.ticker ? { ticker: msg.ticker } : {}) });
    if (TERMINAL_ERRORS.has(msg.code)) {
      // The subscription is dead. Which one: the sid it names, else the command it
      // answers, else (unknown) every data subscription.
      const bySid = msg.sid !== undefined ? this.bySid.get(msg.sid) : undefined;
      const known = bySid ?? p?.sub ?? undefined;
      if (known) {
        if (this.subs.get(known.key) === known) this.resubscribe(known, `error-${msg.code}`, true);
        return;
      }
      // Unknown: unsubscribe everything (a dead sid answers error 7, harmless) and start over.
      for (const s of [...this.subs.values()]) this.resubscribe(s, `error-${msg.code}`, false);
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
          this.unsubscribe(old);
          this.subscribe(sub.key, sub.tickers, 'error-6');
          return;
        }
        if (msg.code === 16 && msg.ticker) {
          this.dropUnknownMarket(msg.ticker);
          this.subs.delete(sub.key);
          const want = this.wantedTickers();
          if (want.size) this.subscribe(sub.key, want, 'market-not-found');
          return;
        }
        this.dropConnection(`subscribe-error-${msg.code}`, text);
        return;
      case 'get_snapshot':
        // get_snapshot refused (an older server, error 13, ...): the next rung.
        if (sub && this.subs.get(sub.key) === sub) this.resubscribe(sub, `get-snapshot-error-${msg.code}`);
        return;
      case 'add_markets':
        if (msg.code === 16 && msg.ticker) {
          this.dropUnknownMarket(msg.ticker);
          if (sub) for (const t of p.tickers) sub.tickers.delete(t);
          this.syncSubs();
          return;
        }
        if (sub && this.subs.get(sub.key) === sub) this.resubscribe(sub, `add-markets-error-${msg.code}`);
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
  private bookMarket(sid: number, ticker: string): Mkt | undefined {
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
      this.markStatus();
      return;
    }
    if (m.invalidSince !== null) m.invalidSince = null;
    // Recovery done when every book of the sid is valid again: the next trouble starts at the first rung.
    if (sub.resync) {
      let all = true;
      for (const t of sub.tickers) if (this.markets.get(t)?.book.valid === false) { all = false; break; }
      if (all) sub.resync = null;
    }
    this.noteCrossed(m);
    this.publishBook(m, now, undefined);
    this.markStatus();
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
    this.markStatus();
  }

  private invalidate(m: Mkt, reason: string, now: number): void {
    if (m.book.valid) m.book.invalidate(reason);
    if (m.invalidSince === null) {
      m.invalidSince = now;
      this.markStatus();
    }
  }

  private noteCrossed(m: Mkt): void {
    // The engine never rests a crossed book; seeing one is reported, not repaired (the
    // order of deltas around a trade is not documented, so it may be transient).
    if (m.book.crossed) {
      this.countBad('crossed');
      this.log.limited('warn', 'crossed', 'crossed book', { ticker: m.ticker, bid: m.book.bestBid()?.[0], ask: m.book.bestAsk()?.[0], seq: m.seq }, 3);
    }
  }

  /** kalshi.book, serialized by hand: the same text JSON.stringify would give, at a fraction of the cost. */
  private publishBook(m: Mkt, now: number, exchTs: number | undefined): void {
    this.summary.books++;
    const line = `{"type":"kalshi.book","ts":${this.stamp(now)},"recv_ts":${now},"ticker":${m.tickerJson},"seq":${m.seq ?? 0}${m.sid !== null ? `,"sid":${m.sid}` : ''},${m.book.topJson()}${exchTs !== undefined ? `,"exch_ts":${exchTs}` : ''}}`;
    if (this.o.emitLine) this.o.emitLine(line, 'kalshi.book');
    else this.o.emit(JSON.parse(line) as Record<string, unknown> & { type: string });
  }

  // ------------------------------------------------------------ trades, lifecycle, private

  private onTrade(msg: Extract<Msg, { kind: 'trade' }>, now: number): void {
    const m = this.markets.get(msg.ticker);
    if (!m || !m.wanted) return;
    if (!this.recentTrades.add(msg.tradeId)) return; // seen on the sid being replaced
    this.summary.trades++;
    this.o.emit({
      type: 'kalshi.trade', ts: this.stamp(now), recv_ts: now, ticker: msg.ticker, trade_id: msg.tradeId,
      price: priceNumber(msg.price), count: countNumber(msg.count), taker_side: msg.takerSide,
      ...(msg.tsMs !== undefined ? { exch_ts: msg.tsMs } : {}),
    });
  }

  private onLifecycle(msg: Extract<Msg, { kind: 'lifecycle' }>, now: number): void {
    const m = this.markets.get(msg.ticker);
    if (!m) {
      // Lifecycle covers every market on the exchange: only our series interest us.
      if (msg.eventType === 'created' && this.seriesSet.has(seriesOf(msg.ticker)) && this.rest) {
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
          const sv = parsePrice(b.settlement_value);
          this.o.emit({
            type: 'kalshi.result', ts: this.stamp(now), recv_ts: now, ticker: m.ticker, result,
            ...(sv !== null ? { settlement_value: priceNumber(sv) } : b.settlement_value === '1.0000' ? { settlement_value: 1 } : {}),
          });
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
      this.markStatus();
    }
    if (m.status !== undefined && FINISHED.has(m.status) && m.wanted) {
      this.retire(m);
      this.syncSubs();
    }
  }

  /**
   * A finished market: out of the subscription at the next sync, its book freed, and
   * forgotten then (a feeder running for weeks sees thousands of games come and go).
   */
  private retire(m: Mkt): void {
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

  private onFill(f: import('../core/kalshi-messages.js').FillMsg, now: number): void {
    if (!this.recentFills.add(f.tradeId + '|' + f.orderId)) return;
    this.o.emit({
      type: 'kalshi.fill', ts: this.stamp(now), recv_ts: now, trade_id: f.tradeId, order_id: f.orderId,
      ...(f.clientOrderId !== undefined ? { client_order_id: f.clientOrderId } : {}),
      ticker: f.ticker, price: priceNumber(f.price), count: countNumber(f.count), fee: priceNumber(f.fee),
      is_taker: f.isTaker, outcome_side: f.outcomeSide, book_side: f.bookSide,
      ...(f.postPosition !== undefined ? { post_position: countNumber(f.postPosition) } : {}),
      ...(f.tsMs !== undefined ? { exch_ts: f.tsMs } : {}),
    });
  }

  private onUserOrder(u: import('../core/kalshi-messages.js').UserOrderMsg, now: number): void {
    this.o.emit({
      type: 'kalshi.user_order', ts: this.stamp(now), recv_ts: now, order_id: u.orderId,
      ...(u.clientOrderId !== undefined ? { client_order_id: u.clientOrderId } : {}),
      ticker: u.ticker, status: u.status, outcome_side: u.outcomeSide, book_side: u.bookSide,
      price: priceNumber(u.price), fill_count: countNumber(u.fillCount), remaining_count: countNumber(u.remainingCount),
      initial_count: countNumber(u.initialCount), ...(u.tsMs !== undefined ? { exch_ts: u.tsMs } : {}),
    });
  }

  // ------------------------------------------------------------ markets and discovery

  private addMarket(ticker: string, pinned: boolean): Mkt {
    let m = this.markets.get(ticker);
    if (m) {
      if (pinned) m.pinned = true;
      return m;
    }
    const p = parseMarketTicker(ticker);
    const i = ticker.lastIndexOf('-');
    m = {
      ticker, tickerJson: JSON.stringify(ticker), parsed: p.ok ? p.value : undefined, wanted: true, pinned, status: undefined, closeTs: undefined,
      feeType: undefined, eventTicker: i > 0 ? ticker.slice(0, i) : ticker, grid: UNIT_GRID,
      book: new KalshiBook(ticker, { useYesPrice: this.o.useYesPrice, depth: this.o.depth }),
      seq: null, sid: null, lastUpdate: null, invalidSince: this.clock.now(), linked: false, metaKey: undefined, finished: false,
    };
    this.markets.set(ticker, m);
    const now = this.clock.now();
    if (p.ok) {
      m.linked = true;
      this.o.emit({ type: 'market.link', ts: this.stamp(now), event: p.value.event, sport: p.value.sport, side: p.value.side, ticker });
    } else {
      // Reported, never guessed: the book still works, but nothing links it to a game.
      this.counter('skips_total', { reason: 'unmapped' }).inc();
      this.log.warn('ticker not mapped to a game', { ticker, problem: p.problem, detail: p.detail });
      this.o.emit({ type: 'skip', ts: this.stamp(now), ticker, reason: 'unmapped', detail: `${p.problem}: ${p.detail}` });
    }
    return m;
  }

  private async discover(): Promise<void> {
    if (!this.rest || this.discovering || this.stopping) return;
    this.discovering = true;
    try {
      const rest = this.rest;
      for (const s of this.seriesSet) {
        try {
          const series = await rest.getSeries(s);
          if (typeof series.fee_type === 'string') this.feeTypes.set(s, series.fee_type);
        } catch (e) {
          this.log.limited('warn', `series:${s}`, 'series lookup failed', { series: s, err: errText(e) });
        }
      }
      const found = new Map<string, RestMarket>();
      for (const s of this.seriesSet) for (const rm of await rest.listMarkets(s, 'open')) found.set(rm.ticker, rm);
      for (const m of this.markets.values()) {
        if (found.has(m.ticker) || !(m.pinned || m.wanted)) continue;
        // Named on the command line, or no longer listed as open: ask for the market itself.
        try {
          found.set(m.ticker, await rest.getMarket(m.ticker));
        } catch (e) {
          if (e instanceof RestError && e.status === 404) {
            this.dropUnknownMarket(m.ticker);
            continue;
          }
          throw e;
        }
      }
      if (this.stopping) return;
      const now = this.clock.now();
      for (const rm of found.values()) this.upsertFromRest(rm, now);
      try {
        const ex = await rest.exchangeStatus();
        const next = { exchange_active: ex.exchange_active, trading_active: ex.trading_active };
        if (next.exchange_active !== this.exchange.exchange_active || next.trading_active !== this.exchange.trading_active) {
          this.exchange = next;
          this.log.info('exchange status', next);
          this.markStatus();
        }
      } catch (e) {
        this.log.limited('warn', 'exchange-status', 'exchange status failed', { err: errText(e) });
      }
      this.discovered = true;
      this.syncSubs();
    } catch (e) {
      if (!this.stopping) this.log.limited('warn', 'discovery', 'market discovery failed; retrying at the next refresh', { err: errText(e) });
    } finally {
      this.discovering = false;
    }
  }

  private upsertFromRest(rm: RestMarket, now: number): void {
    const status = typeof rm.status === 'string' ? rm.status : undefined;
    const existing = this.markets.get(rm.ticker);
    if (!existing && status !== 'active') return; // open markets only
    const m = existing ?? this.addMarket(rm.ticker, false);
    m.status = status;
    if (typeof rm.event_ticker === 'string') m.eventTicker = rm.event_ticker;
    if (typeof rm.close_time === 'string') {
      const t = Date.parse(rm.close_time);
      if (Number.isFinite(t)) m.closeTs = t;
    }
    if (rm.price_ranges !== undefined) {
      const g = parsePriceRanges(rm.price_ranges);
      if (typeof g === 'string') this.log.limited('warn', `price-ranges:${rm.ticker}`, 'price_ranges unreadable: keeping the 4-decimal grid', { ticker: rm.ticker, problem: g });
      else {
        m.grid = g;
        m.book.grid = g;
      }
    }
    m.feeType = this.feeTypes.get(seriesOf(rm.ticker)) ?? m.feeType;
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
  private emitMarket(m: Mkt, now: number): void {
    if (!this.rest) return;
    const series = seriesOf(m.ticker);
    const sport = m.parsed?.sport ?? GAME_SERIES[series];
    if (!sport) return;
    const rec: Record<string, unknown> & { type: string } = {
      type: 'kalshi.market', ts: 0, ticker: m.ticker, event_ticker: m.eventTicker, series, sport,
      ...(m.parsed ? { event: m.parsed.event, team: m.parsed.yesTeam.code } : {}),
      status: m.status ?? 'unknown',
      ...(m.closeTs !== undefined ? { close_ts: m.closeTs } : {}),
      ...(m.grid !== UNIT_GRID ? { price_ranges: priceRangesNumbers(m.grid) } : {}),
      ...(m.feeType !== undefined ? { fee_type: m.feeType } : {}),
    };
    const key = JSON.stringify(rec);
    if (key === m.metaKey) return;
    m.metaKey = key;
    rec.ts = this.stamp(now);
    this.o.emit(rec);
  }

  // ------------------------------------------------------------ status

  private computeState(): FeedState {
    if (this.stopping) return 'down';
    const c = this.conn;
    if (!c) return 'down'; // waiting to reconnect
    if (!c.open) return 'connecting';
    let ready = this.discovered || this.seriesSet.size === 0 || !this.rest;
    for (const s of this.subs.values()) if (s.state !== 'active') ready = false;
    if (ready) for (const m of this.markets.values()) if (m.wanted && !m.book.valid) { ready = false; break; }
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

  /** A validity or state change: publish a status once this turn's frames are handled. */
  private markStatus(): void {
    if (this.stopping) return;
    this.refreshState();
    this.statusDirty = true;
    if (this.statusScheduled) return;
    this.statusScheduled = this.clock.setTimeout(() => {
      this.statusScheduled = undefined;
      if (this.statusDirty && !this.stopping) this.emitStatus();
    }, 0);
  }

  private emitStatus(): void {
    this.statusDirty = false;
    const now = this.clock.now();
    this.refreshState();
    const tickers: Record<string, { valid: boolean; age_ms: number | null; seq: number | null; market_status?: string }> = {};
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
    this.o.emit({
      type: 'kalshi.status', ts: this.stamp(now), state: this.state,
      connects: this.summary.connects, reconnects: this.summary.reconnects, disconnects: this.summary.disconnects,
      gaps: this.summary.gaps, last_msg_ts: this.lastMsgTs, tickers,
      cause: this.lastCause, maintenance: inMaintenanceWindow(now), use_yes_price: this.o.useYesPrice,
      ...(this.exchange.exchange_active !== undefined ? { exchange_active: this.exchange.exchange_active } : {}),
      ...(this.exchange.trading_active !== undefined ? { trading_active: this.exchange.trading_active } : {}),
    });
  }

  // ------------------------------------------------------------ helpers

  /** Record ts: the receive time, never earlier than a ts already written (sorted output). */
  private stamp(now: number): number {
    if (now > this.lastStamp) this.lastStamp = now;
    return this.lastStamp;
  }

  private countMsg(type: string): void {
    let c = this.msgCounters.get(type);
    if (!c) {
      c = this.o.metrics.counter('messages_total', { source: 'kalshi', kind: type });
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
      c = this.o.metrics.counter(name, labels);
      this.counters.set(key, c);
    }
    return c;
  }

  private gauge(name: Parameters<Metrics['gauge']>[0], labels: Record<string, string>): { set(v: number): void } {
    return this.o.metrics.gauge(name, labels);
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

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
