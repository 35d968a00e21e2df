// Building blocks shared by the record schemas (see ../shared/design/records.md).
// Money and Kalshi prices travel as JSON numbers with a bounded number of decimals;
// every check here is exact on the decimal grid, never a float comparison with slack.
import { z } from 'zod';
import { EVENT_ID_RE, eventIdProblem } from '../core/event-id.js';
import { eventTickerProblem, marketTickerProblem } from '../core/kalshi-ticker.js';

export { EVENT_ID_RE };

/** Event time or receive time: integer epoch milliseconds, UTC. */
export const epochMs = z.number().int().nonnegative().max(8.64e15);

/** In scope: NBA and NHL game winners only (roadmap item 16 gates the rest). */
export const SPORTS = ['nba', 'nhl'] as const;
export const sport = z.enum(SPORTS);
export type Sport = z.infer<typeof sport>;

/** A feed or importer name: `boltodds`, `oddsapi`, `history`, ... */
export const SOURCE_RE = /^[a-z][a-z0-9_-]*$/;
export const sourceName = z.string().regex(SOURCE_RE, 'lowercase name ([a-z0-9_-])');

/** A sportsbook key, lowercase (`pinnacle`, `draftkings`, `consensus`). */
export const BOOK_RE = /^[a-z0-9][a-z0-9_.-]*$/;
export const bookName = z.string().regex(BOOK_RE, 'lowercase book key');

/** Lowercase team code as used in event ids (`den`, `mem`, `gs`, `utah`). */
export const teamCode = z.string().regex(/^[a-z]{2,5}$/, 'lowercase team code of 2-5 letters');

/**
 * `<sport>-<YYYY-MM-DD>-<away>-<home>`, the date being the game's US Eastern date: a real
 * calendar date, and two different canonical team codes of the sport (src/core/teams.ts).
 */
export const eventId = z
  .string()
  .regex(EVENT_ID_RE, 'event id <sport>-<YYYY-MM-DD>-<away>-<home>')
  .superRefine((id, ctx) => {
    if (!EVENT_ID_RE.test(id)) return; // the regex above has said it
    const problem = eventIdProblem(id);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: id });
  });

/**
 * A Kalshi market ticker of a game-winner series we trade (KXNBAGAME, KXNHLGAME: other
 * sports are gated, roadmap 16), of the form SERIES-YYMONDD[HHMM]AWAYHOME-TEAM with a real
 * date. Whether the letters are two known teams is left to the records that also name our
 * event (an unmapped market is reported by feed-kalshi, not malformed).
 */
export const kalshiTicker = z.string().superRefine((t, ctx) => {
  const problem = marketTickerProblem(t);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: t });
});

/** A Kalshi event ticker of a series we trade: SERIES-YYMONDD[HHMM]AWAYHOME with a real date. */
export const kalshiEventTicker = z.string().superRefine((t, ctx) => {
  const problem = eventTickerProblem(t);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: t });
});

/**
 * The largest decimal odds a record may carry: an implied probability of 0.0001, one tick
 * of Kalshi's finest price grid. No book quotes beyond it; 1e300 is a broken feed, not a price.
 */
export const MAX_DECIMAL_ODDS = 10_000;
/** Decimal odds: finite, strictly greater than 1 and at most MAX_DECIMAL_ODDS. */
export const decimalOdds = z
  .number()
  .gt(1, 'decimal odds must be > 1')
  .max(MAX_DECIMAL_ODDS, `decimal odds must be <= ${MAX_DECIMAL_ODDS} (implied probability 0.0001)`);

/**
 * How far p_home + p_away may be from 1 in an oracle.prob (and a devig.compare cell). De-vig
 * solves to 1e-12; 1e-6 leaves room for a producer that rounds to 7 decimals and still
 * rejects any pair that is not a probability distribution.
 */
export const PROB_SUM_TOLERANCE = 1e-6;

export const probability = z.number().min(0).max(1);

/** True when `x` has at most `dp` decimals (exact on the decimal grid). */
export function onGrid(x: number, dp: number): boolean {
  const scale = 10 ** dp;
  const scaled = x * scale;
  const rounded = Math.round(scaled);
  // A value with at most dp decimals maps within a few ulps of an integer.
  return Math.abs(scaled - rounded) <= Math.abs(scaled) * 4 * Number.EPSILON + 1e-9;
}

/** Kalshi price or money in dollars, at most 4 decimals. */
export const dollars = z.number().refine((x) => onGrid(x, 4), 'at most 4 decimals');
/** A YES price strictly inside (0, 1), at most 4 decimals. */
export const price = dollars.refine((x) => x > 0 && x < 1, 'price must be in (0, 1)');
/** Contract count: positive, at most 2 decimals. */
export const contracts = z
  .number()
  .positive()
  .refine((x) => onGrid(x, 2), 'at most 2 decimals');
/** Non-negative contract count (filled / remaining may be 0). */
export const contractsOrZero = z
  .number()
  .nonnegative()
  .refine((x) => onGrid(x, 2), 'at most 2 decimals');

export const yesNo = z.enum(['yes', 'no']);
export const homeAway = z.enum(['home', 'away']);

/** Book levels in YES terms: [[price, size], ...], best first. */
export const bookLevels = z.array(z.tuple([price, contracts]));

export const nonEmpty = z.string().min(1);

/**
 * Names of a record's time fields that are assumed, not observed (import-history: the
 * file has the game's date only). CLV and phase logic must not take them for real times.
 */
export const TIME_FIELDS = ['ts', 'commence_ts', 'home_ts', 'away_ts', 'line_ts'] as const;
export type TimeField = (typeof TIME_FIELDS)[number];
export const timeAssumed = z.array(z.enum(TIME_FIELDS)).min(1);
