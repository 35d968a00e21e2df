import t from 'tap';
import type { Test } from 'tap';
import { devig, devigImplied, devigTwoWay, solveDecreasing, type DevigMethod, type DevigOk } from '../../src/core/devig.js';
import { DEVIG_METHODS } from '../../src/schema/records.js';
import { seededRandom } from '../../src/core/prng.js';

const TOL = 1e-12;

/** American -> decimal as pricing.md states it: +A -> 1 + A/100, -A -> 1 + 100/|A|. */
function american(a: number): number {
  return a > 0 ? 1 + a / 100 : 1 + 100 / -a;
}

function solved(odds: number[], m: DevigMethod, forceSolver = false): DevigOk {
  const r = devig(odds, m, { forceSolver });
  if (!r.ok) throw new Error(`${m} on ${odds.join(',')}: ${r.reason}: ${r.detail}`);
  return r;
}

function closeAll(t: Test, got: number[], want: number[], tol: number, msg: string): void {
  t.equal(got.length, want.length, `${msg}: length`);
  const worst = Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
  t.ok(worst <= tol, `${msg}: max |diff| ${worst} <= ${tol}`);
}

/** A random book: fair probabilities scaled by a margin in [-3 %, +12 %] (sometimes 0). */
function randomBook(rnd: () => number, n: number): number[] {
  const w = Array.from({ length: n }, () => 0.05 + rnd());
  const s = w.reduce((a, b) => a + b, 0);
  const booksum = 0.97 + rnd() * 0.15;
  return w.map((x) => 1 / ((x / s) * booksum)).map((o) => Math.max(o, 1.0001));
}

t.test('published values: penaltyblog multiplicative on [2.7, 2.3, 4.4], bit for bit', async (t) => {
  const r = solved([2.7, 2.3, 4.4], 'proportional');
  t.same(r.p, [0.35873803615739097, 0.4211272598369373, 0.22013470400567173]);
  t.equal(r.param, undefined);
  t.ok(Math.abs(r.overround - 0.0324257) < 1e-7, 'margin 0.0324257');
});

t.test('published values: penaltyblog Shin on American [+170, +130, +340]', async (t) => {
  const odds = [170, 130, 340].map(american);
  t.same(odds, [2.7, 2.3, 4.4]);
  const r = solved(odds, 'shin');
  // penaltyblog's ridder stops at xtol 2e-12: its published p are within 4e-13 of exact.
  closeAll(t, r.p, [0.35934391959159157, 0.42324384818283234, 0.21741223222458853], 5e-13, 'shin vs penaltyblog');
  t.ok(Math.abs(r.param! - 0.01624) < 1e-5, `z ~ 0.01624 (${r.param})`);
  // Exact solution (mpmath, 40 digits) and pricing.md's z = 0.01623644285629.
  closeAll(t, r.p, [0.35934391959190937, 0.4232438481831195, 0.21741223222497114], TOL, 'shin vs exact');
  t.ok(Math.abs(r.param! - 0.016236442856292704) < TOL, 'z exact');
});

