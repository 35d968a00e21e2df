// The simulator fit for execution testing, over its real protocol (signed REST + the
// private WebSocket channels): acknowledgements dropped, duplicated and delayed on
// user_orders, a fill racing a cancel, expiration_time, queue positions, cancel reasons
// on the first report, order groups with contracts_limit.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { setBook } from '../../src/sim/kalshi/activity.js';
import { KalshiRest } from '../../src/feeds/kalshi-rest.js';
import { makeKeys, startSim, type Rec, type SimHandle } from '../helpers/kalshi.js';
import { connect, type Client } from '../helpers/kalshi-ws.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());
const signer = makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8'));
const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';

async function setup(
  t: Test,
  channels: string[] = ['user_orders', 'fill'],
): Promise<{ sim: SimHandle; r: KalshiRest; c: Client; place: (cid: string, extra?: Rec) => Promise<string> }> {
  const sim = await startSim({ keys, markets: [DEN], rate: 0 });
  t.teardown(() => sim.stop());
  const r = new KalshiRest({ baseUrl: sim.urls.restUrl, signer, clock: new SystemClock(), random: seededRandom(1), timeoutMs: 5000, attempts: 1, retryMs: 20 });
  const c = await connect(sim.urls.wsUrl, signer.headers(Date.now(), 'GET', '/trade-api/ws/v2'));
  t.teardown(() => c.ws.close());
  c.send('subscribe', { channels });
  for (const ch of channels) await c.wait((x) => x.type === 'subscribed' && (x.msg as Rec).channel === ch, `subscribed ${ch}`);
  const place = async (cid: string, extra: Rec = {}): Promise<string> => {
    const o = await r.createOrder({
      ticker: DEN,
      side: 'bid',
      count: '4.00',
      price: '0.0300',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'maker',
      client_order_id: cid,
      ...extra,
    });
    return o.order_id;
  };
  return { sim, r, c, place };
}

const acks = (c: Client, id: string): Rec[] => c.msgs.filter((m) => m.type === 'user_order' && (m.msg as Rec).order_id === id);

t.test('user_order acknowledgements: dropped, duplicated, delayed past a later one', async (t) => {
  const { sim, c, place } = await setup(t);
  sim.sim.inject({ kind: 'ack-drop', n: 1 });
  const a = await place('a');
  const b = await place('b');
  await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === b, 'b acknowledged');
  t.equal(acks(c, a).length, 0, "a's acknowledgement never came (b's, sent after it, did)");
  t.equal(sim.engine.order(keys.keyId, a).status, 'resting', 'though a rests');
  sim.sim.inject({ kind: 'ack-dup', n: 1 });
  const d = await place('d');
  const e = await place('e');
  await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === e, 'e acknowledged');
  t.equal(acks(c, d).length, 2, 'd acknowledged twice');
  t.same(acks(c, d)[0], acks(c, d)[1], 'the same message');
  sim.sim.inject({ kind: 'ack-delay', n: 1, ms: 1500 });
  const f = await place('f');
  const g = await place('g');
  await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === f, 'f acknowledged late');
  const idx = (id: string): number => c.msgs.findIndex((m) => m.type === 'user_order' && (m.msg as Rec).order_id === id);
  t.ok(idx(g) < idx(f), 'g, placed after f, was acknowledged first');
  t.equal((acks(c, f)[0]!.msg as Rec).status, 'resting');
});

t.test('a fill racing a cancel: the cancel reduces what is left, the fill and the final user_order tell the rest', async (t) => {
  const { sim, r, c, place } = await setup(t);
  const id = await place('race');
  sim.sim.inject({ kind: 'fill-before-cancel', n: 1 });
  const res = (await r.request('DELETE', `/portfolio/events/orders/${id}`, {}, undefined)) as Rec;
  t.equal(res.reduced_by, '2.00', 'half was filled first');
  const f = await c.wait((m) => m.type === 'fill' && (m.msg as Rec).order_id === id, 'the fill');
  t.match(f.msg, { count_fp: '2.00', is_taker: false, client_order_id: 'race' });
  const u = await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === id && (m.msg as Rec).status === 'canceled', 'cancelled');
  t.match(u.msg, { fill_count_fp: '2.00', remaining_count_fp: '0.00', last_update_reason: 'Canceled' });
  t.ok(c.msgs.indexOf(f) < c.msgs.indexOf(u), 'the fill came before the cancel');
});

