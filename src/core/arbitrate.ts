// Sportsbook arbitration (roadmap item 2): from every book's latest moneyline for a game,
// the one line the oracle uses, under a configured policy. Pure: time comes in as `now`
// (the caller's clock), and the caller asks nextDeadline() when to call tick() so a
// silent feed is noticed by the clock, not only when the next record arrives.
//
// State is kept per (source, event): each oracle source is its own path (the control and
// the experiment feed are arbitrated separately). Per book, the latest line wins: the
// highest ts; an equal ts from the same book replaces the earlier one (a book's own
// stream is in its order). A line is usable at time `now` while now - ts <=
// maxAgeMs and no upstream oracle.status holds its source (or book, sport, event)
// unavailable.
//
// Policies:
//   pinnacle-only     Pinnacle's usable line, or nothing.
//   primary-fallback  the first book of `books` (priority order) with a usable line. A
//                     lower book never replaces a usable higher one.
//   weighted-blend    every usable book of `books`, blended with its weight (weights
//                     renormalised over the books used; at least minBooks of them).
//
// The blend is taken in implied-probability space, per side: pi = sum w_b / O_b, and the
// published odds are 1/pi. Implied probabilities are what the books' prices mean; their
// weighted mean is a proper mixture (a linear opinion pool), so the blend's booksum is
// exactly the weighted mean of the books' booksums and de-vig downstream still sees the
// margin it must remove. Averaging decimal odds instead would overweight long shots (1/x
// is convex), and averaging de-vigged probabilities would tie arbitrate to one method.
//
// Determinism: the decision at time `now` is a function of the set of latest lines per
// book, the upstream status held, and `now` alone, so for a fixed set of updates the line
// in force after the last one (and at any later clock time) does not depend on the order
// in which the books' updates arrived, ties in ts included. Only the sequence of records
// published on the way may differ (test/core/arbitrate.test.ts checks both).
import type { TimeField } from '../schema/common.js';
import type { OddsLine, OracleLine, OracleStatus } from '../schema/records.js';
import { DeadlineHeap } from './deadline-heap.js';

/**
 * When the source last confirmed a line: its receipt time (recv_ts) if it has one, else
 * its ts. Freshness is judged on this, not on when the price last changed: a poll of
 * The Odds API confirms a line whose last_update is hours old, and a quiet Pinnacle
 * price is still Pinnacle's price. (Which line is newest is still decided by ts.)
 */
function seen(l: OddsLine): number {
  return l.recv_ts ?? l.ts;
}
export type PolicyName = 'pinnacle-only' | 'primary-fallback' | 'weighted-blend';

export interface ArbitratePolicy {
  name: PolicyName;
  /** Books the policy may use, in priority order (pinnacle-only: ignored, it is ['pinnacle']). */
  books: readonly string[];
  /** weighted-blend: relative weight per book. */
  weights?: Readonly<Record<string, number>>;
  /** A line is usable while now - ts <= maxAgeMs. */
  maxAgeMs: number;
  /** weighted-blend: fewest usable books needed. */
  minBooks?: number;
  /** An event with no fresh line for this long is forgotten (no record is written). */
  forgetAfterMs: number;
}

export type ArbitrateOutput = OracleLine | OracleStatus;

type Reason = NonNullable<OracleStatus['reason']>;

interface Block {
  source: string;
  sport: string | undefined;
  event: string | undefined;
  book: string | undefined;
  reason: Reason;
  detail: string | undefined;
  /** The status's time: lines of the scope seen at or before it are withdrawn. */
  ts: number;
}

interface EventState {
  source: string;
  event: string;
  sport: OddsLine['sport'];
  /** Latest line per book. */
  lines: Map<string, OddsLine>;
  /** Newest ts of any line held. */
  lastTs: number;
  /** What downstream was last told: nothing yet, a line, or unavailable. */
  state: 'none' | 'line' | 'unavailable';
  /** The book lines behind the line in force (by identity: a new update is a new object). */
  used: readonly OddsLine[];
  inForce: OracleLine | undefined;
  /** When the decision may next change by the clock alone (a usable line going stale, or forgetting). */
  due: number;
  /** Due time of this event's live heap entry (Infinity: none; -1: forgotten). */
  heapDue: number;
}

