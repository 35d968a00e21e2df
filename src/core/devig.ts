// Margin removal ("de-vig"): decimal odds of n mutually exclusive outcomes -> fair
// probabilities. Pure and n-way, although moneylines are two-way. Formulas, parameter
// conventions and the anchors' behaviour: ../shared/reference/pricing.md section 1.
//
// Notation: pi_i = 1/O_i (implied probabilities), booksum B = sum(pi_i), overround B - 1.
//
//   proportional  p_i = pi_i / B                                  (no parameter)
//   additive      p_i = pi_i - (B - 1)/n                          (no parameter; can go < 0 for n > 2)
//   power         p_i = pi_i^k,  sum = 1                          param k (k > 1 when B > 1)
//   shin          p_i = (sqrt(z^2 + 4(1-z) pi_i^2/B) - z) / (2(1-z)),  sum = 1   param z in [0, 1)
//   odds-ratio    p_i = pi_i / (c + pi_i - c pi_i),  sum = 1     param c (c > 1 when B > 1)
//
// Solving. Power, Shin (n > 2) and odds-ratio solve g(x) = sum p_i(x) - 1 = 0 for their
// parameter, where every p_i(x) is strictly decreasing in x (proofs at each method), so g
// has exactly one root. Each method states a bracket [lo, hi] with g(lo) >= 0 >= g(hi),
// checked numerically before solving; the solver is Newton's method safeguarded by
// bisection inside that bracket, so it converges whatever the start. It stops when
// |g| <= 1e-15 (or the bracket is a few ulps wide), and the result is accepted only if
// |sum p - 1| <= 1e-13. Because every p_i moves in the same direction with the
// parameter, the error of each p_i is at most the error of their sum: every p_i is
// within about 1e-13 of the exact solution (1e-12 is the contract).
//
// Closed forms for two outcomes (exact, no iteration):
//   shin        z = (B-1)(B-D^2) / (B(1-D^2)), D = pi_1 - pi_2, and p equals additive
//               (derived in pricing.md; the solver agrees, see test/core/devig.test.ts)
//   odds-ratio  odds(p_i) = odds(pi_i)/c with odds(p_1) odds(p_2) = 1, so
//               c = sqrt(odds(pi_1) odds(pi_2)) and p_i = odds(pi_i) / (c + odds(pi_i))
//
// Errors, never a made-up number: fewer than 2 outcomes, a non-finite odds value, odds
// <= 1, a margin beyond the caller's sanity bound (|booksum - 1| > maxMargin: 1.0000001 on
// both sides is a 100 % margin, 1e300 on both a -100 % one; no book prices like that, so
// no method's answer means anything), a booksum below 1 for Shin (its z would be
// negative: the model has no such state), a negative additive probability (n > 2), or a
// solver that did not converge.
import type { DevigMethod } from '../schema/records.js';

export type { DevigMethod };

export type DevigErrorReason =
  'too-few-outcomes' | 'non-finite' | 'odds-le-1' | 'margin-out-of-bounds' | 'booksum-below-1' | 'negative-probability' | 'no-convergence';

export interface DevigOk {
  ok: true;
  method: DevigMethod;
  /** Fair probabilities, in the order of the input. */
  p: number[];
  /** sum(1/O_i). */
  booksum: number;
  /** booksum - 1 (the margin; negative for an under-round book). */
  overround: number;
  /** Shin's z, the power exponent k or the odds ratio c; absent for proportional and additive. */
  param?: number;
}

export interface DevigError {
  ok: false;
  method: DevigMethod;
  reason: DevigErrorReason;
  detail: string;
}

export type DevigResult = DevigOk | DevigError;

export interface DevigOptions {
  /**
   * Use the general n-way code (and its solver) for two outcomes too, instead of the
   * two-way closed forms (Shin, odds-ratio). For cross-checking; results agree to 1e-12.
   */
  forceSolver?: boolean;
  /** Refuse (margin-out-of-bounds) when |booksum - 1| exceeds this. Default: no bound. */
  maxMargin?: number;
}

