// The live-capital gate as data: every condition passes on complete evidence, fails just
// past its bound, and fails (naming what) when its evidence is missing or damaged.
import t, { type Test } from 'tap';
import {
  evaluateGate,
  gateMarkdown,
  gateRecord,
  parseTap,
  quantile,
  testKey,
  verdictAllows,
  type Condition,
  type Evidence,
  type GateBounds,
} from '../../src/core/gate.js';
import { validateRecord, type CalibrationSignoff, type ClvSummary } from '../../src/schema/index.js';
import type { SoakReport } from '../../src/schema/evidence.js';

const PATH = { source: 'boltodds', sport: 'nba', phase: 'pregame', method: 'shin' } as const;

const BOUNDS: GateBounds = {
  release_branch: 'release',
  paths: [{ ...PATH }],
  soak_min_seconds: 21_600,
  max_side_staleness_ms: 60_000,
  reaction_p99_ms: 1000,
  cancel_p99_ms: 500,
  latency_min_samples: 100,
  clv_min_games: 200,
  failure_mode_tests: ['test/core/arbitrate.test', 'test/cli/devig.test'],
  tolerance: 0.02,
  signoff_min_n: 1000,
};

const soak = (over: Partial<SoakReport> = {}): SoakReport => ({
  type: 'soak.report',
  component: 'feed-kalshi',
  started_ts: 0,
  ended_ts: 21_600_000,
  seconds: 21_600,
  fault_every_ms: 20_000,
  ok: true,
  checks: [{ check: 'reconnects = injected', expected: '3', observed: '3', ok: true }],
  injected: { stall: 3 },
  branch: 'release',
  commit: 'a'.repeat(40),
  dirty: false,
  ...over,
});

const signoff = (over: Partial<CalibrationSignoff> = {}): CalibrationSignoff => ({
  type: 'calibration.signoff',
  ts: 1_000,
  group: { ...PATH },
  n: 1000,
  brier: 0.2,
  log_loss: 0.59,
  ece: 0.02,
  mce: 0.05,
  tolerance: 0.02,
  within_tolerance: true,
  config_fingerprint: 'c'.repeat(64),
  ...over,
});

const clv = (over: Partial<ClvSummary> = {}): ClvSummary => ({
  type: 'clv.summary',
  ts: 5_000,
  group: {},
  reference: 'boltodds/shin',
  n_fills: 900,
  n_games: 200,
  n_unscored: 0,
  mean_clv: 0.01,
  ci_low: 0.001,
  ci_high: 0.02,
  p_value: 0.01,
  positive: true,
  confidence: 0.95,
  min_games: 50,
  bootstrap_resamples: 1000,
  seed: 1,
  from_ts: 0,
  to_ts: 5_000,
  ...over,
});

const TAP = `TAP version 14
1..2
# Subtest: dist/test/core/arbitrate.test.js
    ok 1 - inner
    1..1
ok 1 - dist/test/core/arbitrate.test.js # time=21.7ms

# Subtest: dist/test/cli/devig.test.js
ok 2 - dist/test/cli/devig.test.js # time=15.5ms
`;

/** n latency values with the p99 (nearest rank) exactly `p99` and everything else lower. */
function latencies(n: number, p99: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => (i < Math.ceil(0.99 * n) - 1 ? p99 / 2 : p99));
  return xs;
}

function good(): Evidence {
  return {
    problems: {},
    soaks: [{ from: 'soak/a.json', report: soak() }],
    arbitrate: [{ from: 'runs/a', configured: 'pinnacle-only', logged: 'pinnacle-only' }],
    boltodds: [{ from: 'runs/b', side_staleness_ms: 60_000, partial_ttl_ms: 30_000 }],
    tests: [{ from: 'tests/f.tap', tap: parseTap(TAP) }],
    latency: { 'oracle-to-order': latencies(100, 1000), cancel: latencies(100, 500) },
    signoffs: [signoff()],
    clv: [{ from: 'clv/a.ndjson', record: clv() }],
    checkout: { branch: 'release', commit: 'a'.repeat(40), dirty: false },
    runbook: { path: '/x/man/chimera-runbook.7', present: true },
  };
}