t.test('expiration_time is enforced: the order is cancelled as Expired at that second', async (t) => {
  const { r, c, place } = await setup(t);
  const id = await place('exp', { expiration_time: Math.floor(Date.now() / 1000) + 2 });
  const u = await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === id && (m.msg as Rec).status === 'canceled', 'expired', 0, 5000);
  t.match(u.msg, { last_update_reason: 'Expired', remaining_count_fp: '0.00' });
  t.match(((await r.get(`/portfolio/orders/${id}`)) as { order: Rec }).order, { status: 'canceled', last_update_reason: 'Expired' });
  const past = await place('exp-past', { expiration_time: Math.floor(Date.now() / 1000) - 5 }).catch((x: unknown) => x);
  t.match(past, { status: 400, code: 'invalid_parameters' });
});

t.test('queue positions: contracts ahead at the price, one order and all', async (t) => {
  const { sim, r, place } = await setup(t);
  sim.engine.place('someone-else', { ticker: DEN, side: 'bid', price: 300, count: 350, tif: 'good_till_canceled', stp: 'maker' });
  const first = await place('q1');
  const second = await place('q2');
  t.same(await r.get(`/portfolio/orders/${first}/queue_position`), { queue_position_fp: '3.50' });
  t.same(await r.get(`/portfolio/orders/${second}/queue_position`), { queue_position_fp: '7.50' }, 'behind the other owner and our first');
  const all = (await r.get('/portfolio/orders/queue_positions', { market_tickers: DEN })) as { queue_positions: Rec[] };
  t.same(
    all.queue_positions.map((q) => [q.order_id, q.queue_position_fp]).sort(),
    [
      [first, '3.50'],
      [second, '7.50'],
    ].sort(),
  );
  await r.request('DELETE', `/portfolio/events/orders/${first}`, {}, undefined);
  t.same(await r.get(`/portfolio/orders/${second}/queue_position`), { queue_position_fp: '3.50' }, 'moves up when one ahead leaves');
});

t.test('cancel reasons on the first user_order: self-trade prevention, market closed', async (t) => {
  const { sim, r, c, place } = await setup(t);
  setBook(sim.engine, DEN, [], []); // nobody else in the book: the bid meets our own ask first
  const ask = (
    await r.createOrder({
      ticker: DEN,
      side: 'ask',
      count: '1.00',
      price: '0.9500',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'maker',
      client_order_id: 'stp-ask',
    })
  ).order_id;
  await r.createOrder({
    ticker: DEN,
    side: 'bid',
    count: '1.00',
    price: '0.9500',
    time_in_force: 'good_till_canceled',
    self_trade_prevention_type: 'maker',
    client_order_id: 'stp-bid',
  });
  const u = await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === ask && (m.msg as Rec).status === 'canceled', 'stp cancel');
  t.equal((u.msg as Rec).last_update_reason, 'SelfTradePrevention');
  const rest = await place('closing');
  sim.engine.setStatus(DEN, 'closed');
  const closed = acks(c, rest).filter((m) => (m.msg as Rec).status === 'canceled');
  await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === rest && (m.msg as Rec).status === 'canceled', 'closed cancel');
  t.same(
    acks(c, rest)
      .filter((m) => (m.msg as Rec).status === 'canceled')
      .map((m) => (m.msg as Rec).last_update_reason),
    ['MarketClosed'],
    'one report, with its reason',
  );
  t.equal(closed.length, 0);
});

