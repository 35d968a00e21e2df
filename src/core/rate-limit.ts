// Client-side token buckets for the Kalshi REST budgets (reference §2.3): one Read and one
// Write bucket, each refilled at `refillPerSec` tokens per second up to `capacity`, read
// at start from GET /account/limits. Requests wait in lanes: reads in one, and on the
// write bucket cancels in a priority lane ahead of placements, so that a burst of
// placements can never starve a cancel: a waiting cancel is always served first, and a
// placement may only take tokens that leave `cancelReserve` in the bucket. A 429 says
// the exchange's bucket is empty whatever ours believes: `refused` empties ours, so
// every waiting request waits for the refill instead of all retrying at once.
// Pure: time comes in as `now` (ms); the caller sleeps (src/feeds/kalshi-throttle.ts).
import type { Bucket, Lane } from './kalshi-requests.js';

export interface BucketLimits {
  /** Tokens per second. */
  refillPerSec: number;
  /** Tokens the bucket holds when full. */
  capacity: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly limits: BucketLimits,
    now: number,
  ) {
    if (!(limits.refillPerSec > 0) || !(limits.capacity > 0))
      throw new Error(`token bucket needs a positive refill rate and capacity, not ${JSON.stringify(limits)}`);
    this.tokens = limits.capacity;
    this.at = now;
  }

  /** Tokens in the bucket at `now`. */
  level(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(this.limits.capacity, this.tokens + ((now - this.at) * this.limits.refillPerSec) / 1000);
      this.at = now;
    }
    return this.tokens;
  }

  /** Take `cost` if that leaves at least `reserve`; false (nothing taken) otherwise. */
  take(cost: number, now: number, reserve = 0): boolean {
    if (this.level(now) - cost < reserve - 1e-9) return false;
    this.tokens -= cost;
    return true;
  }

  /** Ms until `cost` can be taken leaving `reserve` (0: now). */
  waitMs(cost: number, now: number, reserve = 0): number {
    const short = cost + reserve - this.level(now);
    return short <= 1e-9 ? 0 : Math.ceil((short * 1000) / this.limits.refillPerSec);
  }

  /** Empty the bucket (the exchange said 429). */
  drain(now: number): void {
    this.level(now);
    this.tokens = 0;
  }
}

export interface RateLimitOptions {
  read: BucketLimits;
  write: BucketLimits;
  /** Write tokens a placement must leave for cancels (default: 5 cancels, 10 tokens, at most half the capacity). */
  cancelReserve?: number;
}

interface Waiter {
  id: number;
  lane: Lane;
  cost: number;
}

export type Admission = { ok: true } | { ok: false; reason: string };

/**
 * The lanes and buckets. `enqueue` a request, then call `grant(now)` whenever time has
 * passed or something changed: it returns the ids that may go now (cancels before
 * placements, each lane first come first served) and when to call again.
 */
export class RateLimits {
  private readonly buckets: Record<Bucket, TokenBucket>;
  private readonly lanes: Record<Lane, Waiter[]> = { read: [], cancel: [], place: [] };
  private next = 1;
  readonly cancelReserve: number;

  constructor(o: RateLimitOptions, now: number) {
    this.buckets = { read: new TokenBucket(o.read, now), write: new TokenBucket(o.write, now) };
    this.cancelReserve = Math.max(0, Math.min(o.cancelReserve ?? 10, o.write.capacity / 2));
  }

  /** Whether a request of this cost can ever be served (the exchange rejects one larger than the bucket). */
  admissible(lane: Lane, cost: number): Admission {
    const b = this.buckets[lane === 'read' ? 'read' : 'write'];
    const need = cost + (lane === 'place' ? this.cancelReserve : 0);
    if (cost > b.limits.capacity)
      return { ok: false, reason: `costs ${cost} tokens, more than the ${lane === 'read' ? 'read' : 'write'} bucket holds (${b.limits.capacity})` };
    if (need > b.limits.capacity)
      return {
        ok: false,
        reason: `costs ${cost} tokens and must leave ${this.cancelReserve} for cancels, more than the write bucket holds (${b.limits.capacity})`,
      };
    return { ok: true };
  }

  /** Queue a request; its id comes back from grant() when it may go. Check admissible() first. */
  enqueue(lane: Lane, cost: number): number {
    const id = this.next++;
    this.lanes[lane].push({ id, lane, cost });
    return id;
  }

  /** Forget a queued request (its caller gave up). */
  remove(id: number): void {
    for (const l of Object.values(this.lanes)) {
      const i = l.findIndex((w) => w.id === id);
      if (i >= 0) l.splice(i, 1);
    }
  }

  /** The exchange answered 429 for this bucket: ours is empty too. */
  refused(bucket: Bucket, now: number): void {
    this.buckets[bucket].drain(now);
  }

  /** Tokens now (for metrics). */
  level(bucket: Bucket, now: number): number {
    return this.buckets[bucket].level(now);
  }

  waiting(lane: Lane): number {
    return this.lanes[lane].length;
  }

  /** The ids that may go now, in order, and the ms after which to call again (undefined: nothing waits). */
  grant(now: number): { ids: number[]; wakeInMs: number | undefined } {
    const ids: number[] = [];
    let wake: number | undefined;
    const soonest = (ms: number): void => {
      wake = wake === undefined ? ms : Math.min(wake, ms);
    };
    const serve = (lane: Lane, bucket: TokenBucket, reserve: number): boolean => {
      const q = this.lanes[lane];
      while (q.length) {
        const w = q[0]!;
        if (!bucket.take(w.cost, now, reserve)) {
          soonest(Math.max(1, bucket.waitMs(w.cost, now, reserve)));
          return false;
        }
        q.shift();
        ids.push(w.id);
      }
      return true;
    };
    serve('read', this.buckets.read, 0);
    // Cancels first; placements only once no cancel waits, and never into the cancels' reserve.
    if (serve('cancel', this.buckets.write, 0)) serve('place', this.buckets.write, this.cancelReserve);
    return { ids, wakeInMs: wake };
  }
}

/** The limits GET /account/limits returns (reference §2.3), or why the body is not usable. */
export function parseAccountLimits(body: unknown): { ok: true; tier: string; read: BucketLimits; write: BucketLimits } | { ok: false; reason: string } {
  const b = body as
    | { usage_tier?: unknown; read?: { refill_rate?: unknown; bucket_capacity?: unknown }; write?: { refill_rate?: unknown; bucket_capacity?: unknown } }
    | undefined;
  const one = (x: { refill_rate?: unknown; bucket_capacity?: unknown } | undefined, name: string): BucketLimits | string => {
    const r = Number(x?.refill_rate);
    const c = Number(x?.bucket_capacity);
    if (!(r > 0) || !(c > 0) || !Number.isFinite(r) || !Number.isFinite(c))
      return `${name}: refill_rate and bucket_capacity must be positive numbers, got ${JSON.stringify(x ?? null)}`;
    return { refillPerSec: r, capacity: c };
  };
  const read = one(b?.read, 'read');
  const write = one(b?.write, 'write');
  if (typeof read === 'string') return { ok: false, reason: read };
  if (typeof write === 'string') return { ok: false, reason: write };
  return { ok: true, tier: typeof b?.usage_tier === 'string' ? b.usage_tier : 'unknown', read, write };
}
