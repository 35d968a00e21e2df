// Lost orders (hummingbot: "order not found", orders the bot forgot): every order is
// known from the moment it is sent until it is final; answers for orders we never sent
// are reported and counted, never crash and never create state; an unanswered place
// keeps its side blocked rather than stacking a second order on an unknown one.
import t from 'tap';
import { AWAY, EVENT, HOME, T0, book, prob, session, standardOpen } from '../helpers/quote.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';

t.test('an answer for an order we never sent is reported and counted', async (t) => {
  const s = session();
  standardOpen(s);
  s.m.onReply(
    {
      kind: 'fill',
      ts: T0 + 5,
      clientOrderId: 'nope',
      orderId: 'x',
      ticker: HOME,
      tradeId: 't',
      side: 'bid',
      price: 4500,
      count: 100,
      remaining: 0,
      liquidity: 'maker',
      fee: 0,
    },
    T0 + 5,
  );
  s.m.onReply({ kind: 'accepted', ts: T0 + 6, clientOrderId: 'nope2', orderId: 'y', ticker: HOME, remaining: 100 }, T0 + 6);
  t.equal(s.count('order_anomalies_total'), 2);
  t.equal(s.w.fills.length, 0);
  t.equal(s.working().length, 2, 'our own two orders, nothing invented');
});

t.test('an unanswered place keeps its side blocked; the other side and other tickers go on', async (t) => {
  const s = session();
  standardOpen(s);
  s.m.onLink({ ticker: AWAY, event: EVENT, sport: 'nba', side: 'away' }, T0 + 1);
  s.m.onMarket({ ticker: AWAY, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0 + 1);
  s.m.onBook(book(AWAY, [[4500, 5000]], [[5500, 5000]]), T0 + 1);
  t.equal(s.venue.requests.length, 4);
  for (let i = 0; i < 100; i++) s.m.onBook(book(HOME, [[4400 - (i % 3) * 100, 5000]], [[5500, 5000]]), T0 + 10 + i);
  t.equal(s.venue.requests.length, 4, 'nothing stacked on the unanswered orders');
});

t.test('every order record of an order tells one consistent story, ending final', async (t) => {
  const s = session();
  standardOpen(s);
  const [b, a] = [s.venue.place(0).order.clientOrderId, s.venue.place(1).order.clientOrderId];
  s.m.onReply(s.venue.accepted(b, T0 + 100), T0 + 100);
  s.m.onReply(s.venue.accepted(a, T0 + 100), T0 + 100);
  s.m.onOracleProb(prob(0.6, T0 + 200), T0 + 200); // through the ask
  s.m.onReply(s.venue.canceled(a, T0 + 300), T0 + 300);
  s.m.pullAll('shutdown', T0 + 400);
  // The replacement ask was still unanswered: its cancel goes out once it is accepted.
  for (const o of s.working()) if (o.status === 'submitted') s.m.onReply(s.venue.accepted(o.clientOrderId, T0 + 450), T0 + 450);
  for (const c of s.venue.cancels()) if (c.clientOrderId !== a) s.m.onReply(s.venue.canceled(c.clientOrderId, T0 + 500), T0 + 500);
  for (const coid of new Set(s.venue.requests.map((r) => (r.kind === 'place' ? r.order.clientOrderId : r.clientOrderId)))) {
    const story = s.w.orders.filter((o) => o.o.clientOrderId === coid).map((o) => o.status);
    t.equal(story[0], 'submitted', `${coid} starts submitted`);
    t.ok(['canceled', 'filled', 'rejected'].includes(story.at(-1)!), `${coid} ends final: ${story.join(' > ')}`);
  }
  t.same(s.working(), [], 'nothing left working after the shutdown answers');
});