const row = (rows: Condition[], id: string): Condition => {
  const r = rows.find((x) => x.id === id);
  if (!r) throw new Error(`no row ${id}`);
  return r;
};

function check(t: Test, id: string, mutate: (e: Evidence) => void, pass: boolean, figure?: RegExp, bounds: GateBounds = BOUNDS): void {
  const e = good();
  mutate(e);
  const rows = evaluateGate(e, bounds);
  const r = row(rows, id);
  t.equal(r.pass, pass, `${id}: ${pass ? 'passes' : 'fails'} (${r.figure})`);
  if (figure) t.match(r.figure, figure, `${id}: figure names it`);
  // Every other condition still passes: one piece of evidence moves one verdict.
  for (const o of rows) if (o.id !== id) t.ok(o.pass, `${id} mutated: ${o.id} unaffected`);
}

t.test('complete evidence: every condition passes, in the documented order', async (t) => {
  const rows = evaluateGate(good(), BOUNDS);
  t.same(
    rows.map((r) => r.id),
    [
      'soak',
      'arbitration',
      'partial-line-freshness',
      'failure-mode-tests',
      'quote-reaction',
      'calibration-signoff',
      'clv',
      'cancel-latency',
      'release-checkout',
      'runbook',
    ],
  );
  for (const r of rows) t.ok(r.pass, `${r.id}: ${r.figure}`);
  const rec = gateRecord(rows, { ts: 9, evidence: 'ev', checkout: good().checkout, config_fingerprint: 'f'.repeat(64) });
  t.equal(rec.pass, true);
  t.same(rec.failed, []);
  const v = validateRecord(JSON.parse(JSON.stringify(rec)));
  t.ok(v.ok, `the gate record is valid${v.ok ? '' : `: ${v.detail}`}`);
  t.match(gateMarkdown(rows, 'ev'), /^# Live-capital gate: PASS\n/);
  t.equal(
    gateMarkdown(rows, 'ev')
      .split('\n')
      .filter((l) => /\| pass \|$/.test(l)).length,
    rows.length,
    'one table row per condition',
  );
});

t.test('nothing at all: every condition fails and names what is missing', async (t) => {
  const e: Evidence = {
    problems: {},
    soaks: [],
    arbitrate: [],
    boltodds: [],
    tests: [],
    latency: { 'oracle-to-order': [], cancel: [] },
    signoffs: [],
    clv: [],
    checkout: null,
    runbook: { path: '/x/man/chimera-runbook.7', present: false },
  };
  const rows = evaluateGate(e, BOUNDS);
  for (const r of rows) {
    t.notOk(r.pass, `${r.id} fails`);
    t.match(r.figure, /^missing: /, `${r.id} says what is missing: ${r.figure}`);
  }
  const rec = gateRecord(rows, { ts: 9, evidence: 'ev', checkout: null, config_fingerprint: 'f'.repeat(64) });
  t.equal(rec.pass, false);
  t.equal(rec.failed.length, rows.length);
  t.ok(validateRecord(JSON.parse(JSON.stringify(rec))).ok);
  t.match(gateMarkdown(rows, 'ev'), /10 of 10 conditions fail/);
});

t.test('soak: passed and long enough; one second short, a failed check or another component fails', async (t) => {
  check(
    t,
    'soak',
    (e) => {
      e.soaks[0]!.report = soak({ ended_ts: 21_599_999 });
    },
    false,
    /21599 s/,
  );
  check(
    t,
    'soak',
    (e) => {
      e.soaks[0]!.report = soak({ ok: false, checks: [{ check: 'books different', expected: '0', observed: '2', ok: false }] });
    },
    false,
    /failed: books different/,
  );
  check(
    t,
    'soak',
    (e) => {
      e.soaks[0]!.report = soak({ component: 'feed-boltodds' });
    },
    false,
    /missing/,
  );
  // A long passing report among short or failed ones is enough; the figure shows it.
  check(
    t,
    'soak',
    (e) => {
      e.soaks.unshift({ from: 'soak/short.json', report: soak({ ended_ts: 60_000 }) });
    },
    true,
    /21600 s.*soak\/a\.json/,
  );
  // The duration is measured, not claimed.
  check(
    t,
    'soak',
    (e) => {
      e.soaks[0]!.report = soak({ seconds: 21_600, ended_ts: 600_000 });
    },
    false,
    /600 s/,
  );
  check(
    t,
    'soak',
    (e) => {
      e.problems.soak = ['soak/b.json: not JSON'];
    },
    false,
    /bad evidence: soak\/b\.json: not JSON/,
  );
});

t.test('arbitration: configured and logged, the same policy', async (t) => {
  check(
    t,
    'arbitration',
    (e) => {
      e.arbitrate[0]!.logged = 'primary-fallback:pinnacle>draftkings';
      e.arbitrate[0]!.configured = 'primary-fallback';
    },
    true,
    /primary-fallback:pinnacle>draftkings/,
  );
  check(
    t,
    'arbitration',
    (e) => {
      e.arbitrate[0]!.logged = null;
    },
    false,
    /not logged/,
  );
  check(
    t,
    'arbitration',
    (e) => {
      e.arbitrate[0]!.configured = null;
    },
    false,
    /no arbitrate.policy/,
  );
  check(
    t,
    'arbitration',
    (e) => {
      e.arbitrate[0]!.logged = 'weighted-blend:pinnacle=1';
    },
    false,
    /logged weighted-blend/,
  );
  check(
    t,
    'arbitration',
    (e) => {
      e.arbitrate.push({ from: 'runs/c', configured: 'pinnacle-only', logged: null });
    },
    false,
    /1\/2 runs fail/,
  );
  check(
    t,
    'arbitration',
    (e) => {
      e.arbitrate = [];
    },
    false,
    /missing: no arbitrate run/,
  );
});

t.test('partial-line freshness: side staleness at the bound passes, 1 ms over fails', async (t) => {
  check(
    t,
    'partial-line-freshness',
    (e) => {
      e.boltodds[0]!.side_staleness_ms = 60_001;
    },
    false,
    /side_staleness_ms 60001/,
  );
  check(
    t,
    'partial-line-freshness',
    (e) => {
      e.boltodds[0]!.partial_ttl_ms = null;
    },
    false,
    /no boltodds.partial_ttl_ms/,
  );
  check(
    t,
    'partial-line-freshness',
    (e) => {
      e.boltodds[0]!.side_staleness_ms = null;
    },
    false,
    /no boltodds.side_staleness_ms/,
  );
  check(
    t,
    'partial-line-freshness',
    (e) => {
      e.boltodds = [];
    },
    false,
    /missing: no feed-boltodds run/,
  );
});

t.test('failure-mode tests: every file passed and every required test among them', async (t) => {
  check(
    t,
    'failure-mode-tests',
    (e) => {
      e.tests[0]!.tap = parseTap(TAP.replace('ok 2 - dist/test/cli/devig', 'not ok 2 - dist/test/cli/devig'));
    },
    false,
    /not ok dist\/test\/cli\/devig\.test\.js/,
  );
  check(
    t,
    'failure-mode-tests',
    (e) => {
      e.tests[0]!.tap = parseTap(TAP.replace('ok 2 - dist/test/cli/devig.test.js # time=15.5ms', 'ok 2 - dist/test/cli/devig.test.js # SKIP no network'));
    },
    false,
    /not reported passed: test\/cli\/devig\.test/,
  );
  check(
    t,
    'failure-mode-tests',
    (e) => {
      e.tests[0]!.tap = parseTap(TAP.replace('1..2', '1..3'));
    },
    false,
    /plan 1\.\.3 but 2 results/,
  );
  check(
    t,
    'failure-mode-tests',
    (e) => {
      e.tests[0]!.tap = parseTap(TAP.replace('1..2\n', ''));
    },
    false,
    /no plan/,
  );
  check(
    t,
    'failure-mode-tests',
    (e) => {
      e.tests[0]!.tap = parseTap(`${TAP}Bail out! disk full\n`);
    },
    false,
    /bailed out/,
  );
  check(
    t,
    'failure-mode-tests',
    (e) => {
      e.tests = [];
    },
    false,
    /missing: no TAP results/,
  );
  check(t, 'failure-mode-tests', () => undefined, false, /1\/2 required passed.*not reported passed: test\/quote\/x\.test/, {
    ...BOUNDS,
    failure_mode_tests: ['test/core/arbitrate.test', 'test/quote/x.test'],
  });
  // A failed subtest inside a file is reported through its file's top-level point.
  const nested = parseTap('1..1\n# Subtest: a\n    not ok 1 - inner\n    1..1\nnot ok 1 - dist/test/a.test.js\n');
  t.same(nested.failed, ['dist/test/a.test.js']);
  t.same(nested.passed, []);
  t.equal(testKey('dist/test/core/x.test.js'), 'test/core/x.test');
  t.equal(testKey('test/core/x.test.ts'), 'test/core/x.test');
});

t.test('quote reaction: oracle-to-order p99 at the bound passes, over it fails; too few records fail', async (t) => {
  check(
    t,
    'quote-reaction',
    (e) => {
      e.latency['oracle-to-order'] = latencies(100, 1000.5);
    },
    false,
    /p99 1000\.5 ms/,
  );
  check(
    t,
    'quote-reaction',
    (e) => {
      e.latency['oracle-to-order'] = latencies(99, 10);
    },
    false,
    /99 records: too few/,
  );
  check(
    t,
    'quote-reaction',
    (e) => {
      e.latency['oracle-to-order'] = [];
    },
    false,
    /missing: no oracle-to-order latency/,
  );
  check(
    t,
    'quote-reaction',
    (e) => {
      e.problems['quote-reaction'] = ['latency/a.ndjson:3: not JSON'];
    },
    false,
    /latency\/a\.ndjson:3/,
  );
});

t.test('maker cancel latency: p99 at the bound passes, over it fails', async (t) => {
  check(
    t,
    'cancel-latency',
    (e) => {
      e.latency.cancel = latencies(1000, 501);
    },
    false,
    /p99 501 ms.*1000 records/,
  );
  check(
    t,
    'cancel-latency',
    (e) => {
      e.latency.cancel = latencies(50, 10);
    },
    false,
    /too few/,
  );
  check(
    t,
    'cancel-latency',
    (e) => {
      e.latency.cancel = [];
    },
    false,
    /missing: no cancel latency/,
  );
});

t.test('quantile: nearest rank', async (t) => {
  t.equal(quantile([5, 1, 3], 0.5), 3);
  t.equal(
    quantile(
      Array.from({ length: 100 }, (_, i) => i + 1),
      0.99,
    ),
    99,
  );
  t.equal(
    quantile(
      Array.from({ length: 101 }, (_, i) => i + 1),
      0.99,
    ),
    100,
  );
  t.ok(Number.isNaN(quantile([], 0.99)));
});

t.test("calibration sign-off: the Kelly gate's rule, per configured path", async (t) => {
  check(
    t,
    'calibration-signoff',
    (e) => {
      e.signoffs = [signoff({ ece: 0.0201 })];
    },
    false,
    /ECE 0\.0201 > tolerance 0\.02/,
  );
  check(
    t,
    'calibration-signoff',
    (e) => {
      e.signoffs = [signoff({ n: 999 })];
    },
    false,
    /999 games < 1000/,
  );
  check(
    t,
    'calibration-signoff',
    (e) => {
      e.signoffs = [signoff({ group: { ...PATH, sport: 'nhl' } })];
    },
    false,
    /missing: no sign-off for boltodds\/nba\/pregame\/shin/,
  );
  check(
    t,
    'calibration-signoff',
    (e) => {
      e.problems['calibration-signoff'] = ['signoffs/a.ndjson:2 is not JSON'];
    },
    false,
    /signoffs\/a\.ndjson:2/,
  );
  check(t, 'calibration-signoff', () => undefined, false, /missing: no path to trade configured/, { ...BOUNDS, paths: [] });
  // Two paths: one row each, the unsigned one fails alone.
  const rows = evaluateGate(good(), { ...BOUNDS, paths: [{ ...PATH }, { ...PATH, sport: 'nhl' }] });
  const sign = rows.filter((r) => r.id === 'calibration-signoff');
  t.same(
    sign.map((r) => [r.key, r.pass]),
    [
      ['boltodds/nba/pregame/shin', true],
      ['boltodds/nhl/pregame/shin', false],
    ],
  );
  const rec = gateRecord(rows, { ts: 1, evidence: 'ev', checkout: null, config_fingerprint: 'f'.repeat(64) });
  t.ok(rec.failed.includes('calibration-signoff:boltodds/nhl/pregame/shin'), 'failed names the path');
});

t.test('CLV: the latest overall summary, positive, over enough games', async (t) => {
  check(
    t,
    'clv',
    (e) => {
      e.clv[0]!.record = clv({ n_games: 199 });
    },
    false,
    /199 games < 200/,
  );
  check(
    t,
    'clv',
    (e) => {
      e.clv[0]!.record = clv({ positive: false, ci_low: -0.001 });
    },
    false,
    /not positive, CI low not above 0/,
  );
  check(
    t,
    'clv',
    (e) => {
      e.clv[0]!.record = clv({ ci_low: 0 });
    },
    false,
    /CI low not above 0/,
  );
  check(
    t,
    'clv',
    (e) => {
      e.clv[0]!.record = clv({ group: { sport: 'nba' } });
    },
    false,
    /missing: no overall clv.summary/,
  );
  // A later failing overall summary overrides an earlier passing one; group summaries do not count.
  check(
    t,
    'clv',
    (e) => {
      e.clv.push({ from: 'b', record: clv({ ts: 6_000, positive: false, ci_low: null, mean_clv: null }) });
    },
    false,
    /mean n\/a/,
  );
  check(
    t,
    'clv',
    (e) => {
      e.clv.push({ from: 'b', record: clv({ ts: 6_000, group: { sport: 'nhl' }, positive: false }) });
    },
    true,
  );
  check(
    t,
    'clv',
    (e) => {
      e.problems.clv = ['clv/a.ndjson:1: schema: p_value'];
    },
    false,
    /clv\/a\.ndjson:1/,
  );
});

t.test('release checkout: the release branch, clean, with a commit', async (t) => {
  check(
    t,
    'release-checkout',
    (e) => {
      e.checkout = { branch: 'main', commit: 'a'.repeat(40), dirty: false };
    },
    false,
    /branch main/,
  );
  check(
    t,
    'release-checkout',
    (e) => {
      e.checkout = { branch: 'release', commit: 'a'.repeat(40), dirty: true };
    },
    false,
    /dirty/,
  );
  check(
    t,
    'release-checkout',
    (e) => {
      e.checkout = { branch: 'release', commit: 'a'.repeat(40), dirty: null };
    },
    false,
    /state unknown/,
  );
  check(
    t,
    'release-checkout',
    (e) => {
      e.checkout = { branch: null, commit: 'a'.repeat(40), dirty: false };
    },
    false,
    /detached/,
  );
  check(
    t,
    'release-checkout',
    (e) => {
      e.checkout = null;
    },
    false,
    /missing: not a git checkout/,
  );
  check(
    t,
    'runbook',
    (e) => {
      e.runbook.present = false;
    },
    false,
    /missing: \/x\/man\/chimera-runbook\.7/,
  );
});

t.test('verdictAllows: only a passing verdict within the age, not from the future', async (t) => {
  const pass = gateRecord(evaluateGate(good(), BOUNDS), { ts: 1_000, evidence: 'ev', checkout: null, config_fingerprint: 'f'.repeat(64) });
  const fail = { ...pass, pass: false, failed: ['clv'] };
  t.same(verdictAllows(pass, 1_000 + 3_600_000, 3_600_000), { ok: true }, 'exactly at the age');
  t.match(verdictAllows(pass, 1_000 + 3_600_001, 3_600_000), { ok: false, reason: /3600001 ms old/ });
  t.match(verdictAllows(pass, 999, 3_600_000), { ok: false, reason: /future/ });
  t.match(verdictAllows(fail, 1_000, 3_600_000), { ok: false, reason: /failed: clv/ });
  t.match(verdictAllows(undefined, 1_000, 3_600_000), { ok: false, reason: /no gate verdict/ });
});
