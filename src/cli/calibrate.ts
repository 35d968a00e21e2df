// calibrate: fair probabilities (oracle.prob) against results (result), in any order.
// One calibration record per oracle path (source, sport, phase, method); optionally a
// Markdown report with a reliability diagram per path (--report DIR) and the Kelly
// sign-off file (--signoff FILE). The metrics and the join are src/core/calibration.ts.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { calibrationMarkdown, diagramFile, reliabilitySpec, type ReportGroup } from '../core/calibration-report.js';
import { Calibrator, groupLabel, pairedComparison, type GroupReport, type Paired } from '../core/calibration.js';
import { signoffRule, withinTolerance } from '../core/kelly.js';
import type { Calibration, CalibrationSignoff, RecordType } from '../schema/records.js';
import { EXIT, intOption, numberOption, runCommand, type CommandSpec, type Ctx } from './kit.js';

interface Opts {
  at?: 'close' | 'all';
  bins?: number;
  tolerance?: number;
  minN?: number;
  signoff?: string;
  report?: string;
}

const CONSUMED: ReadonlySet<RecordType> = new Set<RecordType>(['oracle.prob', 'result']);
/** Paired comparisons are made against this method when it is present. */
const BASELINE = 'proportional';

export const spec: CommandSpec<Opts> = {
  name: 'calibrate',
  args: '[files...]',
  description: `Reads oracle.prob and result records from FILES (or stdin), in any order, and scores
each game's fair home-win probability p_home against whether the home team won. By
default (--at close) the probability scored per game and path is the last one at or
before the game's commence_ts; --at all scores every probability record, pre-game and
live. Groups are oracle paths: source, sport, phase (pregame: ts <= commence_ts; live:
after) and de-vig method.

Per group it writes one calibration record after the run manifest: n, Brier, log loss
(clipped at float64 epsilon, as scikit-learn >= 1.2), a reliability table with uniform
right-closed bins (scikit-learn calibration_curve's float edges; empty bins dropped),
ECE and MCE (positive-class form), and win rate by fixed and by quantile deciles. The
output does not depend on the input order. calibrate is a sink: other record types are
counted, not passed on. A game with two different winners is excluded with a diagnostic.

--report DIR writes report.md and one reliability diagram per group as SVG (vega-lite),
with a game-by-game comparison of each method against proportional where both are
present. --signoff FILE is the Kelly gate: it replaces FILE with a calibration.signoff
record (groups, metrics, tolerance, config fingerprint) for each group whose ECE is
within --tolerance on at least --min-n games, and nothing for the others; sizing refuses
Kelly on a path without one (exit 3).`,
  examples: [
    {
      cmd: 'import-history nba examples/history/nba-moneylines-2008-2025.csv | devig --method shin | calibrate',
      what: 'Calibration of Shin-de-vigged NBA closing lines on every game with a line and a result.',
    },
    {
      cmd: 'for m in proportional additive power shin odds-ratio; do devig --method $m < nba-history.ndjson; done | calibrate --report out/calibration',
      what: 'Every de-vig method side by side: report.md, one SVG reliability diagram per method, paired differences against proportional.',
    },
    { cmd: 'ndcat --merge probs.ndjson results.ndjson | calibrate --at all', what: 'Score every probability, pre-game and in-game, grouped by phase.' },
    {
      cmd: 'calibrate --signoff signoff.ndjson --tolerance 0.02 --min-n 1000 probs.ndjson results.ndjson',
      what: 'Sign off the paths whose ECE is at most 0.02 on 1,000+ games; Kelly sizing reads signoff.ndjson (config kelly.signoff_file).',
    },
  ],
  output: 'ndjson',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.addOption(
      new Option('--at <when>', 'close: last probability at or before commence_ts per game and path; all: every probability (config calibrate.at)').choices([
        'close',
        'all',
      ]),
    );
    cmd.option('--bins <n>', 'uniform reliability bins for the table, ECE and MCE (config calibrate.bins, default 10)', intOption(2, 100));
    cmd.option('--tolerance <ece>', 'largest ECE within the band (config kelly.tolerance, default 0.02)', numberOption(0, 1));
    cmd.option('--min-n <n>', 'fewest games for a sign-off (config kelly.signoff_min_n, default 1000)', intOption(1));
    cmd.option('--signoff <file>', 'replace FILE with sign-off records for the groups within the band (the Kelly gate)');
    cmd.option('--report <dir>', 'write DIR/report.md and one SVG reliability diagram per group');
  },
  overrides(o) {
    const calibrate: Record<string, unknown> = {};
    const kelly: Record<string, unknown> = {};
    if (o.at !== undefined) calibrate.at = o.at;
    if (o.bins !== undefined) calibrate.bins = o.bins;
    if (o.tolerance !== undefined) kelly.tolerance = o.tolerance;
    if (o.minN !== undefined) kelly.signoff_min_n = o.minN;
    return { calibrate, kelly };
  },
  async run(ctx) {
    const { at, bins } = ctx.config.calibrate;
    const { tolerance, signoff_min_n: minN } = ctx.config.kelly;
    ctx.log.info('calibrating', { at, bins, tolerance, min_n: minN, scored: 'p_home vs home win' });
    const cal = new Calibrator(at);
    await ctx.readRecords(ctx.args, {
      consume: CONSUMED,
      onRecord(rec, where) {
        if (rec.type === 'oracle.prob') cal.addProb(rec);
        else if (rec.type === 'result' && cal.addResult(rec) === 'conflict') {
          ctx.reject(where, 'conflicting-result', `${rec.event}: winner ${rec.winner} contradicts an earlier result; the game is not scored`);
        }
      },
      onOther() {
        // a sink: other records are counted by the decoder (in_by_type), not passed on
      },
    });
    const { groups, stats } = cal.finish(bins);
    Object.assign(ctx.summary, stats, { groups: groups.length });
    if (groups.length === 0)
      ctx.log.warn('no probability could be joined to a result: nothing to score', { probs_in: stats.probs_in, results_in: stats.results_in });

    const report: ReportGroup[] = groups.map((g) => ({
      ...g,
      within_tolerance: withinTolerance(g.ece, tolerance),
      signed_off: ctx.opts.signoff !== undefined && signoffRule(g, { tolerance, min_n: minN }).ok,
      vs_baseline: baselineOf(g, groups),
    }));
    for (const g of report) ctx.out.record(calibrationRecord(g, { at, bins, tolerance, minN }));

    if (ctx.opts.signoff !== undefined) writeSignoff(ctx, ctx.opts.signoff, report, { at, bins, tolerance, minN });
    if (ctx.opts.report !== undefined) {
      await writeReport(
        ctx.opts.report,
        report,
        { at, bins, tolerance, min_n: minN, signoff: ctx.opts.signoff !== undefined, fingerprint: ctx.fingerprint, stats },
        ctx.log,
      );
      ctx.log.info('report written', { dir: ctx.opts.report, groups: report.length });
    }
    return EXIT.OK;
  },
};

