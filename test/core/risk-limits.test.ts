import t from 'tap';
import { Positions } from '../../src/core/positions.js';
import {
  DailyNotional,
  checkOrder,
  limitsFromConfig,
  orderNotionalMicro,
  worstCaseLossMicro,
  type Candidate,
  type CheckInput,
  type Limits,
  type OrderExposure,
} from '../../src/core/risk-limits.js';

// Prices 4000 = $0.40; counts 1000 = 10 contracts; money 10_000 = $1.
const HOME = 'KXNBAGAME-26JAN25DENMEM-MEM';
const AWAY = 'KXNBAGAME-26JAN25DENMEM-DEN';
const GAME = [HOME, AWAY];
const NOW = Date.UTC(2026, 0, 25, 18, 0); // 13:00 ET, Jan 25
const BIG = 1e9;
const lim = (o: Partial<Limits>): Limits => ({ maxPositionContracts: BIG, maxGameLossDollars: BIG, maxDailyNotionalDollars: BIG, ...o });

function input(candidate: Candidate, over: Partial<CheckInput> = {}): CheckInput {
  return { candidate, positions: new Positions(), working: [], gameTickers: GAME, notional: new DailyNotional(), now: NOW, ...over };
}
const bid = (ticker: string, price: number, count: number): OrderExposure => ({ ticker, side: 'bid', price, count });
const ask = (ticker: string, price: number, count: number): OrderExposure => ({ ticker, side: 'ask', price, count });

t.test('position: at the limit passes, one unit over fails, working orders on the side count', async (t) => {
  const positions = new Positions();
  positions.onFill({ ticker: HOME, side: 'bid', price: 4000, count: 600, fee: 0 });
  const working = [bid(HOME, 3900, 200), ask(HOME, 4500, 5000), bid(AWAY, 4000, 5000)];
  const l = lim({ maxPositionContracts: 1000 });
  t.same(checkOrder(input(bid(HOME, 4000, 200), { positions, working }), l), { ok: true }, '6 + 2 working + 2 = 10');
  const r = checkOrder(input(bid(HOME, 4000, 201), { positions, working }), l);
  t.equal(r.ok, false);
  if (!r.ok) {
    t.equal(r.reason, 'limit-position');
    t.match(r.detail, /long YES would reach 10\.01 contracts/);
  }
  // The NO direction: position 6 YES, working asks 50: -(6 - 50 - c) <= 10 -> c <= -34: any ask fails...
  t.equal(checkOrder(input(ask(HOME, 4000, 1), { positions, working }), l).ok, false);
  // ...without the big working ask: -(6 - c) <= 10 -> c <= 16.
  t.ok(checkOrder(input(ask(HOME, 4000, 1600), { positions, working: [] }), l).ok);
  t.notOk(checkOrder(input(ask(HOME, 4000, 1601), { positions, working: [] }), l).ok);
});

t.test('position: reduce-only passes a limit already exceeded, both ways', async (t) => {
  const l = lim({ maxPositionContracts: 1000 });
  const longYes = new Positions();
  longYes.onFill({ ticker: HOME, side: 'bid', price: 4000, count: 1500, fee: 0 }); // 15 > 10
  t.ok(checkOrder(input(ask(HOME, 4500, 500), { positions: longYes }), l).ok, 'sell 5 of 15');
  t.ok(checkOrder(input(ask(HOME, 4500, 2500), { positions: longYes }), l).ok, 'sell 25: lands at 10 NO, the limit');
  t.notOk(checkOrder(input(ask(HOME, 4500, 2501), { positions: longYes }), l).ok, 'one unit past the limit on the other side');
  t.notOk(checkOrder(input(bid(HOME, 4000, 1), { positions: longYes }), l).ok, 'adding to it fails');
  const longNo = new Positions();
  longNo.onFill({ ticker: HOME, side: 'ask', price: 6000, count: 1500, fee: 0 });
  t.ok(checkOrder(input(bid(HOME, 5500, 500), { positions: longNo }), l).ok, 'buy back 5 of 15 NO');
  t.notOk(checkOrder(input(ask(HOME, 6000, 1), { positions: longNo }), l).ok);
});