/** De-vig decimal odds (each finite and > 1) of n >= 2 mutually exclusive outcomes. */
export function devig(odds: readonly number[], method: DevigMethod, opts: DevigOptions = {}): DevigResult {
  const n = odds.length;
  if (n < 2) return fail(method, 'too-few-outcomes', `need at least 2 outcomes, got ${n}`);
  const pi = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = odds[i]!;
    if (typeof o !== 'number' || !Number.isFinite(o)) return fail(method, 'non-finite', `odds[${i}] is ${String(o)}`);
    if (o <= 1) return fail(method, 'odds-le-1', `odds[${i}] = ${o}: decimal odds must be > 1`);
    pi[i] = 1 / o;
  }
  return devigImplied(pi, method, opts);
}

/**
 * De-vig implied probabilities pi_i = 1/O_i (each finite, in (0, 1)). devig() checks the
 * odds and calls this; it is exported for callers that already hold implied probabilities.
 */
export function devigImplied(pi: readonly number[], method: DevigMethod, opts: DevigOptions = {}): DevigResult {
  const n = pi.length;
  if (n < 2) return fail(method, 'too-few-outcomes', `need at least 2 outcomes, got ${n}`);
  let booksum = 0;
  for (let i = 0; i < n; i++) {
    const x = pi[i]!;
    if (typeof x !== 'number' || !Number.isFinite(x)) return fail(method, 'non-finite', `implied[${i}] is ${String(x)}`);
    if (!(x > 0 && x < 1)) return fail(method, 'odds-le-1', `implied[${i}] = ${x}: must be in (0, 1), i.e. odds > 1`);
    booksum += x;
  }
  const bad = marginProblem(booksum, opts.maxMargin);
  if (bad !== undefined) return fail(method, 'margin-out-of-bounds', bad);
  if (n === 2 && !opts.forceSolver) return fromTwoWay(twoWay(pi[0]!, pi[1]!, method));
  switch (method) {
    case 'proportional':
      return proportional(pi, booksum);
    case 'additive':
      return additive(pi, booksum);
    case 'power':
      return power(pi, booksum);
    case 'shin':
      return shin(pi, booksum);
    case 'odds-ratio':
      return oddsRatio(pi, booksum);
  }
}

/** A two-outcome result, without arrays: the stream's hot path allocates one object per line. */
export interface TwoWayOk {
  ok: true;
  method: DevigMethod;
  pHome: number;
  pAway: number;
  booksum: number;
  overround: number;
  /** As DevigOk.param; undefined for proportional and additive. */
  param: number | undefined;
}

export type TwoWayResult = TwoWayOk | DevigError;

/**
 * devig([homeOdds, awayOdds], method), the same numbers bit for bit, for the two-way
 * moneylines of the stream (no intermediate arrays). The two-outcome closed forms live
 * here; devig() of two outcomes calls this too.
 */
export function devigTwoWay(homeOdds: number, awayOdds: number, method: DevigMethod, maxMargin?: number): TwoWayResult {
  if (typeof homeOdds !== 'number' || !Number.isFinite(homeOdds)) return fail(method, 'non-finite', `odds[0] is ${String(homeOdds)}`);
  if (homeOdds <= 1) return fail(method, 'odds-le-1', `odds[0] = ${homeOdds}: decimal odds must be > 1`);
  if (typeof awayOdds !== 'number' || !Number.isFinite(awayOdds)) return fail(method, 'non-finite', `odds[1] is ${String(awayOdds)}`);
  if (awayOdds <= 1) return fail(method, 'odds-le-1', `odds[1] = ${awayOdds}: decimal odds must be > 1`);
  const a = 1 / homeOdds;
  const b = 1 / awayOdds;
  if (maxMargin !== undefined) {
    const bad = marginProblem(0 + a + b, maxMargin);
    if (bad !== undefined) return fail(method, 'margin-out-of-bounds', bad);
  }
  return twoWay(a, b, method);
}

