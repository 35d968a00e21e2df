import t from 'tap';
import type { Test } from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { devig } from '../../src/core/devig.js';
import { SCHEMAS } from '../../src/schema/records.js';
import { ndjson, ofType, run, summary } from '../helpers/run.js';

const T0 = 1769380000000;
const dir = mkdtempSync(`${tmpdir()}/devig-test-`);

function oddsLine(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'odds.line',
    ts: T0,
    recv_ts: T0 + 3,
    source: 'boltodds',
    book: 'pinnacle',
    sport: 'nba',
    event: 'nba-2026-01-25-den-mem',
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: T0 + 3_600_000,
    home_odds: 2.24,
    away_odds: 1.6757,
    home_ts: T0 - 5000,
    away_ts: T0 - 2000,
    ...over,
  };
}

const oracleLine = {
  type: 'oracle.line',
  ts: T0 + 10,
  source: 'boltodds',
  sport: 'nba',
  event: 'nba-2026-01-25-den-mem',
  home: 'Memphis Grizzlies',
  away: 'Denver Nuggets',
  commence_ts: T0 + 3_600_000,
  policy: 'weighted-blend:pinnacle=0.7,draftkings=0.3',
  books: ['pinnacle', 'draftkings'],
  weights: { pinnacle: 0.7, draftkings: 0.3 },
  line_ts: T0 + 5,
  home_odds: 2.26,
  away_odds: 1.66,
};

function valid(t: Test, recs: Array<Record<string, unknown>>): void {
  for (const r of recs) {
    const s = SCHEMAS[r.type as keyof typeof SCHEMAS];
    if (s && !s.safeParse(r).success) t.fail(`invalid ${String(r.type)}: ${JSON.stringify(r)}`);
  }
}

t.test('--method: every input passes through, each followed by its oracle.prob', async (t) => {
  const other = { type: 'kalshi.trade', ts: T0, ticker: 'KXNBAGAME-26JAN25DENMEM-DEN', trade_id: '1', price: 0.4, count: 1, taker_side: 'yes' };
  const r = await run('devig', ['--method', 'shin'], { input: ndjson([oddsLine(), other, oracleLine]) });
  t.equal(r.code, 0, r.stderr);
  valid(t, r.records);
  t.same(
    r.records.slice(1).map((x) => x.type),
    ['odds.line', 'oracle.prob', 'kalshi.trade', 'oracle.line', 'oracle.prob'],
  );
  t.same(r.records[1], oddsLine(), 'odds.line passes through unchanged');
  const [fromOdds, fromOracle] = ofType(r.records, 'oracle.prob');
  const want = devig([2.24, 1.6757], 'shin');
  if (!want.ok) throw new Error('unreachable');
  t.same(
    fromOdds,
    {
      type: 'oracle.prob',
      ts: T0,
      source: 'boltodds',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'Memphis Grizzlies',
      away: 'Denver Nuggets',
      commence_ts: T0 + 3_600_000,
      books: ['pinnacle'],
      method: 'shin',
      p_home: want.p[0],
      p_away: want.p[1],
      overround: want.overround,
      param: want.param,
    },
    'from an odds.line: books [book], no policy',
  );
  t.same(fromOracle!.policy, oracleLine.policy);
  t.same(fromOracle!.books, oracleLine.books);
  t.same(fromOracle!.weights, oracleLine.weights);
  t.equal(fromOracle!.line_ts, oracleLine.line_ts);
  t.equal(fromOracle!.ts, oracleLine.ts);
  t.ok(Math.abs((fromOracle!.p_home as number) + (fromOracle!.p_away as number) - 1) < 1e-12);
  const log = r.logs.find((l) => l.msg === 'devig method in force');
  t.equal(log?.method, 'shin', 'the method in force is logged at start');
  t.same(summary(r.logs)?.oracle_prob_by_method, { shin: 2 });
});