t.test('game loss: at the limit passes, one unit ($0.0001) over fails', async (t) => {
  const l = lim({ maxGameLossDollars: 4000 }); // $0.40
  t.ok(checkOrder(input(bid(HOME, 4000, 100)), l).ok, '1 YES at $0.40 risks $0.40');
  const r = checkOrder(input(bid(HOME, 4001, 100)), l);
  t.equal(r.ok, false);
  if (!r.ok) {
    t.equal(r.reason, 'limit-game-loss');
    t.match(r.detail, /worst-case loss would be \$0\.4001 \(\$0\.0000 without this order\) > limit \$0\.4000/);
  }
  // The NO side: an ask at 0.60 risks 0.40 per contract.
  t.ok(checkOrder(input(ask(HOME, 6000, 100)), l).ok);
  t.notOk(checkOrder(input(ask(HOME, 5999, 100)), l).ok);
  // A fee estimate counts as a loss.
  t.notOk(checkOrder(input({ ...bid(HOME, 4000, 100), fee: 1 }), l).ok);
});

t.test('game loss: YES home and NO away are the same bet', async (t) => {
  const positions = new Positions();
  positions.onFill({ ticker: HOME, side: 'bid', price: 4000, count: 1000, fee: 0 }); // loses $4 if away wins
  // Buy NO away at 0.40 (ask away at 0.60): also loses $4 if away wins: $8 in that outcome.
  const sameBet = ask(AWAY, 6000, 1000);
  t.notOk(checkOrder(input(sameBet, { positions }), lim({ maxGameLossDollars: 79_999 })).ok);
  t.ok(checkOrder(input(sameBet, { positions }), lim({ maxGameLossDollars: 80_000 })).ok);
  t.equal(worstCaseLossMicro([HOME, AWAY], positions, [sameBet]), 80_000 * 100);
  // Without the pairing each ticker is alone and nothing looks concentrated.
  t.ok(checkOrder(input(sameBet, { positions, gameTickers: undefined }), lim({ maxGameLossDollars: 40_000 })).ok);
  t.ok(checkOrder(input(sameBet, { positions, gameTickers: [AWAY] }), lim({ maxGameLossDollars: 40_000 })).ok, 'partner unknown');
  t.ok(checkOrder(input(sameBet, { positions, gameTickers: [HOME, 'KXNBAGAME-OTHER'] }), lim({ maxGameLossDollars: 40_000 })).ok, 'not in the list given');
  // YES on both teams hedges: the worst case does not grow, so it passes at a $4 limit.
  t.ok(checkOrder(input(bid(AWAY, 4000, 1000), { positions }), lim({ maxGameLossDollars: 40_000 })).ok);
  // The same-bet order already working counts for the next one.
  t.notOk(checkOrder(input(bid(HOME, 100, 100), { positions, working: [sameBet] }), lim({ maxGameLossDollars: 80_000 })).ok);
  // Fees and realized PnL count: a $1 fee on the position.
  const withFee = new Positions();
  withFee.onFill({ ticker: HOME, side: 'bid', price: 4000, count: 1000, fee: 10_000 });
  t.equal(worstCaseLossMicro([HOME, AWAY], withFee, []), 50_000 * 100);
});

t.test('game loss: a two-sided quote does not cancel itself out', async (t) => {
  const working = [bid(HOME, 4000, 1000)]; // risks $4 if away wins
  const candidate = ask(HOME, 4500, 1000); // risks $5.50 if home wins
  t.notOk(checkOrder(input(candidate, { working }), lim({ maxGameLossDollars: 54_999 })).ok);
  t.ok(checkOrder(input(candidate, { working }), lim({ maxGameLossDollars: 55_000 })).ok);
});

t.test('game loss: an order that adds nothing to the worst outcome passes a limit already exceeded', async (t) => {
  const positions = new Positions();
  positions.onFill({ ticker: HOME, side: 'bid', price: 5000, count: 2000, fee: 0 }); // -$10 if away wins
  const l = lim({ maxGameLossDollars: 50_000 });
  t.ok(checkOrder(input(ask(HOME, 5500, 1000), { positions }), l).ok, 'selling half');
  t.ok(checkOrder(input(ask(HOME, 5500, 2000), { positions }), l).ok, 'selling all');
  t.notOk(checkOrder(input(bid(HOME, 5000, 100), { positions }), l).ok, 'adding to it');
});

