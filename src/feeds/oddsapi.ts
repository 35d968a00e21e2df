// The Odds API v4 client (the control oracle): polls /v4/sports/{sport}/odds (h2h, decimal
// odds, ISO dates) and, with --scores, /scores; one odds.line per event and book, with
// home_ts/away_ts from the h2h market's last_update; result records for completed games.
//
// Failure semantics (roadmap item 3): 401 (MISSING_KEY, INVALID_KEY, DEACTIVATED_KEY ->
// auth; OUT_OF_USAGE_CREDITS -> quota), 403 (denied), an empty payload (empty), a payload
// without the h2h market (parse), 429 (quota) and 5xx or network failures (disconnected)
// after retries: an oracle.status unavailable with the reason, one critical log line, and
// no odds for the affected events. Prices come from the payload only: an event or book
// whose price, names or times do not check out is reported and left out, never filled in.
// Polling adapts to the phase of each sport and stays inside the credit budget
// (src/core/polling.ts); after auth or quota failures it probes the free /v4/sports
// endpoint slowly until the key works again.
import type { Clock, TimerHandle } from '../clock/clock.js';
import { StatusTracker, type OracleReason } from '../core/availability.js';
import { easternDate, parseInstant } from '../core/eventtime.js';
import { parseDecimalOdds } from '../core/odds.js';
import { jitteredBackoff } from '../core/backoff.js';
import { CreditBudget, phaseOf, type Phase } from '../core/polling.js';
import { makeEventId, teamByName, type Team } from '../core/teams.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../log/metrics.js';
import type { Sport } from '../schema/common.js';
import type { OddsLine, OracleStatus, Result } from '../schema/records.js';
import { isObj, type Obj } from '../core/json.js';
import { excerpt } from '../core/text.js';

export const SOURCE = 'oddsapi';
export const SPORT_KEY: Record<Sport, string> = { nba: 'basketball_nba', nhl: 'icehockey_nhl' };
const BOOK_RE = /^[a-z0-9][a-z0-9_.-]*$/;

// ---------------------------------------------------------------- HTTP outcomes

export interface Failure {
  reason: OracleReason;
  detail: string;
  /** 429, 5xx and network failures are retried; 4xx are not. */
  retry: boolean;
  /** error_code from the body, or HTTP_<status>. */
  code: string;
}

/** undefined for a 2xx; otherwise what the failure means. */
export function classifyResponse(status: number, text: string): Failure | undefined {
  if (status >= 200 && status < 300) return undefined;
  let code = `HTTP_${status}`;
  let message = '';
  try {
    const b: unknown = JSON.parse(text);
    if (isObj(b)) {
      if (typeof b.error_code === 'string' && b.error_code) code = b.error_code;
      if (typeof b.message === 'string') message = b.message;
    }
  } catch {
    message = excerpt(text, 120); // marked as cut, so a key cut in two is still found (src/log/redact.ts)
  }
  const detail = `HTTP ${status}${code.startsWith('HTTP_') ? '' : ` ${code}`}${message ? `: ${message}` : ''}`;
  if (code === 'OUT_OF_USAGE_CREDITS') return { reason: 'quota', detail, retry: false, code };
  if (status === 401) return { reason: 'auth', detail, retry: false, code };
  if (status === 403) return { reason: 'denied', detail, retry: false, code };
  if (status === 429) return { reason: 'quota', detail, retry: true, code };
  if (status >= 500) return { reason: 'disconnected', detail, retry: true, code };
  return { reason: 'denied', detail, retry: false, code }; // 404, 422: the request itself is refused
}

// ---------------------------------------------------------------- payloads

export interface Problem {
  reason: string;
  detail: string;
  /** Report once per this key (names, events); counted every time. */
  once: string;
  /** The event|book pair it concerns, when known. */
  pair?: string;
}

export interface EventSeen {
  event: string;
  commenceTs: number;
  home: Team;
  away: Team;
}

export type OddsPayload =
  | { kind: 'ok'; lines: OddsLine[]; events: EventSeen[]; problems: Problem[] }
  | { kind: 'unavailable'; reason: 'empty' | 'parse'; detail: string; problems: Problem[] };

