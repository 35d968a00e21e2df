// src/core/clv.ts: CLV and pricing.md's PnL split on hand-computed fills, the closes that
// are missing (listed, never invented), bad input, order independence, and the
// game-clustered bootstrap against independent computations (exact enumeration, and the
// normal approximation of a mean of cluster means).
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import {
  AmbiguousReferenceError,
  ClvCollector,
  clusteredBootstrap,
  decompose,
  quantile,
  scoreFills,
  summarize,
  type Cluster,
  type ClvRow,
  type ClvSettings,
} from '../../src/core/clv.js';
import { seededRandom } from '../../src/core/prng.js';
import { SCHEMAS, type AnyRecord } from '../../src/schema/records.js';
import { ROOT } from '../helpers/run.js';

const FIXTURE = `${ROOT}test/fixtures/clv/session.ndjson`;
const SETTINGS: ClvSettings = { reference: { source: 'boltodds', method: 'shin' }, refAfterMs: 300_000, refLateAfterMs: 1_800_000 };
const T = 1769364000000;
const C = T + 4 * 3600_000;

/** The fixture's valid records with their line numbers (the one schema-bad line is left out, as the decoder does). */
function fixture(): Array<{ rec: AnyRecord; line: number }> {
  const out: Array<{ rec: AnyRecord; line: number }> = [];
  readFileSync(FIXTURE, 'utf8')
    .trim()
    .split('\n')
    .forEach((l, i) => {
      const raw = JSON.parse(l) as { type: keyof typeof SCHEMAS };
      const r = SCHEMAS[raw.type].safeParse(raw);
      if (r.success) out.push({ rec: r.data as AnyRecord, line: i + 1 });
    });
  return out;
}

function collect(recs: Array<{ rec: AnyRecord; line: number }>, settings: ClvSettings = SETTINGS): ClvCollector<number> {
  const c = new ClvCollector<number>(settings);
  for (const { rec, line } of recs) {
    if (rec.type === 'fill') c.addFill(rec, line);
    else if (rec.type === 'oracle.prob') c.addProb(rec);
    else if (rec.type === 'market.link') c.addLink(rec, line);
    else if (rec.type === 'result') c.addResult(rec, line);
    else if (rec.type === 'kalshi.result') c.addKalshiResult(rec, line);
    else if (rec.type === 'order') c.addOrder(rec);
  }
  return c;
}

const TERMS = ['edge_claimed', 'execution_error', 'fee_drag', 'model_error', 'outcome_noise'] as const;

function close(t: Test, got: number | null | undefined, want: number | null, what: string, tol = 1e-12): void {
  if (want === null) t.equal(got, null, what);
  else t.ok(typeof got === 'number' && Math.abs(got - want) <= tol, `${what}: ${got} ~ ${want}`);
}

