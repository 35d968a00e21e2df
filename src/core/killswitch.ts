// Kill switches: one policy for the whole stack (issue 10 §5), enforced identically in
// shadow and live. Pure: every input carries its time (`now`); no clock, no I/O.
//
// A switch is one (condition, scope, key). It trips the moment any of its causes becomes
// true, refuses new orders in its scope (blocked()) for as long as it is tripped, and clears
// only after every cause has been false continuously for resumeAfterMs. A cause that comes
// back during that wait restarts the wait (no second `tripped` transition: the switch never
// cleared). Conditions and their causes (docs-risk.md has the table):
//
//   kalshi-feed-down        global     kalshi.status state is not `live`; tripped from the
//                                      start until the first live status.
//   reconnect-storm         global     >= reconnectMax reconnects within reconnectWindowMs,
//                                      counted from increments of kalshi.status `reconnects`
//                                      (the first status sets the baseline; a counter that
//                                      goes down means the feed restarted: new baseline).
//   oracle-stale            global,    oracle.status unavailable for the configured source:
//                           sport or   game-scoped when it names an event, sport-scoped when it
//                           game       names only a sport, global when neither; cleared by an
//                                      `available` status of the same scope. Also (game):
//                                      no oracle.prob for a linked game for oracleStaleMs.
//   arbitration-unresolved  game       oracle.status unavailable with reason denied or empty for
//                                      an event (arbitrate's "no book qualifies").
//   missing-commence        game       a linked game with no commence time for commenceGraceMs
//                                      (default 0: at once).
//   ticker-stale            ticker     kalshi.status says a linked ticker's book is invalid, or
//                                      no book for it for bookStaleMs.
//   venue-down              global     live only: the venue cannot be trusted with orders: its
//                                      private channels are down (fills and cancels would go
//                                      unheard), or the exchange's order group was triggered.
//                                      One cause each (`private-feed`, `order-group`).
//
// Details the brief left open, decided here:
// - Statuses that name a `book` concern one sportsbook, not the oracle: arbitrate decides
//   whether another book covers for it and says so per game. They are ignored here.
// - The source is the part of oracleSource before `/` (`boltodds/shin` -> `boltodds`).
// - A new status for a scope replaces the previous one of that scope (arbitrate moving a
//   game from stale to denied moves the cause from oracle-stale to arbitration-unresolved).
// - Game-scoped conditions concern linked games only (the oracle prices games this process
//   may not trade): a game-scoped status is remembered for any event and trips when (or
//   as soon as) one of its tickers is linked; a game whose last ticker is unlinked drops
//   its game causes. Sport and global scopes always apply.
// - Staleness clocks (oracle.prob, books) start no earlier than the link: a game or ticker
//   linked at t with nothing seen is stale at t + oracleStaleMs / t + bookStaleMs.
// - A kalshi.status ticker entry that is valid with an `age_ms` counts as a sign of life of
//   that book at (status ts - age_ms) (capped at now): the feed writes kalshi.book only when
//   the top changes, and says in kalshi.status how fresh each book is. A ticker missing from
//   a status is no longer followed by the feed: its invalid cause is dropped (the book
//   clock still runs).
// - Boundaries: stale when now - last >= the limit; cleared when now >= clear-start +
//   resumeAfterMs. Every call first runs the deadlines due at or before `now`, in (time,
//   name) order, each at its own time, then applies the event, then runs what became due.
//   So the transitions do not depend on how often tick() is called, and their order is a
//   function of the inputs alone.
// - Unlinked events and tickers are remembered (last prob, commence, last book) for
//   forgetUnlinkedAfterMs (default 24 h) after they were last mentioned, then forgotten.
//   forgetGame / forgetTicker drop a finished game or ticker at once; a switch that was
//   still tripped is reported `cleared` with detail `forgotten`.
//
// Timing: a small private deadline heap (lazy deletion). When src/core/deadlines.ts
// (Deadlines<K>) lands, `Timers` below can be replaced by it: set/clear/next/popDue is all
// that is used.
import type { KalshiStatus, OracleStatus } from '../schema/records.js';

export type KillCondition =
  'kalshi-feed-down' | 'reconnect-storm' | 'oracle-stale' | 'arbitration-unresolved' | 'missing-commence' | 'ticker-stale' | 'venue-down';
