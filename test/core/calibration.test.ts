import t from 'tap';
import {
  Calibrator,
  LOG_LOSS_EPS,
  binOf,
  brierScore,
  calibrationErrors,
  logLoss,
  metrics,
  pairedComparison,
  quantileBuckets,
  reliability,
  splitSizes,
  uniformEdges,
} from '../../src/core/calibration.js';
import type { OracleProb, Result } from '../../src/schema/records.js';

t.test("scikit-learn's published calibration_curve example", async (t) => {
  // y=[0,0,0,0,1,1,1,1,1], p=[.1,.2,.3,.4,.65,.7,.8,.9,1], n_bins=3
  // -> prob_true [0, .5, 1], prob_pred [.2, .525, .85] (scikit-learn prints 0.20000000000000004 for the first).
  const y = [0, 0, 0, 0, 1, 1, 1, 1, 1];
  const p = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1];
  const b = reliability(y, p, 3);
  t.same(
    b.map((x) => x.win_rate),
    [0, 0.5, 1],
  );
  t.same(
    b.map((x) => x.mean_p),
    [0.20000000000000004, 0.525, 0.85],
  );
  t.same(
    b.map((x) => x.n),
    [3, 2, 4],
  );
  // ECE by hand: 3/9 x |0 - .2| + 2/9 x |.5 - .525| + 4/9 x |1 - .85| = 0.0666.. + 0.0055.. + 0.0666.. = 0.138888...
  const { ece, mce } = calibrationErrors(b);
  t.ok(Math.abs(ece - 0.1388888888888889) < 1e-15);
  t.ok(Math.abs(mce - 0.2) < 1e-15);
});

t.test("bins: scikit-learn's float edges, right-closed", async (t) => {
  const e = uniformEdges(10);
  t.equal(e[3], 0.30000000000000004, 'numpy.linspace(0, 1, 11)[3]');
  t.equal(e[6], 0.6000000000000001);
  t.equal(e[10], 1);
  // numpy.searchsorted(edges[1:-1], p) for these p (checked against numpy):
  const ps = [0, 1e-9, 0.1, 0.10000000000000002, 0.3, 0.30000000000000004, 0.3000000000000001, 0.6, 0.7, 0.9999, 1];
  t.same(
    ps.map((p) => binOf(p, e)),
    [0, 0, 0, 1, 2, 2, 3, 5, 6, 9, 9],
  );
  t.equal(Math.floor(10 * 0.3), 3, 'a naive floor(10p) would put 0.3 in bin 3');
  // Empty bins are dropped.
  const b = reliability([1, 0], [0.05, 0.95], 10);
  t.same(
    b.map((x) => [x.lo, x.hi, x.n]),
    [
      [0, 0.1, 1],
      [0.9, 1, 1],
    ],
  );
});

t.test('Brier and log loss by hand; log loss clipped at float64 epsilon', async (t) => {
  // ((0.8 - 1)^2 + (0.3 - 0)^2)/2 = (0.04 + 0.09)/2 = 0.065
  t.ok(Math.abs(brierScore([1, 0], [0.8, 0.3]) - 0.065) < 1e-16);
  // (-ln 0.8 - ln 0.7)/2 = (0.2231435513 + 0.3566749439)/2 = 0.2899092476 (scikit-learn: 0.2899092476264711)
  t.equal(logLoss([1, 0], [0.8, 0.3]), 0.2899092476264711);
  // A certain and wrong forecast costs -ln(eps) = 36.04; averaged with a certain right one: 18.0218 (pricing.md §2).
  t.equal(LOG_LOSS_EPS, 2.220446049250313e-16);
  t.equal(logLoss([1, 0], [1, 1]), 18.021826694558577);
  t.ok(Number.isFinite(logLoss([0], [1])));
});

