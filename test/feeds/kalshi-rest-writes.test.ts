// The REST client's write rules against `sim kalshi` (in process, over HTTP): a create is
// never doubled, whatever happens to its answer; idempotent writes are retried; a
// relative decrease is not; a 429 is retried for any request; an expired timestamp is
// clock skew, not retried.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { ClockSkewError, KalshiRest, OUTCOME_UNKNOWN, RestError, type CreateOrderBody } from '../../src/feeds/kalshi-rest.js';
import { makeKeys, startSim, type Rec } from '../helpers/kalshi.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());
const signer = makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8'));
const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';

class SkewedClock extends SystemClock {
  constructor(private readonly offsetMs: number) {
    super();
  }

  override now(): number {
    return super.now() + this.offsetMs;
  }
}

function client(base: string, o: { timeoutMs?: number; clock?: SystemClock; retries?: string[] } = {}): KalshiRest {
  return new KalshiRest({
    baseUrl: base,
    signer,
    clock: o.clock ?? new SystemClock(),
    random: seededRandom(3),
    timeoutMs: o.timeoutMs ?? 5000,
    attempts: 4,
    retryMs: 20,
    onRetry: (x) => o.retries?.push(x.error),
  });
}

const order = (cid: string, price = '0.0300'): CreateOrderBody => ({
  ticker: DEN,
  side: 'bid',
  count: '2.00',
  price,
  time_in_force: 'good_till_canceled',
  self_trade_prevention_type: 'maker',
  client_order_id: cid,
  post_only: true,
});

const mine = (sim: { engine: { orders: Map<string, { owner: string; clientOrderId: string | undefined }> } }, cid: string): number =>
  [...sim.engine.orders.values()].filter((o) => o.owner === keys.keyId && o.clientOrderId === cid).length;

t.test('the simulator refuses a client_order_id used before, even by an order no longer resting', async (t) => {
  const sim = await startSim({ keys, markets: [DEN] });
  t.teardown(() => sim.stop());
  const r = client(sim.urls.restUrl);
  const a = (await r.request('POST', '/portfolio/events/orders', {}, order('u-1'))) as Rec;
  await r.request('DELETE', `/portfolio/events/orders/${String(a.order_id)}`, {}, undefined);
  await t.rejects(r.request('POST', '/portfolio/events/orders', {}, order('u-1')), { status: 409, code: 'conflict' });
  t.equal(mine(sim, 'u-1'), 1);
});

t.test('a create answered 500 after it was applied: not resent blindly; createOrder finds it by client_order_id', async (t) => {
  const sim = await startSim({ keys, markets: [DEN] });
  t.teardown(() => sim.stop());
  const retries: string[] = [];
  const r = client(sim.urls.restUrl, { retries });
  sim.sim.inject({ kind: 'order-5xx', n: 1 });
  await t.rejects(
    r.request('POST', '/portfolio/events/orders', {}, order('c-1')),
    { status: 500, code: OUTCOME_UNKNOWN },
    'a plain request of a create is not retried',
  );
  t.equal(mine(sim, 'c-1'), 1, 'the exchange has it once');
  t.same(retries, []);
  sim.sim.inject({ kind: 'order-5xx', n: 1 });
  const out = await r.createOrder(order('c-2'));
  t.match(out, { client_order_id: 'c-2', recovered: true, attempts: 1, fill_count: '0.00', remaining_count: '2.00' });
  t.equal(out.order_id, sim.engine.byClientId(keys.keyId, 'c-2')?.id, 'the id of the order that exists');
  t.equal(mine(sim, 'c-2'), 1, 'one order, not two');
  const plain = await r.createOrder(order('c-3'));
  t.match(plain, { recovered: false, attempts: 1, remaining_count: '2.00' });
  const dup = await r.createOrder(order('c-3')).catch((x: unknown) => x);
  t.match(dup, { status: 409, code: 'conflict' }, 'a client id used before is refused on the first attempt, not adopted');
});

t.test('a create that times out while it is still on its way: resent with the same client_order_id, exactly one order', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rest: { orderLatencyMs: 400 } });
  t.teardown(() => sim.stop());
  const retries: string[] = [];
  const r = client(sim.urls.restUrl, { timeoutMs: 150, retries });
  const out = await r.createOrder(order('slow-1'));
  t.equal(out.recovered, true, 'found after the resend was refused as a duplicate');
  t.ok(out.attempts >= 2, `sent ${out.attempts} times, with one client id`);
  t.match(retries[0], /not found by client_order_id, resending it/);
  t.equal(mine(sim, 'slow-1'), 1, 'the exchange placed one order');
});

