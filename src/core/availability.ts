// Availability as records: a feed emits `oracle.status` on every change of (state,
// reason) of a key: a sport ("nba"), or one game at one book ("nba-…-den-mem|pinnacle").
// The first state seen for a key is a change (unknown -> known). Pure.
import type { ORACLE_REASONS } from '../schema/records.js';

export type OracleReason = (typeof ORACLE_REASONS)[number];

export type Availability = { state: 'available' } | { state: 'unavailable'; reason: OracleReason; detail: string };

export class StatusTracker {
  private readonly cur = new Map<string, Availability>();

  /** Record the state of `key`; true when it differs from the last one (emit a status). */
  set(key: string, a: Availability): boolean {
    const prev = this.cur.get(key);
    this.cur.set(key, a);
    if (!prev) return true;
    if (prev.state !== a.state) return true;
    return prev.state === 'unavailable' && a.state === 'unavailable' && prev.reason !== a.reason;
  }

  get(key: string): Availability | undefined {
    return this.cur.get(key);
  }

  isAvailable(key: string): boolean {
    return this.cur.get(key)?.state === 'available';
  }

  get size(): number {
    return this.cur.size;
  }

  /** Forget every key the predicate picks. */
  deleteWhere(pick: (key: string) => boolean): void {
    for (const k of [...this.cur.keys()]) if (pick(k)) this.cur.delete(k);
  }

  delete(key: string): void {
    this.cur.delete(key);
  }

  /** Forget every key whose name starts with `prefix` (all keys when omitted). */
  reset(prefix?: string): void {
    if (prefix === undefined) {
      this.cur.clear();
      return;
    }
    for (const k of [...this.cur.keys()]) if (k.startsWith(prefix)) this.cur.delete(k);
  }
}
