// The client of Kalshi's private WebSocket channels (reference §1.3: user_orders, fill,
// order_group_updates) for the live order adapter. One socket at a time: the signed
// handshake (reference §0, re-signed on every attempt), one `subscribe` per channel with
// no market filter (every order of the account), 'live' once all three are acknowledged,
// and from then on every data message handed over as received. Any frame, ping or pong is
// a sign of life; silenceTimeoutMs without one is a dead socket (reference §1.5). Any end
// of a socket (lost, closed, a handshake refused or too slow, a subscription refused or
// killed) is one 'down' and a reconnect after the one jittered backoff, forever, until
// stop(). fill and user_order carry no seq (reference §1.4): the adapter reconciles over
// REST after every 'live'; a seq gap (order_group_updates) is reported through onGap.
//
// Nothing read from the wire is trusted: a frame that cannot be read is counted and
// diagnosed through onBad with a short excerpt, never thrown. The key id is masked in
// everything this module says (a server may echo it), and no frame is ever logged whole.
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { jitteredBackoff } from '../core/backoff.js';
import { TERMINAL_ERRORS, WS_ERROR_TEXT } from '../core/kalshi-messages.js';
import { excerpt } from '../core/text.js';
import type { Logger } from '../log/logger.js';
import type { Signer } from './kalshi-auth.js';

export type PrivateChannel = 'user_orders' | 'fill' | 'order_group_updates';
export const PRIVATE_CHANNELS: readonly PrivateChannel[] = ['user_orders', 'fill', 'order_group_updates'];

/** One data message from a private channel, as received. */
export interface PrivateMessage {
  /** Connection number, 1, 2, ... (increments on each new socket). */
  conn: number;
  type: 'user_order' | 'fill' | 'order_group_updates';
  /** The envelope's msg object, untouched. */
  msg: Record<string, unknown>;
  seq?: number;
}

export type PrivateState =
  /** Socket open AND all three channels subscribed (acks received). */
  | { state: 'live'; conn: number }
  /** Socket lost/closed/failed, or a subscription refused. */
  | { state: 'down'; conn: number; cause: string; detail?: string };

export interface PrivateFeedOptions {
  wsUrl: string;
  signer: Signer;
  /** All timers via clock.setTimeout/clear. */
  clock: Clock;
  /** Backoff jitter. */
  random: () => number;
  /** Never given secrets or full frames. */
  log: Logger;
  /** No frame/ping for this long => socket considered dead, closed, reconnect. */
  silenceTimeoutMs: number;
  /** From the connect to the last subscription ack: longer => closed, reconnect. */
  handshakeTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number; stableMs: number };
  onMessage(m: PrivateMessage, now: number): void;
  onState(s: PrivateState, now: number): void;
  /** A seq gap on order_group_updates (or any channel that carries seq): the adapter will reconcile over REST. */
  onGap?(conn: number, channel: string, expected: number, got: number, now: number): void;
  /** Frames that could not be read (bad JSON, unknown type, error messages): counted + diagnosed, never thrown. */
  onBad?(reason: string, excerpt: string, now: number): void;
}

/** Data message type -> the channel that carries it. */
const CHANNEL_OF_TYPE: Readonly<Record<PrivateMessage['type'], PrivateChannel>> = {
  user_order: 'user_orders',
  fill: 'fill',
  order_group_updates: 'order_group_updates',
};
/** Answers to commands we never send (unsubscribe, update_subscription, list_subscriptions): read and ignored. */
const IGNORED_TYPES = new Set(['ok', 'unsubscribed']);
const EXCERPT_CHARS = 80;
const MASK = '[REDACTED]';
/** A peer that never answers our close frame is not waited for longer than this. */
const CLOSE_GRACE_MS = 2000;

interface Conn {
  ws: WebSocket;
  n: number;
  open: boolean;
  live: boolean;
  liveAt: number;
  lastActivity: number;
  /** Set when we end the socket on purpose: the cause its 'down' reports. */
  lost: { cause: string; detail?: string } | undefined;
  error: string | undefined;
  httpStatus: number | undefined;
  /** 'down' already reported for this connection. */
  downSent: boolean;
  done: boolean;
  nextId: number;
  /** Subscribe command id -> channel, until answered. */
  pending: Map<number, PrivateChannel>;
  /** sid -> channel, once subscribed. */
  sids: Map<number, PrivateChannel>;
  /** sid (or type when there is no sid) -> last seq seen. */
  seqs: Map<string, number>;
  /** Handshake + subscriptions deadline, then the silence check. */
  timer: TimerHandle | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
  timer: TimerHandle;
}

