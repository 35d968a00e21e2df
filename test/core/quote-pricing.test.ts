import t from 'tap';
import { KALSHI_FEES } from '../../src/core/fees.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { edgeAt, feePerContract, makerQuote, meetsEdge, takerOrder, type FeeModel } from '../../src/core/quote-pricing.js';

const fee: FeeModel = { schedule: KALSHI_FEES, feeType: 'quadratic_with_maker_fees' };
const TEN = 1000; // 10 contracts in COUNT_ONE units
const base = { fair: 0.5, grid: LINEAR_CENT, edge: 0.02, improveTicks: 0, count: TEN, fee };

t.test('the fee per contract is the rounded order fee of the quoted size', async (t) => {
  // 0.0175 x 10 x 0.48 x 0.52 = $0.04368, rounded up to $0.05: half a cent per contract.
  t.equal(feePerContract(fee, 4800, TEN, 'maker'), 0.005);
  // Taker: 0.07 x 10 x 0.2496 = $0.17472 -> $0.18.
  t.equal(feePerContract(fee, 4800, TEN, 'taker'), 0.018);
  // One contract pays a whole cent of a $0.0044 fee.
  t.equal(feePerContract(fee, 4800, 100, 'maker'), 0.01);
  t.equal(feePerContract({ schedule: KALSHI_FEES, feeType: 'quadratic' }, 4800, TEN, 'maker'), 0, 'no maker fee on quadratic series');
});

t.test('maker bid: the highest grid price with edge after the fee, joined to the best bid', async (t) => {
  // 0.48 leaves 0.5 - 0.48 - 0.005 = 0.015 < 0.02; 0.47 leaves 0.025.
  const alone = makerQuote({ ...base, side: 'bid', bestSame: undefined, bestOther: undefined });
  t.same(alone, { ok: true, price: 4700, limit: 4700, edge: 0.5 - 0.47 - 0.005 });
  const join = makerQuote({ ...base, side: 'bid', bestSame: 4500, bestOther: 5200 });
  t.ok(join.ok && join.price === 4500 && join.limit === 4700, 'never pays more than joining the best bid');
  const improve = makerQuote({ ...base, side: 'bid', improveTicks: 1, bestSame: 4500, bestOther: 5200 });
  t.ok(improve.ok && improve.price === 4600, 'improves by one tick when allowed');
  const behind = makerQuote({ ...base, side: 'bid', bestSame: 4800, bestOther: 5200 });
  t.ok(behind.ok && behind.price === 4700, 'a best bid beyond our limit: we rest at the limit, behind it');
  const cross = makerQuote({ ...base, side: 'bid', bestSame: 4500, bestOther: 4700, improveTicks: 5 });
  t.ok(cross.ok && cross.price === 4600, 'never at or through the best ask (post-only)');
});

t.test('maker ask: selling YES is buying NO, symmetric', async (t) => {
  const alone = makerQuote({ ...base, side: 'ask', bestSame: undefined, bestOther: undefined });
  t.ok(alone.ok && alone.price === 5300 && alone.limit === 5300);
  const join = makerQuote({ ...base, side: 'ask', bestSame: 5600, bestOther: 4800 });
  t.ok(join.ok && join.price === 5600, 'joins the best ask above our limit');
  const cross = makerQuote({ ...base, side: 'ask', bestSame: 5600, bestOther: 5300 });
  t.ok(cross.ok && cross.price === 5600, 'the bid at 0.53 leaves the ask at the join price, above it');
  const tight = makerQuote({ ...base, side: 'ask', bestSame: 5400, bestOther: 5300, improveTicks: 3 });
  t.ok(tight.ok && tight.price === 5400, 'improving stops one tick above the best bid');
});

t.test('no edge anywhere on the grid: no quote, with the reason', async (t) => {
  const r = makerQuote({ ...base, side: 'bid', fair: 0.015, bestSame: undefined, bestOther: undefined });
  t.same(r.ok, false);
  t.equal(!r.ok && r.reason, 'no-edge');
  const x = makerQuote({ ...base, side: 'bid', fair: 0.9, bestSame: undefined, bestOther: 100 });
  t.equal(!x.ok && x.reason, 'would-cross', 'a best ask at the lowest tick leaves nowhere to bid');
});

t.test('edges: meets the threshold within float noise, never below it', async (t) => {
  t.ok(meetsEdge(0.02 - 1e-12, 0.02));
  t.notOk(meetsEdge(0.0199, 0.02));
  t.notOk(meetsEdge(undefined, 0));
  t.equal(edgeAt(0.5, 'bid', 4700, TEN, 'maker', fee)!.toFixed(6), '0.025000');
  t.equal(edgeAt(0.5, 'ask', 5300, TEN, 'maker', fee)!.toFixed(6), '0.025000');
});

t.test('taker: walks the displayed levels while each keeps the taker edge, up to the size', async (t) => {
  const asks = [
    [5500, 500],
    [5600, 500],
    [5800, 1000],
  ] as const;
  const r = takerOrder({ fair: 0.6, side: 'bid', levels: asks, takerEdge: 0.02, maxCount: 2000, fee });
  // 0.55: 0.6 - 0.55 - 0.018 = 0.032; 0.56: 0.022; 0.58: 0.002 (stop).
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.price, 5600);
    t.equal(r.count, 1000, 'never more than displayed at acceptable prices');
    t.equal(r.edge.toFixed(6), '0.022000');
  }
  const capped = takerOrder({ fair: 0.6, side: 'bid', levels: asks, takerEdge: 0.02, maxCount: 300, fee });
  t.ok(capped.ok && capped.count === 300 && capped.price === 5500, 'the size caps it');
  const bids = [
    [6600, 300],
    [6400, 300],
  ] as const;
  const sell = takerOrder({ fair: 0.6, side: 'ask', levels: bids, takerEdge: 0.02, maxCount: 1000, fee });
  // 0.66 x 3: fee $0.05 (0.0167 a contract), edge 0.043; 0.64: edge 0.0233, still enough.
  t.ok(sell.ok && sell.price === 6400 && sell.count === 600, 'selling YES into the bids, best first');
  t.same(takerOrder({ fair: 0.6, side: 'bid', levels: [[5900, 100]], takerEdge: 0.02, maxCount: 100, fee }), { ok: false });
});
