// clv-report as a user runs it: the fixture session (every case of test/core/clv.test.ts)
// through the built command, a quote replay piped into it, the Markdown page, a
// byte-identical rerun, bad input reported and counted, and the usage errors.
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SCHEMAS, fieldsOf } from '../../src/schema/records.js';
import { ROOT, ofType, run, summary } from '../helpers/run.js';

const SESSION = `${ROOT}test/fixtures/clv/session.ndjson`;
const dir = mkdtempSync(`${tmpdir()}/clv-report-test-`);
const TERMS = ['edge_claimed', 'execution_error', 'fee_drag', 'model_error', 'outcome_noise'];

t.test('the fixture session: one clv record per good fill, summaries by group, all valid; bad input counted', async (t) => {
  const md = `${dir}/clv.md`;
  const r = await run('clv-report', ['--replay', '--reference', 'boltodds/shin', '--markdown', md, SESSION]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.records[0]?.type, 'run.manifest', 'the manifest first');
  for (const x of r.records) {
    const s = SCHEMAS[x.type as keyof typeof SCHEMAS];
    const v = s?.safeParse(x);
    if (!v?.success) t.fail(`invalid ${String(x.type)}: ${JSON.stringify(x)} ${JSON.stringify(v?.error?.issues)}`);
  }
  const clv = ofType(r.records, 'clv');
  t.same(
    clv.map((x) => x.trade_id),
    ['t1', 't4', 't6', 't2', 't3', 't5'],
    'good fills, by fill time',
  );
  const t1 = clv.find((x) => x.trade_id === 't1')!;
  t.match(t1, {
    reference: 'boltodds/shin',
    fill_price: 0.45,
    fair_p: 0.52,
    decision_ref_p: 0.5,
    ref_p: 0.5,
    ref_late_p: 0.55,
    close_p: 0.6,
    outcome: 1,
    clv: 0.15,
    pnl: 0.545,
    edge_claimed: 0.02,
    execution_error: 0.05,
    fee_drag: -0.005,
    model_error: 0.08,
    outcome_noise: 0.4,
    unscored: null,
  });
  for (const x of clv) {
    if (x.pnl === null || x.edge_claimed === null) continue;
    const sum = TERMS.reduce((s, k) => s + (x[k] as number), 0);
    t.ok(Math.abs(sum - (x.pnl as number)) <= 1e-9, `${String(x.trade_id)}: the terms add up to pnl`);
  }
  t.match(
    clv.find((x) => x.trade_id === 't4'),
    { unscored: 'no-reference', close_p: null, clv: null },
  );
  t.match(
    clv.find((x) => x.trade_id === 't5'),
    { unscored: 'no-close', close_p: null, clv: null },
  );
  t.match(
    clv.find((x) => x.trade_id === 't6'),
    { outcome: null, pnl: null, clv: 0.02 },
  );

  const sums = ofType(r.records, 'clv.summary');
  t.same(
    sums.map((x) => JSON.stringify(x.group)),
    [
      '{}',
      '{"sport":"nba"}',
      '{"sport":"nhl"}',
      '{"source":"boltodds","method":"shin"}',
      '{"source":"oddsapi","method":"proportional"}',
      '{"liquidity":"maker"}',
      '{"liquidity":"taker"}',
    ],
  );
  for (const s of sums)
    t.same(
      Object.keys(s).sort(),
      fieldsOf('clv.summary')
        .filter((k) => k !== 'recv_ts')
        .sort(),
      'exactly the clv.summary fields',
    );
  t.match(sums[0], {
    group: {},
    reference: 'boltodds/shin',
    n_fills: 4,
    n_games: 2,
    n_unscored: 2,
    mean_clv: 0.0675,
    ci_low: 0.02,
    positive: false,
    min_games: 50,
    bootstrap_resamples: 10000,
    seed: 1,
  });

  const sum = summary(r.logs)!;
  t.same(
    sum.rejected_by_reason,
    { schema: 1, 'conflicting-result': 1, 'duplicate-fill': 1, 'unknown-game': 1, 'no-quote-time': 1 },
    'bad input counted by reason',
  );
  t.match(sum, { fills_in: 9, fills_scored: 4, fills_unscored: 2, fills_bad: 3 });
  t.match(r.stderr, /session\.ndjson:12.*unknown-game/, 'named with source:line');
  t.match(r.stderr, /fill without a closing line: listed, not scored.*t4/);

  const page = readFileSync(md, 'utf8');
  t.match(page, /^# Closing line value against boltodds\/shin\n/);
  t.match(page, /Verdict: \*\*not shown positive\*\*/);
  t.match(page, /\| all \| 4 \| 2 \| 2 \| 6\.75 \| 2\.00 \|/);
  t.match(
    page,
    /## Fills without a closing line \(2\)\n\n\| fill ts[^\n]*\n[^\n]*\n\| [^|]+ \| t4 \| KXNHLGAME-26JAN25BOSNYR-NYR \| nhl-2026-01-25-bos-nyr \| no-reference \|/,
  );
  t.match(page, /\| unknown-game \| 1 \|/);
  // t1, t2, t3 have the whole split: edge (0.02+0+0)/3, execution (0.05+0.03+0.02)/3, fee -(0.005+0.004+0.02)/3,
  // model (0.08+0.05+0)/3, noise 0.4, pnl (0.545+0.476+0.4)/3
  t.match(page, /\| all \| 3 \| 0\.0067 \| 0\.0333 \| -0\.0097 \| 0\.0433 \| 0\.4000 \| 0\.4737 \|/, 'mean PnL split, adding up');

  // the same input (and seed), the same bytes
  const again = await run('clv-report', ['--replay', '--reference', 'boltodds/shin', '--markdown', md, SESSION]);
  t.equal(again.stdout, r.stdout, 'stdout byte-identical');
  t.equal(readFileSync(md, 'utf8'), page, 'Markdown byte-identical');
});

t.test('flags: --min-games, --seed, --resamples, --confidence reach the summaries; the config supplies the reference', async (t) => {
  const cfg = `${dir}/config.json`;
  writeFileSync(cfg, JSON.stringify({ clv: { reference: 'boltodds/shin', min_games: 2 } }));
  const r = await run('clv-report', ['--replay', '--config', cfg, '--resamples', '500', '--seed', '9', '--confidence', '0.9', SESSION]);
  t.equal(r.code, 0, r.stderr);
  const all = ofType(r.records, 'clv.summary')[0]!;
  t.match(all, { reference: 'boltodds/shin', positive: true, min_games: 2, bootstrap_resamples: 500, seed: 9, confidence: 0.9 });
  const src = await run('clv-report', ['--replay', '--reference', 'boltodds', SESSION]);
  t.equal(src.code, 0, 'SOURCE alone: its one method');
  t.equal(ofType(src.records, 'clv.summary')[0]!.reference, 'boltodds/shin');
});

t.test('usage errors: no reference, a malformed one, a source with several methods', async (t) => {
  const none = await run('clv-report', [SESSION]);
  t.equal(none.code, 2);
  t.match(none.stderr, /--reference/);
  const bad = await run('clv-report', ['--reference', 'boltodds/nope', SESSION]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /SOURCE\/METHOD/);
  const lines = readFileSync(SESSION, 'utf8').split('\n').filter(Boolean);
  const prob = lines.find((l) => l.includes('"type":"oracle.prob"') && l.includes('"boltodds"'))!;
  const two = [...lines, prob.replace('"method":"shin"', '"method":"power"')].join('\n') + '\n';
  const amb = await run('clv-report', ['--reference', 'boltodds'], { input: two });
  t.equal(amb.code, 2);
  t.match(amb.stderr, /several methods \(power, shin\)/);
});

t.test('a quote replay piped in: its fill scored against the recorded close', async (t) => {
  const q = await run('quote', [
    '--config',
    `${ROOT}test/fixtures/quote/config.json`,
    '--shadow',
    '--replay',
    '--oracle',
    'boltodds/shin',
    `${ROOT}test/fixtures/quote/session.ndjson`,
  ]);
  t.equal(q.code, 0, q.stderr);
  const r = await run('clv-report', ['--replay', '--reference', 'boltodds/shin'], { input: q.stdout });
  t.equal(r.code, 0, r.stderr);
  const clv = ofType(r.records, 'clv');
  t.equal(clv.length, ofType(q.records, 'fill').length, 'one clv record per fill');
  // the home bid filled 10 @ 0.45 (fee $0.05) priced at 0.50; the shin close is 0.61; MEM won
  t.match(clv[0], { ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', action: 'buy', fill_price: 0.45, fair_p: 0.5, close_p: 0.61, outcome: 1, clv: 0.16, pnl: 0.545 });
  const settled = ofType(q.records, 'position').find((p) => p.state === 'settled' && p.ticker === clv[0]!.ticker)!;
  t.ok(
    Math.abs((clv[0]!.pnl as number) * (clv[0]!.count as number) - (settled.realized_pnl as number)) < 1e-9,
    "pnl per contract × count = quote's realized PnL",
  );
});
