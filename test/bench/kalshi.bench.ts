// feed-kalshi speed (issue 5 §4): the built command reading the simulator over loopback.
//   - deltas/s: orderbook_delta frames sent by the simulator's session as fast as the
//     socket takes them, until feed-kalshi has written the book of the last one to its
//     output file (feed-kalshi > kalshi.ndjson, the recording use); once with every delta
//     changing the top (a kalshi.book out per delta, the worst case) and once with
//     changes below --depth (applied, nothing to publish). Also per second of the
//     feeder's own CPU, since the machine running the bench may be shared.
//   - latency: the simulator's matching engine makes 5,000 deltas/s (an order joining
//     and leaving the best bid, so each one moves the top), in 1 ms ticks; from the send
//     of each delta to its kalshi.book line read from feed-kalshi's stdout (a pipe), in
//     this process's clock.
// Targets: >= 100,000 deltas/s; p99 under 2 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { formatPrice } from '../../src/core/kalshi-fixed.js';
import { LIQUIDITY } from '../../src/sim/kalshi/engine.js';
import { marketId, type Session } from '../../src/sim/kalshi/server.js';
import { BIN, ROOT } from '../helpers/run.js';
import { feedEnv, makeKeys, startSim, type SimHandle } from '../helpers/kalshi.js';
import { cpuSeconds, type Bench, type BenchRow } from './lib.js';

const TICKER = 'KXNBAGAME-26JAN25DENMEM-DEN';

interface Feeder {
  pid: number;
  /** Resolves when a kalshi.book line with this seq has been read. */
  seen(seq: number): Promise<void>;
  onSeq: ((seq: number, at: bigint) => void) | undefined;
  stop(): Promise<number | null>;
  books: number;
}

/**
 * feed-kalshi as a child. With `file`, its stdout goes there and seen() watches the
 * file's tail; otherwise stdout is a pipe scanned for kalshi.book seqs as lines arrive
 * (without parsing every line) and onSeq is told the moment each one is read.
 */
function startFeeder(sim: SimHandle, keys: ReturnType<typeof makeKeys>, file?: string): Feeder {
  // BENCH_NODE_ARGS: extra node flags for the feeder (e.g. --cpu-prof) when hunting a regression.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const fd = file ? openSync(file, 'w') : undefined;
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      `${BIN}/feed-kalshi`,
      '--url',
      sim.urls.wsUrl,
      '--tickers',
      TICKER,
      '--no-rest',
      '--depth',
      '10',
      '--status-every',
      '600000',
      '--log-level',
      'warn',
    ],
    { env: { ...process.env, ...feedEnv(keys) }, stdio: ['ignore', fd ?? 'pipe', 'inherit'] },
  );
  if (fd !== undefined) closeSync(fd);
  return watch(child, file);
}

/** seen()/onSeq over a child's stdout (a pipe) or, with `file`, over the file it writes. */
function watch(child: ChildProcess, file: string | undefined): Feeder {
  let tail = '';
  let maxSeq = -1;
  const waiters: Array<{ seq: number; resolve: () => void }> = [];
  const f: Feeder = {
    pid: child.pid!,
    books: 0,
    onSeq: undefined,
    async seen(seq) {
      if (!file) {
        if (maxSeq >= seq) return;
        return new Promise((resolve) => waiters.push({ seq, resolve }));
      }
      const needle = `"seq":${seq},`;
      for (;;) {
        const size = statSync(file).size;
        const fh = openSync(file, 'r');
        const buf = Buffer.alloc(Math.min(size, 8192));
        readSync(fh, buf, 0, buf.length, Math.max(0, size - buf.length));
        closeSync(fh);
        if (buf.toString('utf8').includes(needle)) {
          f.books++;
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return new Promise((resolve) => child.on('close', (code) => resolve(code)));
    },
  };
  child.stdout?.on('data', (b: Buffer) => {
    const at = process.hrtime.bigint();
    const text = tail + b.toString('latin1');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (text.startsWith('{"type":"kalshi.book"', start)) {
        f.books++;
        const i = text.indexOf('"seq":', start);
        const seq = Number(text.slice(i + 6, text.indexOf(',', i)));
        if (seq > maxSeq) maxSeq = seq;
        f.onSeq?.(seq, at);
      }
      start = nl + 1;
    }
    tail = text.slice(start);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (maxSeq >= waiters[i]!.seq) {
        waiters[i]!.resolve();
        waiters.splice(i, 1);
      }
    }
  });
  return f;
}

