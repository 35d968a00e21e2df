// The Kalshi feeder soak (issue 5 §3): the built feed-kalshi against the simulator,
// with faults injected on a schedule, checked against the simulator's ground truth.
//
//   make soak                      SOAK_SECONDS (default 21600 = 6 h), faults every
//                                  SOAK_FAULT_EVERY_MS (default 20000)
//   test/soak/kalshi-soak.test.ts  the same code for 60 s, faults every ~3 s (CI)
//
// Checks, printed as a table:
//   - reconnects == injected disconnects + stalls, each explained by its recorded cause
//     (clean close -> close 1000, abrupt close -> close 1006/error, stall ->
//     heartbeat-timeout); no reconnect from any other cause;
//   - every kalshi.book equals the simulator's true book at that (session, sid, seq),
//     including the first book after each resync; none is published for a market whose
//     client copy the simulator knows to be broken (a skipped seq, a bogus message);
//   - gaps, bad messages and terminal errors seen == injected;
//   - the feeder's RSS at the end no more than 10 % above its level after warm-up
//     (medians of 5 s of samples; a fall is shown, not failed: it is no leak);
//   - SIGTERM ends it with exit 0;
//   - the run is recorded with --raw, and `feed-kalshi --from-raw` reproduces every
//     record of it byte for byte (the run manifest aside).
//
// With SOAK_REPORT=FILE (make soak sets out/soak/feed-kalshi.json) the table is also
// written as a JSON soak report (src/schema/evidence.ts), the evidence the live-capital
// gate reads (gate --evidence DIR: DIR/soak/*.json).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FAULT_KINDS, type Fault, type FaultKind } from '../../src/sim/kalshi/faults.js';
import type { Observation } from '../../src/sim/kalshi/server.js';
import type { Engine } from '../../src/sim/kalshi/engine.js';
import { seededRandom } from '../../src/core/prng.js';
import { DEMO, Proc, fastConfig, feedEnv, makeKeys, sleep, startSim, truth, type Rec } from '../helpers/kalshi.js';
import { BIN } from '../helpers/run.js';
import { provenance, type GitInfo } from '../../src/config/manifest.js';
import type { SoakReport } from '../../src/schema/evidence.js';

// ------------------------------------------------------------ ground truth

interface TruthEntry {
  kind: Observation['kind'];
  tainted: boolean;
  book: string;
  at: number;
}

/**
 * What the simulator told each client, and the true top of book at that moment, keyed
 * by (session, sid, seq, ticker); entries older than `keepMs` are dropped.
 */
export class TruthRecorder {
  private readonly map = new Map<string, TruthEntry>();
  private readonly fifo: string[] = [];
  private head = 0;

  constructor(
    private readonly engine: Engine,
    private readonly depth: number,
    private readonly keepMs = 60_000,
  ) {}

  add(o: Observation): void {
    const now = Date.now();
    const key = `${o.session}|${o.sid}|${o.seq}|${o.ticker}`;
    this.map.set(key, { kind: o.kind, tainted: o.tainted, book: JSON.stringify(truth(this.engine, o.ticker, this.depth)), at: now });
    this.fifo.push(key);
    while (this.head < this.fifo.length) {
      const k = this.fifo[this.head]!;
      const e = this.map.get(k);
      if (e && now - e.at <= this.keepMs) break;
      if (e && now - e.at > this.keepMs) this.map.delete(k);
      this.head++;
    }
    if (this.head > 100_000) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
  }

  get(session: number, sid: number, seq: number, ticker: string): TruthEntry | undefined {
    return this.map.get(`${session}|${sid}|${seq}|${ticker}`);
  }
}

/** Checks the feeder's output records against the truth as they arrive. */
export class BookChecker {
  session = 0;
  compared = 0;
  afterSnapshot = 0;
  mismatches: string[] = [];
  unmatched: string[] = [];
  whileInvalid: string[] = [];
  statuses = 0;
  lastStatus: Rec | undefined;
  schemaErrors: string[] = [];

  /** `sessionOffset`: simulator sessions opened by others before this feeder's first. */
  constructor(
    private readonly truth: TruthRecorder,
    private readonly sessionOffset = 0,
  ) {}

