// Historical moneylines -> odds.line and result records (import-history). Pure: one CSV
// row (as a column -> text map) in, records and findings out.
//
// The NBA file (../shared/data/nba-moneylines-2008-2025.csv, README beside it) holds one
// consensus closing moneyline per game in American odds, the final scores and the
// game's local date only. What is exact and what is a documented approximation:
//   - decimal odds: exact conversion from American (+A -> (A + 100)/100, -A -> (|A| + 100)/|A|,
//     one division of exact integers, so the nearest double to the true value);
//   - event id: <sport>-<date>-<away>-<home> with the file's date and canonical team codes;
//   - commence_ts: APPROXIMATE. The file has no start time; we use 19:00 America/New_York
//     on the game's date (most NBA games start 19:00-22:30 Eastern, so this is at or
//     before the true tip-off for nearly every game);
//   - odds.line ts (= home_ts = away_ts): commence_ts - 1 min, since the line is a closing line;
//   - result ts: commence_ts + 3 h (an NBA game lasts about 2 h 15 min), APPROXIMATE.
// Every assumed time is named in the record's `time_assumed` (odds.line: ts, commence_ts,
// home_ts, away_ts; result: ts), so CLV and phase logic never take them for observed times.
// Nothing is invented: a row without both moneylines gives no odds.line (its result is
// still real and kept), a price that is not American odds (|A| < 100, e.g. 8) is
// rejected, a tie gives no result, an unknown team code gives nothing.
import { DateTime } from 'luxon';
import type { Sport } from '../schema/common.js';
import type { OddsLine, Result } from '../schema/records.js';
import { makeEventId, teamByCode } from './teams.js';
import { americanToDecimal as toDecimal } from './odds.js';

export const HISTORY_SOURCE = 'history';
export const HISTORY_BOOK = 'consensus';
/** Assumed local start time of every game (the file has the date only). */
export const COMMENCE_LOCAL = { hour: 19, minute: 0 } as const;
export const COMMENCE_ZONE = 'America/New_York';
/** The closing line is stamped this long before commence_ts. */
export const LINE_BEFORE_COMMENCE_MS = 60_000;
/** The result is stamped this long after commence_ts. */
export const RESULT_AFTER_COMMENCE_MS = 3 * 3_600_000;

/** The assumed (not observed) times of the records this importer writes. */
export const LINE_TIMES_ASSUMED = ['ts', 'commence_ts', 'home_ts', 'away_ts'] as const;
export const RESULT_TIMES_ASSUMED = ['ts'] as const;

/** Columns the importer reads (the file has more). */
export const REQUIRED_COLUMNS = ['date', 'away', 'home', 'score_away', 'score_home', 'moneyline_away', 'moneyline_home'] as const;

export type Finding = 'unknown-team' | 'bad-date' | 'bad-score' | 'tied-score' | 'bad-price' | 'impossible-price' | 'duplicate-game';

export interface RowIssue {
  /** Reason, counted in the exit summary. */
  reason: Finding;
  detail: string;
}

export interface RowOutcome {
  odds?: OddsLine;
  result?: Result;
  /** A moneyline (one side or both) is empty: no odds.line, result kept. */
  missingMoneyline: boolean;
  /** Implied probabilities summing below 1 (a real line; de-vig decides per method). */
  underRound?: number;
  /** Problems that cost this row its odds.line or its result (or both). */
  issues: RowIssue[];
}

export type American = { ok: true; value: number; decimal: number } | { ok: false; reason: 'bad-price' | 'impossible-price'; detail: string };

/** American odds text -> exact decimal odds. |A| >= 100 (A = ±100 both mean even money). */
export function americanToDecimal(text: string): American {
  const t = text.trim();
  if (!/^[+-]?\d+(\.\d+)?$/.test(t)) return { ok: false, reason: 'bad-price', detail: `"${text}" is not a number` };
  const a = Number(t);
  if (Math.abs(a) < 100) return { ok: false, reason: 'impossible-price', detail: `${t} is not American odds (|A| must be >= 100)` };
  return { ok: true, value: a, decimal: toDecimal(a) };
}

/** 19:00 America/New_York on an ISO date, as epoch ms, or undefined for a bad date. */
export function commenceOf(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const dt = DateTime.fromISO(date, { zone: COMMENCE_ZONE }).set({ ...COMMENCE_LOCAL, second: 0, millisecond: 0 });
  if (!dt.isValid || dt.toISODate() !== date) return undefined;
  return dt.toMillis();
}

