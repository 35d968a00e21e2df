// devig: odds.line / oracle.line -> oracle.prob (fair probabilities), every input record
// passed through. The method is chosen per oracle source (config devig.method), or for
// all sources by --method; it is logged at start and written on every record. --compare
// writes devig.compare records instead: every method side by side on the same line.
import { devigTwoWay, type DevigMethod, type TwoWayOk } from '../core/devig.js';
import { assumedTimesKept } from '../core/eventtime.js';
import { DEVIG_METHODS, type DevigCompare, type OddsLine, type OracleLine, type OracleProb, type RecordType } from '../schema/records.js';
import { UsageError, enumOption, runCommand, type CommandSpec, type Ctx } from './kit.js';

interface Opts {
  method?: DevigMethod;
  compare?: boolean;
}

type Priced = OddsLine | OracleLine;

export const spec: CommandSpec<Opts> = {
  name: 'devig',
  args: '[files...]',
  description: `Reads odds.line records (one book's two-way moneyline) and oracle.line records (the
line chosen by arbitrate) from FILES or stdin, and writes each one through unchanged,
followed by an oracle.prob record: the fair probabilities p_home and p_away with the
margin removed, the overround (booksum - 1), the method and its fitted parameter (Shin's
z, the power exponent k, the odds ratio c). From an odds.line, books is [book] and there
is no policy; from an oracle.line, policy, books and weights are carried over. Other
records pass through untouched.

Methods: proportional (multiplicative: p = (1/O)/booksum), additive (subtract an equal
share of the margin), power (p = (1/O)^k), shin (Shin's insider model; exact closed form
for two outcomes, where it equals additive), odds-ratio (odds(p) = odds(1/O)/c). Solved
to 1e-12 or better. The method comes from --method, else from the config: devig.method
is one method, or a map from oracle source to method, with devig.default for sources the
map does not name. A source with no method is never given a guessed one: its records get
no oracle.prob and are reported (reason no-method); with no method configured at all,
devig refuses to start.

A line that cannot be priced gets a diagnostic (source:line, reason, detail), is counted
by reason in the exit summary (and kept by --reject), and gets no oracle.prob; the record
itself still passes through. Reasons: margin-out-of-bounds (the overround, booksum - 1,
is beyond +/- devig.max_margin, default 0.2: odds of 1.0000001 on both sides are a 100 %
margin, 1e300 on both a -100 % one; no book prices like that, and no method's answer
would mean anything), booksum-below-1 (Shin on an under-round book), odds-le-1,
non-finite, no-method, no-convergence. A line with a missing side, odds <= 1 or above
10000, a duplicate key, or an event id that is not a real game (see validate) already
fails its schema (reason schema or duplicate-key) and is not passed through.

--compare writes one devig.compare record per priced line instead of oracle.prob: the
odds, the overround, and every method's p_home, p_away and parameter side by side, or its
error (e.g. Shin on an under-round book).`,
  examples: [
    {
      cmd: 'feed-boltodds | arbitrate | devig --method shin > fair.ndjson',
      what: "Fair probabilities from the arbitrated line, by Shin's method (what quote reads).",
    },
    { cmd: 'devig --method proportional lines.ndjson | ndcat', what: "De-vig every book's line of a recorded file proportionally." },
    {
      cmd: 'devig --config chimera.config.json < lines.ndjson',
      what: 'Method per source from the config, e.g. "devig": {"method": {"boltodds": "shin", "oddsapi": "proportional"}}.',
    },
    { cmd: 'devig --compare lines.ndjson > compare.ndjson', what: 'Every method side by side on each line, to compare them on the same data.' },
    { cmd: 'import-history nba nba.csv | devig --method power | calibrate', what: 'Calibration of the power method on the NBA history.' },
  ],
  output: 'ndjson',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('-m, --method <method>', `the method for every source (config devig.method): ${DEVIG_METHODS.join(', ')}`, enumOption(DEVIG_METHODS));
    cmd.option('--compare', 'write devig.compare records (every method side by side) instead of oracle.prob');
  },
  overrides(opts) {
    return opts.method ? { devig: { method: opts.method } } : {};
  },
  async run(ctx) {
    if (ctx.opts.compare && ctx.opts.method) throw new UsageError('--compare writes every method side by side; --method does not apply');
    if (ctx.opts.compare) return runCompare(ctx);
    return runProb(ctx);
  },
};

const CONSUME: ReadonlySet<RecordType> = new Set<RecordType>(['odds.line', 'oracle.line']);

/** The method for each source, as configured; undefined where there is none. */
function methodResolver(ctx: Ctx<Opts>): (source: string) => DevigMethod | undefined {
  const { method, default: fallback } = ctx.config.devig;
  if (typeof method === 'string') return () => method;
  const map = new Map(Object.entries(method));
  return (source) => map.get(source) ?? fallback ?? undefined;
}

