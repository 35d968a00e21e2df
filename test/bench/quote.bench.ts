// Quote manager speed (issue 10 §6):
// - reaction: an oracle.prob that moves through a resting quote, to the cancel written.
//   In-process (the manager alone: p50/p99 µs), and through a pipe (devig | quote, live
//   clock, p99 target < 5 ms on a quiet machine): the time from writing an odds.line into
//   devig to reading quote's pending-cancel order record.
// - replay throughput of a recorded session (one day of 10 games), records/s beside the
//   parse+stringify limit (target >= 35 %).
// - memory over a simulated month of games (30 days x 10 games), in-process through the
//   same loop the command runs: heap after each week, which must stay flat.
import { spawn } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import { ReplayClock } from '../../src/clock/clock.js';
import { KALSHI_FEES } from '../../src/core/fees.js';
import { KillSwitches } from '../../src/core/killswitch.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { PositionBook } from '../../src/core/position-book.js';
import { QuoteManager, type ManagerSink } from '../../src/core/quote-manager.js';
import { ShadowVenue } from '../../src/core/shadow-venue.js';
import { QuoteLoop } from '../../src/cli/quote-loop.js';
import { validateRecord, type AnyRecord } from '../../src/schema/index.js';
import { BIN } from '../helpers/run.js';
import { DEFAULTS, EVENT, HOME, NO_KILLS, T0, book, prob, unlimited } from '../helpers/quote.js';
import { timeCommand, type Bench, type BenchRow } from './lib.js';
import { sessionLines } from './quote-session.js';

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** The manager alone: oracle through the resting bid, to the cancel request. */
function inProcessReaction(n: number): number[] {
  let sent = 0n;
  const times: number[] = [];
  let onCancel: (() => void) | undefined;
  const sink: ManagerSink = {
    request: (req) => {
      if (req.kind === 'cancel') onCancel?.();
      else void req;
    },
    order: () => undefined,
    fill: () => undefined,
    skip: () => undefined,
    latency: () => undefined,
    killswitch: () => undefined,
    position: () => undefined,
    count: () => undefined,
    anomaly: () => undefined,
  };
  const requests: Array<{ kind: string; coid: string }> = [];
  const m = new QuoteManager({ ...DEFAULTS, minRestMs: 0 }, NO_KILLS, unlimited(), () => ({ ok: true, count: 1000 }), {
    ...sink,
    request: (req) => {
      requests.push({ kind: req.kind, coid: req.kind === 'place' ? req.order.clientOrderId : req.clientOrderId });
      if (req.kind === 'cancel') onCancel?.();
    },
  });
  let now = T0;
  m.onLink({ ticker: HOME, event: EVENT, sport: 'nba', side: 'home' }, now);
  m.onMarket({ ticker: HOME, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, now);
  m.onOracleProb(prob(0.5, now), now);
  m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), now);
  const answer = (): void => {
    while (requests.length) {
      const r = requests.shift()!;
      now += 1;
      if (r.kind === 'place') m.onReply({ kind: 'accepted', ts: now, clientOrderId: r.coid, orderId: `x${r.coid}`, ticker: HOME, remaining: 1000 }, now);
      else m.onReply({ kind: 'canceled', ts: now, clientOrderId: r.coid, orderId: `x${r.coid}`, ticker: HOME, remaining: 1000, cause: 'requested' }, now);
    }
  };
  answer();
  for (let i = 0; i < n; i++) {
    // Down through the bid (0.45), then back up: every other update pulls a quote.
    const p = i % 2 === 0 ? 0.44 : 0.5;
    now += 10;
    let got = false;
    onCancel = () => {
      if (!got) times.push(Number(process.hrtime.bigint() - sent) / 1000);
      got = true;
    };
    sent = process.hrtime.bigint();
    m.onOracleProb(prob(p, now), now);
    onCancel = undefined;
    answer();
  }
  return times;
}

