// compare: two quote runs over the same recording (control, experiment) side by side,
// per game and in total. Reads the two runs' full outputs; writes compare records and,
// on request, Markdown. The computation is src/core/compare.ts.
import { renameSync, writeFileSync } from 'node:fs';
import { compareMarkdown, compareRecords, compareRuns, emptyRun, RECORDING_TYPES, type RunRecords } from '../core/compare.js';
import type { RecordType } from '../schema/records.js';
import { EXIT, intOption, numberOption, runCommand, UsageError, type CommandSpec } from './kit.js';

interface Opts {
  markdown?: string;
  move?: number;
  leadWindowMs?: number;
}

const CONSUMED: ReadonlySet<RecordType> = new Set<RecordType>([
  'run.manifest',
  'oracle.prob',
  'oracle.status',
  'order',
  'fill',
  'position',
  'skip',
  'market.link',
]);
const RECORDING: ReadonlySet<string> = new Set(RECORDING_TYPES);

export const spec: CommandSpec<Opts> = {
  name: 'compare',
  args: '<control> <experiment>',
  description: `Reads the full outputs of two quote runs over the same recording (e.g. quote --replay
with two oracle paths or two profiles): CONTROL first, EXPERIMENT second (- is stdin, for
one of them). Each run's oracle path is the --oracle of its run.manifest, else its fills'
source/method; its profile, commit and config fingerprint come from the manifest.

Per game (event id) and in total, side by side: oracle availability (periods the path's
source was unavailable in oracle.status, for everything, the game's sport or the game,
and their length), probabilities (each run's own path's p_home: the mean absolute
difference at every moment either path has a probability, both known; which path moved
first: a move is a change of at least --move since the path's last move, matched with the
other path's earliest unmatched move in the same direction at most --lead-window-ms
before it), quotes (orders, maker and taker, contracts), fills, skips by reason, the
expected edge at decision and at fill (exec-gap's definitions, dollars) and realized PnL
after fees at settlement (position records). CLV is clv-report's: run it on each run.

Writes one compare record per game and one total (game null) after the run manifest;
--markdown FILE writes the same as a report. A warning (and recording_mismatch on every
record) says when the runs passed through different numbers of a recording type: not the
same recording. With --replay the output is byte-identical for the same inputs (the
manifest takes the first record's time; each input must then be in time order, as quote
writes it). A fill read twice in one run (mode, trade_id) is a bad line (duplicate-fill).`,
  examples: [
    {
      cmd: 'compare --replay --markdown out/compare.md control.ndjson experiment.ndjson > out/compare.ndjson',
      what: 'Odds API + proportional against BoltOdds + Shin over one recording: records and the report.',
    },
    {
      cmd: 'quote --shadow --replay --oracle boltodds/shin s.ndjson | compare control.ndjson -',
      what: 'The experiment straight from quote, against a stored control run.',
    },
    { cmd: 'compare --move 0.02 --lead-window-ms 10000 a.ndjson b.ndjson', what: 'Count only moves of 2 points, matched within 10 s.' },
  ],
  output: 'ndjson',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('--markdown <file>', 'write the Markdown report to FILE');
    cmd.option('--move <p>', 'smallest change of p_home that counts as a move (default 0.01)', numberOption(1e-9, 1));
    cmd.option('--lead-window-ms <ms>', 'two moves in the same direction at most this far apart are the same move (default 60000)', intOption(0));
  },
  async run(ctx) {
    if (ctx.args.length !== 2) throw new UsageError(`compare needs exactly two runs, control and experiment (got ${ctx.args.length})`);
    if (ctx.args[0] === '-' && ctx.args[1] === '-') throw new UsageError('stdin (-) can be read once only');
    const runs: [RunRecords, RunRecords] = [emptyRun(), emptyRun()];
    const seenFills: [Set<string>, Set<string>] = [new Set(), new Set()];
    const countInput = (r: RunRecords, type: string): void => {
      if (RECORDING.has(type)) r.input_counts[type] = (r.input_counts[type] ?? 0) + 1;
    };
    await ctx.readRecords(
      ctx.args,
      {
        consume: CONSUMED,
        onRecord(rec, where) {
          const k = where.input === 1 ? 1 : 0;
          const r = runs[k];
          if (rec.ts > r.last_ts) r.last_ts = rec.ts;
          countInput(r, rec.type);
          switch (rec.type) {
            case 'run.manifest':
              // the run's own manifest: the quote one (upstream manifests pass through quote too)
              if (!r.manifest || (r.manifest.cmd !== 'quote' && rec.cmd === 'quote')) r.manifest = rec;
              break;
            case 'oracle.prob':
              r.probs.push(rec);
              break;
            case 'oracle.status':
              r.statuses.push(rec);
              break;
            case 'order':
              r.orders.push(rec);
              break;
            case 'position':
              r.positions.push(rec);
              break;
            case 'skip':
              r.skips.push(rec);
              break;
            case 'market.link':
              r.links.push(rec);
              break;
            case 'fill': {
              const key = `${rec.mode}\u0000${rec.trade_id}`;
              if (seenFills[k].has(key)) {
                ctx.reject(where, 'duplicate-fill', `${rec.mode} trade_id ${rec.trade_id} was already read in this run; counted once`);
                return;
              }
              seenFills[k].add(key);
              r.fills.push(rec);
              break;
            }
            default:
              break;
          }
        },
        onOther(d, where) {
          const r = runs[where.input === 1 ? 1 : 0];
          if (d.ts !== undefined && d.ts > r.last_ts) r.last_ts = d.ts;
          countInput(r, d.type);
        },
      },
      { order: ctx.opts.replay ? 'time' : 'concat' },
    );
    const result = compareRuns(runs[0], runs[1], { move: ctx.opts.move ?? 0.01, lead_window_ms: ctx.opts.leadWindowMs ?? 60_000 });
    for (const [label, info] of Object.entries(result.runs)) {
      if (info.path === 'unknown') ctx.log.warn('the oracle path of a run is unknown: no --oracle in its manifest and no fills', { run: label });
      if (info.other_fill_paths.length)
        ctx.log.warn('a run has fills from another oracle path than its own', { run: label, path: info.path, others: info.other_fill_paths });
    }
    if (result.recording_mismatch.length)
      ctx.log.warn('the runs passed through different numbers of recording records: not the same recording?', { types: result.recording_mismatch });
    const recs = compareRecords(result);
    for (const rec of recs) ctx.out.record(rec);
    Object.assign(ctx.summary, {
      games: recs.length - 1,
      control: result.runs.control.path,
      experiment: result.runs.experiment.path,
      same_recording: result.recording_mismatch.length === 0,
    });
    if (ctx.opts.markdown !== undefined) {
      const tmp = `${ctx.opts.markdown}.tmp-${process.pid}`;
      writeFileSync(tmp, compareMarkdown(result));
      renameSync(tmp, ctx.opts.markdown);
    }
    return EXIT.OK;
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
