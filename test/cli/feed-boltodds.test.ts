// feed-boltodds as a user runs it: the built command against `sim boltodds` (both real
// processes, a real WebSocket on 127.0.0.1), the demo scenario, --raw and --from-raw.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, ofType, run, summary, type RunResult } from '../helpers/run.js';
import { startSim } from '../helpers/sim.js';
import { SCHEMAS } from '../../src/schema/records.js';

const KEY = 'cli-test-key-5a4b3c2d';
const dir = mkdtempSync(`${tmpdir()}/feed-boltodds-`);
const config = `${dir}/chimera.config.json`;
writeFileSync(config, JSON.stringify({ boltodds: { reconnect_min_ms: 50, reconnect_max_ms: 200 } }));
const scenarioFile = `${ROOT}examples/feeds/boltodds.scenario.ndjson`;
const flags = ['--config', config, '--partial-ttl-ms', '500'];

function strip(r: RunResult): string[] {
  return r.stdout.split('\n').filter((l) => l && !l.includes('"run.manifest"'));
}

t.test('the demo scenario end to end, then the same records from --from-raw', async (t) => {
  const sim = await startSim(['boltodds', '--scenario', scenarioFile, '--key', KEY, '--speed', '0.3', '--exit-when-done', '--linger-ms', '200']);
  let feedChild: import('node:child_process').ChildProcess | undefined;
  const feed = run('feed-boltodds', [...flags, '--url', sim.url, '--raw', `${dir}/raw.ndjson`], {
    env: { BOLTODDS_API_KEY: KEY },
    onSpawn: (c) => {
      feedChild = c;
    },
  });
  const s = await sim.done;
  t.equal(s.code, 0, 'the simulator played the scenario and exited');
  await new Promise((r) => setTimeout(r, 200));
  feedChild!.kill('SIGTERM');
  const r = await feed;
  t.equal(r.code, 0, 'SIGTERM: flush and exit 0');
  t.equal(r.records[0]?.type, 'run.manifest');
  for (const rec of r.records.slice(1)) {
    const ok = SCHEMAS[rec.type as 'odds.line'].safeParse(rec).success;
    if (!ok) t.fail(`invalid ${rec.type}: ${JSON.stringify(rec)}`);
  }
  const lines = ofType(r.records, 'odds.line');
  t.same([...new Set(lines.map((l) => l.event))].sort(), ['nba-2026-01-25-den-mem', 'nba-2026-01-25-lal-bos', 'nhl-2026-01-25-tor-nyr']);
  t.same([...new Set(lines.map((l) => l.book))].sort(), ['draftkings', 'fanduel', 'pinnacle']);
  t.notOk(
    lines.some((l) => String(l.event).includes('team')),
    'the unmapped All-Star game is not published',
  );
  const sum = summary(r.logs)!;
  t.ok(sum, 'exit summary');
  const pl = sum.partial_lines as { full: number; waiting: number; expired: number; 'stale-leg': number };
  t.ok(pl.full > 0 && pl.waiting > 0 && pl.expired >= 1 && pl['stale-leg'] >= 1, `all four outcomes seen: ${JSON.stringify(pl)}`);
  t.same(sum.bad_frames, { 'not-json': 1, 'bad-odds': 1, 'odds-out-of-range': 1, shape: 1 }, 'bad frames counted by reason');
  t.same(sum.unknown_actions, { odds_summary: 1 });
  t.same(sum.unmapped, { 'unmapped-team': 1, 'no-commence-time': 1 });
  const st = ofType(r.records, 'oracle.status')
    .filter((x) => x.event === undefined && x.sport === 'nba')
    .map((x) => `${x.state}${x.reason ? `:${x.reason}` : ''}`);
  t.same(st.slice(0, 3), ['available', 'unavailable:disconnected', 'available'], 'availability changes around the disconnect');
  const reasons = ofType(r.records, 'oracle.status')
    .filter((x) => x.event !== undefined)
    .map((x) => x.reason ?? 'available');
  for (const want of ['stale', 'empty', 'parse', 'available']) t.ok(reasons.includes(want), `a per-game status: ${want}`);
  const raw = readFileSync(`${dir}/raw.ndjson`, 'utf8');
  for (const text of [r.stdout, r.stderr, raw]) t.notOk(text.includes(KEY), 'the key is in no output, log or recording');

  const replay = await run('feed-boltodds', [...flags, '--from-raw', `${dir}/raw.ndjson`]);
  t.equal(replay.code, 0);
  t.same(strip(replay), strip(r), '--from-raw reproduces every record of the live run');
  const again = await run('feed-boltodds', [...flags, '--from-raw', `${dir}/raw.ndjson`]);
  t.equal(again.stdout, replay.stdout, 'two replays are byte-identical, manifest included');
  const other = await run('feed-boltodds', ['--config', config, '--partial-ttl-ms', '100000', '--from-raw', `${dir}/raw.ndjson`]);
  t.ok(
    other.logs.some((l) => String(l.msg).startsWith('replaying with settings other than the recording')),
    'a replay with other settings says so',
  );
  t.not(strip(other).length, 0);
});

t.test('usage and configuration errors exit 2', async (t) => {
  const noKey = await run('feed-boltodds', ['--url', 'ws://127.0.0.1:9/api'], { env: { BOLTODDS_API_KEY: '' } });
  t.equal(noKey.code, 2);
  t.match(noKey.stderr, /BOLTODDS_API_KEY is not set/);
  const both = await run('feed-boltodds', ['--raw', 'a', '--from-raw', 'b']);
  t.equal(both.code, 2);
  const nfl = await run('feed-boltodds', ['--sports', 'nba,nfl', '--from-raw', '/dev/null']);
  t.equal(nfl.code, 2);
  t.match(nfl.stderr, /boltodds\.sports/);
  const help = spawnSync(process.execPath, [`${ROOT}bin/feed-boltodds`, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0);
  t.match(help.stdout, /^feed-boltodds - [^\n]+\n\nExamples:\n {2}\$ feed-boltodds/, 'help leads with examples');
});

t.test('bad lines in a raw recording are counted, not fatal', async (t) => {
  writeFileSync(
    `${dir}/bad-raw.ndjson`,
    [
      'not json',
      '[1]',
      '{"kind":"frame","recv_ts":"x"}',
      '{"kind":"open","recv_ts":1769380000000,"conn":1}',
      '{"kind":"frame","recv_ts":1769380000001,"conn":1,"data":"{\\"action\\":\\"socket_connected\\"}"}',
    ].join('\n') + '\n',
  );
  const r = await run('feed-boltodds', ['--from-raw', `${dir}/bad-raw.ndjson`]);
  t.equal(r.code, 0);
  t.same(summary(r.logs)?.raw_rejected, { 'not-json': 1, 'not-object': 1, shape: 1 });
  t.same(
    ofType(r.records, 'oracle.status').map((x) => x.state),
    ['available', 'available'],
  );
  t.ok(
    r.logs.some((l) => l.msg === 'bad line in the raw recording' && String(l.src).endsWith('bad-raw.ndjson:1')),
    'named by source:line',
  );
});