export class KalshiPrivateFeed {
  private readonly opts: PrivateFeedOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private sock: Conn | undefined;
  private attempts = 0;
  private opened = 0;
  private failures = 0;
  private started = false;
  private stopping = false;
  private live = false;
  private reconnectTimer: TimerHandle | undefined;
  private closeGraceTimer: TimerHandle | undefined;
  private waiters: Waiter[] = [];
  private stopped: Promise<void> | undefined;
  private resolveStopped: (() => void) | undefined;

  constructor(opts: PrivateFeedOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.log = opts.log.child({ component: 'kalshi-private' });
  }

  /** The last onState was 'live'. */
  get isLive(): boolean {
    return this.live;
  }

  /** Sockets opened so far (handshakes that succeeded; `conn` counts attempts). */
  get connects(): number {
    return this.opened;
  }

  /** Connect; reconnects forever with jittered backoff until stop(). A feed is started once. */
  start(): void {
    if (this.stopping) throw new Error('KalshiPrivateFeed: start() after stop(); make a new feed');
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Close the socket, clear every timer; resolves when closed. Reports 'down' (cause 'stopped') if live. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopping = true;
    this.stopped = new Promise<void>((resolve) => {
      this.resolveStopped = resolve;
    });
    this.clock.clear(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const w of this.waiters.splice(0)) {
      this.clock.clear(w.timer);
      w.reject(new Error('the private feed was stopped'));
    }
    const s = this.sock;
    if (!s || s.done) {
      this.finishStop();
      return this.stopped;
    }
    this.clock.clear(s.timer);
    s.timer = undefined;
    s.lost = { cause: 'stopped' };
    this.down(s, 'stopped');
    if (s.open) {
      s.ws.close(1000, 'shutdown');
      this.closeGraceTimer = this.clock.setTimeout(() => {
        this.closeGraceTimer = undefined;
        if (!s.done) s.ws.terminate();
      }, CLOSE_GRACE_MS);
    } else {
      s.ws.terminate();
    }
    return this.stopped;
  }

