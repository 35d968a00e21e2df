// The Kalshi WebSocket session: the socket (signed handshake), the heartbeat, reconnects
// with jittered exponential backoff, and the timers (resync tick, periodic status,
// discovery refresh). Everything the engine sees goes through input(), which records it
// first (the --raw tap), so `--from-raw` replays exactly what the engine saw. Kalshi pings
// every 10 s (ws answers with pongs); any frame or ping is a sign of life, and
// silence_timeout_ms without one is a dead socket.
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { jitteredBackoff } from '../core/backoff.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../log/metrics.js';
import type { Signer } from './kalshi-auth.js';
import type { KalshiDiscovery } from './kalshi-discovery.js';
import { applyInput, type CloseDetail, type FeedSummary, type KalshiEngine, type KalshiInput } from './kalshi-engine.js';

export interface SessionOptions {
  wsUrl: string;
  signer: Signer;
  engine: KalshiEngine;
  /** REST discovery (absent with --no-rest). */
  discovery?: KalshiDiscovery;
  statusEveryMs: number;
  silenceTimeoutMs: number;
  resyncTimeoutMs: number;
  refreshEveryMs: number;
  handshakeTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number; stableMs: number };
  clock: Clock;
  /** Randomness for backoff jitter, injected (tests and soak seed it). */
  random: () => number;
  log: Logger;
  metrics: Metrics;
  /** Records every engine input (the --raw tap). */
  tap?: (e: KalshiInput) => void;
}

interface Socket {
  ws: WebSocket;
  n: number;
  open: boolean;
  openedAt: number;
  /** Set when the connection is ended on purpose (the engine's drop, the heartbeat, shutdown). */
  lost: { cause: string; detail?: string } | undefined;
  error: string | undefined;
  httpStatus: number | undefined;
  done: boolean;
}

/** The resync tick: fine enough for the silence and resync timeouts, at most once a second. */
export function tickEveryMs(silenceTimeoutMs: number, resyncTimeoutMs: number): number {
  return Math.max(20, Math.min(1000, Math.floor(silenceTimeoutMs / 4), Math.floor(resyncTimeoutMs / 4)));
}

