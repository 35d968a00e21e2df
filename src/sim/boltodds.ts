// A BoltOdds stream on loopback, speaking the real protocol shape (../shared/reference/
// oddsfeeds.md §A): `GET /api?key=…` upgraded to a WebSocket, a socket_connected ack, a
// subscribe message with `filters` (exact strings: "NBA", "pinnacle", "Moneyline"), frames
// that are one object or an array, app-level {"action":"ping"} and protocol pings.
//
// A scenario is NDJSON. An optional first line {"sim":"boltodds", ...} sets:
//   connect_faults: [401, 503]   the first connection attempts are refused with these HTTP statuses
//   ack: false                   never send socket_connected (the client must subscribe anyway)
// Every other line is one step, played in order once a client has subscribed:
//   {"after_ms":N, "send": {...} | [{...}, ...]}  one frame (object or array); each message's
//        "timestamp" is stamped at send time (BoltOdds format, microseconds, +00:00) unless
//        given; "age_ms": N stamps it N ms in the past (a stale leg)
//   {"after_ms":N, "text": "..."}                 a raw text frame (not JSON, bare "ping")
//   {"after_ms":N, "disconnect": "close" | "terminate" | <close code>, "reason": "..."}  drop
//        every client (with that close reason), then wait for the next subscription before
//        the next step
//   {"after_ms":N, "protocol_ping": true}         a WebSocket ping
//   {"after_ms":N, "stall": true}                 go silent: stop reading (so no pongs) and
//        sending to the current clients; a half-dead connection the client must detect
// A server that echoes the request: in "text", "send" frames and close "reason", {{key}} is
// replaced by the key the client connected with, {{key:url}} by it percent-encoded, and
// {{request}} by the upgrade request's path and query as received.
// after_ms is the delay since the previous step (scaled by --speed). Subscription filters
// are applied like the real server: messages of other sports or books are not sent, and
// outcomes of other markets are stripped.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { z } from 'zod';
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { Logger } from '../log/logger.js';
import { readScenario } from './scenario.js';
import { parseEpoch, shiftBoltLabel, shiftBoltWhen, shiftIso } from './shift.js';
import { parseBoltWhen } from '../core/eventtime.js';
import { isObj, type Obj } from '../core/json.js';
import { utf8Prefix } from '../core/text.js';

const headerSchema = z.strictObject({
  sim: z.literal('boltodds'),
  comment: z.string().optional(),
  connect_faults: z.array(z.number().int().min(400).max(599)).optional(),
  ack: z.boolean().optional(),
  /** The scenario's moment (ISO with offset, or epoch ms): what --shift-to moves to the target. */
  epoch: z.union([z.string(), z.number()]).optional(),
});

const stepSchema = z
  .strictObject({
    after_ms: z.number().nonnegative().optional(),
    comment: z.string().optional(),
    send: z.unknown().optional(),
    text: z.string().optional(),
    age_ms: z.number().int().nonnegative().optional(),
    disconnect: z.union([z.enum(['close', 'terminate']), z.number().int().min(1000).max(4999)]).optional(),
    reason: z.string().optional(),
    protocol_ping: z.literal(true).optional(),
    stall: z.literal(true).optional(),
  })
  .refine(
    (s) =>
      [s.send !== undefined, s.text !== undefined, s.disconnect !== undefined, s.protocol_ping !== undefined, s.stall !== undefined].filter(Boolean).length ===
      1,
    {
      message: 'a step has exactly one of send, text, disconnect, protocol_ping, stall',
    },
  )
  .refine((s) => s.reason === undefined || (s.disconnect !== undefined && s.disconnect !== 'terminate'), {
    message: 'reason goes with a disconnect by close code or "close"',
  });

export type BoltStep = z.infer<typeof stepSchema> & { line: number };
export interface BoltScenario {
  header: z.infer<typeof headerSchema> | undefined;
  steps: BoltStep[];
}

/** Parse a scenario; an error names source:line and the reason. */
export function parseBoltScenario(text: string, source: string): BoltScenario {
  const { headers, items } = readScenario(text, source, { header: headerSchema, item: stepSchema, itemName: 'step' });
  const header = headers.at(-1);
  if (header?.epoch !== undefined) parseEpoch(header.epoch, `${source}: header`); // a bad epoch is refused now
  return { header, steps: items };
}

/** The scenario's moment (epoch ms), when its header names one. */
export function boltEpoch(s: BoltScenario): number | undefined {
  return s.header?.epoch === undefined ? undefined : parseEpoch(s.header.epoch, 'header');
}