export interface ArbitrateCounts {
  lines: number;
  superseded: number;
  /** Lines dropped because their source said they were gone (an unavailable status). */
  withdrawn: number;
  published: number;
  unavailable: number;
  forgotten: number;
}

const NONE: readonly OddsLine[] = [];

export class Arbiter {
  readonly label: string;
  readonly counts: ArbitrateCounts = { lines: 0, superseded: 0, withdrawn: 0, published: 0, unavailable: 0, forgotten: 0 };
  private readonly books: readonly string[];
  private readonly weights: ReadonlyMap<string, number>;
  private readonly blend: boolean;
  private readonly minBooks: number;
  private readonly maxAge: number;
  /** source -> event -> state. */
  private readonly bySource = new Map<string, Map<string, EventState>>();
  private readonly blocks = new Map<string, Block>();
  private readonly heap = new DeadlineHeap<EventState>();
  private eventsNow = 0;
  private unavailableNow = 0;

  constructor(private readonly policy: ArbitratePolicy) {
    if (!(policy.maxAgeMs >= 0) || !(policy.forgetAfterMs > policy.maxAgeMs)) {
      throw new Error('arbitrate: need maxAgeMs >= 0 and forgetAfterMs > maxAgeMs');
    }
    this.books = policy.name === 'pinnacle-only' ? ['pinnacle'] : [...policy.books];
    if (this.books.length === 0) throw new Error('arbitrate: no books');
    this.blend = policy.name === 'weighted-blend';
    const w = new Map<string, number>();
    if (this.blend) {
      for (const b of this.books) {
        const x = policy.weights?.[b];
        if (x === undefined || !(x > 0) || !Number.isFinite(x)) throw new Error(`arbitrate: weighted-blend needs a positive weight for ${b}`);
        w.set(b, x);
      }
    }
    this.weights = w;
    this.minBooks = this.blend ? (policy.minBooks ?? 1) : 1;
    this.maxAge = policy.maxAgeMs;
    this.label = policyLabel(policy.name, this.books, w);
  }

  /** One book's line. Returns what to publish, in order. */
  line(l: OddsLine, now: number): ArbitrateOutput[] {
    this.counts.lines++;
    let events = this.bySource.get(l.source);
    if (!events) this.bySource.set(l.source, (events = new Map()));
    let ev = events.get(l.event);
    if (!ev) {
      ev = {
        source: l.source,
        event: l.event,
        sport: l.sport,
        lines: new Map(),
        lastTs: seen(l),
        state: 'none',
        used: NONE,
        inForce: undefined,
        due: Infinity,
        heapDue: Infinity,
      };
      events.set(l.event, ev);
      this.eventsNow++;
    }
    const held = ev.lines.get(l.book);
    if (held && l.ts < held.ts) {
      this.counts.superseded++;
      return [];
    }
    // A line from before a hold that covers it arrived late: withdrawn, as if it had come first.
    if (this.blocks.size > 0 && this.withdrawnBy(l)) {
      this.counts.withdrawn++;
      return [];
    }
    ev.lines.set(l.book, l);
    if (seen(l) > ev.lastTs) ev.lastTs = seen(l);
    const out: ArbitrateOutput[] = [];
    this.evaluate(ev, now, out);
    return out;
  }

  /**
   * An upstream oracle.status. Unavailable holds every line of its source (narrowed by
   * sport, event and book where the status names them) until an available status for
   * the same scope, or a wider one, clears it. It also withdraws the lines of that scope
   * seen at or before the status: the source has said they are gone (a side pulled, a
   * disconnect), so clearing the block must not bring them back; only lines the source
   * sends again do.
   */
  status(s: OracleStatus, now: number): ArbitrateOutput[] {
    const scope = { source: s.source, sport: s.sport, event: s.event, book: s.book };
    if (s.state === 'unavailable') {
      const key = scopeKey(scope);
      const ts = Math.max(s.ts, this.blocks.get(key)?.ts ?? -Infinity);
      this.blocks.set(key, { ...scope, reason: s.reason ?? 'disconnected', detail: s.detail, ts });
    } else {
      for (const [k, b] of this.blocks) if (within(b, scope)) this.blocks.delete(k);
    }
    const out: ArbitrateOutput[] = [];
    const events = this.bySource.get(s.source);
    if (events) {
      for (const ev of sortEvents([...events.values()])) {
        if (s.sport !== undefined && ev.sport !== s.sport) continue;
        if (s.event !== undefined && ev.event !== s.event) continue;
        if (s.state === 'unavailable') {
          for (const [book, l] of ev.lines) {
            if ((s.book === undefined || book === s.book) && seen(l) <= s.ts) {
              ev.lines.delete(book);
              this.counts.withdrawn++;
            }
          }
        }
        this.evaluate(ev, now, out);
      }
    }
    return out;
  }