export type KillScope = 'global' | 'sport' | 'game' | 'ticker';

/** Conditions in the order blocked() reports them (scope first, then this order). */
export const KILL_CONDITIONS: readonly KillCondition[] = [
  'kalshi-feed-down',
  'reconnect-storm',
  'oracle-stale',
  'arbitration-unresolved',
  'missing-commence',
  'ticker-stale',
  'venue-down',
];
export const KILL_SCOPES: readonly KillScope[] = ['global', 'sport', 'game', 'ticker'];
/** The key of the global scope. */
export const GLOBAL_KEY = '*';

/** One change of a switch: the data of a `killswitch` record. */
export interface KillTransition {
  state: 'tripped' | 'cleared';
  condition: KillCondition;
  scope: KillScope;
  /** `*` (global), the sport, the event id or the ticker. */
  key: string;
  detail: string;
  /** When it happened: `now` of the call, or the due time of a deadline (<= now). */
  at: number;
}

export interface KillBlock {
  condition: KillCondition;
  scope: KillScope;
  key: string;
}

export interface KillSwitchOptions {
  /** The oracle path that prices this process, `SOURCE[/METHOD]`. */
  oracleSource: string;
  oracleStaleMs: number;
  bookStaleMs: number;
  resumeAfterMs: number;
  reconnectMax: number;
  reconnectWindowMs: number;
  /** How long a linked game may lack a commence time before missing-commence trips (default 0). */
  commenceGraceMs?: number;
  /** How long an event or ticker no link refers to is remembered after its last mention (default 24 h). */
  forgetUnlinkedAfterMs?: number;
}

export interface ActiveSwitch extends KillBlock {
  detail: string;
  trippedAt: number;
  /** Set while waiting out resumeAfterMs: when every cause went away. */
  clearSince?: number;
}

interface Switch {
  condition: KillCondition;
  scope: KillScope;
  key: string;
  /** cause -> detail, in insertion order. */
  causes: Map<string, string>;
  tripped: boolean;
  detail: string;
  trippedAt: number;
  clearSince?: number;
}

// ------------------------------------------------------------------ private timing

interface Entry {
  at: number;
  id: string;
  seq: number;
}

/**
 * A minimal deadline heap keyed by name: set (replaces), clear, next, popDue. Replaced and
 * cleared entries are dropped lazily; when they outnumber the live ones the heap is rebuilt,
 * so its size stays within 2 x live + 64 however often a deadline moves (a book every few
 * milliseconds moves its staleness deadline each time).
 */
class Timers {
  private heap: Entry[] = [];
  private live = new Map<string, { at: number; seq: number }>();
  private seq = 0;

  set(id: string, at: number): void {
    const cur = this.live.get(id);
    if (cur && cur.at === at) return;
    const e = { at, id, seq: ++this.seq };
    this.live.set(id, { at, seq: e.seq });
    this.push(e);
    if (this.heap.length > 2 * this.live.size + 64) this.rebuild();
  }

  /** Live entries only; a sorted array is a valid heap. */
  private rebuild(): void {
    const h: Entry[] = [];
    for (const [id, v] of this.live) h.push({ at: v.at, id, seq: v.seq });
    h.sort((a, b) => (Timers.less(a, b) ? -1 : Timers.less(b, a) ? 1 : 0));
    this.heap = h;
  }

  /** Entries held (live and not yet dropped), for tests of the bound. */
  get held(): number {
    return this.heap.length;
  }

  clear(id: string): void {
    this.live.delete(id);
  }

  get(id: string): number | undefined {
    return this.live.get(id)?.at;
  }

  next(): number | undefined {
    this.dropDead();
    return this.heap[0]?.at;
  }

  /** The earliest due entry (at <= now), removed; undefined when none is due. */
  popDue(now: number): { id: string; at: number } | undefined {
    this.dropDead();
    const top = this.heap[0];
    if (!top || top.at > now) return undefined;
    this.pop();
    this.live.delete(top.id);
    return { id: top.id, at: top.at };
  }

