// Limits as the quote manager applies them (src/core/risk-limits.ts has each at its exact
// boundary): a limit reached is a skip with its reason, never an error, and never an order.
import t from 'tap';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { PositionBook } from '../../src/core/position-book.js';
import { AWAY, EVENT, HOME, T0, book, prob, session } from '../helpers/quote.js';

function open(limits: { maxPositionContracts: number; maxGameLossDollars: number; maxDailyNotionalDollars: number }) {
  const s = session({}, { exposure: new PositionBook(limits) });
  for (const [tk, side] of [
    [HOME, 'home'],
    [AWAY, 'away'],
  ] as const) {
    s.m.onLink({ ticker: tk, event: EVENT, sport: 'nba', side }, T0);
    s.m.onMarket({ ticker: tk, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0);
  }
  s.m.onOracleProb(prob(0.5, T0), T0);
  return s;
}
const skips = (s: ReturnType<typeof session>) => s.w.skips.map((k) => k.reason).filter((r) => r.startsWith('limit-'));

t.test('position per ticker: the bid that would take it past the limit is a skip', async (t) => {
  const s = open({ maxPositionContracts: 15, maxGameLossDollars: 1000, maxDailyNotionalDollars: 100_000 });
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), T0);
  const bid = s.venue.place(0).order.clientOrderId;
  s.m.onReply(s.venue.accepted(bid, T0 + 1), T0 + 1);
  s.m.onReply(s.venue.fill(bid, T0 + 2, 1000, 0), T0 + 2); // long 10: another 10 would be 20 > 15
  t.same(skips(s), ['limit-position']);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid').length, 1, 'no second bid');
  t.ok(
    s.working().some((o) => o.side === 'ask'),
    'the ask (which reduces the position) still quotes',
  );
});

t.test('worst-case game loss counts YES on one team and NO on the other as one bet', async (t) => {
  // A $5 limit: a 10-lot bid at 0.45 on the home team risks $4.50; the away ask at 0.55
  // (selling away YES = buying away NO, i.e. the home team again) risks another $4.50.
  const s = open({ maxPositionContracts: 1000, maxGameLossDollars: 5, maxDailyNotionalDollars: 100_000 });
  s.m.onBook(book(HOME, [[4500, 5000]], [[9900, 5000]]), T0);
  const homeBid = s.venue.place(0);
  t.same([homeBid.order.ticker, homeBid.order.side], [HOME, 'bid']);
  s.m.onReply(s.venue.accepted(homeBid.order.clientOrderId, T0 + 1), T0 + 1);
  s.m.onReply(s.venue.fill(homeBid.order.clientOrderId, T0 + 2, 1000, 0), T0 + 2);
  s.m.onBook(book(AWAY, [[100, 5000]], [[5500, 5000]]), T0 + 3);
  t.ok(skips(s).includes('limit-game-loss'), `the away ask is refused (${skips(s).join(', ')})`);
  t.notOk(s.venue.requests.some((r) => r.kind === 'place' && r.order.ticker === AWAY && r.order.side === 'ask'));
});

t.test('notional per day: orders stop at the limit (the Eastern-day rollover is tested in core/risk-limits)', async (t) => {
  // $9 a day: one 10-lot bid at 0.45 ($4.50) and one ask at 0.55 (buys NO: $4.50) fit; nothing more.
  const s = open({ maxPositionContracts: 1000, maxGameLossDollars: 1000, maxDailyNotionalDollars: 9 });
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), T0);
  t.equal(s.venue.requests.length, 2);
  s.m.onBook(book(AWAY, [[4500, 5000]], [[5500, 5000]]), T0 + 1);
  t.equal(s.venue.requests.length, 2, 'the away quotes would exceed the day');
  t.ok(skips(s).includes('limit-daily-notional'));
});
