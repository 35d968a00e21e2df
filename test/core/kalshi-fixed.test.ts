import t from 'tap';
import {
  LINEAR_CENT,
  UNIT_GRID,
  formatCount,
  formatPrice,
  onPriceGrid,
  parseCount,
  parseFixed,
  parsePrice,
  parsePriceRanges,
  priceNumber,
  priceRangesWire,
} from '../../src/core/kalshi-fixed.js';

t.test('prices and counts parse to exact integers', async (t) => {
  t.equal(parsePrice('0.4200'), 4200);
  t.equal(parsePrice('0.42'), 4200);
  t.equal(parsePrice('0.960'), 9600);
  t.equal(parsePrice('1.0000'), 10000);
  t.equal(parsePrice('0.0001'), 1);
  t.equal(parsePrice('0.42000000'), 4200, 'trailing zeros beyond 4 dp are fine');
  t.equal(parseCount('300.00'), 30000);
  t.equal(parseCount('136.5'), 13650);
  t.equal(parseCount('-54.00', true), -5400);
  t.equal(parseCount('0.01'), 1);
});

t.test('anything that would need rounding, or is not a plain decimal string, is refused', async (t) => {
  for (const bad of ['0.42001', '0.4200001', '', '.5', '1.', '+0.5', '0x10', '1e-2', ' 0.5', '0.5 ', 'NaN', '-0.42'])
    t.equal(parsePrice(bad), null, JSON.stringify(bad));
  for (const bad of [0.42, null, undefined, true, ['0.42'], { p: 1 }]) t.equal(parsePrice(bad), null, `type ${typeof bad}`);
  t.equal(parseCount('1.234'), null, 'three significant decimals');
  t.equal(parseCount('-1.00'), null, 'unsigned by default');
  t.equal(parseCount(12), null, 'a number where a string belongs');
  t.equal(parseFixed('99999999999999999', 2), null, 'beyond 2^53');
});

t.test('formatting round-trips and prints the short decimal as a number', async (t) => {
  t.equal(formatPrice(4200), '0.4200');
  t.equal(formatPrice(1), '0.0001');
  t.equal(formatCount(-5400), '-54.00');
  t.equal(formatCount(5), '0.05');
  t.equal(String(priceNumber(4200)), '0.42');
  t.equal(String(priceNumber(4150)), '0.415');
  for (let u = 1; u < 10000; u += 37) t.equal(parsePrice(formatPrice(u)), u);
});

t.test('grids: linear cent, the unit grid, and price_ranges with sub-cent edges', async (t) => {
  t.ok(onPriceGrid(LINEAR_CENT, 4200));
  t.notOk(onPriceGrid(LINEAR_CENT, 4150));
  t.notOk(onPriceGrid(LINEAR_CENT, 0), 'the ends are not prices');
  t.notOk(onPriceGrid(LINEAR_CENT, 10000));
  t.ok(onPriceGrid(UNIT_GRID, 4151));
  const g = parsePriceRanges([
    { start: '0.0000', end: '0.1000', step: '0.0050' },
    { start: '0.1000', end: '0.9000', step: '0.0100' },
    { start: '0.9000', end: '1.0000', step: '0.0050' },
  ]);
  if (typeof g === 'string') throw new Error(g);
  t.ok(onPriceGrid(g, 50), '0.005 in the low band');
  t.ok(onPriceGrid(g, 9950), '0.995 in the high band');
  t.notOk(onPriceGrid(g, 4150), 'half cents only at the edges');
  t.ok(onPriceGrid(g, 1000), 'whole cents are valid everywhere');
  t.same(priceRangesWire(g)[0], { start: '0.0000', end: '0.1000', step: '0.0050' });
  t.type(parsePriceRanges([]), 'string');
  t.type(parsePriceRanges([{ start: '0.5', end: '0.4', step: '0.01' }]), 'string');
  t.type(parsePriceRanges([{ start: '0', end: '1', step: '0' }]), 'string');
  const nums = parsePriceRanges([{ start: 0, end: 1, step: 0.01 }]);
  t.not(typeof nums, 'string', 'numbers (as records carry them) are read too');
});