  private dropDead(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.live.get(top.id)?.seq === top.seq) return;
      this.pop();
    }
  }

  private static less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && (a.id < b.id || (a.id === b.id && a.seq < b.seq)));
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!Timers.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && Timers.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && Timers.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

// ------------------------------------------------------------------ the policy

const DAY_MS = 86_400_000;

function switchId(condition: KillCondition, scope: KillScope, key: string): string {
  return `${condition}|${scope}|${key}`;
}

interface Game {
  sport: string;
  tickers: Set<string>;
  linkedAt: number;
}

export class KillSwitches {
  private readonly source: string;
  private readonly o: Required<KillSwitchOptions>;
  private readonly switches = new Map<string, Switch>();
  private readonly timers = new Timers();
  private started = false;

  private readonly games = new Map<string, Game>();
  private readonly tickerGame = new Map<string, string>();
  private readonly tickerLinkedAt = new Map<string, number>();
  private readonly lastProb = new Map<string, number>();
  private readonly commence = new Map<string, number | null>();
  private readonly lastBook = new Map<string, number>();
  private invalid = new Set<string>();
  /** The standing game-scoped oracle.status per event (unavailable ones only). */
  private readonly gameStatus = new Map<string, { condition: KillCondition; detail: string }>();
  /** How many switches are tripped per `scope|key`: blocked() looks only where one is. */
  private readonly trippedCount = new Map<string, number>();
  private lastReconnects: number | undefined;
  private reconnectTimes: number[] = [];

  constructor(opts: KillSwitchOptions) {
    this.o = { commenceGraceMs: 0, forgetUnlinkedAfterMs: DAY_MS, ...opts };
    this.source = opts.oracleSource.split('/')[0] ?? opts.oracleSource;
    // Tripped from the start; the transition is reported by the first call.
    const sw = this.sw('kalshi-feed-down', 'global', GLOBAL_KEY);
    sw.causes.set('state', 'no live kalshi.status yet');
    this.markTripped(sw);
    sw.detail = 'no live kalshi.status yet';
    sw.trippedAt = Number.NEGATIVE_INFINITY;
  }

  // ---------------------------------------------------------------- queries

  /** The switch that refuses orders for this ticker, if any: global, sport, game, then ticker scope. */
  blocked(ticker: string, event?: string, sport?: string): KillBlock | undefined {
    if (this.trippedCount.size === 0) return undefined;
    const probes: Array<[KillScope, string | undefined]> = [
      ['global', GLOBAL_KEY],
      ['sport', sport],
      ['game', event],
      ['ticker', ticker],
    ];
    for (const [scope, key] of probes) {
      if (key === undefined || !this.trippedCount.has(`${scope}|${key}`)) continue;
      for (const condition of KILL_CONDITIONS) {
        const s = this.switches.get(switchId(condition, scope, key));
        if (s?.tripped) return { condition, scope, key };
      }
    }
    return undefined;
  }

  /** Every tripped switch (including those waiting out resumeAfterMs), in scope, condition, key order. */
  active(): ActiveSwitch[] {
    const out: ActiveSwitch[] = [];
    for (const s of this.switches.values()) {
      if (!s.tripped) continue;
      out.push({
        condition: s.condition,
        scope: s.scope,
        key: s.key,
        detail: s.detail,
        trippedAt: s.trippedAt,
        ...(s.clearSince !== undefined ? { clearSince: s.clearSince } : {}),
      });
    }
    const rank = (a: ActiveSwitch): [number, number] => [KILL_SCOPES.indexOf(a.scope), KILL_CONDITIONS.indexOf(a.condition)];
    return out.sort((a, b) => {
      const [sa, ca] = rank(a);
      const [sb, cb] = rank(b);
      return sa - sb || ca - cb || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    });
  }

  /** Deadline entries held (bounded by 2 x pending + 64). */
  get timerEntries(): number {
    return this.timers.held;
  }

  /** When tick() must next run (a staleness limit, a reconnect leaving the window, a resume). */
  next(): number | undefined {
    return this.timers.next();
  }

  // ---------------------------------------------------------------- time

  /** Run the deadlines due at or before `now`. */
  tick(now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    return out;
  }

  // ---------------------------------------------------------------- events