t.test('order groups: contracts_limit over the rolling window triggers, cancels the group, refuses new orders until reset', async (t) => {
  const { sim, r, c, place } = await setup(t, ['user_orders', 'fill', 'order_group_updates']);
  const g = (await r.request('POST', '/portfolio/order_groups/create', {}, { contracts_limit: 3 })) as { order_group_id: string };
  const created = await c.wait((m) => m.type === 'order_group_updates' && (m.msg as Rec).event_type === 'created', 'created');
  t.match(created, { seq: 1, msg: { order_group_id: g.order_group_id, contracts_limit_fp: '3.00' } });
  const a = await place('g-a', { order_group_id: g.order_group_id });
  const b = await place('g-b', { order_group_id: g.order_group_id, price: '0.0200' });
  const outside = await place('g-out');
  sim.engine.fillAgainst(sim.engine.order(keys.keyId, a), 200);
  t.equal(sim.engine.order(keys.keyId, b).status, 'resting', '2 of 3: not yet');
  sim.engine.fillAgainst(sim.engine.order(keys.keyId, a), 100);
  const trig = await c.wait((m) => m.type === 'order_group_updates' && (m.msg as Rec).event_type === 'triggered', 'triggered');
  t.match(trig, { seq: 2, msg: { order_group_id: g.order_group_id } });
  for (const id of [a, b]) {
    const u = await c.wait((m) => m.type === 'user_order' && (m.msg as Rec).order_id === id && (m.msg as Rec).status === 'canceled', `${id} cancelled`);
    t.match(u.msg, { last_update_reason: 'OrderGroupTriggered', order_group_id: g.order_group_id });
  }
  t.equal(sim.engine.order(keys.keyId, outside).status, 'resting', 'orders outside the group stay');
  t.match(await place('g-c', { order_group_id: g.order_group_id }).catch((x: unknown) => x), { status: 400, code: 'order_group_triggered' });
  t.match(await r.get(`/portfolio/order_groups/${g.order_group_id}`), {
    triggered: true,
    contracts_limit_fp: '3.00',
    filled_in_window_fp: '3.00',
    orders: [a, b],
  });
  await r.request('PUT', `/portfolio/order_groups/${g.order_group_id}/reset`, {}, undefined);
  await c.wait((m) => m.type === 'order_group_updates' && (m.msg as Rec).event_type === 'reset', 'reset');
  t.equal(sim.engine.order(keys.keyId, await place('g-d', { order_group_id: g.order_group_id })).status, 'resting', 'accepted after the reset');
  await r.request('PUT', `/portfolio/order_groups/${g.order_group_id}/limit`, {}, { contracts_limit: 10 });
  await c.wait((m) => m.type === 'order_group_updates' && (m.msg as Rec).event_type === 'limit_updated', 'limit_updated');
  t.match(await r.get('/portfolio/order_groups'), { order_groups: [{ order_group_id: g.order_group_id, contracts_limit: 10, triggered: false }] });
  await r.request('DELETE', `/portfolio/order_groups/${g.order_group_id}`, {}, undefined);
  await c.wait((m) => m.type === 'order_group_updates' && (m.msg as Rec).event_type === 'deleted', 'deleted');
  t.match(await r.get(`/portfolio/order_groups/${g.order_group_id}`).catch((x: unknown) => x), { status: 404 });
});

t.test('an expired timestamp is refused as header_timestamp_expired, over REST and at the WebSocket handshake', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rate: 0 });
  t.teardown(() => sim.stop());
  const stale = Date.now() - 10 * 60_000;
  const res = await fetch(`${sim.urls.restUrl}/portfolio/orders`, { headers: signer.headers(stale, 'GET', '/trade-api/v2/portfolio/orders') });
  t.equal(res.status, 401);
  t.match(await res.json(), { code: 'header_timestamp_expired' });
  await t.rejects(connect(sim.urls.wsUrl, signer.headers(stale, 'GET', '/trade-api/ws/v2')), /HTTP 401/);
  t.equal(sim.sim.refused.header_timestamp_expired, 1, 'the handshake refused for its timestamp');
});
