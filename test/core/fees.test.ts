import t from 'tap';
import { KALSHI_FEES, OrderFeeLedger, exactFee, feePerContract, orderFee, toGrid, type FeeSchedule } from '../../src/core/fees.js';

const fee = (
  price: number,
  count: number,
  liquidity: 'maker' | 'taker',
  s: FeeSchedule = KALSHI_FEES,
  fee_type?: 'quadratic' | 'quadratic_with_maker_fees' | 'quadratic_with_combo_maker_fees' | 'flat',
) => {
  const r = orderFee(s, { price, count, liquidity, fee_type });
  if (!r.ok) throw new Error(r.detail);
  return r.dollars;
};

t.test('published taker and maker fees (pricing.md §3), rounded up to the cent per order', async (t) => {
  // taker 0.07 C P(1-P): 1 @ .50 = 0.0175 -> $0.02; 10 @ .50 = 0.175 -> $0.18;
  // 100 @ .50 = 1.75 exactly -> $1.75 (float says 1.7500000000000002 -> 176 cents);
  // 100 @ .05 = 0.07 x 100 x .05 x .95 = 0.3325 -> $0.34.
  t.equal(fee(0.5, 1, 'taker'), 0.02);
  t.equal(fee(0.5, 10, 'taker'), 0.18);
  t.equal(fee(0.5, 100, 'taker'), 1.75);
  t.equal(fee(0.05, 100, 'taker'), 0.34);
  // maker 0.0175 C P(1-P): 100 @ .50 = 0.4375 -> $0.44; 100 @ .05 = 0.083125 -> $0.09.
  t.equal(fee(0.5, 100, 'maker'), 0.44);
  t.equal(fee(0.05, 100, 'maker'), 0.09);
  // kalshi.md §4: 100 @ $0.35 = 1.5925 -> $1.60.
  t.equal(fee(0.35, 100, 'taker'), 1.6);
  // the float pitfall the integers avoid
  t.equal(Math.ceil(0.07 * 100 * 0.5 * 0.5 * 100), 176, 'float would charge 176 cents');
});

t.test('the fee is symmetric: YES at P costs what NO at 1 - P costs', async (t) => {
  for (const p of [0.01, 0.05, 0.13, 0.35, 0.5, 0.77, 0.9901]) {
    for (const c of [1, 7, 100, 1234.56]) {
      t.equal(fee(p, c, 'taker'), fee(Math.round((1 - p) * 1e4) / 1e4, c, 'taker'), `${c} @ ${p}`);
    }
  }
});

t.test('fee types: quadratic has no maker fee, combo makers pay half, flat is not modelled', async (t) => {
  t.equal(fee(0.5, 100, 'maker', KALSHI_FEES, 'quadratic'), 0);
  t.equal(fee(0.5, 100, 'taker', KALSHI_FEES, 'quadratic'), 1.75);
  t.equal(fee(0.5, 100, 'maker', KALSHI_FEES, 'quadratic_with_combo_maker_fees'), 0.88); // 0.035 x 25 = 0.875 -> 0.88
  const r = orderFee(KALSHI_FEES, { price: 0.5, count: 1, liquidity: 'taker', fee_type: 'flat' });
  t.equal(r.ok, false);
  t.equal(!r.ok && r.reason, 'unsupported-fee-type');
});

t.test('fee multiplier scales the taker rate, and the maker rate only when configured', async (t) => {
  const m = (liquidity: 'maker' | 'taker', s: FeeSchedule) => {
    const r = orderFee(s, { price: 0.5, count: 100, liquidity, multiplier: 2 });
    return r.ok ? r.dollars : NaN;
  };
  t.equal(m('taker', KALSHI_FEES), 3.5);
  t.equal(m('maker', KALSHI_FEES), 0.88); // 2 x 0.4375 = 0.875 -> 0.88
  t.equal(m('maker', { ...KALSHI_FEES, multiplier_scales_maker: false }), 0.44);
});

t.test('4-decimal prices and 2-decimal counts are exact; off-grid input is refused', async (t) => {
  // 0.07 x 12.34 x 0.1234 x 0.8766 = 0.0934412... -> $0.10
  t.equal(fee(0.1234, 12.34, 'taker'), 0.1);
  const e = exactFee(KALSHI_FEES, { price: 0.1234, count: 12.34, liquidity: 'taker' });
  t.ok(e.ok && e.num === 70000n * 1234n * 1234n * 8766n * 10000n);
  for (const [price, count, reason] of [
    [0.12345, 1, 'bad-price'],
    [0, 1, 'bad-price'],
    [1, 1, 'bad-price'],
    [0.5, 0.001, 'bad-count'],
    [0.5, 0, 'bad-count'],
    [0.5, -1, 'bad-count'],
  ] as const) {
    const r = orderFee(KALSHI_FEES, { price, count, liquidity: 'taker' });
    t.equal(!r.ok && r.reason, reason, `${count} @ ${price}`);
  }
  t.equal(toGrid(0.0175, 4), 175);
  t.equal(toGrid(0.00001, 4), undefined);
  t.equal(feePerContract(KALSHI_FEES, { price: 0.5, liquidity: 'taker' }), 0.0175);
});