  /** An oracle.status record. Only the configured source counts; book-scoped statuses are ignored. */
  onOracleStatus(rec: OracleStatus, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    if (rec.source === this.source && rec.book === undefined) {
      const detail = `${rec.source} unavailable: ${rec.reason ?? 'no reason'}${rec.detail ? ` (${rec.detail})` : ''}`;
      const ev = rec.event;
      if (ev !== undefined) {
        // Game scope: remembered for every event, a switch only for linked games.
        this.touchEvent(ev, now);
        const prev = this.gameStatus.get(ev);
        const cond: KillCondition | undefined =
          rec.state === 'available' ? undefined : rec.reason === 'denied' || rec.reason === 'empty' ? 'arbitration-unresolved' : 'oracle-stale';
        if (prev && prev.condition !== cond) this.deactivate(switchId(prev.condition, 'game', ev), 'status', now);
        if (cond === undefined) {
          this.gameStatus.delete(ev);
        } else {
          this.gameStatus.set(ev, { condition: cond, detail });
          if (this.games.has(ev)) this.activate(cond, 'game', ev, 'status', detail, now, out);
        }
      } else {
        const scope: KillScope = rec.sport !== undefined ? 'sport' : 'global';
        const key = rec.sport ?? GLOBAL_KEY;
        if (rec.state === 'available') this.deactivate(switchId('oracle-stale', scope, key), 'status', now);
        else this.activate('oracle-stale', scope, key, 'status', detail, now, out);
      }
    }
    this.runDue(now, out);
    return out;
  }

  /** An oracle.prob of the configured path (the caller filters by source/method) for a game. */
  onOracleProb(event: string, _sport: string, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    this.lastProb.set(event, now);
    // A deadline that only moves later keeps its timer: it fires at the old time, finds the
    // game fresh and is set again (one heap entry per staleness window, not per record).
    if (this.games.has(event)) {
      if (this.timers.get(`prob|${event}`) === undefined) this.timers.set(`prob|${event}`, now + this.o.oracleStaleMs);
    } else this.touchEvent(event, now);
    this.deactivate(switchId('oracle-stale', 'game', event), 'no-prob', now);
    this.runDue(now, out);
    return out;
  }

  /** Live: the venue's health by cause (`private-feed`, `order-group`): down trips venue-down, up clears that cause. */
  onVenue(cause: string, up: boolean, detail: string, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    if (up) this.deactivate(switchId('venue-down', 'global', GLOBAL_KEY), cause, now);
    else this.activate('venue-down', 'global', GLOBAL_KEY, cause, detail, now, out);
    this.runDue(now, out);
    return out;
  }

  /** A kalshi.status record: feed state, reconnect counter, per-ticker validity and freshness. */
  onKalshiStatus(rec: KalshiStatus, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    // Feed state.
    const feedId = switchId('kalshi-feed-down', 'global', GLOBAL_KEY);
    if (rec.state === 'live') this.deactivate(feedId, 'state', now);
    else this.activate('kalshi-feed-down', 'global', GLOBAL_KEY, 'state', `kalshi feed ${rec.state}${rec.cause ? ` (${rec.cause})` : ''}`, now, out);
    // Reconnects.
    const n = rec.reconnects;
    if (this.lastReconnects !== undefined && n > this.lastReconnects) {
      const k = Math.min(n - this.lastReconnects, Math.max(1, this.o.reconnectMax));
      for (let i = 0; i < k; i++) this.reconnectTimes.push(now);
      if (this.reconnectTimes.length > Math.max(1, this.o.reconnectMax))
        this.reconnectTimes.splice(0, this.reconnectTimes.length - Math.max(1, this.o.reconnectMax));
    }
    this.lastReconnects = n;
    this.reconsiderReconnects(now, out);
    // Tickers.
    const listed = Object.keys(rec.tickers).sort();
    const nowInvalid = new Set<string>();
    for (const t of listed) {
      const st = rec.tickers[t]!;
      if (!st.valid) {
        nowInvalid.add(t);
        if (this.tickerGame.has(t)) this.activate('ticker-stale', 'ticker', t, 'invalid', 'kalshi.status: book invalid', now, out);
        continue;
      }
      this.deactivate(switchId('ticker-stale', 'ticker', t), 'invalid', now);
      if (st.age_ms !== null && st.age_ms !== undefined) {
        const seen = Math.min(now, rec.ts - st.age_ms);
        if (seen > (this.lastBook.get(t) ?? Number.NEGATIVE_INFINITY)) this.bookSeen(t, seen, now);
      }
    }
    for (const t of [...this.invalid].sort()) {
      if (!nowInvalid.has(t)) this.deactivate(switchId('ticker-stale', 'ticker', t), 'invalid', now);
    }
    this.invalid = nowInvalid;
    this.runDue(now, out);
    return out;
  }

