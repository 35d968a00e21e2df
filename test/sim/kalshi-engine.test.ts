// The simulator's matching engine: price-time priority, partial fills, IOC/FOK,
// post-only, self-trade prevention, amend/decrease priority rules, fees, positions,
// lifecycle effects. A listener checks that the level changes it reports always add up
// to the book it holds.
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { Engine, SimError, type SimFill, type SimTrade } from '../../src/sim/kalshi/engine.js';
import { RandomWalk, setBook } from '../../src/sim/kalshi/activity.js';
import { seededRandom } from '../../src/core/prng.js';

const M = 'KXNBAGAME-26JAN25DENMEM-DEN';

function setup(feeType: 'quadratic' | 'quadratic_with_maker_fees' = 'quadratic_with_maker_fees') {
  const clock = new ReplayClock(1_800_000_000_000);
  const e = new Engine({ clock });
  e.addMarket({ ticker: M, feeType });
  const trades: SimTrade[] = [];
  const fills: SimFill[] = [];
  const shadow = { bid: new Map<number, number>(), ask: new Map<number, number>() };
  e.listen({
    trade: (x) => trades.push(x),
    fill: (x) => fills.push(x),
    level: (_t, side, p, d) => {
      const m = shadow[side];
      const v = (m.get(p) ?? 0) + d;
      if (v < 0) throw new Error(`level below zero at ${side} ${p}`);
      if (v === 0) m.delete(p);
      else m.set(p, v);
    },
  });
  const gtc = { tif: 'good_till_canceled' as const, stp: 'taker_at_cross' as const };
  const consistent = (): boolean => {
    const l = e.levels(M);
    return (
      JSON.stringify(l.bids) === JSON.stringify([...shadow.bid].sort((a, b) => a[0] - b[0])) &&
      JSON.stringify(l.asks) === JSON.stringify([...shadow.ask].sort((a, b) => a[0] - b[0]))
    );
  };
  return { e, clock, trades, fills, gtc, consistent };
}

