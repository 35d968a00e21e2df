// feed-kalshi --raw and --from-raw: a soak-like run against the simulator (market
// activity, REST discovery, and a fault of most kinds) recorded, then replayed offline to
// the same records byte for byte; replayed again with a smaller --depth; the recording
// redacted where the exchange echoes a secret; bad recordings refused or counted.
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { DEMO, Proc, fastConfig, feedEnv, makeKeys, startSim, type Rec } from '../helpers/kalshi.js';
import { run, summary, type RunResult } from '../helpers/run.js';
import type { Fault } from '../../src/sim/kalshi/faults.js';

const keys = makeKeys('raw-test-key-id');
t.teardown(() => keys.cleanup());

const allValid = (r: Rec): boolean =>
  r.type === 'kalshi.status' && r.state === 'live' && Object.values(r.tickers as Record<string, { valid: boolean }>).every((x) => x.valid);

/** The data lines of an output (the run manifest differs between a live run and a replay). */
function data(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l && !l.includes('"run.manifest"'));
}

t.test('a soak-like run recorded with --raw and replayed with --from-raw: the same records, byte for byte', async (t) => {
  const sim = await startSim({ keys, markets: DEMO, rate: 200, seed: 7, pingEveryMs: 200, sameChannel: 'allow' });
  t.teardown(() => sim.stop());
  const raw = `${keys.dir}/soak.raw.ndjson`;
  const cfg = fastConfig(keys.dir);
  let stdout = '';
  const p = new Proc(
    'feed-kalshi',
    [
      '--url',
      sim.urls.wsUrl,
      '--rest-url',
      sim.urls.restUrl,
      '--series',
      'KXNBAGAME,KXNHLGAME',
      '--depth',
      '5',
      '--status-every',
      '500',
      '--silence-timeout',
      '800',
      '--resync-timeout',
      '900',
      '--refresh-every',
      '1000',
      '--seed',
      '5',
      '--config',
      cfg,
      '--raw',
      raw,
    ],
    feedEnv(keys),
  );
  p.child.stdout!.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  t.teardown(() => p.stop());
  await p.waitFor(allValid, 10_000, 'live');
  const faults: Array<Fault | Fault[]> = [
    { kind: 'skip-seq' },
    { kind: 'error25' },
    { kind: 'malformed-garbage' },
    { kind: 'malformed-negative' },
    { kind: 'crossed' },
    [{ kind: 'delay-snapshot', ms: 1500 }, { kind: 'skip-seq' }],
    { kind: 'pause', ms: 600 },
    { kind: 'close-clean' },
    { kind: 'stall', ms: 1500 },
    { kind: 'rate-limit', n: 2 },
    { kind: 'echo-secrets', n: 1 },
    { kind: 'maintenance', ms: 400 },
  ];
  for (const f of faults) {
    const from = p.records.length;
    for (const x of Array.isArray(f) ? f : [f]) sim.sim.inject(x);
    // The reaction is seen once the feeder has published a status after it and is live again.
    await p.waitFor((r) => r.type === 'kalshi.status', 8000, `a status after ${JSON.stringify(f)}`, from);
    await p.waitFor(allValid, 10_000, `live after ${JSON.stringify(f)}`, p.records.length);
  }
  t.equal((await p.stop()).code, 0);
  const live = data(stdout);
  t.ok(live.filter((l) => l.includes('"kalshi.book"')).length > 100, 'a run with many books');
  const text = readFileSync(raw, 'utf8');
  t.notOk(text.includes(keys.keyId), 'the key id the exchange echoed is not in the recording');
  t.ok(text.includes('[REDACTED]'), 'it is recorded as [REDACTED]');
  const kinds = new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as Rec).kind),
  );
  for (const k of ['header', 'start', 'connect', 'open', 'frame', 'close', 'rest', 'tick', 'status', 'flush', 'stop'])
    t.ok(kinds.has(k), `the recording has ${k} entries`);

  const replay = await run('feed-kalshi', ['--from-raw', raw]);
  t.equal(replay.code, 0, replay.stderr.slice(-500));
  const back = data(replay.stdout);
  t.equal(back.length, live.length, 'as many records');
  t.equal(back.join('\n'), live.join('\n'), '--from-raw reproduces every record of the live run, byte for byte');
  const again = await run('feed-kalshi', ['--from-raw', raw]);
  t.equal(again.stdout, replay.stdout, 'two replays are byte-identical, manifest included');
  const sl = summary(replay.logs)!;
  t.match(sl, { gaps: 2, ws_errors: { 25: 1 } }, 'the summary counts what the live run counted');

  const shallow: RunResult = await run('feed-kalshi', ['--from-raw', raw, '--depth', '2']);
  t.equal(shallow.code, 0);
  const books = shallow.records.filter((r) => r.type === 'kalshi.book');
  t.ok(
    books.length > 0 && books.every((b) => (b.bids as unknown[]).length <= 2 && (b.asks as unknown[]).length <= 2),
    'a smaller --depth: at most 2 levels a side',
  );
  t.ok(books.length < live.filter((l) => l.includes('"kalshi.book"')).length, 'and fewer books (changes below the top two are not published)');
  t.ok(
    shallow.logs.some((l) => /settings other than the recording/.test(String(l.msg))),
    'the replay says its settings differ from the recording',
  );
});

t.test('refused and counted: --raw with --from-raw, a file that is no recording, bad lines', async (t) => {
  const both = await run('feed-kalshi', ['--raw', 'a', '--from-raw', 'b']);
  t.equal(both.code, 2);
  writeFileSync(`${keys.dir}/not-raw.ndjson`, '{"type":"kalshi.book"}\n');
  const nr = await run('feed-kalshi', ['--from-raw', `${keys.dir}/not-raw.ndjson`]);
  t.equal(nr.code, 2);
  t.match(nr.stderr, /not a feed-kalshi --raw recording/);
  const header = {
    kind: 'header',
    source: 'kalshi',
    version: 1,
    recv_ts: 1_769_000_000_000,
    settings: { tickers: [DEMO[0]], series: [], rest: false, private: false, depth: 3, useYesPrice: true, resyncTimeoutMs: 1000 },
  };
  const lines = [
    JSON.stringify(header),
    JSON.stringify({ kind: 'start', recv_ts: 1_769_000_000_001 }),
    'not json',
    '[1]',
    JSON.stringify({ kind: 'frame', recv_ts: 1_769_000_000_002 }),
    JSON.stringify({ kind: 'teleport', recv_ts: 1_769_000_000_003 }),
    JSON.stringify({ kind: 'stop', recv_ts: 1_769_000_000_004 }),
  ];
  writeFileSync(`${keys.dir}/bad.ndjson`, lines.join('\n') + '\n');
  const bad = await run('feed-kalshi', ['--from-raw', `${keys.dir}/bad.ndjson`]);
  t.equal(bad.code, 0);
  t.same(summary(bad.logs)!.raw_rejected, { 'not-json': 1, 'not-object': 1, shape: 2 });
  t.ok(
    bad.logs.some((l) => l.msg === 'bad line in the raw recording' && /bad\.ndjson:3/.test(String(l.src))),
    'reported with source:line',
  );
  t.ok(
    bad.records.some((r) => r.type === 'market.link'),
    'the good lines still replay',
  );
  t.match(bad.records.at(-1), { type: 'kalshi.status', state: 'down', cause: 'shutdown' });
});
