// The loopback Kalshi: one HTTP server on 127.0.0.1 serving the signed REST API under
// /trade-api/v2, the WebSocket v2 under /trade-api/ws/v2 (signed handshake checked
// against the configured public key), and an unauthenticated admin API under /_sim for
// fault injection and inspection. Market activity comes from the engine (orders placed
// over REST, background liquidity from a scenario or a random walk).
//
// WebSocket behaviour follows reference §1: subscribe / unsubscribe /
// update_subscription (add_markets, delete_markets, get_snapshot) / list_subscriptions
// with the documented responses and error codes; an orderbook subscription gets one
// snapshot per market, then deltas, with `seq` counted per sid (ok and unsubscribed
// responses of that sid included); pings every 10 s with payload "heartbeat".
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import { PRICE_ONE, formatCount, formatPrice } from '../../core/kalshi-fixed.js';
import { utf8Prefix } from '../../core/text.js';
import { WS_ERROR_TEXT } from '../../core/kalshi-messages.js';
import type { Logger } from '../../log/logger.js';
import { SIM_REST_PREFIX as REST_PREFIX, SIM_WS_PATH as WS_PATH, checkSignature, simPublicKey } from './signature.js';
import { Engine, type BookSide, type LifecycleEvent, type OrderGroupEvent, type SimFill, type SimOrder, type SimTrade } from './engine.js';
import { FAULT_KINDS, type Fault, type FaultKind } from './faults.js';
import { handleRest, RateLimiter, type RestConfig } from './rest.js';

export { FAULT_KINDS, type Fault, type FaultKind };

/** What one orderbook message told a client, for a soak's ground truth. */
export interface Observation {
  session: number;
  sid: number;
  seq: number;
  ticker: string;
  kind: 'snapshot' | 'delta' | 'bogus';
  /** The client's copy of this book cannot be right (a seq was skipped, a bogus message sent) until its next snapshot. */
  tainted: boolean;
}

export interface KalshiSimOptions {
  host?: string;
  port?: number;
  publicKeyPem: string;
  /** Required key id; any when absent. */
  keyId?: string;
  clock: Clock;
  random: () => number;
  log: Logger;
  engine: Engine;
  pingEveryMs?: number;
  /** A second subscription to a channel already subscribed: error 6 (default) or allowed (reference §1.2 UNCERTAIN). */
  sameChannel?: 'error' | 'allow';
  /** Put a seq on trade messages too (reference §1.4 UNCERTAIN variant). */
  tradeSeq?: boolean;
  /** false: answer get_snapshot with error 13, as a server older than 2026-04-20 would. */
  getSnapshot?: boolean;
  /** Allowed |now - KALSHI-ACCESS-TIMESTAMP|, ms. */
  maxSkewMs?: number;
  rest?: Partial<RestConfig>;
}

const CHANNELS = new Set(['orderbook_delta', 'trade', 'market_lifecycle_v2', 'fill', 'user_orders', 'ticker', 'market_positions', 'order_group_updates']);
const UPDATABLE = new Set(['orderbook_delta', 'ticker', 'fill', 'user_orders']);

interface SSub {
  sid: number;
  channel: string;
  /** null: every market. */
  tickers: Set<string> | null;
  useYesPrice: boolean;
  seq: number;
  pendingSnapshot: Set<string>;
  tainted: Set<string>;
  skipNext: boolean;
}

