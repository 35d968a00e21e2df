// Stable k-way merge by time: records from several sorted streams come out ordered by
// (ts, stream index, line) (nautilus_trader's rule), so a merge of recorded files is the
// same every time. An input that goes back in time is an error, not silently reordered.

export interface Timed<T> {
  ts: number;
  /** Position of the source in the argument list: the tie-breaker after ts. */
  stream: number;
  /** Line number within the source: the last tie-breaker. */
  line: number;
  item: T;
}

export class UnsortedInputError extends Error {
  constructor(readonly stream: number, readonly line: number, readonly ts: number, readonly prevTs: number) {
    super(`input ${stream} line ${line}: ts ${ts} is earlier than the previous record's ${prevTs}`);
    this.name = 'UnsortedInputError';
  }
}

function before<T>(a: Timed<T>, b: Timed<T>): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  if (a.stream !== b.stream) return a.stream < b.stream;
  return a.line < b.line;
}

/** Merge sorted async sources. Each source yields Timed items with its own stream index. */
export async function* mergeByTime<T>(sources: Array<AsyncIterator<Timed<T>>>): AsyncGenerator<Timed<T>> {
  const heap: Array<{ head: Timed<T>; src: number }> = [];
  const last = new Map<number, number>();
  const pull = async (src: number): Promise<void> => {
    const r = await sources[src]!.next();
    if (r.done) return;
    const prev = last.get(src);
    if (prev !== undefined && r.value.ts < prev) throw new UnsortedInputError(r.value.stream, r.value.line, r.value.ts, prev);
    last.set(src, r.value.ts);
    push({ head: r.value, src });
  };
  const push = (e: { head: Timed<T>; src: number }): void => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[i]!.head, heap[p]!.head)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): { head: Timed<T>; src: number } => {
    const top = heap[0]!;
    const end = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = end;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!.head, heap[m]!.head)) m = l;
        if (r < heap.length && before(heap[r]!.head, heap[m]!.head)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  for (let s = 0; s < sources.length; s++) await pull(s);
  while (heap.length > 0) {
    const top = pop();
    yield top.head;
    await pull(top.src);
  }
}
