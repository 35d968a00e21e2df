import t from 'tap';
import { KALSHI_FEES, orderFee } from '../../src/core/fees.js';
import { kellyFraction, kellyGate, kellyNo, kellyYes, signoffRule, sizeContracts, sizeKelly, withinTolerance, type OraclePath } from '../../src/core/kelly.js';
import type { CalibrationSignoff } from '../../src/schema/records.js';

const PATH: OraclePath = { source: 'boltodds', sport: 'nba', phase: 'pregame', method: 'shin' };
const FP = 'a'.repeat(64);
const signoff = (over: Partial<CalibrationSignoff> = {}): CalibrationSignoff => ({
  type: 'calibration.signoff',
  ts: 1_000,
  group: { ...PATH },
  n: 5000,
  brier: 0.2,
  log_loss: 0.59,
  ece: 0.01,
  mce: 0.03,
  tolerance: 0.02,
  within_tolerance: true,
  config_fingerprint: FP,
  ...over,
});
const GATE = { tolerance: 0.02, min_n: 1000 };

t.test('x* for a $1 binary contract, by hand', async (t) => {
  // No fee: q = 0.60, P = 0.50 -> (0.60 - 0.50)/(1 - 0.50) = 0.20.
  t.ok(Math.abs(kellyFraction(0.6, 0.5, 0) - 0.2) < 1e-15);
  // Taker fee at 0.50 is 0.07 x 0.25 = 0.0175: (0.60 - 0.5175)/(1 - 0.5175) = 0.0825/0.4825 = 0.170984...
  t.ok(Math.abs(kellyYes(0.6, 0.5, 0.0175) - 0.0825 / 0.4825) < 1e-15);
  // Break-even q = P + f = 0.5175: no bet at or below it.
  t.equal(kellyYes(0.5175, 0.5, 0.0175), 0);
  t.equal(kellyYes(0.45, 0.5, 0), 0);
  // NO at N = 0.50 when fair YES is 0.40: NO wins with 0.60, the same bet as YES above.
  t.ok(Math.abs(kellyNo(0.4, 0.5, 0.0175) - 0.0825 / 0.4825) < 1e-15);
  // NO at N = 0.30 (YES 0.70) with fair YES 0.60: ((1 - 0.6) - 0.30 - f)/(1 - 0.30 - f), f = 0.07 x .3 x .7 = 0.0147:
  // (0.40 - 0.3147)/(0.6853) = 0.124471...; in YES terms (P - q - f)/(P - f) = (0.7 - 0.6 - 0.0147)/(0.7 - 0.0147), the same.
  t.ok(Math.abs(kellyNo(0.6, 0.3, 0.0147) - (0.7 - 0.6 - 0.0147) / (0.7 - 0.0147)) < 1e-15);
  // A price plus fee of 1 or more can never pay.
  t.equal(kellyFraction(0.999, 0.99, 0.02), 0);
});

t.test('whole contracts under the rounded fee can differ from the continuous optimum', async (t) => {
  // q = 0.60, YES @ 0.50, taker, bankroll $100, full Kelly.
  // x* = 0.170984 (above); continuous contracts = x* x 100 / (0.50 + 0.0175) = 33.04.
  // fee(32) = ceil(0.07 x 32 x 0.25 = 0.56) = $0.56 (exact, nothing lost to rounding)
  // fee(33) = ceil(0.5775) = $0.58 (1.25 cents of rounding)
  // G(32) = 0.6 ln(1 + (16 - 0.56)/100) + 0.4 ln(1 - (16 + 0.56)/100) = 0.6 ln 1.1544 + 0.4 ln 0.8344 = 0.0137315
  // G(33) = 0.6 ln(1 + (16.5 - 0.58)/100) + 0.4 ln(1 - (16.5 + 0.58)/100) = 0.6 ln 1.1592 + 0.4 ln 0.8292 = 0.0137205
  // so 32 contracts, not round(33.04) = 33.
  const s = sizeContracts({ path: PATH, side: 'yes', q: 0.6, price: 0.5, bankroll: 100, fraction: 1, liquidity: 'taker' }, KALSHI_FEES, signoff());
  t.ok(s.ok);
  if (!s.ok) return;
  t.ok(Math.abs(s.continuous - 33.0404745813) < 1e-9);
  t.equal(s.contracts, 32);
  t.equal(s.fee, 0.56);
  t.equal(s.stake, 16.56);
  t.ok(Math.abs(s.growth - (0.6 * Math.log(1.1544) + 0.4 * Math.log(0.8344))) < 1e-15);
  t.ok(0.6 * Math.log(1.1592) + 0.4 * Math.log(0.8292) < s.growth, 'G(33) < G(32)');
});