  /** A kalshi.book for a ticker (any ticker; only linked ones are watched). */
  onBook(ticker: string, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    this.bookSeen(ticker, now, now);
    this.runDue(now, out);
    return out;
  }

  /** A market.link: `ticker` belongs to game `event` of `sport`. */
  onLink(ticker: string, event: string, sport: string, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    const prev = this.tickerGame.get(ticker);
    if (prev !== event) {
      if (prev !== undefined) this.unlinkTicker(ticker, prev, now);
      let g = this.games.get(event);
      if (!g) {
        g = { sport, tickers: new Set(), linkedAt: now };
        this.games.set(event, g);
        this.timers.clear(`gc-event|${event}`);
        this.timers.set(`prob|${event}`, now + this.o.oracleStaleMs);
        if (typeof this.commence.get(event) !== 'number') this.timers.set(`commence|${event}`, now + this.o.commenceGraceMs);
        const gs = this.gameStatus.get(event);
        if (gs) this.activate(gs.condition, 'game', event, 'status', gs.detail, now, out);
      }
      g.tickers.add(ticker);
      this.tickerGame.set(ticker, event);
      this.tickerLinkedAt.set(ticker, now);
      this.timers.clear(`gc-ticker|${ticker}`);
      this.timers.set(`book|${ticker}`, now + this.o.bookStaleMs);
      if (this.invalid.has(ticker)) this.activate('ticker-stale', 'ticker', ticker, 'invalid', 'kalshi.status: book invalid', now, out);
    }
    this.runDue(now, out);
    return out;
  }

  /** A game's commence time, or undefined when a record for it carries none. */
  onCommence(event: string, commenceTs: number | undefined, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    if (typeof commenceTs === 'number' && Number.isFinite(commenceTs)) {
      this.commence.set(event, commenceTs);
      this.timers.clear(`commence|${event}`);
      this.deactivate(switchId('missing-commence', 'game', event), 'missing', now);
    } else {
      this.commence.set(event, null);
      const active = this.switches.get(switchId('missing-commence', 'game', event))?.causes.has('missing') ?? false;
      if (this.games.has(event) && !active && this.timers.get(`commence|${event}`) === undefined) {
        this.timers.set(`commence|${event}`, now + this.o.commenceGraceMs);
      }
    }
    this.touchEvent(event, now);
    this.runDue(now, out);
    return out;
  }

  /** Forget a finished game, its tickers and their switches (a tripped one is reported cleared). */
  forgetGame(event: string, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    this.dropEvent(event, now, out);
    this.runDue(now, out);
    return out;
  }

  /** Forget one ticker (a closed market) and its switch. */
  forgetTicker(ticker: string, now: number): KillTransition[] {
    const out = this.begin(now);
    this.runDue(now, out);
    this.dropTicker(ticker, now, out);
    this.runDue(now, out);
    return out;
  }

  // ---------------------------------------------------------------- internals

  private begin(now: number): KillTransition[] {
    const out: KillTransition[] = [];
    if (!this.started) {
      this.started = true;
      const sw = this.switches.get(switchId('kalshi-feed-down', 'global', GLOBAL_KEY))!;
      sw.trippedAt = now;
      out.push({ state: 'tripped', condition: sw.condition, scope: sw.scope, key: sw.key, detail: sw.detail, at: now });
    }
    return out;
  }

  private runDue(now: number, out: KillTransition[]): void {
    for (let d = this.timers.popDue(now); d; d = this.timers.popDue(now)) this.fire(d.id, d.at, out);
  }