/** Why a booksum is beyond the sanity bound, or undefined. */
function marginProblem(booksum: number, maxMargin: number | undefined): string | undefined {
  if (maxMargin === undefined) return undefined;
  const overround = booksum - 1;
  if (Math.abs(overround) <= maxMargin) return undefined;
  return `overround ${overround.toPrecision(6)} (booksum ${booksum.toPrecision(6)}) is beyond the sanity bound of ±${maxMargin}: not a book's price, not priced`;
}

/** Two implied probabilities a, b in (0, 1) (checked by the callers). */
function twoWay(a: number, b: number, method: DevigMethod): TwoWayResult {
  const booksum = 0 + a + b; // the n-way loop's order of summation
  switch (method) {
    case 'proportional':
      return okTwo(method, a / booksum, b / booksum, booksum, undefined);
    case 'additive': {
      // p_i = (1 + pi_i - pi_j)/2 > 0: never negative with two outcomes.
      const shift = (booksum - 1) / 2;
      return okTwo(method, a - shift, b - shift, booksum, undefined);
    }
    case 'shin': {
      if (booksum < 1) return fail(method, 'booksum-below-1', shinBelowOne(booksum));
      if (booksum === 1) return okTwo(method, a, b, booksum, 0);
      // Closed form (pricing.md): z = (B-1)(B-D^2) / (B(1-D^2)), D = pi_1 - pi_2; p = additive.
      const d = a - b;
      const d2 = d * d;
      const z = ((booksum - 1) * (booksum - d2)) / (booksum * (1 - d2));
      const shift = (booksum - 1) / 2;
      return checkedTwo(method, a - shift, b - shift, booksum, z);
    }
    case 'odds-ratio': {
      if (booksum === 1) return okTwo(method, a, b, booksum, 1);
      // odds(p_1) odds(p_2) = 1 with odds(p_i) = o_i / c gives c = sqrt(o_1 o_2).
      const oa = a / (1 - a);
      const ob = b / (1 - b);
      const c = Math.sqrt(oa * ob);
      return checkedTwo(method, oa / (c + oa), ob / (c + ob), booksum, c);
    }
    case 'power': {
      if (booksum === 1) return okTwo(method, a, b, booksum, 1);
      // As power() below, for two outcomes.
      const la = Math.log(a);
      const lb = Math.log(b);
      const logN = Math.log(2);
      let lo = logN / -Math.min(la, lb);
      let hi = logN / -Math.max(la, lb);
      if (booksum > 1) lo = Math.max(lo, 1);
      else hi = Math.min(hi, 1);
      const root = solveDecreasing(
        (k, st) => {
          const ta = Math.exp(k * la);
          const tb = Math.exp(k * lb);
          st.f = -1 + ta + tb;
          st.d = ta * la + tb * lb;
        },
        lo,
        hi,
        booksum > 1 ? lo : hi,
      );
      if (!root.ok) return fail(method, 'no-convergence', `power: ${root.detail}`);
      const k = root.x;
      return checkedTwo(method, Math.pow(a, k), Math.pow(b, k), booksum, k);
    }
  }
}

function okTwo(method: DevigMethod, pHome: number, pAway: number, booksum: number, param: number | undefined): TwoWayOk {
  return { ok: true, method, pHome, pAway, booksum, overround: booksum - 1, param };
}

