import t from 'tap';
import { Deadlines } from '../../src/core/deadlines.js';
import { randomInt, seededRandom } from '../../src/core/prng.js';

t.test('set, get, replace, clear, next, size', async (t) => {
  const d = new Deadlines<string>();
  t.equal(d.next(), undefined);
  t.equal(d.size, 0);
  d.set('a', 100);
  d.set('b', 50);
  t.equal(d.next(), 50);
  t.equal(d.get('a'), 100);
  t.equal(d.size, 2);
  d.set('b', 200); // moved later: a is now first
  t.equal(d.next(), 100);
  t.equal(d.size, 2, 'a replaced deadline is one key');
  d.clear('a');
  t.equal(d.get('a'), undefined);
  t.notOk(d.has('a'));
  t.equal(d.next(), 200);
  d.clear('nothing'); // clearing an unknown key is harmless
  t.equal(d.size, 1);
  t.throws(() => d.set('x', NaN), RangeError);
});

t.test('popDue: every key due at or before now, by (deadline, order set); removed', async (t) => {
  const d = new Deadlines<string>();
  d.set('late', 30);
  d.set('x', 10);
  d.set('y', 20);
  d.set('z', 10);
  d.set('w', 10);
  d.set('x', 10); // set again: now after z and w
  t.same(d.popDue(9), []);
  t.same(d.popDue(10), ['z', 'w', 'x']);
  t.same(d.popDue(10), [], 'popped keys are gone');
  t.equal(d.size, 2);
  t.same(d.entries(), [
    ['y', 20],
    ['late', 30],
  ]);
  t.same(d.popDue(1000), ['y', 'late']);
  t.equal(d.next(), undefined);
});

t.test('a key moved later is not returned at its old time; moved earlier, at its new', async (t) => {
  const d = new Deadlines<number>();
  d.set(1, 10);
  d.set(1, 50);
  d.set(2, 40);
  d.set(2, 5);
  t.same(d.popDue(10), [2]);
  t.equal(d.next(), 50);
  t.same(d.popDue(49), []);
  t.same(d.popDue(50), [1]);
});

t.test('memory stays bounded when one key is pushed later again and again', async (t) => {
  const d = new Deadlines<string>();
  for (let i = 0; i < 100_000; i++) d.set('k', 1000 + i);
  const heap = (d as unknown as { heap: { size: number } }).heap;
  t.ok(heap.size <= 2 * d.size + 64 + 1, `heap holds ${heap.size} entries for ${d.size} key`);
  t.same(d.popDue(100_000 + 999), ['k']);
});

t.test('randomized against a naive model: next(), popDue() order and size agree', async (t) => {
  const rand = seededRandom(42);
  for (let round = 0; round < 40; round++) {
    const d = new Deadlines<number>();
    // The model: key -> (at, seq of the set that made it).
    const model = new Map<number, { at: number; seq: number }>();
    let seq = 0;
    let now = 0;
    const ops = randomInt(rand, 10, 600);
    for (let i = 0; i < ops; i++) {
      const r = rand();
      const key = randomInt(rand, 0, 15);
      if (r < 0.5) {
        const at = now + randomInt(rand, -3, 30); // some already due, many ties
        d.set(key, at);
        model.set(key, { at, seq: seq++ });
      } else if (r < 0.65) {
        d.clear(key);
        model.delete(key);
      } else if (r < 0.75) {
        t.equal(d.get(key), model.get(key)?.at);
      } else {
        now += randomInt(rand, 0, 8);
        const due = [...model]
          .filter(([, e]) => e.at <= now)
          .sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq)
          .map(([k]) => k);
        for (const k of due) model.delete(k);
        const got = d.popDue(now);
        if (JSON.stringify(got) !== JSON.stringify(due)) t.fail(`round ${round} op ${i}: popDue(${now}) ${JSON.stringify(got)} != ${JSON.stringify(due)}`);
      }
      const next = [...model.values()].reduce<number | undefined>((m, e) => (m === undefined || e.at < m ? e.at : m), undefined);
      if (d.next() !== next || d.size !== model.size) {
        t.fail(`round ${round} op ${i}: next ${d.next()} vs ${next}, size ${d.size} vs ${model.size}`);
        return;
      }
    }
    t.pass(`round ${round}: ${ops} operations agree`);
  }
});
