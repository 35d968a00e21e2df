// Calibration of fair probabilities against results (roadmap item 6): the metrics and the
// streaming join behind `calibrate`. Conventions (../shared/reference/pricing.md §2):
//
// - Scored side: p_home against a home win (y = 1 when the home team won). For a two-way
//   market p_away = 1 - p_home, so Brier and log loss are the same from either side and
//   the away side's reliability diagram is this one mirrored.
// - Brier: mean((p - y)^2). Log loss: mean(-(y ln q + (1-y) ln(1-q))) with the forecast
//   clipped to [eps, 1 - eps], eps = float64 machine epsilon (scikit-learn >= 1.2).
// - Reliability: uniform bins with scikit-learn's float edges (numpy.linspace(0, 1, n+1),
//   so edge 3 of 10 is 0.30000000000000004) and its rule searchsorted(edges[1:-1], p,
//   'left'): bins are right-closed (a, b], p = 0.3 lands in bin 2, p = 0 in bin 0. Empty
//   bins are dropped, as calibration_curve does.
// - ECE = sum_b (n_b/N) |win_rate_b - mean_p_b|, MCE = max_b |win_rate_b - mean_p_b|, in
//   the positive-class form (not Guo's top-label form), over those bins.
// - Win rate by decile: fixed = the 10 uniform bins; quantile = a stable sort by p split
//   into 10 groups whose sizes differ by at most 1, larger groups first (numpy.array_split).
//   With ties this differs from scikit-learn's strategy='quantile' on purpose.
//
// Which probability is scored: with at = 'close', per (source, sport, method, event) the
// last probability whose ts is at or before its commence_ts (ties in ts: the later input
// wins), phase pregame; with at = 'all', every probability record, phase pregame when
// ts <= commence_ts and live after. Groups: (source, sport, phase, method): the method is
// part of the oracle path a sign-off names, so it is always a key (with a single method
// present this is the same grouping as without it). Results are joined by event; the
// same result twice is fine, two different winners for one game exclude that game.
// Times marked assumed (`time_assumed`, import-history's invented start, line and result
// times) are counted and reported: their phase is the importer's assumption (a closing
// line is pre-game), not a measurement.
// The output does not depend on input order: points are scored in (commence_ts, event,
// ts, p) order and groups listed in a fixed order (compareGroups).
import { DEVIG_METHODS, type OracleProb, type Result } from '../schema/records.js';
import { lowerBound } from './search.js';

/** numpy.finfo(numpy.float64).eps: scikit-learn's log_loss clip since 1.2 (eps='auto'). */
export const LOG_LOSS_EPS = 2.220446049250313e-16;

export type Bucket = {
  lo: number;
  hi: number;
  n: number;
  mean_p: number;
  win_rate: number;
};

/** Neumaier-compensated sum: accurate whatever the order and magnitude of the terms. */
export function accurateSum(xs: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  return s + c;
}

export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const d = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) d[i] = (p[i]! - y[i]!) ** 2;
  return accurateSum(d) / p.length;
}

const clip = (x: number): number => Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, x));

/** Binary log loss, natural log; the probability of the realised outcome is clipped as scikit-learn does ([1-p, p] columns clipped). */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const d = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) d[i] = -Math.log(y[i] === 1 ? clip(p[i]!) : clip(1 - p[i]!));
  return accurateSum(d) / p.length;
}

/** numpy.linspace(0, 1, n + 1): i x (1/n), the last edge exactly 1. */
export function uniformEdges(n: number): number[] {
  const step = 1 / n;
  const e: number[] = [];
  for (let i = 0; i < n; i++) e.push(i * step);
  e.push(1);
  return e;
}

/** scikit-learn's bin of p: searchsorted(edges[1:-1], p, side='left'), i.e. how many interior edges lie strictly below p. */
export function binOf(p: number, edges: readonly number[]): number {
  return lowerBound(edges, p, 1, edges.length - 1) - 1; // interior edges are edges[1 .. n-1]
}

