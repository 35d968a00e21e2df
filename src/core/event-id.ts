// Our event id, `<sport>-<YYYY-MM-DD>-<away>-<home>` (records.md), read back and checked
// for meaning: a real calendar date, two different canonical team codes of that sport
// (src/core/teams.ts). The schemas call eventIdProblem() on every id; ids repeat in a
// stream (one game, thousands of lines), so answers are memoised in a bounded table.
import type { Sport } from '../schema/common.js';
import { teamByCode, type Team } from './teams.js';

export const EVENT_ID_RE = /^(nba|nhl)-(\d{4})-(\d{2})-(\d{2})-([a-z]{2,5})-([a-z]{2,5})$/;

export interface ParsedEventId {
  sport: Sport;
  /** YYYY-MM-DD (the game's US Eastern date). */
  date: string;
  away: Team;
  home: Team;
}

export type EventIdResult = { ok: true; value: ParsedEventId } | { ok: false; detail: string };

/** Days in month m (1-12) of the proleptic Gregorian year y. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True when YYYY, MM, DD name a day that exists (2026-02-30 does not). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  return Number.isInteger(y) && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

/** Read an event id; every problem is named (bad form, no such date, unknown team, one team twice). */
export function parseEventId(id: string): EventIdResult {
  const m = EVENT_ID_RE.exec(id);
  if (!m) return { ok: false, detail: `"${id}" is not <sport>-<YYYY-MM-DD>-<away>-<home>` };
  const [, sportText, yy, mm, dd, awayCode, homeCode] = m as unknown as [string, Sport, string, string, string, string, string];
  const sport = sportText;
  if (!isCalendarDate(Number(yy), Number(mm), Number(dd))) return { ok: false, detail: `no date ${yy}-${mm}-${dd}` };
  const away = teamByCode(sport, awayCode);
  const home = teamByCode(sport, homeCode);
  // Ids carry canonical codes only: an alias ("gs", "utah") is how a source spells it, not an id.
  if (!away || away.code !== awayCode) return { ok: false, detail: `away team "${awayCode}" is not a ${sport.toUpperCase()} team code (see the team table)` };
  if (!home || home.code !== homeCode) return { ok: false, detail: `home team "${homeCode}" is not a ${sport.toUpperCase()} team code (see the team table)` };
  if (away === home) return { ok: false, detail: `"${awayCode}" cannot play itself` };
  return { ok: true, value: { sport, date: `${yy}-${mm}-${dd}`, away, home } };
}

const MEMO_MAX = 4096;
/** The longest valid id is 26 characters. */
const MEMO_KEY_MAX = 32;
const memo = new Map<string, string | null>();

/** Why `id` is not a meaningful event id, or undefined when it is one. Memoised. */
export function eventIdProblem(id: string): string | undefined {
  const hit = memo.get(id);
  if (hit !== undefined) return hit ?? undefined;
  const r = parseEventId(id);
  const answer = r.ok ? null : r.detail;
  if (id.length > MEMO_KEY_MAX) return answer ?? undefined; // never a valid id: not worth a slot
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(id, answer);
  return answer ?? undefined;
}

/** The sport prefix of a well-formed id (`nba-...` -> `nba`). */
export function sportOfEventId(id: string): string {
  const i = id.indexOf('-');
  return i < 0 ? id : id.slice(0, i);
}