t.test('power, odds-ratio and Shin against 40-digit solutions (mpmath)', async (t) => {
  const cases: Array<[number[], DevigMethod, number[], number]> = [
    [[2.7, 2.3, 4.4], 'power', [0.3591710998530001, 0.423730752994564, 0.21709814715243592], 1.0309132393159353],
    [[2.7, 2.3, 4.4], 'odds-ratio', [0.35881036212616685, 0.42256142219060056, 0.21862821568323262], 1.0511691272931498],
    [[1.15, 5, 10, 25], 'power', [0.8281695772895115, 0.11405046408954919, 0.04477245026189777, 0.013007508359041547], 1.3489891373319352],
    [[1.15, 5, 10, 25], 'shin', [0.7809526449761298, 0.14779042636962866, 0.05816867508427892, 0.013088253569962576], 0.0891454153430916],
    [[1.15, 5, 10, 25], 'odds-ratio', [0.7920621677053487, 0.1249886839035998, 0.059695684537766525, 0.023253463853284983], 1.750181073934804],
    [[1.05, 12], 'power', [0.9447325552141028, 0.055267444785897145], 1.1652635908622107],
    [[1.05, 12], 'shin', [0.9345238095238095, 0.0654761904761905], 0.03951440608589736],
    [[1.05, 12], 'odds-ratio', [0.9368383699808615, 0.0631616300191385], 1.3483997249264836],
    [[1.5, 2.7], 'power', [0.6508223655362573, 0.3491776344637427], 1.0593230574423338],
    [[1.5, 2.7], 'shin', [0.6481481481481481, 0.35185185185185186], 0.037164339419978494],
    [[1.5, 2.7], 'odds-ratio', [0.6483712952255928, 0.3516287047744073], 1.0846522890932808],
  ];
  for (const [odds, m, p, param] of cases) {
    for (const force of [false, true]) {
      const r = solved(odds, m, force);
      const label = `${m} [${odds.join(', ')}]${force ? ' (solver)' : ''}`;
      closeAll(t, r.p, p, TOL, label);
      t.ok(Math.abs(r.param! - param) <= TOL * Math.max(1, param), `${label}: param ${r.param} vs ${param}`);
    }
  }
});

t.test('American conversion examples from pricing.md', async (t) => {
  t.ok(Math.abs(american(-110) - 1.9090909090909) < 1e-12);
  t.equal(american(-2000), 1.05);
  t.equal(american(1100), 12);
  // pricing.md prints this booksum as 1.035573; 2000/2100 + 100/1200 is 1.0357142857...
  t.ok(Math.abs(solved([1.05, 12], 'proportional').booksum - (2000 / 2100 + 100 / 1200)) < 1e-15);
  t.ok(Math.abs(solved([1.05, 12], 'proportional').booksum - 1.035714285714286) < 1e-15);
});

t.test('under-round two-way market 2.1 / 2.1', async (t) => {
  const shin = devig([2.1, 2.1], 'shin');
  t.notOk(shin.ok, 'Shin refuses a booksum below 1');
  if (!shin.ok) t.equal(shin.reason, 'booksum-below-1');
  for (const m of ['proportional', 'additive', 'power', 'odds-ratio'] as const) {
    const r = solved([2.1, 2.1], m);
    closeAll(t, r.p, [0.5, 0.5], TOL, m);
    t.ok(r.overround < 0, `${m}: negative overround`);
  }
  t.ok(Math.abs(solved([2.1, 2.1], 'power').param! - 0.9342395088803243) < TOL, 'power k < 1');
  t.ok(Math.abs(solved([2.1, 2.1], 'odds-ratio').param! - 0.9090909090909091) < TOL, 'odds ratio c < 1');
});

t.test('6-way partial market with booksum 0.672 (pricing.md edge case)', async (t) => {
  const odds = [6, 7, 8, 9.5, 13, 18];
  t.ok(Math.abs(solved(odds, 'proportional').booksum - 0.6722655998971788) < 1e-15);
  const shin = devig(odds, 'shin');
  t.equal(shin.ok ? 'ok' : shin.reason, 'booksum-below-1');
  const power = solved(odds, 'power');
  closeAll(
    t,
    power.p,
    [0.23242482018072064, 0.20500374853858905, 0.18387971527727343, 0.1598648762213809, 0.12382754098179426, 0.09499929880024173],
    TOL,
    'power',
  );
  t.ok(Math.abs(power.param! - 0.814388585837921) < TOL, 'k < 1');
  const or = solved(odds, 'odds-ratio');
  closeAll(
    t,
    or.p,
    [0.24218112825795862, 0.21030631012597847, 0.18584606587448033, 0.158239377625719, 0.1175096673335101, 0.08591745078235348],
    TOL,
    'odds-ratio',
  );
  t.ok(Math.abs(or.param! - 0.6258281784325098) < TOL, 'c < 1');
  for (const m of ['proportional', 'additive'] as const) {
    const r = solved(odds, m);
    t.ok(Math.abs(r.p.reduce((a, b) => a + b, 0) - 1) < TOL, `${m} sums to 1`);
  }
});