/**
 * The scenario moved by `offset` ms (see src/sim/shift.ts): each message's info.when and
 * given timestamp, and the date and hour of game labels (data.game, info.game) from the
 * game's shifted start. A label seen only without info.when keeps its text.
 */
export function shiftBoltScenario(s: BoltScenario, offset: number): BoltScenario {
  const labels = new Map<string, string>(); // old label -> new label, from messages with info.when
  const msgs = (frame: unknown): unknown[] => (Array.isArray(frame) ? frame : [frame]);
  for (const step of s.steps) {
    for (const m of msgs(step.send)) {
      if (!isObj(m) || !isObj(m.data) || !isObj(m.data.info) || typeof m.data.game !== 'string' || typeof m.data.info.when !== 'string') continue;
      const when = parseBoltWhen(shiftBoltWhen(m.data.info.when, offset));
      if (when.ok) labels.set(m.data.game, shiftBoltLabel(m.data.game, when.ms));
    }
  }
  const label = (v: unknown): unknown => (typeof v === 'string' ? (labels.get(v) ?? v) : v);
  const one = (m: unknown): unknown => {
    if (!isObj(m)) return m;
    const out: Obj = { ...m };
    if (typeof m.timestamp === 'string') out.timestamp = shiftIso(m.timestamp, offset);
    if (isObj(m.data)) {
      const d: Obj = { ...m.data };
      if ('game' in d) d.game = label(d.game);
      if (isObj(m.data.info)) {
        const info: Obj = { ...m.data.info };
        if (typeof info.when === 'string') info.when = shiftBoltWhen(info.when, offset);
        if ('game' in info) info.game = label(info.game);
        d.info = info;
      }
      out.data = d;
    }
    return out;
  };
  const steps = s.steps.map((step) => (step.send === undefined ? step : { ...step, send: Array.isArray(step.send) ? step.send.map(one) : one(step.send) }));
  const header = s.header && s.header.epoch !== undefined ? { ...s.header, epoch: parseEpoch(s.header.epoch, 'header') + offset } : s.header;
  return { header, steps };
}

/** BoltOdds' timestamp format: UTC, microseconds, "+00:00". */
export function boltTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

interface Sub {
  sports: Set<string> | undefined;
  books: Set<string> | undefined;
  markets: Set<string> | undefined;
}

interface Client {
  ws: WebSocket;
  /** The upgraded TCP socket under ws (for sendBurst's pre-framed writes). */
  socket: Duplex;
  sub: Sub | undefined;
  stalled: boolean;
  /** The key of the upgrade request, and its path and query (what {{key}} and {{request}} echo). */
  key: string;
  request: string;
}

/** One unmasked server-to-client text frame (RFC 6455 §5.2): FIN + opcode 1, then the length. */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) {
    out[1] = n;
  } else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, head);
  return out;
}

export interface BoltSimOptions {
  scenario: BoltScenario;
  clock: Clock;
  log: Logger;
  host?: string;
  port?: number;
  /** When set, ?key= must equal it (401 otherwise). */
  key?: string;
  /** App-level and protocol pings; 0 = none. */
  pingMs?: number;
  /** Delay multiplier: 1 = as written, 0 = no delays. */
  speed?: number;
}

export interface BoltSimStats {
  connections: number;
  refused: number;
  subscribes: number;
  frames: number;
  bytes: number;
  pongs: number;
}

export class BoltOddsSim {
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  private readonly clients = new Set<Client>();
  private readonly faults: number[];
  private pingTimer: TimerHandle | undefined;
  private waiters: Array<() => void> = [];
  private stopped = false;
  private doneResolve: (() => void) | undefined;
  /** Resolves when the last step has been played. */
  readonly done: Promise<void>;
  readonly stats: BoltSimStats = { connections: 0, refused: 0, subscribes: 0, frames: 0, bytes: 0, pongs: 0 };
  url = '';

  constructor(private readonly o: BoltSimOptions) {
    this.faults = [...(o.scenario.header?.connect_faults ?? [])];
    this.done = new Promise((r) => {
      this.doneResolve = r;
    });
  }