  onRecord(r: Rec): void {
    if (r.type === 'kalshi.status') {
      this.statuses++;
      this.lastStatus = r;
      this.session = (r.connects as number) + this.sessionOffset;
      return;
    }
    if (r.type !== 'kalshi.book') return;
    const where = `${String(r.ticker)} session ${this.session} sid ${String(r.sid)} seq ${String(r.seq)}`;
    if (typeof r.sid !== 'number') {
      this.schemaErrors.push(`${where}: no sid`);
      return;
    }
    const e = this.truth.get(this.session, r.sid, r.seq as number, r.ticker as string);
    if (!e) {
      this.unmatched.push(where);
      return;
    }
    if (e.tainted) {
      this.whileInvalid.push(`${where} (${e.kind})`);
      return;
    }
    this.compared++;
    if (e.kind === 'snapshot') this.afterSnapshot++;
    const got = JSON.stringify({ bids: r.bids, asks: r.asks });
    if (got !== e.book) this.mismatches.push(`${where}: feeder ${got} truth ${e.book}`);
  }
}

// ------------------------------------------------------------ the run

export interface SoakOptions {
  seconds: number;
  faultEveryMs: number;
  /** Random-walk events per second. */
  rate?: number;
  seed?: number;
  depth?: number;
  /** Progress lines (stderr in `make soak`). */
  progress?: (line: string) => void;
}

export interface SoakRow {
  check: string;
  expected: string;
  observed: string;
  ok: boolean;
}

export interface SoakResult {
  ok: boolean;
  rows: SoakRow[];
  table: string;
  injected: Record<string, number>;
  causes: Record<string, number>;
  rss: { warm: number; end: number; samples: number };
  feederSummary: Rec | undefined;
  exit: number | null;
}

