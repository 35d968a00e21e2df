import t from 'tap';
import { calibrationMarkdown, diagramFile, reliabilitySpec, wilson, type ReportGroup } from '../../src/core/calibration-report.js';
import { metrics, type JoinStats } from '../../src/core/calibration.js';
import { vegaLiteToSvg } from '../../src/report/vega.js';

const stats: JoinStats = {
  probs_in: 9,
  probs_after_commence: 0,
  probs_superseded: 0,
  probs_scored: 9,
  probs_without_result: 0,
  games_without_result: 0,
  games_conflicting: 0,
  probs_conflicting: 0,
  results_in: 9,
  results_duplicate: 0,
  results_unused: 0,
  probs_time_assumed: 0,
  results_time_assumed: 0,
};
const group = (): ReportGroup => ({
  group: { source: 'history', sport: 'nba', phase: 'pregame', method: 'odds-ratio' },
  points: [],
  ts: 1,
  from_commence_ts: Date.UTC(2008, 0, 2),
  to_commence_ts: Date.UTC(2009, 5, 1),
  ...metrics([0, 0, 0, 0, 1, 1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1]),
  within_tolerance: false,
  signed_off: false,
});

t.test('Wilson interval by hand', async (t) => {
  // 50 wins in 100: centre (0.5 + z^2/200)/(1 + z^2/100) = 0.5; half-width z sqrt(0.0025 + z^2/40000)/(1 + z^2/100) = 0.0962
  const w = wilson(0.5, 100);
  t.ok(Math.abs(w.lo - 0.4038) < 1e-4 && Math.abs(w.hi - 0.5962) < 1e-4, JSON.stringify(w));
  // 0 of 10: [0, z^2/(n + z^2)] = [0, 0.2775]
  const z = wilson(0, 10);
  t.equal(z.lo, 0);
  t.ok(Math.abs(z.hi - 0.2775) < 1e-4);
});

t.test('file names and the Markdown report', async (t) => {
  t.equal(diagramFile(group().group), 'reliability-history-nba-pregame-odds-ratio.svg');
  const md = calibrationMarkdown({
    at: 'close',
    bins: 10,
    tolerance: 0.02,
    min_n: 1000,
    signoff: false,
    fingerprint: 'f'.repeat(64),
    groups: [group()],
    stats,
  });
  t.match(md, /## history\/nba\/pregame\/odds-ratio/);
  t.match(md, /9 games from 2008-01-02 to 2009-06-01/);
  t.match(md, /\| \(0\.20, 0\.30\] \| 1 \| 0\.3000 \| 0\.0000 \|/, 'p = 0.3 sits in the (0.2, 0.3] bin');
  t.notMatch(md, /NaN|undefined/);
  t.match(md, /- times assumed, not observed \(`time_assumed`.*\): 0 probabilities, 0 results;/);
  const hist = calibrationMarkdown({
    at: 'close',
    bins: 10,
    tolerance: 0.02,
    min_n: 1000,
    signoff: false,
    fingerprint: 'f'.repeat(64),
    groups: [group()],
    stats: { ...stats, probs_time_assumed: 9, results_time_assumed: 9 },
  });
  t.match(hist, /- times assumed, not observed .*: 9 probabilities, 9 results; their phase is the importer's assumption .* not for CLV or timing/);
  const empty = calibrationMarkdown({ at: 'all', bins: 10, tolerance: 0.02, min_n: 1000, signoff: true, fingerprint: 'f'.repeat(64), groups: [], stats });
  t.match(empty, /nothing to score/);
});

t.test('the reliability diagram renders to the same SVG every time', async (t) => {
  const spec = reliabilitySpec(group());
  const warnings: string[] = [];
  const a = await vegaLiteToSvg(spec, warnings);
  const b = await vegaLiteToSvg(reliabilitySpec(group()));
  t.equal(a, b);
  t.match(a, /^<svg /);
  t.match(a, /Reliability: history\/nba\/pregame\/odds-ratio/);
  t.match(a, /home win rate/);
  t.same(warnings, []);
});
