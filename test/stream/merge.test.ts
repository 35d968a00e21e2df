import t from 'tap';
import { mergeByTime, reorder, UnsortedInputError, type Timed } from '../../src/stream/merge.js';

async function* src(stream: number, tss: number[]): AsyncGenerator<Timed<string>> {
  let line = 0;
  for (const ts of tss) {
    line++;
    yield { ts, stream, line, item: `${stream}:${line}` };
  }
}

async function all<T>(g: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
}

t.test('ordered by (ts, stream, line), ties by stream order then line', async (t) => {
  const out = await all(mergeByTime([src(0, [1, 3, 3, 9]), src(1, [2, 3, 4]), src(2, [])].map((g) => g[Symbol.asyncIterator]())));
  t.same(
    out.map((x) => x.item),
    ['0:1', '1:1', '0:2', '0:3', '1:2', '1:3', '0:4'],
  );
});

t.test('an input going back in time is an error naming it', async (t) => {
  let caught: unknown;
  try {
    await all(mergeByTime([src(0, [1, 2]), src(1, [5, 4])].map((g) => g[Symbol.asyncIterator]())));
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof UnsortedInputError);
  t.match(caught, { stream: 1, line: 2, ts: 4, prevTs: 5 });
});

t.test('reorder: late by at most the slack is put back in order; later than that is an error', async (t) => {
  const out = await all(reorder(src(0, [10, 12, 11, 15, 14, 20]), 2));
  t.same(
    out.map((x) => x.ts),
    [10, 11, 12, 14, 15, 20],
  );
  t.same(
    out.filter((x) => x.ts === 12).map((x) => x.line),
    [2],
    'lines keep their identity',
  );
  let caught: unknown;
  try {
    await all(reorder(src(0, [10, 20, 30, 13]), 2)); // 20 was passed on when 30 came: 13 cannot be placed
  } catch (e) {
    caught = e;
  }
  t.match(caught, { line: 4, ts: 13, prevTs: 20 });
  t.same(
    (await all(reorder(src(0, [10, 20, 13]), 2))).map((x) => x.ts),
    [10, 13, 20],
    'late beyond the slack but still placeable: in order',
  );
  t.same(
    (await all(reorder(src(0, [5, 5, 5]), 0))).map((x) => x.line),
    [1, 2, 3],
    'ties keep file order',
  );
});