t.test('proportional and additive carry no param; power, shin and odds-ratio do', async (t) => {
  for (const m of ['proportional', 'additive', 'power', 'shin', 'odds-ratio']) {
    const r = await run('devig', ['-m', m], { input: ndjson([oddsLine()]) });
    const p = ofType(r.records, 'oracle.prob')[0]!;
    t.equal(p.method, m);
    t.equal('param' in p, m !== 'proportional' && m !== 'additive', `${m}: param present?`);
  }
});

t.test('method per source from the config; default for the rest; unconfigured sources reported', async (t) => {
  const cfg = `${dir}/per-source.json`;
  writeFileSync(cfg, JSON.stringify({ devig: { method: { boltodds: 'shin', oddsapi: 'proportional' } } }));
  const input = ndjson([oddsLine(), oddsLine({ source: 'oddsapi' }), oddsLine({ source: 'history' }), oddsLine({ source: 'history', ts: T0 + 1 })]);
  const r = await run('devig', ['--config', cfg], { input });
  t.equal(r.code, 0);
  t.same(
    ofType(r.records, 'oracle.prob').map((p) => [p.source, p.method]),
    [
      ['boltodds', 'shin'],
      ['oddsapi', 'proportional'],
    ],
  );
  t.equal(ofType(r.records, 'odds.line').length, 4, 'every input still passes through');
  const s = summary(r.logs)!;
  t.same(s.rejected_by_reason, { 'no-method': 2 });
  t.same(s.sources_without_method, ['history']);
  t.equal(r.logs.filter((l) => l.msg?.toString().startsWith('source has no de-vig method')).length, 1, 'one warning per source');
  t.ok(
    r.logs.some((l) => l.reason === 'no-method' && l.src === 'stdin:3'),
    'each line named as source:line',
  );
  const start = r.logs.find((l) => l.msg === 'devig method in force')!;
  t.same(start.method_by_source, { boltodds: 'shin', oddsapi: 'proportional' });
  t.equal(start.default, null);

  const cfg2 = `${dir}/default.json`;
  writeFileSync(cfg2, JSON.stringify({ devig: { method: { boltodds: 'shin' }, default: 'power' } }));
  const r2 = await run('devig', ['--config', cfg2], { input });
  t.same(
    ofType(r2.records, 'oracle.prob').map((p) => [p.source, p.method]),
    [
      ['boltodds', 'shin'],
      ['oddsapi', 'power'],
      ['history', 'power'],
      ['history', 'power'],
    ],
  );

  // --method overrides the map (and the manifest's fingerprint says so).
  const r3 = await run('devig', ['--config', cfg, '--method', 'additive'], { input });
  t.same(
    ofType(r3.records, 'oracle.prob').map((p) => p.method),
    ['additive', 'additive', 'additive', 'additive'],
  );
  t.not(r3.records[0]!.config_fingerprint, r.records[0]!.config_fingerprint);
});

t.test('no method anywhere: refuses to start (exit 2), never guesses one', async (t) => {
  const r = await run('devig', [], { input: ndjson([oddsLine()]) });
  t.equal(r.code, 2);
  t.match(r.stderr, /no de-vig method: pass --method/);
  t.equal(ofType(r.records, 'oracle.prob').length, 0);
  const bad = await run('devig', ['--method', 'logarithmic'], { input: '' });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /expected one of proportional, additive, power, shin, odds-ratio/);
  const both = await run('devig', ['--compare', '--method', 'shin'], { input: '' });
  t.equal(both.code, 2);
  t.match(both.stderr, /--method does not apply/);
});

