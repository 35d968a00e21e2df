// The BoltOdds protocol engine: frames in, `odds.line` and `oracle.status` records out.
// The socket (boltodds-client.ts) and the raw-file replay (--from-raw) drive the same
// engine through the same four inputs (opened, frame, ackTimeout, closed), each with its
// receive time, so a recorded run replays to the same records.
//
// Protocol (../shared/reference/oddsfeeds.md §A), and how each uncertain point is handled:
// - A frame is one JSON object or an array of them; the bare text "ping" is a ping too.
// - socket_connected is the auth ack: the subscription is sent on it (or, if it never
//   comes, after ack_timeout_ms: the client calls ackTimeout()).
// - initial_state, game_update and game_added are snapshots of one (game, book): a
//   moneyline side they do not carry is pulled. game_update/game_added without outcomes
//   only update the game's info. line_update carries changed outcomes only (merged).
// - game_removed drops the game at the book it names, or at every book when it names none;
//   book_clear drops a book (data.sportsbook); sport_clear a sport (data.sport).
// - ping (app level) is answered with {"action":"pong"} (config app_pong); protocol-level
//   pings are answered by ws itself. subscription_updated is logged. error frames are
//   logged and counted. Any other action is counted, logged once per name and ignored.
// - Sides: outcome_name == market ("Moneyline") exactly; the side is outcome_target
//   compared with home_team/away_team (then through the team table); odds are American
//   strings; null, "" and "None" pull the side; a malformed price pulls it too and is
//   counted as a bad frame (never published).
// - The frame `timestamp` (UTC, microseconds) is each side's time; the start time is
//   info.when (US Eastern wall time), remembered per game for updates without info. The
//   label's hour suffix is never used. A book key is lowercased and mapped through
//   book_aliases (ps3838 -> pinnacle).
import type { Clock, TimerHandle } from '../clock/clock.js';
import { StatusTracker, type Availability, type OracleReason } from '../core/availability.js';
import { easternDate, gameLabelDate, parseBoltWhen, parseInstant } from '../core/eventtime.js';
import { parseAmericanOdds } from '../core/odds.js';
import { PartialLines, type Decision, type Pair, type SideChange } from '../core/partial-lines.js';
import { makeEventId, teamByName, type Team } from '../core/teams.js';
import type { Logger } from '../log/logger.js';
import type { Counter, Gauge, Metrics } from '../log/metrics.js';
import type { Sport } from '../schema/common.js';
import type { OddsLine, OracleStatus } from '../schema/records.js';
import { excerpt } from '../core/text.js';
import { isObj, type Obj } from '../core/json.js';

export const SOURCE = 'boltodds';
export const SPORT_LABEL: Record<Sport, string> = { nba: 'NBA', nhl: 'NHL' };
const BOOK_RE = /^[a-z0-9][a-z0-9_.-]*$/;

export interface EngineSettings {
  sports: Sport[];
  /** [] = every book. */
  books: string[];
  bookAliases: Record<string, string>;
  market: string;
  sideStalenessMs: number;
  partialTtlMs: number;
  appPong: boolean;
}

/** The subscribe message: the documented `filters` object, strings as BoltOdds spells them. */
export function subscribeMessage(s: EngineSettings): { action: 'subscribe'; filters: Record<string, string[]> } {
  const filters: Record<string, string[]> = { sports: s.sports.map((x) => SPORT_LABEL[x]) };
  if (s.books.length) {
    const keys = new Set(s.books);
    for (const [alias, to] of Object.entries(s.bookAliases)) if (s.books.includes(to)) keys.add(alias);
    filters.sportsbooks = [...keys];
  }
  filters.markets = [s.market];
  return { action: 'subscribe', filters };
}

interface GameInfo {
  key: string;
  sport: Sport;
  label: string;
  homeName: string;
  awayName: string;
  home: Team | undefined;
  away: Team | undefined;
  commenceTs: number | undefined;
  event: string | undefined;
  /** Why the game is not published (when event is undefined). */
  problem: string | undefined;
}