interface PayloadOptions {
  /** Books to publish ([] / undefined = every book the payload has). */
  books: ReadonlySet<string> | undefined;
  exclude: ReadonlySet<string>;
  recvTs: number;
}

/** The teams, start time and event id of one event object, or a problem. */
function eventOf(e: Obj, sport: Sport, problems: Problem[]): (EventSeen & { homeName: string; awayName: string }) | undefined {
  const id = typeof e.id === 'string' ? e.id : '?';
  if (e.sport_key !== undefined && e.sport_key !== SPORT_KEY[sport]) {
    problems.push({ reason: 'wrong-sport', detail: `event ${id} has sport_key ${String(e.sport_key)}`, once: `sport:${id}` });
    return undefined;
  }
  const hn = e.home_team;
  const an = e.away_team;
  if (typeof hn !== 'string' || typeof an !== 'string' || !hn || !an) {
    problems.push({ reason: 'shape', detail: `event ${id} without home_team/away_team`, once: `teams:${id}` });
    return undefined;
  }
  const home = teamByName(sport, hn);
  const away = teamByName(sport, an);
  if (!home || !away) {
    for (const [n, t] of [
      [hn, home],
      [an, away],
    ] as const) {
      if (!t) problems.push({ reason: 'unmapped-team', detail: `team "${n}" is not in the team table (event ${id})`, once: `team:${sport}:${n}` });
    }
    return undefined;
  }
  if (home === away) {
    problems.push({ reason: 'same-team', detail: `event ${id}: home and away are both ${home.code}`, once: `same:${id}` });
    return undefined;
  }
  const c = parseInstant(e.commence_time);
  if (!c.ok) {
    problems.push({
      reason: c.reason === 'missing' ? 'no-commence-time' : 'bad-commence-time',
      detail: `event ${id} ${hn} vs ${an}: commence_time ${c.detail}`,
      once: `commence:${id}`,
    });
    return undefined;
  }
  return { event: makeEventId(sport, easternDate(c.ms), away, home), commenceTs: c.ms, home, away, homeName: hn, awayName: an };
}

/** Parse one /odds response body (sport = the sport requested). */
export function parseOddsPayload(text: string, sport: Sport, o: PayloadOptions): OddsPayload {
  const problems: Problem[] = [];
  if (text.trim() === '') return { kind: 'unavailable', reason: 'empty', detail: 'empty response body', problems };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { kind: 'unavailable', reason: 'parse', detail: `response is not JSON: ${(e as Error).message}`, problems };
  }
  if (!Array.isArray(body))
    return { kind: 'unavailable', reason: 'parse', detail: `expected an array of events, got ${body === null ? 'null' : typeof body}`, problems };
  if (body.length === 0) return { kind: 'unavailable', reason: 'empty', detail: 'no events in the payload', problems };
  const lines: OddsLine[] = [];
  const events: EventSeen[] = [];
  let booksWithMarkets = 0;
  let booksWithH2h = 0;
  for (const e of body) {
    if (!isObj(e)) {
      problems.push({ reason: 'shape', detail: 'an event is not an object', once: 'event-shape' });
      continue;
    }
    const ev = eventOf(e, sport, problems);
    if (!ev) continue;
    events.push({ event: ev.event, commenceTs: ev.commenceTs, home: ev.home, away: ev.away });
    if (!Array.isArray(e.bookmakers)) {
      problems.push({ reason: 'shape', detail: `${ev.event}: bookmakers is not an array`, once: `bm:${ev.event}` });
      continue;
    }
    for (const b of e.bookmakers) {
      if (!isObj(b) || typeof b.key !== 'string' || !BOOK_RE.test(b.key)) {
        problems.push({ reason: 'shape', detail: `${ev.event}: a bookmaker without a valid key`, once: `bmkey:${ev.event}` });
        continue;
      }
      const book = b.key;
      if (o.exclude.has(book) || (o.books && o.books.size && !o.books.has(book))) continue;
      const pair = `${ev.event}|${book}`;
      if (!Array.isArray(b.markets)) {
        problems.push({ reason: 'shape', detail: `${pair}: markets is not an array`, once: `mk:${pair}`, pair });
        continue;
      }
      booksWithMarkets++;
      const m = b.markets.find((x) => isObj(x) && x.key === 'h2h');
      if (!isObj(m)) {
        problems.push({ reason: 'no-h2h', detail: `${pair}: no h2h market`, once: `h2h:${pair}`, pair });
        continue;
      }
      booksWithH2h++;
      const line = lineOf(m, b, ev, book, sport, o.recvTs, problems, pair);
      if (line) lines.push(line);
    }
  }
  if (lines.length === 0 && booksWithH2h === 0) {
    if (booksWithMarkets > 0) return { kind: 'unavailable', reason: 'parse', detail: 'the payload has no h2h market', problems };
    if (events.length > 0 || problems.length === 0)
      return { kind: 'unavailable', reason: 'empty', detail: 'no bookmaker in the payload offers odds', problems };
  }
  return { kind: 'ok', lines, events, problems };
}

