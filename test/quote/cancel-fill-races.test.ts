// Cancel/fill races (hummingbot's users: "order filled while I was cancelling it"): a fill
// can land between our cancel and its answer, the cancel can be refused because the order
// already filled, and the fill report can even come after the cancel ack. Every contract
// filled is counted once; no side gets a second order before the first is settled.
import t from 'tap';
import { HOME, T0, prob, session, standardOpen } from '../helpers/quote.js';

function bidResting() {
  const s = session();
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  const bid = s.working().find((o) => o.side === 'bid')!.clientOrderId;
  s.m.onOracleProb(prob(0.44, T0 + 200), T0 + 200); // through the bid: cancel
  return { s, bid };
}
const bidPlaces = (s: ReturnType<typeof session>) => s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid').length;

t.test('a fill between the cancel and its ack: counted, and the replacement waits for the ack', async (t) => {
  const { s, bid } = bidResting();
  s.m.onReply(s.venue.fill(bid, T0 + 250, 400, 600), T0 + 250);
  t.equal(s.working().find((o) => o.clientOrderId === bid)!.status, 'pending-cancel');
  t.equal(bidPlaces(s), 1, 'no second bid while the cancel is unanswered');
  s.m.onReply(s.venue.canceled(bid, T0 + 300, 0), T0 + 300);
  t.same(
    s.w.fills.map((f) => f.count),
    [400],
  );
  t.equal(s.w.positions.at(-1)!.position, 400);
  t.equal(s.w.orders.filter((o) => o.o.clientOrderId === bid).at(-1)!.status, 'canceled');
  t.equal(bidPlaces(s), 2, 'then the bid is placed again at the new price');
  t.equal(s.venue.place().order.price, 4100, 'fair 0.44: 0.42 leaves 0.015 after the fee, 0.41 is the limit');
});

t.test('a cancel refused because the order already filled: the fill settles it', async (t) => {
  const { s, bid } = bidResting();
  s.m.onReply(s.venue.cancelRejected(bid, T0 + 300, 'already-filled'), T0 + 300);
  t.equal(bidPlaces(s), 1, 'still waiting: the fill report is on its way');
  s.m.onReply(s.venue.fill(bid, T0 + 310, 1000, 0), T0 + 310);
  const last = s.w.orders.filter((o) => o.o.clientOrderId === bid).at(-1)!;
  t.equal(last.status, 'filled');
  t.equal(bidPlaces(s), 2);
  t.same(s.w.anomalies, []);
});

t.test('the fill reported before the refusal of the cancel: no anomaly, filled once', async (t) => {
  const { s, bid } = bidResting();
  s.m.onReply(s.venue.fill(bid, T0 + 290, 1000, 0), T0 + 290);
  s.m.onReply(s.venue.cancelRejected(bid, T0 + 300, 'already-filled'), T0 + 300);
  t.same(
    s.w.fills.map((f) => f.count),
    [1000],
  );
  t.same(s.w.anomalies, []);
  t.equal(bidPlaces(s), 2, 'one replacement, not two');
});

t.test('a fill reported after the cancel ack still maps to its order and counts', async (t) => {
  const { s, bid } = bidResting();
  s.m.onReply(s.venue.canceled(bid, T0 + 300, 700), T0 + 300);
  const tradeId = 'late-1';
  s.m.onReply(s.venue.fill(bid, T0 + 320, 300, 0, tradeId), T0 + 320);
  t.same(
    s.w.fills.map((f) => [f.tradeId, f.count]),
    [[tradeId, 300]],
  );
  t.equal(s.w.positions.at(-1)!.position, 300);
  t.same(s.w.anomalies, []);
  s.m.onReply(s.venue.fill(bid, T0 + 330, 300, 0, tradeId), T0 + 330);
  t.equal(s.w.fills.length, 1, 'the same trade reported twice is applied once');
  t.equal(s.count('fill_duplicates_total'), 1);
});

t.test('a partial fill, then the oracle moves: the remainder is cancelled, not the whole order re-sent', async (t) => {
  const s = session();
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  const bid = s.working().find((o) => o.side === 'bid')!.clientOrderId;
  s.m.onReply(s.venue.fill(bid, T0 + 150, 250, 750), T0 + 150);
  t.equal(s.working().find((o) => o.clientOrderId === bid)!.status, 'partial');
  s.m.onOracleProb(prob(0.44, T0 + 200), T0 + 200);
  t.equal(s.venue.cancels().length, 1);
  s.m.onReply(s.venue.canceled(bid, T0 + 300, 0), T0 + 300);
  const p = s.venue.place();
  t.equal(p.order.ticker, HOME);
  t.equal(p.order.count, 1000, 'a fresh quote of the configured size');
});