t.test('additive goes negative for a long shot in a many-way market: an error, not a number', async (t) => {
  const r = devig([1.15, 5, 10, 25], 'additive'); // R implied's Troubleshooting case
  t.notOk(r.ok);
  if (!r.ok) {
    t.equal(r.reason, 'negative-probability');
    t.match(r.detail, /outcome 3/);
  }
});

t.test('bad input is an error naming the reason', async (t) => {
  const cases: Array<[number[], string]> = [
    [[2], 'too-few-outcomes'],
    [[], 'too-few-outcomes'],
    [[2, NaN], 'non-finite'],
    [[Infinity, 2], 'non-finite'],
    [[2, -Infinity], 'non-finite'],
    [[1, 3], 'odds-le-1'],
    [[0.5, 3], 'odds-le-1'],
    [[2, -2], 'odds-le-1'],
    [[2, 0], 'odds-le-1'],
  ];
  for (const m of DEVIG_METHODS) {
    for (const [odds, reason] of cases) {
      const r = devig(odds, m);
      t.equal(r.ok ? 'ok' : r.reason, reason, `${m} [${odds.join(', ')}]`);
    }
    const s = devig([2, '3' as unknown as number], m);
    t.equal(s.ok ? 'ok' : s.reason, 'non-finite', `${m}: a string is not a number`);
  }
  const im = devigImplied([0.5, 1], 'proportional');
  t.equal(im.ok ? 'ok' : im.reason, 'odds-le-1', 'implied probability 1 is odds 1');
});

t.test('margins beyond the sanity bound are refused by every method, never priced (issue 14 section 3)', async (t) => {
  // Without a bound, 1.0000001 on both sides (a 100 % margin) and 1e300 on both (-100 %)
  // come out as a confident 50/50: the defect.
  t.match(devigTwoWay(1.0000001, 1.0000001, 'proportional'), { ok: true, pHome: 0.5 });
  t.match(devigTwoWay(1e300, 1e300, 'proportional'), { ok: true, pHome: 0.5 });
  const absurd: Array<[number, number]> = [
    [1.0000001, 1.0000001],
    [1e300, 1e300],
    [1.2, 1.2],
    [50, 40],
  ];
  for (const m of DEVIG_METHODS) {
    for (const [h, a] of absurd) {
      const r = devigTwoWay(h, a, m, 0.2);
      t.equal(r.ok ? 'ok' : r.reason, 'margin-out-of-bounds', `${m} ${h}/${a}`);
      if (!r.ok) t.match(r.detail, /overround .* beyond the sanity bound of ±0\.2/);
      const n = devig([h, a], m, { maxMargin: 0.2 });
      t.equal(n.ok ? 'ok' : n.reason, 'margin-out-of-bounds', `${m} ${h}/${a} (n-way entry)`);
    }
    // Inside the bound, the same numbers as without one.
    for (const [h, a] of [
      [2.24, 1.6757],
      [1.9, 1.9],
      [2.1, 2.1],
      [1.0001, 10000],
    ] as Array<[number, number]>) {
      const bounded = devigTwoWay(h, a, m, 0.2);
      t.same(bounded, devigTwoWay(h, a, m), `${m} ${h}/${a} unchanged`);
    }
  }
  t.equal((devig([1.5, 3.5, 9], 'shin', { maxMargin: 0.05 }) as { reason: string }).reason, 'margin-out-of-bounds', 'three outcomes too');
  t.ok(devig([1.5, 3.5, 9], 'shin', { maxMargin: 0.2 }).ok);
});

