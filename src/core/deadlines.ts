// PLACEHOLDER until wip-loop lands its heap-backed version with the same API.
export class Deadlines<K> {
  private readonly at = new Map<K, number>();
  set(key: K, at: number): void { this.at.set(key, at); }
  clear(key: K): void { this.at.delete(key); }
  get(key: K): number | undefined { return this.at.get(key); }
  get size(): number { return this.at.size; }
  next(): number | undefined {
    let best: number | undefined;
    for (const v of this.at.values()) if (best === undefined || v < best) best = v;
    return best;
  }
  popDue(now: number): K[] {
    const due = [...this.at].filter(([, v]) => v <= now).sort((a, b) => a[1] - b[1]).map(([k]) => k);
    for (const k of due) this.at.delete(k);
    return due;
  }
}
