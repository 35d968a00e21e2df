import t from 'tap';
import { jitteredBackoff } from '../../src/core/backoff.js';

t.test('doubles per attempt from min, capped at max', async (t) => {
  const top = (): number => 1 - Number.EPSILON;
  t.equal(jitteredBackoff(0, 100, 10_000, top), 100);
  t.equal(jitteredBackoff(1, 100, 10_000, top), 200);
  t.equal(jitteredBackoff(3, 100, 10_000, top), 800);
  t.equal(jitteredBackoff(20, 100, 10_000, top), 10_000, 'capped');
  t.equal(jitteredBackoff(5000, 100, 10_000, top), 10_000, 'a huge attempt count does not overflow');
  t.equal(jitteredBackoff(-1, 100, 10_000, top), 100, 'a negative attempt counts as the first');
});

t.test('jitter spreads the delay over [d/2, d]', async (t) => {
  t.equal(
    jitteredBackoff(2, 100, 10_000, () => 0),
    200,
    'lowest: half',
  );
  t.equal(
    jitteredBackoff(2, 100, 10_000, () => 0.5),
    300,
  );
  for (let i = 0; i < 200; i++) {
    const d = jitteredBackoff(4, 50, 1_000_000, Math.random);
    t.ok(d >= 400 && d <= 800, `${d} within [400, 800]`);
  }
  t.equal(
    jitteredBackoff(10, 100, Infinity, () => 0),
    51_200,
    'no cap',
  );
});