function lineOf(
  m: Obj,
  b: Obj,
  ev: EventSeen & { homeName: string; awayName: string },
  book: string,
  sport: Sport,
  recvTs: number,
  problems: Problem[],
  pair: string,
): OddsLine | undefined {
  if (!Array.isArray(m.outcomes)) {
    problems.push({ reason: 'shape', detail: `${pair}: h2h outcomes is not an array`, once: `oc:${pair}`, pair });
    return undefined;
  }
  let home: unknown;
  let away: unknown;
  let others = 0;
  for (const x of m.outcomes) {
    if (!isObj(x) || typeof x.name !== 'string') {
      others++;
      continue;
    }
    // By name, never by position: the exact home_team/away_team string, else the team table.
    const side =
      x.name === ev.homeName
        ? 'home'
        : x.name === ev.awayName
          ? 'away'
          : teamByName(sport, x.name) === ev.home
            ? 'home'
            : teamByName(sport, x.name) === ev.away
              ? 'away'
              : undefined;
    if (side === 'home' && home === undefined) home = x.price;
    else if (side === 'away' && away === undefined) away = x.price;
    else others++;
  }
  if (home === undefined || away === undefined || others > 0) {
    problems.push({ reason: 'not-two-way', detail: `${pair}: h2h outcomes do not name exactly ${ev.homeName} and ${ev.awayName}`, once: `2way:${pair}`, pair });
    return undefined;
  }
  const hp = parseDecimalOdds(home);
  const ap = parseDecimalOdds(away);
  if (hp.kind !== 'price' || ap.kind !== 'price') {
    const bad = hp.kind !== 'price' ? hp : ap;
    problems.push({
      reason: bad.kind === 'bad' ? bad.reason : 'bad-odds',
      detail: `${pair}: ${bad.kind === 'bad' ? bad.detail : 'price missing'}`,
      once: `odds:${pair}:${bad.raw}`,
      pair,
    });
    return undefined;
  }
  const lu = parseInstant(m.last_update ?? b.last_update);
  if (!lu.ok) {
    problems.push({ reason: 'bad-last-update', detail: `${pair}: last_update ${lu.detail}`, once: `lu:${pair}`, pair });
    return undefined;
  }
  return {
    type: 'odds.line',
    ts: lu.ms,
    recv_ts: recvTs,
    source: SOURCE,
    book,
    sport,
    event: ev.event,
    home: ev.home.name,
    away: ev.away.name,
    commence_ts: ev.commenceTs,
    home_odds: hp.decimal,
    away_odds: ap.decimal,
    home_ts: lu.ms,
    away_ts: lu.ms,
  };
}

export type ScoresPayload = { kind: 'ok'; results: Result[]; problems: Problem[] } | { kind: 'parse'; detail: string };

