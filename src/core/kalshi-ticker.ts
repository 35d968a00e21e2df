// Kalshi game-winner tickers to our ids (records.md `event`, `market.link`).
//
//   event ticker   KXNBAGAME-26JAN25DENMEM       {SERIES}-{YY}{MON}{DD}[HHMM]{AWAY}{HOME}
//   market ticker  KXNBAGAME-26JAN25DENMEM-DEN   {EVENT}-{TEAM}: YES = that team wins
//
// The date is the game's US Eastern date (our event id uses it as is); the optional HHMM
// start time (seen in a fixture, UNCERTAIN for NBA/NHL) is kept but not part of the id.
// Team codes are 2-3 letters concatenated without a separator, away first (observed from
// titles, UNCERTAIN as a rule). The split is found with the team table: every split into
// two known codes of the sport is a candidate; the market's own team suffix must be one
// of the two. No candidate, or more than one, is reported: nothing is guessed.
import type { Sport } from '../schema/common.js';
import { isCalendarDate } from './event-id.js';
import { makeEventId, teamByCode, type Team } from './teams.js';

export const GAME_SERIES: Readonly<Record<string, Sport>> = { KXNBAGAME: 'nba', KXNHLGAME: 'nhl' };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

export type TickerProblem =
  | 'bad-format' // not SERIES-YYMONDD[HHMM]TEAMS[-TEAM]
  | 'unknown-series' // a series other than KXNBAGAME / KXNHLGAME
  | 'bad-date' // no such calendar date, or a bad HHMM
  | 'unknown-team' // no split of the letters into two known team codes
  | 'ambiguous-teams' // more than one split fits
  | 'unknown-yes-team'; // the market suffix is neither of the two teams

export interface ParsedEvent {
  series: string;
  sport: Sport;
  eventTicker: string;
  /** YYYY-MM-DD, the US Eastern date of the game. */
  date: string;
  /** HHMM when the ticker carries a start time. */
  time?: string;
  away: Team;
  home: Team;
  /** Our event id: `<sport>-<YYYY-MM-DD>-<away>-<home>`. */
  event: string;
}

export interface ParsedMarket extends ParsedEvent {
  ticker: string;
  /** The team the YES side wins on. */
  yesTeam: Team;
  side: 'home' | 'away';
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: TickerProblem; detail: string };

const EVENT_RE = /^([A-Z0-9]+)-(\d{2})([A-Z]{3})(\d{2})(\d{4})?([A-Z]{4,6})$/;

export type TeamLookup = (sport: Sport, code: string) => Team | undefined;

/**
 * An event ticker (`KXNBAGAME-26JAN25DENMEM`); `yesCode` narrows an ambiguous split.
 * `lookup` is the team table (tests give a synthetic one).
 */
export function parseEventTicker(eventTicker: string, yesCode?: string, lookup: TeamLookup = teamByCode): ParseResult<ParsedEvent> {
  const head = parseHead(eventTicker);
  if (!head.ok) return head;
  const { series, sport, year, month, day, hhmm, letters } = head.value;
  const candidates: Array<[Team, Team]> = [];
  for (let k = 2; k <= 3; k++) {
    const a = letters.slice(0, k);
    const h = letters.slice(k);
    if (h.length < 2 || h.length > 3) continue;
    const away = lookup(sport, a);
    const home = lookup(sport, h);
    if (away && home && away !== home) candidates.push([away, home]);
  }
  let fits = candidates;
  if (yesCode !== undefined && fits.length > 1) {
    const yes = lookup(sport, yesCode);
    fits = fits.filter(([a, h]) => yes !== undefined && (a === yes || h === yes));
  }
  if (fits.length === 0) return fail('unknown-team', `${eventTicker}: ${letters} is not two known ${sport.toUpperCase()} team codes`);
  if (fits.length > 1) {
    const alts = fits.map(([a, h]) => `${a.code}@${h.code}`).join(' or ');
    return fail('ambiguous-teams', `${eventTicker}: ${letters} splits as ${alts}`);
  }
  const [away, home] = fits[0]!;
  const date = `${year}-${pad(month)}-${pad(day)}`;
  return {
    ok: true,
    value: {
      series,
      sport,
      eventTicker,
      date,
      ...(hhmm !== undefined ? { time: hhmm } : {}),
      away,
      home,
      event: makeEventId(sport, date, away, home),
    },
  };
}

interface Head {
  series: string;
  sport: Sport;
  year: number;
  month: number;
  day: number;
  hhmm: string | undefined;
  letters: string;
}

