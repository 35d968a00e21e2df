// The simulator's REST API (reference §2): market data with filters and cursor
// pagination, the V2 order endpoints over the matching engine, portfolio reads, signing,
// token buckets and the 429 fault, and the configurable UNCERTAIN variants.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { KalshiRest, RestError } from '../../src/feeds/kalshi-rest.js';
import { DEMO, makeKeys, startSim, type Rec } from '../helpers/kalshi.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());
const signer = makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8'));
const DEN = DEMO[0]!;
const client = (base: string, attempts = 1): KalshiRest =>
  new KalshiRest({ baseUrl: base, signer, clock: new SystemClock(), random: seededRandom(1), timeoutMs: 5000, attempts, retryMs: 20 });

t.test('markets: series and status filters, cursor pagination, one market, its book, the series, the exchange', async (t) => {
  const many = Array.from({ length: 7 }, (_, i) => `KXNBAGAME-26FEB0${i + 1}DENMEM-DEN`);
  const sim = await startSim({ keys, markets: [...DEMO, ...many] });
  t.teardown(() => sim.stop());
  sim.engine.setStatus(DEMO[5]!, 'inactive');
  const r = client(sim.urls.restUrl);
  const nba = await r.listMarkets('KXNBAGAME', 'open');
  t.equal(nba.length, 11, 'NBA, open');
  const page = (await r.get('/markets', { series_ticker: 'KXNBAGAME', status: 'open', limit: 5 })) as { markets: Rec[]; cursor: string };
  t.equal(page.markets.length, 5);
  t.not(page.cursor, '', 'a cursor to the next page');
  const page3 = (await r.get('/markets', { series_ticker: 'KXNBAGAME', status: 'open', limit: 5, cursor: Buffer.from('10').toString('base64url') })) as {
    markets: Rec[];
    cursor: string;
  };
  t.equal(page3.markets.length, 1);
  t.equal(page3.cursor, '', 'the last page has an empty cursor');
  t.same(
    (await r.listMarkets('KXNHLGAME', 'paused')).map((m) => m.ticker),
    [DEMO[5]],
  );
  const m = await r.getMarket(DEN);
  t.match(m, {
    ticker: DEN,
    event_ticker: 'KXNBAGAME-26JAN25DENMEM',
    market_type: 'binary',
    status: 'active',
    price_ranges: [{ start: '0.0000', end: '1.0000', step: '0.0100' }],
    notional_value_dollars: '1.0000',
  });
  t.match(m.yes_bid_dollars, /^0\.\d{4}$/);
  const book = (await r.get(`/markets/${DEN}/orderbook`, { depth: 2 })) as { orderbook_fp: { yes_dollars: string[][]; no_dollars: string[][] } };
  const top = sim.engine.top(DEN, 1);
  t.equal(book.orderbook_fp.yes_dollars.length, 2);
  t.equal(book.orderbook_fp.yes_dollars.at(-1)![0], (top.bids[0]![0] / 10000).toFixed(4), 'ascending: the best bid last');
  t.equal(book.orderbook_fp.no_dollars.at(-1)![0], ((10000 - top.asks[0]![0]) / 10000).toFixed(4), 'NO prices: the best ask is 1 - the last');
  t.match(await r.getSeries('KXNBAGAME'), { fee_type: 'quadratic_with_maker_fees', fee_multiplier: 1 });
  t.match(await r.exchangeStatus(), { exchange_active: true, trading_active: true });
  await t.rejects(r.get('/markets', { status: 'whatever' }), { status: 400, code: 'invalid_parameters' });
  await t.rejects(r.getMarket('NOPE'), { name: 'RestError', status: 404 });
});

