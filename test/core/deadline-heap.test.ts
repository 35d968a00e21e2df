import t from 'tap';
import { DeadlineHeap } from '../../src/core/deadline-heap.js';
import { randomInt, seededRandom } from '../../src/core/prng.js';

function drain<T>(h: DeadlineHeap<T>): Array<[number, T]> {
  const out: Array<[number, T]> = [];
  while (h.size > 0) {
    const due = h.topDue();
    const item = h.topItem();
    if (h.pop() !== item) throw new Error('pop did not return the top item');
    out.push([due, item]);
  }
  return out;
}

t.test('pops by due time; ties in the order pushed', async (t) => {
  const h = new DeadlineHeap<string>();
  t.equal(h.size, 0);
  t.equal(h.pop(), undefined, 'pop of an empty heap');
  for (const [due, x] of [
    [5, 'a'],
    [3, 'b'],
    [5, 'c'],
    [1, 'd'],
    [3, 'e'],
    [5, 'f'],
  ] as const)
    h.push(due, x);
  t.equal(h.size, 6);
  t.equal(h.topDue(), 1);
  t.same(drain(h), [
    [1, 'd'],
    [3, 'b'],
    [3, 'e'],
    [5, 'a'],
    [5, 'c'],
    [5, 'f'],
  ]);
});

t.test('many equal deadlines keep insertion order through pushes and pops mixed', async (t) => {
  const h = new DeadlineHeap<number>();
  for (let i = 0; i < 100; i++) h.push(7, i);
  const first = [h.pop(), h.pop(), h.pop()];
  for (let i = 100; i < 150; i++) h.push(7, i);
  h.push(6, -1);
  t.same(first, [0, 1, 2]);
  t.same(
    drain(h).map(([, x]) => x),
    [-1, ...Array.from({ length: 147 }, (_, i) => i + 3)],
  );
});

t.test('randomized against a sorted list: same order, ties by push order', async (t) => {
  const rand = seededRandom(20261207);
  for (let round = 0; round < 50; round++) {
    const h = new DeadlineHeap<number>();
    const model: Array<{ due: number; seq: number }> = [];
    let seq = 0;
    const popped: number[] = [];
    const expected: number[] = [];
    const ops = randomInt(rand, 1, 300);
    for (let i = 0; i < ops; i++) {
      if (model.length > 0 && rand() < 0.35) {
        model.sort((a, b) => a.due - b.due || a.seq - b.seq);
        expected.push(model.shift()!.seq);
        popped.push(h.pop()!);
      } else {
        const due = randomInt(rand, 0, 20); // few distinct values: many ties
        h.push(due, seq);
        model.push({ due, seq });
        seq++;
      }
      t.equal(h.size, model.length);
    }
    model.sort((a, b) => a.due - b.due || a.seq - b.seq);
    expected.push(...model.map((m) => m.seq));
    popped.push(...drain(h).map(([, x]) => x));
    t.same(popped, expected, `round ${round}`);
  }
});

t.test('clear empties it', async (t) => {
  const h = new DeadlineHeap<string>();
  h.push(1, 'a');
  h.clear();
  t.equal(h.size, 0);
  h.push(2, 'b');
  h.push(2, 'c');
  t.same(drain(h), [
    [2, 'b'],
    [2, 'c'],
  ]);
});