t.test('a create with no answer whose look-up fails too is still outcome-unknown, never resent', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rest: { orderLatencyMs: 2000 } });
  t.teardown(() => sim.stop());
  const r = client(sim.urls.restUrl, { timeoutMs: 800 });
  const p = r.createOrder(order('lk-1')).catch((x: unknown) => x);
  // The create is past the simulator's rate limiter and on its way; every read after it is refused.
  setTimeout(() => sim.sim.inject({ kind: 'rate-limit', n: 100 }), 400);
  const e = await p;
  t.match(e, { code: OUTCOME_UNKNOWN, message: /look-up by client_order_id failed/ });
  for (let i = 0; i < 100 && mine(sim, 'lk-1') === 0; i++) await new Promise<void>((res) => setTimeout(res, 50));
  t.equal(mine(sim, 'lk-1'), 1, 'the first attempt landed; nothing else was sent');
});

t.test('cancels and amends are retried after a 5xx; decreases are not', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rest: { cancelDone: 'zero' } });
  t.teardown(() => sim.stop());
  const retries: string[] = [];
  const r = client(sim.urls.restUrl, { retries });
  const a = await r.createOrder(order('d-1'));
  sim.sim.inject({ kind: 'order-5xx', n: 1 });
  const am = (await r.request('POST', `/portfolio/events/orders/${a.order_id}/amend`, {}, { ticker: DEN, side: 'bid', price: '0.0300', count: '5.00' })) as Rec;
  t.equal(am.remaining_count, '5.00', 'amend to an absolute total: the resend lands on the same state');
  sim.sim.inject({ kind: 'order-5xx', n: 1 });
  await t.rejects(r.request('POST', `/portfolio/events/orders/${a.order_id}/decrease`, {}, { reduce_to: '4.00' }), { code: OUTCOME_UNKNOWN });
  t.equal(sim.engine.order(keys.keyId, a.order_id).remaining, 400, 'applied once, and the caller told its outcome is unknown');
  sim.sim.inject({ kind: 'order-5xx', n: 1 });
  await t.rejects(r.request('POST', `/portfolio/events/orders/${a.order_id}/decrease`, {}, { reduce_by: '1.00' }), { code: OUTCOME_UNKNOWN });
  t.equal(sim.engine.order(keys.keyId, a.order_id).remaining, 300, 'reduced once, by 1');
  sim.sim.inject({ kind: 'order-5xx', n: 1 });
  const c = (await r.request('DELETE', `/portfolio/events/orders/${a.order_id}`, {}, undefined)) as Rec;
  t.equal(c.reduced_by, '0.00', 'the resent cancel finds nothing left: the first one did it');
  t.equal(sim.engine.order(keys.keyId, a.order_id).status, 'canceled');
  t.equal(retries.length, 2, 'amend and cancel were each resent once');
});

t.test('a 429 is retried for a create too (refused before anything happened)', async (t) => {
  const sim = await startSim({ keys, markets: [DEN] });
  t.teardown(() => sim.stop());
  const retries: string[] = [];
  const r = client(sim.urls.restUrl, { retries });
  sim.sim.inject({ kind: 'rate-limit', n: 2 });
  const out = await r.createOrder(order('rl-1'));
  t.match(out, { recovered: false, attempts: 1 });
  t.equal(retries.length, 2);
  t.equal(mine(sim, 'rl-1'), 1);
});

t.test('an expired request timestamp is clock skew: a distinct error, not retried', async (t) => {
  const sim = await startSim({ keys, markets: [DEN] });
  t.teardown(() => sim.stop());
  const retries: string[] = [];
  const r = client(sim.urls.restUrl, { clock: new SkewedClock(12 * 60_000 + 40_000), retries });
  const e = await r.get('/portfolio/orders').catch((x: unknown) => x);
  t.ok(e instanceof ClockSkewError, 'ClockSkewError');
  t.ok(e instanceof RestError, 'and a RestError');
  t.match(e, { status: 401, code: 'clock-skew', message: /header_timestamp_expired.*host clock.*NTP/ });
  await t.rejects(r.createOrder(order('sk-1')), ClockSkewError);
  t.same(retries, []);
  t.equal(mine(sim, 'sk-1'), 0);
  const other = makeKeys('other-key');
  t.teardown(() => other.cleanup());
  const wrong = new KalshiRest({
    baseUrl: sim.urls.restUrl,
    signer: makeSigner(keys.keyId, readFileSync(other.privPath, 'utf8')),
    clock: new SystemClock(),
    random: seededRandom(1),
    timeoutMs: 5000,
  });
  const bad = await wrong.get('/portfolio/orders').catch((x: unknown) => x);
  t.ok(bad instanceof RestError && !(bad instanceof ClockSkewError), 'a bad signature is not clock skew');
  t.match(bad, { status: 401, code: 'authentication_error' });
});