  /** Re-decide every game whose deadline has come (at or before now). */
  tick(now: number): ArbitrateOutput[] {
    const due: EventState[] = [];
    while (this.heap.size > 0 && this.heap.topDue() <= now) {
      const topDue = this.heap.topDue();
      const ev = this.heap.topItem();
      this.heap.pop();
      if (ev.heapDue !== topDue) continue; // superseded or forgotten
      ev.heapDue = Infinity;
      if (ev.due <= now) due.push(ev);
      else this.enqueue(ev); // the deadline moved later since this entry was made
    }
    const out: ArbitrateOutput[] = [];
    // Games due together are handled in a fixed order, whatever order they were scheduled in.
    for (const ev of sortEvents(due)) {
      if (now - ev.lastTs > this.policy.forgetAfterMs && !this.anyFresh(ev, now)) this.forget(ev);
      else this.evaluate(ev, now, out);
    }
    return out;
  }

  /**
   * When to call tick() next, or undefined. It may be early (a deadline that moved later
   * is found at tick time), never late.
   */
  nextDeadline(): number | undefined {
    while (this.heap.size > 0) {
      const due = this.heap.topDue();
      if (this.heap.topItem().heapDue === due) return due;
      this.heap.pop(); // superseded entry
    }
    return undefined;
  }

  /** The oracle line in force for a game, if any (as last published). */
  inForce(source: string, event: string): OracleLine | undefined {
    return this.bySource.get(source)?.get(event)?.inForce;
  }

  /** What downstream was last told for a game. */
  stateOf(source: string, event: string): 'none' | 'line' | 'unavailable' | undefined {
    return this.bySource.get(source)?.get(event)?.state;
  }

  /** Upstream holds in force (for tests of a long run's memory). */
  get holdCount(): number {
    return this.blocks.size;
  }

  get eventCount(): number {
    return this.eventsNow;
  }

  get unavailableCount(): number {
    return this.unavailableNow;
  }

  // -------------------------------------------------------------- deciding

  private evaluate(ev: EventState, now: number, out: ArbitrateOutput[]): void {
    const used = this.pick(ev, now);
    if (used !== undefined) {
      if (ev.state === 'unavailable') {
        out.push(this.statusRecord(ev, now, 'available', undefined, `line from ${used.map((l) => l.book).join(', ')}`));
        this.unavailableNow--;
      }
      if (ev.state !== 'line' || !sameLines(used, ev.used)) {
        const rec = this.lineRecord(used, now);
        ev.inForce = rec;
        ev.used = used;
        out.push(rec);
        this.counts.published++;
      }
      ev.state = 'line';
    } else {
      if (ev.state !== 'unavailable') {
        const why = this.explain(ev, now);
        out.push(this.statusRecord(ev, now, 'unavailable', why.reason, why.detail));
        this.counts.unavailable++;
        this.unavailableNow++;
      }
      ev.state = 'unavailable';
      ev.used = NONE;
      ev.inForce = undefined;
    }
    this.schedule(ev, now);
  }

  private usable(l: OddsLine | undefined, now: number): l is OddsLine {
    return l !== undefined && now - seen(l) <= this.maxAge && (this.blocks.size === 0 || this.blockOf(l) === undefined);
  }

  /**
   * The book lines the policy uses now, or undefined when none qualifies. Returns the
   * array in force when nothing changed (no allocation on the hot path).
   */
  private pick(ev: EventState, now: number): readonly OddsLine[] | undefined {
    if (!this.blend) {
      for (const book of this.books) {
        const l = ev.lines.get(book);
        if (this.usable(l, now)) return ev.used.length === 1 && ev.used[0] === l ? ev.used : [l];
      }
      return undefined;
    }
    const used: OddsLine[] = [];
    for (const book of this.books) {
      const l = ev.lines.get(book);
      if (this.usable(l, now)) used.push(l);
    }
    return used.length >= this.minBooks ? used : undefined;
  }

