// Stable k-way merge by time: records from several sorted streams come out ordered by
// (time, stream index, line) (nautilus_trader's rule), so a merge of recorded files is
// the same every time. An input that goes back in time is an error, not silently
// reordered, unless a reorder slack is allowed (reorder()): then each input may run late
// by at most that much, and is put back in order within a bounded buffer.

export interface Timed<T> {
  ts: number;
  /** Position of the source in the argument list: the tie-breaker after ts. */
  stream: number;
  /** Line number within the source: the last tie-breaker. */
  line: number;
  item: T;
}

export class UnsortedInputError extends Error {
  /** The input's name (its path), once known: set by src/stream/inputs.ts. */
  source: string | undefined;
  /** The reorder slack in force (ms), once known. */
  slackMs = 0;

  constructor(
    readonly stream: number,
    readonly line: number,
    readonly ts: number,
    readonly prevTs: number,
  ) {
    super(`input ${stream} line ${line}: ts ${ts} is earlier than ${prevTs}, already passed on`);
    this.name = 'UnsortedInputError';
  }
}

function before<T>(a: Timed<T>, b: Timed<T>): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  if (a.stream !== b.stream) return a.stream < b.stream;
  return a.line < b.line;
}

/** A binary min-heap of timed items in (ts, stream, line) order. */
class TimedHeap<T> {
  private readonly a: Array<Timed<T>> = [];

  get size(): number {
    return this.a.length;
  }

  peek(): Timed<T> | undefined {
    return this.a[0];
  }

  push(x: Timed<T>): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): Timed<T> | undefined {
    const a = this.a;
    const top = a[0];
    const end = a.pop();
    if (a.length > 0 && end !== undefined) {
      a[0] = end;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Put one source back in time order where it runs late by at most `slackMs` (live
 * pipeline stages stamp their own decisions while passing on records received a few ms
 * earlier). An item is passed on once the source has shown a time `slackMs` beyond it;
 * one that arrives after a later item was already passed on is an UnsortedInputError.
 */
export async function* reorder<T>(source: AsyncIterable<Timed<T>>, slackMs: number): AsyncGenerator<Timed<T>> {
  const heap = new TimedHeap<T>();
  let maxSeen = -Infinity;
  let lastOut = -Infinity;
  for await (const x of source) {
    if (x.ts < lastOut) throw new UnsortedInputError(x.stream, x.line, x.ts, lastOut);
    heap.push(x);
    if (x.ts > maxSeen) maxSeen = x.ts;
    while (heap.size > 0 && heap.peek()!.ts <= maxSeen - slackMs) {
      const y = heap.pop()!;
      lastOut = y.ts;
      yield y;
    }
  }
  while (heap.size > 0) yield heap.pop()!;
}

/** Merge sorted async sources. Each source yields Timed items with its own stream index. */
export async function* mergeByTime<T>(sources: Array<AsyncIterator<Timed<T>>>): AsyncGenerator<Timed<T>> {
  const heap = new TimedHeap<{ src: number; value: T }>();
  const last = new Map<number, number>();
  const pull = async (src: number): Promise<void> => {
    const r = await sources[src]!.next();
    if (r.done) return;
    const prev = last.get(src);
    if (prev !== undefined && r.value.ts < prev) throw new UnsortedInputError(r.value.stream, r.value.line, r.value.ts, prev);
    last.set(src, r.value.ts);
    heap.push({ ts: r.value.ts, stream: r.value.stream, line: r.value.line, item: { src, value: r.value.item } });
  };
  for (let s = 0; s < sources.length; s++) await pull(s);
  while (heap.size > 0) {
    const top = heap.pop()!;
    yield { ts: top.ts, stream: top.stream, line: top.line, item: top.item.value };
    await pull(top.item.src);
  }
}
