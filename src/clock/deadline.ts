// One timer for the earliest of many deadlines. A stateful command keeps its deadlines
// in a pure structure (src/core/deadlines.ts, arbitrate's Arbiter) and asks it for the
// next one; this keeps a single clock timer set for that time. A deadline that moves
// earlier re-arms the timer; one that moves later keeps it (the timer fires early, finds
// nothing due, and is set again), so a steady stream of updates costs one timer per
// deadline window, not one per update. On the ReplayClock the timer fires at its due
// time as the data passes it, before same-time records: a replay is deterministic.
import type { Clock, TimerHandle } from './clock.js';

/**
 * The longest a timer is set ahead: an early wake-up is harmless (nothing is due, the
 * timer is set again), and a far deadline must not overflow the system timer (Node's
 * setTimeout treats more than 2^31-1 ms as 1 ms).
 */
export const MAX_TIMER_AHEAD_MS = 3_600_000;

export class DeadlineTimer {
  private timer: TimerHandle | undefined;
  private timerDue = Infinity;
  private stopped = false;

  /**
   * @param next the earliest pending deadline (epoch ms on `clock`), or undefined; it may
   *   be early (a deadline that moved later), never late.
   * @param fire called with the clock's time when the earliest deadline has come; it
   *   handles everything due. The timer is set again after it returns.
   */
  constructor(
    private readonly clock: Clock,
    private readonly next: () => number | undefined,
    private readonly fire: (now: number) => void,
  ) {}

  /** Call after any change to the deadlines: sets the timer if the earliest moved earlier. */
  schedule(): void {
    if (this.stopped) return;
    const due = this.next() ?? Infinity;
    if (due >= this.timerDue || due === Infinity) return;
    this.clock.clear(this.timer);
    this.timerDue = due;
    this.timer = this.clock.setTimeout(this.onTimer, Math.min(due - this.clock.now(), MAX_TIMER_AHEAD_MS));
  }

  /** Cancel the timer for good (end of input): later schedule() calls do nothing. */
  stop(): void {
    this.stopped = true;
    this.clock.clear(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  /** True while a timer is set. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    const due = this.next();
    // Woken by the cap (a deadline over an hour ahead): nothing to do yet.
    if (due !== undefined && due <= now) this.fire(now);
    this.schedule();
  };
}
