// Time enters the program only through a Clock. Live runs use the system clock; replay
// runs use a ReplayClock that follows the records, so two replays of one file produce
// byte-identical output (logs included: the logger takes its `time` from the clock).
import { partitionPoint } from '../core/search.js';

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
  /** Timers created with unref() do not keep a live process alive. */
  unref?(handle: TimerHandle): void;
}

export class SystemClock implements Clock {
  private next = 1;
  private readonly live = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.live.set(
      id,
      setTimeout(
        () => {
          this.live.delete(id);
          fn();
        },
        Math.max(0, ms),
      ),
    );
    return { id };
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.live.set(id, setInterval(fn, Math.max(1, ms)));
    return { id };
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.live.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.live.delete(handle.id);
    }
  }

  unref(handle: TimerHandle): void {
    this.live.get(handle.id)?.unref();
  }
}

interface ReplayTimer {
  id: number;
  due: number;
  seq: number;
  every: number | null;
  fn: () => void;
}

/** Beats a repeating replay timer fires one by one when the clock jumps; beyond, it skips. */
const MAX_CATCH_UP = 10_000;

/**
 * A clock driven by the data. advanceTo(t) fires every timer due at or before t, in
 * (due time, creation order), with now() equal to each timer's due time while it runs;
 * then now() becomes t. Callers advance the clock to a record's ts before handling the
 * record, so timers fire before same-time data.
 */
export class ReplayClock implements Clock {
  private t: number;
  private anchored: boolean;
  private start: number;
  private nextId = 1;
  private nextSeq = 1;
  private timers: ReplayTimer[] = [];
  private readonly byId = new Map<number, ReplayTimer>();

  /**
   * Without a start time the clock is unanchored: it reads 0, and the first advanceTo(t)
   * anchors it at t, shifting timers created so far by t (so a 10 s interval set up
   * before the first record fires 10 s after it, not 10 s after 1970).
   */
  constructor(start?: number) {
    this.t = start ?? 0;
    this.start = this.t;
    this.anchored = start !== undefined;
  }

  get isAnchored(): boolean {
    return this.anchored;
  }

  /** The time the clock was anchored at (its first time), once it is. */
  get anchoredAt(): number | undefined {
    return this.anchored ? this.start : undefined;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms);
    return this.add(fn, every, every);
  }

  clear(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const timer = this.byId.get(handle.id);
    if (!timer) return;
    this.byId.delete(handle.id);
    this.timers = this.timers.filter((x) => x !== timer);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.timers.length;
  }

  /** Move time forward to t (never backwards), firing due timers in order. */
  advanceTo(t: number): void {
    if (!this.anchored) {
      this.anchored = true;
      for (const timer of this.timers) timer.due += t;
      this.t = t;
      this.start = t;
    }
    for (;;) {
      const next = this.timers[0];
      if (!next || next.due > t) break;
      this.timers.shift();
      // A repeating timer more than MAX_CATCH_UP beats behind (the data jumped, or a stray
      // record carried a tiny ts) skips to its last beat at or before t: the beats in
      // between saw no data, and firing 1e8 of them would spin for minutes.
      if (next.every !== null && t - next.due > MAX_CATCH_UP * next.every) next.due += Math.floor((t - next.due) / next.every) * next.every;
      if (next.due > this.t) this.t = next.due;
      if (next.every !== null) {
        next.due += next.every;
        next.seq = this.nextSeq++;
        this.insert(next);
      } else {
        this.byId.delete(next.id);
      }
      next.fn();
    }
    if (t > this.t) this.t = t;
  }

  private add(fn: () => void, delay: number, every: number | null): TimerHandle {
    const timer: ReplayTimer = { id: this.nextId++, due: this.t + delay, seq: this.nextSeq++, every, fn };
    this.byId.set(timer.id, timer);
    this.insert(timer);
    return { id: timer.id };
  }

  private insert(timer: ReplayTimer): void {
    // Timers are few; a sorted array with binary search keeps the order explicit.
    const ts = this.timers;
    const at = partitionPoint(0, ts.length, (i) => ts[i]!.due < timer.due || (ts[i]!.due === timer.due && ts[i]!.seq < timer.seq));
    ts.splice(at, 0, timer);
  }
}