  /** Resolves at the current or next 'live'; rejects after timeoutMs of clock time (or on stop()). */
  whenLive(timeoutMs: number): Promise<void> {
    if (this.live) return Promise.resolve();
    if (this.stopping) return Promise.reject(new Error('the private feed was stopped'));
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new Error(`the private feed was not live within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  // ------------------------------------------------------------ the socket

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.stopping) return;
    const path = new URL(this.opts.wsUrl).pathname;
    const headers = this.opts.signer.headers(this.clock.now(), 'GET', path);
    // No handshakeTimeout here: the deadline is a clock timer (below), like every timer of this module.
    const ws = new WebSocket(this.opts.wsUrl, { headers, maxPayload: 16 * 1024 * 1024, perMessageDeflate: false });
    const s: Conn = {
      ws,
      n: ++this.attempts,
      open: false,
      live: false,
      liveAt: 0,
      lastActivity: this.clock.now(),
      lost: undefined,
      error: undefined,
      httpStatus: undefined,
      downSent: false,
      done: false,
      nextId: 1,
      pending: new Map(),
      sids: new Map(),
      seqs: new Map(),
      timer: undefined,
    };
    this.sock = s;
    s.timer = this.clock.setTimeout(() => this.handshakeExpired(s), this.opts.handshakeTimeoutMs);
    ws.on('open', () => this.onOpen(s));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      // A socket we ended is finished: frames still buffered in it (an ack after a refusal) are not read.
      if (s.done || s.lost || this.stopping) return;
      const now = this.clock.now();
      s.lastActivity = now;
      this.onFrame(s, rawText(data), isBinary, now);
    });
    ws.on('ping', () => {
      s.lastActivity = this.clock.now();
    });
    ws.on('pong', () => {
      s.lastActivity = this.clock.now();
    });
    ws.on('unexpected-response', (req, res) => {
      s.httpStatus = res.statusCode;
      res.resume();
      req.destroy();
      this.onClosed(s, 1006, '');
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      s.error = err.code ?? err.message;
      // A failed handshake (refused, reset) has no close to follow on some paths.
      if (!s.open) this.onClosed(s, 1006, '');
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClosed(s, code, reason.toString('utf8')));
  }

  private onOpen(s: Conn): void {
    if (s.done || this.stopping) return;
    s.open = true;
    this.opened++;
    s.lastActivity = this.clock.now();
    this.log.info('socket open', { conn: s.n });
    for (const channel of PRIVATE_CHANNELS) {
      const id = s.nextId++;
      s.pending.set(id, channel);
      s.ws.send(JSON.stringify({ id, cmd: 'subscribe', params: { channels: [channel] } }));
    }
  }

  private handshakeExpired(s: Conn): void {
    s.timer = undefined;
    if (s.done || s.live) return;
    const waiting = [...s.pending.values()].join(',');
    this.end(s, s.open ? 'subscribe-timeout' : 'handshake-timeout', s.open ? `no answer for ${waiting}` : `not open after ${this.opts.handshakeTimeoutMs} ms`);
  }

  /** The silence check: re-armed for the time left until the socket would be silent too long. */
  private armSilence(s: Conn): void {
    const left = s.lastActivity + this.opts.silenceTimeoutMs - this.clock.now();
    s.timer = this.clock.setTimeout(
      () => {
        s.timer = undefined;
        if (s.done) return;
        const quiet = this.clock.now() - s.lastActivity;
        if (quiet >= this.opts.silenceTimeoutMs) this.end(s, 'silence-timeout', `no frame or ping for ${quiet} ms`);
        else this.armSilence(s);
      },
      Math.max(1, left),
    );
  }

  /** End a socket on purpose: 'down' with this cause now, the reconnect when it has closed. */
  private end(s: Conn, cause: string, detail?: string): void {
    if (s.done) return;
    s.lost = detail !== undefined ? { cause, detail } : { cause };
    this.down(s, cause, detail);
    s.ws.terminate();
  }

  private onClosed(s: Conn, code: number, reason: string): void {
    if (s.done) return;
    s.done = true;
    this.clock.clear(s.timer);
    s.timer = undefined;
    if (s !== this.sock) return;
    this.sock = undefined;
    if (this.stopping) {
      this.finishStop();
      return;
    }
    const now = this.clock.now();
    if (s.lost) {
      this.down(s, s.lost.cause, s.lost.detail);
    } else if (!s.open && s.httpStatus !== undefined) {
      this.down(s, `handshake-${s.httpStatus}`);
    } else if (!s.open) {
      this.down(s, 'connect-failed', s.error);
    } else {
      const why = reason ? `code ${code}: ${this.scrub(excerpt(reason, EXCERPT_CHARS))}` : `code ${code}`;
      this.down(s, code === 1006 ? 'connection-lost' : 'closed', s.error !== undefined ? `${why} (${s.error})` : why);
    }
    if (s.live && now - s.liveAt >= this.opts.backoff.stableMs) this.failures = 0;
    const delay = jitteredBackoff(this.failures++, this.opts.backoff.initialMs, this.opts.backoff.maxMs, this.opts.random);
    this.log.info('reconnecting', { conn: s.n, in_ms: delay, attempt: this.failures });
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  private finishStop(): void {
    this.clock.clear(this.closeGraceTimer);
    this.closeGraceTimer = undefined;
    const r = this.resolveStopped;
    this.resolveStopped = undefined;
    r?.();
  }

  // ------------------------------------------------------------ states

  private down(s: Conn, cause: string, detail?: string): void {
    if (s.downSent) return;
    s.downSent = true;
    this.live = false;
    const now = this.clock.now();
    this.log.warn('private feed down', { conn: s.n, cause, ...(detail !== undefined ? { detail } : {}) });
    this.opts.onState(detail !== undefined ? { state: 'down', conn: s.n, cause, detail } : { state: 'down', conn: s.n, cause }, now);
  }

  private goLive(s: Conn, now: number): void {
    s.live = true;
    s.liveAt = now;
    this.clock.clear(s.timer);
    this.armSilence(s);
    this.live = true;
    this.log.info('private feed live', { conn: s.n, sids: Object.fromEntries([...s.sids].map(([sid, ch]) => [ch, sid])) });
    this.opts.onState({ state: 'live', conn: s.n }, now);
    for (const w of this.waiters.splice(0)) {
      this.clock.clear(w.timer);
      w.resolve();
    }
  }

  // ------------------------------------------------------------ frames

  private onFrame(s: Conn, text: string, isBinary: boolean, now: number): void {
    if (isBinary) return this.bad('binary-frame', text, now);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return this.bad('bad-json', text, now);
    }
    if (!isObject(v)) return this.bad('not-an-object', text, now);
    const type = v.type;
    if (typeof type !== 'string') return this.bad('no-type', text, now);
    switch (type) {
      case 'subscribed':
        return this.onSubscribed(s, v, text, now);
      case 'error':
        return this.onError(s, v, text, now);
      case 'user_order':
      case 'fill':
      case 'order_group_updates':
        return this.onData(s, type, v, text, now);
      default:
        if (IGNORED_TYPES.has(type)) return;
        return this.bad('unknown-type', text, now);
    }
  }

  private onSubscribed(s: Conn, v: Record<string, unknown>, text: string, now: number): void {
    const id = v.id;
    const msg = v.msg;
    const channel = typeof id === 'number' ? s.pending.get(id) : undefined;
    if (channel === undefined || !isObject(msg) || msg.channel !== channel || !isSafeInt(msg.sid)) return this.bad('unexpected-subscribed', text, now);
    s.pending.delete(id as number);
    s.sids.set(msg.sid, channel);
    if (s.pending.size === 0 && !s.live && !s.done && !s.lost) this.goLive(s, now);
  }

  private onError(s: Conn, v: Record<string, unknown>, text: string, now: number): void {
    const msg = isObject(v.msg) ? v.msg : {};
    const code = isSafeInt(msg.code) ? msg.code : undefined;
    // The server's own text may quote what we sent (the key id): only the known text of the code is logged.
    const known = code !== undefined ? (WS_ERROR_TEXT[code] ?? 'unknown code') : 'no code';
    const what = `error ${code ?? '?'} (${known})`;
    const id = v.id;
    const channel = typeof id === 'number' && id !== 0 ? s.pending.get(id) : undefined;
    if (channel !== undefined) {
      s.pending.delete(id as number);
      this.log.error('subscription refused', { conn: s.n, channel, code: code ?? null, text: known });
      this.end(s, 'subscribe-refused', `${channel}: ${what}`);
      return;
    }
    this.bad(`error-${code ?? 'nocode'}`, text, now);
    // A terminal error kills its subscription (reference §1.2); without a sid we cannot tell which: start over.
    const sid = v.sid;
    const ours = isSafeInt(sid) ? s.sids.get(sid) : undefined;
    if (code !== undefined && TERMINAL_ERRORS.has(code) && (ours !== undefined || !isSafeInt(sid))) {
      this.end(s, 'subscription-lost', `${ours ?? 'unknown subscription'}: ${what}`);
    }
  }

  private onData(s: Conn, type: PrivateMessage['type'], v: Record<string, unknown>, text: string, now: number): void {
    const msg = v.msg;
    if (!isObject(msg)) return this.bad('missing-msg', text, now);
    const m: PrivateMessage = { conn: s.n, type, msg };
    if (v.seq !== undefined) {
      if (!isSafeInt(v.seq)) return this.bad('bad-seq', text, now);
      m.seq = v.seq;
      const sid = isSafeInt(v.sid) ? v.sid : undefined;
      const channel = (sid !== undefined ? s.sids.get(sid) : undefined) ?? CHANNEL_OF_TYPE[type];
      const key = sid !== undefined ? `sid:${sid}` : `type:${type}`;
      // seq counts per subscription from 1 (reference §1.4): the first one seen must be 1 too.
      const expected = (s.seqs.get(key) ?? 0) + 1;
      if (v.seq !== expected) {
        this.log.limited('warn', `gap:${channel}`, 'private feed seq gap', { conn: s.n, channel, expected, got: v.seq });
        this.opts.onGap?.(s.n, channel, expected, v.seq, now);
      }
      s.seqs.set(key, Math.max(expected - 1, v.seq));
    }
    this.opts.onMessage(m, now);
  }

  private bad(reason: string, text: string, now: number): void {
    const ex = this.scrub(excerpt(text, EXCERPT_CHARS));
    this.log.limited('warn', `bad:${reason}`, 'unreadable private feed frame', { reason, excerpt: ex });
    this.opts.onBad?.(reason, ex, now);
  }

  /** The key id masked (as is, percent-encoded, and a piece of it cut off by an excerpt's "…"). */
  private scrub(text: string): string {
    const id = this.opts.signer.keyId;
    if (id.length < 4) return text;
    let out = text.split(id).join(MASK);
    const enc = encodeURIComponent(id);
    if (enc !== id) out = out.split(enc).join(MASK);
    if (out.endsWith('…')) {
      const body = out.slice(0, -1);
      for (let k = Math.min(id.length - 1, body.length); k >= 4; k--) {
        if (body.endsWith(id.slice(0, k))) return `${body.slice(0, -k)}${MASK}…`;
      }
    }
    return out;
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSafeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}
