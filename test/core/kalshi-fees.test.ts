import t from 'tap';
import { kalshiFee } from '../../src/core/kalshi-fees.js';

t.test('taker fee: 0.07 C P (1-P), rounded up to $0.0001', async (t) => {
  // 100 contracts at $0.35: 0.07 * 100 * 0.35 * 0.65 = 1.5925 exactly.
  t.equal(kalshiFee({ price: 3500, count: 10000, taker: true, feeType: 'quadratic' }), 15925);
  // 1 contract at $0.50: 0.0175.
  t.equal(kalshiFee({ price: 5000, count: 100, taker: true, feeType: 'quadratic' }), 175);
  // 1 contract at $0.33: 0.07 * 0.33 * 0.67 = 0.015477 -> 0.0155.
  t.equal(kalshiFee({ price: 3300, count: 100, taker: true, feeType: 'quadratic_with_maker_fees' }), 155);
  // 0.01 contract at $0.01: 0.07 * 0.01 * 0.01 * 0.99 = 0.00000693 -> 0.0001.
  t.equal(kalshiFee({ price: 100, count: 1, taker: true, feeType: 'quadratic' }), 1);
});

t.test('maker fee only where the series has maker fees', async (t) => {
  t.equal(kalshiFee({ price: 5000, count: 10000, taker: false, feeType: 'quadratic' }), 0);
  // 100 at 0.50 maker: 0.0175 * 100 * 0.25 = 0.4375.
  t.equal(kalshiFee({ price: 5000, count: 10000, taker: false, feeType: 'quadratic_with_maker_fees' }), 4375);
  t.equal(kalshiFee({ price: 5000, count: 10000, taker: false, feeType: 'quadratic_with_combo_maker_fees' }), 8750);
});

t.test('fee_multiplier scales, and huge orders stay exact', async (t) => {
  t.equal(kalshiFee({ price: 3500, count: 10000, taker: true, feeType: 'quadratic', multiplier: 5000 }), 7963, '1.5925 / 2 = 0.79625 -> 0.7963');
  // 10 million contracts at 0.5: 0.07 * 1e7 * 0.25 = 175000 dollars.
  t.equal(kalshiFee({ price: 5000, count: 1e9, taker: true, feeType: 'quadratic' }), 175000 * 10000);
  t.throws(() => kalshiFee({ price: 5000, count: 100, taker: true, feeType: 'flat' }));
});