function score(text: string | undefined): number | undefined {
  const t = (text ?? '').trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Turn one row of the history file into records. `line` is the row's line in the file (for `raw`). */
export function historyRow(sport: Sport, row: Readonly<Record<string, string | undefined>>, line: number): RowOutcome {
  const out: RowOutcome = { missingMoneyline: false, issues: [] };
  const date = (row.date ?? '').trim();
  const away = teamByCode(sport, (row.away ?? '').trim());
  const home = teamByCode(sport, (row.home ?? '').trim());
  if (!away || !home || away === home) {
    const which = !away ? `away "${row.away ?? ''}"` : !home ? `home "${row.home ?? ''}"` : `home and away are both ${home.code}`;
    out.issues.push({ reason: 'unknown-team', detail: `team code ${which} not in the ${sport} team table` });
    return out;
  }
  const commence = commenceOf(date);
  if (commence === undefined) {
    out.issues.push({ reason: 'bad-date', detail: `date "${date}" is not a valid YYYY-MM-DD` });
    return out;
  }
  const event = makeEventId(sport, date, away, home);
  const game = { sport, event, home: home.name, away: away.name, commence_ts: commence };

  // The line.
  const mlAway = (row.moneyline_away ?? '').trim();
  const mlHome = (row.moneyline_home ?? '').trim();
  if (mlAway === '' || mlHome === '') {
    out.missingMoneyline = true;
  } else {
    const a = americanToDecimal(mlAway);
    const h = americanToDecimal(mlHome);
    const bad = !a.ok ? { side: 'away', r: a } : !h.ok ? { side: 'home', r: h } : undefined;
    if (bad && !bad.r.ok) {
      out.issues.push({ reason: bad.r.reason, detail: `moneyline_${bad.side}: ${bad.r.detail}; no odds.line for ${event}` });
    } else if (a.ok && h.ok) {
      const ts = commence - LINE_BEFORE_COMMENCE_MS;
      out.odds = {
        type: 'odds.line',
        ts,
        source: HISTORY_SOURCE,
        book: HISTORY_BOOK,
        ...game,
        home_odds: h.decimal,
        away_odds: a.decimal,
        home_ts: ts,
        away_ts: ts,
        raw: { line, moneyline_home: h.value, moneyline_away: a.value },
        time_assumed: [...LINE_TIMES_ASSUMED],
      };
      const booksum = 1 / h.decimal + 1 / a.decimal;
      if (booksum < 1) out.underRound = booksum;
    }
  }

  // The result.
  const sh = score(row.score_home);
  const sa = score(row.score_away);
  if (sh === undefined || sa === undefined) {
    out.issues.push({
      reason: 'bad-score',
      detail: `scores "${row.score_away ?? ''}"-"${row.score_home ?? ''}" (away-home) are not whole numbers; no result for ${event}`,
    });
  } else if (sh === sa) {
    out.issues.push({ reason: 'tied-score', detail: `equal scores ${sa}-${sh} (impossible in the ${sport.toUpperCase()}); no result for ${event}` });
  } else {
    out.result = {
      type: 'result',
      ts: commence + RESULT_AFTER_COMMENCE_MS,
      sport,
      event,
      winner: sh > sa ? 'home' : 'away',
      home_score: sh,
      away_score: sa,
      time_assumed: [...RESULT_TIMES_ASSUMED],
    };
  }
  return out;
}

export interface ImportCounts {
  rows: number;
  odds_lines: number;
  results: number;
  missing_moneyline: number;
  under_round: number;
  /** Rows with a problem, by reason (a row can lose its line and keep its result). */
  issues: Record<string, number>;
}

/**
 * A whole file's import: rows in file order, duplicate games refused (the same event id
 * twice would be two closing lines and two results for one game), records out sorted by
 * ts (stable), so the stream can drive --replay downstream.
 */
export class HistoryImport {
  readonly counts: ImportCounts = { rows: 0, odds_lines: 0, results: 0, missing_moneyline: 0, under_round: 0, issues: {} };
  private readonly seen = new Map<string, number>();
  private readonly out: Array<OddsLine | Result> = [];

  constructor(readonly sport: Sport) {}

  /** One row; returns its outcome (issues included) after counting it. */
  row(row: Readonly<Record<string, string | undefined>>, line: number): RowOutcome {
    this.counts.rows++;
    const o = historyRow(this.sport, row, line);
    const event = o.odds?.event ?? o.result?.event;
    if (event !== undefined) {
      const first = this.seen.get(event);
      if (first !== undefined) {
        const dup: RowOutcome = {
          missingMoneyline: false,
          issues: [{ reason: 'duplicate-game', detail: `${event} already imported from line ${first}; row skipped` }],
        };
        this.count(dup);
        return dup;
      }
      this.seen.set(event, line);
    }
    this.count(o);
    if (o.odds) this.out.push(o.odds);
    if (o.result) this.out.push(o.result);
    return o;
  }

  /** Every record, sorted by ts (ties keep file order). */
  records(): Array<OddsLine | Result> {
    return this.out
      .map((r, i) => ({ r, i }))
      .sort((x, y) => x.r.ts - y.r.ts || x.i - y.i)
      .map((x) => x.r);
  }

  private count(o: RowOutcome): void {
    const c = this.counts;
    if (o.odds) c.odds_lines++;
    if (o.result) c.results++;
    if (o.missingMoneyline) c.missing_moneyline++;
    if (o.underRound !== undefined) c.under_round++;
    for (const i of o.issues) c.issues[i.reason] = (c.issues[i.reason] ?? 0) + 1;
  }
}
