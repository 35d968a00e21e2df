// The client-side token buckets: refill, lanes (cancels before placements, a reserve the
// placements leave), a 429 emptying the bucket, requests that could never fit, and the
// GET /account/limits body.
import t from 'tap';
import { RateLimits, TokenBucket, parseAccountLimits } from '../../src/core/rate-limit.js';

t.test('a bucket refills at its rate up to its capacity', async (t) => {
  const b = new TokenBucket({ refillPerSec: 100, capacity: 200 }, 0);
  t.equal(b.level(0), 200, 'starts full');
  t.ok(b.take(150, 0));
  t.notOk(b.take(60, 0), 'not enough');
  t.equal(b.level(0), 50, 'a refused take takes nothing');
  t.equal(b.waitMs(60, 0), 100, '10 tokens short at 100/s');
  t.equal(b.level(100), 60);
  t.equal(b.level(10_000), 200, 'capped');
  t.notOk(b.take(195, 10_000, 10), 'a reserve is left alone');
  b.drain(10_000);
  t.equal(b.level(10_000), 0);
  t.throws(() => new TokenBucket({ refillPerSec: 0, capacity: 10 }, 0));
});

t.test('cancels are served before placements and placements leave the cancels a reserve', async (t) => {
  const rl = new RateLimits({ read: { refillPerSec: 200, capacity: 400 }, write: { refillPerSec: 100, capacity: 100 }, cancelReserve: 10 }, 0);
  const places = Array.from({ length: 12 }, () => rl.enqueue('place', 10));
  let g = rl.grant(0);
  t.same(g.ids, places.slice(0, 9), 'nine creates, leaving 10 tokens');
  t.equal(rl.level('write', 0), 10);
  t.equal(g.wakeInMs, 100, 'the next create in 100 ms');
  const c1 = rl.enqueue('cancel', 2);
  const c2 = rl.enqueue('cancel', 2);
  g = rl.grant(1);
  t.same(g.ids, [c1, c2], 'cancels go at once, from the reserve, ahead of the waiting creates');
  const r = rl.enqueue('read', 10);
  t.same(rl.grant(1).ids, [r], 'reads have their own bucket');
  // A cancel waiting for tokens holds every placement back.
  rl.refused('write', 2);
  const c3 = rl.enqueue('cancel', 2);
  g = rl.grant(2);
  t.same(g.ids, [], '429: the bucket is empty');
  t.equal(g.wakeInMs, 20, 'the cancel waits for 2 tokens');
  g = rl.grant(22);
  t.same(g.ids, [c3], 'the cancel first; the creates still wait for their tokens plus the reserve');
  t.equal(rl.waiting('place'), 3);
  g = rl.grant(10_000);
  t.same(g.ids, places.slice(9), 'first come first served within a lane');
  t.equal(g.wakeInMs, undefined, 'nothing waits');
  const gone = rl.enqueue('place', 10);
  rl.remove(gone);
  t.equal(rl.waiting('place'), 0);
});

t.test('a request larger than its bucket is inadmissible', async (t) => {
  const rl = new RateLimits({ read: { refillPerSec: 200, capacity: 400 }, write: { refillPerSec: 100, capacity: 100 } }, 0);
  t.same(rl.admissible('place', 90), { ok: true });
  t.match(rl.admissible('place', 100), { ok: false, reason: /leave 10 for cancels/ });
  t.match(rl.admissible('cancel', 101), { ok: false, reason: /more than the write bucket holds/ });
  t.match(rl.admissible('read', 401), { ok: false });
  t.equal(
    new RateLimits({ read: { refillPerSec: 1, capacity: 8 }, write: { refillPerSec: 1, capacity: 8 } }, 0).cancelReserve,
    4,
    'the reserve is at most half the bucket',
  );
});

t.test('GET /account/limits', async (t) => {
  t.match(
    parseAccountLimits({
      usage_tier: 'basic',
      read: { refill_rate: 200, bucket_capacity: 400 },
      write: { refill_rate: 100, bucket_capacity: 100 },
      grants: [],
    }),
    { ok: true, tier: 'basic', read: { refillPerSec: 200, capacity: 400 }, write: { refillPerSec: 100, capacity: 100 } },
  );
  t.match(parseAccountLimits({ read: { refill_rate: 200, bucket_capacity: 400 } }), { ok: false, reason: /^write:/ });
  t.match(parseAccountLimits({ read: { refill_rate: -1, bucket_capacity: 400 }, write: { refill_rate: 1, bucket_capacity: 1 } }), {
    ok: false,
    reason: /^read:/,
  });
  t.match(parseAccountLimits('nope'), { ok: false });
});
