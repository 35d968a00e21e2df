// feed-boltodds speed (issue 4 §5): frames/s from the simulator over a loopback WebSocket
// through the built feed into a stdout pipe, and the latency from the simulator's send to
// the odds.line arriving on that pipe (p50/p99) at 1,000 frames/s. Every frame is a
// two-sided line_update, so every frame yields one odds.line: the k-th line out belongs
// to the k-th frame in. For throughput the simulator writes the frames pre-framed, 256 to
// a socket write (the same bytes ws.send writes, without its per-frame cost), so the
// figure is the feed's and not the sender's. The engine alone (no socket, no pipe) is
// measured for comparison.
import { spawn } from 'node:child_process';
import { SystemClock } from '../../src/clock/clock.js';
import { BoltOddsEngine } from '../../src/feeds/boltodds.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Metrics } from '../../src/log/metrics.js';
import { BoltOddsSim, boltTimestamp } from '../../src/sim/boltodds.js';
import { writeFileSync } from 'node:fs';
import { BIN, ROOT } from '../helpers/run.js';
import { BOOKS, GAMES, oddsMsg } from '../helpers/bolt.js';
import type { Bench, BenchRow } from './lib.js';

const KEY = 'bench-key-0000';

/** n two-sided line_update frames over the 9 (game, book) pairs, prices moving. */
function frames(n: number): string[] {
  const games = Object.values(GAMES);
  const ts = boltTimestamp(Date.now());
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = games[i % 3]!;
    const b = BOOKS[Math.floor(i / 3) % 3]!;
    const m = oddsMsg('line_update', g, b, { home: `+${100 + (i % 400)}`, away: `-${110 + (i % 400)}` }, false);
    out.push(JSON.stringify({ timestamp: ts, ...m }));
  }
  return out;
}

function snapshot(): string {
  const ts = boltTimestamp(Date.now());
  const msgs = [];
  for (const g of Object.values(GAMES)) for (const b of BOOKS) msgs.push({ timestamp: ts, ...oddsMsg('initial_state', g, b, { home: '+120', away: '-140' }) });
  return JSON.stringify(msgs);
}

interface Feed {
  /** Resolves when `count` odds.line records have arrived in total; records each arrival time. */
  waitLines(count: number): Promise<void>;
  arrivals: number[];
  stop(): Promise<void>;
}

