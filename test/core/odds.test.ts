import t from 'tap';
import { americanToDecimal, parseAmericanOdds, parseDecimalOdds } from '../../src/core/odds.js';

t.test('American odds to decimal', async (t) => {
  const dec = (v: unknown): number | string => {
    const r = parseAmericanOdds(v);
    return r.kind === 'price' ? r.decimal : r.kind;
  };
  t.equal(dec('-148'), 1 + 100 / 148);
  t.equal(dec('+124'), 2.24);
  t.equal(dec('124'), 2.24);
  t.equal(dec(-148), 1 + 100 / 148, 'a JSON number');
  t.equal(dec('+100'), 2);
  t.equal(dec('-100'), 2);
  t.equal(dec(' -110 '), 1 + 100 / 110, 'surrounding spaces');
  t.equal(dec('-112.5'), 1 + 100 / 112.5);
  t.equal(americanToDecimal(+5000), 51);
});

t.test('suspension markers remove a side', async (t) => {
  for (const v of [null, undefined, '', 'None']) t.equal(parseAmericanOdds(v).kind, 'removed', JSON.stringify(v) ?? 'undefined');
});

t.test('malformed and out-of-range odds are bad, never a price', async (t) => {
  const reason = (v: unknown): string => {
    const r = parseAmericanOdds(v);
    return r.kind === 'bad' ? r.reason : r.kind;
  };
  for (const v of ['EVEN', 'even', 'PK', '-', '+', 'abc', '1e3', '0x10', '--110', '+-110', 'NaN', 'Infinity', {}, [], true]) {
    t.equal(reason(v), 'bad-odds', JSON.stringify(v));
  }
  for (const v of ['+50', '0', '-99', '99999999999', '+100001', 1e21, -1e300]) {
    t.equal(reason(v), 'odds-out-of-range', JSON.stringify(v));
  }
  t.equal(reason(NaN), 'bad-odds');
});

t.test('decimal odds (The Odds API)', async (t) => {
  const k = (v: unknown): string | number => {
    const r = parseDecimalOdds(v);
    return r.kind === 'price' ? r.decimal : r.kind === 'bad' ? r.reason : r.kind;
  };
  t.equal(k(1.82), 1.82);
  t.equal(k(1001), 1001);
  t.equal(k(1), 'odds-out-of-range');
  t.equal(k(0.5), 'odds-out-of-range');
  t.equal(k(1e9), 'odds-out-of-range');
  t.equal(k(Infinity), 'odds-out-of-range');
  t.equal(k('1.82'), 'bad-odds', 'a string is not a decimal price');
  t.equal(k(null), 'removed');
});
