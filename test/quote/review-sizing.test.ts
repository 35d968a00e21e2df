// Review (issue 10): the sizer (fixed size or Kelly) is asked about the order we place.
// Kelly's size depends on the price: asked at another price than the quote's, it sizes a
// different bet (and refuses, 0 contracts, where the market is tighter than our edge).
import t from 'tap';
import { HOME, T0, book, prob, session } from '../helpers/quote.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { EVENT } from '../helpers/quote.js';

t.test('review: the maker sizer is asked at the price the quote is placed at', async (t) => {
  const asked: Array<{ side: string; price: number }> = [];
  const s = session(
    {},
    {
      sizer: (q) => {
        asked.push({ side: q.side, price: q.price });
        return { ok: true, count: 1000 };
      },
    },
  );
  s.m.onLink({ ticker: HOME, event: EVENT, sport: 'nba', side: 'home' }, T0);
  s.m.onMarket({ ticker: HOME, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0);
  s.m.onOracleProb(prob(0.5, T0), T0);
  // A tight market: 0.49 / 0.51. With 0.02 edge after the fee our bid is 0.47 and our ask 0.53.
  s.m.onBook(book(HOME, [[4900, 5000]], [[5100, 5000]]), T0);
  const placed = s.venue.requests.filter((r) => r.kind === 'place').map((r) => (r.kind === 'place' ? { side: r.order.side, price: r.order.price } : undefined));
  t.same(placed, [
    { side: 'bid', price: 4700 },
    { side: 'ask', price: 5300 },
  ]);
  t.same(asked, placed, "sized at 0.47 and 0.53, not at the others' 0.49 and 0.51 (where there is no edge)");
});