t.test('a fair book is returned unchanged, with z = 0, k = 1, c = 1', async (t) => {
  for (const odds of [
    [2, 2],
    [4, 4, 2],
    [1.25, 5],
    [3, 3, 3],
    [4, 4, 4, 4],
  ]) {
    const pi = odds.map((o) => 1 / o);
    for (const m of DEVIG_METHODS) {
      const r = solved(odds, m);
      closeAll(t, r.p, pi, TOL, `${m} [${odds.join(', ')}]`);
      const want = { proportional: undefined, additive: undefined, shin: 0, power: 1, 'odds-ratio': 1 }[m];
      if (want === undefined) t.equal(r.param, undefined);
      else t.ok(Math.abs(r.param! - want) < TOL, `${m} param ${r.param} ~ ${want}`);
    }
  }
  // Booksum exactly 1 in float: the parameter is exact too.
  t.equal(solved([2, 2], 'shin').param, 0);
  t.equal(solved([2, 2], 'power').param, 1);
  t.equal(solved([2, 2], 'odds-ratio').param, 1);
});

t.test('properties over 2,000 random books (seeded): sums, order, solver vs closed forms', async (t) => {
  const rnd = seededRandom(20260125);
  let checks = 0;
  let fails = 0;
  const fail = (msg: string): void => {
    if (fails++ < 20) t.fail(msg);
  };
  for (let c = 0; c < 2000; c++) {
    const n = c % 4 === 0 ? 2 + Math.floor(rnd() * 10) : 2;
    const odds = randomBook(rnd, n);
    const pi = odds.map((o) => 1 / o);
    const booksum = pi.reduce((a, b) => a + b, 0);
    for (const m of DEVIG_METHODS) {
      const r = devig(odds, m);
      if (!r.ok) {
        const expected = (m === 'shin' && booksum < 1) || (m === 'additive' && n > 2 && r.reason === 'negative-probability');
        if (!expected) fail(`${m} [${odds.join(', ')}]: unexpected ${r.reason}: ${r.detail}`);
        continue;
      }
      checks++;
      const sum = r.p.reduce((a, b) => a + b, 0);
      if (!(Math.abs(sum - 1) <= TOL)) fail(`${m} [${odds.join(', ')}]: sum ${sum}`);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          // Every method keeps the order of the implied probabilities.
          if (pi[i]! < pi[j]! && !(r.p[i]! <= r.p[j]!)) fail(`${m}: order of outcomes ${i}, ${j} not kept`);
        }
      }
      if (m === 'power' && (booksum > 1 ? r.param! < 1 : r.param! > 1)) fail(`power k ${r.param} on the wrong side of 1 (booksum ${booksum})`);
      if (m === 'odds-ratio' && (booksum > 1 ? r.param! < 1 : r.param! > 1)) fail(`odds-ratio c ${r.param} on the wrong side of 1`);
      if (m === 'shin' && !(r.param! >= 0 && r.param! < 1)) fail(`shin z ${r.param} outside [0, 1)`);
      if (m === 'shin' || m === 'odds-ratio') {
        const s = devig(odds, m, { forceSolver: true });
        if (!s.ok) fail(`${m} solver failed: ${s.detail}`);
        else {
          const d = Math.max(...s.p.map((x, i) => Math.abs(x - r.p[i]!)));
          if (!(d <= TOL)) fail(`${m} [${odds.join(', ')}]: closed form vs solver ${d}`);
          if (!(Math.abs(s.param! - r.param!) <= TOL * Math.max(1, r.param!))) fail(`${m}: param closed form ${r.param} vs solver ${s.param}`);
        }
      }
    }
  }
  t.equal(fails, 0, `${checks} results checked`);
});

