// Review (issue 10): deadlines. min_rest_ms delays a (non-adverse) reprice until the quote
// has rested that long; each side rests on its own clock.
import t from 'tap';
import { HOME, T0, book, session, standardOpen } from '../helpers/quote.js';

t.test("review: both sides waiting out min_rest_ms: the bid reprices at its own deadline, not at the ask's", async (t) => {
  const s = session({ minRestMs: 5_000 });
  standardOpen(s); // bid 0.45, ask 0.55 sent at T0
  const bid = s.venue.place(0).order;
  const ask = s.venue.place(1).order;
  t.equal(bid.side, 'bid');
  s.m.onReply(s.venue.accepted(bid.clientOrderId, T0 + 100), T0 + 100); // bid rests from T0+100
  s.m.onReply(s.venue.accepted(ask.clientOrderId, T0 + 2_000), T0 + 2_000); // ask rests from T0+2000
  // Others improve both sides by a tick: we would join at 0.46 / 0.54, once rested 5 s.
  s.m.onBook(book(HOME, [[4600, 5000]], [[5400, 5000]]), T0 + 2_500);
  t.equal(s.venue.cancels().length, 0, 'too soon for either');
  t.equal(s.m.next(), T0 + 5_100, 'next deadline: the bid has rested 5 s at T0+5100');
  s.m.tick(T0 + 5_100);
  t.same(
    s.venue.cancels().map((c) => c.clientOrderId),
    [bid.clientOrderId],
    'the bid is repriced at T0+5100',
  );
});
