// A binary min-heap of (due, item), the one priority queue of deadlines (arbitrate's
// staleness deadlines, the keyed Deadlines of stateful commands). Entries with the same
// due time pop in the order they were pushed (a sequence number breaks the tie), so the
// order of work on the clock never depends on the heap's shape: replays are byte-identical.
// It does not delete: superseded entries are skipped lazily by the caller.

export class DeadlineHeap<T> {
  private dues: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.dues.length;
  }

  /** Due time of the earliest entry; only when size > 0. */
  topDue(): number {
    return this.dues[0]!;
  }

  /** Item of the earliest entry; only when size > 0. */
  topItem(): T {
    return this.items[0]!;
  }

  push(due: number, item: T): void {
    const d = this.dues;
    const s = this.seqs;
    const k = this.items;
    const seq = this.nextSeq++;
    let i = d.length;
    d.push(due);
    s.push(seq);
    k.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      // A parent pushed earlier at the same due time stays above: seqs only grow.
      if (d[p]! <= due) break;
      d[i] = d[p]!;
      s[i] = s[p]!;
      k[i] = k[p]!;
      i = p;
    }
    d[i] = due;
    s[i] = seq;
    k[i] = item;
  }

  /** Remove the earliest entry and return its item (undefined when empty). */
  pop(): T | undefined {
    const d = this.dues;
    const s = this.seqs;
    const k = this.items;
    if (d.length === 0) return undefined;
    const top = k[0];
    const lastD = d.pop()!;
    const lastS = s.pop()!;
    const lastK = k.pop()!;
    const n = d.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (d[r]! < d[l]! || (d[r] === d[l] && s[r]! < s[l]!)) ? r : l;
      if (d[c]! > lastD || (d[c] === lastD && s[c]! > lastS)) break;
      d[i] = d[c]!;
      s[i] = s[c]!;
      k[i] = k[c]!;
      i = c;
    }
    d[i] = lastD;
    s[i] = lastS;
    k[i] = lastK;
    return top;
  }

  /** Drop every entry (the sequence keeps counting, so order stays by push). */
  clear(): void {
    this.dues = [];
    this.seqs = [];
    this.items = [];
  }
}
