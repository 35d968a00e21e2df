import t from 'tap';
import { Positions, fillCash, mulFloorDiv } from '../../src/core/positions.js';

// Prices: 4000 = $0.40. Counts: 1000 = 10 contracts. Money: 10_000 = $1.
const T = 'KXNBAGAME-26JAN25DENMEM-MEM';

t.test('long YES settles YES: payout minus cost, fees apart', async (t) => {
  const p = new Positions();
  const r = p.onFill({ ticker: T, side: 'bid', price: 4000, count: 1000, fee: 170 });
  t.ok(r.ok);
  t.same(p.get(T), { ticker: T, position: 1000, costBasis: 40_000, fees: 170, realizedPnl: 0, bought: 1000, sold: 0, fills: 1 });
  const s = p.settle(T, 'yes', 5_000);
  t.ok(s.ok);
  if (!s.ok) return;
  // 10 contracts pay $10; cost $4: +$6 before fees, $5.983 after.
  t.same(s.settlement, {
    ticker: T,
    ts: 5_000,
    result: 'yes',
    position: 1000,
    costBasis: 40_000,
    payout: 100_000,
    realizedPnl: 60_000,
    fees: 170,
    netPnl: 59_830,
    bought: 1000,
    sold: 0,
    fills: 1,
  });
  t.equal(p.get(T)!.position, 0);
  t.equal(p.get(T)!.settled, 'yes');
});

t.test('long YES settles NO: the cost is lost', async (t) => {
  const p = new Positions();
  p.onFill({ ticker: T, side: 'bid', price: 4000, count: 1000, fee: 0 });
  const s = p.settle(T, 'no', 1);
  t.ok(s.ok && s.settlement.realizedPnl === -40_000 && s.settlement.payout === 0);
});

t.test('an ask from flat is long NO at 1 - p: both outcomes match the NO holder', async (t) => {
  // Sell YES at 0.60 = buy NO at 0.40, 10 contracts.
  for (const [result, nohold] of [
    ['yes', -40_000],
    ['no', 60_000],
  ] as const) {
    const p = new Positions();
    p.onFill({ ticker: T, side: 'ask', price: 6000, count: 1000, fee: 0 });
    t.equal(p.get(T)!.position, -1000);
    t.equal(p.get(T)!.costBasis, -60_000, 'YES-terms money received');
    const s = p.settle(T, result, 1);
    t.ok(s.ok);
    if (s.ok) {
      t.equal(s.settlement.realizedPnl, nohold, `NO holder on ${result}`);
      t.equal(s.settlement.payout, result === 'yes' ? -100_000 : 0);
    }
  }
});

t.test('closing at average cost realizes PnL; the rest keeps its basis', async (t) => {
  const p = new Positions();
  p.onFill({ ticker: T, side: 'bid', price: 4000, count: 1000, fee: 0 });
  p.onFill({ ticker: T, side: 'bid', price: 5000, count: 1000, fee: 0 }); // avg 0.45, basis $9
  p.onFill({ ticker: T, side: 'ask', price: 5500, count: 500, fee: 0 }); // sell 5 at .55: +(0.55 - 0.45) x 5 = $0.50
  t.same(p.get(T), { ticker: T, position: 1500, costBasis: 67_500, fees: 0, realizedPnl: 5_000, bought: 2000, sold: 500, fills: 3 });
  // Sell 20 at .50: closes 15 (basis $6.75, proceeds $7.50: +$0.75) and opens 5 NO (sold YES at .50).
  p.onFill({ ticker: T, side: 'ask', price: 5000, count: 2000, fee: 0 });
  t.same(p.get(T), { ticker: T, position: -500, costBasis: -25_000, fees: 0, realizedPnl: 12_500, bought: 2000, sold: 2500, fills: 4 });
  // Buy back 5 at 0.30: +(0.50 - 0.30) x 5 = $1.00.
  p.onFill({ ticker: T, side: 'bid', price: 3000, count: 500, fee: 0 });
  t.same(p.get(T), { ticker: T, position: 0, costBasis: 0, fees: 0, realizedPnl: 22_500, bought: 2500, sold: 2500, fills: 5 });
});

