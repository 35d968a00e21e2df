// The BoltOdds socket: one persistent WebSocket, the key in the ?key= query (never
// logged: the URL is logged without it and the redactor masks ?key= anyway), protocol
// pings and a dead-connection check, reconnects with exponential backoff and jitter
// (randomness injected), and the raw tee. Every input the engine sees goes through
// input(), which records it first, so `--from-raw` replays exactly what the engine saw.
import WebSocket from 'ws';
import { jitteredBackoff } from '../core/backoff.js';
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../log/metrics.js';
import { SOURCE, type BoltOddsEngine } from './boltodds.js';

/** One line of a --raw recording (after its header). */
export type RawEntry =
  | { kind: 'open'; recv_ts: number; conn: number }
  | { kind: 'frame'; recv_ts: number; conn: number; data: string }
  | { kind: 'ack-timeout'; recv_ts: number; conn: number }
  | { kind: 'close'; recv_ts: number; conn: number; cause: string; detail: string };

/** Hand one recorded input to the engine (live and --from-raw share this). */
export function applyRaw(engine: BoltOddsEngine, e: RawEntry): void {
  switch (e.kind) {
    case 'open':
      engine.opened(e.conn, e.recv_ts);
      return;
    case 'frame':
      engine.frame(e.data, e.recv_ts);
      return;
    case 'ack-timeout':
      engine.ackTimeout(e.recv_ts);
      return;
    case 'close':
      engine.closed(e.cause, e.detail, e.recv_ts);
  }
}

export interface ClientOptions {
  url: string;
  key: string;
  engine: BoltOddsEngine;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Uniform in [0, 1): the jitter source (Math.random live, seeded in tests). */
  random: () => number;
  signal: AbortSignal;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  stableAfterMs: number;
  staleAfterMs: number;
  pingEveryMs: number;
  ackTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxFrameBytes: number;
  /** Records every engine input (the --raw tee). */
  tap?: (e: RawEntry) => void;
  /** Output backpressure: the socket is paused while the consumer cannot keep up. */
  flow?: { blocked(): boolean; ready(): Promise<void> };
}

export class BoltOddsClient {
  connects = 0;
  reconnects = 0;
  readonly causes: Record<string, number> = {};
  private conn = 0;
  private attempt = 0;
  private ws: WebSocket | undefined;
  private timers: TimerHandle[] = [];
  private reconnectTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly o: ClientOptions) {}

  /** Connect and keep connected until the signal aborts. */
  run(): Promise<void> {
    return new Promise((resolve) => {
      const stop = (): void => {
        this.stopped = true;
        this.o.clock.clear(this.reconnectTimer);
        const ws = this.ws;
        this.ws = undefined;
        if (ws) {
          this.closeConn('shutdown', `stopped (${String(this.o.signal.reason ?? 'signal')})`);
          ws.removeAllListeners();
          ws.on('error', () => undefined);
          if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'shutdown');
          else ws.terminate();
        }
        this.o.engine.stop();
        resolve();
      };
      if (this.o.signal.aborted) return stop();
      this.o.signal.addEventListener('abort', stop, { once: true });
      this.connect();
    });
  }

  private input(e: RawEntry): void {
    this.o.tap?.(e);
    applyRaw(this.o.engine, e);
  }

  private connect(): void {
    if (this.stopped) return;
    const conn = ++this.conn;
    this.connects++;
    const u = new URL(this.o.url);
    u.searchParams.set('key', this.o.key);
    this.o.log.info('connecting', { url: this.o.url, conn });
    const ws = new WebSocket(u.toString(), { maxPayload: this.o.maxFrameBytes, handshakeTimeout: this.o.handshakeTimeoutMs });
    this.ws = ws;
    let opened = false;
    let openedAt = 0;
    let lastRx = this.o.clock.now();
    let cause: string | undefined;
    let detail = '';
    let closed = false;

    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      cause = status === 401 ? 'auth' : status === 403 ? 'denied' : 'rejected';
      detail = `HTTP ${status} on upgrade`;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      opened = true;
      openedAt = this.o.clock.now();
      lastRx = openedAt;
      this.o.engine.send = (msg) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
      };
      this.input({ kind: 'open', recv_ts: openedAt, conn });
      this.timers.push(
        this.o.clock.setTimeout(() => {
          if (!this.o.engine.isAcked && ws.readyState === WebSocket.OPEN) this.input({ kind: 'ack-timeout', recv_ts: this.o.clock.now(), conn });
        }, this.o.ackTimeoutMs),
      );
      this.timers.push(
        this.o.clock.setInterval(() => {
          const now = this.o.clock.now();
          if (now - lastRx > this.o.staleAfterMs) {
            cause ??= 'heartbeat-timeout';
            detail = `nothing received for ${now - lastRx} ms`;
            ws.terminate();
            return;
          }
          if (ws.readyState === WebSocket.OPEN) ws.ping();
        }, this.o.pingEveryMs),
      );
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const now = this.o.clock.now();
      lastRx = now;
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      this.input({ kind: 'frame', recv_ts: now, conn, data: text });
      const flow = this.o.flow;
      if (flow && flow.blocked() && !ws.isPaused) {
        ws.pause();
        void flow.ready().then(() => {
          if (ws.readyState === WebSocket.OPEN) ws.resume();
        });
      }
    });
    ws.on('ping', () => {
      lastRx = this.o.clock.now();
    });
    ws.on('pong', () => {
      lastRx = this.o.clock.now();
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (cause === undefined) {
        cause = 'error';
        detail = err.code ? `${err.code}: ${err.message}` : err.message;
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (closed || this.stopped) return;
      closed = true;
      if (this.ws === ws) this.ws = undefined;
      if (cause === undefined) {
        cause = 'close';
        detail = `code ${code}${reason.length ? ` ${reason.toString('utf8').slice(0, 200)}` : ''}`;
      }
      this.closeConn(cause, detail);
      const upFor = opened ? this.o.clock.now() - openedAt : 0;
      if (upFor >= this.o.stableAfterMs) this.attempt = 0;
      const delay = jitteredBackoff(this.attempt++, this.o.reconnectMinMs, this.o.reconnectMaxMs, this.o.random);
      this.reconnects++;
      this.causes[cause] = (this.causes[cause] ?? 0) + 1;
      this.o.metrics.counter('reconnects_total', { source: SOURCE, cause }).inc();
      this.o.log.info('reconnecting', { cause, detail, in_ms: delay, attempt: this.attempt, up_ms: upFor });
      this.reconnectTimer = this.o.clock.setTimeout(() => this.connect(), delay);
    });
  }

  private closeConn(cause: string, detail: string): void {
    for (const t of this.timers) this.o.clock.clear(t);
    this.timers = [];
    this.o.engine.send = () => undefined;
    this.input({ kind: 'close', recv_ts: this.o.clock.now(), conn: this.conn, cause, detail });
  }
}