/** Parse a /scores body: a result for each completed game with two integer scores. */
export function parseScoresPayload(text: string, sport: Sport, recvTs: number): ScoresPayload {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { kind: 'parse', detail: `response is not JSON: ${(e as Error).message}` };
  }
  if (!Array.isArray(body)) return { kind: 'parse', detail: 'expected an array of events' };
  const results: Result[] = [];
  const problems: Problem[] = [];
  for (const e of body) {
    if (!isObj(e) || e.completed !== true) continue;
    const ev = eventOf(e, sport, problems);
    if (!ev) continue;
    if (!Array.isArray(e.scores)) {
      problems.push({ reason: 'no-scores', detail: `${ev.event}: completed without scores`, once: `scores:${ev.event}` });
      continue;
    }
    let hs: number | undefined;
    let as: number | undefined;
    for (const s of e.scores) {
      if (!isObj(s) || typeof s.name !== 'string') continue;
      const n =
        typeof s.score === 'string' && /^\d{1,4}$/.test(s.score.trim())
          ? Number(s.score)
          : typeof s.score === 'number' && Number.isInteger(s.score) && s.score >= 0
            ? s.score
            : undefined;
      const t = s.name === ev.homeName ? ev.home : s.name === ev.awayName ? ev.away : teamByName(sport, s.name);
      if (t === ev.home) hs = n;
      else if (t === ev.away) as = n;
    }
    if (hs === undefined || as === undefined) {
      problems.push({
        reason: 'bad-score',
        detail: `${ev.event}: scores do not give two integers for ${ev.homeName} and ${ev.awayName}`,
        once: `score:${ev.event}`,
      });
      continue;
    }
    if (hs === as) {
      problems.push({ reason: 'tied-score', detail: `${ev.event}: completed at ${hs}-${as}: no winner`, once: `tie:${ev.event}` });
      continue;
    }
    const lu = parseInstant(e.last_update);
    results.push({
      type: 'result',
      ts: lu.ok ? lu.ms : recvTs,
      recv_ts: recvTs,
      sport,
      event: ev.event,
      winner: hs > as ? 'home' : 'away',
      home_score: hs,
      away_score: as,
    });
  }
  return { kind: 'ok', results, problems };
}

// ---------------------------------------------------------------- the poller

export type OddsApiConfig = Config['oddsapi'];
export type FeedRecord = OddsLine | OracleStatus | Result;

export interface FeedOptions {
  cfg: OddsApiConfig;
  key: string;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  emit: (rec: FeedRecord) => void;
  random: () => number;
  signal: AbortSignal;
  once: boolean;
  scores: boolean;
}

interface SportState {
  sport: Sport;
  nextOdds: number;
  nextScores: number;
  scoresPolled: boolean;
  halt: { kind: 'auth' | 'quota'; probeAt: number } | undefined;
  events: EventSeen[];
  phase: Phase;
  published: Set<string>;
  /** Started games awaiting their result: event -> when first seen started. */
  pending: Map<string, number>;
  resulted: Set<string>;
}

type Reply = { ok: true; text: string } | { ok: false; failure: Failure };

export class OddsApiFeed {
  private readonly budget: CreditBudget;
  private readonly status = new StatusTracker();
  private readonly reported = new Set<string>();
  private nextForget = 0;
  private readonly states: SportState[];
  private readonly books: Set<string> | undefined;
  private readonly exclude: Set<string>;
  readonly counts = { polls: 0, lines: 0, results: 0, failures: {} as Record<string, number>, problems: {} as Record<string, number> };

  constructor(private readonly o: FeedOptions) {
    const c = o.cfg;
    this.budget = new CreditBudget({
      creditsPerDay: c.credits_per_day,
      lowWaterFraction: c.low_water_fraction,
      reserveCredits: c.reserve_credits,
      slowBelowRemaining: c.slow_below_remaining,
    });
    this.books = c.books.length ? new Set(c.books) : undefined;
    this.exclude = new Set(c.exclude_books);
    const now = o.clock.now();
    this.states = c.sports.map((sport) => ({
      sport,
      nextOdds: now,
      nextScores: now,
      scoresPolled: false,
      halt: undefined,
      events: [],
      phase: 'far' as Phase,
      published: new Set<string>(),
      pending: new Map<string, number>(),
      resulted: new Set<string>(),
    }));
  }

  /** Credits one /odds call costs: markets (h2h) x regions, or x ceil(books / 10). */
  get oddsCost(): number {
    const c = this.o.cfg;
    return c.books.length ? Math.ceil(c.books.length / 10) : c.regions.length;
  }

  /** Sports whose source is unavailable at the end (for --once's exit status). */
  unavailable(): Array<{ sport: Sport; reason: OracleReason }> {
    const out: Array<{ sport: Sport; reason: OracleReason }> = [];
    for (const s of this.states) {
      const a = this.status.get(s.sport);
      if (a?.state === 'unavailable') out.push({ sport: s.sport, reason: a.reason });
    }
    return out;
  }