async function runProb(ctx: Ctx<Opts>): Promise<void> {
  const { method, default: fallback } = ctx.config.devig;
  if (typeof method !== 'string' && Object.keys(method).length === 0 && fallback === null) {
    throw new UsageError(
      'no de-vig method: pass --method (one of ' +
        DEVIG_METHODS.join(', ') +
        '), or set devig.method (one method, or one per source) or devig.default in the config',
    );
  }
  ctx.log.info(
    'devig method in force',
    typeof method === 'string'
      ? { method, max_margin: ctx.config.devig.max_margin }
      : { method_by_source: method, default: fallback, max_margin: ctx.config.devig.max_margin },
  );
  const methodOf = methodResolver(ctx);
  const maxMargin = ctx.config.devig.max_margin;
  const unconfigured = new Set<string>();
  const byMethod = new Map<string, number>();
  await ctx.readRecords(ctx.args, {
    consume: CONSUME,
    onRecord(rec, where) {
      ctx.out.passThrough(where.raw, rec.type);
      const line = rec as Priced;
      const m = methodOf(line.source);
      if (m === undefined) {
        if (!unconfigured.has(line.source)) {
          unconfigured.add(line.source);
          ctx.log.warn('source has no de-vig method: its lines get no oracle.prob (set devig.method or devig.default)', { source: line.source });
        }
        ctx.reject(where, 'no-method', `source "${line.source}" has no method in devig.method and devig.default is null`);
        return;
      }
      const r = devigTwoWay(line.home_odds, line.away_odds, m, maxMargin);
      if (!r.ok) {
        ctx.reject(where, r.reason, r.detail);
        return;
      }
      byMethod.set(m, (byMethod.get(m) ?? 0) + 1);
      ctx.out.record(probRecord(line, r));
    },
  });
  ctx.summary.oracle_prob_by_method = Object.fromEntries(byMethod);
  if (unconfigured.size) ctx.summary.sources_without_method = [...unconfigured].sort();
}

/** The time fields of oracle.prob and devig.compare: an input's assumed times among them carry over. */
const DERIVED_TIMES = ['ts', 'commence_ts', 'line_ts'] as const;

// Records are built as literals of one fixed shape (JSON.stringify leaves out the
// undefined fields): on the hot path this is several times cheaper than spreading.
function probRecord(line: Priced, r: TwoWayOk): OracleProb {
  const fromOracle = line.type === 'oracle.line';
  return {
    type: 'oracle.prob',
    ts: line.ts,
    source: line.source,
    sport: line.sport,
    event: line.event,
    home: line.home,
    away: line.away,
    commence_ts: line.commence_ts,
    policy: fromOracle ? line.policy : undefined,
    books: fromOracle ? line.books : [line.book],
    weights: fromOracle ? line.weights : undefined,
    line_ts: fromOracle ? line.line_ts : undefined,
    method: r.method,
    p_home: r.pHome,
    p_away: r.pAway,
    overround: r.overround,
    param: r.param,
    time_assumed: line.time_assumed && assumedTimesKept(line.time_assumed, DERIVED_TIMES),
  };
}

async function runCompare(ctx: Ctx<Opts>): Promise<void> {
  ctx.log.info('devig --compare: every method side by side', { methods: DEVIG_METHODS, max_margin: ctx.config.devig.max_margin });
  const maxMargin = ctx.config.devig.max_margin;
  await ctx.readRecords(ctx.args, {
    consume: CONSUME,
    onRecord(rec, where) {
      ctx.out.passThrough(where.raw, rec.type);
      const line = rec as Priced;
      const methods = {} as DevigCompare['methods'];
      let overround: number | undefined;
      let firstError: { reason: string; detail: string } | undefined;
      for (const m of DEVIG_METHODS) {
        const r = devigTwoWay(line.home_odds, line.away_odds, m, maxMargin);
        if (r.ok) {
          overround = r.overround;
          methods[m] = { p_home: r.pHome, p_away: r.pAway, param: r.param };
        } else {
          methods[m] = { error: r.reason, detail: r.detail };
          firstError ??= r;
        }
      }
      // No method priced it (odds that are not finite numbers > 1, a margin beyond the
      // sanity bound): nothing to compare.
      if (overround === undefined) {
        ctx.reject(where, firstError!.reason, firstError!.detail);
        return;
      }
      const fromOracle = line.type === 'oracle.line';
      const out: DevigCompare = {
        type: 'devig.compare',
        ts: line.ts,
        source: line.source,
        sport: line.sport,
        event: line.event,
        home: line.home,
        away: line.away,
        commence_ts: line.commence_ts,
        policy: fromOracle ? line.policy : undefined,
        books: fromOracle ? line.books : [line.book],
        line_ts: fromOracle ? line.line_ts : undefined,
        home_odds: line.home_odds,
        away_odds: line.away_odds,
        overround,
        methods,
        time_assumed: line.time_assumed && assumedTimesKept(line.time_assumed, DERIVED_TIMES),
      };
      ctx.out.record(out);
    },
  });
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