  /** Why no book qualifies: denied (no line from a book the policy allows), stale, or the upstream reason. */
  private explain(ev: EventState, now: number): { reason: Reason; detail: string } {
    const why: string[] = [];
    let anyHeld = false;
    let anyStale = false;
    let usable = 0;
    let blockedBy: Block | undefined;
    for (const book of this.books) {
      const l = ev.lines.get(book);
      if (!l) {
        // No line: never sent, or withdrawn by a status that may still hold.
        const block = this.blockOf({ source: ev.source, sport: ev.sport, event: ev.event, book });
        if (block) {
          anyHeld = true;
          blockedBy ??= block;
          why.push(`${book}: source unavailable (${block.reason}${block.detail ? `: ${block.detail}` : ''})`);
        } else {
          why.push(`${book}: no line`);
        }
        continue;
      }
      anyHeld = true;
      const age = now - seen(l);
      const block = this.blockOf(l);
      if (age > this.maxAge) {
        anyStale = true;
        why.push(`${book}: stale (age ${age} ms > ${this.maxAge})`);
      } else if (block) {
        blockedBy ??= block;
        why.push(`${book}: source unavailable (${block.reason}${block.detail ? `: ${block.detail}` : ''})`);
      } else {
        usable++;
      }
    }
    if (!anyHeld && ev.lines.size === 0) {
      return { reason: 'empty', detail: `no line held: ${why.join('; ')} (withdrawn by the source, not sent again yet)` };
    }
    if (!anyHeld) {
      const others = [...ev.lines.keys()].sort();
      return { reason: 'denied', detail: `policy ${this.label} uses ${this.books.join(', ')}; lines only from ${others.join(', ')}` };
    }
    if (usable > 0) why.unshift(`${usable} usable book(s), fewer than min_books ${this.minBooks}`);
    return { reason: anyStale || !blockedBy ? 'stale' : blockedBy.reason, detail: why.join('; ') };
  }

  private lineRecord(used: readonly OddsLine[], now: number): OracleLine {
    const first = used[0]!;
    let lineTs = first.ts;
    for (const l of used) if (l.ts > lineTs) lineTs = l.ts;
    let homeOdds = first.home_odds;
    let awayOdds = first.away_odds;
    let weights: Record<string, number> | undefined;
    if (this.blend) {
      let total = 0;
      for (const l of used) total += this.weights.get(l.book)!;
      weights = {};
      let ph = 0;
      let pa = 0;
      for (const l of used) {
        const w = this.weights.get(l.book)! / total;
        weights[l.book] = w;
        ph += w / l.home_odds;
        pa += w / l.away_odds;
      }
      homeOdds = 1 / ph;
      awayOdds = 1 / pa;
    }
    return {
      type: 'oracle.line',
      ts: now > lineTs ? now : lineTs,
      source: first.source,
      sport: first.sport,
      event: first.event,
      home: first.home,
      away: first.away,
      commence_ts: first.commence_ts,
      policy: this.label,
      books: used.map((l) => l.book),
      weights,
      line_ts: lineTs,
      home_odds: homeOdds,
      away_odds: awayOdds,
      time_assumed: assumedOf(used),
    };
  }

  private statusRecord(ev: EventState, now: number, state: 'available' | 'unavailable', reason: Reason | undefined, detail: string): OracleStatus {
    return { type: 'oracle.status', ts: now, source: ev.source, sport: ev.sport, event: ev.event, state, reason, detail, policy: this.label };
  }

  // -------------------------------------------------------------- clock

  private schedule(ev: EventState, now: number): void {
    // The decision can change by the clock alone when a line of a policy book goes stale
    // (at its confirmation time + maxAge + 1); with none fresh, the game is forgotten
    // forgetAfterMs after its newest line was confirmed.
    let due = Infinity;
    for (const book of this.books) {
      const l = ev.lines.get(book);
      if (!l) continue;
      const expiry = seen(l) + this.maxAge + 1;
      if (expiry > now && expiry < due) due = expiry;
    }
    if (due === Infinity) due = Math.max(now + 1, ev.lastTs + this.policy.forgetAfterMs + 1);
    ev.due = due;
    if (due < ev.heapDue) this.enqueue(ev);
  }

