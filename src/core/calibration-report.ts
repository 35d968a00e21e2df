// The calibration report a person reads (calibrate --report DIR): a Markdown page and,
// per group, a reliability diagram as a vega-lite spec (rendered to SVG by
// src/report/vega.ts). Pure and deterministic: the same groups give the same bytes (no
// wall-clock time; dates come from the data).
import type { At, Bucket, GroupKey, GroupReport, JoinStats, Paired } from './calibration.js';
import { groupLabel } from './calibration.js';

export interface ReportGroup extends GroupReport {
  within_tolerance: boolean;
  signed_off: boolean;
  vs_baseline?: Paired | undefined;
}

export interface ReportInput {
  at: At;
  bins: number;
  tolerance: number;
  min_n: number;
  /** Whether --signoff was asked for (the report then says which groups were signed off). */
  signoff: boolean;
  fingerprint: string;
  groups: ReportGroup[];
  stats: JoinStats;
}

/** File name of a group's diagram: reliability-<source>-<sport>-<phase>-<method>.svg. */
export function diagramFile(g: GroupKey): string {
  const part = (s: string): string => s.replace(/[^a-z0-9_-]+/gi, '_');
  return `reliability-${part(g.source)}-${part(g.sport)}-${part(g.phase)}-${part(g.method)}.svg`;
}

/** 95% Wilson score interval of a win rate over n games. */
export function wilson(rate: number, n: number, z = 1.959963984540054): { lo: number; hi: number } {
  const z2 = z * z;
  const den = 1 + z2 / n;
  const mid = (rate + z2 / (2 * n)) / den;
  const half = (z * Math.sqrt((rate * (1 - rate)) / n + z2 / (4 * n * n))) / den;
  return { lo: Math.max(0, mid - half), hi: Math.min(1, mid + half) };
}

const f4 = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : '-');
const f3 = (x: number): string => x.toFixed(3);
const f5 = (x: number): string => x.toFixed(5);
const int = (n: number): string => n.toLocaleString('en-US');
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const signed = (x: number): string => (x >= 0 ? '+' : '') + x.toFixed(5);
const se = (x: number | null): string => (x === null ? '-' : x.toFixed(5));