interface PairMeta {
  game: GameInfo;
  book: string;
}

export type EngineRecord = OddsLine | OracleStatus;

export interface EngineOptions {
  settings: EngineSettings;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  emit: (rec: EngineRecord) => void;
}

const KNOWN_ACTIONS = new Set([
  'socket_connected',
  'initial_state',
  'line_update',
  'game_update',
  'game_added',
  'game_removed',
  'book_clear',
  'sport_clear',
  'ping',
  'pong',
  'error',
  'subscription_updated',
]);

type CountedMetric = 'messages_total' | 'partial_lines_total' | 'bad_frames_total' | 'unmapped_total';

export interface EngineCounts {
  frames: number;
  messages: number;
  published: number;
  outcomes: Record<'full' | 'waiting' | 'expired' | 'stale-leg', number>;
  bad: Record<string, number>;
  unmapped: Record<string, number>;
  ignored: Record<string, number>;
  unknownActions: Record<string, number>;
  sidesPulled: number;
  /** Frames stamped more than FUTURE_SKEW_MS ahead of the clock (taken at receipt time). */
  futureTimestamps: number;
}

export class BoltOddsEngine {
  private readonly s: EngineSettings;
  private readonly lines: PartialLines<PairMeta>;
  private readonly games = new Map<string, GameInfo>();
  private readonly gameByEvent = new Map<string, string>();
  private readonly pairStatus = new StatusTracker();
  private readonly sourceStatus = new StatusTracker();
  private readonly reported = new Set<string>();
  private readonly sports: Set<Sport>;
  private readonly books: Set<string> | undefined;
  private readonly bookKeys = new Map<string, string | null>();
  private readonly counters = new Map<CountedMetric, Map<string, Counter>>();
  private readonly freshness: Gauge;
  private nextPrune: number | undefined;
  private conn = 0;
  private seq = 0;
  private acked = false;
  private timer: TimerHandle | undefined;
  private timerAt: number | undefined;
  /** Set by the socket client: sends one message on the current connection. */
  send: (msg: object) => void = () => undefined;
  readonly counts: EngineCounts = {
    frames: 0,
    messages: 0,
    published: 0,
    outcomes: { full: 0, waiting: 0, expired: 0, 'stale-leg': 0 },
    bad: {},
    unmapped: {},
    ignored: {},
    unknownActions: {},
    sidesPulled: 0,
    futureTimestamps: 0,
  };

  constructor(private readonly o: EngineOptions) {
    this.s = o.settings;
    this.lines = new PartialLines<PairMeta>({ sideStalenessMs: this.s.sideStalenessMs, partialTtlMs: this.s.partialTtlMs });
    this.sports = new Set(this.s.sports);
    this.books = this.s.books.length ? new Set(this.s.books) : undefined;
    this.freshness = o.metrics.gauge('feed_freshness_ms', { source: SOURCE });
  }

  get isAcked(): boolean {
    return this.acked;
  }

  /** Pairs currently held (published, waiting or stale). */
  get pairs(): number {
    return this.lines.size;
  }

  // ------------------------------------------------------------ connection events

  opened(conn: number, now: number): void {
    this.expireDue(now);
    this.conn = conn;
    this.seq = 0;
    this.acked = false;
    this.o.log.info('connected; waiting for socket_connected', { conn });
  }

  /** No socket_connected within ack_timeout_ms: subscribe anyway (variant: no ack frame). */
  ackTimeout(now: number): void {
    this.expireDue(now);
    if (this.acked) return;
    this.once('no-ack', () => this.o.log.warn('no socket_connected ack; subscribing without it', { conn: this.conn }));
    this.subscribe(now);
  }