t.test('hand-computed fills: CLV in points and ROI, the PnL split, the markouts', async (t) => {
  const res = collect(fixture()).finish();
  const by = new Map(res.rows.map((r) => [r.trade_id, r]));
  t.equal(res.reference, 'boltodds/shin');
  t.same([...by.keys()].sort(), ['t1', 't2', 't3', 't4', 't5', 't6'], 'one row per good fill, bad ones left out');

  // t1: MEM (home) YES buy 10 @ 0.45, fee 0.05; decided at fair 0.52 when the reference said 0.50;
  // close 0.60 (the 0.70 after commence is not the close); MEM won.
  const a = by.get('t1')!;
  t.equal(a.quote_ts, T + 1000, 'quote time from the fill');
  t.equal(a.fair_p, 0.52, 'fair at the decision: quote_fair_p');
  t.equal(a.fill_fair_p, 0.51);
  close(t, a.decision_ref_p, 0.5, 'reference at the decision');
  close(t, a.ref_p, 0.5, '+5 min: last at or before fill + 5 min');
  close(t, a.ref_late_p, 0.55, '+30 min');
  close(t, a.close_p, 0.6, 'close: last at or before commence');
  t.equal(a.commence_ts, C);
  t.equal(a.outcome, 1);
  close(t, a.clv, 0.15, 'clv = close - price');
  close(t, a.clv_roi, 0.6 / 0.45 - 1, 'roi = close/price - 1');
  close(t, a.pnl, 1 - 0.45 - 0.005, 'pnl per contract');
  close(t, a.edge_claimed, 0.02, 'edge claimed = fair - ref');
  close(t, a.execution_error, 0.05, 'execution = ref - price');
  close(t, a.fee_drag, -0.005, 'fee drag');
  close(t, a.model_error, 0.08, 'model error = close - fair');
  close(t, a.outcome_noise, 0.4, 'outcome noise = Y - close');

  // t2: DEN (away) YES sell 5 @ 0.48, fee 0.02, fair 0.45 from the fill (no quote_fair_p), quote time
  // from the order's submission; reference DEN 0.45 at the decision, close 0.40; DEN lost.
  const b = by.get('t2')!;
  t.equal(b.quote_ts, T + 660_000, 'quote time from the submitted order');
  t.equal(b.fair_p, 0.45);
  close(t, b.decision_ref_p, 0.45, 'away YES = p_away');
  close(t, b.close_p, 0.4, 'close');
  t.equal(b.outcome, 0);
  close(t, b.clv, 0.08, 'sell: price - close');
  close(t, b.clv_roi, 0.6 / 0.52 - 1, 'sell roi: (1-close)/(1-price) - 1');
  close(t, b.pnl, 0.48 - 0.004, 'sell pnl = price - Y - f');
  close(t, b.edge_claimed, 0, 'mirrored edge');
  close(t, b.execution_error, 0.03, 'mirrored execution');
  close(t, b.model_error, 0.05, 'mirrored model error');
  close(t, b.outcome_noise, 0.4, 'mirrored noise');
  t.equal(b.source, 'oddsapi', 'the fill keeps its own oracle path');

  // t3: a minute before commence: the markouts are capped at commence (0.60, not 0.70).
  const c = by.get('t3')!;
  close(t, c.ref_p, 0.6, '+5 min capped at commence');
  close(t, c.ref_late_p, 0.6, '+30 min capped at commence');
  close(t, c.clv, 0.02, 'clv');
  close(t, c.pnl, 0.4, 'taker pnl after a 2-cent fee');

  // the identity, on every fill that has all terms
  for (const r of res.rows) {
    if (r.pnl === null || r.edge_claimed === null) continue;
    const sum = TERMS.reduce((s, k) => s + (r[k] as number), 0);
    t.ok(Math.abs(sum - r.pnl) <= 1e-9, `${r.trade_id}: terms add up to pnl (${sum} vs ${r.pnl})`);
  }
});

t.test('no closing line: listed with its reason, never scored; contradicting results leave the outcome unknown', async (t) => {
  const res = collect(fixture()).finish();
  const by = new Map(res.rows.map((r) => [r.trade_id, r]));
  const noRef = by.get('t4')!;
  t.equal(noRef.unscored, 'no-reference');
  t.equal(noRef.close_p, null);
  t.equal(noRef.clv, null);
  t.equal(noRef.pnl, null, 'no close: no split either');
  const noClose = by.get('t5')!;
  t.equal(noClose.unscored, 'no-close', 'the only reference probability is after commence');
  t.equal(noClose.clv, null);
  const conflict = by.get('t6')!;
  t.equal(conflict.outcome, null, 'result says BOS won, kalshi.result says the BOS ticker lost');
  close(t, conflict.clv, 0.02, 'CLV still scored: it needs no result');
  t.equal(conflict.pnl, null);
  t.equal(conflict.outcome_noise, null);
  close(t, conflict.model_error, 0.52 - 0.55, 'model error needs no result');
  t.same(res.stats, { fills_in: 9, fills_scored: 4, fills_unscored: 2, fills_bad: 3, fills_without_split: 0, fills_without_outcome: 3, reference_probs: 6 });
  const reasons = res.issues.map((i) => `${i.reason}@${i.where}`).sort();
  t.same(reasons, ['conflicting-result@3', 'duplicate-fill@11', 'no-quote-time@13', 'unknown-game@12'], 'bad input named with its line');
});