  async run(): Promise<void> {
    if (this.o.once) {
      for (const st of this.states) {
        if (this.o.signal.aborted) return;
        await this.pollOdds(st, true);
        if (this.o.scores && !this.o.signal.aborted) await this.pollScores(st);
      }
      return;
    }
    while (!this.o.signal.aborted) {
      let at = Infinity;
      let job: (() => Promise<void>) | undefined;
      const consider = (t: number, f: () => Promise<void>): void => {
        if (t < at) {
          at = t;
          job = f;
        }
      };
      const now = this.o.clock.now();
      for (const st of this.states) {
        if (st.halt) {
          consider(st.halt.probeAt, () => this.probe(st));
          continue;
        }
        consider(st.nextOdds, () => this.pollOdds(st, false));
        if (this.o.scores && this.needsScores(st, now)) consider(st.nextScores, () => this.pollScores(st));
      }
      if (!job) return;
      await this.sleep(at - now);
      if (this.o.signal.aborted) return;
      await job();
    }
  }

  private interval(st: SportState, now: number): number {
    const c = this.o.cfg;
    st.phase = phaseOf(
      st.events.map((e) => e.commenceTs),
      now,
      c.near_window_ms,
    );
    const base = st.phase === 'live' ? c.live_interval_ms : st.phase === 'near' ? c.near_interval_ms : c.far_interval_ms;
    const ms = Math.round(base * this.budget.slowFactor(now));
    this.o.metrics.gauge('poll_interval_ms', { source: SOURCE, sport: st.sport }).set(ms);
    return ms;
  }

  private needsScores(st: SportState, now: number): boolean {
    for (const [event, since] of st.pending) {
      if (now - since > 24 * 3_600_000) {
        st.pending.delete(event);
        this.o.log.warn('no result within 24 h of seeing the game start: no longer polled for', { sport: st.sport, event });
      }
    }
    return !st.scoresPolled || st.pending.size > 0;
  }

  private async pollOdds(st: SportState, once: boolean): Promise<void> {
    const now = this.o.clock.now();
    const cost = this.oddsCost;
    const gate = this.budget.gate(now, cost);
    if (!gate.ok) {
      this.unavailable_(st, 'quota', `credit budget: ${gate.detail}`, 'budget');
      if (gate.reason === 'reserve') st.halt = { kind: 'quota', probeAt: now + this.o.cfg.quota_retry_ms };
      else st.nextOdds = now + this.o.cfg.far_interval_ms;
      return;
    }
    if (gate.at > now) {
      if (once) {
        this.unavailable_(st, 'quota', `daily credit budget (${this.o.cfg.credits_per_day}) spent; next call allowed in ${gate.at - now} ms`, 'budget');
        return;
      }
      this.o.log.limited('warn', `budget-wait:${st.sport}`, 'daily credit budget spent: next poll delayed', { sport: st.sport, until_ms: gate.at - now });
      st.nextOdds = gate.at;
      return;
    }
    const c = this.o.cfg;
    const params: Record<string, string> = { markets: 'h2h', oddsFormat: 'decimal', dateFormat: 'iso' };
    if (c.books.length) params.bookmakers = c.books.join(',');
    else params.regions = c.regions.join(',');
    const r = await this.request(`/v4/sports/${SPORT_KEY[st.sport]}/odds`, params, cost, st.sport, 'odds');
    const recv = this.o.clock.now();
    if (!r.ok) {
      if (this.o.signal.aborted) return;
      const f = r.failure;
      this.unavailable_(st, f.reason, f.detail, f.code);
      if (f.reason === 'auth' || f.reason === 'denied') st.halt = { kind: 'auth', probeAt: recv + c.auth_retry_ms };
      else if (f.code === 'OUT_OF_USAGE_CREDITS') st.halt = { kind: 'quota', probeAt: recv + c.quota_retry_ms };
      else st.nextOdds = recv + this.interval(st, recv);
      return;
    }
    const p = parseOddsPayload(r.text, st.sport, { books: this.books, exclude: this.exclude, recvTs: recv });
    const problemPairs = this.report(st.sport, p.problems);
    if (p.kind === 'unavailable') {
      this.unavailable_(st, p.reason, p.detail, p.reason);
      st.events = [];
      st.nextOdds = recv + this.interval(st, recv);
      return;
    }
    this.available_(st, recv);
    let newest = 0;
    for (const line of p.lines) if (line.ts > newest) newest = line.ts;
    if (newest > 0) this.o.metrics.gauge('feed_freshness_ms', { source: SOURCE, sport: st.sport }).set(recv - newest);
    const seen = new Set<string>();
    for (const line of p.lines) seen.add(`${line.event}|${line.book}`);
    for (const k of st.published) {
      if (seen.has(k)) continue;
      const [event, book] = k.split('|') as [string, string];
      const parse = problemPairs.has(k);
      this.o.emit({
        type: 'oracle.status',
        ts: recv,
        source: SOURCE,
        sport: st.sport,
        event,
        book,
        state: 'unavailable',
        reason: parse ? 'parse' : 'empty',
        detail: parse ? "the book's h2h line in the payload is unusable" : 'the book no longer lists the game',
      });
    }
    for (const line of p.lines) {
      const k = `${line.event}|${line.book}`;
      if (!st.published.has(k) && this.status.get(`${st.sport}|${k}`)?.state === 'unavailable') {
        this.o.emit({ type: 'oracle.status', ts: recv, source: SOURCE, sport: st.sport, event: line.event, book: line.book, state: 'available' });
      }
      this.status.set(`${st.sport}|${k}`, { state: 'available' });
      this.o.emit(line);
      this.counts.lines++;
    }
    for (const k of st.published) if (!seen.has(k)) this.status.set(`${st.sport}|${k}`, { state: 'unavailable', reason: 'empty', detail: '' });
    st.published = seen;
    st.events = p.events;
    for (const e of p.events) if (e.commenceTs <= recv && !st.resulted.has(e.event) && !st.pending.has(e.event)) st.pending.set(e.event, recv);
    this.forgetOld(recv);
    st.nextOdds = recv + this.interval(st, recv);
  }