t.test('rounding: a partial close rounds realized down, the total stays exact', async (t) => {
  // 3 contracts for $1.2001 total; sell 1 at 0.40: released = ceil(12001 / 3) = 4001 -> realized -1 (exact: -0.33).
  const p = new Positions();
  p.onFill({ ticker: T, side: 'bid', price: 4001, count: 100, fee: 0 });
  p.onFill({ ticker: T, side: 'bid', price: 4000, count: 200, fee: 0 });
  t.equal(p.get(T)!.costBasis, 12_001);
  p.onFill({ ticker: T, side: 'ask', price: 4000, count: 100, fee: 0 });
  t.equal(p.get(T)!.realizedPnl, -1);
  t.equal(p.get(T)!.costBasis, 8_000);
  // Invariant: realized - basis = sum of cash = -12001 + 4000.
  t.equal(p.get(T)!.realizedPnl - p.get(T)!.costBasis, -8_001);
  const s = p.settle(T, 'yes', 1);
  t.ok(s.ok && s.settlement.realizedPnl === 20_000 - 12_001 + 4_000, 'exact at settlement');
  // Long NO, partial close by a bid: realized rounds down too.
  const q = new Positions();
  q.onFill({ ticker: T, side: 'ask', price: 6001, count: 100, fee: 0 });
  q.onFill({ ticker: T, side: 'ask', price: 6000, count: 200, fee: 0 }); // basis -18001
  q.onFill({ ticker: T, side: 'bid', price: 6000, count: 100, fee: 0 }); // exact +0.33 -> released ceil(-6000.33) = -6000
  t.equal(q.get(T)!.realizedPnl, 0);
  t.equal(q.get(T)!.costBasis, -12_001);
});

t.test('fractional contracts: payments rounded up, receipts down', async (t) => {
  t.equal(fillCash('bid', 4001, 1), -41); // 40.01 units paid -> 41
  t.equal(fillCash('ask', 4001, 1), 40); // 40.01 received -> 40
  t.equal(fillCash('bid', 4000, 1000), -40_000);
  const p = new Positions();
  p.onFill({ ticker: T, side: 'bid', price: 3333, count: 150, fee: 0 }); // 1.5 contracts: 4999.5 -> 5000
  t.equal(p.get(T)!.costBasis, 5_000);
  const s = p.settle(T, 'yes', 1);
  t.ok(s.ok && s.settlement.payout === 15_000 && s.settlement.realizedPnl === 10_000);
});

t.test('bad input, late fills, double settlement and forgetting', async (t) => {
  const p = new Positions();
  for (const bad of [
    { ticker: T, side: 'bid' as const, price: 0, count: 100, fee: 0 },
    { ticker: T, side: 'bid' as const, price: 10_000, count: 100, fee: 0 },
    { ticker: T, side: 'bid' as const, price: 4000.5, count: 100, fee: 0 },
    { ticker: T, side: 'bid' as const, price: 4000, count: 0, fee: 0 },
    { ticker: T, side: 'bid' as const, price: 4000, count: 100, fee: -1 },
    { ticker: T, side: 'buy' as unknown as 'bid', price: 4000, count: 100, fee: 0 },
    { ticker: '', side: 'bid' as const, price: 4000, count: 100, fee: 0 },
  ]) {
    const r = p.onFill(bad);
    t.notOk(r.ok, JSON.stringify(bad));
  }
  t.equal(p.size, 0, 'nothing booked');
  const u = p.settle(T, 'yes', 1);
  t.ok(!u.ok && u.reason === 'unknown-ticker');
  p.onFill({ ticker: T, side: 'bid', price: 4000, count: 100, fee: 0 });
  t.notOk(p.forget(T), 'an open position is never forgotten');
  t.ok(p.settle(T, 'no', 2).ok);
  const again = p.settle(T, 'yes', 3);
  t.ok(!again.ok && again.reason === 'already-settled');
  const late = p.onFill({ ticker: T, side: 'bid', price: 4000, count: 100, fee: 0 });
  t.notOk(late.ok);
  t.equal(p.get(T)!.realizedPnl, -4_000, 'unchanged by the refused fill');
  t.same(
    p.all().map((x) => x.ticker),
    [T],
  );
  t.ok(p.forget(T));
  t.equal(p.get(T), undefined);
  t.equal(p.size, 0);
});

t.test('mulFloorDiv: floor, exact beyond 2^53', async (t) => {
  t.equal(mulFloorDiv(7, 1, 2), 3);
  t.equal(mulFloorDiv(-7, 1, 2), -4);
  t.equal(mulFloorDiv(-6, 1, 2), -3);
  // 3,000,000,001 x 3,000,000,000 / 3 = 3,000,000,001,000,000,000 (beyond 2^53): the BigInt path.
  t.equal(mulFloorDiv(3_000_000_001, 3_000_000_000, 9_000_000_000), 1_000_000_000);
  t.equal(mulFloorDiv(-3_000_000_001, 3_000_000_000, 9_000_000_000), -1_000_000_001);
});