  closed(cause: string, detail: string, now: number): void {
    this.expireDue(now);
    this.acked = false;
    this.resetState();
    const reason: OracleReason = cause === 'auth' ? 'auth' : cause === 'denied' ? 'denied' : cause === 'heartbeat-timeout' ? 'stale' : 'disconnected';
    const full = `${cause}${detail ? `: ${detail}` : ''}`;
    const changed = this.setSource({ state: 'unavailable', reason, detail: full }, now);
    if (changed) {
      if (reason === 'auth' || reason === 'denied') this.o.log.critical('BoltOdds refused the connection: no odds until it accepts the key', { cause, detail });
      else this.o.log.warn('disconnected: odds unavailable until the fresh snapshot', { cause, detail });
    }
  }

  // ------------------------------------------------------------ frames

  /** One WebSocket message, as text, received at `now`. */
  frame(text: string, now: number): void {
    this.expireDue(now);
    this.seq++;
    this.counts.frames++;
    const t = text.length <= 6 ? text.trim() : '';
    if (t === 'ping') {
      this.count('messages_total', 'ping');
      this.onPing();
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      this.bad('not-json', (e as Error).message, text);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) this.bad('empty-array', 'an empty array frame', text);
      for (let i = 0; i < v.length; i++) this.message(v[i], now, i, text);
    } else {
      this.message(v, now, -1, text);
    }
  }

  private message(m: unknown, now: number, idx: number, text: string): void {
    this.counts.messages++;
    if (!isObj(m)) {
      this.bad('not-object', `message${idx >= 0 ? ` [${idx}]` : ''} is ${m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m}`, text);
      return;
    }
    const action = m.action;
    if (typeof action !== 'string' || action === '') {
      this.bad('no-action', `message${idx >= 0 ? ` [${idx}]` : ''} has no string "action"`, text);
      return;
    }
    this.count('messages_total', KNOWN_ACTIONS.has(action) ? action : 'unknown');
    switch (action) {
      case 'socket_connected':
        this.onAck(m, now);
        return;
      case 'initial_state':
      case 'game_update':
      case 'game_added':
        this.onOdds(m, true, now, text);
        return;
      case 'line_update':
        this.onOdds(m, false, now, text);
        return;
      case 'game_removed':
        this.onGameRemoved(m, now, text);
        return;
      case 'book_clear':
        this.onBookClear(m, now, text);
        return;
      case 'sport_clear':
        this.onSportClear(m, now, text);
        return;
      case 'ping':
        this.onPing();
        return;
      case 'pong':
        return;
      case 'subscription_updated':
        this.o.log.info('subscription updated', { data: m.data ?? m.filters });
        return;
      case 'error':
        this.o.log.limited(
          'error',
          'error-frame',
          'BoltOdds sent an error',
          { conn: this.conn, frame: this.frameId(), payload: excerpt(JSON.stringify(m), 300) },
          5,
        );
        return;
      default:
        this.counts.unknownActions[action] = (this.counts.unknownActions[action] ?? 0) + 1;
        this.once(`action:${action}`, () =>
          this.o.log.warn('unknown action ignored (logged once per action)', { action, frame: this.frameId(), excerpt: excerpt(text, 200) }),
        );
    }
  }

  private onAck(m: Obj, now: number): void {
    if (this.acked) return;
    const { action: _a, ...rest } = m;
    this.o.log.info('socket_connected: key accepted', { conn: this.conn, ack: rest });
    this.subscribe(now);
  }

  private subscribe(now: number): void {
    this.acked = true;
    const msg = subscribeMessage(this.s);
    this.send(msg);
    this.o.log.info('subscribed', { filters: msg.filters });
    this.setSource({ state: 'available' }, now);
  }

  private onPing(): void {
    if (this.s.appPong) this.send({ action: 'pong' });
  }

  private onOdds(m: Obj, snapshot: boolean, now: number, text: string): void {
    const data = m.data;
    if (!isObj(data)) return this.bad('shape', `${String(m.action)}: data is not an object`, text);
    const sport = this.sportOf(data, text);
    if (!sport) return;
    const book = this.bookOf(data.sportsbook, text);
    if (!book) return;
    if (this.books && !this.books.has(book)) return this.ignore('other-book');
    const label = data.game;
    if (typeof label !== 'string' || label === '') return this.bad('shape', `${String(m.action)}: no data.game label`, text);
    const ts = parseInstant(m.timestamp);
    if (!ts.ok) return this.bad('bad-timestamp', `timestamp: ${ts.detail}`, text);
    // A side is never younger than its receipt: a stamp ahead of our clock (skew, or a
    // bad stamp) is taken as the receive time, so staleness still applies to it. Beyond
    // a small skew it is reported.
    let at = ts.ms;
    if (at > now) {
      if (at - now > FUTURE_SKEW_MS) {
        this.counts.futureTimestamps++;
        this.o.log.limited(
          'warn',
          'future-timestamp',
          'frame timestamp ahead of the clock: the receive time is used',
          {
            frame: this.frameId(),
            ahead_ms: at - now,
            timestamp: excerpt(String(m.timestamp), 40),
          },
          5,
        );
      }
      at = now;
    }
    this.freshness.set(now - at);
    const game = this.gameOf(sport, label, data);
    if (game.event === undefined) {
      const why = game.problem ?? 'unmapped';
      this.counts.unmapped[why] = (this.counts.unmapped[why] ?? 0) + 1;
      this.count('unmapped_total', why);
      return;
    }
    const outcomes = data.outcomes;
    if (outcomes === undefined && snapshot && m.action !== 'initial_state') return; // info-only game_update
    if (!isObj(outcomes) && !Array.isArray(outcomes)) return this.bad('shape', `${String(m.action)}: outcomes is not an object`, text);
    let home: SideChange;
    let away: SideChange;
    let badSide: 'home' | 'away' | undefined;
    const list = outcomes as Record<string, unknown>; // an object keyed by outcome, or (variant) an array
    for (const okey in list) {
      const o = list[okey];
      if (!isObj(o)) {
        this.bad('shape', `outcome "${excerpt(okey, 40)}" is not an object`, text);
        continue;
      }
      if (o.outcome_name !== this.s.market) continue;
      const side = this.sideOf(game, o.outcome_target, okey);
      if (!side) {
        this.bad(
          'unknown-side',
          `outcome_target ${excerpt(JSON.stringify(o.outcome_target) ?? 'undefined', 60)} is neither ${game.homeName} nor ${game.awayName}`,
          text,
        );
        continue;
      }
      const p = parseAmericanOdds(o.odds);
      let change: SideChange;
      if (p.kind === 'price') {
        change = { odds: p.decimal, raw: p.raw, ts: at };
      } else {
        change = null;
        if (p.kind === 'removed') this.counts.sidesPulled++;
        else {
          badSide = side;
          this.bad(p.reason, `${game.event} ${book} ${side}: ${p.detail}`, text);
        }
      }
      if (side === 'home') home = change;
      else away = change;
    }
    if (!snapshot && home === undefined && away === undefined) return;
    const d = this.lines.apply(`${game.key}|${book}`, { game, book }, home, away, snapshot, now);
    this.decided(d, now, badSide);
  }

  private decided(d: Decision<PairMeta>, now: number, badSide?: 'home' | 'away'): void {
    const p = d.pair;
    switch (d.outcome) {
      case 'full':
        this.outcome('full');
        this.publish(p, now);
        return;
      case 'waiting':
        this.outcome('waiting');
        if (this.o.log.enabled('debug'))
          this.o.log.debug('partial: waiting for the other side', { event: p.meta.game.event, book: p.meta.book, missing: d.missing });
        if (d.missing === badSide) this.withdraw(p, 'parse', `${d.missing} side price unusable`, now);
        else this.withdraw(p, 'empty', `${d.missing} side missing`, now);
        if (p.deadline !== undefined && (this.timerAt === undefined || p.deadline < this.timerAt)) this.arm(p.deadline);
        return;
      case 'stale-leg':
        this.outcome('stale-leg');
        this.o.log.limited(
          'info',
          'stale-leg',
          'stale leg: pair not published',
          {
            event: p.meta.game.event,
            book: p.meta.book,
            stale_side: d.staleSide,
            age_ms: d.staleAgeMs,
            side_staleness_ms: this.s.sideStalenessMs,
          },
          20,
        );
        this.withdraw(p, 'stale', `${d.staleSide} side ${d.staleAgeMs} ms old (> side_staleness_ms ${this.s.sideStalenessMs})`, now);
        return;
      case 'empty':
        this.withdraw(p, 'empty', 'both sides pulled', now);
    }
  }

  private publish(p: Pair<PairMeta>, now: number): void {
    const { game, book } = p.meta;
    const h = p.home!;
    const a = p.away!;
    if (this.pairStatus.get(p.key)?.state === 'unavailable') {
      this.o.emit({ type: 'oracle.status', ts: now, source: SOURCE, sport: game.sport, event: game.event!, book, state: 'available' });
    }
    this.pairStatus.set(p.key, AVAILABLE);
    this.counts.published++;
    this.o.emit({
      type: 'odds.line',
      ts: h.ts > a.ts ? h.ts : a.ts,
      recv_ts: now,
      source: SOURCE,
      book,
      sport: game.sport,
      event: game.event!,
      home: game.home!.name,
      away: game.away!.name,
      commence_ts: game.commenceTs!,
      home_odds: h.odds,
      away_odds: a.odds,
      home_ts: h.ts,
      away_ts: a.ts,
      raw: { home: h.raw, away: a.raw },
    });
  }

  /** A pair that was published can no longer be: say so once (per-game, per-book status). */
  private withdraw(p: Pair<PairMeta>, reason: OracleReason, detail: string, ts: number): void {
    if (!this.pairStatus.isAvailable(p.key)) return;
    this.pairStatus.set(p.key, { state: 'unavailable', reason, detail });
    const { game, book } = p.meta;
    if (game.event === undefined) return;
    this.o.emit({ type: 'oracle.status', ts, source: SOURCE, sport: game.sport, event: game.event, book, state: 'unavailable', reason, detail });
  }

  private onGameRemoved(m: Obj, now: number, text: string): void {
    const data = m.data;
    if (!isObj(data)) return this.bad('shape', 'game_removed: data is not an object', text);
    const sport = this.sportOf(data, text);
    if (!sport) return;
    const label = typeof data.game === 'string' ? data.game : undefined;
    const hn = typeof data.home_team === 'string' ? data.home_team : undefined;
    const an = typeof data.away_team === 'string' ? data.away_team : undefined;
    if (!label && !(hn && an)) return this.bad('shape', 'game_removed names no game', text);
    const book = data.sportsbook === undefined ? undefined : this.bookOf(data.sportsbook, text);
    if (data.sportsbook !== undefined && !book) return;
    const matches = (g: GameInfo): boolean => g.sport === sport && (label ? g.label === label : g.homeName === hn && g.awayName === an);
    const removed = this.lines.removeWhere((p) => matches(p.meta.game) && (book === undefined || p.meta.book === book));
    for (const p of removed) this.withdraw(p, 'empty', `game removed${book ? ` at ${book}` : ''}`, now);
    if (book === undefined) for (const [k, g] of this.games) if (matches(g)) this.forgetGame(k, g);
    this.o.log.info('game removed', { sport, game: label ?? `${hn} vs ${an}`, book: book ?? 'all', pairs: removed.length });
  }

  private onBookClear(m: Obj, now: number, text: string): void {
    const data = isObj(m.data) ? m.data : undefined;
    const book = this.bookOf(data?.sportsbook, text);
    if (!book) return;
    const removed = this.lines.removeWhere((p) => p.meta.book === book);
    for (const p of removed) this.withdraw(p, 'empty', 'book cleared', now);
    this.o.log.info('book cleared', { book, pairs: removed.length });
  }

  private onSportClear(m: Obj, now: number, text: string): void {
    const data = isObj(m.data) ? m.data : undefined;
    if (!data) return this.bad('shape', 'sport_clear: data is not an object', text);
    const sport = this.sportOf(data, text);
    if (!sport) return;
    const removed = this.lines.removeWhere((p) => p.meta.game.sport === sport);
    for (const p of removed) this.withdraw(p, 'empty', 'sport cleared', now);
    this.o.log.info('sport cleared', { sport, pairs: removed.length });
  }

  // ------------------------------------------------------------ games, teams, books

  private sportOf(data: Obj, text: string): Sport | undefined {
    const raw = data.sport ?? data.league;
    if (typeof raw !== 'string') {
      this.bad('shape', 'data.sport is not a string', text);
      return undefined;
    }
    const s = raw === 'NBA' || raw === 'nba' ? 'nba' : raw === 'NHL' || raw === 'nhl' ? 'nhl' : undefined;
    if (!s || !this.sports.has(s)) {
      this.ignore('other-sport');
      return undefined;
    }
    return s;
  }

  private bookOf(raw: unknown, text: string): string | undefined {
    if (typeof raw !== 'string' || raw === '') {
      this.bad('shape', 'no data.sportsbook', text);
      return undefined;
    }
    let k = this.bookKeys.get(raw);
    if (k === undefined) {
      const lower = raw.toLowerCase();
      const mapped = this.s.bookAliases[lower] ?? lower;
      k = BOOK_RE.test(mapped) ? mapped : null;
      this.bookKeys.set(raw, k);
    }
    if (k === null) {
      this.bad('shape', `sportsbook ${excerpt(JSON.stringify(raw), 40)} is not a book key`, text);
      return undefined;
    }
    return k;
  }

  private gameOf(sport: Sport, label: string, data: Obj): GameInfo {
    const key = `${sport}|${label}`;
    let g = this.games.get(key);
    let changed = false;
    if (!g) {
      g = { key, sport, label, homeName: '', awayName: '', home: undefined, away: undefined, commenceTs: undefined, event: undefined, problem: undefined };
      this.games.set(key, g);
      changed = true;
    }
    const hn = data.home_team;
    const an = data.away_team;
    if (typeof hn === 'string' && hn !== '' && hn !== g.homeName) {
      g.homeName = hn;
      g.home = teamByName(sport, hn);
      changed = true;
    }
    if (typeof an === 'string' && an !== '' && an !== g.awayName) {
      g.awayName = an;
      g.away = teamByName(sport, an);
      changed = true;
    }
    const info = data.info;
    if (isObj(info) && info.when !== undefined) {
      const w = parseBoltWhen(info.when);
      if (w.ok) {
        if (w.ambiguous)
          this.once(`ambiguous:${key}`, () =>
            this.o.log.warn('start time falls in the repeated fall-back hour: mapped to the earlier instant (EDT)', { game: label, when: info.when }),
          );
        if (g.commenceTs !== w.ms) {
          g.commenceTs = w.ms;
          changed = true;
        }
      } else {
        this.count('unmapped_total', 'bad-start-time');
        this.once(`when:${key}:${String(info.when)}`, () =>
          this.o.log.warn('start time not usable: game not priced until a valid one arrives', {
            game: label,
            when: info.when,
            reason: w.reason,
            detail: w.detail,
          }),
        );
      }
    }
    if (changed) this.identify(g);
    return g;
  }

  /** The event id, or the reason there is none (each reported once). */
  private identify(g: GameInfo): void {
    const old = g.event;
    g.event = undefined;
    g.problem = undefined;
    if (!g.homeName || !g.awayName) {
      g.problem = 'no-teams';
      this.once(`noteams:${g.key}`, () => this.o.log.warn('game without home_team/away_team: not priced', { game: g.label }));
    } else if (!g.home || !g.away) {
      g.problem = 'unmapped-team';
      for (const [name, team] of [
        [g.homeName, g.home],
        [g.awayName, g.away],
      ] as const) {
        if (!team)
          this.once(`team:${g.sport}:${name}`, () =>
            this.o.log.warn('team name not in the team table: game not priced (add an alias to src/core/teams.ts)', {
              sport: g.sport,
              team: name,
              game: g.label,
            }),
          );
      }
    } else if (g.home === g.away) {
      g.problem = 'same-team';
      this.once(`same:${g.key}`, () => this.o.log.warn('home and away map to the same team: not priced', { game: g.label }));
    } else if (g.commenceTs === undefined) {
      g.problem = 'no-commence-time';
      this.once(`nostart:${g.key}`, () => this.o.log.warn('no start time (info.when) for this game yet: not priced', { game: g.label, sport: g.sport }));
    } else {
      const date = easternDate(g.commenceTs);
      g.event = makeEventId(g.sport, date, g.away, g.home);
      const labelDate = gameLabelDate(g.label);
      if (labelDate !== undefined && labelDate !== date) {
        this.once(`labeldate:${g.key}`, () =>
          this.o.log.warn('label date differs from the Eastern date of info.when; the event id uses info.when', { game: g.label, event: g.event }),
        );
      }
      const swapped = makeEventId(g.sport, date, g.home, g.away);
      if (this.gameByEvent.has(swapped)) {
        this.once(`swapped:${g.event}`, () =>
          this.o.log.warn('the same game is listed with home and away swapped; both are published under their own ids', { event: g.event, other: swapped }),
        );
      }
      this.gameByEvent.set(g.event, g.key);
    }
    if (old !== undefined && old !== g.event && this.gameByEvent.get(old) === g.key) this.gameByEvent.delete(old);
  }

  private forgetGame(key: string, g: GameInfo): void {
    this.games.delete(key);
    if (g.event !== undefined && this.gameByEvent.get(g.event) === key) this.gameByEvent.delete(g.event);
    // Everything else kept per game goes with it, so weeks of games leave nothing behind:
    // the per-book statuses (pairs removed earlier by game_removed too) and the once-only
    // diagnostics about it.
    this.pairStatus.reset(`${key}|`);
    for (const k of this.reported) {
      if (k.includes(`:${key}`) || (g.event !== undefined && k === `swapped:${g.event}`)) this.reported.delete(k);
    }
  }

  /** Entries kept per game (for tests of a long run's memory). */
  get retained(): { games: number; pairStatuses: number; reported: number } {
    return { games: this.games.size, pairStatuses: this.pairStatus.size, reported: this.reported.size };
  }

  private sideOf(g: GameInfo, target: unknown, okey: string): 'home' | 'away' | undefined {
    let name = typeof target === 'string' && target !== '' ? target : undefined;
    if (name === undefined) {
      const suffix = ` ${this.s.market}`;
      if (okey.endsWith(suffix)) name = okey.slice(0, -suffix.length);
    }
    if (name === undefined) return undefined;
    if (name === g.homeName) return 'home';
    if (name === g.awayName) return 'away';
    const t = teamByName(g.sport, name);
    if (t && t === g.home) return 'home';
    if (t && t === g.away) return 'away';
    return undefined;
  }

  // ------------------------------------------------------------ partial expiry

  private arm(at: number): void {
    this.o.clock.clear(this.timer);
    this.timerAt = at;
    this.timer = this.o.clock.setTimeout(() => this.onTimer(), Math.max(0, at - this.o.clock.now()));
  }

  private onTimer(): void {
    this.o.clock.clear(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
    for (const e of this.lines.expire(this.o.clock.now())) {
      this.outcome('expired');
      this.o.log.limited(
        'info',
        'partial-expired',
        'partial expired: the other side never came',
        {
          event: e.pair.meta.game.event,
          book: e.pair.meta.book,
          had: e.had,
          partial_ttl_ms: this.s.partialTtlMs,
        },
        20,
      );
      this.withdraw(e.pair, 'empty', `partial expired: only the ${e.had} side for ${this.s.partialTtlMs} ms`, e.at);
    }
    const next = this.lines.nextDeadline();
    if (next !== undefined) this.arm(next);
  }

  /**
   * Before handling an input at `now`: expire what is due (the timer may lag a busy loop)
   * and, hourly, forget games long over, so weeks of uptime keep memory flat even if the
   * source never removes them. Driven by inputs, not a timer: a replay prunes at the same
   * inputs as the live run.
   */
  private expireDue(now: number): void {
    if (this.timerAt !== undefined && this.timerAt <= now) this.onTimer();
    if (this.nextPrune === undefined) this.nextPrune = now + PRUNE_EVERY_MS;
    else if (now >= this.nextPrune) {
      this.nextPrune = now + PRUNE_EVERY_MS;
      this.prune(now);
    }
  }

  /** Forget games that started more than PRUNE_AFTER_MS ago, and their lines (silently: long over). */
  prune(now: number): number {
    const old = (g: GameInfo): boolean => g.commenceTs !== undefined && now - g.commenceTs > PRUNE_AFTER_MS;
    const pairs = this.lines.removeWhere((p) => old(p.meta.game));
    for (const p of pairs) this.pairStatus.delete(p.key);
    let games = 0;
    for (const [k, g] of this.games) {
      if (!old(g)) continue;
      this.forgetGame(k, g);
      games++;
    }
    if (games) this.o.log.info('forgot games that started over a day ago', { games, pairs: pairs.length });
    return games;
  }

  /** Stop the expiry timer (shutdown). */
  stop(): void {
    this.o.clock.clear(this.timer);
    this.timer = undefined;
    this.timerAt = undefined;
  }

  // ------------------------------------------------------------ status, counters, diagnostics

  private setSource(a: Availability, now: number): boolean {
    let changed = false;
    for (const sport of this.s.sports) {
      if (!this.sourceStatus.set(sport, a)) continue;
      changed = true;
      const rec: OracleStatus =
        a.state === 'available'
          ? { type: 'oracle.status', ts: now, source: SOURCE, sport, state: 'available' }
          : { type: 'oracle.status', ts: now, source: SOURCE, sport, state: 'unavailable', reason: a.reason, detail: a.detail };
      this.o.emit(rec);
    }
    this.o.metrics.gauge('feed_state', { source: SOURCE }).set(a.state === 'available' ? 1 : 0);
    return changed;
  }

  private resetState(): void {
    this.stop();
    this.lines.clear();
    this.games.clear();
    this.gameByEvent.clear();
    this.pairStatus.reset();
  }

  private outcome(o: 'full' | 'waiting' | 'expired' | 'stale-leg'): void {
    this.counts.outcomes[o]++;
    this.count('partial_lines_total', o, 'outcome');
  }

  private ignore(why: string): void {
    this.counts.ignored[why] = (this.counts.ignored[why] ?? 0) + 1;
  }

  private bad(reason: string, detail: string, text: string): void {
    this.counts.bad[reason] = (this.counts.bad[reason] ?? 0) + 1;
    this.count('bad_frames_total', reason, 'reason');
    this.o.log.limited('warn', `bad-frame:${reason}`, 'bad frame', { frame: this.frameId(), reason, detail, excerpt: excerpt(text, 120) }, 10);
  }

  private frameId(): string {
    return `${this.conn}:${this.seq}`;
  }

  private once(key: string, f: () => void): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    f();
  }

  private count(name: CountedMetric, value: string, label = name === 'messages_total' ? 'kind' : 'reason'): void {
    let byValue = this.counters.get(name);
    if (!byValue) this.counters.set(name, (byValue = new Map()));
    let c = byValue.get(value);
    if (!c) {
      c = this.o.metrics.counter(name, { source: SOURCE, [label]: value });
      byValue.set(value, c);
    }
    c.inc();
  }
}

const AVAILABLE: Availability = { state: 'available' };
const PRUNE_EVERY_MS = 3_600_000;
/** Clock skew tolerated silently in a frame's timestamp (later stamps are still clamped to receipt). */
const FUTURE_SKEW_MS = 5_000;
const PRUNE_AFTER_MS = 24 * 3_600_000;
