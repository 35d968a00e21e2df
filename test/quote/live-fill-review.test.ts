// Review of the live order path (the manager, as the live venue's replies drive it): a fill
// the exchange reports for an order the manager took as finished (a create taken as lost
// that landed and filled before its cancel; fills beyond what a version was thought to
// have) is still a fill: the position and the fill record must show it, once.
import t from 'tap';
import { HOME, T0, session, standardOpen } from '../helpers/quote.js';

t.test('a fill of an order taken as rejected is booked in the position (once), not dropped', async (t) => {
  const s = session();
  standardOpen(s);
  const p = s.venue.place(0);
  const coid = p.order.clientOrderId;
  s.m.onReply({ kind: 'rejected', ts: T0 + 10, clientOrderId: coid, ticker: HOME, reason: 'venue-error', detail: 'create did not land' }, T0 + 10);
  const fill = s.venue.fill(coid, T0 + 20, 300, 700, 'tr-late');
  s.m.onReply(fill, T0 + 20);
  s.m.onReply(fill, T0 + 21);
  t.same(
    s.w.fills.map((f) => [f.tradeId, f.count]),
    [['tr-late', 300]],
    'the fill record, once',
  );
  const pos = s.w.positions.filter((x) => x.ticker === HOME).at(-1);
  t.equal(pos?.position, p.order.side === 'bid' ? 300 : -300, 'the position has it');
});
