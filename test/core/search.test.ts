import t from 'tap';
import { lowerBound, partitionPoint } from '../../src/core/search.js';
import { seededRandom } from '../../src/core/prng.js';
import { sourceFiles } from '../helpers/source.js';

t.test('lowerBound: the first index with a value >= x, at the ends and on repeats', async (t) => {
  const a = [0.1, 0.2, 0.2, 0.2, 0.5];
  t.equal(lowerBound(a, 0), 0);
  t.equal(lowerBound(a, 0.1), 0);
  t.equal(lowerBound(a, 0.15), 1);
  t.equal(lowerBound(a, 0.2), 1, 'the first of equal values');
  t.equal(lowerBound(a, 0.3), 4);
  t.equal(lowerBound(a, 0.5), 4);
  t.equal(lowerBound(a, 0.6), 5, 'past the end: the length');
  t.equal(lowerBound([], 1), 0);
  t.equal(lowerBound(a, 0.6, 1, 3), 3, 'within [lo, hi): hi when none');
  t.equal(lowerBound(a, 0, 2, 4), 2, 'within [lo, hi): lo when all');
  t.equal(lowerBound(new Float64Array([1, 2, 3]), 2.5), 2, 'typed arrays too');
});

t.test('partitionPoint and lowerBound agree with a linear scan (5,000 random cases)', async (t) => {
  const rnd = seededRandom(7);
  let bad = 0;
  for (let k = 0; k < 5000; k++) {
    const n = Math.floor(rnd() * 12);
    const a = Array.from({ length: n }, () => Math.floor(rnd() * 8)).sort((x, y) => x - y);
    const x = Math.floor(rnd() * 10) - 1;
    const lo = Math.floor(rnd() * (n + 1));
    const hi = lo + Math.floor(rnd() * (n - lo + 1));
    let want = lo;
    while (want < hi && a[want]! < x) want++;
    if (lowerBound(a, x, lo, hi) !== want || partitionPoint(lo, hi, (i) => a[i]! < x) !== want) bad++;
  }
  t.equal(bad, 0);
});

t.test('binary search is written once: no other `(lo + hi)` halving loop in src/ outside the files that are not ours to change', async (t) => {
  // src/sim/kalshi/engine.ts belongs to the simulator rework (issue 13 §1): its copy goes when that lands.
  const ELSEWHERE = new Set(['src/core/search.ts', 'src/sim/kalshi/engine.ts']);
  const halving = /const mid = \(lo \+ hi\) >>?>? 1/;
  for (const f of sourceFiles('src')) {
    if (ELSEWHERE.has(f.path)) continue;
    t.notOk(halving.test(f.text), `${f.path} uses src/core/search.ts`);
  }
});