function checkedTwo(method: DevigMethod, pHome: number, pAway: number, booksum: number, param: number): TwoWayResult {
  if (!(pHome >= 0 && pHome <= 1) || !(pAway >= 0 && pAway <= 1)) {
    return fail(method, 'no-convergence', `${method}: probabilities ${pHome}, ${pAway} outside [0, 1] (param ${param})`);
  }
  const sum = 0 + pHome + pAway;
  if (!(Math.abs(sum - 1) <= SUM_TOL) || !Number.isFinite(param)) {
    return fail(method, 'no-convergence', `${method}: probabilities sum to ${sum} (param ${param})`);
  }
  return okTwo(method, pHome, pAway, booksum, param);
}

function fromTwoWay(r: TwoWayResult): DevigResult {
  return r.ok ? ok(r.method, [r.pHome, r.pAway], r.booksum, r.param) : r;
}

function shinBelowOne(booksum: number): string {
  return `booksum ${booksum} < 1: Shin's model has no insider share z >= 0 for an under-round book`;
}

// ---------------------------------------------------------------- methods

function proportional(pi: readonly number[], booksum: number): DevigResult {
  // pi_i / B, computed as penaltyblog does (1/O, then divide by the sum): its published
  // example is reproduced bit for bit.
  const p = pi.map((x) => x / booksum);
  return ok('proportional', p, booksum);
}

function additive(pi: readonly number[], booksum: number): DevigResult {
  const n = pi.length;
  const shift = (booksum - 1) / n;
  const p = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = pi[i]! - shift;
    // For n = 2, p_i = (1 + pi_i - pi_j)/2 > 0 always; for n > 2 a long shot can go negative.
    if (v < 0) {
      return fail('additive', 'negative-probability', `outcome ${i}: ${pi[i]} - ${shift} = ${v} < 0 (booksum ${booksum}, ${n} outcomes)`);
    }
    p[i] = v;
  }
  return ok('additive', p, booksum);
}

/**
 * Power: p_i = pi_i^k. Each pi_i^k is strictly decreasing in k (0 < pi_i < 1), and
 * convex. Bracket: at k_a = ln n / -ln(pi_min) every term is >= 1/n (sum >= 1); at
 * k_b = ln n / -ln(pi_max) every term is <= 1/n (sum <= 1). Also g(1) = B - 1, so the
 * root is >= 1 when B >= 1 and <= 1 otherwise.
 */
function power(pi: readonly number[], booksum: number): DevigResult {
  if (booksum === 1) return ok('power', pi.slice(), booksum, 1);
  const n = pi.length;
  const ln = pi.map(Math.log);
  let lnMin = ln[0]!;
  let lnMax = ln[0]!;
  for (const v of ln) {
    if (v < lnMin) lnMin = v;
    if (v > lnMax) lnMax = v;
  }
  const logN = Math.log(n);
  let lo = logN / -lnMin;
  let hi = logN / -lnMax;
  if (booksum > 1) lo = Math.max(lo, 1);
  else hi = Math.min(hi, 1);
  const evalAt = (k: number, s: FD): void => {
    let f = -1;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const t = Math.exp(k * ln[i]!);
      f += t;
      d += t * ln[i]!;
    }
    s.f = f;
    s.d = d;
  };
  const root = solveDecreasing(evalAt, lo, hi, booksum > 1 ? lo : hi);
  if (!root.ok) return fail('power', 'no-convergence', `power: ${root.detail}`);
  const k = root.x;
  return checked(
    'power',
    pi.map((x) => Math.pow(x, k)),
    booksum,
    k,
  );
}

/**
 * Shin. p_i(z) is the positive root of (1-z) p^2 + z p - q_i = 0 with q_i = pi_i^2/B.
 * Differentiating: p'(z) = -p(1-p) / (2(1-z)p + z) < 0 for p in (0, 1), and p < 1
 * because the quadratic is 1 - q_i > 0 at p = 1: every p_i is strictly decreasing in z.
 * Bracket: g(0) = sqrt(B) - 1 > 0 for B > 1. Summing the quadratics at the root (where
 * sum p = 1) gives z = 1 - (1 - sum q)/(1 - sum p^2) <= sum q, and sum q =
 * sum pi^2 / B < 1, so g(sum q) <= 0.
 */
