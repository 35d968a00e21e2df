// Moving a simulator scenario in time (--shift-to-now, --shift-to TIME): every absolute
// time a scenario holds moves by ONE offset, so its relative timings stay exactly as
// written and the three simulators of a session agree with each other.
//
// A scenario names its own moment: its epoch (header "epoch"; for a Kalshi scenario
// without one, the ts of its first record). The offset takes the epoch to the target,
// rounded DOWN to whole minutes: BoltOdds' info.when has minute resolution, and a shifted
// scenario never claims a time later than the target (odds last updated 48 s before the
// scenario's moment are 48 s to 108 s old when it is played, never from the future).
//
// What moves: ISO instants (The Odds API's commence_time, last_update), BoltOdds' info.when
// (US Eastern wall time) and the date/hour of its game label, Kalshi close times, and the
// date (and HHMM, when present) of Kalshi event tickers, which is the game's US Eastern
// date: it is taken from the game's start (a sim.game record of the scenario), never guessed.
//
// Pure: times in, times out; no clock.
import { DateTime } from 'luxon';
import { ScenarioError } from './scenario.js';
import { EASTERN_ZONE, parseBoltWhen, parseInstant } from '../core/eventtime.js';

export class ShiftError extends ScenarioError {}

const MINUTE = 60_000;

/** The offset that takes `epoch` to `target`, in whole minutes, never past the target. */
export function shiftOffset(epoch: number, target: number): number {
  return Math.floor((target - epoch) / MINUTE) * MINUTE;
}

/** A shift target: epoch ms, or an ISO-8601 instant with a zone offset. */
export function parseShiftTarget(v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const p = parseInstant(v);
  if (!p.ok) throw new ShiftError(`expected epoch ms or an ISO-8601 time with an offset: ${p.detail}`);
  return p.ms;
}

/** A scenario's epoch as written in its header (ISO with offset, or epoch ms). */
export function parseEpoch(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const p = parseInstant(v);
    if (p.ok) return p.ms;
    throw new ShiftError(`${where}: epoch ${p.detail}`);
  }
  throw new ShiftError(`${where}: epoch must be epoch ms or an ISO-8601 time with an offset`);
}

/** An ISO instant moved by `offset`, in the same shape (fraction digits kept or left out). */
export function shiftIso(s: string, offset: number): string {
  const p = parseInstant(s);
  if (!p.ok) throw new ShiftError(`cannot shift "${s}": ${p.detail}`);
  const iso = new Date(p.ms + offset).toISOString();
  return /[.,]\d/.test(s) ? iso : iso.replace('.000Z', 'Z');
}

/** BoltOdds info.when ("2026-01-25, 08:00 PM", US Eastern) moved by `offset`. */
export function shiftBoltWhen(s: string, offset: number): string {
  const p = parseBoltWhen(s);
  if (!p.ok) throw new ShiftError(`cannot shift info.when "${s}": ${p.detail}`);
  if (/T/.test(s)) return shiftIso(s, offset);
  return DateTime.fromMillis(p.ms + offset, { zone: EASTERN_ZONE }).toFormat('yyyy-MM-dd, hh:mm a');
}

/** A BoltOdds game label's date and hour ("…, 2026-01-25, 08") set from the game's start. */
export function shiftBoltLabel(label: string, startMs: number): string {
  const m = /^(.*,\s*)\d{4}-\d{2}-\d{2}(,\s*)(\d{1,2})(\s*)$/.exec(label);
  if (!m) return label;
  const t = DateTime.fromMillis(startMs, { zone: EASTERN_ZONE });
  return `${m[1]}${t.toFormat('yyyy-MM-dd')}${m[2]}${t.toFormat(m[3]!.length === 2 ? 'hh' : 'h')}${m[4]}`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const EVENT_DATE_RE = /^([A-Z0-9]+-)(\d{2}[A-Z]{3}\d{2})(\d{4})?([A-Z]{4,6})$/;

/** The date part of a Kalshi event ticker for a game starting at `startMs` (US Eastern). */
function tickerDate(startMs: number, withTime: boolean): string {
  const t = DateTime.fromMillis(startMs, { zone: EASTERN_ZONE });
  return `${t.toFormat('yy')}${MONTHS[t.month - 1]}${t.toFormat('dd')}${withTime ? t.toFormat('HHmm') : ''}`;
}

/**
 * Kalshi event tickers re-dated for a shift: `starts` maps each event ticker to its game's
 * start (unshifted); the result maps old event tickers to new ones. An event ticker of a
 * game series without a known start cannot be re-dated: ShiftError.
 */
export function redateEventTickers(eventTickers: Iterable<string>, starts: ReadonlyMap<string, number>, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const ev of eventTickers) {
    const m = EVENT_DATE_RE.exec(ev);
    if (!m) continue; // not dated: nothing to move
    const start = starts.get(ev);
    if (start === undefined)
      throw new ShiftError(`event ${ev}: its ticker carries the game's date, and the scenario has no sim.game record with the game's start_ts to move it by`);
    out.set(ev, `${m[1]}${tickerDate(start + offset, m[3] !== undefined)}${m[4]}`);
  }
  return out;
}

/** A market or event ticker with its event part renamed (`KX…-26JAN25DENMEM-DEN`). */
export function renameTicker(ticker: string, renamed: ReadonlyMap<string, string>): string {
  const direct = renamed.get(ticker);
  if (direct !== undefined) return direct;
  const i = ticker.lastIndexOf('-');
  if (i > 0) {
    const ev = renamed.get(ticker.slice(0, i));
    if (ev !== undefined) return ev + ticker.slice(i);
  }
  return ticker;
}
