// Test plumbing for the Kalshi feeder and simulator: an RSA key pair generated at test
// time (never committed), the simulator in-process on 127.0.0.1, a built command run as
// a child whose records and logs are read as they arrive, and the simulator's true book
// in record form for comparisons.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SystemClock, type Clock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { RandomWalk } from '../../src/sim/kalshi/activity.js';
import { Engine } from '../../src/sim/kalshi/engine.js';
import { KalshiSim, type KalshiSimOptions, type SimUrls } from '../../src/sim/kalshi/server.js';
import { BIN } from './run.js';
import { ChildRecords, type Rec } from './child-records.js';

export const DEMO = [
  'KXNBAGAME-26JAN25DENMEM-DEN',
  'KXNBAGAME-26JAN25DENMEM-MEM',
  'KXNBAGAME-26JAN25LALBOS-LAL',
  'KXNBAGAME-26JAN25LALBOS-BOS',
  'KXNHLGAME-26JAN25TORNYR-TOR',
  'KXNHLGAME-26JAN25TORNYR-NYR',
];

export interface Keys {
  dir: string;
  privPath: string;
  pubPath: string;
  pubPem: string;
  keyId: string;
  cleanup(): void;
}

/** A fresh RSA key pair in a temp dir, the private key mode 0600. */
export function makeKeys(keyId = 'test-key-id'): Keys {
  const dir = mkdtempSync(`${tmpdir()}/chimera-kalshi-`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privPath = `${dir}/kalshi.key.pem`;
  writeFileSync(privPath, privateKey, { mode: 0o600 });
  chmodSync(privPath, 0o600);
  const pubPath = `${dir}/kalshi.pub.pem`;
  writeFileSync(pubPath, publicKey);
  return { dir, privPath, pubPath, pubPem: publicKey, keyId, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function feedEnv(k: Keys): NodeJS.ProcessEnv {
  return { KALSHI_API_KEY_ID: k.keyId, KALSHI_PRIVATE_KEY_PATH: k.privPath };
}

export interface SimHandle {
  sim: KalshiSim;
  engine: Engine;
  urls: SimUrls;
  walk: RandomWalk;
  logs: MemorySink;
  stop(): Promise<void>;
}

export interface StartSim extends Partial<Omit<KalshiSimOptions, 'engine' | 'clock' | 'random' | 'log' | 'publicKeyPem'>> {
  keys: Keys;
  markets?: string[];
  seed?: number;
  /** Random-walk events per second (0: none). */
  rate?: number;
  levels?: number;
  /** The simulator's clock (default: the system clock), e.g. one set off from the host's. */
  clock?: Clock;
}

export async function startSim(o: StartSim): Promise<SimHandle> {
  const clock = o.clock ?? new SystemClock();
  const logs = new MemorySink();
  const log = new Logger({ cmd: 'sim', clock, sink: logs, level: 'warn' });
  const engine = new Engine({ clock });
  for (const t of o.markets ?? DEMO) engine.addMarket({ ticker: t });
  const random = seededRandom(o.seed ?? 1);
  const { keys, markets: _m, seed: _s, rate, levels, clock: _c, ...rest } = o;
  const sim = new KalshiSim({ ...rest, publicKeyPem: keys.pubPem, keyId: keys.keyId, clock, random, log, engine });
  const urls = await sim.start();
  const walk = new RandomWalk({ engine, clock, random, rate: rate ?? 0, levels: levels ?? 6 });
  walk.seedBooks();
  if ((rate ?? 0) > 0) walk.start();
  return {
    sim,
    engine,
    urls,
    walk,
    logs,
    async stop() {
      walk.stop();
      await sim.stop();
    },
  };
}

/** The engine's true top of book in kalshi.book form (dollars, contracts). */
export function truth(engine: Engine, ticker: string, depth: number): { bids: number[][]; asks: number[][] } {
  const t = engine.top(ticker, depth);
  const f = (l: Array<[number, number]>): number[][] => l.map(([p, s]) => [p / 10000, s / 100]);
  return { bids: f(t.bids), asks: f(t.asks) };
}

export type { Rec };

/** A built command as a child process; stdout records and stderr logs collected as they come. */
export class Proc {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly child: ChildProcess;
  private readonly out: ChildRecords;

  /**
   * `keep: false` keeps nothing in memory (long runs): records and logs go to the
   * callbacks only.
   */
  constructor(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, opts: { keep?: boolean; onRecord?: (r: Rec) => void; onLog?: (r: Rec) => void } = {}) {
    this.child = spawn(process.execPath, [`${BIN}/${cmd}`, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.out = new ChildRecords(this.child, { name: cmd, ...opts });
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  get records(): Rec[] {
    return this.out.records;
  }

  get logs(): Rec[] {
    return this.out.logs;
  }

  ofType(type: string): Rec[] {
    return this.records.filter((r) => r.type === type);
  }

  /** Resolve with the first record (from `from` on) matching pred; reject after timeoutMs. */
  waitFor(pred: (r: Rec) => boolean, timeoutMs: number, what: string, from = 0): Promise<Rec> {
    return this.out.waitFor(pred, timeoutMs, what, from);
  }

  waitForLog(pred: (r: Rec) => boolean, timeoutMs: number, what: string, from = 0): Promise<Rec> {
    return this.out.waitForLog(pred, timeoutMs, what, from);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null) this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
}

/** Last kalshi.book per ticker. */
export function lastBooks(records: Rec[]): Map<string, Rec> {
  const m = new Map<string, Rec>();
  for (const r of records) if (r.type === 'kalshi.book') m.set(r.ticker as string, r);
  return m;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A config file giving the feeder fast reconnects (tests must not wait for 30 s backoffs). */
export function fastConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = `${dir}/chimera.config.json`;
  writeFileSync(file, JSON.stringify({ kalshi: { backoff: { initial_ms: 50, max_ms: 400, stable_ms: 1000 }, ...extra } }));
  return file;
}