function shin(pi: readonly number[], booksum: number): DevigResult {
  if (booksum < 1) return fail('shin', 'booksum-below-1', shinBelowOne(booksum));
  if (booksum === 1) return ok('shin', pi.slice(), booksum, 0);
  const n = pi.length;
  const q = pi.map((x) => (x * x) / booksum);
  let sumQ = 0;
  for (const v of q) sumQ += v;
  const evalAt = (z: number, s: FD): void => {
    const w = 1 - z;
    let f = -1;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const p = (Math.sqrt(z * z + 4 * w * q[i]!) - z) / (2 * w);
      f += p;
      d -= (p * (1 - p)) / (2 * w * p + z);
    }
    s.f = f;
    s.d = d;
  };
  const root = solveDecreasing(evalAt, 0, sumQ, 0);
  if (!root.ok) return fail('shin', 'no-convergence', `shin: ${root.detail}`);
  const z = root.x;
  const w = 1 - z;
  return checked(
    'shin',
    q.map((qi) => (Math.sqrt(z * z + 4 * w * qi) - z) / (2 * w)),
    booksum,
    z,
  );
}

/**
 * Odds ratio (Cheung): p_i = pi_i / (c(1 - pi_i) + pi_i), i.e. odds(p_i) = odds(pi_i)/c.
 * dp_i/dc = -pi_i(1 - pi_i) / (c(1 - pi_i) + pi_i)^2 < 0: strictly decreasing in c > 0.
 * Bracket with o_i = odds(pi_i): at c = (n-1) o_min every odds(p_i) >= 1/(n-1), i.e.
 * p_i >= 1/n (sum >= 1); at c = (n-1) o_max every p_i <= 1/n (sum <= 1). g(1) = B - 1.
 */
function oddsRatio(pi: readonly number[], booksum: number): DevigResult {
  if (booksum === 1) return ok('odds-ratio', pi.slice(), booksum, 1);
  const n = pi.length;
  const o = pi.map((x) => x / (1 - x));
  let oMin = o[0]!;
  let oMax = o[0]!;
  for (const v of o) {
    if (v < oMin) oMin = v;
    if (v > oMax) oMax = v;
  }
  let lo = (n - 1) * oMin;
  let hi = (n - 1) * oMax;
  if (booksum > 1) lo = Math.max(lo, 1);
  else hi = Math.min(hi, 1);
  const evalAt = (c: number, s: FD): void => {
    let f = -1;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const x = pi[i]!;
      const den = c * (1 - x) + x;
      const p = x / den;
      f += p;
      d -= (p * (1 - x)) / den;
    }
    s.f = f;
    s.d = d;
  };
  const root = solveDecreasing(evalAt, lo, hi, booksum > 1 ? lo : hi);
  if (!root.ok) return fail('odds-ratio', 'no-convergence', `odds-ratio: ${root.detail}`);
  const c = root.x;
  return checked(
    'odds-ratio',
    pi.map((x) => x / (c * (1 - x) + x)),
    booksum,
    c,
  );
}

// ---------------------------------------------------------------- the solver

/** Value and derivative of g at a point, written into a reused object (no allocation). */
interface FD {
  f: number;
  d: number;
}

type Root = { ok: true; x: number; iterations: number } | { ok: false; detail: string };

/** |g(x)| at or below this ends the iteration (a few ulps of the sum 1). */
const RESIDUAL_TOL = 1e-15;
/** Final acceptance: |sum p - 1| at the returned parameter. */
const SUM_TOL = 1e-13;
const MAX_ITER = 200;