t.test('bad input: a diagnostic, a count by reason, no oracle.prob, no made-up number', async (t) => {
  const underRound = oddsLine({ home_odds: 2.1, away_odds: 2.1, event: 'nba-2026-01-26-bos-nyk' });
  const input =
    ndjson([
      oddsLine(),
      underRound,
      oddsLine({ home_odds: 1 }), // the schema refuses odds <= 1
      oddsLine({ away_odds: undefined }), // a missing side
    ]) + '{"type":"odds.line","home_odds":1e999}\n';
  const rej = `${dir}/rejected.ndjson`;
  const r = await run('devig', ['--method', 'shin', '--reject', rej], { input });
  t.equal(r.code, 0);
  t.same(
    ofType(r.records, 'oracle.prob').map((p) => p.event),
    ['nba-2026-01-25-den-mem'],
  );
  t.same(ofType(r.records, 'odds.line').length, 2, 'the unpriceable but valid line still passes through');
  const s = summary(r.logs)!;
  t.same(s.rejected_by_reason, { 'booksum-below-1': 1, schema: 3 });
  const diag = r.logs.find((l) => l.reason === 'booksum-below-1')!;
  t.equal(diag.src, 'stdin:2');
  t.match(diag.detail, /booksum 0\.952\d* < 1/);
  t.match(r.logs.find((l) => l.src === 'stdin:3')?.detail, /home_odds: decimal odds must be > 1/);
  t.match(r.logs.find((l) => l.src === 'stdin:4')?.detail, /away_odds/);
  t.equal(readFileSync(rej, 'utf8').split('\n').filter(Boolean).length, 4, '--reject keeps every refused line');
  // The same under-round line is fine for a method that extends to booksum < 1.
  const p = await run('devig', ['--method', 'power'], { input: ndjson([underRound]) });
  t.same(
    ofType(p.records, 'oracle.prob').map((x) => [x.p_home, x.p_away]),
    [[0.5, 0.5]],
  );
  // --strict stops at the first unusable line.
  const strict = await run('devig', ['--method', 'shin', '--strict'], { input: ndjson([underRound, oddsLine()]) });
  t.equal(strict.code, 1);
});

t.test('--compare: every method side by side, errors per method in place', async (t) => {
  const r = await run('devig', ['--compare'], { input: ndjson([oddsLine(), oddsLine({ home_odds: 2.1, away_odds: 2.1 }), oracleLine]) });
  t.equal(r.code, 0, r.stderr);
  valid(t, r.records);
  const cmp = ofType(r.records, 'devig.compare');
  t.equal(cmp.length, 3);
  t.equal(ofType(r.records, 'oracle.prob').length, 0);
  const methods = cmp[0]!.methods as Record<string, Record<string, number>>;
  t.same(Object.keys(methods), ['proportional', 'additive', 'power', 'shin', 'odds-ratio']);
  for (const [m, cell] of Object.entries(methods)) {
    const want = devig([2.24, 1.6757], m as 'shin');
    if (!want.ok) throw new Error('unreachable');
    t.same([cell.p_home, cell.p_away, cell.param], [want.p[0], want.p[1], want.param], m);
  }
  t.equal(methods.shin!.p_home, methods.additive!.p_home, 'two-way Shin equals additive');
  t.same(cmp[0]!.books, ['pinnacle']);
  t.equal(cmp[0]!.home_odds, 2.24);
  const under = cmp[1]!.methods as Record<string, Record<string, unknown>>;
  t.equal(under.shin!.error, 'booksum-below-1');
  t.equal(under.power!.p_home, 0.5);
  t.ok((cmp[1]!.overround as number) < 0);
  t.equal(cmp[2]!.policy, oracleLine.policy);
  t.equal(cmp[2]!.line_ts, oracleLine.line_ts);
});