t.test('shadow ids repeat across runs: a fill is a duplicate only with the same client order id', async (t) => {
  const recs = fixture();
  const t1 = recs.find((x) => x.rec.type === 'fill' && x.rec.trade_id === 't1')!;
  const otherRun = { rec: { ...t1.rec, client_order_id: 'c-o1-run2' } as AnyRecord, line: 50 };
  const res = collect([...recs, otherRun]).finish();
  t.equal(res.rows.filter((r) => r.trade_id === 't1').length, 2, 'same order and trade id from another run: scored');
  t.equal(res.issues.filter((i) => i.reason === 'duplicate-fill').length, 1, 'the real copy is still a duplicate');
});

t.test('a ticker linked two ways: its fills are bad input, in either order', async (t) => {
  const recs = fixture();
  const link = recs.find((x) => x.rec.type === 'market.link' && x.rec.ticker === 'KXNBAGAME-26JAN25DENMEM-MEM')!;
  const other = { rec: { ...link.rec, side: 'away' } as AnyRecord, line: 60 };
  for (const order of [
    [...recs, other],
    [other, ...recs],
  ]) {
    const res = collect(order).finish();
    t.notOk(
      res.rows.some((r) => r.ticker === 'KXNBAGAME-26JAN25DENMEM-MEM'),
      'no row for the ticker',
    );
    t.same(
      res.issues.filter((i) => i.reason === 'conflicting-link').length,
      1 + 3,
      'the link and the three fills on it (t1, t3, t8; the copy of t1 is a duplicate)',
    );
  }
});

t.test('the input order does not matter', async (t) => {
  const recs = fixture();
  const a = collect(recs).finish();
  const b = collect([...recs].reverse()).finish();
  t.same(b.rows, a.rows, 'reversed input: the same rows');
  t.same(
    scoreFills(
      recs.map((x) => x.rec),
      SETTINGS,
    ).rows,
    a.rows,
    'scoreFills: the same rows in one call',
  );
  const rand = seededRandom(5);
  const shuffled = [...recs]
    .map((r) => ({ r, k: rand() }))
    .sort((x, y) => x.k - y.k)
    .map((x) => x.r);
  t.same(collect(shuffled).finish().rows, a.rows, 'shuffled input: the same rows');
});

t.test('reference: SOURCE alone resolves to its one method, refuses when it has several', async (t) => {
  const recs = fixture().filter((x) => !(x.rec.type === 'oracle.prob' && x.rec.source === 'oddsapi'));
  const one = collect(recs, { ...SETTINGS, reference: { source: 'boltodds' } }).finish();
  t.equal(one.reference, 'boltodds/shin');
  const extra = fixture().find((x) => x.rec.type === 'oracle.prob' && x.rec.source === 'boltodds')!;
  const two = collect([...recs, { rec: { ...extra.rec, method: 'power' } as AnyRecord, line: 99 }], { ...SETTINGS, reference: { source: 'boltodds' } });
  let err: unknown;
  try {
    two.finish();
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof AmbiguousReferenceError, 'two methods of one source: refused');
  t.match((err as Error).message, /several methods \(power, shin\)/);
  const none = collect(recs, { ...SETTINGS, reference: { source: 'pinnacle', method: 'shin' } }).finish();
  t.ok(
    none.rows.every((r) => r.unscored === 'no-reference'),
    'an absent reference scores nothing',
  );
});

t.test('decompose: the terms add up to the realized PnL on random fills (1e-9), buys and sells', async (t) => {
  const rand = seededRandom(42);
  let n = 0;
  for (let i = 0; i < 2000; i++) {
    const action = rand() < 0.5 ? 'buy' : 'sell';
    const x = {
      action,
      price: 0.01 + 0.98 * rand(),
      fee: 0.02 * rand(),
      fair: rand(),
      ref: rand(),
      close: rand(),
      outcome: (rand() < 0.5 ? 0 : 1) as 0 | 1,
    } as const;
    const d = decompose(x);
    const sum = d.edge_claimed! + d.execution_error! + d.fee_drag! + d.model_error! + d.outcome_noise!;
    const pnl = action === 'buy' ? x.outcome - x.price - x.fee : x.price - x.outcome - x.fee;
    if (Math.abs(sum - pnl) > 1e-9 || Math.abs(d.pnl! - pnl) > 1e-12) t.fail(`fill ${i}: ${JSON.stringify(x)}`);
    else n++;
  }
  t.equal(n, 2000);
  const noRef = decompose({ action: 'buy', price: 0.4, fee: 0.01, fair: 0.5, ref: null, close: 0.45, outcome: null });
  t.same(noRef, { pnl: null, edge_claimed: null, execution_error: null, fee_drag: -0.01, model_error: 0.45 - 0.5, outcome_noise: null });
});