  /** Listen and start playing once a client subscribes; resolves with the ws:// URL. */
  async start(): Promise<string> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'upgrade to WebSocket at /api?key=...' }));
    });
    this.server = server;
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
    this.url = `ws://${this.o.host ?? '127.0.0.1'}:${addr.port}/api`;
    const pingMs = this.o.pingMs ?? 20_000;
    if (pingMs > 0) {
      this.pingTimer = this.o.clock.setInterval(() => {
        for (const c of this.clients) {
          if (c.ws.readyState !== WebSocket.OPEN || c.stalled) continue;
          c.ws.send('{"action":"ping"}');
          c.ws.ping();
        }
      }, pingMs);
      this.o.clock.unref?.(this.pingTimer);
    }
    void this.play();
    return this.url;
  }

  /** Clients that have subscribed. */
  get subscribed(): number {
    let n = 0;
    for (const c of this.clients) if (c.sub) n++;
    return n;
  }

  /** Resolves once a client has subscribed. */
  whenSubscribed(): Promise<void> {
    if (this.subscribed > 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** Send one text frame to every subscribed client, unfiltered (benchmarks). */
  sendRaw(text: string): void {
    for (const c of this.clients) {
      if (!c.sub || c.stalled || c.ws.readyState !== WebSocket.OPEN) continue;
      c.ws.send(text);
      this.stats.frames++;
      this.stats.bytes += text.length;
    }
  }

  /**
   * Many text frames in one socket write (load tests and benchmarks: the bytes on the wire
   * are what ws.send would write, without one syscall per frame).
   */
  sendBurst(texts: readonly string[]): void {
    const buf = Buffer.concat(texts.map((t) => textFrame(Buffer.from(t, 'utf8'))));
    for (const c of this.clients) {
      if (!c.sub || c.stalled || c.ws.readyState !== WebSocket.OPEN) continue;
      c.socket.write(buf);
      this.stats.frames += texts.length;
      this.stats.bytes += buf.length;
    }
  }

  /** Bytes queued on the sockets (benchmarks pace themselves on it). */
  get buffered(): number {
    let n = 0;
    for (const c of this.clients) n += c.ws.bufferedAmount + c.socket.writableLength;
    return n;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.clock.clear(this.pingTimer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    for (const w of this.waiters) w();
    this.waiters = [];
    const server = this.server;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    }
    this.doneResolve?.();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number, why: string): void => {
      this.stats.refused++;
      this.o.log.info('connection refused', { status, why });
      socket.end(`HTTP/1.1 ${status} ${why}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: why })}`);
    };
    if (u.pathname !== '/api') return refuse(404, 'Not Found');
    const key = u.searchParams.get('key');
    if (!key) return refuse(401, 'Unauthorized');
    if (this.o.key !== undefined && key !== this.o.key) return refuse(401, 'Unauthorized');
    const fault = this.faults.shift();
    if (fault !== undefined) return refuse(fault, fault === 401 ? 'Unauthorized' : fault === 403 ? 'Forbidden' : 'Injected Fault');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, key, req.url ?? ''));
  }

  private onConnection(ws: WebSocket, socket: Duplex, key: string, request: string): void {
    const c: Client = { ws, socket, sub: undefined, stalled: false, key, request };
    this.clients.add(c);
    this.stats.connections++;
    this.o.log.info('client connected', { clients: this.clients.size });
    if (this.o.scenario.header?.ack !== false)
      ws.send(JSON.stringify({ action: 'socket_connected', data: { plan: 'simulator', sports: 'all', markets: 'all' } }));
    ws.on('message', (data: Buffer) => {
      let m: unknown;
      try {
        m = JSON.parse(data.toString('utf8'));
      } catch {
        this.o.log.warn('client sent a non-JSON message', { excerpt: data.toString('utf8').slice(0, 80) });
        return;
      }
      if (m === null || typeof m !== 'object') return;
      const msg = m as Record<string, unknown>;
      if (msg.action === 'pong') {
        this.stats.pongs++;
        return;
      }
      if (msg.action === 'subscribe') {
        const f = (typeof msg.filters === 'object' && msg.filters !== null ? msg.filters : msg) as Record<string, unknown>;
        c.sub = mergeSub(c.sub, f);
        this.stats.subscribes++;
        ws.send(JSON.stringify({ action: 'subscription_updated', data: { filters: f } }));
        this.o.log.info('client subscribed', { filters: f });
        const w = this.waiters;
        this.waiters = [];
        for (const r of w) r();
      }
    });
    ws.on('close', () => this.clients.delete(c));
    ws.on('error', () => this.clients.delete(c));
  }

  private async play(): Promise<void> {
    const speed = this.o.speed ?? 1;
    await this.whenSubscribed();
    for (const step of this.o.scenario.steps) {
      if (this.stopped) return;
      const wait = (step.after_ms ?? 0) * speed;
      if (wait > 0) await this.sleep(wait);
      if (this.stopped) return;
      if (step.disconnect !== undefined) {
        const d = step.disconnect;
        this.o.log.info('disconnecting clients (scenario)', { how: d, line: step.line });
        for (const c of [...this.clients]) {
          if (d === 'terminate') c.ws.terminate();
          else c.ws.close(d === 'close' ? 1001 : d, utf8Prefix(echo(step.reason ?? 'scenario disconnect', c, false), 123));
          this.clients.delete(c);
        }
        await this.whenSubscribed();
        continue;
      }
      if (step.protocol_ping) {
        for (const c of this.clients) if (c.ws.readyState === WebSocket.OPEN && !c.stalled) c.ws.ping();
        continue;
      }
      if (step.stall) {
        this.o.log.info('stalling clients (scenario): no reads, no sends', { line: step.line });
        for (const c of this.clients) {
          c.stalled = true;
          c.ws.pause();
        }
        continue;
      }
      for (const c of this.clients) {
        if (!c.sub || c.stalled || c.ws.readyState !== WebSocket.OPEN) continue;
        let text: string | undefined;
        if (step.text !== undefined) text = echo(step.text, c, false);
        else {
          const out = filterFrame(stamp(step.send, this.o.clock.now() - (step.age_ms ?? 0)), c.sub);
          if (out !== undefined) text = echo(JSON.stringify(out), c, true);
        }
        if (text === undefined) continue;
        c.ws.send(text);
        this.stats.frames++;
        this.stats.bytes += text.length;
      }
    }
    this.o.log.info('scenario played', { steps: this.o.scenario.steps.length, frames: this.stats.frames });
    this.doneResolve?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.o.clock.setTimeout(r, ms));
  }
}