t.test('daily notional: cost of what an order buys, at the limit passes, one unit over fails', async (t) => {
  t.equal(orderNotionalMicro('bid', 4000, 1000), 4_000_000);
  t.equal(orderNotionalMicro('ask', 7000, 1000), 3_000_000, 'an ask buys NO at 0.30');
  const n = new DailyNotional();
  n.onPlace(NOW, bid(HOME, 4000, 1000)); // $4
  n.onPlace(NOW, ask(AWAY, 7000, 1000)); // $3
  t.equal(n.total(NOW), 70_000);
  const l = lim({ maxDailyNotionalDollars: 100_000 });
  t.ok(checkOrder(input(bid(HOME, 3000, 1000), { notional: n }), l).ok, '$7 + $3 = $10');
  const r = checkOrder(input(bid(HOME, 3000, 1001), { notional: n }), l);
  t.equal(r.ok, false);
  if (!r.ok) {
    t.equal(r.reason, 'limit-daily-notional');
    t.match(r.detail, /^2026-01-25: notional would be \$10\.0030 \(\$7\.0000 placed today, this order \$3\.0030\) > limit \$10\.0000$/);
  }
  t.notOk(checkOrder(input(bid(HOME, 3001, 1000), { notional: n }), l).ok);
  // One PRICE_ONE unit ($0.0001) over: 1 contract, limit $7.30.
  const l1 = lim({ maxDailyNotionalDollars: 73_000 });
  t.ok(checkOrder(input(bid(HOME, 3000, 100), { notional: n }), l1).ok);
  t.notOk(checkOrder(input(bid(HOME, 3001, 100), { notional: n }), l1).ok);
  t.ok(checkOrder(input(ask(HOME, 7000, 100), { notional: n }), l1).ok, 'an ask at 0.70 commits $0.30');
  t.notOk(checkOrder(input(ask(HOME, 6999, 100), { notional: n }), l1).ok);
});

t.test('daily notional: a replaced order counts once, at its high-water mark', async (t) => {
  const n = new DailyNotional();
  n.onPlace(NOW, bid(HOME, 4000, 1000));
  const rep = { side: 'bid' as const, price: 4000, remaining: 1000, placedTs: NOW };
  t.equal(n.onPlace(NOW + 1000, bid(HOME, 4100, 1000), rep), 100_000, 'reprice up: only the $0.10 more');
  t.equal(n.onPlace(NOW + 2000, bid(HOME, 4000, 1000), { ...rep, price: 4100, placedTs: NOW + 1000 }), 0, 'reprice down: nothing');
  t.equal(n.total(NOW + 2000), 41_000);
  // Half filled, then replaced by a fresh 10: the filled $2 stays counted, the new $4 exceeds the $2 left by $2.
  t.equal(n.onPlace(NOW + 3000, bid(HOME, 4000, 1000), { ...rep, remaining: 500, placedTs: NOW + 2000 }), 2_000_000);
  t.equal(n.total(NOW + 3000), 61_000);
  // The check sees the same amount.
  const l = lim({ maxDailyNotionalDollars: 61_000 });
  t.ok(checkOrder(input({ ...bid(HOME, 4000, 1000), replaces: { ...rep, placedTs: NOW + 3000 } }, { notional: n, now: NOW + 4000 }), l).ok);
  t.notOk(checkOrder(input({ ...bid(HOME, 4001, 1000), replaces: { ...rep, placedTs: NOW + 3000 } }, { notional: n, now: NOW + 4000 }), l).ok);
});