function baselineOf(g: GroupReport, all: readonly GroupReport[]): Paired | undefined {
  if (g.group.method === BASELINE) return undefined;
  const base = all.find(
    (b) => b.group.method === BASELINE && b.group.source === g.group.source && b.group.sport === g.group.sport && b.group.phase === g.group.phase,
  );
  return base ? pairedComparison(g, base) : undefined;
}

interface Settings {
  at: 'close' | 'all';
  bins: number;
  tolerance: number;
  minN: number;
}

function calibrationRecord(g: ReportGroup, s: Settings): Calibration {
  return {
    type: 'calibration',
    ts: g.ts,
    group: { ...g.group },
    n: g.n,
    brier: g.brier,
    log_loss: g.log_loss,
    ece: g.ece,
    mce: g.mce,
    buckets: g.buckets,
    deciles_fixed: g.deciles_fixed,
    deciles_quantile: g.deciles_quantile,
    within_tolerance: g.within_tolerance,
    tolerance: s.tolerance,
    at: s.at,
    bins: s.bins,
    scored: 'p_home',
    base_rate: g.base_rate,
    mean_p: g.mean_p,
    ...(g.vs_baseline ? { vs_baseline: g.vs_baseline } : {}),
  };
}

/** Replace FILE (write + rename) with the manifest and one sign-off per group within the band. */
function writeSignoff(ctx: Ctx<Opts>, file: string, groups: readonly ReportGroup[], s: Settings): void {
  const now = ctx.clock.now();
  const lines: string[] = [JSON.stringify(ctx.manifest())];
  for (const g of groups) {
    const label = groupLabel(g.group);
    const rule = signoffRule(g, { tolerance: s.tolerance, min_n: s.minN });
    if (!rule.ok && rule.reason === 'outside-tolerance') {
      ctx.log.warn('not signed off: ECE above tolerance', { group: label, ece: g.ece, tolerance: s.tolerance, n: g.n });
      continue;
    }
    if (!rule.ok) {
      ctx.log.warn('not signed off: too few games', { group: label, n: g.n, min_n: s.minN, ece: g.ece });
      continue;
    }
    const rec: CalibrationSignoff = {
      type: 'calibration.signoff',
      ts: now,
      group: { ...g.group },
      n: g.n,
      brier: g.brier,
      log_loss: g.log_loss,
      ece: g.ece,
      mce: g.mce,
      tolerance: s.tolerance,
      within_tolerance: true,
      config_fingerprint: ctx.fingerprint,
      at: s.at,
      bins: s.bins,
      min_n: s.minN,
      data_ts: g.ts,
    };
    lines.push(JSON.stringify(rec));
    ctx.log.info('signed off', { group: label, ece: g.ece, tolerance: s.tolerance, n: g.n });
  }
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, lines.join('\n') + '\n');
  renameSync(tmp, file);
  const signed = lines.length - 1;
  if (signed === 0) ctx.log.warn('no group within the band: the sign-off file holds none, Kelly is refused on every path', { file });
  ctx.summary.signed_off = signed;
}

async function writeReport(
  dir: string,
  groups: ReportGroup[],
  r: Omit<Parameters<typeof calibrationMarkdown>[0], 'groups'>,
  log: { warn(msg: string, f?: Record<string, unknown>): void },
): Promise<void> {
  // vega is loaded only when a report is asked for: it costs a few hundred ms at startup.
  const { vegaLiteToSvg } = await import('../report/vega.js');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.md'), calibrationMarkdown({ ...r, groups }));
  for (const g of groups) {
    const warnings: string[] = [];
    const svg = await vegaLiteToSvg(reliabilitySpec(g), warnings);
    for (const w of warnings) log.warn('chart warning', { group: groupLabel(g.group), detail: w });
    writeFileSync(join(dir, diagramFile(g.group)), svg);
  }
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