/** Fault kinds the soak cycles through (every kind of the simulator except the slow ones). */
export const SOAK_FAULTS: FaultKind[] = [
  'close-clean',
  'skip-seq',
  'close-abrupt',
  'malformed-bad-field',
  'stall',
  'error25',
  'malformed-garbage',
  'delay-snapshot',
  'refuse-auth',
  'malformed-negative',
  'error25-nosid',
  'malformed-unknown-type',
  'rate-limit',
  'malformed-off-grid',
];

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.progress ?? (() => undefined);
  const depth = o.depth ?? 5;
  const ms = o.seconds * 1000;
  const warmupMs = Math.min(600_000, Math.max(12_000, ms * 0.1));
  const quietMs = Math.min(60_000, Math.max(6_000, ms * 0.05));
  const silenceMs = 1500;
  const keys = makeKeys('soak-key');
  const sim = await startSim({ keys, markets: DEMO, rate: o.rate ?? 150, seed: o.seed ?? 42, pingEveryMs: 300, levels: 8 });
  const rec = new TruthRecorder(sim.engine, depth);
  sim.sim.observe((x) => rec.add(x));
  const checker = new BookChecker(rec);
  const disconnects: Rec[] = [];
  let feederSummary: Rec | undefined;
  const cfg = fastConfig(keys.dir, { backoff: { initial_ms: 100, max_ms: 1000, stable_ms: 1500 } });
  const feed = new Proc(
    'feed-kalshi',
    [
      '--url',
      sim.urls.wsUrl,
      '--rest-url',
      sim.urls.restUrl,
      '--series',
      'KXNBAGAME,KXNHLGAME',
      '--depth',
      String(depth),
      '--status-every',
      '1000',
      '--silence-timeout',
      String(silenceMs),
      '--resync-timeout',
      '1500',
      '--refresh-every',
      '2000',
      '--seed',
      '1',
      '--config',
      cfg,
      '--log-level',
      'info',
      '--raw',
      `${keys.dir}/soak.raw.ndjson`,
    ],
    feedEnv(keys),
    {
      keep: false,
      onRecord: (r) => checker.onRecord(r),
      onLog: (l) => {
        if (l.msg === 'disconnected') disconnects.push(l);
        if (l.msg === 'summary') feederSummary = l;
      },
    },
  );
  const liveOut = createWriteStream(`${keys.dir}/soak.live.ndjson`);
  feed.child.stdout!.pipe(liveOut);
  const pid = feed.child.pid!;
  const rss: Array<{ t: number; kb: number }> = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const kb = rssKb(pid);
    if (kb !== undefined) rss.push({ t: Date.now() - t0, kb });
  }, 1000);
  log(`soak: ${o.seconds} s, warm-up ${warmupMs / 1000} s, faults every ~${o.faultEveryMs} ms, feeder pid ${pid}`);

  await sleep(warmupMs);
  // Faults at a steady pace, each one only when the feeder is live (a fault thrown at a
  // feeder still recovering from the last one would test nothing new and blur the counts).
  const random = seededRandom(o.seed ?? 42);
  const faultEnd = ms - quietMs;
  let next = warmupMs + 60_000;
  let k = 0;
  let due = Date.now() - t0 + o.faultEveryMs * (0.75 + 0.5 * random());
  while (Date.now() - t0 < faultEnd) {
    await sleep(100);
    const now = Date.now() - t0;
    if (now >= next) {
      log(
        `soak: ${Math.round(now / 1000)} s, injected ${JSON.stringify(sim.sim.injected)}, books compared ${checker.compared}, rss ${rss[rss.length - 1]?.kb ?? '?'} kB`,
      );
      next += 60_000;
    }
    if (now < due || checker.lastStatus?.state !== 'live' || sim.sim.sessions.size !== 1) continue;
    const kind = SOAK_FAULTS[k++ % SOAK_FAULTS.length]!;
    sim.sim.inject(faultOf(kind, silenceMs));
    if (kind === 'refuse-auth') sim.sim.inject({ kind: 'close-clean' });
    due = now + o.faultEveryMs * (0.75 + 0.5 * random());
  }
  await sleep(quietMs - 1000);
  // Levels: the median of the 5 s after warm-up, and of the last 5 s (single samples are GC noise).
  const warmSamples = rss.filter((s) => s.t >= warmupMs && s.t <= warmupMs + 5000).map((s) => s.kb);
  const endSamples = rss.slice(-5).map((s) => s.kb);
  clearInterval(sampler);
  // Final state: stop the activity, let the last messages land, compare every book.
  sim.walk.stop();
  await sleep(500);
  const finalStatus = checker.lastStatus;
  const stopped = await feed.stop('SIGTERM');
  await sim.stop();
  if (!liveOut.writableFinished) await once(liveOut, 'finish');
  const replayed = await replayDigest(`${keys.dir}/soak.raw.ndjson`, `${keys.dir}/soak.replay.ndjson`);
  const live = await digest(`${keys.dir}/soak.live.ndjson`);
  keys.cleanup();

  const inj = sim.sim.injected;
  const n = (k: string): number => inj[k] ?? 0;
  const causes: Record<string, number> = {};
  for (const d of disconnects) {
    const key = d.cause === 'close' ? `close ${String(d.code)}` : String(d.cause);
    causes[key] = (causes[key] ?? 0) + 1;
  }
  const clean = causes['close 1000'] ?? 0;
  const abrupt = (causes['close 1006'] ?? 0) + (causes.error ?? 0);
  const heartbeat = causes['heartbeat-timeout'] ?? 0;
  const other = disconnects.length - clean - abrupt - heartbeat;
  const reconnects = (finalStatus?.reconnects as number | undefined) ?? -1;
  const expectedReconnects = n('close-clean') + n('close-abrupt') + n('stall');
  const bad = (feederSummary?.bad_messages ?? {}) as Record<string, number>;
  const wsErrors = (feederSummary?.ws_errors ?? {}) as Record<string, number>;
  const warm = median(warmSamples);
  const end = median(endSamples);
  const growth = warm > 0 ? (end - warm) / warm : NaN;
  const rows: SoakRow[] = [
    row('reconnects = injected disconnects + stalls', expectedReconnects, reconnects),
    row('  clean closes -> cause close 1000', n('close-clean'), clean),
    row('  abrupt closes -> cause close 1006 / error', n('close-abrupt'), abrupt),
    row('  stalls -> cause heartbeat-timeout', n('stall'), heartbeat),
    row('  reconnects from any other cause', 0, other),
    row('refused handshakes (refuse-auth) survived', n('refuse-auth'), sim.sim.refused.auth_refused_by_fault ?? 0),
    row('gaps detected = skipped seqs', n('skip-seq'), (feederSummary?.gaps as number | undefined) ?? -1),
    row('terminal error 25 seen = injected', n('error25') + n('error25-nosid'), wsErrors['25'] ?? 0),
    row('not-json frames counted', n('malformed-garbage'), bad['not-json'] ?? 0),
    row('unknown-type frames counted', n('malformed-unknown-type'), bad['unknown-type'] ?? 0),
    row('wrong-type deltas counted (bad-size)', n('malformed-bad-field'), bad['bad-size'] ?? 0),
    row('negative-size deltas counted', n('malformed-negative'), bad['negative-size'] ?? 0),
    row('off-grid deltas counted', n('malformed-off-grid'), bad['off-grid'] ?? 0),
    {
      check: 'REST 429s retried (rate-limit x2 each)',
      expected: `>= ${n('rate-limit') * 2 > 0 ? 1 : 0}`,
      observed: String(bad['rest-429'] ?? 0),
      ok: (bad['rest-429'] ?? 0) >= (n('rate-limit') > 0 ? 1 : 0),
    },
    { check: 'books compared with the true book', expected: '> 0', observed: String(checker.compared), ok: checker.compared > 0 },
    {
      check: '  of which first book after a (re)snapshot',
      expected: `>= ${disconnects.length}`,
      observed: String(checker.afterSnapshot),
      ok: checker.afterSnapshot >= disconnects.length,
    },
    row('books different from the true book', 0, checker.mismatches.length),
    row('books published while invalid', 0, checker.whileInvalid.length),
    row('books with no matching message (bad sid/seq)', 0, checker.unmatched.length + checker.schemaErrors.length),
    {
      check: 'final state live, every book valid',
      expected: 'live',
      observed: `${String(finalStatus?.state)}${allValid(finalStatus) ? '' : ' (invalid books)'}`,
      ok: finalStatus?.state === 'live' && allValid(finalStatus),
    },
    // A leak shows as growth; memory handed back (a fall) is no failure, but is shown.
    {
      check: 'RSS at end vs after warm-up (growth)',
      expected: '<= +10 %',
      observed: `${warm} -> ${end} kB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %)`,
      ok: Number.isFinite(growth) && growth <= 0.1,
    },
    row('exit status after SIGTERM', 0, stopped.code ?? -1),
    {
      check: '--from-raw replay = live records (sha256)',
      expected: `${live.lines} lines ${live.hash.slice(0, 12)}`,
      observed: `${replayed.lines} lines ${replayed.hash.slice(0, 12)}`,
      ok: live.lines > 0 && live.hash === replayed.hash && live.lines === replayed.lines,
    },
  ];
  const ok = rows.every((r) => r.ok);
  const table = formatTable(rows, o.seconds, inj);
  for (const m of [...checker.mismatches, ...checker.whileInvalid, ...checker.unmatched, ...checker.schemaErrors].slice(0, 10)) log(`soak: detail: ${m}`);
  log(
    `soak: rss kB by 5 s: ${rss
      .filter((x, i) => i % 5 === 0)
      .map((x) => `${Math.round(x.t / 1000)}s ${x.kb}`)
      .join(', ')}`,
  );
  return { ok, rows, table, injected: { ...inj }, causes, rss: { warm, end, samples: rss.length }, feederSummary, exit: stopped.code };
}