t.test('two outcomes: Shin equals additive; favourite-longshot ordering', async (t) => {
  const rnd = seededRandom(7);
  let n = 0;
  for (let c = 0; c < 2000; c++) {
    const fav = 1.02 + rnd() * 1.2;
    const margin = 0.005 + rnd() * 0.1;
    const dog = 1 / (1 + margin - 1 / fav);
    if (!(dog > fav)) continue;
    const p = (m: DevigMethod): number => solved([fav, dog], m).p[0]!;
    const add = p('additive');
    const sh = p('shin');
    if (Math.abs(sh - add) > 1e-15) t.fail(`shin ${sh} != additive ${add} for ${fav}/${dog}`);
    const mult = p('proportional');
    const or = p('odds-ratio');
    const pow = p('power');
    if (!(mult < add && add < or && or < pow)) {
      t.fail(`ordering broken for ${fav}/${dog}: mult ${mult} add ${add} or ${or} power ${pow}`);
    }
    n++;
  }
  t.ok(n > 1400, `${n} two-way books checked`);
  // One by hand: -200 / +170 -> 1.5 / 2.7.
  const [mult, add, shin, or, pow] = (['proportional', 'additive', 'shin', 'odds-ratio', 'power'] as const).map((m) => solved([1.5, 2.7], m).p[0]!);
  t.ok(mult! < add! && add === shin && shin! < or! && or! < pow!, `${mult} < ${add} = ${shin} < ${or} < ${pow}`);
});

t.test('the solver: a bracket that does not bracket is an error, not a number', async (t) => {
  const lin = (x: number, s: { f: number; d: number }): void => {
    s.f = 1 - x;
    s.d = -1;
  };
  t.notOk(solveDecreasing(lin, 2, 3, 2).ok, 'root below the bracket, start at the low end');
  t.notOk(solveDecreasing(lin, 2, 3, 3).ok, 'root below the bracket, start at the high end');
  t.notOk(solveDecreasing(lin, -5, 0, -5).ok, 'root above the bracket');
  t.notOk(solveDecreasing(lin, -5, 0, 0).ok, 'root above the bracket, start at the high end');
  const good = solveDecreasing(lin, 0, 3, 3);
  t.ok(good.ok && good.x === 1);
  const flat = (x: number, s: { f: number; d: number }): void => {
    s.f = x < 0.3 ? 1 : -1;
    s.d = 0;
  };
  const step = solveDecreasing(flat, 0, 1, 0.5);
  t.ok(step.ok && Math.abs(step.x - 0.3) < 1e-15, 'a step function converges by bisection');
  const nan = (x: number, s: { f: number; d: number }): void => {
    s.f = x > 0.5 ? NaN : 1;
    s.d = -1;
  };
  t.notOk(solveDecreasing(nan, 0, 1, 0).ok, 'NaN is refused');
});

t.test("devigTwoWay gives devig()'s numbers bit for bit, and the n-way code agrees to 1e-12", async (t) => {
  const rnd = seededRandom(11);
  let n = 0;
  let bad = 0;
  for (let c = 0; c < 3000; c++) {
    const [h, a] = randomBook(rnd, 2) as [number, number];
    for (const m of DEVIG_METHODS) {
      const two = devigTwoWay(h, a, m);
      const arr = devig([h, a], m);
      const nway = devig([h, a], m, { forceSolver: true });
      n++;
      if (two.ok !== arr.ok || two.ok !== nway.ok) {
        bad++;
        continue;
      }
      if (!two.ok || !arr.ok || !nway.ok) {
        if (!two.ok && !arr.ok && two.reason !== arr.reason) bad++;
        continue;
      }
      if (two.pHome !== arr.p[0] || two.pAway !== arr.p[1] || two.param !== arr.param || two.overround !== arr.overround) bad++;
      if (Math.abs(two.pHome - nway.p[0]!) > TOL || Math.abs(two.pAway - nway.p[1]!) > TOL) bad++;
      if (two.param !== undefined && Math.abs(two.param - nway.param!) > TOL * Math.max(1, two.param)) bad++;
    }
  }
  t.equal(bad, 0, `${n} two-way results compared`);
  for (const [h, a, reason] of [
    [NaN, 2, 'non-finite'],
    [2, Infinity, 'non-finite'],
    [1, 2, 'odds-le-1'],
    [2, 0.5, 'odds-le-1'],
  ] as const) {
    const r = devigTwoWay(h, a, 'shin');
    t.equal(r.ok ? 'ok' : r.reason, reason, `${h}/${a}`);
  }
  const under = devigTwoWay(2.1, 2.1, 'shin');
  t.equal(under.ok ? 'ok' : under.reason, 'booksum-below-1');
});
