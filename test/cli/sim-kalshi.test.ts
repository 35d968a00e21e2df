// `sim kalshi`, the built command: its URLs first, the admin API, scheduled faults as
// records, the bundled scenario played to its results, SIGTERM exit 0, usage errors.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { makeKeys, Proc, type Rec } from '../helpers/kalshi.js';
import { makeScenario } from '../helpers/kalshi-scenario.js';
import { ROOT, run } from '../helpers/run.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());

t.test('prints its URLs, serves the demo markets, injects faults on demand and on a schedule', async (t) => {
  const p = new Proc('sim', ['kalshi', '--public-key', keys.pubPath, '--seed', '4', '--faults', 'malformed-garbage', '--fault-every', '300']);
  t.teardown(() => p.stop());
  const l = await p.waitFor((r) => r.type === 'sim.listening', 10_000, 'sim.listening');
  t.equal(p.records[0]!.type, 'run.manifest');
  t.equal(p.records[1], l, 'the URLs come right after the manifest');
  t.match(l, {
    sim: 'kalshi',
    ws_url: /^ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2$/,
    rest_url: /^http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2$/,
    admin_url: /\/_sim$/,
  });
  t.ok(
    p.logs.some((x) => x.msg === 'listening' && x.ws_url === l.ws_url),
    'and in the log',
  );
  const markets = (await (await fetch(`${String(l.rest_url)}/markets?status=open`)).json()) as { markets: Rec[] };
  t.equal(markets.markets.length, 6, 'the six demo markets');
  const f = await fetch(`${String(l.admin_url)}/fault`, { method: 'POST', body: JSON.stringify({ kind: 'close-clean' }) });
  t.equal(f.status, 200);
  const bad = await fetch(`${String(l.admin_url)}/fault`, { method: 'POST', body: JSON.stringify({ kind: 'meteor' }) });
  t.equal(bad.status, 400);
  await p.waitFor((r) => r.type === 'sim.fault' && r.kind === 'close-clean', 3000, 'the fault as a record');
  await p.waitFor((r) => r.type === 'sim.fault' && r.kind === 'malformed-garbage', 3000, 'a scheduled fault');
  const state = (await (await fetch(`${String(l.admin_url)}/state`)).json()) as { markets: Record<string, { bids: number[][] }> };
  t.ok(
    Object.values(state.markets).every((m) => m.bids.length > 0),
    'the random walk keeps books',
  );
  const s = await p.stop();
  t.equal(s.code, 0, 'SIGTERM: exit 0');
  const sum = p.logs.find((x) => x.msg === 'summary');
  t.match(sum, { injected: { 'close-clean': 1 } });
});

t.test('plays the bundled scenario to its results', async (t) => {
  const file = `${ROOT}examples/kalshi/scenario.ndjson`;
  t.equal(readFileSync(file, 'utf8'), makeScenario().join('\n') + '\n', 'the bundled file is what the generator makes');
  const p = new Proc('sim', ['kalshi', '--public-key', keys.pubPath, '--scenario', file, '--speed', '0']);
  t.teardown(() => p.stop());
  const l = await p.waitFor((r) => r.type === 'sim.listening', 10_000, 'sim.listening');
  await p.waitForLog((x) => x.msg === 'scenario finished', 10_000, 'the end of the scenario');
  const state = (await (await fetch(`${String(l.admin_url)}/state`)).json()) as { markets: Record<string, { status: string; result: string }> };
  t.same(Object.fromEntries(Object.entries(state.markets).map(([k, v]) => [k, v.result])), {
    'KXNBAGAME-26JAN25DENMEM-DEN': 'no',
    'KXNBAGAME-26JAN25DENMEM-MEM': 'yes',
    'KXNBAGAME-26JAN25LALBOS-LAL': 'no',
    'KXNBAGAME-26JAN25LALBOS-BOS': 'yes',
    'KXNHLGAME-26JAN25TORNYR-TOR': 'yes',
    'KXNHLGAME-26JAN25TORNYR-NYR': 'no',
  });
  t.equal((await p.stop()).code, 0);
  const sum = p.logs.find((x) => x.msg === 'summary')!;
  t.match(sum, { scenario_failed: 0, scenario_ignored: 0 }, 'every scenario line applied');
});

t.test('a file recorded by feed-kalshi plays as a scenario', async (t) => {
  const rec = `${keys.dir}/recorded.ndjson`;
  const lines = [
    { type: 'run.manifest', ts: 1, cmd: 'feed-kalshi' },
    {
      type: 'kalshi.market',
      ts: 1769385600000,
      ticker: 'KXNBAGAME-26JAN25DENMEM-DEN',
      event_ticker: 'KXNBAGAME-26JAN25DENMEM',
      series: 'KXNBAGAME',
      sport: 'nba',
      status: 'active',
      price_ranges: [{ start: 0, end: 1, step: 0.01 }],
    },
    { type: 'market.link', ts: 1769385600000, event: 'nba-2026-01-25-den-mem', sport: 'nba', side: 'away', ticker: 'KXNBAGAME-26JAN25DENMEM-DEN' },
    {
      type: 'kalshi.book',
      ts: 1769385600100,
      recv_ts: 1769385600100,
      ticker: 'KXNBAGAME-26JAN25DENMEM-DEN',
      seq: 1,
      sid: 1,
      bids: [
        [0.41, 120],
        [0.4, 300],
      ],
      asks: [[0.44, 75.5]],
    },
    { type: 'kalshi.status', ts: 1769385600200, state: 'live' },
    {
      type: 'kalshi.book',
      ts: 1769385600300,
      recv_ts: 1769385600300,
      ticker: 'KXNBAGAME-26JAN25DENMEM-DEN',
      seq: 2,
      sid: 1,
      bids: [
        [0.42, 10],
        [0.41, 120],
      ],
      asks: [[0.44, 70]],
    },
  ];
  writeFileSync(rec, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const p = new Proc('sim', ['kalshi', '--public-key', keys.pubPath, '--scenario', rec, '--speed', '0']);
  t.teardown(() => p.stop());
  const l = await p.waitFor((r) => r.type === 'sim.listening', 10_000, 'sim.listening');
  await p.waitForLog((x) => x.msg === 'scenario finished', 10_000, 'the end of the scenario');
  const state = (await (await fetch(`${String(l.admin_url)}/state`)).json()) as { markets: Record<string, { bids: number[][]; asks: number[][] }> };
  t.same(
    state.markets['KXNBAGAME-26JAN25DENMEM-DEN'],
    {
      status: 'active',
      result: '',
      bids: [
        [0.42, 10],
        [0.41, 120],
      ],
      asks: [[0.44, 70]],
    },
    'the last recorded book is the book',
  );
  t.equal((await p.stop()).code, 0);
  t.match(
    p.logs.find((x) => x.msg === 'summary'),
    { scenario_applied: 3, scenario_ignored: 3, scenario_failed: 0 },
  );
});

t.test('usage errors exit 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['kalshi'], /--public-key FILE is required/],
    [['kalshi', '--public-key', '/nonexistent.pem'], /cannot read/],
    [['kalshi', '--public-key', `${ROOT}package.json`], /not a usable key/],
    [['kalshi', '--public-key', keys.pubPath, '--faults', 'meteor'], /unknown kind meteor/],
    [['kalshi', '--public-key', keys.pubPath, '--same-channel', 'maybe'], /one of error, allow/],
  ];
  const rs = await Promise.all(cases.map(([a]) => run('sim', a)));
  cases.forEach(([a, re], i) => {
    t.equal(rs[i]!.code, 2, a.join(' '));
    t.match(rs[i]!.stderr, re);
  });
});
