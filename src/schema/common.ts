// Building blocks shared by the record schemas (see ../shared/design/records.md).
// Money and Kalshi prices travel as JSON numbers with a bounded number of decimals;
// every check here is exact on the decimal grid, never a float comparison with slack.
import { z } from 'zod';

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

export const EVENT_ID_RE = /^(nba|nhl)-(\d{4})-(\d{2})-(\d{2})-([a-z]{2,5})-([a-z]{2,5})$/;
/** `<sport>-<YYYY-MM-DD>-<away>-<home>`, the date being the game's US Eastern date. */
export const eventId = z.string().regex(EVENT_ID_RE, 'event id <sport>-<YYYY-MM-DD>-<away>-<home>');

/** Decimal odds: finite and strictly greater than 1. */
export const decimalOdds = z.number().gt(1, 'decimal odds must be > 1');

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
export const contracts = z.number().positive().refine((x) => onGrid(x, 2), 'at most 2 decimals');
/** Non-negative contract count (filled / remaining may be 0). */
export const contractsOrZero = z.number().nonnegative().refine((x) => onGrid(x, 2), 'at most 2 decimals');

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
