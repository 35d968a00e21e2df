// Polling a metered REST source (The Odds API) without overspending (roadmap item 12):
// the phase of a sport decides how often it is worth polling, and a credit budget decides
// whether a poll may start at all. Pure: times and header values are passed in.
//
// Budget rules, in order:
//   1. Quota floor: when the source says fewer than reserve + cost credits remain
//      (x-requests-remaining), no poll starts: `exhausted` (the feed reports quota).
//   2. Daily cap: over any rolling 24 h window, the credits spent (x-requests-last, or the
//      expected cost when the header is missing) never exceed creditsPerDay; a poll that
//      would is delayed until enough spending has aged out of the window.
//   3. Slow-down: below the low-water mark (lowWaterFraction of the daily budget left in
//      the window, or fewer than slowBelowRemaining credits left in the quota) intervals
//      are stretched by lowWater/left, at most 16x.

export type Phase = 'far' | 'near' | 'live';

/**
 * live: a listed game has started (the source lists in-play games until they end);
 * near: one starts within nearWindowMs; far: otherwise (or nothing listed).
 */
export function phaseOf(commenceTimes: Iterable<number>, now: number, nearWindowMs: number): Phase {
  let near = false;
  for (const c of commenceTimes) {
    if (c <= now) return 'live';
    if (c - now <= nearWindowMs) near = true;
  }
  return near ? 'near' : 'far';
}

export interface BudgetConfig {
  creditsPerDay: number;
  /** Fraction of the daily budget below which polling slows down. */
  lowWaterFraction: number;
  /** Never let x-requests-remaining go below this. */
  reserveCredits: number;
  /** Slow down when the quota has fewer credits left than this. */
  slowBelowRemaining: number;
}

export const WINDOW_MS = 86_400_000;
export const MAX_SLOW_FACTOR = 16;

export type Gate = { ok: true; at: number } | { ok: false; reason: 'reserve' | 'over-budget'; detail: string };

interface Spend {
  t: number;
  credits: number;
}

export class CreditBudget {
  private spends: Spend[] = [];
  /** Last values read from the source's headers. */
  remaining: number | undefined;
  used: number | undefined;
  last: number | undefined;

  constructor(private readonly cfg: BudgetConfig) {
    if (!(cfg.creditsPerDay > 0)) throw new Error('creditsPerDay must be > 0');
  }

  /** Credits spent in the window ending at `now`. */
  spent(now: number): number {
    this.prune(now);
    let n = 0;
    for (const s of this.spends) n += s.credits;
    return n;
  }

  /** A request was made at `t` and cost `credits`. */
  record(t: number, credits: number): void {
    if (credits > 0) this.spends.push({ t, credits });
  }

  /** Header values of a response (any may be missing). */
  observe(h: { remaining?: number | undefined; used?: number | undefined; last?: number | undefined }): void {
    if (h.remaining !== undefined) this.remaining = h.remaining;
    if (h.used !== undefined) this.used = h.used;
    if (h.last !== undefined) this.last = h.last;
  }

  /** May a request of `cost` credits start at `now`, and if not now, when? */
  gate(now: number, cost: number): Gate {
    if (this.remaining !== undefined && this.remaining - cost < this.cfg.reserveCredits) {
      return { ok: false, reason: 'reserve', detail: `${this.remaining} credits remaining, reserve ${this.cfg.reserveCredits}, next call costs ${cost}` };
    }
    if (cost > this.cfg.creditsPerDay) {
      return { ok: false, reason: 'over-budget', detail: `a call costs ${cost} credits, more than the daily budget of ${this.cfg.creditsPerDay}` };
    }
    const spent = this.spent(now);
    const excess = spent + cost - this.cfg.creditsPerDay;
    if (excess <= 0) return { ok: true, at: now };
    let freed = 0;
    for (const s of this.spends) {
      freed += s.credits;
      if (freed >= excess) return { ok: true, at: s.t + WINDOW_MS };
    }
    return { ok: true, at: now + WINDOW_MS }; // unreachable: spends sum to `spent` >= excess
  }

  /** How much to stretch polling intervals now: 1 (normal) .. MAX_SLOW_FACTOR. */
  slowFactor(now: number): number {
    const lowWater = this.cfg.lowWaterFraction * this.cfg.creditsPerDay;
    let f = 1;
    if (lowWater > 0) f = Math.min(f, (this.cfg.creditsPerDay - this.spent(now)) / lowWater);
    if (this.remaining !== undefined && this.cfg.slowBelowRemaining > 0) {
      f = Math.min(f, (this.remaining - this.cfg.reserveCredits) / this.cfg.slowBelowRemaining);
    }
    return f >= 1 ? 1 : Math.min(MAX_SLOW_FACTOR, 1 / Math.max(f, 1 / MAX_SLOW_FACTOR));
  }

  private prune(now: number): void {
    let i = 0;
    while (i < this.spends.length && this.spends[i]!.t <= now - WINDOW_MS) i++;
    if (i > 0) this.spends = this.spends.slice(i);
  }
}