/** {{key}}, {{key:url}} and {{request}} of this client (JSON-escaped inside a JSON frame). */
function echo(text: string, c: Client, json: boolean): string {
  if (!text.includes('{{')) return text;
  const v = (x: string): string => (json ? JSON.stringify(x).slice(1, -1) : x);
  return text
    .replaceAll('{{key}}', v(c.key))
    .replaceAll('{{key:url}}', v(encodeURIComponent(c.key)))
    .replaceAll('{{request}}', v(c.request));
}

function strings(v: unknown): Set<string> | undefined {
  return Array.isArray(v) ? new Set(v.filter((x): x is string => typeof x === 'string')) : undefined;
}

/** Subscriptions add up (a later subscribe widens, never narrows). */
function mergeSub(cur: Sub | undefined, f: Record<string, unknown>): Sub {
  const add = (a: Set<string> | undefined, b: Set<string> | undefined, first: boolean): Set<string> | undefined => {
    if (first) return b;
    if (a === undefined || b === undefined) return undefined; // "everything" stays everything
    return new Set([...a, ...b]);
  };
  const first = cur === undefined;
  return {
    sports: add(cur?.sports, strings(f.sports), first),
    books: add(cur?.books, strings(f.sportsbooks), first),
    markets: add(cur?.markets, strings(f.markets), first),
  };
}

/** Fill "timestamp" of each message that lacks one. */
function stamp(frame: unknown, ms: number): unknown {
  const one = (m: unknown): unknown => (isObj(m) && 'data' in m && m.timestamp === undefined ? { timestamp: boltTimestamp(ms), ...m } : m);
  return Array.isArray(frame) ? frame.map(one) : one(frame);
}

/** Apply a client's filters to a frame; undefined when nothing is left to send. */
export function filterFrame(frame: unknown, sub: Sub): unknown {
  if (Array.isArray(frame)) {
    if (frame.length === 0) return frame;
    const kept = frame.map((m) => filterMessage(m, sub)).filter((m) => m !== undefined);
    return kept.length ? kept : undefined;
  }
  return filterMessage(frame, sub);
}

function filterMessage(m: unknown, sub: Sub): unknown {
  if (!isObj(m) || !isObj(m.data)) return m;
  const d = m.data;
  if (sub.sports && typeof d.sport === 'string' && !sub.sports.has(d.sport)) return undefined;
  if (sub.books && typeof d.sportsbook === 'string' && !sub.books.has(d.sportsbook)) return undefined;
  if (sub.markets && isObj(d.outcomes)) {
    const kept: Obj = {};
    let n = 0;
    let had = 0;
    for (const [k, o] of Object.entries(d.outcomes)) {
      had++;
      if (isObj(o) && typeof o.outcome_name === 'string' && !sub.markets.has(o.outcome_name)) continue;
      kept[k] = o;
      n++;
    }
    if (n === had) return m;
    if (n === 0 && m.action === 'line_update') return undefined;
    return { ...m, data: { ...d, outcomes: kept } };
  }
  return m;
}
