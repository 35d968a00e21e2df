// Review (issue 10): "a quote that has edge has it after the fee actually charged". The edge
// is checked with the rounded fee of the whole quoted size; a partial fill of 1 contract
// (then a cancel) is charged a whole cent by the venue's fee ledger, 5x the per-contract
// fee assumed. Design question for the coordinator: price with the worst partial fill,
// or document that the edge holds only for full fills.
import t from 'tap';
import { KALSHI_FEES, OrderFeeLedger } from '../../src/core/fees.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { makerQuote } from '../../src/core/quote-pricing.js';

t.test('review: a 10-contract maker bid at fair 0.142 keeps 0.02 edge after the fee of a 1-contract partial fill', async (t) => {
  const fair = 0.142;
  const q = makerQuote({ fair, side: 'bid', grid: LINEAR_CENT, bestSame: undefined, bestOther: undefined, edge: 0.02, improveTicks: 0, count: 1000, fee: { schedule: KALSHI_FEES, feeType: 'quadratic_with_maker_fees' } });
  t.ok(q.ok);
  if (!q.ok) return;
  t.equal(q.price, 1200, 'bid 0.12: 0.022 before a fee of 0.002 a contract (0.02 for 10)');
  const ledger = new OrderFeeLedger(KALSHI_FEES, { fee_type: 'quadratic_with_maker_fees' });
  const f = ledger.fill({ price: q.price / 10_000, count: 1, liquidity: 'maker', action: 'buy' });
  t.ok(f.ok);
  if (!f.ok) return;
  const fee1 = f.net_micro / 1e6;
  t.ok(fair - q.price / 10_000 - fee1 >= 0.02 - 1e-9, `edge after the fee charged for 1 contract: ${(fair - q.price / 10_000 - fee1).toFixed(4)} (fee ${fee1})`);
});