  private enqueue(ev: EventState): void {
    ev.heapDue = ev.due;
    this.heap.push(ev.due, ev);
  }

  private anyFresh(ev: EventState, now: number): boolean {
    for (const l of ev.lines.values()) if (now - seen(l) <= this.maxAge) return true;
    return false;
  }

  private forget(ev: EventState): void {
    const events = this.bySource.get(ev.source);
    events?.delete(ev.event);
    if (events?.size === 0) this.bySource.delete(ev.source);
    if (ev.state === 'unavailable') this.unavailableNow--;
    // Holds on this game alone go with it (a finished game's books never say available again).
    for (const [k, b] of this.blocks) if (b.event === ev.event && b.source === ev.source) this.blocks.delete(k);
    ev.heapDue = -1;
    this.eventsNow--;
    this.counts.forgotten++;
  }

  private withdrawnBy(l: OddsLine): boolean {
    const t = seen(l);
    for (const b of this.blocks.values()) if (b.ts >= t && within(l, b)) return true;
    return false;
  }

  private blockOf(l: { source: string; sport: string; event: string; book: string }): Block | undefined {
    let found: Block | undefined;
    for (const b of this.blocks.values()) {
      if (b.source !== l.source) continue;
      if (b.sport !== undefined && b.sport !== l.sport) continue;
      if (b.event !== undefined && b.event !== l.event) continue;
      if (b.book !== undefined && b.book !== l.book) continue;
      // Several may match: report the widest (fewest fields set), then by key, so the
      // reason does not depend on the order the statuses arrived in.
      if (!found || narrowness(b) < narrowness(found) || (narrowness(b) === narrowness(found) && scopeKey(b) < scopeKey(found))) found = b;
    }
    return found;
  }
}

/**
 * The same book lines: same books, each with the same ts and prices. A source that only
 * re-confirms a line (a poll answering the unchanged price; only recv_ts is newer) has
 * not changed the line in force, so nothing is republished.
 */
function sameLines(a: readonly OddsLine[], b: readonly OddsLine[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.book !== y.book || x.ts !== y.ts || x.home_odds !== y.home_odds || x.away_odds !== y.away_odds)) return false;
  }
  return true;
}

function sortEvents(evs: EventState[]): EventState[] {
  return evs.sort((a, b) => cmp(a.source, b.source) || cmp(a.event, b.event));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function policyLabel(name: PolicyName, books: readonly string[], weights: ReadonlyMap<string, number>): string {
  if (name === 'pinnacle-only') return 'pinnacle-only';
  if (name === 'primary-fallback') return `primary-fallback:${books.join('>')}`;
  return `weighted-blend:${books.map((b) => `${b}=${weights.get(b)}`).join(',')}`;
}

interface Scope {
  source: string;
  sport: string | undefined;
  event: string | undefined;
  book: string | undefined;
}

function scopeKey(s: Scope): string {
  return `${s.source}|${s.sport ?? '*'}|${s.event ?? '*'}|${s.book ?? '*'}`;
}

function narrowness(s: Scope): number {
  return (s.sport !== undefined ? 1 : 0) + (s.event !== undefined ? 1 : 0) + (s.book !== undefined ? 1 : 0);
}

/** True when scope `inner` is the same as or narrower than `outer`. */
function within(inner: Scope, outer: Scope): boolean {
  return (
    inner.source === outer.source &&
    (outer.sport === undefined || inner.sport === outer.sport) &&
    (outer.event === undefined || inner.event === outer.event) &&
    (outer.book === undefined || inner.book === outer.book)
  );
}

/**
 * An oracle.line's assumed times (import-history's lines: see history.ts): its ts and
 * line_ts when a line it uses has an assumed ts, its commence_ts when one has an assumed
 * commence_ts. Undefined (the field is left out) when every time is observed.
 */
function assumedOf(used: readonly OddsLine[]): TimeField[] | undefined {
  let ts = false;
  let commence = false;
  for (const l of used) {
    const a = l.time_assumed;
    if (a === undefined) continue;
    if (a.includes('ts')) ts = true;
    if (a.includes('commence_ts')) commence = true;
  }
  if (!ts && !commence) return undefined;
  const out: TimeField[] = [];
  if (ts) out.push('ts');
  if (commence) out.push('commence_ts');
  if (ts) out.push('line_ts');
  return out;
}