/**
 * scikit-learn's calibration_curve(y, p, n_bins, strategy='uniform'), non-empty bins only,
 * with each bin's edges and count: win_rate is prob_true, mean_p is prob_pred. Sums run
 * in input order, as numpy.bincount does.
 */
export function reliability(y: ArrayLike<number>, p: ArrayLike<number>, nBins: number): Bucket[] {
  const edges = uniformEdges(nBins);
  const sumP = new Float64Array(nBins);
  const sumY = new Float64Array(nBins);
  const count = new Float64Array(nBins);
  for (let i = 0; i < p.length; i++) {
    const b = binOf(p[i]!, edges);
    sumP[b]! += p[i]!;
    sumY[b]! += y[i]!;
    count[b]! += 1;
  }
  const out: Bucket[] = [];
  for (let b = 0; b < nBins; b++) {
    const n = count[b]!;
    if (n === 0) continue;
    out.push({ lo: edges[b]!, hi: edges[b + 1]!, n, mean_p: sumP[b]! / n, win_rate: sumY[b]! / n });
  }
  return out;
}

/** ECE and MCE (positive-class form) over non-empty bins. */
export function calibrationErrors(buckets: readonly Bucket[]): { ece: number; mce: number } {
  const total = buckets.reduce((s, b) => s + b.n, 0);
  if (total === 0) return { ece: 0, mce: 0 };
  const terms = buckets.map((b) => (b.n / total) * Math.abs(b.win_rate - b.mean_p));
  return { ece: accurateSum(terms), mce: Math.max(0, ...buckets.map((b) => Math.abs(b.win_rate - b.mean_p))) };
}

