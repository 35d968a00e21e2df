// The REST client rate-limited from the account's own limits, against `sim kalshi` at the
// Basic tier: a burst of creates is paced instead of refused, a cancel sent behind it is
// not starved, and a 429 empties the bucket and is retried once.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { KalshiRest, RestError } from '../../src/feeds/kalshi-rest.js';
import { loadThrottle } from '../../src/feeds/kalshi-throttle.js';
import { makeKeys, startSim } from '../helpers/kalshi.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());
const signer = makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8'));
const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';

t.test('limits read from GET /account/limits; a burst paced, a cancel ahead of queued creates, a 429 retried once', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rest: { tier: 'basic' } });
  t.teardown(() => sim.stop());
  const clock = new SystemClock();
  const retries: Array<number | null> = [];
  const r = new KalshiRest({
    baseUrl: sim.urls.restUrl,
    signer,
    clock,
    random: seededRandom(5),
    timeoutMs: 5000,
    attempts: 4,
    retryMs: 20,
    onRetry: (x) => retries.push(x.status),
  });
  const { throttle, tier } = await loadThrottle(r, clock);
  t.teardown(() => throttle.close());
  t.equal(tier, 'basic');
  t.match(throttle.limits.level('write', clock.now()), 100, 'Basic write: 100 tokens, 1 s of budget');
  const body = (cid: string): Parameters<KalshiRest['createOrder']>[0] => ({
    ticker: DEN,
    side: 'bid',
    count: '1.00',
    price: '0.0200',
    time_in_force: 'good_till_canceled',
    self_trade_prevention_type: 'maker',
    client_order_id: cid,
  });
  const first = await r.createOrder(body('b-0'));
  const done: string[] = [];
  const creates = Array.from({ length: 14 }, (_, i) =>
    r.createOrder(body(`b-${i + 1}`)).then(() => {
      done.push(`create ${i + 1}`);
    }),
  );
  const cancel = r.request('DELETE', `/portfolio/events/orders/${first.order_id}`, {}, undefined).then(() => {
    done.push('cancel');
  });
  await Promise.all([...creates, cancel]);
  // Paced, the exchange refuses nothing; on a loaded machine a request delayed in transit can
  // meet a bucket the client thought refilled, which is then one 429 retried, not a storm.
  t.ok(retries.every((s) => s === 429) && retries.length <= 3, `paced: ${retries.length} 429s for 15 writes`);
  t.equal(done.length, 15);
  t.ok(done.indexOf('cancel') < done.indexOf('create 14'), `the cancel did not wait behind the creates (${done.indexOf('cancel')})`);
  t.equal([...sim.engine.orders.values()].filter((o) => o.owner === keys.keyId && o.status === 'resting').length, 14);
  const before = retries.length;
  sim.sim.inject({ kind: 'rate-limit', n: 1 });
  await r.get('/portfolio/orders', { ticker: DEN });
  t.same(retries.slice(before), [429], 'the 429 retried once');
  t.equal(throttle.refusals.read, 1, 'and the read bucket emptied');
  const big = { orders: Array.from({ length: 11 }, (_, i) => body(`x-${i}`)) };
  const e = await r.request('POST', '/portfolio/events/orders/batched', {}, big).catch((x: unknown) => x);
  t.ok(e instanceof RestError && e.code === 'over-budget', 'a batch larger than the write bucket is refused before it is sent');
  t.match(e, { path: '/trade-api/v2/portfolio/events/orders/batched', message: /batch-create costs 110 tokens/ });
  t.equal(sim.engine.orders.size > 0 && [...sim.engine.orders.values()].filter((o) => o.clientOrderId?.startsWith('x-')).length, 0, 'none of it placed');
});