t.test('large orders stay exact (BigInt past 2^53)', async (t) => {
  // 0.07 x 1,000,000 x 0.4999 x 0.5001 = 17499.99993 -> $17,500.00
  t.equal(fee(0.4999, 1_000_000, 'taker'), 17500);
});

t.test("'cent' rounding: an order split into fills pays what one fill would", async (t) => {
  const ledger = new OrderFeeLedger(KALSHI_FEES);
  let total = 0;
  for (let i = 0; i < 100; i++) {
    const f = ledger.fill({ price: 0.5, count: 1, liquidity: 'taker', action: 'buy' });
    if (!f.ok) throw new Error(f.detail);
    total += f.net_micro;
  }
  t.equal(total / 1e6, 1.75, '100 one-lot fills @ .50 pay $1.75, not 100 x $0.02');
});

t.test("'centicent' rounding: trade fee to $0.0001, balance to the cent, accumulator rebates whole cents", async (t) => {
  const s: FeeSchedule = { ...KALSHI_FEES, rounding: 'centicent', balance_precision: 0.01 };
  // One fill of 1 @ $0.50: trade fee 0.0175 -> $0.0175; balance change -0.50 - 0.0175 = -0.5175,
  // floored to -0.52: rounding fee 0.0025, net $0.02 (same as the cent schedule for one fill).
  const one = new OrderFeeLedger(s).fill({ price: 0.5, count: 1, liquidity: 'taker', action: 'buy' });
  t.ok(one.ok);
  if (!one.ok) return;
  t.equal(one.trade_micro, 17500);
  t.equal(one.rounding_micro, 2500);
  t.equal(one.rebate_micro, 0);
  t.equal(one.net, 0.02);
  // Four one-lot fills: each rounds 0.0025; the accumulator reaches $0.01 on the 4th and
  // rebates a cent, so 4 fills pay 4 x 0.02 - 0.01 = $0.07 = ceil-to-cent(4 x 0.0175).
  const ledger = new OrderFeeLedger(s);
  const nets: number[] = [];
  for (let i = 0; i < 4; i++) {
    const f = ledger.fill({ price: 0.5, count: 1, liquidity: 'taker', action: 'buy' });
    if (!f.ok) throw new Error(f.detail);
    nets.push(f.net_micro);
  }
  t.same(nets, [20000, 20000, 20000, 10000]);
  t.equal(ledger.accumulator, 0);
  // Many fills of one order converge to one round-up of the whole order's balance change.
  const many = new OrderFeeLedger(s);
  let sum = 0;
  for (let i = 0; i < 100; i++) {
    const f = many.fill({ price: 0.5, count: 1, liquidity: 'taker', action: 'buy' });
    if (f.ok) sum += f.net_micro;
  }
  t.equal(sum / 1e6, 1.75, '100 fills: trade fees 100 x 0.0175 = 1.75, rounding fully rebated');
  // A seller's revenue is positive: 1 @ 0.5 sells for +0.50, minus 0.0175 = 0.4825, floored to 0.48.
  const sell = new OrderFeeLedger(s).fill({ price: 0.5, count: 1, liquidity: 'taker', action: 'sell' });
  t.ok(sell.ok && sell.rounding_micro === 2500 && sell.net === 0.02);
  // Direct members keep $0.0001: no rounding fee on a centicent-aligned change.
  const direct = new OrderFeeLedger({ ...s, balance_precision: 0.0001 }).fill({ price: 0.5, count: 1, liquidity: 'taker', action: 'buy' });
  t.ok(direct.ok && direct.rounding_micro === 0 && direct.net === 0.0175);
  // orderFee under centicent: one fill of the whole order.
  const r = orderFee(s, { price: 0.35, count: 100, liquidity: 'taker' });
  t.ok(r.ok && r.dollars === 1.6, '100 @ .35: 1.5925 + rounding 0.0075 = 1.60');
  // Subpenny price with fractional count: 2.5 @ $0.055 costs 0.1375; fee 0.07 x 2.5 x .055 x .945 = 0.009095625 -> 0.0091;
  // change -0.1466 floored to -0.15: rounding 0.0034.
  const sub = new OrderFeeLedger(s).fill({ price: 0.055, count: 2.5, liquidity: 'taker', action: 'buy' });
  t.ok(sub.ok);
  if (sub.ok) {
    t.equal(sub.trade_micro, 9100);
    t.equal(sub.rounding_micro, 3400);
  }
});
