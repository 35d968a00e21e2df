// Every time a source sends us goes through this module (roadmap item 10). Rules:
//
// - Instants with an explicit zone: ISO-8601 with `Z` or a numeric offset (`+00:00`,
//   `-0500`, `+00`), `T` or one space between date and time, seconds optional, any number
//   of fraction digits. Parsed exactly to the millisecond; digits past the third are
//   TRUNCATED (…07.118999 is .118: the instant is never moved later than the source said).
//   A string without an offset is refused (`no-offset`): a naive time is only accepted
//   where a source's zone is documented, through the function named for that source.
// - BoltOdds `info.when` ("2026-01-22, 10:30 PM") is a US Eastern wall time: it is mapped
//   through the America/New_York rules of the tz database (luxon), never a fixed offset.
//   A wall time that does not exist (the spring-forward hour, 02:00–02:59 on the second
//   Sunday of March) is refused (`nonexistent-local-time`). A wall time that occurs twice
//   (01:00–01:59 on the first Sunday of November) maps to the EARLIER instant (EDT,
//   -04:00) and is flagged `ambiguous`: for pregame gating the earlier start is the safe
//   side (pricing stops sooner, never later, than the real start).
// - The hour suffix of a BoltOdds game label ("…, 2026-01-22, 22") is never read as a
//   time: it is 12-hour without AM/PM in some captures. gameLabelDate() returns only the
//   label's date, for cross-checks.
// - Event ids carry the game's US Eastern calendar date: easternDate(commence_ts). A 7:30 PM
//   ET game is the next day in UTC; its id keeps the Eastern date.
//
// Pure: luxon's zone data and arithmetic only; no clock.
import { DateTime } from 'luxon';
import { excerpt } from './text.js';
import type { TimeField } from '../schema/common.js';

export const EASTERN_ZONE = 'America/New_York';

export type TimeError = 'missing' | 'unparseable' | 'no-offset' | 'invalid-date' | 'nonexistent-local-time' | 'out-of-range';

export type TimeParse = { ok: true; ms: number; ambiguous: boolean } | { ok: false; reason: TimeError; detail: string };

const ISO_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;
const NAIVE_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;
const EASTERN_WHEN_RE = /^(\d{4})-(\d{2})-(\d{2}),\s*(\d{1,2}):(\d{2})\s*([AaPp][Mm])$/;
const LABEL_DATE_RE = /,\s*(\d{4}-\d{2}-\d{2}),\s*\d{1,2}\s*$/;

/** Largest instant accepted: year 9999 (records are integer epoch ms, non-negative). */
const MAX_MS = 253402300799999;

function fail(reason: TimeError, detail: string): TimeParse {
  return { ok: false, reason, detail };
}

// Frames within one second share their date/time/offset prefix: the luxon parse of that
// prefix is cached, the fraction is added exactly. A tiny bounded cache.
const prefixCache = new Map<string, number | null>();
const PREFIX_CACHE_MAX = 256;

/**
 * An instant from an ISO-8601 string with `Z` or a numeric offset: integer epoch ms,
 * sub-millisecond digits truncated.
 */
export function parseInstant(s: unknown): TimeParse {
  if (s === undefined || s === null || s === '') return fail('missing', 'no time given');
  if (typeof s !== 'string') return fail('unparseable', `expected a string, got ${typeof s}`);
  const m = ISO_RE.exec(s);
  if (!m) {
    if (NAIVE_RE.test(s)) return fail('no-offset', `"${excerpt(s, 60)}" has no zone offset`);
    return fail('unparseable', `"${excerpt(s, 60)}" is not an ISO-8601 time with an offset`);
  }
  const [, date, hh, mm, ss, frac, off] = m as unknown as [string, string, string, string, string | undefined, string | undefined, string];
  const offset = off === 'z' ? 'Z' : off;
  const prefix = `${date}T${hh}:${mm}:${ss ?? '00'}${offset}`;
  let base = prefixCache.get(prefix);
  if (base === undefined) {
    const dt = DateTime.fromISO(prefix, { setZone: true });
    base = dt.isValid ? dt.toMillis() : null;
    if (prefixCache.size >= PREFIX_CACHE_MAX) prefixCache.clear();
    prefixCache.set(prefix, base);
  }
  if (base === null) return fail('invalid-date', `"${excerpt(s, 60)}" is not a real date/time`);
  const ms = base + (frac ? Number((frac + '00').slice(0, 3)) : 0);
  if (ms < 0 || ms > MAX_MS) return fail('out-of-range', `"${excerpt(s, 60)}" is outside 1970..9999`);
  return { ok: true, ms, ambiguous: false };
}

