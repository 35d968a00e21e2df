// Endless cancel loops (hummingbot: "cancelling the same order forever"): a cancel that
// is never answered is sent again a bounded number of times, then reported; duplicates in
// between are suppressed; a cancel refused as unknown ends the order; a venue refusal
// does not turn into a place/reject loop.
import t from 'tap';
import { HOME, T0, book, prob, session, standardOpen } from '../helpers/quote.js';

function pendingCancel(over: Parameters<typeof session>[0] = {}) {
  const s = session({ cancelRetryMs: 1_000, cancelRetryMax: 2, ...over });
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  s.m.onOracleProb(prob(0.44, T0 + 200), T0 + 200);
  return s;
}

t.test('an unanswered cancel: re-sent at cancel_retry_ms, at most cancel_retry_max times, then reported', async (t) => {
  const s = pendingCancel();
  t.equal(s.venue.cancels().length, 1);
  for (let i = 0; i < 20; i++) s.m.onOracleProb(prob(0.43 - i * 0.001, T0 + 300 + i), T0 + 300 + i);
  t.equal(s.venue.cancels().length, 1, 'repeated decisions send nothing');
  for (let i = 0; i < 10; i++) {
    const due = s.m.next();
    if (due === undefined || due > T0 + 3_600_000) break;
    s.m.tick(due);
  }
  t.equal(s.venue.cancels().length, 3, 'the first and two retries');
  t.equal(s.count('cancel_retries_total'), 2);
  t.match(s.w.anomalies.join('\n'), /cancel never answered/);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid').length, 1, 'the side stays blocked: no order on top of an unknown one');
});

t.test('a cancel refused as unknown-order ends the order: no retry loop', async (t) => {
  const s = pendingCancel();
  const coid = s.venue.cancels()[0]!.clientOrderId;
  s.m.onReply(s.venue.cancelRejected(coid, T0 + 300, 'unknown-order'), T0 + 300);
  t.equal(s.w.orders.filter((o) => o.o.clientOrderId === coid).at(-1)!.status, 'canceled');
  s.m.tick(T0 + 1_200);
  t.equal(s.venue.cancels().length, 1, 'no retry of a finished order');
});

t.test('a refused order holds its side until the book changes: no place/reject loop', async (t) => {
  const s = session();
  standardOpen(s);
  const bid = s.venue.place(0).order.clientOrderId;
  s.m.onReply(s.venue.rejected(bid, T0 + 100), T0 + 100);
  s.m.onOracleProb(prob(0.5, T0 + 150), T0 + 150);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid').length, 1, 'not placed again on the same book');
  s.m.onBook(book(HOME, [[4400, 5000]], [[5500, 5000]]), T0 + 200);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid').length, 2, 'placed again on a new book');
});

t.test('an oracle flapping around the threshold: min_rest_ms bounds the reprices', async (t) => {
  const s = session({ minRestMs: 5_000 });
  standardOpen(s);
  let now = T0;
  for (let i = 0; i < 200; i++) {
    now += 100;
    s.m.tick(now);
    for (const r of s.venue.requests.slice(-2)) {
      if (r.kind === 'place' && s.working().some((o) => o.clientOrderId === r.order.clientOrderId && o.status === 'submitted'))
        s.m.onReply(s.venue.accepted(r.order.clientOrderId, now), now);
      if (r.kind === 'cancel' && s.working().some((o) => o.clientOrderId === r.clientOrderId)) s.m.onReply(s.venue.canceled(r.clientOrderId, now), now);
    }
    // Others' best bid flaps between 0.44 and 0.45 (a non-adverse move for our bid).
    s.m.onBook(book(HOME, [[i % 2 ? 4400 : 4500, 5000]], [[5500, 5000]]), now);
  }
  const reprices = s.count('order_reprices_total');
  t.ok(reprices > 0, 'it does reprice');
  t.ok(reprices <= Math.ceil((now - T0) / 5_000) + 1, `at most one reprice per min_rest_ms (${reprices} in ${now - T0} ms)`);
});