t.test('fractional Kelly is full Kelly on the fraction of the bankroll', async (t) => {
  // Quarter Kelly on $1000 = full Kelly on $250: continuous 0.170984 x 250 / 0.5175 = 82.60.
  // Candidates: fee(82) = ceil(1.435) = 1.44, fee(83) = ceil(1.4525) = 1.46, fee(84) = 1.47 exactly.
  // G(84) = 0.6 ln(1 + (42 - 1.47)/250) + 0.4 ln(1 - (42 + 1.47)/250) = 0.0137415 beats
  // G(82) = 0.6 ln(1 + 39.56/250) + 0.4 ln(1 - 42.44/250) = 0.0137248 and G(83) = 0.0137152:
  // 84 contracts, two above the continuous optimum, because 84 wastes nothing on rounding.
  const q = { path: PATH, side: 'yes' as const, q: 0.6, price: 0.5, bankroll: 1000, fraction: 0.25, liquidity: 'taker' as const };
  const s = sizeContracts(q, KALSHI_FEES, signoff());
  t.ok(s.ok && s.contracts === 84 && s.fee === 1.47, JSON.stringify(s.ok && { c: s.contracts, fee: s.fee }));
  const full = sizeContracts({ ...q, bankroll: 250, fraction: 1 }, KALSHI_FEES, signoff());
  t.ok(full.ok && s.ok && full.contracts === s.contracts);
});

t.test('no edge after fees: zero contracts (not a refusal)', async (t) => {
  const s = sizeContracts({ path: PATH, side: 'yes', q: 0.515, price: 0.5, bankroll: 1000, fraction: 1, liquidity: 'taker' }, KALSHI_FEES, signoff());
  t.ok(s.ok && s.contracts === 0 && s.x_star === 0);
  // With the maker fee (0.004375 at .50) the same q has an edge.
  const m = sizeContracts({ path: PATH, side: 'yes', q: 0.515, price: 0.5, bankroll: 1000, fraction: 1, liquidity: 'maker' }, KALSHI_FEES, signoff());
  t.ok(m.ok && m.contracts > 0);
});

t.test('NO side and position cap', async (t) => {
  // Fair YES 0.40, NO @ 0.50: the mirror of YES q = 0.60 @ 0.50 -> 32 contracts on $100.
  const s = sizeContracts({ path: PATH, side: 'no', q: 0.4, price: 0.5, bankroll: 100, fraction: 1, liquidity: 'taker' }, KALSHI_FEES, signoff());
  t.ok(s.ok && s.contracts === 32);
  const capped = sizeContracts(
    { path: PATH, side: 'no', q: 0.4, price: 0.5, bankroll: 100, fraction: 1, liquidity: 'taker', max_contracts: 10 },
    KALSHI_FEES,
    signoff(),
  );
  t.ok(capped.ok && capped.contracts === 10);
});