function startFloor(sim: SimHandle, keys: ReturnType<typeof makeKeys>, tmp: string): Feeder {
  const script = `${tmp}/kalshi-floor.mjs`;
  writeFileSync(
    script,
    `
import WebSocket from ${JSON.stringify(`${ROOT}node_modules/ws/wrapper.mjs`)};
import { makeSigner } from ${JSON.stringify(`${ROOT}dist/src/feeds/kalshi-auth.js`)};
import { readFileSync } from 'node:fs';
const signer = makeSigner(process.env.KALSHI_API_KEY_ID, readFileSync(process.env.KALSHI_PRIVATE_KEY_PATH, 'utf8'));
const ws = new WebSocket(process.argv[2], { headers: signer.headers(Date.now(), 'GET', '/trade-api/ws/v2') });
ws.on('open', () => ws.send(JSON.stringify({ id: 1, cmd: 'subscribe', params: { channels: ['orderbook_delta'], market_tickers: [${JSON.stringify(TICKER)}] } })));
let out = [];
ws.on('message', (d) => {
  const m = JSON.parse(d.toString());
  if (m.seq === undefined) return;
  if (out.length === 0) setImmediate(() => { process.stdout.write(out.join('')); out = []; });
  out.push('{"type":"kalshi.book","seq":' + m.seq + ',"floor":1}\\n');
});
process.on('SIGTERM', () => process.exit(0));
`,
  );
  const child = spawn(process.execPath, [script, sim.urls.wsUrl], { env: { ...process.env, ...feedEnv(keys) }, stdio: ['ignore', 'pipe', 'inherit'] });
  return watch(child, undefined);
}

function bookSub(sim: SimHandle): { session: Session; sub: { sid: number; seq: number } } {
  for (const s of sim.sim.sessions) for (const sub of s.subs.values()) if (sub.channel === 'orderbook_delta') return { session: s, sub };
  throw new Error('no orderbook subscription');
}

async function drain(s: Session): Promise<void> {
  while (s.bufferedAmount > 4 * 1024 * 1024) await new Promise((r) => setImmediate(r));
}

/** Frames straight from the simulator's session: +1/-1 contract at one price, seq continuing. */
/** deltas per wall second, and per second of the feeder's own CPU (the machine may be shared). */
async function blast(sim: SimHandle, feeder: Feeder, n: number, price: number): Promise<{ wall: number; cpu: number }> {
  const { session, sub } = bookSub(sim);
  const head = `{"type":"orderbook_delta","sid":${sub.sid},"seq":`;
  const tailUp = `,"msg":{"market_ticker":"${TICKER}","market_id":"${marketId(TICKER)}","price_dollars":"${formatPrice(price)}","delta_fp":"1.00","side":"yes","ts_ms":1769385600000}}`;
  const tailDown = tailUp.replace('"delta_fp":"1.00"', '"delta_fp":"-1.00"');
  const t0 = process.hrtime.bigint();
  const c0 = cpuSeconds(feeder.pid);
  for (let i = 0; i < n; i++) {
    sub.seq++;
    session.send(head + sub.seq + (i % 2 === 0 ? tailUp : tailDown));
    if ((i & 8191) === 8191) await drain(session);
  }
  // One last delta at the best bid so that the end is published in both variants.
  sub.seq++;
  session.send(head + sub.seq + tailUp.replace(formatPrice(price), formatPrice(sim.engine.market(TICKER).bids.highest!)));
  await feeder.seen(sub.seq);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(feeder.pid) - c0;
  return { wall: (n + 1) / s, cpu: (n + 1) / cpu };
}

async function latency(
  sim: SimHandle,
  feeder: Feeder,
  rate: number,
  seconds: number,
): Promise<{ p50: number; p90: number; p99: number; max: number; n: number }> {
  const { sub } = bookSub(sim);
  const best = sim.engine.market(TICKER).bids.highest!;
  const sent = new Map<number, bigint>();
  const lat: number[] = [];
  feeder.onSeq = (seq, at) => {
    const t = sent.get(seq);
    if (t !== undefined) {
      lat.push(Number(at - t) / 1e6);
      sent.delete(seq);
    }
  };
  const total = Math.round(rate * seconds);
  const t0 = process.hrtime.bigint();
  let done = 0;
  let resting: string | undefined;
  while (done < total) {
    const due = Math.min(total, Math.floor((Number(process.hrtime.bigint() - t0) / 1e9) * rate));
    while (done < due) {
      const now = process.hrtime.bigint();
      if (resting === undefined)
        resting = sim.engine.place(LIQUIDITY, { ticker: TICKER, side: 'bid', price: best, count: 100, tif: 'good_till_canceled', stp: 'maker' }).id;
      else {
        sim.engine.cancel(LIQUIDITY, resting);
        resting = undefined;
      }
      sent.set(sub.seq, now);
      done++;
    }
    // 1 ms ticks (5 deltas each at 5,000/s), not a busy loop: the bench must not take the
    // feeder's CPU.
    await new Promise((r) => setTimeout(r, 1));
  }
  await feeder.seen(sub.seq);
  feeder.onSeq = undefined;
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat[lat.length - 1]!, n: lat.length };
}