t.test('assumed times carry into oracle.prob and devig.compare (those of its fields), and nowhere else', async (t) => {
  const hist = oddsLine({ source: 'history', book: 'consensus', time_assumed: ['ts', 'commence_ts', 'home_ts', 'away_ts'] });
  const onlySides = oddsLine({ time_assumed: ['home_ts'] });
  const r = await run('devig', ['--method', 'shin'], { input: ndjson([hist, onlySides, oddsLine()]) });
  t.equal(r.code, 0, r.stderr);
  valid(t, r.records);
  const probs = ofType(r.records, 'oracle.prob');
  t.same(probs[0]!.time_assumed, ['ts', 'commence_ts'], "the line's assumed ts and commence_ts are the probability's");
  t.notOk('time_assumed' in probs[1]!, 'home_ts is not a field of oracle.prob: nothing to mark');
  t.notOk('time_assumed' in probs[2]!, 'observed times: no mark');
  const c = await run('devig', ['--compare'], { input: ndjson([hist]) });
  t.equal(c.code, 0, c.stderr);
  t.same(ofType(c.records, 'devig.compare')[0]!.time_assumed, ['ts', 'commence_ts']);
});

t.test('meaningless lines are refused with a diagnostic naming the field or the bound, never priced (issue 14 section 3)', async (t) => {
  const input =
    ndjson([
      oddsLine(),
      oddsLine({ home_odds: 1.0000001, away_odds: 1.0000001 }), // a 100 % margin
      oddsLine({ home_odds: 9000, away_odds: 9500 }), // a -100 % margin
      oddsLine({ home_odds: 1e300, away_odds: 1e300 }), // no book quotes this: the schema's bound
      oddsLine({ event: 'nhl-2026-01-25-tor-nyr' }), // sport nba, an NHL game
      oddsLine({ event: 'nba-2026-02-30-den-mem' }), // no such day
      oddsLine({ event: 'nba-2026-01-25-den-xyz' }), // no such team
      oddsLine({ home_odds: 1.3, away_odds: 3.9 }), // 2.56 %: a real line
    ]) +
    JSON.stringify(oddsLine()).replace('"home_odds":2.24', '"home_odds":1.01,"home_odds":2.24') +
    '\n';
  for (const mode of [['--method', 'shin'], ['--compare']]) {
    const r = await run('devig', mode, { input });
    t.equal(r.code, 0, r.stderr);
    const priced = ofType(r.records, mode[0] === '--compare' ? 'devig.compare' : 'oracle.prob');
    t.equal(priced.length, 2, `${mode[0]!}: only the two real lines are priced`);
    const s = summary(r.logs)!;
    t.same(s.rejected_by_reason, { 'margin-out-of-bounds': 2, schema: 4, 'duplicate-key': 1 }, mode[0]!);
    const at = (n: number) => r.logs.find((l) => l.msg === 'bad input line' && l.src === `stdin:${n}`);
    t.match(at(2), { reason: 'margin-out-of-bounds', detail: /overround 1\.00000 .*beyond the sanity bound of ±0\.2/ });
    t.match(at(3), { reason: 'margin-out-of-bounds', detail: /overround -0\.999/ });
    t.match(at(4), { reason: 'schema', detail: /home_odds: decimal odds must be <= 10000/ });
    t.match(at(5), { reason: 'schema', detail: /sport: sport "nba" contradicts the event id nhl-2026-01-25-tor-nyr/ });
    t.match(at(6), { reason: 'schema', detail: /event: no date 2026-02-30/ });
    t.match(at(7), { reason: 'schema', detail: /event: home team "xyz" is not a NBA team code/ });
    t.match(at(9), { reason: 'duplicate-key', detail: /duplicate key "home_odds"/ });
  }
  // The bound is the config's devig.max_margin.
  const cfg = `${dir}/margin.json`;
  writeFileSync(cfg, JSON.stringify({ devig: { method: 'proportional', max_margin: 0.02 } }));
  const r = await run('devig', ['--config', cfg], { input: ndjson([oddsLine(), oddsLine({ home_odds: 1.3, away_odds: 3.9 })]) });
  t.equal(ofType(r.records, 'oracle.prob').length, 0, 'both margins (4.3 %, 2.6 %) exceed 2 %');
  t.same(summary(r.logs)!.rejected_by_reason, { 'margin-out-of-bounds': 2 });
  t.equal(r.logs.find((l) => l.msg === 'devig method in force')?.max_margin, 0.02, 'the bound in force is logged');
});