async function startFeed(url: string, echoScript?: string): Promise<Feed> {
  const args = echoScript ? [echoScript, url] : [`${BIN}/feed-boltodds`, '--url', url, '--log-level', 'warn'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, BOLTODDS_API_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const arrivals: number[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  let carry = '';
  child.stdout.on('data', (b: Buffer) => {
    const now = performance.now();
    const s = carry + b.toString('utf8');
    let start = 0;
    for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
      if (s.startsWith('{"type":"odds.line"', start)) arrivals.push(now);
      start = nl + 1;
    }
    carry = s.slice(start);
    if (waiter && arrivals.length >= waiter.count) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    arrivals,
    waitLines: (count) =>
      new Promise<void>((resolve, reject) => {
        if (arrivals.length >= count) return resolve();
        waiter = { count, resolve };
        void exited.then((code) => reject(new Error(`feed exited ${code}: ${stderr.slice(0, 400)}`)));
      }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Send at 1,000 frames/s for `seconds`; the k-th line out answers the k-th frame in. */
async function latency(sim: BoltOddsSim, feed: Feed, seconds: number): Promise<{ p50: number; p99: number; max: number }> {
  const m = 1000 * seconds;
  const lf = frames(m);
  const sent: number[] = [];
  const base = feed.arrivals.length;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(m, Math.floor(performance.now() - start) + 1);
      while (sent.length < due) {
        sim.sendRaw(lf[sent.length]!);
        sent.push(performance.now());
      }
      if (sent.length < m) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await feed.waitLines(base + m);
  const lat = sent.map((s, i) => feed.arrivals[base + i]! - s).sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  return { p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1]! };
}

const bench: Bench = async (env) => {
  const clock = new SystemClock();
  const log = new Logger({ cmd: 'sim', clock, sink: new MemorySink(), level: 'warn' });
  const sim = new BoltOddsSim({ scenario: { header: undefined, steps: [] }, clock, log, key: KEY, pingMs: 0 });
  const url = await sim.start();
  const feed = await startFeed(url);
  const rows: BenchRow[] = [];
  try {
    await sim.whenSubscribed();
    sim.sendRaw(snapshot());
    await feed.waitLines(9);

    // ---- throughput: as fast as the socket takes them
    const n = env.quick ? 50_000 : 200_000;
    const fs = frames(n);
    const base = feed.arrivals.length;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 256) {
      sim.sendBurst(fs.slice(i, i + 256));
      while (sim.buffered > 4 << 20) await new Promise((r) => setTimeout(r, 1));
    }
    await feed.waitLines(base + n);
    const seconds = (performance.now() - t0) / 1000;
    const fps = n / seconds;
    rows.push({
      group: 'feeds',
      name: 'feed-boltodds: sim -> ws -> feed -> stdout pipe',
      value: Math.round(fps),
      unit: 'frames/s',
      target: '>= 50,000 frames/s',
      ok: fps >= 50_000,
    });

    // ---- latency at 1,000 frames/s
    const lat = await latency(sim, feed, env.quick ? 3 : 10);
    rows.push({ group: 'feeds', name: 'latency sim send -> odds.line on stdout, p50 @ 1,000 frames/s', value: lat.p50, unit: 'ms' });
    rows.push({
      group: 'feeds',
      name: 'latency sim send -> odds.line on stdout, p99 @ 1,000 frames/s',
      value: lat.p99,
      unit: 'ms',
      target: 'p99 < 2 ms',
      ok: lat.p99 < 2,
    });
    rows.push({ group: 'feeds', name: 'latency max @ 1,000 frames/s', value: lat.max, unit: 'ms' });
  } finally {
    await feed.stop();
    await sim.stop();
  }

  // ---- the floor of this machine: the same measurement with a client that only echoes a
  // line per frame (ws receive -> stdout), no engine: what the scheduler and pipes cost here
  const echo = `${env.tmp}/echo-client.mjs`;
  writeFileSync(
    echo,
    `import WebSocket from ${JSON.stringify(`${ROOT}node_modules/ws/wrapper.mjs`)};
const ws = new WebSocket(process.argv[2] + '?key=${KEY}');
ws.on('message', (d) => {
  const text = d.toString();
  if (text.includes('socket_connected')) return ws.send('{"action":"subscribe","filters":{}}');
  if (text.includes('"line_update"')) process.stdout.write('{"type":"odds.line"}\\n');
});
`,
  );
  const sim2 = new BoltOddsSim({ scenario: { header: undefined, steps: [] }, clock, log, key: KEY, pingMs: 0 });
  const echoClient = await startFeed(await sim2.start(), echo);
  try {
    await sim2.whenSubscribed();
    const lat = await latency(sim2, echoClient, env.quick ? 3 : 10);
    rows.push({
      group: 'feeds',
      name: 'floor: bare ws echo client, p99 @ 1,000 frames/s (no engine)',
      value: lat.p99,
      unit: 'ms',
      note: `p50 ${lat.p50.toFixed(3)} ms`,
    });
  } finally {
    await echoClient.stop();
    await sim2.stop();
  }

  // ---- the engine alone, in process
  const n = env.quick ? 100_000 : 500_000;
  const fs = frames(n);
  let published = 0;
  const engine = new BoltOddsEngine({
    settings: {
      sports: ['nba', 'nhl'],
      books: [...BOOKS],
      bookAliases: {},
      market: 'Moneyline',
      sideStalenessMs: 600_000,
      partialTtlMs: 30_000,
      appPong: true,
    },
    clock,
    log,
    metrics: new Metrics(),
    emit: (r) => {
      if (JSON.stringify(r).length > 0) published++;
    },
  });
  engine.opened(1, clock.now());
  engine.frame('{"action":"socket_connected"}', clock.now());
  engine.frame(snapshot(), clock.now());
  const e0 = performance.now();
  for (const f of fs) engine.frame(f, clock.now());
  const es = (performance.now() - e0) / 1000;
  if (published < n) throw new Error(`engine published ${published} of ${n}`);
  rows.push({ group: 'feeds', name: 'engine alone: parse + assemble + stringify, in process', value: Math.round(n / es), unit: 'frames/s' });
  return rows;
};

export default bench;
