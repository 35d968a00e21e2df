// Review (issue 10): taker (IOC) orders against an unchanged book. An IOC takes displayed
// depth; until the book changes, that depth is the same contracts, so a second IOC on
// the same book either takes them twice (live, before the book shows the take) or sends
// orders that cannot fill, one per round trip, forever (shadow: the venue remembers the
// liquidity it consumed).
import t from 'tap';
import { HOME, T0, book, session, standardOpen } from '../helpers/quote.js';

const iocs = (s: ReturnType<typeof session>) => s.venue.requests.filter((r) => r.kind === 'place' && r.order.tif === 'ioc');

t.test('review: an IOC that filled is not sent again on the same book (the same displayed depth is not taken twice)', async (t) => {
  const s = session({ takerEdge: 0.01 });
  standardOpen(s, 0.6); // asks 0.55 x50: 0.05 edge before a ~0.02 taker fee
  t.equal(iocs(s).length, 1, 'one IOC lifting the ask');
  const first = iocs(s)[0]!;
  if (first.kind !== 'place') return;
  s.m.onReply(s.venue.accepted(first.order.clientOrderId, T0 + 50, first.order.count), T0 + 50);
  s.m.onReply(s.venue.fill(first.order.clientOrderId, T0 + 50, first.order.count, 0), T0 + 50);
  t.equal(iocs(s).length, 1, 'no second IOC until a new book shows what is left');
});

t.test('review: an IOC that did not fill is not re-sent every round trip on the same book (no place/cancel loop)', async (t) => {
  const s = session({ takerEdge: 0.01 });
  standardOpen(s, 0.6);
  for (let i = 0; i < 10; i++) {
    const last = iocs(s).at(-1)!;
    if (last.kind !== 'place') break;
    const coid = last.order.clientOrderId;
    if (!s.working().some((o) => o.clientOrderId === coid)) break;
    s.m.onReply(s.venue.accepted(coid, T0 + 100 * i + 50, last.order.count), T0 + 100 * i + 50);
    s.m.onReply(s.venue.canceled(coid, T0 + 100 * i + 50, 0, 'ioc-remainder'), T0 + 100 * i + 50);
  }
  t.equal(iocs(s).length, 1, `IOCs sent on one book: ${iocs(s).length}`);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 4000]]), T0 + 5_000);
  t.equal(iocs(s).length, 2, 'a new book: a new IOC');
});
