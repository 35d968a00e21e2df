// `sim kalshi`, the built command: its URLs first, the admin API, scheduled faults as
// records, the bundled scenario played to its results, SIGTERM exit 0, usage errors.
import t from 'tap';
import { readFileSync } from 'node:fs';
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
  t.match(l, { sim: 'kalshi', ws_url: /^ws:\/\/127\.0\.0\.1:\d+\/trade-api\/ws\/v2$/, rest_url: /^http:\/\/127\.0\.0\.1:\d+\/trade-api\/v2$/, admin_url: /\/_sim$/ });
  t.ok(p.logs.some((x) => x.msg === 'listening' && x.ws_url === l.ws_url), 'and in the log');
  const markets = (await (await fetch(`${String(l.rest_url)}/markets?status=open`)).json()) as { markets: Rec[] };
  t.equal(markets.markets.length, 6, 'the six demo markets');
  const f = await fetch(`${String(l.admin_url)}/fault`, { method: 'POST', body: JSON.stringify({ kind: 'close-clean' }) });
  t.equal(f.status, 200);
  const bad = await fetch(`${String(l.admin_url)}/fault`, { method: 'POST', body: JSON.stringify({ kind: 'meteor' }) });
  t.equal(bad.status, 400);
  await p.waitFor((r) => r.type === 'sim.fault' && r.kind === 'close-clean', 3000, 'the fault as a record');
  await p.waitFor((r) => r.type === 'sim.fault' && r.kind === 'malformed-garbage', 3000, 'a scheduled fault');
  const state = (await (await fetch(`${String(l.admin_url)}/state`)).json()) as { markets: Record<string, { bids: number[][] }> };
  t.ok(Object.values(state.markets).every((m) => m.bids.length > 0), 'the random walk keeps books');
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
    'KXNBAGAME-26JAN25DENMEM-DEN': 'yes', 'KXNBAGAME-26JAN25DENMEM-MEM': 'no',
    'KXNBAGAME-26JAN25LALBOS-LAL': 'no', 'KXNBAGAME-26JAN25LALBOS-BOS': 'yes',
    'KXNHLGAME-26JAN25TORNYR-TOR': 'yes', 'KXNHLGAME-26JAN25TORNYR-NYR': 'no',
  });
  t.equal((await p.stop()).code, 0);
  const sum = p.logs.find((x) => x.msg === 'summary')!;
  t.equal(sum.scenario_skipped, 0, 'every scenario line applied');
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