  /**
   * Hourly: forget what is kept per game (per-book statuses, results seen) for games
   * whose date (the event id's Eastern date) is over two days past: long finished and
   * never listed again, so a run of weeks keeps bounded state.
   */
  private forgetOld(now: number): void {
    if (now < this.nextForget) return;
    this.nextForget = now + 3_600_000;
    const cutoff = new Date(now - 2 * 86_400_000).toISOString().slice(0, 10);
    const old = (event: string | undefined): boolean => {
      const m = event === undefined ? null : /^[a-z]+-(\d{4}-\d{2}-\d{2})-/.exec(event);
      return m !== null && m[1]! < cutoff;
    };
    this.status.deleteWhere((k) => old(k.split('|')[1]));
    for (const st of this.states) for (const e of st.resulted) if (old(e)) st.resulted.delete(e);
  }

  /** Entries kept per game (for tests of a long run's memory). */
  get retained(): { statuses: number; resulted: number } {
    let resulted = 0;
    for (const st of this.states) resulted += st.resulted.size;
    return { statuses: this.status.size, resulted };
  }

  private async pollScores(st: SportState): Promise<void> {
    const now = this.o.clock.now();
    const c = this.o.cfg;
    const cost = 2; // daysFrom is always sent: completed games are only listed with it
    st.nextScores = now + c.scores_interval_ms;
    const gate = this.budget.gate(now, cost);
    if (!gate.ok || gate.at > now) {
      this.o.log.limited('warn', `scores-budget:${st.sport}`, 'scores poll skipped: credit budget', {
        sport: st.sport,
        detail: gate.ok ? `next allowed in ${gate.at - now} ms` : gate.detail,
      });
      if (gate.ok) st.nextScores = Math.max(st.nextScores, gate.at);
      return;
    }
    const r = await this.request(
      `/v4/sports/${SPORT_KEY[st.sport]}/scores`,
      { daysFrom: String(c.scores_days_from), dateFormat: 'iso' },
      cost,
      st.sport,
      'scores',
    );
    if (!r.ok) {
      if (!this.o.signal.aborted)
        this.o.log.error('scores poll failed: no results this round', { sport: st.sport, reason: r.failure.reason, detail: r.failure.detail });
      return;
    }
    st.scoresPolled = true;
    const recv = this.o.clock.now();
    const p = parseScoresPayload(r.text, st.sport, recv);
    if (p.kind === 'parse') {
      this.o.log.error('scores payload unusable', { sport: st.sport, detail: p.detail });
      return;
    }
    this.report(st.sport, p.problems);
    for (const res of p.results) {
      if (st.resulted.has(res.event)) continue;
      st.resulted.add(res.event);
      st.pending.delete(res.event);
      this.o.emit(res);
      this.counts.results++;
    }
  }