/** devig | quote through pipes on the system clock. */
async function pipeReaction(tmp: string, n: number): Promise<number[]> {
  const now = Date.now();
  const kalshi = `${tmp}/quote-kalshi.ndjson`;
  const status = { type: 'kalshi.status', ts: now, state: 'live', connects: 1, reconnects: 0, disconnects: 0, gaps: 0, last_msg_ts: now, tickers: {} };
  const lines = [
    status,
    {
      type: 'kalshi.market',
      ts: now,
      ticker: HOME,
      event_ticker: 'KXNBAGAME-26JAN25DENMEM',
      series: 'KXNBAGAME',
      sport: 'nba',
      event: EVENT,
      team: 'mem',
      status: 'active',
      price_ranges: [{ start: 0, end: 1, step: 0.01 }],
      fee_type: 'quadratic_with_maker_fees',
    },
    { type: 'market.link', ts: now, event: EVENT, sport: 'nba', side: 'home', ticker: HOME },
    { type: 'kalshi.book', ts: now, ticker: HOME, seq: 1, bids: [[0.45, 50]], asks: [[0.55, 50]] },
  ];
  writeFileSync(kalshi, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const config = `${tmp}/quote-bench.config.json`;
  writeFileSync(
    config,
    JSON.stringify({
      quote: { resume_after_ms: 0, latency_ms: 0, min_rest_ms: 0, pull_before_start_ms: 0, oracle_stale_ms: 3_600_000, book_stale_ms: 3_600_000 },
      log: { level: 'error' },
    }),
  );
  const devig = spawn(process.execPath, [`${BIN}/devig`, '--method', 'shin', '--log-level', 'error'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const quote = spawn(process.execPath, [`${BIN}/quote`, '--config', config, '--shadow', '--oracle', 'boltodds/shin', '--log-level', 'error', kalshi, '-'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  devig.stdout.pipe(quote.stdin);
  let buf = '';
  let waiting: ((line: string) => void) | undefined;
  const seen: string[] = [];
  quote.stdout.setEncoding('utf8');
  quote.stdout.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (waiting && l.includes('"pending-cancel"')) waiting(l);
      else seen.push(l);
    }
  });
  const odds = (pHome: number): string => {
    const t = Date.now();
    const h = 1 / (pHome * 1.02);
    const a = 1 / ((1 - pHome) * 1.02);
    return (
      JSON.stringify({
        type: 'odds.line',
        ts: t,
        source: 'boltodds',
        book: 'pinnacle',
        sport: 'nba',
        event: EVENT,
        home: 'Memphis Grizzlies',
        away: 'Denver Nuggets',
        commence_ts: t + 4 * 3_600_000,
        home_odds: Math.round(h * 1e4) / 1e4,
        away_odds: Math.round(a * 1e4) / 1e4,
        home_ts: t,
        away_ts: t,
      }) + '\n'
    );
  };
  const times: number[] = [];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  devig.stdin.write(odds(0.5));
  await sleep(500); // quotes placed and accepted
  for (let i = 0; i < n; i++) {
    const wait = new Promise<string>((r) => {
      waiting = r;
    });
    const t0 = process.hrtime.bigint();
    devig.stdin.write(odds(0.44));
    const timeout = sleep(2000).then(() => '');
    const got = await Promise.race([wait, timeout]);
    waiting = undefined;
    if (got) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    devig.stdin.write(odds(0.5));
    await sleep(30); // cancel answered, the bid placed again
  }
  devig.stdin.end();
  await Promise.all([once(devig, 'close'), once(quote, 'close')]);
  return times;
}

// A forced collection before each heap reading, so the figure is what is live, not garbage.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The loop the command runs, in-process over a generated month: heap after each week. */
function monthHeap(): number[] {
  const clock = new ReplayClock();
  const fees = KALSHI_FEES;
  const venue = new ShadowVenue({ latencyMs: 50, queueModel: 'risk-averse', fees });
  let out = 0;
  const loop = new QuoteLoop(
    clock,
    venue,
    { mode: 'shadow', source: 'boltodds', method: 'shin', defaultFeeType: 'quadratic_with_maker_fees', queueModel: 'risk-averse' },
    {
      record: () => {
        out++;
      },
      warn: () => undefined,
      count: () => undefined,
    },
  );
  const kill = new KillSwitches({
    oracleSource: 'boltodds',
    oracleStaleMs: 180_000,
    bookStaleMs: 120_000,
    resumeAfterMs: 30_000,
    reconnectMax: 5,
    reconnectWindowMs: 300_000,
  });
  const book = new PositionBook({ maxPositionContracts: 100, maxGameLossDollars: 100, maxDailyNotionalDollars: 100_000 });
  loop.manager = new QuoteManager(
    { ...DEFAULTS, clientOrderIdPrefix: 'm', maxOrderAgeMs: 300_000, minRestMs: 2_000 },
    kill,
    book,
    () => ({ ok: true, count: 1000 }),
    loop.sink(),
  );
  const heap: number[] = [];
  let day = 0;
  const start = Date.UTC(2026, 1, 1);
  for (const line of sessionLines({ days: 28, gamesPerDay: 10, bookEveryMs: 10_000, probEveryMs: 30_000, tradeEveryMs: 60_000, start })) {
    const v = validateRecord(JSON.parse(line));
    if (!v.ok) throw new Error(`generated record invalid: ${v.reason} ${v.detail}: ${line.slice(0, 200)}`);
    const rec = v.record as AnyRecord;
    clock.advanceTo(rec.ts);
    loop.onRecord(rec);
    const d = Math.floor((rec.ts - start) / 86_400_000);
    if (d !== day) {
      day = d;
      if (day % 7 === 0) {
        gc();
        heap.push(process.memoryUsage().heapUsed / 1e6);
      }
    }
  }
  loop.stop();
  if (out === 0) throw new Error('the month wrote nothing');
  return heap;
}

const bench: Bench = async (env) => {
  const rows: BenchRow[] = [];
  const inproc = inProcessReaction(env.quick ? 20_000 : 100_000);
  rows.push({ group: 'quote', name: 'reaction in-process p50 (oracle through quote -> cancel)', value: pct(inproc, 0.5), unit: 'µs' });
  rows.push({ group: 'quote', name: 'reaction in-process p99', value: pct(inproc, 0.99), unit: 'µs' });
  const piped = await pipeReaction(env.tmp, env.quick ? 100 : 300);
  if (piped.length === 0) throw new Error('devig | quote never wrote a cancel');
  rows.push({ group: 'quote', name: `reaction devig | quote p50 (${piped.length} moves)`, value: pct(piped, 0.5), unit: 'ms' });
  const p99 = pct(piped, 0.99);
  rows.push({ group: 'quote', name: 'reaction devig | quote p99', value: p99, unit: 'ms', target: 'p99 < 5 ms on a quiet machine', ok: p99 < 5 });

  const file = `${env.tmp}/quote-session.ndjson`;
  const ws = createWriteStream(file);
  let n = 0;
  for (const l of sessionLines({ days: 1, gamesPerDay: 10, bookEveryMs: 1_000, probEveryMs: 5_000, tradeEveryMs: 10_000, start: Date.UTC(2026, 1, 1) })) {
    if (!ws.write(l + '\n')) await once(ws, 'drain');
    n++;
  }
  ws.end();
  await once(ws, 'finish');
  const cfg = `${env.tmp}/quote-replay.config.json`;
  writeFileSync(cfg, JSON.stringify({ log: { level: 'error' } }));
  const r = await timeCommand('quote', ['--config', cfg, '--shadow', '--replay', '--oracle', 'boltodds/shin', file], null);
  if (r.code !== 0) throw new Error(`quote --replay failed: ${r.stderr.slice(0, 400)}`);
  const rate = n / r.seconds;
  rows.push({
    group: 'quote',
    name: `replay throughput (${n.toLocaleString('en-US')} records, one day of 10 games)`,
    value: rate,
    unit: 'records/s',
    ratio: rate / env.limit,
    target: '>= 35 % of limit',
    ok: rate / env.limit >= 0.35,
  });

  const heap = monthHeap();
  const growth = heap.length > 1 ? heap.at(-1)! - heap[0]! : 0;
  rows.push({
    group: 'quote',
    name: `heap after each week of a simulated month (MB): ${heap.map((h) => h.toFixed(1)).join(' / ')}`,
    value: growth,
    unit: 'MB growth',
    target: 'flat (< 5 MB growth from week 1 to 4)',
    ok: growth < 5,
  });
  return rows;
};

export default bench;