  private fire(id: string, at: number, out: KillTransition[]): void {
    const bar = id.indexOf('|');
    const kind = id.slice(0, bar);
    const key = id.slice(bar + 1);
    switch (kind) {
      case 'resume': {
        const s = this.switches.get(key);
        if (s && s.tripped && s.causes.size === 0 && s.clearSince !== undefined) {
          out.push({
            state: 'cleared',
            condition: s.condition,
            scope: s.scope,
            key: s.key,
            detail: `clear since ${s.clearSince} for ${at - s.clearSince} ms (was: ${s.detail})`,
            at,
          });
          this.unmarkTripped(s);
          this.switches.delete(key);
        }
        return;
      }
      case 'prob': {
        if (!this.games.has(key)) return;
        const last = this.lastProb.get(key);
        if (last !== undefined && last + this.o.oracleStaleMs > at) {
          this.timers.set(`prob|${key}`, last + this.o.oracleStaleMs);
          return;
        }
        const detail =
          last === undefined ? `no oracle.prob since the game was linked ${at - this.games.get(key)!.linkedAt} ms ago` : `no oracle.prob for ${at - last} ms`;
        this.activate('oracle-stale', 'game', key, 'no-prob', detail, at, out);
        return;
      }
      case 'book': {
        if (!this.tickerGame.has(key)) return;
        const last = this.lastBook.get(key);
        if (last !== undefined && last + this.o.bookStaleMs > at) {
          this.timers.set(`book|${key}`, last + this.o.bookStaleMs);
          return;
        }
        const detail =
          last === undefined ? `no book since the ticker was linked ${at - (this.tickerLinkedAt.get(key) ?? at)} ms ago` : `no book for ${at - last} ms`;
        this.activate('ticker-stale', 'ticker', key, 'no-book', detail, at, out);
        return;
      }
      case 'commence': {
        if (this.games.has(key) && typeof this.commence.get(key) !== 'number') {
          this.activate('missing-commence', 'game', key, 'missing', 'linked game has no commence time', at, out);
        }
        return;
      }
      case 'reconnect':
        this.reconsiderReconnects(at, out);
        return;
      case 'gc-event':
        if (!this.games.has(key)) this.dropEvent(key, at, out);
        return;
      case 'gc-ticker':
        if (!this.tickerGame.has(key)) this.dropTicker(key, at, out);
        return;
    }
  }

  private sw(condition: KillCondition, scope: KillScope, key: string): Switch {
    const id = switchId(condition, scope, key);
    let s = this.switches.get(id);
    if (!s) this.switches.set(id, (s = { condition, scope, key, causes: new Map(), tripped: false, detail: '', trippedAt: 0 }));
    return s;
  }

  private markTripped(s: Switch): void {
    s.tripped = true;
    const k = `${s.scope}|${s.key}`;
    this.trippedCount.set(k, (this.trippedCount.get(k) ?? 0) + 1);
  }

  private unmarkTripped(s: Switch): void {
    const k = `${s.scope}|${s.key}`;
    const n = (this.trippedCount.get(k) ?? 1) - 1;
    if (n > 0) this.trippedCount.set(k, n);
    else this.trippedCount.delete(k);
  }

  private activate(condition: KillCondition, scope: KillScope, key: string, cause: string, detail: string, at: number, out: KillTransition[]): void {
    const s = this.sw(condition, scope, key);
    s.causes.set(cause, detail);
    if (!s.tripped) {
      this.markTripped(s);
      s.detail = detail;
      s.trippedAt = at;
      out.push({ state: 'tripped', condition, scope, key, detail, at });
    } else if (s.clearSince !== undefined) {
      // Back during the resume wait: the wait starts again when it next goes away.
      s.clearSince = undefined;
      s.detail = detail;
      this.timers.clear(`resume|${switchId(condition, scope, key)}`);
    }
  }

  private deactivate(id: string, cause: string, at: number): void {
    const s = this.switches.get(id);
    if (!s || !s.causes.delete(cause)) return;
    if (s.causes.size > 0) return;
    if (!s.tripped) {
      this.switches.delete(id);
      return;
    }
    s.clearSince = at;
    this.timers.set(`resume|${id}`, at + this.o.resumeAfterMs);
  }