/** sha256 and count of a file's data lines (the run manifest, which differs between a live run and its replay, left out). */
async function digest(file: string): Promise<{ hash: string; lines: number }> {
  const h = createHash('sha256');
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line || line.includes('"run.manifest"')) continue;
    h.update(line + '\n');
    lines++;
  }
  return { hash: h.digest('hex'), lines };
}

/** `feed-kalshi --from-raw raw > out`, then the digest of out. */
async function replayDigest(raw: string, out: string): Promise<{ hash: string; lines: number }> {
  const child = spawn(process.execPath, [`${BIN}/feed-kalshi`, '--from-raw', raw], { stdio: ['ignore', 'pipe', 'ignore'] });
  const sink = createWriteStream(out);
  child.stdout.pipe(sink);
  await Promise.all([once(child, 'close'), once(sink, 'finish')]);
  return digest(out);
}

function faultOf(kind: FaultKind, silenceMs: number): Fault {
  switch (kind) {
    case 'stall':
      return { kind, ms: silenceMs + 1000 };
    case 'delay-snapshot':
      return { kind, ms: 400 };
    case 'refuse-auth':
      return { kind, n: 1 };
    case 'rate-limit':
      return { kind, n: 2 };
    default:
      return { kind };
  }
}

function row(check: string, expected: number, observed: number): SoakRow {
  return { check, expected: String(expected), observed: String(observed), ok: expected === observed };
}