t.test('quantile deciles follow numpy.array_split after a stable sort', async (t) => {
  t.same(splitSizes(23, 10), [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
  t.same(splitSizes(7, 10), [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  // With ties at 0.5 the groups split the tied games in input order (checked against numpy):
  const p = [0.5, 0.2, 0.5, 0.9, 0.1, 0.5, 0.3, 0.5, 0.7, 0.5, 0.2, 0.5, 0.8];
  const y = [1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1];
  const q = quantileBuckets(y, p, 10);
  t.same(
    q.map((b) => b.n),
    [2, 2, 2, 1, 1, 1, 1, 1, 1, 1],
  );
  t.same(
    q.map((b) => b.mean_p),
    [0.15000000000000002, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.7, 0.8, 0.9],
  );
  t.same(
    q.map((b) => b.win_rate),
    [0, 0, 0.5, 1, 0, 1, 0, 1, 1, 1],
  );
  t.same(q.map((b) => [b.lo, b.hi]).slice(0, 2), [
    [0.1, 0.2],
    [0.2, 0.3],
  ]);
  // Fewer games than deciles: empty groups dropped.
  t.equal(quantileBuckets([1, 0, 1], [0.2, 0.4, 0.6]).length, 3);
});

t.test('metrics: deciles_fixed are the 10 uniform bins even with other --bins', async (t) => {
  const y = [0, 1, 1, 0, 1];
  const p = [0.12, 0.55, 0.81, 0.33, 0.97];
  const m = metrics(y, p, 5);
  t.equal(m.buckets.length, 4, '5 bins: .12 | .33 | .55 | (.81 and .97 share (.8, 1])');
  t.same(
    m.deciles_fixed.map((b) => b.n),
    [1, 1, 1, 1, 1],
  );
  t.equal(m.base_rate, 0.6);
  t.throws(() => metrics([], []));
});

// ---------------------------------------------------------------- the join

const COMMENCE = 1_769_385_600_000;
function prob(event: string, ts: number, p: number, over: Partial<OracleProb> = {}): OracleProb {
  return {
    type: 'oracle.prob',
    ts,
    source: 'boltodds',
    sport: 'nba',
    event,
    home: 'H',
    away: 'A',
    commence_ts: COMMENCE,
    books: ['pinnacle'],
    method: 'shin',
    p_home: p,
    p_away: 1 - p,
    overround: 0.04,
    ...over,
  };
}
function result(event: string, winner: 'home' | 'away', ts = COMMENCE + 9e6): Result {
  return { type: 'result', ts, sport: 'nba', event, winner };
}
const ev = (i: number): string =>
  `nba-2026-01-${String(10 + (i % 20)).padStart(2, '0')}-den-m${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + (Math.floor(i / 26) % 26))}`;

t.test('at close: the last probability at or before commence_ts, per game and path', async (t) => {
  const c = new Calibrator('close');
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE - 60_000, 0.3));
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE, 0.4)); // at commence: the close
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE - 30_000, 0.35)); // older, arriving late: ignored
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE + 1, 0.9)); // live: not scored at close
  c.addResult(result('nba-2026-01-25-den-mem', 'home'));
  const { groups, stats } = c.finish();
  t.equal(groups.length, 1);
  t.same(groups[0]!.group, { source: 'boltodds', sport: 'nba', phase: 'pregame', method: 'shin' });
  t.equal(groups[0]!.n, 1);
  t.ok(Math.abs(groups[0]!.brier - 0.36) < 1e-15, '(0.4 - 1)^2');
  t.equal(stats.probs_after_commence, 1);
  t.equal(stats.probs_superseded, 2);
  t.equal(groups[0]!.ts, COMMENCE + 9e6, 'the latest input ts (the result)');
});

t.test('at all: every probability, grouped by phase; methods and sources are separate groups', async (t) => {
  const c = new Calibrator('all');
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE - 60_000, 0.3));
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE + 60_000, 0.2));
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE - 60_000, 0.31, { method: 'proportional' }));
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE - 60_000, 0.32, { source: 'oddsapi' }));
  c.addResult(result('nba-2026-01-25-den-mem', 'away'));
  const { groups } = c.finish();
  t.same(
    groups.map((g) => `${g.group.source}/${g.group.phase}/${g.group.method}:${g.n}`),
    ['boltodds/live/shin:1', 'boltodds/pregame/proportional:1', 'boltodds/pregame/shin:1', 'oddsapi/pregame/shin:1'],
  );
});