/** numpy.array_split sizes: k groups, the first (len % k) one larger. */
export function splitSizes(len: number, k: number): number[] {
  const base = Math.floor(len / k);
  const extra = len % k;
  return Array.from({ length: k }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Win rate by quantile group: stable sort by p, numpy.array_split into k groups, empty groups dropped. lo/hi are the group's smallest and largest p. */
export function quantileBuckets(y: ArrayLike<number>, p: ArrayLike<number>, k = 10): Bucket[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  idx.sort((a, b) => p[a]! - p[b]! || a - b);
  const out: Bucket[] = [];
  let at = 0;
  for (const size of splitSizes(idx.length, k)) {
    if (size === 0) continue;
    let sp = 0;
    let sy = 0;
    for (let j = at; j < at + size; j++) {
      sp += p[idx[j]!]!;
      sy += y[idx[j]!]!;
    }
    out.push({ lo: p[idx[at]!]!, hi: p[idx[at + size - 1]!]!, n: size, mean_p: sp / size, win_rate: sy / size });
    at += size;
  }
  return out;
}

export interface Metrics {
  n: number;
  brier: number;
  log_loss: number;
  ece: number;
  mce: number;
  /** Reliability table with `bins` uniform bins (ECE and MCE come from it). */
  buckets: Bucket[];
  /** Win rate by the 10 fixed (uniform) deciles. */
  deciles_fixed: Bucket[];
  /** Win rate by the 10 quantile deciles. */
  deciles_quantile: Bucket[];
  /** Share of home wins. */
  base_rate: number;
  /** Mean forecast. */
  mean_p: number;
}

/** Every metric of one set of (y, p) pairs, in the order given. */
export function metrics(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): Metrics {
  if (y.length !== p.length || p.length === 0) throw new Error('calibration: y and p must be non-empty and of equal length');
  const buckets = reliability(y, p, bins);
  const { ece, mce } = calibrationErrors(buckets);
  return {
    n: p.length,
    brier: brierScore(y, p),
    log_loss: logLoss(y, p),
    ece,
    mce,
    buckets,
    deciles_fixed: bins === 10 ? buckets : reliability(y, p, 10),
    deciles_quantile: quantileBuckets(y, p, 10),
    base_rate: accurateSum(y) / y.length,
    mean_p: accurateSum(p) / p.length,
  };
}

// ---------------------------------------------------------------- the streaming join

export type At = 'close' | 'all';
export type Phase = 'pregame' | 'live';

export interface GroupKey {
  source: string;
  sport: string;
  phase: Phase;
  method: string;
}

/** One scored pair: the game, the probability's ts, outcome and forecast. */
export interface Point {
  event: string;
  commence_ts: number;
  ts: number;
  y: number;
  p: number;
}

export interface GroupReport extends Metrics {
  group: GroupKey;
  /** The scored pairs in scoring order (for paired comparisons between methods). */
  points: Point[];
  /** Latest ts among the probabilities and results scored (records built from several inputs take the latest ts). */
  ts: number;
  /** Earliest commence_ts scored (the data's span, for the report). */
  from_commence_ts: number;
  to_commence_ts: number;
}

interface Held {
  /** Index into the group table (source, sport, phase, method). */
  gid: number;
  event: string;
  ts: number;
  commence_ts: number;
  p: number;
}

export interface JoinStats {
  probs_in: number;
  /** at=close: probabilities after commence_ts (live), not scored. */
  probs_after_commence: number;
  /** at=close: earlier pregame probabilities replaced by a later one for the same game and path. */
  probs_superseded: number;
  probs_scored: number;
  /** Probabilities (after the close rule) whose game has no result. */
  probs_without_result: number;
  games_without_result: number;
  /** Games with two different winners reported: excluded. */
  games_conflicting: number;
  /** Probabilities of those games, not scored. */
  probs_conflicting: number;
  results_in: number;
  results_duplicate: number;
  /** Results of games with no probability at all. */
  results_unused: number;
  /** Probabilities whose ts or commence_ts is assumed, not observed (`time_assumed`: import-history). */
  probs_time_assumed: number;
  /** Results whose ts is assumed, not observed. */
  results_time_assumed: number;
}

export type ResultOutcome = 'new' | 'duplicate' | 'conflict';

type Nested<T> = Map<string, Map<string, Map<string, T>>>;

function nested<T>(m: Nested<T>, a: string, b: string, c: string, make: () => T): T {
  let m1 = m.get(a);
  if (!m1) m.set(a, (m1 = new Map()));
  let m2 = m1.get(b);
  if (!m2) m1.set(b, (m2 = new Map()));
  let v = m2.get(c);
  if (v === undefined) m2.set(c, (v = make()));
  return v;
}

export class Calibrator {
  /** Group ids by source, sport, method: [pregame id, live id]. */
  private readonly ids: Nested<[number, number]> = new Map();
  private readonly keys: GroupKey[] = [];
  /** at=close: per group, per event, the probability held. */
  private readonly close: Array<Map<string, Held>> = [];
  private readonly all: Held[] = [];
  private readonly results = new Map<string, { winner: 'home' | 'away'; ts: number }>();
  private readonly conflicted = new Set<string>();
  private probsIn = 0;
  private afterCommence = 0;
  private superseded = 0;
  private resultsIn = 0;
  private duplicates = 0;
  private probsAssumed = 0;
  private resultsAssumed = 0;

  constructor(readonly at: At) {}

  /** The last path seen: consecutive records nearly always share it. */
  private last: { source: string; sport: string; method: string; pair: [number, number] } | undefined;

  private gidOf(r: OracleProb, phase: Phase): number {
    const l = this.last;
    const pair = l && l.source === r.source && l.sport === r.sport && l.method === r.method ? l.pair : this.lookup(r);
    return pair[phase === 'pregame' ? 0 : 1];
  }

  private lookup(r: OracleProb): [number, number] {
    const pair = nested(this.ids, r.source, r.sport, r.method, (): [number, number] => {
      const base = this.keys.length;
      this.keys.push({ source: r.source, sport: r.sport, phase: 'pregame', method: r.method });
      this.keys.push({ source: r.source, sport: r.sport, phase: 'live', method: r.method });
      this.close.push(new Map(), new Map());
      return [base, base + 1];
    });
    this.last = { source: r.source, sport: r.sport, method: r.method, pair };
    return pair;
  }

  /** One probability. Returns false when at=close and it is after commence_ts (not scored). */
  addProb(r: OracleProb): boolean {
    this.probsIn++;
    if (r.time_assumed?.some((f) => f === 'ts' || f === 'commence_ts')) this.probsAssumed++;
    const phase: Phase = r.ts <= r.commence_ts ? 'pregame' : 'live';
    if (this.at === 'close' && phase === 'live') {
      this.afterCommence++;
      return false;
    }
    const h: Held = { gid: this.gidOf(r, phase), event: r.event, ts: r.ts, commence_ts: r.commence_ts, p: r.p_home };
    if (this.at === 'all') {
      this.all.push(h);
      return true;
    }
    const games = this.close[h.gid]!;
    const cur = games.get(r.event);
    if (cur) {
      this.superseded++;
      if (r.ts < cur.ts) return true; // an older line arriving late: the held one stays
    }
    games.set(r.event, h);
    return true;
  }

  /** One result: 'conflict' when the game already has the other winner (the game is then excluded). */
  addResult(r: Result): ResultOutcome {
    this.resultsIn++;
    if (r.time_assumed?.includes('ts')) this.resultsAssumed++;
    const cur = this.results.get(r.event);
    if (!cur) {
      this.results.set(r.event, { winner: r.winner, ts: r.ts });
      return 'new';
    }
    if (cur.winner === r.winner) {
      this.duplicates++;
      cur.ts = Math.max(cur.ts, r.ts);
      return 'duplicate';
    }
    this.conflicted.add(r.event);
    return 'conflict';
  }

  /** Score everything held. Groups in compareGroups order; each group's points in (commence_ts, event, ts, p) order. */
  finish(bins = 10): { groups: GroupReport[]; stats: JoinStats } {
    const withProb = new Set<string>();
    const noResult = new Set<string>();
    let probsWithoutResult = 0;
    let conflictingProbs = 0;
    const pts: Array<Array<{ h: Held; y: number; ts: number }>> = this.keys.map(() => []);
    const take = (h: Held): void => {
      withProb.add(h.event);
      if (this.conflicted.has(h.event)) {
        conflictingProbs++;
        return;
      }
      const res = this.results.get(h.event);
      if (!res) {
        probsWithoutResult++;
        noResult.add(h.event);
        return;
      }
      pts[h.gid]!.push({ h, y: res.winner === 'home' ? 1 : 0, ts: Math.max(h.ts, res.ts) });
    };
    if (this.at === 'all') for (const h of this.all) take(h);
    else for (const games of this.close) for (const h of games.values()) take(h);

    const order = this.keys
      .map((k, gid) => ({ k, gid }))
      .filter((x) => pts[x.gid]!.length > 0)
      .sort((a, b) => compareGroups(a.k, b.k));
    const reports: GroupReport[] = [];
    for (const { k, gid } of order) {
      const g = pts[gid]!;
      g.sort((a, b) => a.h.commence_ts - b.h.commence_ts || (a.h.event < b.h.event ? -1 : a.h.event > b.h.event ? 1 : 0) || a.h.ts - b.h.ts || a.h.p - b.h.p);
      const y = Float64Array.from(g, (x) => x.y);
      const p = Float64Array.from(g, (x) => x.h.p);
      let ts = 0;
      let from = Infinity;
      let to = -Infinity;
      for (const x of g) {
        ts = Math.max(ts, x.ts);
        from = Math.min(from, x.h.commence_ts);
        to = Math.max(to, x.h.commence_ts);
      }
      const points = g.map((x) => ({ event: x.h.event, commence_ts: x.h.commence_ts, ts: x.h.ts, y: x.y, p: x.h.p }));
      reports.push({ group: { ...k }, points, ts, from_commence_ts: from, to_commence_ts: to, ...metrics(y, p, bins) });
    }
    let unused = 0;
    for (const e of this.results.keys()) if (!withProb.has(e)) unused++;
    const scored = reports.reduce((s, r) => s + r.n, 0);
    return {
      groups: reports,
      stats: {
        probs_in: this.probsIn,
        probs_after_commence: this.afterCommence,
        probs_superseded: this.superseded,
        probs_scored: scored,
        probs_without_result: probsWithoutResult,
        games_without_result: noResult.size,
        games_conflicting: this.conflicted.size,
        probs_conflicting: conflictingProbs,
        results_in: this.resultsIn,
        results_duplicate: this.duplicates,
        results_unused: unused,
        probs_time_assumed: this.probsAssumed,
        results_time_assumed: this.resultsAssumed,
      },
    };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export type Paired = {
  /** The method compared against. */
  baseline: string;
  /** Pairs scored by both (same game and probability ts). */
  n: number;
  /** mean(loss_method - loss_baseline): negative means this method scores better. */
  brier_diff: number;
  /** Standard error of that mean (sample sd of the differences / sqrt(n)); null below 2 pairs. */
  brier_diff_se: number | null;
  log_loss_diff: number;
  log_loss_diff_se: number | null;
};

function meanSe(d: Float64Array): { mean: number; se: number | null } {
  const n = d.length;
  const mean = accurateSum(d) / n;
  if (n < 2) return { mean, se: null };
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = (d[i]! - mean) ** 2;
  return { mean, se: Math.sqrt(accurateSum(sq) / (n - 1) / n) };
}

/**
 * Paired comparison of two methods on the same games: per pair the difference of Brier
 * terms and of log-loss terms (this minus baseline), their mean and standard error. The
 * pairing is by (event, ts), so the two scored the same line of the same game. Both
 * point lists must be in finish()'s order (commence_ts, event, ts, p): a merge join.
 */
export function pairedComparison(group: Pick<GroupReport, 'points'>, baseline: Pick<GroupReport, 'points' | 'group'>): Paired | undefined {
  const A = group.points;
  const B = baseline.points;
  const db: number[] = [];
  const dl: number[] = [];
  const loss = (q: number, y: number): number => -Math.log(y === 1 ? clip(q) : clip(1 - q));
  let i = 0;
  let j = 0;
  while (i < A.length && j < B.length) {
    const x = A[i]!;
    const b = B[j]!;
    const c = x.commence_ts - b.commence_ts || cmp(x.event, b.event) || x.ts - b.ts;
    if (c < 0) i++;
    else if (c > 0) j++;
    else {
      i++;
      j++;
      if (b.y !== x.y) continue;
      db.push((x.p - x.y) ** 2 - (b.p - b.y) ** 2);
      dl.push(loss(x.p, x.y) - loss(b.p, b.y));
    }
  }
  if (db.length === 0) return undefined;
  const Bs = meanSe(Float64Array.from(db));
  const Ls = meanSe(Float64Array.from(dl));
  return { baseline: baseline.group.method, n: db.length, brier_diff: Bs.mean, brier_diff_se: Bs.se, log_loss_diff: Ls.mean, log_loss_diff_se: Ls.se };
}

const METHOD_RANK = new Map<string, number>(DEVIG_METHODS.map((m, i) => [m, i]));

/** Group order: source, sport, phase (pregame first), then method in DEVIG_METHODS order (proportional first). */
export function compareGroups(a: GroupKey, b: GroupKey): number {
  const rank = (m: string): number => METHOD_RANK.get(m) ?? DEVIG_METHODS.length;
  return cmp(a.source, b.source) || cmp(a.sport, b.sport) || cmp(a.phase, b.phase) || rank(a.method) - rank(b.method) || cmp(a.method, b.method);
}

/** "source/sport/phase/method", the path label used in logs, reports and file names. */
export function groupLabel(g: GroupKey): string {
  return `${g.source}/${g.sport}/${g.phase}/${g.method}`;
}