/** The reliability diagram of one group: calibration curve with 95% Wilson bars over the diagonal, and the games per bin beneath. */
export function reliabilitySpec(g: ReportGroup): Record<string, unknown> {
  const rows = g.buckets.map((b) => {
    const ci = wilson(b.win_rate, b.n);
    return { lo: b.lo, hi: b.hi, n: b.n, mean_p: b.mean_p, win_rate: b.win_rate, ci_lo: ci.lo, ci_hi: ci.hi };
  });
  const x = { field: 'mean_p', type: 'quantitative', scale: { domain: [0, 1] }, title: 'mean forecast p_home in bin' };
  const y = { field: 'win_rate', type: 'quantitative', scale: { domain: [0, 1] }, title: 'home win rate' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Reliability: ${groupLabel(g.group)}`,
      subtitle: [`${int(g.n)} games, bars: 95% Wilson intervals`, `Brier ${f4(g.brier)}  log loss ${f4(g.log_loss)}  ECE ${f4(g.ece)}  MCE ${f4(g.mce)}`],
      anchor: 'start',
    },
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ddd' } },
    vconcat: [
      {
        width: 360,
        height: 360,
        layer: [
          {
            data: {
              values: [
                { mean_p: 0, win_rate: 0 },
                { mean_p: 1, win_rate: 1 },
              ],
            },
            mark: { type: 'line', strokeDash: [4, 4], color: '#999', strokeWidth: 1 },
            encoding: { x, y },
          },
          {
            data: { values: rows },
            mark: { type: 'rule', color: '#4c78a8', strokeWidth: 1.5, opacity: 0.6 },
            encoding: { x, y: { field: 'ci_lo', type: 'quantitative', scale: { domain: [0, 1] } }, y2: { field: 'ci_hi' } },
          },
          {
            data: { values: rows },
            mark: { type: 'line', point: { filled: true, size: 40 }, color: '#4c78a8' },
            encoding: { x, y },
          },
        ],
      },
      {
        width: 360,
        height: 90,
        data: { values: rows },
        mark: { type: 'bar', color: '#9ecae9', stroke: '#4c78a8', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'lo', type: 'quantitative', scale: { domain: [0, 1] }, title: 'forecast p_home (bin edges)' },
          x2: { field: 'hi' },
          y: { field: 'n', type: 'quantitative', title: 'games' },
          y2: { datum: 0 },
        },
      },
    ],
  };
}

function bucketTable(buckets: readonly Bucket[], withCi: boolean): string[] {
  const head = withCi
    ? ['| bin | games | mean p | win rate | 95% CI | gap |', '|---|---:|---:|---:|---|---:|']
    : ['| range of p | games | mean p | win rate | gap |', '|---|---:|---:|---:|---:|'];
  const lines = buckets.map((b) => {
    const gap = signed(b.win_rate - b.mean_p).replace(/(\.\d{4})\d$/, '$1');
    if (!withCi) return `| ${f3(b.lo)} - ${f3(b.hi)} | ${int(b.n)} | ${f4(b.mean_p)} | ${f4(b.win_rate)} | ${gap} |`;
    const ci = wilson(b.win_rate, b.n);
    return `| (${b.lo.toFixed(2)}, ${b.hi.toFixed(2)}] | ${int(b.n)} | ${f4(b.mean_p)} | ${f4(b.win_rate)} | ${f3(ci.lo)} - ${f3(ci.hi)} | ${gap} |`;
  });
  return [...head, ...lines];
}

/** The Markdown report. */
export function calibrationMarkdown(r: ReportInput): string {
  const L: string[] = [];
  const s = r.stats;
  L.push('# Calibration report', '');
  L.push(
    `Scored: **p_home against a home win** (for a two-way market p_away = 1 - p_home, so the away side is the mirror image). ` +
      (r.at === 'close'
        ? "One probability per game and path: the **last at or before the game's commence_ts** (the close)."
        : 'Every probability record (`--at all`); phase is pregame at or before commence_ts, live after.'),
  );
  L.push('');
  L.push(
    `Reliability: ${r.bins} uniform bins, right-closed with scikit-learn's float edges (calibration_curve), empty bins dropped. ` +
      'ECE and MCE in the positive-class form. Log loss clipped at float64 epsilon (scikit-learn >= 1.2). ' +
      'Quantile deciles: stable sort by p, split into 10 groups whose sizes differ by at most 1 (numpy.array_split).',
  );
  L.push('');
  L.push(
    `Kelly gate: ECE <= ${r.tolerance} on at least ${int(r.min_n)} games. ` +
      (r.signoff ? 'Groups marked **signed off** were written to the sign-off file.' : 'No sign-off was asked for in this run (`--signoff FILE`).'),
  );
  L.push('');
  L.push('## Inputs', '');
  L.push(`- probabilities read: ${int(s.probs_in)}; scored: ${int(s.probs_scored)}`);
  if (r.at === 'close')
    L.push(
      `- after commence_ts (live, not scored at close): ${int(s.probs_after_commence)}; replaced by a later pre-game probability: ${int(s.probs_superseded)}`,
    );
  L.push(`- without a result: ${int(s.probs_without_result)} probabilities (${int(s.games_without_result)} games)`);
  L.push(`- results read: ${int(s.results_in)}; repeated: ${int(s.results_duplicate)}; of games with no probability: ${int(s.results_unused)}`);
  L.push(`- games with conflicting results (excluded): ${int(s.games_conflicting)}`);
  L.push(
    `- times assumed, not observed (\`time_assumed\`, e.g. import-history's 19:00 ET start): ${int(s.probs_time_assumed)} probabilities, ${int(s.results_time_assumed)} results; ` +
      "their phase is the importer's assumption (a closing line is pre-game) and their times are not for CLV or timing",
  );
  L.push(`- config fingerprint: \`${r.fingerprint}\``);
  L.push('');
  L.push('## Summary', '');
  if (r.groups.length === 0) {
    L.push('No probability could be joined to a result: nothing to score.', '');
    return L.join('\n') + '\n';
  }
  L.push('| source | sport | phase | method | games | Brier | log loss | ECE | MCE | within tolerance |');
  L.push('|---|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const g of r.groups) {
    const k = g.group;
    const tol = g.signed_off ? 'yes, signed off' : g.within_tolerance ? (g.n < r.min_n ? `yes (n < ${int(r.min_n)})` : 'yes') : 'no';
    L.push(`| ${k.source} | ${k.sport} | ${k.phase} | ${k.method} | ${int(g.n)} | ${f5(g.brier)} | ${f5(g.log_loss)} | ${f4(g.ece)} | ${f4(g.mce)} | ${tol} |`);
  }
  L.push('');
  const paired = r.groups.filter((g) => g.vs_baseline);
  if (paired.length) {
    L.push('### Against proportional, game by game', '');
    L.push(
      'Mean difference of the per-game loss (method minus proportional) on the same games and lines, with its standard error. ' +
        'Negative is better than proportional; a difference within about two standard errors of zero is not evidence either way.',
    );
    L.push('');
    L.push('| source | sport | phase | method | games | Brier diff | (se) | log loss diff | (se) |');
    L.push('|---|---|---|---|---:|---:|---:|---:|---:|');
    for (const g of paired) {
      const v = g.vs_baseline!;
      const k = g.group;
      L.push(
        `| ${k.source} | ${k.sport} | ${k.phase} | ${k.method} | ${int(v.n)} | ${signed(v.brier_diff)} | ${se(v.brier_diff_se)} | ${signed(v.log_loss_diff)} | ${se(v.log_loss_diff_se)} |`,
      );
    }
    L.push('');
  }
  for (const g of r.groups) {
    L.push(`## ${groupLabel(g.group)}`, '');
    L.push(
      `${int(g.n)} games from ${day(g.from_commence_ts)} to ${day(g.to_commence_ts)}; home win rate ${f4(g.base_rate)}, mean forecast ${f4(g.mean_p)}. ` +
        `Brier ${f4(g.brier)} (always forecasting the home win rate would score ${f4(g.base_rate * (1 - g.base_rate))}), log loss ${f4(g.log_loss)}, ECE ${f4(g.ece)}, MCE ${f4(g.mce)}.`,
    );
    L.push('');
    L.push(`![reliability diagram for ${groupLabel(g.group)}](${diagramFile(g.group)})`, '');
    L.push('Reliability (the ECE bins):', '');
    L.push(...bucketTable(g.buckets, true), '');
    L.push('Win rate by quantile decile (equal numbers of games, ordered by forecast):', '');
    L.push(...bucketTable(g.deciles_quantile, false), '');
  }
  return L.join('\n') + '\n';
}