// ---------------------------------------------------------------- the bootstrap

/** The exact bootstrap distribution of a few clusters: every ordered draw is equally likely. */
function exactDistribution(cs: readonly Cluster[]): number[] {
  const g = cs.length;
  const out: number[] = [];
  const idx = new Array<number>(g).fill(0);
  for (;;) {
    let s = 0;
    let n = 0;
    for (const i of idx) {
      s += cs[i]!.sum;
      n += cs[i]!.n;
    }
    out.push(s / n);
    let k = 0;
    while (k < g && ++idx[k]! === g) idx[k++] = 0;
    if (k === g) break;
  }
  return out.sort((a, b) => a - b);
}

t.test('cluster bootstrap against the exact distribution of 5 games (3125 draws)', async (t) => {
  const cs: Cluster[] = [
    { event: 'a', sum: 0.09, n: 3 },
    { event: 'b', sum: -0.02, n: 1 },
    { event: 'c', sum: 0.05, n: 2 },
    { event: 'd', sum: -0.06, n: 4 },
    { event: 'e', sum: 0.04, n: 1 },
  ];
  const exact = exactDistribution(cs);
  t.equal(exact.length, 3125);
  const pExact = exact.filter((m) => m <= 0).length / exact.length;
  const b = clusteredBootstrap(cs, 50_000, 7, 0.9);
  t.ok(Math.abs(b.mean - 0.1 / 11) < 1e-15, 'mean over fills, not over games');
  t.ok(Math.abs(b.p - pExact) < 0.01, `p ${b.p} ~ exact ${pExact}`);
  const cdf = (x: number): number => exact.filter((m) => m <= x + 1e-15).length / exact.length;
  const below = (x: number): number => exact.filter((m) => m < x - 1e-15).length / exact.length;
  t.ok(below(b.low) <= 0.05 + 0.01 && cdf(b.low) >= 0.05 - 0.01, `ci_low ${b.low} sits at the exact 5% quantile`);
  t.ok(below(b.high) <= 0.95 + 0.01 && cdf(b.high) >= 0.95 - 0.01, `ci_high ${b.high} sits at the exact 95% quantile`);
  t.same(clusteredBootstrap(cs, 50_000, 7, 0.9), b, 'seeded: the same numbers again');
  t.not(clusteredBootstrap(cs, 50_000, 8, 0.9).p, b.p, 'another seed draws differently');
});

t.test('cluster bootstrap of 60 equal games against the normal approximation', async (t) => {
  // 60 games of 2 fills each: the resampled mean is a mean of 60 cluster means, so its
  // spread is sd(cluster means, 1/G) / sqrt(G); the percentile interval is close to
  // mean ± z·se and the p-value to Φ(−mean/se).
  const G = 60;
  const cs: Cluster[] = [];
  for (let i = 0; i < G; i++) {
    const m = 0.004 + 0.03 * Math.sin(i * 1.7) * Math.cos(i * 0.3);
    cs.push({ event: `g${String(i).padStart(2, '0')}`, sum: 2 * m, n: 2 });
  }
  const means = cs.map((c) => c.sum / c.n);
  const mbar = means.reduce((s, x) => s + x, 0) / G;
  const se = Math.sqrt(means.reduce((s, x) => s + (x - mbar) ** 2, 0) / G) / Math.sqrt(G);
  const b = clusteredBootstrap(cs, 20_000, 1, 0.95);
  const z = 1.959963984540054;
  t.ok(Math.abs(b.mean - mbar) < 1e-15);
  t.ok(Math.abs(b.low - (mbar - z * se)) < 0.1 * se, `ci_low ${b.low} ~ ${mbar - z * se} (se ${se})`);
  t.ok(Math.abs(b.high - (mbar + z * se)) < 0.1 * se, `ci_high ${b.high} ~ ${mbar + z * se}`);
  const phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
  t.ok(Math.abs(b.p - phi(-mbar / se)) < 0.02, `p ${b.p} ~ ${phi(-mbar / se)}`);
});

