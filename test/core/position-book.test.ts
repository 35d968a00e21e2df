import t from 'tap';
import { PositionBook } from '../../src/core/position-book.js';

const HOME = 'KXNBAGAME-26JAN25DENMEM-MEM';
const AWAY = 'KXNBAGAME-26JAN25DENMEM-DEN';
const NOW = Date.UTC(2026, 0, 25, 18, 0);

t.test('limits from contracts and dollars; a value that is not whole units is refused', async (t) => {
  const b = new PositionBook({ maxPositionContracts: 10, maxGameLossDollars: 4, maxDailyNotionalDollars: 10 });
  t.same(b.limits, { maxPositionContracts: 1000, maxGameLossDollars: 40_000, maxDailyNotionalDollars: 100_000 });
  t.throws(() => new PositionBook({ maxPositionContracts: 10, maxGameLossDollars: 4.00001, maxDailyNotionalDollars: 10 }), RangeError);
});

t.test('fills, the view the manager writes, settlement once', async (t) => {
  const b = new PositionBook({ maxPositionContracts: 10, maxGameLossDollars: 4, maxDailyNotionalDollars: 10 });
  const v = b.onFill({ ticker: HOME, side: 'bid', price: 4000, count: 1000, fee: 170 }, NOW);
  t.same(v, { ticker: HOME, position: 1000, cost: 40_000, fees: 170, realized: -170, settled: false });
  const bad = b.onFill({ ticker: HOME, side: 'bid', price: 0, count: 1000, fee: 0 }, NOW);
  t.match(bad, { ticker: HOME, position: 1000, refused: /price 0/ });
  const s = b.settle(HOME, 'yes', NOW + 1);
  t.same(s, { ticker: HOME, position: 0, cost: 0, fees: 170, realized: 59_830, settled: true, result: 'yes' }, 'realized after fees');
  t.equal(b.settle(HOME, 'yes', NOW + 2), undefined, 'no second settlement');
  t.equal(b.settle(AWAY, 'no', NOW + 2), undefined, 'never traded');
  b.forget(HOME);
  t.equal(b.get(HOME), undefined);
});

t.test("check: the three limits through the manager's call", async (t) => {
  const b = new PositionBook({ maxPositionContracts: 10, maxGameLossDollars: 4, maxDailyNotionalDollars: 10 });
  const c = { ticker: HOME, event: 'nba-2026-01-25-den-mem', side: 'bid' as const, price: 4000, count: 1000 };
  t.same(b.check(c, [], [HOME, AWAY], NOW), { ok: true });
  t.match(b.check({ ...c, count: 1001 }, [], [HOME, AWAY], NOW), { ok: false, reason: 'limit-position' });
  // Buying NO on the away team is the same bet as YES home: $4 + $4 in the away-wins outcome.
  const w = [{ ticker: HOME, side: 'bid' as const, price: 4000, count: 1000 }];
  t.match(b.check({ ...c, ticker: AWAY, side: 'ask', price: 6000, count: 1 }, w, [HOME, AWAY], NOW), { ok: false, reason: 'limit-game-loss' });
  t.same(b.check({ ...c, ticker: AWAY, side: 'bid', price: 4000, count: 1000 }, w, [HOME, AWAY], NOW), { ok: true }, 'YES away hedges');
  b.placed({ ticker: HOME, side: 'bid', price: 4000, count: 1000 }, NOW);
  b.placed({ ticker: AWAY, side: 'ask', price: 4000, count: 1000 }, NOW); // NO at 0.60: $6
  t.equal(b.notional.total(NOW), 100_000);
  t.match(b.check({ ...c, ticker: AWAY, count: 1 }, [], [HOME, AWAY], NOW), { ok: false, reason: 'limit-daily-notional' });
});

t.test('placed without a side counts the larger commitment and says so', async (t) => {
  const b = new PositionBook({ maxPositionContracts: 10, maxGameLossDollars: 4, maxDailyNotionalDollars: 10 });
  b.placed({ ticker: HOME, price: 3000, count: 1000 }, NOW);
  t.equal(b.notional.total(NOW), 70_000);
  t.equal(b.sideMissing, 1);
});