/** Series, date and team letters of an event ticker: everything but the team split. */
function parseHead(eventTicker: string): ParseResult<Head> {
  const m = EVENT_RE.exec(eventTicker);
  if (!m) return fail('bad-format', `${eventTicker}: expected SERIES-YYMONDD[HHMM]AWAYHOME`);
  const [, series, yy, mon, dd, hhmm, letters] = m as unknown as [string, string, string, string, string, string | undefined, string];
  const sport = GAME_SERIES[series];
  if (!sport) return fail('unknown-series', `${eventTicker}: series ${series} is not a game-winner series we trade (${Object.keys(GAME_SERIES).join(', ')})`);
  const month = MONTHS.indexOf(mon as (typeof MONTHS)[number]) + 1;
  const year = 2000 + Number(yy);
  const day = Number(dd);
  if (!isCalendarDate(year, month, day)) return fail('bad-date', `${eventTicker}: no date ${yy}${mon}${dd}`);
  if (hhmm !== undefined && (Number(hhmm.slice(0, 2)) > 23 || Number(hhmm.slice(2)) > 59)) return fail('bad-date', `${eventTicker}: bad start time ${hhmm}`);
  return { ok: true, value: { series, sport, year, month, day, hhmm, letters } };
}

const MARKET_SUFFIX_RE = /^[A-Z]{2,3}$/;

/**
 * Why a market ticker cannot be one of ours, or undefined when it can: the form
 * EVENT-TEAM, a game-winner series we trade (NBA/NHL, roadmap 16) and a real date. The
 * team split is not checked here: a ticker whose letters are not two known codes is a
 * real market we report as unmapped (feed-kalshi's skip), not a malformed record; records
 * that name our event as well check the full mapping (parseMarketTicker). Memoised.
 */
export function marketTickerProblem(ticker: string): string | undefined {
  return memoised(marketMemo, ticker, () => {
    const i = ticker.lastIndexOf('-');
    if (i <= 0 || ticker.indexOf('-') === i) return `${ticker}: expected SERIES-YYMONDD[HHMM]AWAYHOME-TEAM`;
    if (!MARKET_SUFFIX_RE.test(ticker.slice(i + 1))) return `${ticker}: team suffix ${ticker.slice(i + 1)} is not 2-3 capital letters`;
    const h = parseHead(ticker.slice(0, i));
    return h.ok ? undefined : h.detail;
  });
}

/** As marketTickerProblem, for an event ticker (`KXNBAGAME-26JAN25DENMEM`). Memoised. */
export function eventTickerProblem(eventTicker: string): string | undefined {
  return memoised(eventMemo, eventTicker, () => {
    const h = parseHead(eventTicker);
    return h.ok ? undefined : h.detail;
  });
}

/** parseMarketTicker with the team table, memoised (the schemas check every fill's ticker against its event). */
export function parseMarketTickerMemo(ticker: string): ParseResult<ParsedMarket> {
  const hit = parsedMemo.get(ticker);
  if (hit !== undefined) return hit;
  const r = parseMarketTicker(ticker);
  if (ticker.length <= MEMO_KEY_MAX) {
    if (parsedMemo.size >= MEMO_MAX) parsedMemo.clear();
    parsedMemo.set(ticker, r);
  }
  return r;
}

const MEMO_MAX = 4096;
/** Real tickers are about 30 characters; longer strings are checked but not remembered. */
const MEMO_KEY_MAX = 48;
const marketMemo = new Map<string, string | null>();
const eventMemo = new Map<string, string | null>();
const parsedMemo = new Map<string, ParseResult<ParsedMarket>>();

function memoised(memo: Map<string, string | null>, key: string, compute: () => string | undefined): string | undefined {
  const hit = memo.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const answer = compute();
  if (key.length <= MEMO_KEY_MAX) {
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(key, answer ?? null);
  }
  return answer;
}

/** A market ticker (`KXNBAGAME-26JAN25DENMEM-DEN`): the event plus the YES team and side. */
export function parseMarketTicker(ticker: string, lookup: TeamLookup = teamByCode): ParseResult<ParsedMarket> {
  const i = ticker.lastIndexOf('-');
  if (i <= 0 || ticker.indexOf('-') === i) return fail('bad-format', `${ticker}: expected EVENT-TEAM`);
  const eventTicker = ticker.slice(0, i);
  const code = ticker.slice(i + 1);
  if (!/^[A-Z]{2,3}$/.test(code)) return fail('bad-format', `${ticker}: team suffix ${code} is not 2-3 letters`);
  const ev = parseEventTicker(eventTicker, code, lookup);
  if (!ev.ok) return ev;
  const yes = lookup(ev.value.sport, code);
  let side: 'home' | 'away' | undefined;
  if (yes === ev.value.home) side = 'home';
  else if (yes === ev.value.away) side = 'away';
  if (!yes || !side) return fail('unknown-yes-team', `${ticker}: ${code} is neither ${ev.value.away.code} nor ${ev.value.home.code}`);
  return { ok: true, value: { ...ev.value, ticker, yesTeam: yes, side } };
}

/** The series of a ticker (the part before the first dash). */
export function seriesOf(ticker: string): string {
  const i = ticker.indexOf('-');
  return i < 0 ? ticker : ticker.slice(0, i);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fail(problem: TickerProblem, detail: string): { ok: false; problem: TickerProblem; detail: string } {
  return { ok: false, problem, detail };
}