export class KalshiSession {
  private readonly opts: SessionOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private sock: Socket | undefined;
  private attempts = 0;
  private failures = 0;
  private stopping = false;
  private lastActivity = 0;
  private reconnectTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private timers: TimerHandle[] = [];
  private stopped: (() => void) | undefined;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.log = opts.log.child({ component: 'feed-kalshi' });
    opts.engine.io = {
      send: (conn, text) => {
        const s = this.sock;
        if (s && s.n === conn && s.open && !s.done) s.ws.send(text);
      },
      drop: (conn, cause, detail) => {
        const s = this.sock;
        if (!s || s.n !== conn || s.done) return;
        s.lost = { cause, detail };
        s.ws.terminate();
      },
      flushSoon: () => {
        if (this.flushTimer || this.stopping) return;
        this.flushTimer = this.clock.setTimeout(() => {
          this.flushTimer = undefined;
          if (!this.stopping) this.input({ kind: 'flush', recv_ts: this.clock.now() });
        }, 0);
      },
    };
  }

  /** Run until `signal` aborts; then a last status, and the socket closed cleanly. */
  async run(signal: AbortSignal): Promise<FeedSummary> {
    const engine = this.opts.engine;
    if (signal.aborted) return engine.summary;
    const done = new Promise<void>((resolve) => {
      this.stopped = resolve;
    });
    const onAbort = (): void => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    this.input({ kind: 'start', recv_ts: this.clock.now() });
    this.timers.push(this.clock.setInterval(() => this.tick(), tickEveryMs(this.opts.silenceTimeoutMs, this.opts.resyncTimeoutMs)));
    this.timers.push(this.clock.setInterval(() => this.periodicStatus(), this.opts.statusEveryMs));
    if (this.opts.discovery) {
      this.timers.push(this.clock.setInterval(() => void this.discover(), this.opts.refreshEveryMs));
      void this.discover();
    }
    this.connect();
    await done;
    signal.removeEventListener('abort', onAbort);
    return engine.summary;
  }

  private input(e: KalshiInput): void {
    this.opts.tap?.(e);
    applyInput(this.opts.engine, e);
  }

  private async discover(): Promise<void> {
    const answer = await this.opts.discovery?.round();
    if (answer && !this.stopping) this.input({ kind: 'rest', recv_ts: this.clock.now(), answer });
  }

  // ------------------------------------------------------------ the socket

  private connect(): void {
    if (this.stopping) return;
    this.reconnectTimer = undefined;
    const path = new URL(this.opts.wsUrl).pathname;
    const headers = this.opts.signer.headers(this.clock.now(), 'GET', path);
    // UTF-8 is not validated frame by frame: every frame is JSON-parsed and its fields checked anyway.
    const ws = new WebSocket(this.opts.wsUrl, {
      headers,
      handshakeTimeout: this.opts.handshakeTimeoutMs,
      maxPayload: 256 * 1024 * 1024,
      skipUTF8Validation: true,
    });
    const s: Socket = { ws, n: ++this.attempts, open: false, openedAt: 0, lost: undefined, error: undefined, httpStatus: undefined, done: false };
    this.sock = s;
    this.input({ kind: 'connect', recv_ts: this.clock.now(), conn: s.n });
    ws.on('open', () => {
      if (s !== this.sock || s.done || this.stopping) return;
      s.open = true;
      s.openedAt = this.clock.now();
      this.lastActivity = s.openedAt;
      this.log.info('socket open', { conn: s.n, url: this.opts.wsUrl });
      this.input({ kind: 'open', recv_ts: s.openedAt, conn: s.n });
    });
    ws.on('message', (data: WebSocket.RawData) => {
      if (s !== this.sock || s.done || this.stopping) return;
      const now = this.clock.now();
      this.lastActivity = now;
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      this.input({ kind: 'frame', recv_ts: now, conn: s.n, data: text });
    });
    ws.on('ping', () => {
      if (s === this.sock) this.lastActivity = this.clock.now();
    });
    ws.on('pong', () => {
      if (s === this.sock) this.lastActivity = this.clock.now();
    });
    ws.on('unexpected-response', (req, res) => {
      s.httpStatus = res.statusCode;
      res.resume();
      req.destroy();
      this.onClosed(s, 1006, '');
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      s.error = err.code ?? err.message;
      // A failed handshake (refused, timed out) has no close to follow on some paths.
      if (!s.open) this.onClosed(s, 1006, '');
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClosed(s, code, reason.toString('utf8')));
  }

  private onClosed(s: Socket, code: number, reason: string): void {
    if (s.done) return;
    s.done = true;
    if (s !== this.sock) return;
    this.sock = undefined;
    if (this.stopping) {
      this.finishStop();
      return;
    }
    const now = this.clock.now();
    let cause: string;
    const detail: CloseDetail = {};
    if (s.lost) {
      cause = s.lost.cause;
      if (s.lost.detail) detail.detail = s.lost.detail;
    } else if (!s.open && s.httpStatus !== undefined) {
      cause = `handshake-${s.httpStatus}`;
    } else if (s.error !== undefined && (!s.open || code === 1006)) {
      cause = 'error';
      detail.error = s.error;
    } else {
      cause = 'close';
    }
    if (s.open) {
      detail.code = code;
      if (reason) detail.reason = reason;
    } else if (s.error !== undefined) {
      detail.error = s.error;
    }
    this.input({ kind: 'close', recv_ts: now, conn: s.n, cause, detail });
    if (s.open && now - s.openedAt >= this.opts.backoff.stableMs) this.failures = 0;
    const delay = jitteredBackoff(this.failures++, this.opts.backoff.initialMs, this.opts.backoff.maxMs, this.opts.random);
    this.log.info('reconnecting', { in_ms: delay, cause, attempt: this.failures });
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  // ------------------------------------------------------------ timers

  private tick(): void {
    const s = this.sock;
    if (!s?.open || s.done) return;
    const now = this.clock.now();
    if (now - this.lastActivity > this.opts.silenceTimeoutMs) {
      s.lost = { cause: 'heartbeat-timeout', detail: `no frame or ping for ${now - this.lastActivity} ms` };
      s.ws.terminate();
      return;
    }
    if (this.opts.engine.isOpen(s.n)) this.input({ kind: 'tick', recv_ts: now });
  }

  private periodicStatus(): void {
    const mem = process.memoryUsage();
    for (const kind of ['rss', 'heapUsed', 'heapTotal', 'external', 'arrayBuffers'] as const) {
      const label = kind === 'heapUsed' ? 'heap_used' : kind === 'heapTotal' ? 'heap_total' : kind === 'arrayBuffers' ? 'array_buffers' : kind;
      this.opts.metrics.gauge('process_memory_bytes', { kind: label }).set(mem[kind]);
    }
    this.input({ kind: 'status', recv_ts: this.clock.now() });
  }

  // ------------------------------------------------------------ stopping

  private stop(): void {
    if (this.stopping) return;
    this.input({ kind: 'stop', recv_ts: this.clock.now() });
    this.stopping = true;
    for (const t of this.timers) this.clock.clear(t);
    this.timers = [];
    this.clock.clear(this.reconnectTimer);
    this.clock.clear(this.flushTimer);
    const s = this.sock;
    if (!s || s.done) {
      this.finishStop();
      return;
    }
    s.lost = { cause: 'shutdown' };
    if (s.open) s.ws.close(1000, 'shutdown');
    else s.ws.terminate();
    // A peer that never answers our close frame: do not wait for it.
    const t = this.clock.setTimeout(() => {
      if (!s.done) s.ws.terminate();
    }, 2000);
    this.clock.unref?.(t);
  }

  private finishStop(): void {
    const r = this.stopped;
    this.stopped = undefined;
    r?.();
  }
}