  /** After auth/quota failures: the free /v4/sports call says whether the key works again. */
  private async probe(st: SportState): Promise<void> {
    const c = this.o.cfg;
    const r = await this.request('/v4/sports', {}, 0, st.sport, 'sports');
    const now = this.o.clock.now();
    const kind = st.halt?.kind ?? 'auth';
    const ok = r.ok && (kind === 'auth' || this.budget.gate(now, this.oddsCost).ok);
    if (ok) {
      this.o.log.info('probe succeeded: polling again', { sport: st.sport, after: kind });
      st.halt = undefined;
      st.nextOdds = now;
    } else {
      st.halt = { kind, probeAt: now + (kind === 'quota' ? c.quota_retry_ms : c.auth_retry_ms) };
    }
  }

  private async request(path: string, params: Record<string, string>, cost: number, sport: Sport, endpoint: string): Promise<Reply> {
    const c = this.o.cfg;
    const url = new URL(c.url);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    url.searchParams.set('apiKey', this.o.key);
    for (let attempt = 0; ; attempt++) {
      if (this.o.signal.aborted) return { ok: false, failure: { reason: 'disconnected', detail: 'stopped', retry: false, code: 'STOPPED' } };
      const ac = new AbortController();
      let timedOut = false;
      const timer = this.o.clock.setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, c.request_timeout_ms);
      const onAbort = (): void => ac.abort();
      this.o.signal.addEventListener('abort', onAbort, { once: true });
      let f: Failure;
      let retryAfterMs: number | undefined;
      this.counts.polls++;
      try {
        const res = await fetch(url, { signal: ac.signal, headers: { accept: 'application/json' } });
        const text = await res.text();
        this.observe(res.headers, cost, res.ok, endpoint);
        const fail = classifyResponse(res.status, text);
        this.o.metrics.counter('polls_total', { source: SOURCE, sport, endpoint, outcome: fail ? fail.code.toLowerCase() : 'ok' }).inc();
        if (!fail) return { ok: true, text };
        f = fail;
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra >= 0 && res.headers.get('retry-after') !== null) retryAfterMs = Math.min(ra * 1000, c.retry_max_ms);
      } catch (e) {
        if (this.o.signal.aborted) return { ok: false, failure: { reason: 'disconnected', detail: 'stopped', retry: false, code: 'STOPPED' } };
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const detail = timedOut
          ? `no answer within ${c.request_timeout_ms} ms`
          : `${cause?.code ?? (e as Error).name}: ${cause?.message ?? (e as Error).message}`;
        f = { reason: 'disconnected', detail, retry: true, code: timedOut ? 'TIMEOUT' : 'NETWORK' };
        // No answer, so no quota headers: the server may still have charged it. Booked at
        // its full cost, so the daily budget errs on the side of spending less.
        if (cost > 0) this.spend(cost);
        this.o.metrics.counter('polls_total', { source: SOURCE, sport, endpoint, outcome: f.code.toLowerCase() }).inc();
      } finally {
        this.o.clock.clear(timer);
        this.o.signal.removeEventListener('abort', onAbort);
      }
      this.counts.failures[f.code] = (this.counts.failures[f.code] ?? 0) + 1;
      if (!f.retry || attempt >= c.max_retries) {
        return { ok: false, failure: attempt > 0 ? { ...f, detail: `${f.detail} (after ${attempt} retries)` } : f };
      }
      // A retry spends credits too: it waits for the budget like any call, and is not made
      // when the budget would have to wait (the next poll will try again in its turn).
      const gate = this.budget.gate(this.o.clock.now(), cost);
      if (!gate.ok || gate.at > this.o.clock.now()) {
        this.counts.failures.BUDGET = (this.counts.failures.BUDGET ?? 0) + 1;
        const why = gate.ok ? `daily credit budget (${c.credits_per_day}) spent` : gate.detail;
        return { ok: false, failure: { ...f, detail: `${f.detail} (${attempt} retries; no more: ${why})` } };
      }
      const delay = retryAfterMs ?? jitteredBackoff(attempt, c.retry_base_ms, c.retry_max_ms, this.o.random);
      this.o.log.warn('request failed; retrying', {
        sport,
        endpoint,
        path,
        code: f.code,
        detail: f.detail,
        attempt: attempt + 1,
        of: c.max_retries,
        in_ms: delay,
      });
      await this.sleep(delay);
    }
  }

  private observe(h: Headers, expected: number, ok: boolean, endpoint: string): void {
    const num = (name: string): number | undefined => {
      const v = h.get(name);
      if (v === null || v.trim() === '') return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    };
    const remaining = num('x-requests-remaining');
    const used = num('x-requests-used');
    const last = num('x-requests-last');
    this.budget.observe({ remaining, used, last });
    this.spend(last ?? (ok && endpoint !== 'sports' ? expected : 0));
    const m = this.o.metrics;
    if (remaining !== undefined) m.gauge('credits_remaining', { source: SOURCE }).set(remaining);
    if (used !== undefined) m.gauge('credits_used', { source: SOURCE }).set(used);
    if (last !== undefined) m.gauge('credits_last', { source: SOURCE }).set(last);
  }

  /** Book credits spent now against the daily budget. */
  private spend(credits: number): void {
    const now = this.o.clock.now();
    this.budget.record(now, credits);
    this.o.metrics.gauge('credits_spent_24h', { source: SOURCE }).set(this.budget.spent(now));
  }

  /** Count and report payload problems (each key once); returns the pairs they concern. */
  private report(sport: Sport, problems: Problem[]): Set<string> {
    const pairs = new Set<string>();
    for (const p of problems) {
      if (p.pair) pairs.add(p.pair);
      this.counts.problems[p.reason] = (this.counts.problems[p.reason] ?? 0) + 1;
      const unmapped = p.reason === 'unmapped-team' || p.reason === 'no-commence-time' || p.reason === 'bad-commence-time' || p.reason === 'same-team';
      this.o.metrics.counter(unmapped ? 'unmapped_total' : 'bad_frames_total', { source: SOURCE, reason: p.reason }).inc();
      if (this.reported.has(p.once)) continue;
      this.reported.add(p.once);
      this.o.log.warn(unmapped ? 'event not priced' : 'payload item not usable: left out', { sport, reason: p.reason, detail: p.detail });
    }
    return pairs;
  }

  private unavailable_(st: SportState, reason: OracleReason, detail: string, code: string): void {
    if (this.status.set(st.sport, { state: 'unavailable', reason, detail })) {
      this.o.emit({ type: 'oracle.status', ts: this.o.clock.now(), source: SOURCE, sport: st.sport, state: 'unavailable', reason, detail });
      this.o.log.critical('The Odds API unavailable: no odds for this sport until it recovers', { sport: st.sport, reason, code, detail });
      this.o.metrics.gauge('feed_state', { source: SOURCE, sport: st.sport }).set(0);
    }
    // Consumers stop pricing the whole sport; per-game statuses start afresh on recovery.
    st.published = new Set();
    this.status.reset(`${st.sport}|`);
  }

  private available_(st: SportState, now: number): void {
    const prev = this.status.get(st.sport);
    if (this.status.set(st.sport, { state: 'available' })) {
      this.o.emit({ type: 'oracle.status', ts: now, source: SOURCE, sport: st.sport, state: 'available' });
      if (prev) this.o.log.info('The Odds API available again', { sport: st.sport });
      this.o.metrics.gauge('feed_state', { source: SOURCE, sport: st.sport }).set(1);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer: { h?: TimerHandle } = {};
      const done = (): void => {
        this.o.clock.clear(timer.h);
        this.o.signal.removeEventListener('abort', done);
        resolve();
      };
      timer.h = this.o.clock.setTimeout(done, ms);
      this.o.signal.addEventListener('abort', done, { once: true });
    });
  }
}