/**
 * The root of a strictly decreasing g on [lo, hi], where g(lo) >= 0 >= g(hi). Newton
 * steps from `start` (a point of the bracket), replaced by bisection whenever a step
 * would leave the current bracket or fails to halve |g| fast enough (Numerical Recipes'
 * rtsafe rule); every evaluation shrinks the bracket, so it converges from any start.
 * The bracket's ends are checked numerically before they are relied on: an end is
 * evaluated (and its sign verified) the first time a bisection needs it, or replaced by
 * an evaluated iterate first. A bracket that does not hold is an error, never a number.
 */
export function solveDecreasing(evalAt: (x: number, s: FD) => void, lo: number, hi: number, start: number): Root {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) return { ok: false, detail: `invalid bracket [${lo}, ${hi}]` };
  const s: FD = { f: 0, d: 0 };
  let loChecked = false;
  let hiChecked = false;
  /** Evaluate the ends not yet evaluated; a wrong sign is an error. */
  const verifyEnds = (): { ok: false; detail: string } | undefined => {
    if (!loChecked) {
      evalAt(lo, s);
      if (!(s.f >= 0)) return { ok: false, detail: `g(${lo}) = ${s.f} is not >= 0 at the bracket's low end` };
      loChecked = true;
    }
    if (!hiChecked) {
      evalAt(hi, s);
      if (!(s.f <= 0)) return { ok: false, detail: `g(${hi}) = ${s.f} is not <= 0 at the bracket's high end` };
      hiChecked = true;
    }
    return undefined;
  };
  let x = start >= lo && start <= hi ? start : 0.5 * (lo + hi);
  let stepOld = hi - lo;
  let step = stepOld;
  for (let it = 1; it <= MAX_ITER; it++) {
    evalAt(x, s);
    const f = s.f;
    const d = s.d;
    if (!Number.isFinite(f)) return { ok: false, detail: `g(${x}) is not finite` };
    if (Math.abs(f) <= RESIDUAL_TOL) return { ok: true, x, iterations: it };
    if (f > 0) {
      lo = x;
      loChecked = true;
    } else {
      hi = x;
      hiChecked = true;
    }
    if (hi - lo <= 4 * Number.EPSILON * Math.max(1, Math.abs(x))) {
      // A collapsed bracket is a root only if it brackets one.
      return verifyEnds() ?? { ok: true, x, iterations: it };
    }
    const newton = x - f / d;
    let next: number;
    if (newton > lo && newton < hi && Math.abs(2 * f) <= Math.abs(stepOld * d)) {
      next = newton;
    } else {
      // Bisection relies on both ends.
      const bad = verifyEnds();
      if (bad) return bad;
      next = 0.5 * (lo + hi);
    }
    stepOld = step;
    step = next - x;
    if (next === x) return verifyEnds() ?? { ok: true, x, iterations: it }; // the step is below one ulp
    x = next;
  }
  return { ok: false, detail: `no convergence in ${MAX_ITER} iterations (bracket [${lo}, ${hi}])` };
}

// ---------------------------------------------------------------- results

function ok(method: DevigMethod, p: number[], booksum: number, param: number | undefined = undefined): DevigOk {
  const r: DevigOk = { ok: true, method, p, booksum, overround: booksum - 1 };
  if (param !== undefined) r.param = param;
  return r;
}

/** Accept a solved (or closed-form) result only if it is a probability vector summing to 1. */
function checked(method: DevigMethod, p: number[], booksum: number, param: number): DevigResult {
  let sum = 0;
  for (const v of p) {
    if (!(v >= 0 && v <= 1)) return fail(method, 'no-convergence', `${method}: probability ${v} outside [0, 1] (param ${param})`);
    sum += v;
  }
  if (!(Math.abs(sum - 1) <= SUM_TOL) || !Number.isFinite(param)) {
    return fail(method, 'no-convergence', `${method}: probabilities sum to ${sum} (param ${param})`);
  }
  return ok(method, p, booksum, param);
}

function fail(method: DevigMethod, reason: DevigErrorReason, detail: string): DevigError {
  return { ok: false, method, reason, detail };
}