t.test('the parser agrees with a reference reading on many strings', async (t) => {
  // Reference: the regex reading the parser replaced.
  const re = /^(-?)(\d{1,15})(?:\.(\d+))?$/;
  const ref = (s: string, dp: number, signed: boolean): number | null => {
    const m = re.exec(s);
    if (!m || (m[1] === '-' && !signed)) return null;
    const frac = m[3] ?? '';
    for (let i = dp; i < frac.length; i++) if (frac[i] !== '0') return null;
    const v = Number(m[2]) * 10 ** dp + (dp ? Number(frac.slice(0, dp).padEnd(dp, '0')) : 0);
    if (!Number.isSafeInteger(v)) return null;
    return m[1] === '-' && v !== 0 ? -v : v;
  };
  const samples = [
    '0',
    '1',
    '0.5',
    '0.42',
    '0.4200',
    '0.42001',
    '12.3456',
    '-3.2',
    '-0.00',
    '007.10',
    '1.',
    '.1',
    '',
    '-',
    '1e3',
    '1.2.3',
    '999999999999999',
    '9999999999999999',
    '0.0000000',
    '12.34000001',
    ' 1',
    '1 ',
    '+1',
    '--1',
    '1,5',
    '٣',
  ];
  let bad = 0;
  for (const s of samples)
    for (const dp of [2, 4])
      for (const signed of [false, true]) {
        if (parseFixed(s, dp, signed) !== ref(s, dp, signed)) {
          bad++;
          t.fail(`${JSON.stringify(s)} dp ${dp} signed ${signed}: ${parseFixed(s, dp, signed)} vs ${ref(s, dp, signed)}`);
        }
      }
  t.equal(bad, 0);
});

t.test('walking a grid: floor, ceil, steps and tick counts, across sub-cent bands', async (t) => {
  const { gridFloor, gridCeil, gridStep, gridTicks } = await import('../../src/core/kalshi-fixed.js');
  t.equal(gridFloor(LINEAR_CENT, 4250), 4200);
  t.equal(gridFloor(LINEAR_CENT, 4200), 4200);
  t.equal(gridFloor(LINEAR_CENT, 99), undefined, 'nothing above 0 and below a cent');
  t.equal(gridCeil(LINEAR_CENT, 4201), 4300);
  t.equal(gridCeil(LINEAR_CENT, 9901), undefined, 'nothing below $1 above 0.99');
  t.equal(gridStep(LINEAR_CENT, 4200, 2), 4400);
  t.equal(gridStep(LINEAR_CENT, 4200, -3), 3900);
  t.equal(gridStep(LINEAR_CENT, 100, -1), undefined);
  t.equal(gridTicks(LINEAR_CENT, 4200, 4500), 3);
  t.equal(gridTicks(LINEAR_CENT, 4500, 4200), -3);
  // Sub-cent tails: 0.1 cent steps below 10 cents and above 90 cents, cents between.
  const tails = parsePriceRanges([
    { start: 0, end: 0.1, step: 0.001 },
    { start: 0.1, end: 0.9, step: 0.01 },
    { start: 0.9, end: 1, step: 0.001 },
  ]);
  if (typeof tails === 'string') throw new Error(tails);
  t.equal(gridFloor(tails, 1005), 1000);
  t.equal(gridCeil(tails, 1001), 1100);
  t.equal(gridCeil(tails, 9001), 9010);
  t.equal(gridStep(tails, 1000, -1), 990);
  t.equal(gridStep(tails, 8900, 1), 9000);
  t.equal(gridStep(tails, 9000, 1), 9010);
  t.equal(gridTicks(tails, 980, 1100), 3, '$0.098 -> 0.099 -> 0.100 -> 0.110');
  const wrong: number[] = [];
  for (let p = 1; p < 10000; p++) {
    const f = gridFloor(tails, p);
    if (f === undefined ? p >= 10 : !onPriceGrid(tails, f) || f > p || (gridCeil(tails, f + 1) ?? Infinity) <= p) wrong.push(p);
  }
  t.same(wrong, [], 'every floor is the highest valid price at or below p');
});