t.test('results: repeats are fine, a conflict excludes the game, missing results are counted', async (t) => {
  const c = new Calibrator('close');
  c.addProb(prob('nba-2026-01-25-den-mem', COMMENCE - 1, 0.6));
  c.addProb(prob('nba-2026-01-26-bos-nyk', COMMENCE - 1, 0.6));
  c.addProb(prob('nba-2026-01-27-lal-lac', COMMENCE - 1, 0.6));
  t.equal(c.addResult(result('nba-2026-01-25-den-mem', 'home')), 'new');
  t.equal(c.addResult(result('nba-2026-01-25-den-mem', 'home')), 'duplicate');
  t.equal(c.addResult(result('nba-2026-01-26-bos-nyk', 'home')), 'new');
  t.equal(c.addResult(result('nba-2026-01-26-bos-nyk', 'away')), 'conflict');
  c.addResult(result('nba-2026-01-28-mia-orl', 'home'));
  const { groups, stats } = c.finish();
  t.equal(groups[0]!.n, 1);
  t.equal(stats.games_conflicting, 1);
  t.equal(stats.probs_conflicting, 1);
  t.equal(stats.games_without_result, 1);
  t.equal(stats.results_duplicate, 1);
  t.equal(stats.results_unused, 1);
});

t.test('the output does not depend on the input order', async (t) => {
  const recs: Array<OracleProb | Result> = [];
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 400; i++) {
    const e = ev(i);
    for (const m of ['shin', 'proportional'] as const) {
      for (let k = 0; k < 3; k++) recs.push(prob(e, COMMENCE - 3_600_000 + k * 1_800_000 + (k === 2 ? 1 : 0), Math.round(rnd() * 1000) / 1000, { method: m }));
    }
    recs.push(result(e, rnd() < 0.55 ? 'home' : 'away'));
  }
  const run = (order: Array<OracleProb | Result>, at: 'close' | 'all') => {
    const c = new Calibrator(at);
    for (const r of order) {
      if (r.type === 'result') c.addResult(r);
      else c.addProb(r);
    }
    return JSON.stringify(c.finish().groups);
  };
  for (const at of ['close', 'all'] as const) {
    const a = run(recs, at);
    for (let s = 0; s < 5; s++) {
      const shuffled = [...recs];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      t.equal(run(shuffled, at), a, `${at}: shuffle ${s}`);
    }
  }
});

t.test('paired comparison on the same games', async (t) => {
  const pts = (ps: number[]) => ({ points: ps.map((p, i) => ({ event: `e${i}`, commence_ts: 5, ts: 1, y: i % 2, p })) });
  const base = { ...pts([0.4, 0.6, 0.5, 0.5]), group: { source: 's', sport: 'nba', phase: 'pregame' as const, method: 'proportional' } };
  const other = pts([0.3, 0.7, 0.5, 0.5]);
  // Brier terms: base .16 .16 .25 .25, other .09 .09 .25 .25: differences -.07 -.07 0 0, mean -0.035.
  const r = pairedComparison(other, base)!;
  t.equal(r.n, 4);
  t.ok(Math.abs(r.brier_diff + 0.035) < 1e-15);
  // sample sd of [-.07,-.07,0,0] = sqrt(4 x 0.035^2 / 3) = 0.0404145; se = sd/2 = 0.0202073
  t.ok(Math.abs(r.brier_diff_se! - Math.sqrt((4 * 0.035 ** 2) / 3) / 2) < 1e-15);
  t.ok(r.log_loss_diff < 0);
  t.equal(pairedComparison({ points: [] }, base), undefined);
  // Only games both scored are paired.
  const some = pairedComparison({ points: [other.points[1]!, other.points[3]!] }, base)!;
  t.equal(some.n, 2);
  t.ok(Math.abs(some.brier_diff + 0.035) < 1e-15, '(-.07 + 0)/2');
});

t.test('probabilities and results with assumed times (import-history) are counted as such', async (t) => {
  const c = new Calibrator('close');
  c.addProb({ ...prob('nba-2026-01-25-den-mem', COMMENCE - 60_000, 0.3), time_assumed: ['ts', 'commence_ts'] });
  c.addProb({ ...prob('nba-2026-01-26-den-mem', COMMENCE - 60_000, 0.6), time_assumed: ['line_ts'] }); // ts and commence_ts observed
  c.addProb(prob('nba-2026-01-27-den-mem', COMMENCE - 60_000, 0.6));
  c.addResult({ ...result('nba-2026-01-25-den-mem', 'home'), time_assumed: ['ts'] });
  c.addResult(result('nba-2026-01-26-den-mem', 'away'));
  const { stats } = c.finish();
  t.equal(stats.probs_time_assumed, 1);
  t.equal(stats.results_time_assumed, 1);
  t.equal(stats.probs_in, 3);
});
