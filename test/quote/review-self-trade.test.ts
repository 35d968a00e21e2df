// Review (issue 10): a taker order must not take our own resting quote. A live book shows
// our orders (bookIncludesOwn): the maker side takes them out of the book, the taker
// side must too, or an IOC lifts our own ask (a self-trade: two fees, no position).
import t from 'tap';
import { HOME, T0, book, prob, session, standardOpen } from '../helpers/quote.js';

t.test('review: with the book showing our own ask, an IOC bid does not lift it', async (t) => {
  const s = session({ takerEdge: 0.01, bookIncludesOwn: true });
  standardOpen(s, 0.5); // bid 0.45, ask 0.55 (10 each)
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  const ask = s.working().find((o) => o.side === 'ask')!;
  t.equal(ask.price, 5500);
  // The live book now shows only our own ask at 0.55 (the others' 50 there left).
  s.m.onBook(book(HOME, [[4500, 6000]], [[5500, 1000]]), T0 + 200);
  // The oracle jumps to 0.62: our ask is through (cancelled); the only ask shown is ours.
  s.m.onOracleProb(prob(0.62, T0 + 300), T0 + 300);
  const iocs = s.venue.requests.filter((r) => r.kind === 'place' && r.order.tif === 'ioc');
  t.same(
    iocs.map((r) => (r.kind === 'place' ? `${r.order.side} ${r.order.count}@${r.order.price}` : '')),
    [],
    'no IOC against our own ask',
  );
});
