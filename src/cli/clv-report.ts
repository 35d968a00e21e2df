// clv-report: closing line value of every fill against a reference path, the PnL split
// of pricing.md §4, and whether mean CLV is positive over a meaningful sample (a
// bootstrap over whole games). Reads fill, oracle.prob, market.link, result,
// kalshi.result and order records in any order; collects everything, then scores. The
// scoring is src/core/clv.ts, the Markdown src/core/clv-markdown.ts.
import { renameSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { AmbiguousReferenceError, ClvCollector, summarize, type ClvRow, type ClvSummaryBody, type ReferencePath } from '../core/clv.js';
import { clvMarkdown } from '../core/clv-markdown.js';
import { SOURCE_RE } from '../schema/common.js';
import { DEVIG_METHODS, type Clv, type ClvSummary, type DevigMethod, type RecordType } from '../schema/records.js';
import { EXIT, UsageError, intOption, numberOption, runCommand, type CommandSpec, type Where } from './kit.js';

interface Opts {
  reference?: string;
  refAfterMs?: number;
  refLateAfterMs?: number;
  confidence?: number;
  minGames?: number;
  resamples?: number;
  seed?: number;
  markdown?: string;
}

const CONSUMED: ReadonlySet<RecordType> = new Set<RecordType>(['fill', 'oracle.prob', 'market.link', 'result', 'kalshi.result', 'order']);

/** SOURCE or SOURCE/METHOD. */
export function parseReference(v: string): ReferencePath {
  const [source, method, extra] = v.split('/');
  if (extra !== undefined || !source || !SOURCE_RE.test(source) || (method !== undefined && !(DEVIG_METHODS as readonly string[]).includes(method))) {
    throw new InvalidArgumentError(`expected SOURCE or SOURCE/METHOD, e.g. boltodds/shin (methods: ${DEVIG_METHODS.join(', ')})`);
  }
  return method === undefined ? { source } : { source, method: method as DevigMethod };
}

function referenceOption(v: string): string {
  parseReference(v);
  return v;
}

export const spec: CommandSpec<Opts> = {
  name: 'clv-report',
  args: '[files...]',
  description: `Reads fill, oracle.prob, market.link, result, kalshi.result and order records from
FILES (or stdin), in any order: everything is collected first, then scored. For each fill
it writes one clv record after the run manifest (YES terms; fills are sorted by time): the
quote time (the fill's quote_ts, else its order's submission), the fill price, our fair
probability at the decision (quote_fair_p, else the fill's fair_p), the reference path's
probability at the decision, --ref-after-ms and --ref-late-after-ms after the fill (capped
at commence_ts) and at the close (its last probability at or before the game's
commence_ts), the realized result, CLV in probability points (buy: close - price; sell:
price - close) and as expected ROI, and the per-contract PnL split of pricing.md:
edge claimed (fair - reference at the decision), execution (reference at the decision -
price), fee drag, model error (close - fair) and outcome noise (result - close), mirrored
for sells; they add up to the realized PnL per contract.

The reference path (--reference SOURCE/METHOD, e.g. boltodds/shin; SOURCE alone when the
source has one method) is named on every record. A fill without a closing line (no
reference probability for its game, or none before commence) is written with clv null and
its reason, counted as unscored, never scored with an invented close.

Then one clv.summary record per group: overall ({}), by sport, by oracle path (the fill's
source/method) and by maker/taker: mean CLV over the scored fills, a percentile interval
at --confidence from a bootstrap that resamples whole games (--resamples, --seed), a
one-sided p-value (H0: mean CLV <= 0), and positive when the interval's lower bound is
above 0 over at least --min-games games. The live-capital gate reads the overall one.
--markdown FILE writes the same as a page, with the mean PnL split, the unscored fills,
bad input and every fill.

Bad input is reported (source:line, reason) and counted, never scored: fills for a ticker
without a market.link or linked to another game (unknown-game), a fill without a quote
time (no-quote-time), a second copy of a trade (duplicate-fill), a fill not in YES terms
(not-yes-terms), a ticker linked to two games or sides (conflicting-link: none of its fills is scored), and
results that contradict each other (conflicting-result: the ticker's outcome is left
unknown, its PnL null). clv-report is a sink: other record types are counted, not passed
on. The same input and seed give the same bytes.`,
  examples: [
    {
      cmd: 'clv-report --reference boltodds/shin --markdown clv.md session.ndjson fills.ndjson',
      what: 'Score the fills of a session against the de-vigged BoltOdds (Pinnacle) close; clv and clv.summary records on stdout, the page in clv.md.',
    },
    {
      cmd: 'quote --shadow --replay --oracle boltodds/shin session.ndjson | clv-report --reference boltodds/shin',
      what: 'Replay a recorded session through the quote manager and score its fills.',
    },
    {
      cmd: 'clv-report --reference oddsapi/proportional --min-games 30 --confidence 0.9 --seed 7 day-*.ndjson',
      what: 'A looser verdict over several days, another reference and seed.',
    },
  ],
  output: 'ndjson',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('--reference <source[/method]>', 'the reference path the closes come from, e.g. boltodds/shin (config clv.reference)', referenceOption);
    cmd.option('--ref-after-ms <ms>', 'the reference probability this long after each fill (config clv.ref_after_ms, default 300000)', intOption(0));
    cmd.option('--ref-late-after-ms <ms>', 'and this long after (config clv.ref_late_after_ms, default 1800000)', intOption(0));
    cmd.option('--confidence <c>', 'two-sided confidence of the bootstrap interval (config clv.confidence, default 0.95)', numberOption(0.5, 0.9999));
    cmd.option('--min-games <n>', 'fewest games before a group can be positive (config clv.min_games, default 50)', intOption(1));
    cmd.option('--resamples <n>', 'bootstrap resamples of whole games (config clv.resamples, default 10000)', intOption(100, 1_000_000));
    cmd.option('--seed <n>', 'seed of the bootstrap (config clv.seed, default 1)', intOption(-2147483648, 4294967295));
    cmd.option('--markdown <file>', 'write the report as Markdown to FILE');
  },
  overrides(o) {
    const clv: Record<string, unknown> = {};
    if (o.reference !== undefined) clv.reference = o.reference;
    if (o.refAfterMs !== undefined) clv.ref_after_ms = o.refAfterMs;
    if (o.refLateAfterMs !== undefined) clv.ref_late_after_ms = o.refLateAfterMs;
    if (o.confidence !== undefined) clv.confidence = o.confidence;
    if (o.minGames !== undefined) clv.min_games = o.minGames;
    if (o.resamples !== undefined) clv.resamples = o.resamples;
    if (o.seed !== undefined) clv.seed = o.seed;
    return { clv };
  },
  async run(ctx) {
    const c = ctx.config.clv;
    if (c.reference === null) throw new UsageError('no reference path: give --reference SOURCE/METHOD (e.g. boltodds/shin) or set clv.reference');
    const reference = parseReference(c.reference);
    const collector = new ClvCollector<Where>({ reference, refAfterMs: c.ref_after_ms, refLateAfterMs: c.ref_late_after_ms });
    ctx.log.info('clv-report', {
      reference: c.reference,
      ref_after_ms: c.ref_after_ms,
      ref_late_after_ms: c.ref_late_after_ms,
      confidence: c.confidence,
      min_games: c.min_games,
      resamples: c.resamples,
      seed: c.seed,
    });
    await ctx.readRecords(ctx.args, {
      consume: CONSUMED,
      onRecord(rec, where) {
        switch (rec.type) {
          case 'fill':
            collector.addFill(rec, where);
            break;
          case 'oracle.prob':
            collector.addProb(rec);
            break;
          case 'market.link':
            collector.addLink(rec, where);
            break;
          case 'result':
            collector.addResult(rec, where);
            break;
          case 'kalshi.result':
            collector.addKalshiResult(rec, where);
            break;
          case 'order':
            collector.addOrder(rec);
            break;
          default:
            break;
        }
      },
      onOther() {
        // a sink: other records are counted by the decoder (in_by_type), not passed on
      },
    });
    let result;
    try {
      result = collector.finish();
    } catch (e) {
      if (e instanceof AmbiguousReferenceError) throw new UsageError(e.message);
      throw e;
    }
    const bad: Record<string, number> = {};
    for (const i of result.issues) {
      ctx.reject(i.where, i.reason, i.detail);
      bad[i.reason] = (bad[i.reason] ?? 0) + 1;
    }
    for (const r of result.rows) ctx.out.record(clvRecord(r));
    const summaries = summarize(result.rows, result.reference, { confidence: c.confidence, minGames: c.min_games, resamples: c.resamples, seed: c.seed });
    const now = (): number => ctx.clock.now();
    for (const s of summaries) ctx.out.record(summaryRecord(s, now));
    Object.assign(ctx.summary, result.stats, { bad_input: bad });
    const all = summaries[0]!;
    if (result.rows.length === 0) ctx.log.warn('no fill could be scored', { fills_in: result.stats.fills_in, bad: result.stats.fills_bad });
    for (const r of result.rows)
      if (r.unscored !== null)
        ctx.log.warn('fill without a closing line: listed, not scored', { trade_id: r.trade_id, ticker: r.ticker, event: r.event, reason: r.unscored });
    ctx.log.info('verdict', {
      reference: result.reference,
      n_fills: all.n_fills,
      n_games: all.n_games,
      n_unscored: all.n_unscored,
      mean_clv: all.mean_clv,
      ci_low: all.ci_low,
      ci_high: all.ci_high,
      p_value: all.p_value,
      positive: all.positive,
    });
    if (ctx.opts.markdown !== undefined) {
      const file = ctx.opts.markdown;
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(
        tmp,
        clvMarkdown({ reference: result.reference, refAfterMs: c.ref_after_ms, refLateAfterMs: c.ref_late_after_ms, rows: result.rows, summaries, bad }),
      );
      renameSync(tmp, file);
      ctx.log.info('markdown written', { file });
    }
    return EXIT.OK;
  },
};

