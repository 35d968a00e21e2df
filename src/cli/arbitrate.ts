// arbitrate: odds.line from any number of books -> one oracle.line per game under the
// configured policy, republished whenever the line in force changes; oracle.status
// unavailable (once per transition) when no book qualifies. Staleness is judged on the
// clock: a timer re-decides when a line in force goes stale, so a silent feed is noticed
// even if no record arrives. All the deciding is in src/core/arbitrate.ts.
import { InvalidArgumentError } from 'commander';
import { DeadlineTimer } from '../clock/deadline.js';
import type { Plain } from '../config/load.js';
import { ARBITRATE_POLICIES, type ArbitratePolicyName } from '../config/sections/oracle.js';
import { Arbiter, type ArbitrateOutput } from '../core/arbitrate.js';
import { bookName } from '../schema/common.js';
import type { RecordType } from '../schema/records.js';
import { UsageError, enumOption, intOption, listOption, runCommand, type CommandSpec } from './kit.js';

interface Opts {
  policy?: ArbitratePolicyName;
  books?: string[];
  fallbackAfterMs?: number;
  weights?: Record<string, number>;
}

function weightsOption(v: string, prev: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = { ...prev };
  for (const part of v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const m = /^([^=]+)=(.+)$/.exec(part);
    if (!m) throw new InvalidArgumentError(`expected book=weight, got "${part}"`);
    const book = m[1]!.trim();
    const w = Number(m[2]);
    if (!bookName.safeParse(book).success) throw new InvalidArgumentError(`"${book}" is not a book key (lowercase)`);
    if (!Number.isFinite(w) || w <= 0) throw new InvalidArgumentError(`weight of ${book} must be a positive number, got "${m[2]}"`);
    if (out[book] !== undefined && prev?.[book] === undefined) throw new InvalidArgumentError(`${book} given twice`);
    out[book] = w;
  }
  return out;
}