  private reconsiderReconnects(now: number, out: KillTransition[]): void {
    const w = this.o.reconnectWindowMs;
    const times = this.reconnectTimes;
    let drop = 0;
    while (drop < times.length && times[drop]! <= now - w) drop++;
    if (drop > 0) times.splice(0, drop);
    const id = switchId('reconnect-storm', 'global', GLOBAL_KEY);
    if (times.length >= this.o.reconnectMax && times.length > 0) {
      this.activate('reconnect-storm', 'global', GLOBAL_KEY, 'storm', `${times.length} reconnects within ${w} ms (limit ${this.o.reconnectMax})`, now, out);
    } else {
      this.deactivate(id, 'storm', now);
    }
    if (times.length > 0) this.timers.set('reconnect|', times[0]! + w);
    else this.timers.clear('reconnect|');
  }

  private bookSeen(ticker: string, seen: number, now: number): void {
    this.lastBook.set(ticker, seen);
    if (this.tickerGame.has(ticker)) {
      const due = seen + this.o.bookStaleMs;
      if (due > now && this.switches.size > 0) this.deactivate(switchId('ticker-stale', 'ticker', ticker), 'no-book', now);
      // Moving later keeps the timer (see onOracleProb); an earlier one is set now.
      const cur = this.timers.get(`book|${ticker}`);
      if (cur === undefined || due < cur) this.timers.set(`book|${ticker}`, due);
    } else {
      this.timers.set(`gc-ticker|${ticker}`, now + this.o.forgetUnlinkedAfterMs);
    }
  }

  /** An unlinked event was mentioned: remember it for forgetUnlinkedAfterMs more. */
  private touchEvent(event: string, now: number): void {
    if (this.games.has(event)) return;
    this.timers.set(`gc-event|${event}`, now + this.o.forgetUnlinkedAfterMs);
  }

  private unlinkTicker(ticker: string, event: string, now: number): void {
    const g = this.games.get(event);
    if (!g) return;
    g.tickers.delete(ticker);
    if (g.tickers.size === 0) {
      this.games.delete(event);
      this.timers.clear(`prob|${event}`);
      this.timers.clear(`commence|${event}`);
      this.timers.set(`gc-event|${event}`, now + this.o.forgetUnlinkedAfterMs);
      // Without a linked ticker the game's own clocks no longer apply.
      this.deactivate(switchId('oracle-stale', 'game', event), 'no-prob', now);
      this.deactivate(switchId('missing-commence', 'game', event), 'missing', now);
      const gs = this.gameStatus.get(event);
      if (gs) this.deactivate(switchId(gs.condition, 'game', event), 'status', now);
    }
  }

  private dropTicker(ticker: string, now: number, out: KillTransition[]): void {
    const ev = this.tickerGame.get(ticker);
    if (ev !== undefined) this.unlinkTicker(ticker, ev, now);
    this.tickerGame.delete(ticker);
    this.tickerLinkedAt.delete(ticker);
    this.lastBook.delete(ticker);
    this.invalid.delete(ticker);
    for (const k of ['book', 'gc-ticker']) this.timers.clear(`${k}|${ticker}`);
    this.forgetSwitch(switchId('ticker-stale', 'ticker', ticker), now, out);
  }

  private dropEvent(event: string, now: number, out: KillTransition[]): void {
    const g = this.games.get(event);
    if (g) for (const t of [...g.tickers].sort()) this.dropTicker(t, now, out);
    this.games.delete(event);
    this.lastProb.delete(event);
    this.commence.delete(event);
    this.gameStatus.delete(event);
    for (const k of ['prob', 'commence', 'gc-event']) this.timers.clear(`${k}|${event}`);
    for (const c of ['oracle-stale', 'arbitration-unresolved', 'missing-commence'] as const) this.forgetSwitch(switchId(c, 'game', event), now, out);
  }

  private forgetSwitch(id: string, at: number, out: KillTransition[]): void {
    const s = this.switches.get(id);
    if (!s) return;
    this.switches.delete(id);
    this.timers.clear(`resume|${id}`);
    if (s.tripped) this.unmarkTripped(s);
    if (s.tripped) out.push({ state: 'cleared', condition: s.condition, scope: s.scope, key: s.key, detail: `forgotten (was: ${s.detail})`, at });
  }
}