export class Session {
  readonly subs = new Map<number, SSub>();
  nextSid = 1;
  stalled = false;
  queue: string[] = [];
  closed = false;
  pingTimer: TimerHandle | undefined;
  stallTimer: TimerHandle | undefined;
  private corked = false;
  constructor(
    readonly n: number,
    readonly keyId: string,
    readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {}

  send(text: string): void {
    if (this.closed) return;
    if (this.stalled) {
      this.queue.push(text);
      return;
    }
    // Frames sent in one turn leave in one write (as an exchange's gateway batches), not a syscall each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.ws.send(text);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

export interface SimUrls {
  wsUrl: string;
  restUrl: string;
  adminUrl: string;
  port: number;
}

export class KalshiSim {
  readonly engine: Engine;
  readonly sessions = new Set<Session>();
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  private readonly publicKey: KeyObject;
  private sessionCount = 0;
  private refuseAuth = 0;
  /** REST answers still to spoil with an error that quotes the caller's key id (echo-secrets). */
  echoRest = 0;
  /** Order writes still to answer 500 after applying them (order-5xx). */
  order5xx = 0;
  /** Cancels still to race with a fill (fill-before-cancel). */
  fillBeforeCancel = 0;
  /** user_order acknowledgements still to drop, send twice, or delay (ack-drop, ack-dup, ack-delay). */
  private ackDrop = 0;
  private ackDup = 0;
  private ackDelayN = 0;
  private ackDelayMs = 0;
  private snapshotDelayMs = 0;
  private maintenanceUntil = 0;
  private readonly observers: Array<(o: Observation) => void> = [];
  readonly limiter: RateLimiter;
  readonly restConfig: RestConfig;
  readonly clock: Clock;
  readonly log: Logger;
  private readonly timers = new Set<TimerHandle>();
  /** Counts of what was injected, by kind (the soak's expectations). */
  readonly injected: Record<string, number> = {};
  /** Handshakes refused, by reason. */
  readonly refused: Record<string, number> = {};

  constructor(private readonly opts: KalshiSimOptions) {
    this.engine = opts.engine;
    this.clock = opts.clock;
    this.log = opts.log.child({ component: 'sim-kalshi' });
    this.publicKey = simPublicKey(opts.publicKeyPem);
    this.restConfig = { cancelDone: '404', tier: 'none', orderLatencyMs: 0, ...opts.rest };
    this.limiter = new RateLimiter(this.restConfig.tier, opts.clock);
    this.engine.listen({
      level: (t, side, price, delta) => this.onLevel(t, side, price, delta),
      trade: (t) => this.onTrade(t),
      fill: (f) => this.onFill(f),
      order: (ord) => this.onOrder(ord),
      lifecycle: (e) => this.onLifecycle(e),
      orderGroup: (e) => this.onOrderGroup(e),
    });
  }

  async start(): Promise<SimUrls> {
    const server = createServer((req, res) => void this.onHttp(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return {
      wsUrl: `ws://${host}:${addr.port}${WS_PATH}`,
      restUrl: `http://${host}:${addr.port}${REST_PREFIX}`,
      adminUrl: `http://${host}:${addr.port}/_sim`,
      port: addr.port,
    };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) this.clock.clear(t);
    this.timers.clear();
    for (const s of this.sessions) {
      this.endSession(s);
      s.ws.close(1001, 'simulator stopping');
    }
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        for (const s of this.sessions) s.ws.terminate();
        server.closeAllConnections();
      }, 1000);
      server.close(() => {
        clearTimeout(t);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  observe(fn: (o: Observation) => void): void {
    this.observers.push(fn);
  }

  // ------------------------------------------------------------ faults

  inject(f: Fault): void {
    this.injected[f.kind] = (this.injected[f.kind] ?? 0) + 1;
    this.log.info('fault', {
      kind: f.kind,
      ...(f.ms !== undefined ? { ms: f.ms } : {}),
      ...(f.n !== undefined ? { n: f.n } : {}),
      ...(f.code !== undefined ? { code: f.code } : {}),
      sessions: this.sessions.size,
    });
    const live = [...this.sessions].filter((s) => !s.closed);
    switch (f.kind) {
      case 'close-clean':
        for (const s of live) s.ws.close(1000, 'sim: clean close');
        return;
      case 'close-abrupt':
        for (const s of live) s.ws.terminate();
        return;
      case 'stall':
        for (const s of live) this.stall(s, f.ms ?? 30_000);
        return;
      case 'skip-seq':
        for (const s of live) for (const sub of s.subs.values()) if (sub.channel === 'orderbook_delta') sub.skipNext = true;
        return;
      case 'error25':
      case 'error25-nosid':
        for (const s of live) {
          for (const sub of [...s.subs.values()]) {
            if (sub.channel !== 'orderbook_delta') continue;
            s.subs.delete(sub.sid);
            const code = f.code ?? 25;
            const body = { code, msg: WS_ERROR_TEXT[code] ?? 'Error' };
            s.send(JSON.stringify(f.kind === 'error25' ? { type: 'error', sid: sub.sid, msg: body } : { type: 'error', msg: body }));
          }
        }
        return;
      case 'malformed-garbage':
        for (const s of live) s.send('{"type":"orderbook_delta","sid":1,"seq":'); // truncated JSON
        return;
      case 'malformed-unknown-type':
        for (const s of live) s.send(JSON.stringify({ type: 'sim_mystery', msg: { note: 'a type no client knows' } }));
        return;
      case 'malformed-bad-field':
      case 'malformed-negative':
      case 'malformed-off-grid':
      case 'crossed':
        for (const s of live) this.bogusDelta(s, f.kind);
        return;
      case 'delay-snapshot':
        this.snapshotDelayMs = f.ms ?? 1000;
        return;
      case 'refuse-auth':
        this.refuseAuth += f.n ?? 1;
        return;
      case 'rate-limit':
        this.limiter.forced += f.n ?? 1;
        return;
      case 'echo-secrets':
        // A server that quotes what the client sent: the key id, as is and percent-encoded,
        // in an error frame and the close reason, and in the next n REST error bodies.
        this.echoRest += f.n ?? 1;
        for (const s of live) {
          s.send(
            JSON.stringify({
              id: 0,
              type: 'error',
              msg: { code: 9, msg: `${WS_ERROR_TEXT[9]}: key ${s.keyId} (${encodeURIComponent(s.keyId)}) is not valid` },
            }),
          );
          s.ws.close(4001, utf8Prefix(`key ${s.keyId} revoked`, 123));
        }
        return;
      case 'order-5xx':
        this.order5xx += f.n ?? 1;
        return;
      case 'fill-before-cancel':
        this.fillBeforeCancel += f.n ?? 1;
        return;
      case 'ack-drop':
        this.ackDrop += f.n ?? 1;
        return;
      case 'ack-dup':
        this.ackDup += f.n ?? 1;
        return;
      case 'ack-delay':
        this.ackDelayN += f.n ?? 1;
        this.ackDelayMs = f.ms ?? 1000;
        return;
      case 'pause': {
        this.engine.tradingActive = false;
        const paused: string[] = [];
        for (const m of this.engine.markets.values())
          if (m.status === 'active') {
            this.engine.setStatus(m.ticker, 'inactive');
            paused.push(m.ticker);
          }
        this.after(f.ms ?? 5000, () => {
          this.engine.tradingActive = true;
          for (const t of paused) if (this.engine.markets.get(t)?.status === 'inactive') this.engine.setStatus(t, 'active');
        });
        return;
      }
      case 'maintenance': {
        const ms = f.ms ?? 5000;
        this.engine.exchangeActive = false;
        this.engine.tradingActive = false;
        this.maintenanceUntil = this.clock.now() + ms;
        for (const s of live) s.ws.close(1001, 'maintenance');
        this.after(ms, () => {
          this.engine.exchangeActive = true;
          this.engine.tradingActive = true;
        });
        return;
      }
    }
  }

  private after(ms: number, fn: () => void): void {
    const t = this.clock.setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private stall(s: Session, ms: number): void {
    s.stalled = true;
    this.clock.clear(s.stallTimer);
    s.stallTimer = this.clock.setTimeout(() => {
      s.stalled = false;
      const q = s.queue;
      s.queue = [];
      if (!s.closed) for (const text of q) s.send(text);
    }, ms);
  }

  /** A delta that is wrong on purpose: it takes a seq, changes nothing in the truth, taints the market. */
  private bogusDelta(s: Session, kind: FaultKind): void {
    for (const sub of s.subs.values()) {
      if (sub.channel !== 'orderbook_delta' || !sub.tickers) continue;
      const ticker = [...sub.tickers].find((t) => !sub.pendingSnapshot.has(t) && this.engine.markets.has(t));
      if (!ticker) continue;
      const m = this.engine.markets.get(ticker)!;
      let price: string;
      let delta: unknown;
      let side = 'yes';
      if (kind === 'malformed-bad-field') {
        price = '0.5000';
        delta = 12; // a number where a fixed-point string belongs
      } else if (kind === 'malformed-negative') {
        const best = m.bids.highest ?? m.asks.lowest;
        if (best === undefined) {
          price = '0.5000';
        } else if (m.bids.highest !== undefined) {
          price = formatPrice(best);
        } else {
          side = 'no';
          price = formatPrice(sub.useYesPrice ? best : PRICE_ONE - best);
        }
        const size = m.bids.highest !== undefined ? m.bids.get(best!)!.total : best !== undefined ? m.asks.get(best)!.total : 0;
        delta = formatCount(-(size + 100));
      } else if (kind === 'crossed') {
        // A YES bid at the best ask: a well-formed delta that leaves the client's book crossed.
        price = formatPrice(m.asks.lowest ?? 9900);
        delta = '10.00';
      } else {
        // Between two ticks of the market's grid when it has coarse ticks, else past $1.
        const step = m.grid.bands[0]?.step ?? 1;
        price = step > 1 ? formatPrice(5000 + Math.floor(step / 2)) : '1.0500';
        delta = '10.00';
      }
      sub.seq++;
      sub.tainted.add(ticker);
      s.send(
        JSON.stringify({
          type: 'orderbook_delta',
          sid: sub.sid,
          seq: sub.seq,
          msg: { market_ticker: ticker, price_dollars: price, delta_fp: delta, side, ts_ms: this.clock.now() },
        }),
      );
      this.emitObs({ session: s.n, sid: sub.sid, seq: sub.seq, ticker, kind: 'bogus', tainted: true });
    }
  }

  // ------------------------------------------------------------ HTTP and the handshake

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      await handleRest(this, req, res, body);
    } catch (e) {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'internal', message: (e as Error).message }));
      }
    }
  }