t.test('price-time priority: better price first, then first come; the maker price trades', async (t) => {
  const { e, trades, fills, gtc, consistent } = setup();
  const a1 = e.place('alice', { ticker: M, side: 'ask', price: 4500, count: 500, ...gtc });
  const a2 = e.place('bob', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  const a3 = e.place('carol', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  const buy = e.place('dave', { ticker: M, side: 'bid', price: 4500, count: 1000, ...gtc });
  t.same(
    trades.map((x) => [x.price, x.count]),
    [
      [4400, 300],
      [4400, 300],
      [4500, 400],
    ],
  );
  t.same(
    fills.filter((f) => !f.isTaker).map((f) => f.owner),
    ['bob', 'carol', 'alice'],
    'bob before carol: time priority',
  );
  t.equal(buy.status, 'executed');
  t.equal(a2.status, 'executed');
  t.equal(a1.remaining, 100);
  t.equal(a1.status, 'resting', 'partly filled orders stay resting');
  t.same(e.top(M, 5), { bids: [], asks: [[4500, 100]] });
  t.equal(e.position('dave', M).position, 1000);
  t.equal(e.position('alice', M).position, -400);
  t.equal(a3.filled, 300);
  t.ok(consistent(), 'reported level changes add up to the book');
});

t.test('fees: taker 0.07 C P(1-P) and maker 0.0175 where the series has maker fees, rounded up per order', async (t) => {
  const { e, fills, gtc } = setup();
  e.place('maker', { ticker: M, side: 'ask', price: 3500, count: 10000, ...gtc });
  e.place('taker', { ticker: M, side: 'bid', price: 3500, count: 10000, ...gtc });
  // 100 @ $0.35: taker 0.07 x 100 x 0.35 x 0.65 = $1.5925 -> $1.60; maker a quarter of it,
  // $0.398125 -> $0.40 (src/core/fees.ts, the published per-order cent rounding).
  t.same(
    fills.map((f) => [f.owner, f.isTaker, f.fee]),
    [
      ['maker', false, 4000],
      ['taker', true, 16000],
    ],
  );
  const p = setup('quadratic');
  p.e.place('maker', { ticker: M, side: 'ask', price: 3500, count: 10000, ...gtc });
  p.e.place('taker', { ticker: M, side: 'bid', price: 3500, count: 10000, ...gtc });
  t.same(
    p.fills.map((f) => f.fee),
    [0, 16000],
    'no maker fee on a plain quadratic series',
  );
  // An order filled in pieces pays what one fill would: the running total is rounded.
  const q = setup('quadratic');
  for (let i = 0; i < 4; i++) q.e.place(`maker${i}`, { ticker: M, side: 'ask', price: 3500, count: 2500, ...gtc });
  q.e.place('taker', { ticker: M, side: 'bid', price: 3500, count: 10000, ...gtc });
  const taker = q.fills.filter((f) => f.owner === 'taker').map((f) => f.fee);
  t.equal(taker.length, 4);
  t.equal(
    taker.reduce((a, b) => a + b, 0),
    16000,
    'four fills of 25 cost $1.60 in all, as one of 100',
  );
});

t.test('IOC cancels the rest, FOK fills whole or not at all, post-only never takes', async (t) => {
  const { e, trades, gtc } = setup();
  e.place('m', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  const ioc = e.place('x', { ticker: M, side: 'bid', price: 4400, count: 500, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  t.match(ioc, { status: 'canceled', filled: 300, remaining: 0 }, 'IOC partly filled ends canceled with its fills');
  e.place('m', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  const fok = e.place('x', { ticker: M, side: 'bid', price: 4400, count: 500, tif: 'fill_or_kill', stp: 'taker_at_cross' });
  t.match(fok, { status: 'canceled', filled: 0 }, 'FOK not fillable: nothing trades');
  t.equal(trades.length, 1);
  const po = e.place('x', { ticker: M, side: 'bid', price: 4400, count: 100, postOnly: true, ...gtc });
  t.match(po, { status: 'canceled', filled: 0, lastUpdateReason: 'PostOnlyCrossCancel' });
  const strict = new Engine({ clock: new ReplayClock(0), postOnlyCross: 'reject' });
  strict.addMarket({ ticker: M });
  strict.place('m', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  t.throws(() => strict.place('x', { ticker: M, side: 'bid', price: 4500, count: 1, postOnly: true, ...gtc }), { code: 'post_only_cross' });
  const rests = e.place('x', { ticker: M, side: 'bid', price: 4300, count: 100, postOnly: true, ...gtc });
  t.equal(rests.status, 'resting', 'a post-only that does not cross rests');
});

t.test('self-trade prevention: taker_at_cross cancels the taker, maker cancels the resting order', async (t) => {
  const { e, trades, gtc } = setup();
  const mine = e.place('me', { ticker: M, side: 'ask', price: 4400, count: 100, ...gtc });
  const t1 = e.place('me', { ticker: M, side: 'bid', price: 4400, count: 100, tif: 'good_till_canceled', stp: 'taker_at_cross' });
  t.equal(t1.status, 'canceled');
  t.equal(mine.status, 'resting');
  const t2 = e.place('me', { ticker: M, side: 'bid', price: 4400, count: 100, tif: 'good_till_canceled', stp: 'maker' });
  t.equal(mine.status, 'canceled', 'the resting order goes');
  t.equal(t2.status, 'resting', 'and the new one rests');
  t.equal(trades.length, 0, 'never trades with itself');
});

t.test('amend keeps priority only when shrinking at the same price; decrease keeps it', async (t) => {
  const { e, fills, gtc, consistent } = setup();
  const a = e.place('a', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  const b = e.place('b', { ticker: M, side: 'ask', price: 4400, count: 300, ...gtc });
  e.amend('a', a.id, { ticker: M, side: 'ask', price: 4400, count: 200 });
  e.place('x', { ticker: M, side: 'bid', price: 4400, count: 100, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  t.equal(fills.find((f) => !f.isTaker)?.owner, 'a', 'shrunk in place: still first');
  e.amend('a', a.id, { ticker: M, side: 'ask', price: 4400, count: 400 });
  e.place('x', { ticker: M, side: 'bid', price: 4400, count: 100, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  t.equal(fills.filter((f) => !f.isTaker).at(-1)?.owner, 'b', 'grown: to the back of the queue');
  e.decrease('b', b.id, 100, undefined);
  t.equal(b.remaining, 100);
  e.decrease('b', b.id, undefined, 0);
  t.equal(b.status, 'canceled', 'reduce_to 0 ends it');
  t.throws(() => e.amend('a', a.id, { ticker: M, side: 'ask', price: 4400, count: 50 }), SimError, 'below the filled count');
  const moved = e.amend('a', a.id, { ticker: M, side: 'ask', price: 4300, count: 400 });
  t.equal(moved.price, 4300);
  t.ok(consistent());
});

t.test('validation: grid, status, duplicates; cancels after the fact', async (t) => {
  const { e, gtc } = setup();
  t.throws(() => e.place('a', { ticker: M, side: 'bid', price: 4150, count: 100, ...gtc }), { code: 'invalid_parameters' }, 'off the cent grid');
  t.throws(() => e.place('a', { ticker: 'NOPE', side: 'bid', price: 4100, count: 100, ...gtc }), { code: 'market_not_found' });
  e.place('a', { ticker: M, side: 'bid', price: 4100, count: 100, clientOrderId: 'c1', ...gtc });
  t.throws(() => e.place('a', { ticker: M, side: 'bid', price: 4100, count: 100, clientOrderId: 'c1', ...gtc }), { code: 'conflict' });
  t.throws(() => e.place('a', { ticker: M, side: 'bid', price: 4100, count: 100, tif: 'immediate_or_cancel', stp: 'maker', expirationMs: 5 }), {
    code: 'invalid_parameters',
  });
  const o = e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, ...gtc });
  t.equal(e.cancel('a', o.id).reducedBy, 100);
  t.equal(e.cancel('a', o.id).reducedBy, 0, 'a second cancel reduces nothing');
  t.throws(() => e.cancel('b', o.id), { code: 'not_found' }, 'not your order');
  e.setStatus(M, 'inactive');
  t.throws(() => e.place('a', { ticker: M, side: 'bid', price: 4100, count: 100, ...gtc }), { code: 'MARKET_INACTIVE' });
  e.setStatus(M, 'active');
  t.same(e.top(M, 5), { bids: [], asks: [] }, 'reactivation cancels every resting order');
  e.place('a', { ticker: M, side: 'bid', price: 4100, count: 100, ...gtc });
  e.determine(M, 'no');
  t.same(e.top(M, 5), { bids: [], asks: [] }, 'determination cancels them too');
  t.equal(e.market(M).status, 'determined');
});

t.test('scenario books and the random walk stay consistent and never cross', async (t) => {
  const { e, clock, consistent } = setup();
  setBook(
    e,
    M,
    [
      [4100, 1000],
      [4000, 500],
    ],
    [[4400, 700]],
  );
  t.same(e.top(M, 5), {
    bids: [
      [4100, 1000],
      [4000, 500],
    ],
    asks: [[4400, 700]],
  });
  setBook(
    e,
    M,
    [[4300, 200]],
    [
      [4500, 100],
      [4600, 50],
    ],
  );
  t.same(e.top(M, 5), {
    bids: [[4300, 200]],
    asks: [
      [4500, 100],
      [4600, 50],
    ],
  });
  const walk = new RandomWalk({ engine: e, clock, random: seededRandom(9), rate: 0, levels: 6 });
  for (let i = 0; i < 5000; i++) {
    walk.step();
    const m = e.market(M);
    if (m.bids.highest !== undefined && m.asks.lowest !== undefined && m.bids.highest >= m.asks.lowest) throw new Error(`crossed at step ${i}`);
  }
  t.ok(consistent(), 'level events add up to the book after 5000 random steps');
  t.ok(e.orders.size < 200, `finished background orders are forgotten (${e.orders.size} kept)`);
});

t.test("client_order_id is unique over all of an owner's orders, finished ones included; amend cannot reuse one", async (t) => {
  const { e, gtc } = setup();
  const ask = e.market(M).asks.lowest;
  const first = e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k1', ...gtc });
  e.cancel('a', first.id);
  t.throws(
    () => e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k1', ...gtc }),
    { code: 'conflict', status: 409 },
    'a cancelled order keeps its id',
  );
  const ioc = e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k2', tif: 'immediate_or_cancel', stp: 'maker' });
  t.equal(ioc.status, 'canceled');
  t.throws(
    () => e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k2', ...gtc }),
    { code: 'conflict' },
    'so does an IOC that ended at once',
  );
  t.equal(e.byClientId('a', 'k2')?.id, ioc.id, 'found by client id');
  t.equal(e.byClientId('b', 'k2'), undefined, 'ids are per owner');
  t.equal(e.place('b', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k2', ...gtc }).status, 'resting', 'another owner may use it');
  const o = e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k3', ...gtc });
  t.throws(() => e.amend('a', o.id, { ticker: M, side: 'bid', price: 4000, count: 100, updatedClientOrderId: 'k1' }), { code: 'conflict' });
  e.amend('a', o.id, { ticker: M, side: 'bid', price: 4000, count: 100, updatedClientOrderId: 'k4' });
  t.equal(e.byClientId('a', 'k4')?.id, o.id);
  t.throws(
    () => e.place('a', { ticker: M, side: 'bid', price: 4000, count: 100, clientOrderId: 'k3', ...gtc }),
    { code: 'conflict' },
    'the id an amend replaced stays used',
  );
  t.ok(ask === undefined || ask > 4000);
});

t.test('cancel reasons are set before the user_order goes out: self-trade, market closed, expired', async (t) => {
  const { e, clock, gtc } = setup();
  const seen: Array<[string, string, string | undefined]> = [];
  e.listen({ order: (o) => seen.push([o.id, o.status, o.lastUpdateReason]) });
  const mine = e.place('me', { ticker: M, side: 'ask', price: 4400, count: 100, ...gtc });
  e.place('me', { ticker: M, side: 'bid', price: 4400, count: 100, tif: 'good_till_canceled', stp: 'maker' });
  t.same(
    seen.find(([id, s]) => id === mine.id && s === 'canceled'),
    [mine.id, 'canceled', 'SelfTradePrevention'],
    'the STP-cancelled maker, reported with its reason',
  );
  const exp = e.place('me', { ticker: M, side: 'bid', price: 4000, count: 100, ...gtc, expirationMs: clock.now() + 5000 });
  t.throws(
    () => e.place('me', { ticker: M, side: 'bid', price: 4000, count: 100, ...gtc, expirationMs: clock.now() - 1 }),
    { code: 'invalid_parameters' },
    'an expiry in the past',
  );
  clock.advanceTo(clock.now() + 4999);
  t.equal(exp.status, 'resting');
  clock.advanceTo(clock.now() + 1);
  t.equal(exp.status, 'canceled', 'expired at expiration_time');
  t.same(seen.at(-1), [exp.id, 'canceled', 'Expired']);
  t.notOk(
    e.levels(M).bids.some(([p]) => p === 4000),
    'off the book',
  );
  const rest = e.place('me', { ticker: M, side: 'bid', price: 3900, count: 100, ...gtc });
  e.setStatus(M, 'closed');
  t.same(
    seen.find(([id, s]) => id === rest.id && s === 'canceled'),
    [rest.id, 'canceled', 'MarketClosed'],
    'a market-closed cancel says so on its first report',
  );
});
