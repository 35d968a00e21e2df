// Freshness-safe assembly of two-way lines from one-sided updates (roadmap item 4).
//
// State is kept per (game, book) with a price and a source timestamp per side. A source
// like BoltOdds sends deltas: one update may carry one side only, and a side may be pulled
// (suspended) on its own. Each change is decided at once, at decision time `now`:
//
//   full       both sides present and neither older than sideStalenessMs: publish the pair.
//   waiting    one side present, the other missing: nothing is published; the state is a
//              "partial" from the moment it became one-sided.
//   stale-leg  both sides present but one (or both) older than sideStalenessMs: rejected,
//              nothing is published (a new price next to an old partner is not a line).
//   empty      no side left (both pulled): the state is dropped.
//
// A partial expires on the clock: partialTtlMs after it became one-sided, expire(now)
// drops it (the lone side is forgotten) whether or not anything else happens: the
// `expired` outcome. Only a full pair leaves the partial state. A side's age is
// now - its timestamp, in the source's time base (when the source last reported that
// price). Pure: the caller passes `now` and owns the timer that calls expire().

export type Side = 'home' | 'away';

export interface SidePrice {
  /** Decimal odds. */
  odds: number;
  /** The source's value, verbatim (e.g. American "-148"). */
  raw: string;
  /** When the source last reported this price (epoch ms). */
  ts: number;
}

/** A side's new state: a price, or null when the side was pulled. Undefined: unchanged. */
export type SideChange = SidePrice | null | undefined;

export interface PartialConfig {
  sideStalenessMs: number;
  partialTtlMs: number;
}

export interface Pair<M> {
  readonly key: string;
  meta: M;
  home: SidePrice | undefined;
  away: SidePrice | undefined;
  /** When the state became one-sided (undefined while both sides are present). */
  partialSince: number | undefined;
  /** partialSince + partialTtlMs. */
  deadline: number | undefined;
}

export type Outcome = 'full' | 'waiting' | 'stale-leg' | 'empty';
/** The four outcomes the counters distinguish (partial_lines_total{outcome}). */
export const COUNTED_OUTCOMES = ['full', 'waiting', 'expired', 'stale-leg'] as const;

export interface Decision<M> {
  outcome: Outcome;
  pair: Pair<M>;
  /** stale-leg: the older side and its age at decision time. */
  staleSide?: Side;
  staleAgeMs?: number;
  /** waiting: the side that is missing. */
  missing?: Side;
}

export interface Expired<M> {
  pair: Pair<M>;
  /** The instant it expired (partialSince + ttl), not when the sweep ran. */
  at: number;
  /** The side it still had. */
  had: Side;
}

export class PartialLines<M> {
  private readonly pairs = new Map<string, Pair<M>>();

  constructor(private readonly cfg: PartialConfig) {
    if (!(cfg.sideStalenessMs > 0) || !(cfg.partialTtlMs > 0)) throw new Error('sideStalenessMs and partialTtlMs must be > 0');
  }

  get size(): number {
    return this.pairs.size;
  }

  get(key: string): Pair<M> | undefined {
    return this.pairs.get(key);
  }

  values(): IterableIterator<Pair<M>> {
    return this.pairs.values();
  }

  /**
   * Apply one update of (game, book) and decide. With `snapshot` the update is the whole
   * state (a side not given is pulled); otherwise only the given sides change.
   */
  apply(key: string, meta: M, home: SideChange, away: SideChange, snapshot: boolean, now: number): Decision<M> {
    let p = this.pairs.get(key);
    if (!p) {
      p = { key, meta, home: undefined, away: undefined, partialSince: undefined, deadline: undefined };
      this.pairs.set(key, p);
    } else {
      p.meta = meta;
    }
    if (snapshot) {
      p.home = home ?? undefined;
      p.away = away ?? undefined;
    } else {
      if (home !== undefined) p.home = home ?? undefined;
      if (away !== undefined) p.away = away ?? undefined;
    }
    return this.decide(p, now);
  }

  private decide(p: Pair<M>, now: number): Decision<M> {
    const h = p.home;
    const a = p.away;
    if (!h && !a) {
      this.pairs.delete(p.key);
      return { outcome: 'empty', pair: p };
    }
    if (!h || !a) {
      if (p.partialSince === undefined) {
        p.partialSince = now;
        p.deadline = now + this.cfg.partialTtlMs;
      }
      return { outcome: 'waiting', pair: p, missing: h ? 'away' : 'home' };
    }
    p.partialSince = undefined;
    p.deadline = undefined;
    const ageH = now - h.ts;
    const ageA = now - a.ts;
    const limit = this.cfg.sideStalenessMs;
    if (ageH > limit || ageA > limit) {
      const staleSide: Side = ageH >= ageA ? 'home' : 'away';
      return { outcome: 'stale-leg', pair: p, staleSide, staleAgeMs: Math.max(ageH, ageA) };
    }
    return { outcome: 'full', pair: p };
  }

  /** Drop every partial whose deadline is at or before `now`, oldest deadline first. */
  expire(now: number): Array<Expired<M>> {
    const out: Array<Expired<M>> = [];
    for (const p of this.pairs.values()) {
      if (p.deadline !== undefined && p.deadline <= now) out.push({ pair: p, at: p.deadline, had: p.home ? 'home' : 'away' });
    }
    if (out.length > 1) out.sort((x, y) => x.at - y.at);
    for (const e of out) this.pairs.delete(e.pair.key);
    return out;
  }

  /** The earliest partial deadline, if any (for the caller's timer). */
  nextDeadline(): number | undefined {
    let best: number | undefined;
    for (const p of this.pairs.values()) if (p.deadline !== undefined && (best === undefined || p.deadline < best)) best = p.deadline;
    return best;
  }

  /** Remove the states matching `pred` (a game pulled, a book cleared); returns them. */
  removeWhere(pred: (p: Pair<M>) => boolean): Array<Pair<M>> {
    const out: Array<Pair<M>> = [];
    for (const p of this.pairs.values()) if (pred(p)) out.push(p);
    for (const p of out) this.pairs.delete(p.key);
    return out;
  }

  /** Forget everything (a reconnect: state is rebuilt from the fresh snapshot). */
  clear(): void {
    this.pairs.clear();
  }
}