t.test("quantile is numpy's linear interpolation", async (t) => {
  const xs = [1, 2, 3, 4];
  t.equal(quantile(xs, 0), 1);
  t.equal(quantile(xs, 1), 4);
  t.equal(quantile(xs, 0.5), 2.5);
  t.equal(quantile(xs, 0.25), 1.75);
  t.equal(quantile([7], 0.3), 7);
});

t.test("summaries: groups, counts, verdict rules; a group's numbers do not depend on the others", async (t) => {
  const res = collect(fixture()).finish();
  const s = { confidence: 0.95, minGames: 2, resamples: 2000, seed: 1 };
  const sums = summarize(res.rows, res.reference, s);
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
  const all = sums[0]!;
  t.equal(all.n_fills, 4);
  t.equal(all.n_games, 2);
  t.equal(all.n_unscored, 2);
  close(t, all.mean_clv, (0.15 + 0.08 + 0.02 + 0.02) / 4, 'mean over scored fills');
  // two games: A (0.25 over 3 fills) and D (0.02 over 1); draws AA, AD/DA, DD
  close(t, all.ci_low, 0.02, 'the lowest draw: D twice');
  close(t, all.ci_high, 0.25 / 3, 'the highest draw: A twice');
  t.equal(all.positive, true, 'interval above 0 over min_games (2) games');
  t.equal(summarize(res.rows, res.reference, { ...s, minGames: 3 })[0]!.positive, false, 'too few games');
  t.equal(all.from_ts, T + 2000);
  t.equal(all.n_split, 3, 't6 has no result: no whole split');
  close(t, all.mean_pnl, (0.545 + 0.476 + 0.4) / 3, 'mean pnl over the fills with the whole split');
  const terms = all.mean_edge_claimed! + all.mean_execution_error! + all.mean_fee_drag! + all.mean_model_error! + all.mean_outcome_noise!;
  close(t, terms, all.mean_pnl, 'the mean terms add up to the mean pnl', 1e-12);
  close(t, all.mean_model_error, (0.08 + 0.05 + 0) / 3, 'mean model error');
  const nba = sums[1]!;
  const alone = summarize(
    res.rows.filter((r) => r.sport === 'nba'),
    res.reference,
    s,
  )[0]!;
  t.same({ ...alone, group: nba.group }, nba, 'the nba group equals the overall of nba fills alone');
  const empty = summarize([], 'boltodds/shin', s);
  t.equal(empty.length, 1, 'nothing to score: the overall summary alone');
  t.same(
    [empty[0]!.n_fills, empty[0]!.mean_clv, empty[0]!.ci_low, empty[0]!.p_value, empty[0]!.positive, empty[0]!.from_ts],
    [0, null, null, null, false, null],
  );
});

t.test('a negative sample is not positive, with a large p', async (t) => {
  const rows: ClvRow[] = [];
  const res = collect(fixture()).finish();
  const proto = res.rows.find((r) => r.trade_id === 't1')!;
  for (let i = 0; i < 80; i++)
    rows.push({ ...proto, trade_id: `x${i}`, event: `nba-2026-01-${String(1 + (i % 40)).padStart(2, '0')}-den-mem`, clv: -0.01 + 0.004 * Math.sin(i) });
  const all = summarize(rows, 'boltodds/shin', { confidence: 0.95, minGames: 10, resamples: 2000, seed: 3 })[0]!;
  t.equal(all.n_games, 40);
  t.ok(all.mean_clv! < 0 && all.ci_high! < 0);
  t.equal(all.positive, false);
  t.ok(all.p_value! > 0.99, `p ${all.p_value}`);
});

/** erf, Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const k = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496735) * k + 0.254829592) * k * Math.exp(-a * a);
  return s * y;
}