export const spec: CommandSpec<Opts> = {
  name: 'arbitrate',
  args: '[files...]',
  description: `Reads odds.line records from any number of sportsbooks (FILES or stdin), keeps each
book's latest line per game, and writes an oracle.line for the game whenever the line in
force changes: the chosen (or blended) home_odds and away_odds, the policy, the books used
(and their weights, for a blend), line_ts (the newest book line used) and ts (when the
decision was made). Each oracle source is arbitrated on its own.

Policies (config arbitrate.policy, --policy): pinnacle-only uses Pinnacle's line or
nothing. primary-fallback uses the first book of --books (priority order, default
pinnacle then draftkings) whose line is usable; a lower book never replaces a usable
higher one. weighted-blend blends every usable book of --books with its weight
(--weights, renormalised over the books used) in implied-probability space: per side
p = sum of w/odds, published odds 1/p. Implied probabilities are what the prices mean,
their weighted mean is a proper mixture, and the blend's margin is the weighted mean of
the books' margins, left for devig to remove.

A line is usable while its age on the clock (now - ts) is at most --fallback-after-ms and
no upstream oracle.status holds its source unavailable. The clock is the system clock, or
the record times under --replay (use --replay on recorded files). When the line in force
goes stale a timer re-decides, so a silent feed is noticed without waiting for the next
record. When no book qualifies, arbitrate writes one oracle.status for the game (state
unavailable, reason stale, denied by the policy, or the upstream reason) and publishes
nothing until a book qualifies again (then an available status, then the line).

An upstream oracle.status unavailable for a source (optionally narrowed by sport, event or
book) stops the use of its lines until an available status for that scope, and withdraws
the lines of that scope received at or before it (also ones reaching arbitrate after it,
while it stands): only lines sent again are used once it clears. Statuses pass through. odds.line records are consumed; every other record passes through unchanged.

For a fixed set of updates, the line in force after the last one, and at any clock time,
does not depend on the order in which the books' updates arrived, ties in ts included.`,
  examples: [
    { cmd: 'feed-boltodds | arbitrate | devig --method shin', what: "Pinnacle's line, DraftKings' when Pinnacle's is over 2 minutes old (the defaults)." },
    {
      cmd: 'arbitrate --replay --policy pinnacle-only recorded.ndjson',
      what: 'Replay a recorded feed; Pinnacle only, unavailable whenever its line is stale.',
    },
    {
      cmd: 'arbitrate --books pinnacle,fanduel,draftkings --fallback-after-ms 30000',
      what: 'Three books in priority order, each usable for 30 s after its last update.',
    },
    {
      cmd: 'arbitrate --policy weighted-blend --weights pinnacle=0.7,draftkings=0.3 | devig --method power',
      what: 'A 70/30 blend of Pinnacle and DraftKings, de-vigged by the power method.',
    },
    {
      cmd: 'ndcat --merge oddsapi.ndjson boltodds.ndjson | arbitrate --replay > oracle.ndjson',
      what: 'Both sources from recordings, each arbitrated on its own path.',
    },
  ],
  output: 'ndjson',
  input: true,
  inputFiles: (_o, args) => args,
  options(cmd) {
    cmd.option('--policy <policy>', `${ARBITRATE_POLICIES.join(' | ')} (config arbitrate.policy; default primary-fallback)`, enumOption(ARBITRATE_POLICIES));
    cmd.option('--books <list>', 'books the policy uses, comma-separated, in priority order (config arbitrate.books; default pinnacle,draftkings)', listOption);
    cmd.option('--fallback-after-ms <ms>', 'a line older than this is stale (config arbitrate.fallback_after_ms; default 120000)', intOption(0));
    cmd.option(
      '--weights <list>',
      'weighted-blend weights, e.g. pinnacle=0.7,draftkings=0.3 (config arbitrate.weights); sets --books to these books unless given',
      weightsOption,
    );
  },
  overrides(opts) {
    const a: Plain = {};
    if (opts.policy) a.policy = opts.policy;
    if (opts.books) a.books = opts.books;
    else if (opts.weights) a.books = Object.keys(opts.weights);
    if (opts.weights) a.weights = opts.weights;
    if (opts.fallbackAfterMs !== undefined) a.fallback_after_ms = opts.fallbackAfterMs;
    return Object.keys(a).length ? { arbitrate: a } : {};
  },
  async run(ctx) {
    const cfg = ctx.config.arbitrate;
    if (cfg.policy === 'pinnacle-only' && ctx.opts.books) throw new UsageError('--books does not apply to --policy pinnacle-only');
    if (cfg.policy !== 'weighted-blend' && ctx.opts.weights) throw new UsageError('--weights applies to --policy weighted-blend only');
    const arb = new Arbiter({
      name: cfg.policy,
      books: cfg.books,
      weights: cfg.weights,
      maxAgeMs: cfg.fallback_after_ms,
      minBooks: cfg.min_books,
      forgetAfterMs: cfg.forget_after_ms,
    });
    ctx.log.info('arbitrate policy', {
      policy: arb.label,
      books: cfg.policy === 'pinnacle-only' ? ['pinnacle'] : cfg.books,
      fallback_after_ms: cfg.fallback_after_ms,
      ...(cfg.policy === 'weighted-blend' ? { weights: Object.fromEntries(cfg.books.map((b) => [b, cfg.weights[b]])), min_books: cfg.min_books } : {}),
      clock: ctx.replayClock ? 'replay' : 'system',
    });

    const clock = ctx.clock;
    const published = new Map<string, ReturnType<typeof ctx.metrics.counter>>();
    const eventsGauge = ctx.metrics.gauge('oracle_events');
    const unavailableGauge = ctx.metrics.gauge('oracle_unavailable_events');
    const emit = (outs: ArbitrateOutput[]): void => {
      for (const r of outs) {
        ctx.out.record(r);
        if (r.type === 'oracle.line') {
          let c = published.get(r.source);
          if (!c) published.set(r.source, (c = ctx.metrics.counter('oracle_lines_total', { source: r.source })));
          c.inc();
        } else if (r.state === 'unavailable') {
          ctx.metrics.counter('oracle_unavailable_total', { source: r.source, reason: r.reason ?? '' }).inc();
        }
      }
      if (outs.length) {
        eventsGauge.set(arb.eventCount);
        unavailableGauge.set(arb.unavailableCount);
      }
    };

    // One timer for the arbiter's earliest deadline (src/clock/deadline.ts).
    const timer = new DeadlineTimer(
      clock,
      () => arb.nextDeadline(),
      (now) => emit(arb.tick(now)),
    );

    const maxAge = cfg.fallback_after_ms;
    await ctx.readRecords(ctx.args, {
      consume: new Set<RecordType>(['odds.line', 'oracle.status']),
      onRecord(rec, where) {
        const now = clock.now();
        if (rec.type === 'oracle.status') {
          ctx.out.passThrough(where.raw, rec.type);
          if (rec.state === 'unavailable')
            ctx.log.warn('upstream source unavailable: its lines are not used', {
              src: `${where.source}:${where.line}`,
              source: rec.source,
              ...(rec.book ? { book: rec.book } : {}),
              ...(rec.event ? { event: rec.event } : {}),
              reason: rec.reason,
            });
          else
            ctx.log.info('upstream source available again', {
              source: rec.source,
              ...(rec.book ? { book: rec.book } : {}),
              ...(rec.event ? { event: rec.event } : {}),
            });
          emit(arb.status(rec, now));
        } else if (rec.type === 'odds.line') {
          if (!ctx.replayClock && now - rec.ts > maxAge) {
            ctx.log.limited('warn', 'stale-on-arrival', 'line already stale when it arrived (reading a recorded file? use --replay)', {
              src: `${where.source}:${where.line}`,
              age_ms: now - rec.ts,
              fallback_after_ms: maxAge,
            });
          }
          emit(arb.line(rec, now));
        }
        timer.schedule();
      },
    });
    timer.stop();
    ctx.summary.policy = arb.label;
    ctx.summary.arbitrate = { events: arb.eventCount, ...arb.counts, unavailable_now: arb.unavailableCount };
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
