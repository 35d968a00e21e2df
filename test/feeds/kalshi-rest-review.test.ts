// Review of createOrder (src/feeds/kalshi-rest.ts) against `sim kalshi`: once an attempt's
// outcome is unknown, a later attempt refused outright (429 after the retries, a 4xx, the
// throttle's over-budget) says nothing about the first one: the create is still
// outcome-unknown, never a plain refusal the caller would take as "no order".
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { KalshiRest, OUTCOME_UNKNOWN, type CreateOrderBody } from '../../src/feeds/kalshi-rest.js';
import { makeKeys, startSim } from '../helpers/kalshi.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());
const signer = makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8'));
const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';

t.test('a create that timed out, not found, whose resend is rate limited: still outcome-unknown (the first attempt may land)', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rest: { orderLatencyMs: 1500 } });
  t.teardown(() => sim.stop());
  let posts = 0;
  // The real simulator, except that every create after the first is answered 429 (the write bucket empty).
  const fetchImpl: typeof fetch = async (input, init) => {
    if (init?.method === 'POST' && ++posts > 1) return new Response(JSON.stringify({ error: 'too many requests' }), { status: 429 });
    return fetch(input, init);
  };
  const r = new KalshiRest({
    baseUrl: sim.urls.restUrl,
    signer,
    clock: new SystemClock(),
    random: seededRandom(3),
    timeoutMs: 300,
    attempts: 3,
    retryMs: 10,
    fetchImpl,
  });
  const body: CreateOrderBody = {
    ticker: DEN,
    side: 'bid',
    count: '2.00',
    price: '0.0300',
    time_in_force: 'good_till_canceled',
    self_trade_prevention_type: 'maker',
    client_order_id: 'rv-1',
    post_only: true,
  };
  const e = await r.createOrder(body).catch((x: unknown) => x);
  t.match(e, { code: OUTCOME_UNKNOWN }, 'the caller must look it up, not take it as refused');
  for (let i = 0; i < 60 && ![...sim.engine.orders.values()].some((o) => o.clientOrderId === 'rv-1'); i++)
    await new Promise<void>((res) => setTimeout(res, 50));
  t.ok(
    [...sim.engine.orders.values()].some((o) => o.clientOrderId === 'rv-1'),
    'and indeed the first attempt landed',
  );
});
