// Echo races: a live book shows our own orders, and for a moment after a cancel the old
// level is still there. Judged naively, we would join or improve on ourselves and chase
// our own quote up the book. The manager judges prices against the others' orders only.
import t from 'tap';
import { HOME, T0, book, prob, session, standardOpen } from '../helpers/quote.js';

t.test('our own resting quote in the book is not a price to improve on', async (t) => {
  const s = session({ bookIncludesOwn: true, improveTicks: 1 });
  standardOpen(s); // others: bid 0.45, ask 0.55 -> we improve to 0.46 / 0.54
  const [bid, ask] = [s.venue.place(0), s.venue.place(1)];
  t.same([bid.order.price, ask.order.price], [4600, 5400]);
  s.m.onReply(s.venue.accepted(bid.order.clientOrderId, T0 + 100), T0 + 100);
  s.m.onReply(s.venue.accepted(ask.order.clientOrderId, T0 + 100), T0 + 100);
  // The book now shows us at 0.46 and 0.54.
  s.m.onBook(
    book(
      HOME,
      [
        [4600, 1000],
        [4500, 5000],
      ],
      [
        [5400, 1000],
        [5500, 5000],
      ],
    ),
    T0 + 150,
  );
  t.equal(s.venue.cancels().length, 0, 'no reprice: the others still bid 0.45');
  t.equal(s.venue.requests.length, 2);
});

t.test('after a reprice, the old level still in the book is not joined (the echo)', async (t) => {
  const s = session({ bookIncludesOwn: true, improveTicks: 1 });
  standardOpen(s);
  const bid = s.venue.place(0);
  s.m.onReply(s.venue.accepted(bid.order.clientOrderId, T0 + 100), T0 + 100);
  s.m.onReply(s.venue.accepted(s.venue.place(1).order.clientOrderId, T0 + 100), T0 + 100);
  // The others' 0.45 bid goes: the best other bid is now 0.44, so we move down to 0.45.
  s.m.onBook(
    book(
      HOME,
      [
        [4600, 1000],
        [4400, 5000],
      ],
      [
        [5400, 1000],
        [5500, 5000],
      ],
    ),
    T0 + 200,
  );
  t.same(
    s.venue.cancels().map((c) => c.clientOrderId),
    [bid.order.clientOrderId],
    'reprice down',
  );
  s.m.onReply(s.venue.canceled(bid.order.clientOrderId, T0 + 300), T0 + 300);
  t.equal(s.venue.place().order.price, 4500, 'placed at 0.45, one tick above the others');
  // The delta removing our old 0.46 has not arrived: the book still shows it.
  s.m.onReply(s.venue.accepted(s.venue.place().order.clientOrderId, T0 + 350), T0 + 350);
  s.m.onBook(
    book(
      HOME,
      [
        [4600, 1000],
        [4500, 1000],
        [4400, 5000],
      ],
      [
        [5400, 1000],
        [5500, 5000],
      ],
    ),
    T0 + 360,
  );
  t.equal(s.venue.cancels().length, 1, 'the old level is our echo: no chase back up to 0.47');
  t.equal(s.venue.requests.filter((r) => r.kind === 'place').length, 3);
});

t.test('in shadow the paper book never shows our orders: the book is taken as it is', async (t) => {
  const s = session({ bookIncludesOwn: false, improveTicks: 1 });
  standardOpen(s);
  s.m.onReply(s.venue.accepted(s.venue.place(0).order.clientOrderId, T0 + 100), T0 + 100);
  s.m.onBook(
    book(
      HOME,
      [
        [4600, 1000],
        [4500, 5000],
      ],
      [[5500, 5000]],
    ),
    T0 + 150,
  );
  t.equal(s.venue.cancels().length, 1, 'someone else at 0.46: we improve to 0.47 (our limit)');
});

t.test('the echo of a cancelled quote lasts the echo window, not keep_finished_ms: ten cycles later the others are still joined', async (t) => {
  // Found by the live loopback bench: every cancel left a "ghost" of our size at its level
  // for keep_finished_ms (10 min), so a level we kept joining and leaving lost 10 contracts
  // of the others' size per cycle until it vanished and we priced through the real book.
  const s = session({ bookIncludesOwn: true, repriceBy: 'cancel-replace', echoWindowMs: 2_000 });
  standardOpen(s); // joins the others' 0.45 bid (50 contracts) with 10
  let at = T0;
  const bidAt = (): number => s.venue.place().order.price;
  s.m.onReply(s.venue.accepted(s.venue.place(0).order.clientOrderId, at + 50), at + 50);
  s.m.onReply(s.venue.accepted(s.venue.place(1).order.clientOrderId, at + 50), at + 50);
  t.equal(s.venue.place(0).order.price, 4500);
  for (let i = 0; i < 10; i++) {
    at += 5_000;
    // The oracle drops through our 0.45 bid: it is canceled, and a lower bid placed.
    s.m.onOracleProb(prob(0.44, at), at);
    const c = s.venue.cancels().at(-1)!;
    s.m.onReply(s.venue.canceled(c.clientOrderId, at + 50), at + 50);
    s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), at + 60); // the others only: our bid has gone
    const low = s.venue.place();
    s.m.onReply(s.venue.accepted(low.order.clientOrderId, at + 100), at + 100);
    // Back up: the low bid is repriced to join the others at 0.45 again.
    at += 5_000;
    s.m.onOracleProb(prob(0.5, at), at);
    const c2 = s.venue.cancels().at(-1)!;
    s.m.onReply(s.venue.canceled(c2.clientOrderId, at + 50), at + 50);
    t.equal(bidAt(), 4500, `cycle ${i + 1}: joins the others' 0.45 again`);
    s.m.onReply(s.venue.accepted(s.venue.place().order.clientOrderId, at + 100), at + 100);
    s.m.onBook(book(HOME, [[4500, 6000]], [[5500, 5000]]), at + 110); // the others' 50 and our 10
  }
});