/** Offset of `zone` at instant `ms`, in minutes (luxon's tz database). */
function offsetAt(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/**
 * The instants at which the clocks of `zone` show this wall time: none (a gap), one, or
 * two (a repeated hour), earliest first.
 */
export function wallTimeInstants(y: number, mo: number, d: number, h: number, mi: number, zone: string): number[] {
  const wall = Date.UTC(y, mo - 1, d, h, mi); // the wall reading, as if it were UTC
  const offsets = new Set([offsetAt(wall - 86_400_000, zone), offsetAt(wall + 86_400_000, zone)]);
  const out: number[] = [];
  for (const o of offsets) {
    const instant = wall - o * 60_000;
    if (offsetAt(instant, zone) === o) out.push(instant);
  }
  return out.sort((a, b) => a - b);
}

const whenCache = new Map<string, TimeParse>();

/**
 * A US Eastern wall time "YYYY-MM-DD, hh:mm AM/PM" (BoltOdds info.when) as an instant.
 * A nonexistent wall time is refused; an ambiguous one maps to the earlier instant.
 */
export function parseEasternWallTime(s: unknown): TimeParse {
  if (s === undefined || s === null || s === '') return fail('missing', 'no time given');
  if (typeof s !== 'string') return fail('unparseable', `expected a string, got ${typeof s}`);
  const hit = whenCache.get(s);
  if (hit) return hit;
  const r = parseEasternUncached(s);
  if (whenCache.size >= PREFIX_CACHE_MAX) whenCache.clear();
  whenCache.set(s, r);
  return r;
}

function parseEasternUncached(s: string): TimeParse {
  const m = EASTERN_WHEN_RE.exec(s.trim());
  if (!m) return fail('unparseable', `"${excerpt(s, 60)}" is not "YYYY-MM-DD, hh:mm AM/PM"`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h12 = Number(m[4]);
  const mi = Number(m[5]);
  const pm = m[6]!.toUpperCase() === 'PM';
  if (h12 < 1 || h12 > 12 || mi > 59) return fail('invalid-date', `"${excerpt(s, 60)}": hour must be 1..12 and minute 0..59`);
  const cal = DateTime.fromObject({ year: y, month: mo, day: d }, { zone: 'UTC' });
  if (!cal.isValid) return fail('invalid-date', `"${excerpt(s, 60)}" is not a real date`);
  const h = (h12 % 12) + (pm ? 12 : 0);
  const instants = wallTimeInstants(y, mo, d, h, mi, EASTERN_ZONE);
  if (instants.length === 0) {
    return fail('nonexistent-local-time', `"${excerpt(s, 60)}" does not exist in ${EASTERN_ZONE} (clocks spring forward)`);
  }
  return { ok: true, ms: instants[0]!, ambiguous: instants.length > 1 };
}

/**
 * BoltOdds `info.when`: the documented Eastern wall-time format; an ISO string with an
 * explicit offset is accepted too (an exact instant), in case a source sends one.
 */
export function parseBoltWhen(s: unknown): TimeParse {
  if (typeof s === 'string' && EASTERN_WHEN_RE.test(s.trim())) return parseEasternWallTime(s);
  const iso = parseInstant(s);
  if (iso.ok || iso.reason === 'missing' || iso.reason === 'invalid-date' || iso.reason === 'out-of-range') return iso;
  return fail('unparseable', `"${excerpt(String(s), 60)}" is neither "YYYY-MM-DD, hh:mm AM/PM" (US Eastern) nor ISO-8601 with an offset`);
}

/** The Eastern day last asked for: [start, end) in epoch ms and its date (most calls fall in it). */
let lastDay: { start: number; end: number; date: string } | undefined;

/** The US Eastern calendar date (YYYY-MM-DD) of an instant: the date in event ids. */
export function easternDate(ms: number): string {
  if (lastDay && ms >= lastDay.start && ms < lastDay.end) return lastDay.date;
  const t = DateTime.fromMillis(ms, { zone: EASTERN_ZONE });
  const start = t.startOf('day');
  // The day's real length (23 or 25 hours on the DST changes), from luxon, not assumed.
  lastDay = { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis(), date: t.toFormat('yyyy-MM-dd') };
  return lastDay.date;
}

/** The date of a BoltOdds game label ("Home vs Away, 2026-01-22, 22"); the hour suffix is ignored. */
export function gameLabelDate(label: string): string | undefined {
  return LABEL_DATE_RE.exec(label)?.[1];
}

/** An instant as ISO-8601 UTC with milliseconds and `Z` (for the simulators and logs). */
export function isoUtc(ms: number): string {
  return DateTime.fromMillis(ms, { zone: 'UTC' }).toISO({ suppressMilliseconds: false }) ?? '';
}

/**
 * The assumed (not observed) times of a record that carry into a record derived from it
 * which has only the time fields `kept` (devig: an odds.line's assumed ts and commence_ts
 * become the oracle.prob's). Undefined when none carries over.
 */
export function assumedTimesKept(assumed: readonly TimeField[] | undefined, kept: readonly TimeField[]): TimeField[] | undefined {
  if (assumed === undefined) return undefined;
  const out = assumed.filter((f) => kept.includes(f));
  return out.length ? out : undefined;
}