  /** Check a REST request's signature: the key id, or a reason it was refused. */
  verify(req: IncomingMessage, path: string): { ok: true; keyId: string } | { ok: false; reason: string } {
    return checkSignature(req.headers, req.method ?? 'GET', path, this.publicKey, this.clock.now(), {
      ...(this.opts.keyId !== undefined ? { keyId: this.opts.keyId } : {}),
      maxSkewMs: this.opts.maxSkewMs ?? 60_000,
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    const refuse = (status: number, text: string, reason: string): void => {
      this.refused[reason] = (this.refused[reason] ?? 0) + 1;
      this.log.info('handshake refused', { status, reason });
      const body = JSON.stringify({ code: reason, message: text });
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (path !== WS_PATH) return refuse(404, 'Not Found', 'not_found');
    if (this.clock.now() < this.maintenanceUntil) return refuse(503, 'Service Unavailable', 'maintenance');
    if (this.refuseAuth > 0) {
      this.refuseAuth--;
      return refuse(401, 'Unauthorized', 'auth_refused_by_fault');
    }
    const v = this.verify(req, WS_PATH);
    // An expired timestamp has the same code as over REST (header_timestamp_expired).
    if (!v.ok)
      return refuse(401, 'Unauthorized', v.reason === 'timestamp outside the allowed skew' ? 'header_timestamp_expired' : v.reason.replace(/\W+/g, '_'));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSession(ws, v.keyId, socket));
  }

  private onSession(ws: WebSocket, keyId: string, socket: Socket): void {
    const s = new Session(++this.sessionCount, keyId, ws, socket);
    this.sessions.add(s);
    this.log.info('session', { session: s.n, key: keyId === this.opts.keyId ? 'configured' : 'any' });
    s.pingTimer = this.clock.setInterval(() => {
      if (!s.stalled && !s.closed) ws.ping('heartbeat');
    }, this.opts.pingEveryMs ?? 10_000);
    ws.on('message', (data, isBinary) => {
      if (s.closed) return;
      this.onCommand(s, isBinary ? '' : data.toString());
    });
    ws.on('close', () => this.endSession(s));
    ws.on('error', () => this.endSession(s));
  }

  private endSession(s: Session): void {
    if (s.closed) return;
    s.closed = true;
    s.queue = [];
    this.clock.clear(s.pingTimer);
    this.clock.clear(s.stallTimer);
    this.sessions.delete(s);
  }

  // ------------------------------------------------------------ commands

  private onCommand(s: Session, text: string): void {
    let cmd: unknown;
    try {
      cmd = JSON.parse(text);
    } catch {
      return this.error(s, 0, 1);
    }
    if (!cmd || typeof cmd !== 'object' || Array.isArray(cmd)) return this.error(s, 0, 1);
    const c = cmd as { id?: unknown; cmd?: unknown; params?: unknown };
    const id = typeof c.id === 'number' && Number.isInteger(c.id) ? c.id : 0;
    if (c.id !== undefined && typeof c.id !== 'number') return this.error(s, 0, 1);
    const params = c.params;
    const p = params && typeof params === 'object' && !Array.isArray(params) ? (params as Record<string, unknown>) : undefined;
    switch (c.cmd) {
      case 'subscribe':
        return this.cmdSubscribe(s, id, p);
      case 'unsubscribe':
        return this.cmdUnsubscribe(s, id, p);
      case 'update_subscription':
        return this.cmdUpdate(s, id, p);
      case 'list_subscriptions':
        s.send(JSON.stringify({ id, type: 'ok', msg: [...s.subs.values()].map((x) => ({ channel: x.channel, sid: x.sid })) }));
        return;
      default:
        return this.error(s, id, 5);
    }
  }

  private error(s: Session, id: number, code: number, extra: Record<string, unknown> = {}): void {
    s.send(JSON.stringify({ id, type: 'error', msg: { code, msg: WS_ERROR_TEXT[code] ?? 'Error', ...extra } }));
  }

  /** market_ticker | market_tickers: the set, null when neither, or an error code. */
  private tickersParam(p: Record<string, unknown>): Set<string> | null | number {
    const one = p.market_ticker;
    const many = p.market_tickers;
    if (one !== undefined && many !== undefined) return 11;
    if (one !== undefined) return typeof one === 'string' && one ? new Set([one]) : 11;
    if (many !== undefined) {
      if (!Array.isArray(many) || !many.every((t) => typeof t === 'string' && t)) return 11;
      return many.length ? new Set(many as string[]) : null;
    }
    return null;
  }

  private cmdSubscribe(s: Session, id: number, p: Record<string, unknown> | undefined): void {
    if (!p) return this.error(s, id, 2);
    const channels = p.channels;
    if (!Array.isArray(channels) || channels.length === 0) return this.error(s, id, 3);
    for (const ch of channels) if (typeof ch !== 'string' || !CHANNELS.has(ch)) return this.error(s, id, 8);
    const tickers = this.tickersParam(p);
    if (typeof tickers === 'number') return this.error(s, id, tickers);
    if (p.use_yes_price !== undefined && typeof p.use_yes_price !== 'boolean') return this.error(s, id, 11);
    if (tickers) for (const t of tickers) if (!this.engine.markets.has(t)) return this.error(s, id, 16, { market_ticker: t });
    for (const ch of channels as string[]) {
      if (ch === 'orderbook_delta' && !tickers) return this.error(s, id, 14);
      if (this.opts.sameChannel !== 'allow' && [...s.subs.values()].some((x) => x.channel === ch)) return this.error(s, id, 6);
    }
    for (const ch of channels as string[]) {
      const sub: SSub = {
        sid: s.nextSid++,
        channel: ch,
        tickers: ch === 'market_lifecycle_v2' ? null : tickers ? new Set(tickers) : null,
        useYesPrice: p.use_yes_price === true,
        seq: 0,
        pendingSnapshot: new Set(),
        tainted: new Set(),
        skipNext: false,
      };
      s.subs.set(sub.sid, sub);
      s.send(JSON.stringify({ id, type: 'subscribed', msg: { channel: ch, sid: sub.sid } }));
      if (ch === 'orderbook_delta') this.sendSnapshots(s, sub, [...sub.tickers!], true);
    }
  }

  private cmdUnsubscribe(s: Session, id: number, p: Record<string, unknown> | undefined): void {
    if (!p) return this.error(s, id, 2);
    const sids = p.sids;
    if (!Array.isArray(sids) || sids.length === 0) return this.error(s, id, 4);
    for (const sid of sids) {
      const sub = typeof sid === 'number' ? s.subs.get(sid) : undefined;
      if (!sub) {
        this.error(s, id, 7);
        continue;
      }
      s.subs.delete(sub.sid);
      const seqd = sub.channel === 'orderbook_delta' ? { seq: ++sub.seq } : {};
      s.send(JSON.stringify({ id, sid: sub.sid, ...seqd, type: 'unsubscribed' }));
    }
  }

  private cmdUpdate(s: Session, id: number, p: Record<string, unknown> | undefined): void {
    if (!p) return this.error(s, id, 2);
    let sid: unknown;
    if (p.sids !== undefined) {
      if (!Array.isArray(p.sids) || p.sids.length !== 1) return this.error(s, id, 12);
      sid = p.sids[0];
    } else if (p.sid !== undefined) sid = p.sid;
    else return this.error(s, id, 4);
    const action = p.action;
    if (action === undefined) return this.error(s, id, 15);
    if (action !== 'add_markets' && action !== 'delete_markets' && action !== 'get_snapshot') return this.error(s, id, 13);
    const sub = typeof sid === 'number' ? s.subs.get(sid) : undefined;
    if (!sub) return this.error(s, id, 7);
    if (!UPDATABLE.has(sub.channel) || (action === 'get_snapshot' && (sub.channel !== 'orderbook_delta' || this.opts.getSnapshot === false)))
      return this.error(s, id, 13);
    const tickers = this.tickersParam(p);
    if (typeof tickers === 'number') return this.error(s, id, tickers);
    if (!tickers) return this.error(s, id, 14);
    for (const t of tickers) if (!this.engine.markets.has(t)) return this.error(s, id, 16, { market_ticker: t });
    const seqd = (): Record<string, number> => (sub.channel === 'orderbook_delta' ? { seq: ++sub.seq } : {});
    if (action === 'get_snapshot') {
      s.send(JSON.stringify({ id, sid: sub.sid, ...seqd(), type: 'ok', msg: { market_tickers: [...(sub.tickers ?? [])] } }));
      this.sendSnapshots(
        s,
        sub,
        [...tickers].filter((t) => sub.tickers?.has(t)),
        false,
      );
      return;
    }
    sub.tickers ??= new Set();
    const added: string[] = [];
    for (const t of tickers) {
      if (action === 'add_markets' && !sub.tickers.has(t)) {
        sub.tickers.add(t);
        added.push(t);
      } else if (action === 'delete_markets') {
        sub.tickers.delete(t);
        sub.pendingSnapshot.delete(t);
        sub.tainted.delete(t);
      }
    }
    s.send(JSON.stringify({ id, sid: sub.sid, ...seqd(), type: 'ok', msg: { market_tickers: [...sub.tickers] } }));
    if (sub.channel === 'orderbook_delta' && added.length) this.sendSnapshots(s, sub, added, true);
  }

  /**
   * Snapshots for markets of an orderbook subscription. `initial`: the markets get no
   * deltas until their snapshot is out (a new subscription or add_markets). A pending
   * delay-snapshot fault holds them back for its duration.
   */
  private sendSnapshots(s: Session, sub: SSub, tickers: string[], initial: boolean): void {
    const delay = this.snapshotDelayMs;
    this.snapshotDelayMs = 0;
    if (initial) for (const t of tickers) sub.pendingSnapshot.add(t);
    const go = (): void => {
      if (s.closed || s.subs.get(sub.sid) !== sub) return;
      for (const t of tickers) {
        if (!sub.tickers?.has(t) || !this.engine.markets.has(t)) continue;
        const { bids, asks } = this.engine.levels(t);
        const msg: Record<string, unknown> = { market_ticker: t, market_id: marketId(t) };
        if (bids.length) msg.yes_dollars_fp = bids.map(([p, q]) => [formatPrice(p), formatCount(q)]);
        if (asks.length) {
          // NO bids: at NO prices (ascending) by default, at YES prices with use_yes_price.
          const lv = asks.map(([p, q]) => [sub.useYesPrice ? p : PRICE_ONE - p, q] as [number, number]).sort((a, b) => a[0] - b[0]);
          msg.no_dollars_fp = lv.map(([p, q]) => [formatPrice(p), formatCount(q)]);
        }
        sub.seq++;
        sub.pendingSnapshot.delete(t);
        sub.tainted.delete(t);
        s.send(JSON.stringify({ type: 'orderbook_snapshot', sid: sub.sid, seq: sub.seq, msg }));
        this.emitObs({ session: s.n, sid: sub.sid, seq: sub.seq, ticker: t, kind: 'snapshot', tainted: false });
      }
    };
    if (delay > 0) this.after(delay, go);
    else go();
  }

  // ------------------------------------------------------------ engine events -> messages

  private onLevel(ticker: string, side: BookSide, price: number, delta: number): void {
    if (this.sessions.size === 0) return;
    const now = this.clock.now();
    const tq = JSON.stringify(ticker);
    const deltaFp = formatCount(delta);
    for (const s of this.sessions) {
      for (const sub of s.subs.values()) {
        if (sub.channel !== 'orderbook_delta' || !sub.tickers?.has(ticker) || sub.pendingSnapshot.has(ticker)) continue;
        sub.seq++;
        if (sub.skipNext) {
          // A lost message: the truth moved, the client never hears of it.
          sub.skipNext = false;
          for (const t of sub.tickers) sub.tainted.add(t);
          continue;
        }
        const wire = side === 'bid' ? price : sub.useYesPrice ? price : PRICE_ONE - price;
        s.send(
          `{"type":"orderbook_delta","sid":${sub.sid},"seq":${sub.seq},"msg":{"market_ticker":${tq},"market_id":"${marketId(ticker)}","price_dollars":"${formatPrice(wire)}","delta_fp":"${deltaFp}","side":"${side === 'bid' ? 'yes' : 'no'}","ts_ms":${now}}}`,
        );
        if (this.observers.length) this.emitObs({ session: s.n, sid: sub.sid, seq: sub.seq, ticker, kind: 'delta', tainted: sub.tainted.has(ticker) });
      }
    }
  }

  private onTrade(t: SimTrade): void {
    if (this.sessions.size === 0) return;
    const taker = t.takerBookSide === 'bid' ? 'yes' : 'no';
    const msg = {
      trade_id: t.tradeId,
      market_ticker: t.ticker,
      yes_price_dollars: formatPrice(t.price),
      no_price_dollars: formatPrice(PRICE_ONE - t.price),
      count_fp: formatCount(t.count),
      taker_side: taker,
      taker_outcome_side: taker,
      taker_book_side: t.takerBookSide,
      is_block_trade: false,
      ts: Math.floor(t.ts / 1000),
      ts_ms: t.ts,
    };
    for (const s of this.sessions) {
      for (const sub of s.subs.values()) {
        if (sub.channel !== 'trade' || (sub.tickers && !sub.tickers.has(t.ticker))) continue;
        const seqd = this.opts.tradeSeq ? { seq: ++sub.seq } : {};
        s.send(JSON.stringify({ type: 'trade', sid: sub.sid, ...seqd, msg }));
      }
    }
  }

  private onFill(f: SimFill): void {
    const outcome = f.side === 'bid' ? 'yes' : 'no';
    const msg = {
      trade_id: f.tradeId,
      order_id: f.orderId,
      market_ticker: f.ticker,
      exchange_index: 0,
      is_taker: f.isTaker,
      yes_price_dollars: formatPrice(f.price),
      count_fp: formatCount(f.count),
      fee_cost: formatPrice(f.fee),
      outcome_side: outcome,
      book_side: f.side,
      side: 'yes',
      action: f.side === 'bid' ? 'buy' : 'sell',
      purchased_side: outcome,
      post_position_fp: formatCount(f.postPosition),
      ...(f.clientOrderId !== undefined ? { client_order_id: f.clientOrderId } : {}),
      ts: Math.floor(f.ts / 1000),
      ts_ms: f.ts,
      subaccount: 0,
    };
    for (const s of this.sessions) {
      if (s.keyId !== f.owner) continue;
      for (const sub of s.subs.values()) {
        if (sub.channel !== 'fill' || (sub.tickers && !sub.tickers.has(f.ticker))) continue;
        s.send(JSON.stringify({ type: 'fill', sid: sub.sid, msg }));
      }
    }
  }

  private onOrder(o: SimOrder): void {
    // The order-path acknowledgement faults act on the next user_order(s) of a client key.
    if (this.ackDrop > 0) {
      this.ackDrop--;
      return;
    }
    const copies = this.ackDup > 0 ? (this.ackDup--, 2) : 1;
    const delay = this.ackDelayN > 0 ? (this.ackDelayN--, this.ackDelayMs) : 0;
    const msg = userOrderWire(o); // the order as it is now, even when sent later
    const out = (): void => {
      for (const s of this.sessions) {
        if (s.keyId !== o.owner) continue;
        for (const sub of s.subs.values()) {
          if (sub.channel !== 'user_orders' || (sub.tickers && !sub.tickers.has(o.ticker))) continue;
          for (let i = 0; i < copies; i++) s.send(JSON.stringify({ type: 'user_order', sid: sub.sid, msg }));
        }
      }
    };
    if (delay > 0) this.after(delay, out);
    else out();
  }

  /** order_group_updates (reference §1.3): the owner's sessions, with seq per subscription. */
  private onOrderGroup(e: OrderGroupEvent): void {
    const msg = { event_type: e.eventType, order_group_id: e.groupId, contracts_limit_fp: formatCount(e.limit), ts_ms: e.ts };
    for (const s of this.sessions) {
      if (s.keyId !== e.owner) continue;
      for (const sub of s.subs.values()) {
        if (sub.channel !== 'order_group_updates') continue;
        s.send(JSON.stringify({ type: 'order_group_updates', sid: sub.sid, seq: ++sub.seq, msg }));
      }
    }
  }

  private onLifecycle(e: LifecycleEvent): void {
    const msg = { market_ticker: e.ticker, event_type: e.eventType, ...e.fields };
    for (const s of this.sessions) {
      for (const sub of s.subs.values()) {
        if (sub.channel !== 'market_lifecycle_v2') continue;
        s.send(JSON.stringify({ type: 'market_lifecycle_v2', sid: sub.sid, msg }));
      }
    }
  }

  private emitObs(o: Observation): void {
    for (const f of this.observers) f(o);
  }
}

/** The user_order message body of reference §1.3. */
export function userOrderWire(o: SimOrder): Record<string, unknown> {
  const outcome = o.side === 'bid' ? 'yes' : 'no';
  return {
    order_id: o.id,
    user_id: o.owner,
    ticker: o.ticker,
    status: o.status,
    outcome_side: outcome,
    book_side: o.side,
    side: outcome,
    is_yes: o.side === 'bid',
    yes_price_dollars: formatPrice(o.price),
    no_price_dollars: formatPrice(PRICE_ONE - o.price),
    fill_count_fp: formatCount(o.filled),
    remaining_count_fp: formatCount(o.remaining),
    initial_count_fp: formatCount(o.initial),
    taker_fill_cost_dollars: formatPrice(o.takerCost),
    maker_fill_cost_dollars: formatPrice(o.makerCost),
    taker_fees_dollars: formatPrice(o.takerFees),
    maker_fees_dollars: formatPrice(o.makerFees),
    ...(o.clientOrderId !== undefined ? { client_order_id: o.clientOrderId } : {}),
    self_trade_prevention_type: o.stp,
    created_ts_ms: o.createdMs,
    last_updated_ts_ms: o.updatedMs,
    ...(o.expirationMs !== undefined ? { expiration_ts_ms: o.expirationMs } : {}),
    ...(o.orderGroupId !== undefined ? { order_group_id: o.orderGroupId } : {}),
    ...(o.lastUpdateReason !== undefined ? { last_update_reason: o.lastUpdateReason } : {}),
    subaccount_number: 0,
  };
}

/** A stable UUID-shaped market id per ticker. */
export function marketId(ticker: string): string {
  let h = 2166136261;
  for (let i = 0; i < ticker.length; i++) h = Math.imul(h ^ ticker.charCodeAt(i), 16777619) >>> 0;
  const x = h.toString(16).padStart(8, '0');
  return `${x}-0000-4000-8000-${x}0000`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > 4 * 1024 * 1024) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
