// The REST client's rate limiter: the pure lanes and buckets of src/core/rate-limit.ts
// driven by the injected clock. Its capacity comes from GET /account/limits at start
// (loadThrottle), never from a hard-coded tier. Each request waits for its tokens before
// every attempt; a 429 empties the bucket (every waiting request then waits for the
// refill, and the refused one also backs off with the one jittered backoff in the
// client), so a 429 never turns into a retry storm.
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { RequestClass } from '../core/kalshi-requests.js';
import { RateLimits, parseAccountLimits } from '../core/rate-limit.js';
import { RestError, type KalshiRest, type Throttle } from './kalshi-rest.js';

export class KalshiThrottle implements Throttle {
  private readonly waiters = new Map<number, () => void>();
  private timer: TimerHandle | undefined;
  /** 429s heard, by bucket (metrics). */
  readonly refusals = { read: 0, write: 0 };

  constructor(
    readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {}

  acquire(c: RequestClass, path: string): Promise<void> {
    const a = this.limits.admissible(c.lane, c.cost);
    if (!a.ok) return Promise.reject(new RestError(0, 'over-budget', `${c.kind} ${a.reason}: it could never be sent`, path));
    const id = this.limits.enqueue(c.lane, c.cost);
    const p = new Promise<void>((resolve) => this.waiters.set(id, resolve));
    this.pump();
    return p;
  }

  refused(c: RequestClass): void {
    this.refusals[c.bucket]++;
    this.limits.refused(c.bucket, this.clock.now());
  }

  /** Stop the timer (shutdown); requests still waiting are left unresolved. */
  close(): void {
    this.clock.clear(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    const g = this.limits.grant(this.clock.now());
    for (const id of g.ids) {
      const r = this.waiters.get(id);
      this.waiters.delete(id);
      r?.();
    }
    this.clock.clear(this.timer);
    this.timer =
      g.wakeInMs === undefined
        ? undefined
        : this.clock.setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, g.wakeInMs);
  }
}

/**
 * Read the account's buckets (GET /account/limits, itself unthrottled) and install a
 * throttle on the client. Throws when the answer is not usable: no invented limits.
 */
export async function loadThrottle(rest: KalshiRest, clock: Clock, opts: { cancelReserve?: number } = {}): Promise<{ throttle: KalshiThrottle; tier: string }> {
  const body = await rest.get('/account/limits');
  const p = parseAccountLimits(body);
  if (!p.ok) throw new RestError(200, 'bad-shape', `GET /account/limits: ${p.reason}`, '/account/limits');
  const throttle = new KalshiThrottle(
    new RateLimits({ read: p.read, write: p.write, ...(opts.cancelReserve !== undefined ? { cancelReserve: opts.cancelReserve } : {}) }, clock.now()),
    clock,
  );
  rest.setThrottle(throttle);
  return { throttle, tier: p.tier };
}