t.test('the integer search equals a brute force over every count (random cases)', async (t) => {
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 300; i++) {
    const price = Math.round((0.03 + rnd() * 0.94) * 100) / 100;
    const side = rnd() < 0.5 ? ('yes' as const) : ('no' as const);
    const edge = rnd() * 0.15;
    const q = side === 'yes' ? Math.min(0.999, price + edge) : Math.max(0.001, 1 - price - edge);
    const bankroll = Math.round(10 + rnd() * 3000);
    const fraction = [1, 0.5, 0.25][i % 3]!;
    const liquidity = rnd() < 0.5 ? ('taker' as const) : ('maker' as const);
    const s = sizeContracts({ path: PATH, side, q, price, bankroll, fraction, liquidity }, KALSHI_FEES, signoff());
    if (!s.ok) throw new Error('sizing failed');
    const pWin = side === 'yes' ? q : 1 - q;
    const W = fraction * bankroll;
    let best = 0;
    let bestG = 0;
    for (let c = 1; c * price < W; c++) {
      const r = orderFee(KALSHI_FEES, { price, count: c, liquidity });
      if (!r.ok) throw new Error(r.detail);
      const lose = -(c * price + r.dollars) / W;
      if (lose <= -1) break;
      const g = pWin * Math.log1p((c * (1 - price) - r.dollars) / W) + (1 - pWin) * Math.log1p(lose);
      if (g > bestG) {
        bestG = g;
        best = c;
      }
    }
    if (s.contracts !== best) t.fail(`case ${i}: ${side} q=${q} P=${price} W=${W} ${liquidity}: search ${s.contracts}, brute force ${best}`);
  }
  t.pass('300 random cases agree');
});

t.test('the gate: a valid sign-off for the exact path, within the tolerance in force, on enough games', async (t) => {
  t.ok(kellyGate(PATH, [signoff()], GATE).ok);
  const none = kellyGate(PATH, [], GATE);
  t.ok(!none.ok && none.refused && none.reason === 'no-signoff');
  // Another method, phase or source is another path.
  for (const other of [{ method: 'proportional' }, { phase: 'live' }, { source: 'oddsapi' }, { sport: 'nhl' }]) {
    const g = kellyGate(PATH, [signoff({ group: { ...PATH, ...other } })], GATE);
    t.ok(!g.ok && g.reason === 'no-signoff', JSON.stringify(other));
  }
  // A group with fewer or more keys does not name this path.
  const partial = kellyGate(PATH, [signoff({ group: { source: 'boltodds', sport: 'nba', phase: 'pregame' } })], GATE);
  t.ok(!partial.ok && partial.reason === 'no-signoff');
  // Signed off under a looser tolerance than today's.
  const loose = kellyGate(PATH, [signoff({ ece: 0.018, tolerance: 0.03 })], { tolerance: 0.015, min_n: 1000 });
  t.ok(!loose.ok && loose.reason === 'outside-tolerance');
  const few = kellyGate(PATH, [signoff({ n: 300 })], GATE);
  t.ok(!few.ok && few.reason === 'too-few-games');
  // The latest sign-off for the path decides.
  const latest = kellyGate(PATH, [signoff({ ts: 1, ece: 0.001 }), signoff({ ts: 2, ece: 0.05, tolerance: 0.1 })], GATE);
  t.ok(!latest.ok && latest.reason === 'outside-tolerance');
});

t.test('sizeKelly refuses without a sign-off: a refusal value, never a size', async (t) => {
  const q = { path: PATH, side: 'yes' as const, q: 0.6, price: 0.5, bankroll: 100, fraction: 1, liquidity: 'taker' as const };
  const r = sizeKelly(q, KALSHI_FEES, [], GATE);
  t.equal(r.ok, false);
  t.ok(!r.ok && r.refused && r.reason === 'no-signoff' && /boltodds\/nba\/pregame\/shin/.test(r.detail));
  const ok = sizeKelly(q, KALSHI_FEES, [signoff()], GATE);
  t.ok(ok.ok && ok.contracts === 32);
  const bad = sizeKelly({ ...q, price: 1.2 }, KALSHI_FEES, [signoff()], GATE);
  t.ok(!bad.ok && !bad.refused && bad.reason === 'bad-input');
  const flat = sizeKelly({ ...q, fee_type: 'flat' }, KALSHI_FEES, [signoff()], GATE);
  t.ok(!flat.ok && !flat.refused && flat.reason === 'fee');
});