t.test('V2 orders: create, amend, decrease, cancel, batches; fills, positions, orders', async (t) => {
  const sim = await startSim({ keys, markets: [DEN] });
  t.teardown(() => sim.stop());
  const r = client(sim.urls.restUrl);
  const ask = sim.engine.market(DEN).asks.lowest!;
  const post = (path: string, body: unknown): Promise<Rec> => r.request('POST', path, {}, body) as Promise<Rec>;
  const del = (path: string, body?: unknown): Promise<Rec> => r.request('DELETE', path, {}, body) as Promise<Rec>;
  const take = await post('/portfolio/events/orders', {
    ticker: DEN,
    side: 'bid',
    count: '2.50',
    price: (ask / 10000).toFixed(4),
    time_in_force: 'fill_or_kill',
    self_trade_prevention_type: 'taker_at_cross',
    client_order_id: 'a1',
  });
  t.match(take, { client_order_id: 'a1', fill_count: '2.50', remaining_count: '0.00', average_fill_price: (ask / 10000).toFixed(4) });
  t.match(take.average_fee_paid, /^0\.\d{4}$/);
  const rest = await post('/portfolio/events/orders', {
    ticker: DEN,
    side: 'bid',
    count: '10.00',
    price: '0.0300',
    time_in_force: 'good_till_canceled',
    self_trade_prevention_type: 'maker',
    client_order_id: 'a2',
  });
  t.match(rest, { fill_count: '0.00', remaining_count: '10.00' });
  t.notOk('status' in rest || 'ticker' in rest, 'V2 create returns no full Order');
  const am = await post(`/portfolio/events/orders/${String(rest.order_id)}/amend`, {
    ticker: DEN,
    side: 'bid',
    price: '0.0400',
    count: '8.00',
    updated_client_order_id: 'a2b',
  });
  t.match(am, { client_order_id: 'a2b', remaining_count: '8.00', fill_count: '0.00' });
  const dec = await post(`/portfolio/events/orders/${String(rest.order_id)}/decrease`, { reduce_by: '3.00' });
  t.equal(dec.remaining_count, '5.00');
  await t.rejects(post(`/portfolio/events/orders/${String(rest.order_id)}/decrease`, { reduce_by: '1.00', reduce_to: '1.00' }), {
    name: 'RestError',
    status: 400,
  });
  const one = (await r.get(`/portfolio/orders/${String(rest.order_id)}`)) as { order: Rec };
  t.match(one.order, { status: 'resting', yes_price_dollars: '0.0400', remaining_count_fp: '5.00', book_side: 'bid', outcome_side: 'yes' });
  const can = await del(`/portfolio/events/orders/${String(rest.order_id)}`);
  t.match(can, { order_id: rest.order_id, reduced_by: '5.00' });
  t.type(can.ts_ms, 'number');
  await t.rejects(
    del(`/portfolio/events/orders/${String(rest.order_id)}`),
    { name: 'RestError', status: 404 },
    "cancelling a cancelled order: 404 (this simulator's default)",
  );
  const batch = await post('/portfolio/events/orders/batched', {
    orders: [
      { ticker: DEN, side: 'bid', count: '1.00', price: '0.0200', time_in_force: 'good_till_canceled', self_trade_prevention_type: 'maker' },
      { ticker: DEN, side: 'bid', count: '1.00', price: '0.0250', time_in_force: 'good_till_canceled', self_trade_prevention_type: 'maker' },
    ],
  });
  const items = batch.orders as Rec[];
  t.ok(items[0]!.order_id && !items[0]!.error, 'a good item');
  t.match(items[1], { error: { code: 'invalid_parameters' } }, 'an off-grid item fails alone');
  const bc = await del('/portfolio/events/orders/batched', { orders: [{ order_id: items[0]!.order_id }, { order_id: 'nope' }] });
  t.match(bc.orders, [{ reduced_by: '1.00' }, { error: { code: 'not_found' } }]);
  const fills = (await r.get('/portfolio/fills', { ticker: DEN })) as { fills: Rec[] };
  t.match(fills.fills, [{ order_id: take.order_id, count_fp: '2.50', is_taker: true }]);
  const pos = (await r.get('/portfolio/positions')) as { market_positions: Rec[] };
  t.match(pos.market_positions, [{ ticker: DEN, position_fp: '2.50', market_exposure_dollars: ((ask * 2.5) / 10000).toFixed(4) }], 'its cost: the exposure');
  const orders = (await r.get('/portfolio/orders', { status: 'canceled' })) as { orders: Rec[] };
  t.equal(orders.orders.length, 2);
  for (const price of ['0.0100', '0.0200'])
    await post('/portfolio/events/orders', {
      ticker: DEN,
      side: 'bid',
      count: '1.00',
      price,
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'maker',
    });
  const all = await del('/portfolio/events/orders');
  t.equal((all.orders as Rec[]).length, 2, 'cancel-all (an unconfirmed endpoint, served) cancels every resting order of ours');
  t.same(((await r.get('/portfolio/orders', { status: 'resting' })) as { orders: Rec[] }).orders, []);
  await t.rejects(
    post('/portfolio/events/orders', {
      ticker: DEN,
      side: 'yes',
      count: '1',
      price: '0.5',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'maker',
    }),
    { name: 'RestError', status: 400 },
    'V1 sides are refused',
  );
});

