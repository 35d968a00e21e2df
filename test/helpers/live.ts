// The live pipeline under test: the Kalshi simulator in this process, feed-kalshi as a
// child (the market data), and quote --live as a child whose stdin gets feed-kalshi's
// records line by line plus the test's oracle and link records (the test is the merge,
// so it decides what quote sees and when). Everything goes over real sockets.
import type { Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { SystemClock, type Clock, type TimerHandle } from '../../src/clock/clock.js';
import type { SimFill, SimOrder } from '../../src/sim/kalshi/engine.js';
import { feedEnv, makeKeys, startSim, type Keys, type Rec, type SimHandle } from './kalshi.js';
import { BIN } from './run.js';
import { ChildRecords } from './child-records.js';

export const AWAY = 'KXNBAGAME-26JAN25DENMEM-DEN';
export const HOME = 'KXNBAGAME-26JAN25DENMEM-MEM';
export const EVENT = 'nba-2026-01-25-den-mem';
export const PREFIX = 'chl-boltodds-shin-';

export interface RigOptions {
  /** Extra config merged into section quote (and quote.live). */
  quote?: Record<string, unknown>;
  live?: Record<string, unknown>;
  sim?: Partial<Parameters<typeof startSim>[0]>;
  /** Start feed-kalshi (default true). */
  feed?: boolean;
  /** The simulator's clock runs this far ahead of the host's (a skewed host clock, seen from the exchange). */
  clockOffsetMs?: number;
}

/** The system clock set off by `offset` ms (changeable while running). Timers are the system's. */
export class OffsetClock implements Clock {
  private readonly sys = new SystemClock();
  constructor(public offset = 0) {}
  now(): number {
    return Date.now() + this.offset;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.sys.setTimeout(fn, ms);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.sys.setInterval(fn, ms);
  }
  clear(h: TimerHandle | undefined): void {
    this.sys.clear(h);
  }
  unref(h: TimerHandle): void {
    this.sys.unref(h);
  }
}

/** One HTTP request the simulator answered (REST and admin), as the test saw it. */
export interface SimRequest {
  method: string;
  /** The path without the query, e.g. /trade-api/v2/portfolio/events/orders. */
  path: string;
  /** 0 while it is being answered. */
  status: number;
  /** When it arrived. */
  at: number;
}

/** A passing gate verdict, fresh now. */
export function verdict(now: number): Rec {
  return {
    type: 'gate',
    ts: now,
    pass: true,
    evidence: 'test-evidence',
    branch: 'release',
    commit: 'a'.repeat(40),
    dirty: false,
    config_fingerprint: 'f'.repeat(64),
    conditions: [{ id: 'soak', figure: '21631 s', bound: '>= 21600 s', pass: true }],
    failed: [],
  };
}

export class Rig {
  readonly dir = mkdtempSync(`${tmpdir()}/chimera-live-`);
  keys!: Keys;
  sim!: SimHandle;
  config!: string;
  /** The simulator's clock (its offset can be changed while running). */
  readonly clock = new OffsetClock();
  /** Every HTTP request the simulator received, in order of arrival. */
  readonly requests: SimRequest[] = [];

  static async start(o: RigOptions = {}): Promise<Rig> {
    const r = new Rig();
    r.clock.offset = o.clockOffsetMs ?? 0;
    r.keys = makeKeys('live-test-key');
    r.sim = await startSim({ keys: r.keys, markets: [AWAY, HOME], rate: 0, clock: r.clock, ...o.sim });
    (r.sim.sim as unknown as { server: Server }).server.on('request', (req, res) => {
      const method = req.method ?? '';
      const path = (req.url ?? '').split('?')[0]!;
      const q: SimRequest = { method, path, status: 0, at: Date.now() };
      r.requests.push(q);
      res.on('finish', () => (q.status = res.statusCode));
    });
    writeFileSync(`${r.dir}/verdicts.ndjson`, JSON.stringify(verdict(Date.now())) + '\n');
    r.config = `${r.dir}/chimera.config.json`;
    writeFileSync(
      r.config,
      JSON.stringify({
        kalshi: {
          ws_url: r.sim.urls.wsUrl,
          rest_url: r.sim.urls.restUrl,
          tickers: [AWAY, HOME],
          status_every_ms: 500,
          rest_timeout_ms: 2000,
          backoff: { initial_ms: 50, max_ms: 400, stable_ms: 1000 },
        },
        quote: {
          oracle: { source: 'boltodds', method: 'shin' },
          edge: 0.01,
          size: 5,
          min_rest_ms: 0,
          max_order_age_ms: 0,
          pull_before_start_ms: 0,
          in_play: true,
          resume_after_ms: 0,
          ...o.quote,
          live: { ack_timeout_ms: 300, startup_timeout_ms: 20_000, shutdown_timeout_ms: 5000, ...o.live },
        },
        gate: { verdict_file: `${r.dir}/verdicts.ndjson` },
      }),
    );
    return r;
  }

  /** Our orders resting in the simulator's book. */
  resting(): SimOrder[] {
    return this.orders().filter((x) => x.status === 'resting');
  }

  /** Every order of ours the simulator knows (any status). */
  orders(): SimOrder[] {
    return [...this.sim.engine.orders.values()].filter((x) => x.owner === this.keys.keyId);
  }

  /** Our fills in the simulator (the truth). */
  fills(): SimFill[] {
    return this.sim.engine.fills.filter((f) => f.owner === this.keys.keyId);
  }

  /** Our net YES position on a ticker in the simulator, in contracts. */
  position(ticker: string): number {
    return (this.sim.engine.positions.get(`${this.keys.keyId}\u0000${ticker}`)?.position ?? 0) / 100;
  }

  /** Requests answered so far matching method and a path suffix (REST only). */
  requestsTo(method: string, pathEnd: string | RegExp): SimRequest[] {
    return this.requests.filter((q) => q.method === method && (typeof pathEnd === 'string' ? q.path.endsWith(pathEnd) : pathEnd.test(q.path)));
  }

  async stop(): Promise<void> {
    await this.sim.stop();
    this.keys.cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fresh boltodds/shin price of the rig's game, now (p_home for MEM, away for DEN). */
export function oracleRecord(pHome: number): Rec {
  const now = Date.now();
  return {
    type: 'oracle.prob',
    ts: now,
    source: 'boltodds',
    sport: 'nba',
    event: EVENT,
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: now + 4 * 3_600_000,
    policy: 'primary-fallback',
    books: ['pinnacle'],
    method: 'shin',
    p_home: pHome,
    p_away: Math.round((1 - pHome) * 1e6) / 1e6,
    overround: 0.04,
    param: 0.02,
  };
}

/** quote --live fed by feed-kalshi and the test (line by line), records and logs collected. */
export class LivePipe {
  readonly quote: ChildProcess;
  readonly feed: ChildProcess | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly out: ChildRecords;

  constructor(
    readonly rig: Rig,
    args: string[] = [],
    opts: { feed?: boolean; env?: NodeJS.ProcessEnv } = {},
  ) {
    const env = { ...process.env, ...feedEnv(rig.keys), ...opts.env };
    this.quote = spawn(process.execPath, [`${BIN}/quote`, '--live', '--config', rig.config, '--log-level', 'info', ...args, '-'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.quote.stdin!.on('error', () => undefined);
    this.out = new ChildRecords(this.quote, { name: 'quote', keepText: true });
    this.exited = new Promise((resolve) => this.quote.on('close', (code, signal) => resolve({ code, signal })));
    if (opts.feed !== false) {
      this.feed = spawn(process.execPath, [`${BIN}/feed-kalshi`, '--config', rig.config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let buf = '';
      this.feed.stdout!.on('data', (b: Buffer) => {
        buf += b.toString('utf8');
        const i = buf.lastIndexOf('\n');
        if (i < 0) return;
        this.write(buf.slice(0, i + 1));
        buf = buf.slice(i + 1);
      });
      this.feed.stderr!.resume();
    }
  }

  write(lines: string): void {
    if (!this.quote.stdin!.destroyed) this.quote.stdin!.write(lines);
  }

  send(...recs: Rec[]): void {
    this.write(recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  /** A fresh oracle price for the game (p_home for MEM, away for DEN). */
  oracle(pHome: number): void {
    this.send(oracleRecord(pHome));
  }

  links(): void {
    const now = Date.now();
    this.send(
      { type: 'market.link', ts: now, event: EVENT, sport: 'nba', side: 'away', ticker: AWAY },
      { type: 'market.link', ts: now, event: EVENT, sport: 'nba', side: 'home', ticker: HOME },
    );
  }

  get records(): Rec[] {
    return this.out.records;
  }

  get logs(): Rec[] {
    return this.out.logs;
  }

  /** quote's stdout as written (a live session file). */
  get stdout(): string {
    return this.out.text;
  }

  ofType(type: string): Rec[] {
    return this.records.filter((r) => r.type === type);
  }

  waitFor(pred: (r: Rec) => boolean, timeoutMs: number, what: string): Promise<Rec> {
    return this.out.waitFor(pred, timeoutMs, what);
  }

  waitForLog(pred: (r: Rec) => boolean, timeoutMs: number, what: string): Promise<Rec> {
    return this.out.waitForLog(pred, timeoutMs, what);
  }

  /** Wait until cond() holds (polled), or fail naming what. */
  async until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last logs: ${this.out.lastLogs()}`);
      if (this.out.exited) throw new Error(`quote exited while waiting for ${what}; last logs: ${this.out.lastLogs()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stop: end of input (or a signal), then wait for quote to exit. */
  async stop(how: 'eof' | NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.feed?.kill('SIGTERM');
    if (how === 'eof') this.quote.stdin!.end();
    else this.quote.kill(how);
    const t = setTimeout(() => this.quote.kill('SIGKILL'), 20_000);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }

  kill(): void {
    this.feed?.kill('SIGKILL');
    this.quote.kill('SIGKILL');
  }
}

// ------------------------------------------------------------ checks shared by the live e2e tests

const FINAL = new Set(['filled', 'canceled', 'rejected', 'amended']);

export const orders = (p: LivePipe): Rec[] => p.ofType('order');
export const execs = (p: LivePipe, op?: string): Rec[] => p.ofType('kalshi.exec').filter((e) => op === undefined || e.op === op);
export const finalOf = (p: LivePipe, coid: string): Rec | undefined => orders(p).find((o) => o.client_order_id === coid && FINAL.has(o.status as string));

/** A rig and quote --live with its four quotes resting (both sides of both tickers). */
export async function quoting(t: Test, o: RigOptions = {}, before?: (rig: Rig) => void): Promise<{ rig: Rig; p: LivePipe }> {
  const rig = await Rig.start(o);
  t.teardown(() => rig.stop());
  const p = new LivePipe(rig);
  t.teardown(() => p.kill());
  await p.waitForLog((l) => l.msg === 'live venue ready', 30_000, 'the live venue ready');
  before?.(rig);
  p.links();
  p.oracle(0.5);
  await p.until(() => rig.resting().length >= 4, 15_000, 'four quotes resting in the simulator');
  const ids = rig.resting().map((x) => x.clientOrderId!);
  await p.until(() => ids.every((id) => orders(p).some((r) => r.client_order_id === id && r.status === 'resting')), 5_000, 'order records saying resting');
  return { rig, p };
}

/** Our resting quote on a ticker side in the simulator. */
export function quoteOn(rig: Rig, ticker: string, side: 'bid' | 'ask'): SimOrder {
  const o = rig.resting().find((x) => x.ticker === ticker && x.side === side);
  if (!o) throw new Error(`no quote resting on ${ticker} ${side}`);
  return o;
}

/**
 * Stop with SIGTERM, then check what must hold whatever happened: exit 0, nothing of ours
 * resting, every fill of the simulator's applied exactly once (one fill record per trade
 * id, same count), the last position record per ticker equal to the simulator's position,
 * and every order that reached a final state reaching it once. `fillsFrom`: the
 * simulator's fills before this index belong to an earlier process.
 */
export async function stopAndCheck(t: Test, rig: Rig, p: LivePipe, o: { fillsFrom?: number } = {}): Promise<void> {
  const r = await p.stop('SIGTERM');
  t.equal(r.code, 0, `exit 0 (${JSON.stringify(p.logs.filter((l) => (l.level as number) >= 40).slice(-5))})`);
  t.equal(rig.resting().length, 0, 'nothing of ours resting after SIGTERM');
  t.ok(
    execs(p, 'cancel-all').some((e) => (e.body as Rec).resting === 0),
    'the stop verified over REST that nothing is left',
  );
  const truth = rig.fills().slice(o.fillsFrom ?? 0);
  const fills = p.ofType('fill');
  const byTrade = new Map<string, Rec[]>();
  for (const f of fills) byTrade.set(f.trade_id as string, [...(byTrade.get(f.trade_id as string) ?? []), f]);
  t.same([...byTrade.keys()].sort(), truth.map((f) => f.tradeId).sort(), 'a fill record for every fill of ours in the simulator, and no other');
  for (const f of truth) {
    const got = byTrade.get(f.tradeId) ?? [];
    t.equal(got.length, 1, `trade ${f.tradeId} applied exactly once`);
    if (got[0]) t.equal(got[0].count, f.count / 100, `trade ${f.tradeId}: ${f.count / 100} contracts`);
  }
  for (const ticker of [AWAY, HOME]) {
    const last = p
      .ofType('position')
      .filter((x) => x.ticker === ticker)
      .at(-1);
    t.equal(last?.position ?? 0, rig.position(ticker), `${ticker}: the last position record is the simulator's position`);
  }
  const finals = new Map<string, number>();
  for (const o of orders(p)) if (FINAL.has(o.status as string)) finals.set(o.client_order_id as string, (finals.get(o.client_order_id as string) ?? 0) + 1);
  t.same(
    [...finals].filter(([, n]) => n > 1),
    [],
    'no order reaches a final state twice',
  );
  const placed = new Set(orders(p).map((o) => o.client_order_id as string));
  t.same(
    [...placed].filter((id) => !finals.has(id)),
    [],
    'every order placed reached a final state',
  );
}