t.test('daily notional: the US Eastern day rolls over at Eastern midnight', async (t) => {
  const n = new DailyNotional();
  const beforeMidnight = Date.UTC(2026, 0, 26, 4, 59, 59, 999); // 23:59:59.999 EST Jan 25
  const midnight = Date.UTC(2026, 0, 26, 5, 0); // 00:00 EST Jan 26
  n.onPlace(beforeMidnight, bid(HOME, 4000, 1000));
  t.equal(n.total(beforeMidnight), 40_000);
  t.equal(n.date, '2026-01-25');
  t.equal(n.total(midnight), 0, 'a new day');
  // A replacement of yesterday's order counts in full today.
  const rep = { side: 'bid' as const, price: 4000, remaining: 1000, placedTs: beforeMidnight };
  t.equal(n.onPlace(midnight, bid(HOME, 4000, 1000), rep), 4_000_000);
  t.equal(n.date, '2026-01-26');
  t.equal(n.total(midnight), 40_000);
  // Summer time: midnight EDT is 04:00 UTC.
  const s = new DailyNotional();
  s.onPlace(Date.UTC(2026, 6, 1, 3, 59), bid(HOME, 4000, 100));
  t.equal(s.total(Date.UTC(2026, 6, 1, 3, 59, 59)), 4_000);
  t.equal(s.total(Date.UTC(2026, 6, 1, 4, 0)), 0);
});

t.test('checks run in order: position first', async (t) => {
  const r = checkOrder(input(bid(HOME, 4000, 1000)), { maxPositionContracts: 0, maxGameLossDollars: 0, maxDailyNotionalDollars: 0 });
  t.ok(!r.ok && r.reason === 'limit-position');
  const g = checkOrder(input(bid(HOME, 4000, 1000)), { maxPositionContracts: BIG, maxGameLossDollars: 0, maxDailyNotionalDollars: 0 });
  t.ok(!g.ok && g.reason === 'limit-game-loss');
});

t.test('limits from contracts and dollars', async (t) => {
  t.same(limitsFromConfig({ maxPositionContracts: 25, maxGameLossDollars: 50.5, maxDailyNotionalDollars: 0.1 }), {
    ok: true,
    limits: { maxPositionContracts: 2500, maxGameLossDollars: 505_000, maxDailyNotionalDollars: 1000 },
  });
  t.notOk(limitsFromConfig({ maxPositionContracts: 1.005, maxGameLossDollars: 1, maxDailyNotionalDollars: 1 }).ok);
  t.notOk(limitsFromConfig({ maxPositionContracts: 1, maxGameLossDollars: 0.00001, maxDailyNotionalDollars: 1 }).ok);
  t.notOk(limitsFromConfig({ maxPositionContracts: 1, maxGameLossDollars: -1, maxDailyNotionalDollars: 1 }).ok);
  t.notOk(limitsFromConfig({ maxPositionContracts: 1, maxGameLossDollars: 1, maxDailyNotionalDollars: Number.NaN }).ok);
});

t.test('malformed numbers fail as invalid-input, never pass a limit', async (t) => {
  const l = lim({ maxPositionContracts: 1000, maxGameLossDollars: 1000, maxDailyNotionalDollars: 1000 });
  const cases: Array<[string, CheckInput, Limits]> = [
    ['NaN count', input({ ...bid(HOME, 4000, Number.NaN) }), l],
    ['fractional price', input(bid(HOME, 4000.5, 100)), l],
    ['price 0', input(bid(HOME, 0, 100)), l],
    ['price $1', input(ask(HOME, 10_000, 100)), l],
    ['negative fee', input({ ...bid(HOME, 4000, 100), fee: -1 }), l],
    ['bad working order', input(bid(HOME, 4000, 100), { working: [bid(AWAY, 4000, Number.POSITIVE_INFINITY)] }), l],
    ['NaN limit', input(bid(HOME, 4000, 100)), { ...l, maxGameLossDollars: Number.NaN }],
    ['bad replaced order', input({ ...bid(HOME, 4000, 100), replaces: { side: 'bid', price: 4000, remaining: Number.NaN, placedTs: NOW } }), l],
    ['bad position', input(bid(HOME, 4000, 100), { positions: new Map([[HOME, { position: 1.5, costBasis: 0, realizedPnl: 0, fees: 0 }]]) }), l],
  ];
  for (const [name, i, lims] of cases) {
    const r = checkOrder(i, lims);
    t.ok(!r.ok && r.reason === 'invalid-input', name);
  }
});