async function waitForBook(sim: SimHandle, feeder: Feeder): Promise<void> {
  const hasSub = (): boolean => [...sim.sim.sessions].some((s) => [...s.subs.values()].some((x) => x.channel === 'orderbook_delta'));
  for (let i = 0; i < 400 && !hasSub(); i++) await new Promise((r) => setTimeout(r, 25));
  const { sub } = bookSub(sim);
  await Promise.race([feeder.seen(sub.seq), new Promise((_, reject) => setTimeout(() => reject(new Error('feed-kalshi published no book')), 10_000))]);
}

const bench: Bench = async (env) => {
  const keys = makeKeys('bench-key');
  const sim = await startSim({ keys, markets: [TICKER], rate: 0, levels: 20 });
  const rows: BenchRow[] = [];
  try {
    // Latency: stdout is a pipe this process reads, as a downstream stage would.
    const piped = startFeeder(sim, keys);
    try {
      await waitForBook(sim, piped);
      await latency(sim, piped, 5000, 1); // warm-up
      const lat = await latency(sim, piped, 5000, env.quick ? 4 : 10);
      rows.push(
        { group: 'kalshi', name: `sim send -> kalshi.book out, p50 at 5,000 deltas/s (${lat.n} samples)`, value: lat.p50, unit: 'ms' },
        {
          group: 'kalshi',
          name: 'sim send -> kalshi.book out, p99 at 5,000 deltas/s',
          value: lat.p99,
          unit: 'ms',
          target: '< 2 ms',
          ok: lat.p99 < 2,
          note: `p90 ${lat.p90.toFixed(3)} ms, max ${lat.max.toFixed(2)} ms; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
        },
      );
    } finally {
      await piped.stop();
    }
    for (let i = 0; i < 200 && sim.sim.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
    // The same measurement with the floor client instead of the feeder.
    const floor = startFloor(sim, keys, env.tmp);
    try {
      await waitForBook(sim, floor);
      await latency(sim, floor, 5000, 1);
      const lat = await latency(sim, floor, 5000, env.quick ? 4 : 10);
      rows.push({
        group: 'kalshi',
        name: 'the floor: a bare ws client writing a line per delta, p99',
        value: lat.p99,
        unit: 'ms',
        note: `p50 ${lat.p50.toFixed(3)} ms, p90 ${lat.p90.toFixed(3)} ms (what the machine and transport cost)`,
      });
    } finally {
      await floor.stop();
    }
    for (let i = 0; i < 200 && sim.sim.sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 25));
    // Throughput: stdout to a file.
    const recording = startFeeder(sim, keys, `${env.tmp}/kalshi-bench.ndjson`);
    try {
      await waitForBook(sim, recording);
      const m = sim.engine.market(TICKER);
      const best = m.bids.highest!;
      const deep = m.bids.prices[0]!; // the 20th bid level: below --depth 10
      const n = env.quick ? 100_000 : 500_000;
      await blast(sim, recording, 20_000, best); // warm-up
      const visible = await blast(sim, recording, n, best);
      const hidden = await blast(sim, recording, n, deep);
      const load = loadavg()[0]!;
      rows.unshift(
        {
          group: 'kalshi',
          name: `deltas/s through feed-kalshi, a kalshi.book per delta (${n.toLocaleString('en-US')})`,
          value: Math.round(visible.wall),
          unit: 'deltas/s',
          target: '>= 100000',
          ok: visible.wall >= 100_000,
          note: `load average ${load.toFixed(1)} on ${cpus().length} CPUs`,
        },
        { group: 'kalshi', name: '  the same per second of feed-kalshi CPU', value: Math.round(visible.cpu), unit: 'deltas/s' },
        { group: 'kalshi', name: 'deltas/s through feed-kalshi, changes below --depth', value: Math.round(hidden.wall), unit: 'deltas/s' },
        { group: 'kalshi', name: '  the same per second of feed-kalshi CPU', value: Math.round(hidden.cpu), unit: 'deltas/s' },
      );
    } finally {
      await recording.stop();
    }
    return rows;
  } finally {
    await sim.stop();
    keys.cleanup();
  }
};

export default bench;
