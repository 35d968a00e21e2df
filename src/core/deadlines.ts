// Keyed deadlines: at most one deadline per key (a quote's max age, a feed's staleness,
// a game's pregame cutoff), the earliest found in O(log n). Pure: the caller says what
// time it is. Setting a key again replaces its deadline; the old heap entry is left in
// place and skipped when it comes up (lazy deletion), and the heap is rebuilt from the
// live keys when stale entries outnumber them, so memory stays proportional to the keys.
// Keys due together come out in the order their deadlines were set: deterministic.
import { DeadlineHeap } from './deadline-heap.js';

interface Entry {
  at: number;
  /** Which set() made this deadline: a heap entry with another gen is stale. */
  gen: number;
}

export class Deadlines<K> {
  private readonly live = new Map<K, Entry>();
  private heap = new DeadlineHeap<{ key: K; gen: number }>();
  private nextGen = 0;

  /** Number of keys with a deadline. */
  get size(): number {
    return this.live.size;
  }

  /** Give `key` the deadline `at` (epoch ms), replacing any it had. */
  set(key: K, at: number): void {
    if (Number.isNaN(at)) throw new RangeError('Deadlines.set: deadline is NaN');
    const gen = this.nextGen++;
    this.live.set(key, { at, gen });
    this.heap.push(at, { key, gen });
    if (this.heap.size > 2 * this.live.size + 64) this.compact();
  }

  /** Remove `key`'s deadline, if any. */
  clear(key: K): void {
    this.live.delete(key);
    if (this.live.size === 0) this.heap.clear();
  }

  /** `key`'s deadline, if it has one. */
  get(key: K): number | undefined {
    return this.live.get(key)?.at;
  }

  has(key: K): boolean {
    return this.live.has(key);
  }

  /** The earliest deadline, or undefined when there is none. */
  next(): number | undefined {
    this.dropStale();
    return this.heap.size > 0 ? this.heap.topDue() : undefined;
  }

  /** Remove and return every key due at or before `now`, by (deadline, order set). */
  popDue(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      this.dropStale();
      if (this.heap.size === 0 || this.heap.topDue() > now) break;
      const { key } = this.heap.pop()!;
      this.live.delete(key);
      out.push(key);
    }
    return out;
  }

  /** Every key and its deadline, in the order popDue would return them. */
  entries(): Array<[K, number]> {
    return [...this.live].sort((a, b) => a[1].at - b[1].at || a[1].gen - b[1].gen).map(([k, e]) => [k, e.at]);
  }

  private dropStale(): void {
    while (this.heap.size > 0) {
      const top = this.heap.topItem();
      if (this.live.get(top.key)?.gen === top.gen) return;
      this.heap.pop();
    }
  }

  private compact(): void {
    // Pushed again in the order they were set: ties keep that order in the new heap.
    const keep = [...this.live].sort((a, b) => a[1].gen - b[1].gen);
    this.heap = new DeadlineHeap();
    for (const [key, e] of keep) this.heap.push(e.at, { key, gen: e.gen });
  }
}