function allValid(s: Rec | undefined): boolean {
  const t = s?.tickers as Record<string, { valid: boolean }> | undefined;
  return t !== undefined && Object.keys(t).length > 0 && Object.values(t).every((x) => x.valid);
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function rssKb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function formatTable(rows: SoakRow[], seconds: number, injected: Record<string, number>): string {
  const w = Math.max(...rows.map((r) => r.check.length));
  const we = Math.max(8, ...rows.map((r) => r.expected.length));
  const lines = [
    `Kalshi feeder soak: ${seconds} s; injected ${
      FAULT_KINDS.filter((k) => injected[k])
        .map((k) => `${k} ${injected[k]}`)
        .join(', ') || 'nothing'
    }`,
    '',
    `${'check'.padEnd(w)}  ${'expected'.padEnd(we)}  observed`,
    `${'-'.repeat(w)}  ${'-'.repeat(we)}  ${'-'.repeat(20)}`,
    ...rows.map((r) => `${r.check.padEnd(w)}  ${r.expected.padEnd(we)}  ${r.observed}${r.ok ? '' : '   <-- FAILED'}`),
    '',
    rows.every((r) => r.ok) ? 'soak: every check passed' : 'soak: FAILED',
  ];
  return lines.join('\n');
}

/**
 * The machine-readable report of a soak (src/schema/evidence.ts soakReport), which the
 * live-capital gate reads from its evidence directory (gate --evidence DIR, soak/*.json).
 */
export function soakReportOf(r: SoakResult, o: SoakOptions, startedTs: number, endedTs: number, git: GitInfo): SoakReport {
  return {
    type: 'soak.report',
    component: 'feed-kalshi',
    started_ts: startedTs,
    ended_ts: endedTs,
    seconds: o.seconds,
    fault_every_ms: o.faultEveryMs,
    ok: r.ok,
    checks: r.rows.map((x) => ({ check: x.check.trim(), expected: x.expected, observed: x.observed, ok: x.ok })),
    injected: { ...r.injected },
    branch: git.branch,
    commit: git.commit,
    dirty: git.dirty,
  };
}

// `make soak`: node dist/test/soak/kalshi-soak.js; SOAK_REPORT=FILE also writes the report.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const seconds = Number(process.env.SOAK_SECONDS ?? 21600);
  const every = Number(process.env.SOAK_FAULT_EVERY_MS ?? 20_000);
  const reportFile = process.env.SOAK_REPORT;
  if (!Number.isFinite(seconds) || seconds < 30) {
    process.stderr.write('SOAK_SECONDS must be a number >= 30\n');
    process.exit(2);
  }
  const opts: SoakOptions = { seconds, faultEveryMs: every, progress: (l) => process.stderr.write(`${l}\n`) };
  const started = Date.now();
  const r = await runSoak(opts);
  process.stdout.write(`${r.table}\n`);
  if (reportFile) {
    const report = soakReportOf(r, opts, started, Date.now(), provenance());
    mkdirSync(dirname(reportFile), { recursive: true });
    writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(`soak: report written to ${reportFile}\n`);
  }
  process.exit(r.ok ? 0 : 1);
}