// The sign-off rule lives once (signoffRule): calibrate signs off with it, the gate accepts with it.
t.test('the sign-off rule at its boundaries: ECE == tolerance passes, one ulp above fails; n == min_n passes, min_n - 1 fails', async (t) => {
  const tol = 0.02;
  const above = tol + Number.EPSILON * tol; // the next double above 0.02
  t.ok(above > tol);
  t.ok(withinTolerance(tol, tol), 'ECE equal to the tolerance is within');
  t.notOk(withinTolerance(above, tol), 'one ulp above is not');
  t.notOk(withinTolerance(NaN, tol), 'a NaN ECE is never within');
  t.same(signoffRule({ ece: tol, n: 1000 }, GATE), { ok: true }, 'both exactly at the bar');
  t.same(signoffRule({ ece: tol, n: 999 }, GATE), { ok: false, reason: 'too-few-games' });
  t.same(signoffRule({ ece: above, n: 1000 }, GATE), { ok: false, reason: 'outside-tolerance' });
  t.same(signoffRule({ ece: above, n: 999 }, GATE), { ok: false, reason: 'outside-tolerance' }, 'the tolerance is checked first');
  t.same(signoffRule({ ece: 0, n: 1001 }, GATE), { ok: true });
  // The gate reads a sign-off with the same rule: for every combination the two agree.
  for (const ece of [0, tol - 1e-9, tol, above, 0.5]) {
    for (const n of [1, 999, 1000, 1001]) {
      const rule = signoffRule({ ece, n }, GATE);
      const gate = kellyGate(PATH, [signoff({ ece, n, tolerance: 0.5 })], GATE);
      t.equal(gate.ok, rule.ok, `ece ${ece} n ${n}: gate ${gate.ok ? 'passes' : 'refuses'}`);
      if (!rule.ok && !gate.ok) t.equal(gate.reason, rule.reason);
    }
  }
});

t.test('the gate at its boundaries: min_n exactly passes, one fewer refuses; tolerance exactly passes; within_tolerance false refuses', async (t) => {
  t.ok(kellyGate(PATH, [signoff({ n: 1000 })], GATE).ok, 'n == min_n passes');
  const few = kellyGate(PATH, [signoff({ n: 999 })], GATE);
  t.ok(!few.ok && few.reason === 'too-few-games', 'n == min_n - 1 refuses');
  t.ok(kellyGate(PATH, [signoff({ ece: 0.02 })], GATE).ok, 'ECE == tolerance passes');
  const over = kellyGate(PATH, [signoff({ ece: 0.02 + Number.EPSILON * 0.02 })], GATE);
  t.ok(!over.ok && over.reason === 'outside-tolerance', 'one ulp over refuses');
  const claim = kellyGate(PATH, [signoff({ ece: 0.001, within_tolerance: false } as unknown as Partial<CalibrationSignoff>)], GATE);
  t.ok(
    !claim.ok && claim.reason === 'outside-tolerance',
    'a sign-off that says it is outside its band refuses (the schema refuses it too; the gate does not rely on that)',
  );
  // min_n = 1 (the smallest calibrate accepts): one game is enough, zero never.
  t.ok(kellyGate(PATH, [signoff({ n: 1 })], { tolerance: 0.02, min_n: 1 }).ok);
  t.notOk(kellyGate(PATH, [signoff({ n: 0 })], { tolerance: 0.02, min_n: 1 }).ok);
  // Two sign-offs with the same ts: the later one in the file decides (>=).
  const tie = kellyGate(PATH, [signoff({ ts: 5, n: 5000 }), signoff({ ts: 5, n: 10 })], GATE);
  t.ok(!tie.ok && tie.reason === 'too-few-games');
});