/** Numbers on records are rounded to 1e-10 (float noise such as 0.020000000000000018 off; the PnL terms still add up to 1e-9). */
const r10 = <T extends number | null>(x: T): T => (x === null ? x : ((Math.round(x * 1e10) / 1e10) as T));

function clvRecord(r: ClvRow): Clv {
  return {
    type: 'clv',
    ...r,
    clv: r10(r.clv),
    clv_roi: r10(r.clv_roi),
    pnl: r10(r.pnl),
    edge_claimed: r10(r.edge_claimed),
    execution_error: r10(r.execution_error),
    fee_drag: r10(r.fee_drag),
    model_error: r10(r.model_error),
    outcome_noise: r10(r.outcome_noise),
  };
}

/** Exactly the clv.summary schema's fields (the PnL means go to the Markdown only). */
function summaryRecord(s: ClvSummaryBody, now: () => number): ClvSummary {
  return {
    type: 'clv.summary',
    ts: s.to_ts ?? now(),
    group: s.group,
    reference: s.reference,
    n_fills: s.n_fills,
    n_games: s.n_games,
    n_unscored: s.n_unscored,
    mean_clv: r10(s.mean_clv),
    ci_low: r10(s.ci_low),
    ci_high: r10(s.ci_high),
    p_value: s.p_value,
    positive: s.positive,
    confidence: s.confidence,
    min_games: s.min_games,
    bootstrap_resamples: s.bootstrap_resamples,
    seed: s.seed,
    from_ts: s.from_ts,
    to_ts: s.to_ts,
  };
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
