// Hand-written checks for the record types on the oracle's hot path (odds.line,
// oracle.line, oracle.prob). Each one accepts a value only if its zod schema in
// records.ts would accept it unchanged; anything it is unsure of is left to zod, which
// also writes the diagnostic. The decoder tries these first: zod's loose objects copy
// every record, which costs a third of a de-vig stage's time. test/schema/fast.test.ts
// checks agreement with zod on valid records and on thousands of mutations of them.
// A change to one of these schemas must be made here too (or the entry removed).
import { BOOK_RE, EVENT_ID_RE, MAX_DECIMAL_ODDS, PROB_SUM_TOLERANCE, SOURCE_RE, TIME_FIELDS } from './common.js';
import { DEVIG_METHODS, type RecordType } from './records.js';
import { eventIdProblem } from '../core/event-id.js';
import { marketTickerProblem } from '../core/kalshi-ticker.js';
import { onGrid } from './common.js';

type Obj = Record<string, unknown>;

const epochMs = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= 8.64e15;
const optEpochMs = (x: unknown): boolean => x === undefined || epochMs(x);
const str = (x: unknown): x is string => typeof x === 'string';
const nonEmpty = (x: unknown): boolean => str(x) && x.length > 0;
const source = (x: unknown): boolean => str(x) && SOURCE_RE.test(x);
const book = (x: unknown): boolean => str(x) && BOOK_RE.test(x);
const sport = (x: unknown): boolean => x === 'nba' || x === 'nhl';
/** A meaningful id (real date, known teams: memoised) of this record's sport. */
const event = (x: unknown, sp: unknown): boolean => str(x) && EVENT_ID_RE.test(x) && x.startsWith(sp as string) && eventIdProblem(x) === undefined;
const odds = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 1 && x <= MAX_DECIMAL_ODDS;
const prob = (x: unknown): boolean => typeof x === 'number' && x >= 0 && x <= 1;
const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
const method = (x: unknown): boolean => str(x) && (DEVIG_METHODS as readonly string[]).includes(x);

function optTimeAssumed(x: unknown): boolean {
  if (x === undefined) return true;
  if (!Array.isArray(x) || x.length === 0) return false;
  for (const f of x) if (!(TIME_FIELDS as readonly unknown[]).includes(f)) return false;
  return true;
}

function books(x: unknown): boolean {
  if (!Array.isArray(x) || x.length === 0) return false;
  for (const b of x) if (!book(b)) return false;
  return true;
}

function optWeights(x: unknown): boolean {
  if (x === undefined) return true;
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  for (const k of Object.keys(x)) {
    const w = (x as Obj)[k];
    if (!book(k) || typeof w !== 'number' || !(w > 0 && w <= 1)) return false;
  }
  return true;
}

function game(v: Obj): boolean {
  return (
    epochMs(v.ts) &&
    optEpochMs(v.recv_ts) &&
    source(v.source) &&
    sport(v.sport) &&
    event(v.event, v.sport) &&
    nonEmpty(v.home) &&
    nonEmpty(v.away) &&
    epochMs(v.commence_ts) &&
    optTimeAssumed(v.time_assumed)
  );
}

// The Kalshi market data: what quote reads most (a book per delta, a trade per print).
const nonNegInt = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const optNonNegInt = (x: unknown): boolean => x === undefined || nonNegInt(x);
const ticker = (x: unknown): boolean => str(x) && marketTickerProblem(x) === undefined;
const price = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0 && x < 1 && onGrid(x, 4);
const contracts = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0 && onGrid(x, 2);

function levels(x: unknown): boolean {
  if (!Array.isArray(x)) return false;
  for (const l of x) if (!Array.isArray(l) || l.length !== 2 || !price(l[0]) || !contracts(l[1])) return false;
  return true;
}

export const FAST_CHECKS: Partial<Record<RecordType, (v: Obj) => boolean>> = {
  'kalshi.book': (v) =>
    epochMs(v.ts) &&
    optEpochMs(v.recv_ts) &&
    ticker(v.ticker) &&
    nonNegInt(v.seq) &&
    optNonNegInt(v.sid) &&
    levels(v.bids) &&
    levels(v.asks) &&
    optEpochMs(v.exch_ts),
  'kalshi.trade': (v) =>
    epochMs(v.ts) &&
    optEpochMs(v.recv_ts) &&
    ticker(v.ticker) &&
    nonEmpty(v.trade_id) &&
    price(v.price) &&
    contracts(v.count) &&
    (v.taker_side === 'yes' || v.taker_side === 'no') &&
    optEpochMs(v.exch_ts),
  'odds.line': (v) => game(v) && book(v.book) && odds(v.home_odds) && odds(v.away_odds) && epochMs(v.home_ts) && epochMs(v.away_ts),
  'oracle.line': (v) =>
    game(v) && nonEmpty(v.policy) && books(v.books) && optWeights(v.weights) && optEpochMs(v.line_ts) && odds(v.home_odds) && odds(v.away_odds),
  'oracle.prob': (v) =>
    game(v) &&
    (v.policy === undefined || nonEmpty(v.policy)) &&
    books(v.books) &&
    optWeights(v.weights) &&
    optEpochMs(v.line_ts) &&
    method(v.method) &&
    prob(v.p_home) &&
    prob(v.p_away) &&
    Math.abs((v.p_home as number) + (v.p_away as number) - 1) <= PROB_SUM_TOLERANCE &&
    finite(v.overround) &&
    (v.param === undefined || finite(v.param)),
};