t.test('signing, tiers and the 429 fault; the cancel variant', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rest: { cancelDone: 'zero', tier: 'basic' } });
  t.teardown(() => sim.stop());
  const res = await fetch(`${sim.urls.restUrl}/portfolio/positions`);
  t.equal(res.status, 401, 'portfolio needs a signature');
  const pub = await fetch(`${sim.urls.restUrl}/markets/${DEN}`);
  t.equal(pub.status, 200, 'market data does not');
  const r = client(sim.urls.restUrl);
  const o = (await r.request(
    'POST',
    '/portfolio/events/orders',
    {},
    { ticker: DEN, side: 'bid', count: '1.00', price: '0.0300', time_in_force: 'good_till_canceled', self_trade_prevention_type: 'maker' },
  )) as Rec;
  await r.request('DELETE', `/portfolio/events/orders/${String(o.order_id)}`, {}, undefined);
  const again = (await r.request('DELETE', `/portfolio/events/orders/${String(o.order_id)}`, {}, undefined)) as Rec;
  t.equal(again.reduced_by, '0.00', 'cancelDone=zero: a second cancel reduces nothing');
  sim.sim.inject({ kind: 'rate-limit', n: 2 });
  const e = await r.get('/exchange/status').catch((x: unknown) => x);
  t.ok(e instanceof RestError && e.status === 429, 'a 429 with one attempt');
  const retrying = client(sim.urls.restUrl, 3);
  t.match(await retrying.get('/exchange/status'), { exchange_active: true }, 'retried past the second 429');
  // Basic write bucket: 100 tokens/s, 1 s capacity, 10 per create: the 11th in a burst is refused.
  let refused = 0;
  for (let i = 0; i < 12; i++) {
    try {
      await r.request(
        'POST',
        '/portfolio/events/orders',
        {},
        { ticker: DEN, side: 'bid', count: '1.00', price: '0.0100', time_in_force: 'good_till_canceled', self_trade_prevention_type: 'maker' },
      );
    } catch (x) {
      if (x instanceof RestError && x.status === 429) refused++;
    }
  }
  t.ok(refused >= 1, `the Basic write bucket refuses a burst (${refused} refused)`);
});

t.test('a REST call with no answer times out on the injected clock, then is retried and reported', async (t) => {
  const { createServer } = await import('node:http');
  const hanging = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    hanging.closeAllConnections();
    hanging.close();
  });
  const port = (hanging.address() as { port: number }).port;
  const retries: string[] = [];
  const r = new KalshiRest({
    baseUrl: `http://127.0.0.1:${port}/trade-api/v2`,
    signer,
    clock: new SystemClock(),
    random: seededRandom(1),
    timeoutMs: 150,
    attempts: 2,
    retryMs: 10,
    onRetry: (x) => retries.push(x.error),
  });
  await t.rejects(r.get('/markets'), new RestError(0, 'unavailable', 'no answer within 150 ms', '/trade-api/v2/markets'));
  t.same(retries, ['no answer within 150 ms']);
});
