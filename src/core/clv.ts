// Closing line value (CLV) and the per-contract PnL decomposition of fills, and the
// game-clustered bootstrap that judges whether mean CLV is positive. Pure: no I/O, no
// clock, no Math.random (the bootstrap draws from src/core/prng.ts with a given seed).
//
// Formulas: ../shared/reference/pricing.md §4. For a YES buy at P_e with per-contract
// fee f, outcome Y, our fair q_m at the decision, the reference (market) fair P_ref at the
// decision and the reference close p_c:
//   PnL = Y − P_e − f = (q_m − P_ref) + (P_ref − P_e) − f + (p_c − q_m) + (Y − p_c)
//   CLV = p_c − P_e
// A YES sell (a NO buy at 1 − P_e) is the mirror: PnL = P_e − Y − f, CLV = P_e − p_c, and
// every term changes sign except the fee.
//
// Use: a ClvCollector takes the records in any order (fills, oracle.prob, market.link,
// result, kalshi.result, order) and, once everything is in, finish() scores every fill;
// summarize() turns scored fills into one summary per group (overall, sport, oracle
// path, maker/taker). `report daily` imports the same two calls.
import { quantileSorted } from './quantile.js';
import { partitionPoint } from './search.js';
import type { Sport } from '../schema/common.js';
import type { AnyRecord, DevigMethod, Fill, KalshiResult, MarketLink, OracleProb, Order, Result } from '../schema/records.js';
import { seededRandom } from './prng.js';

// ---------------------------------------------------------------- settings and outputs

/** The reference path the closes are read from; method undefined: the source's only method. */
export interface ReferencePath {
  source: string;
  method?: DevigMethod;
}

export interface ClvSettings {
  reference: ReferencePath;
  /** The two "later" reference probabilities: this long after the fill (ms). */
  refAfterMs: number;
  refLateAfterMs: number;
}

/** Why a fill could not be scored (it is listed, counted, never given an invented close). */
export type UnscoredReason =
  /** No probability of the reference path for the game at all. */
  | 'no-reference'
  /** The reference path has probabilities for the game, none at or before commence_ts. */
  | 'no-close';

/** The PnL split of one fill, per contract, in dollars (sums to pnl exactly up to float rounding). */
export interface PnlSplit {
  /** q_m − P_ref (mirrored for a sell): the edge the model claimed against the market at the decision. */
  edge_claimed: number;
  /** P_ref − P_e (mirrored): execution, i.e. slippage and adverse selection against the market fair. */
  execution_error: number;
  /** −f: the fee per contract. */
  fee_drag: number;
  /** p_c − q_m (mirrored): model error, the close standing in for the truth. */
  model_error: number;
  /** Y − p_c (mirrored): outcome noise. */
  outcome_noise: number;
}

/** One scored (or listed-but-unscored) fill: the body of a `clv` record, ts = fill ts. */
export interface ClvRow {
  ts: number;
  order_id: string;
  trade_id: string;
  ticker: string;
  event: string;
  sport: Sport;
  side: 'yes';
  action: 'buy' | 'sell';
  liquidity: 'maker' | 'taker';
  mode: 'shadow' | 'live';
  count: number;
  /** When the order behind the fill was sent (fill.quote_ts, else the order's submission). */
  quote_ts: number;
  fill_price: number;
  /** Fee of the whole fill, dollars. */
  fee: number;
  /** Our fair YES probability at the decision (quote_fair_p, else the fill's fair_p). */
  fair_p: number;
  /** The fill's fair_p (at fill time). */
  fill_fair_p: number;
  /** Reference YES probability at the decision (last at or before quote_ts): P_ref. */
  decision_ref_p: number | null;
  /** Reference YES probability refAfterMs after the fill (last at or before, capped at commence_ts). */
  ref_p: number | null;
  ref_after_ms: number;
  ref_late_p: number | null;
  ref_late_after_ms: number;
  /** Reference YES probability at the close (last at or before commence_ts). */
  close_p: number | null;
  commence_ts: number | null;
  /** The ticker's YES outcome (1: YES won), null until known or when results contradict. */
  outcome: 0 | 1 | null;
  /** CLV in probability points (buy: close − price; sell: price − close). */
  clv: number | null;
  /** CLV as expected ROI before fees: buy p_c/P_e − 1; sell (1 − p_c)/(1 − P_e) − 1. */
  clv_roi: number | null;
  /** Realized PnL per contract, dollars after fees (buy Y − P_e − f; sell P_e − Y − f). */
  pnl: number | null;
  edge_claimed: number | null;
  execution_error: number | null;
  fee_drag: number;
  model_error: number | null;
  outcome_noise: number | null;
  /** The oracle path the fill was priced from. */
  source: string;
  method: DevigMethod;
  /** The reference path, SOURCE/METHOD. */
  reference: string;
  /** Set when the fill has no closing line (then clv is null). */
  unscored: UnscoredReason | null;
}

/** Bad input, reported by the command at the record's place (source:line). */
export interface ClvIssue<W> {
  where: W;
  reason: string;
  detail: string;
}

export interface ClvResult<W> {
  rows: ClvRow[];
  issues: Array<ClvIssue<W>>;
  /** The reference path as resolved (SOURCE/METHOD). */
  reference: string;
  stats: {
    fills_in: number;
    fills_scored: number;
    fills_unscored: number;
    fills_bad: number;
    fills_without_split: number;
    fills_without_outcome: number;
    reference_probs: number;
  };
}

// ---------------------------------------------------------------- the collector

interface Stamped<T, W> {
  rec: T;
  where: W;
  seq: number;
}

interface RefPoint {
  ts: number;
  seq: number;
  p_home: number;
  p_away: number;
  commence_ts: number;
}

/** The reference names a source alone and that source has probabilities of several methods. */
export class AmbiguousReferenceError extends Error {
  constructor(
    readonly source: string,
    readonly methods: string[],
  ) {
    super(`reference ${source} has probabilities of several methods (${methods.join(', ')}): name one, e.g. ${source}/${methods[0]}`);
    this.name = 'AmbiguousReferenceError';
  }
}

export class ClvCollector<W> {
  private seq = 0;
  private readonly fills: Array<Stamped<Fill, W>> = [];
  private readonly refProbs = new Map<string, Map<string, RefPoint[]>>(); // method -> event -> points
  private readonly links = new Map<string, Stamped<MarketLink, W>>();
  private readonly results = new Map<string, Array<Stamped<Result, W>>>();
  private readonly kalshiResults = new Map<string, Array<Stamped<KalshiResult, W>>>();
  /** client_order_id -> earliest submission time. */
  private readonly submitted = new Map<string, number>();
  private readonly early: Array<ClvIssue<W>> = [];
  private readonly conflictedLinks = new Set<string>();

  constructor(readonly settings: ClvSettings) {}

  addFill(rec: Fill, where: W): void {
    this.fills.push({ rec, where, seq: this.seq++ });
  }

  /** Keeps only the reference source's probabilities (the method is resolved at finish). */
  addProb(rec: OracleProb): void {
    if (rec.source !== this.settings.reference.source) return;
    if (this.settings.reference.method !== undefined && rec.method !== this.settings.reference.method) return;
    let byEvent = this.refProbs.get(rec.method);
    if (!byEvent) this.refProbs.set(rec.method, (byEvent = new Map()));
    let pts = byEvent.get(rec.event);
    if (!pts) byEvent.set(rec.event, (pts = []));
    pts.push({ ts: rec.ts, seq: this.seq++, p_home: rec.p_home, p_away: rec.p_away, commence_ts: rec.commence_ts });
  }

  /** A ticker linked two different ways is linked no way: its fills are bad input, whatever the input order. */
  addLink(rec: MarketLink, where: W): void {
    const prev = this.links.get(rec.ticker);
    if (prev && (prev.rec.event !== rec.event || prev.rec.side !== rec.side)) {
      this.early.push({
        where,
        reason: 'conflicting-link',
        detail: `${rec.ticker}: linked to ${rec.event} ${rec.side}, elsewhere to ${prev.rec.event} ${prev.rec.side}; its fills are not scored`,
      });
      this.conflictedLinks.add(rec.ticker);
      return;
    }
    if (!prev) this.links.set(rec.ticker, { rec, where, seq: this.seq++ });
  }

  addResult(rec: Result, where: W): void {
    push(this.results, rec.event, { rec, where, seq: this.seq++ });
  }

  addKalshiResult(rec: KalshiResult, where: W): void {
    push(this.kalshiResults, rec.ticker, { rec, where, seq: this.seq++ });
  }

  /** The order's submission time is the quote time of its fills when they carry none. */
  addOrder(rec: Order): void {
    if (rec.status !== 'submitted' && rec.status !== 'new') return;
    const prev = this.submitted.get(rec.client_order_id);
    if (prev === undefined || rec.ts < prev) this.submitted.set(rec.client_order_id, rec.ts);
  }

  /** Score every fill. Throws AmbiguousReferenceError when the reference method cannot be resolved. */
  finish(): ClvResult<W> {
    const { method, points } = this.resolveReference();
    const reference = `${this.settings.reference.source}/${method ?? this.settings.reference.method ?? '?'}`;
    const issues: Array<ClvIssue<W>> = [...this.early];
    const outcomes = this.outcomes(issues);
    const rows: ClvRow[] = [];
    const seenTrades = new Set<string>();
    let bad = 0;
    let refCount = 0;
    for (const pts of points.values()) refCount += pts.length;
    const fills = [...this.fills].sort((a, b) => a.rec.ts - b.rec.ts || cmp(a.rec.trade_id, b.rec.trade_id) || a.seq - b.seq);
    for (const f of fills) {
      const r = f.rec;
      // shadow ids (shadow-1-1) repeat across runs; the client order id carries the run
      const tradeKey = `${r.mode}\u0000${r.client_order_id}\u0000${r.order_id}\u0000${r.trade_id}`;
      const fail = (reason: string, detail: string): void => {
        issues.push({ where: f.where, reason, detail });
        bad++;
      };
      if (seenTrades.has(tradeKey)) {
        fail('duplicate-fill', `trade ${r.trade_id} of order ${r.order_id} (${r.client_order_id}) already seen; counted once`);
        continue;
      }
      seenTrades.add(tradeKey);
      if (r.side !== 'yes') {
        fail('not-yes-terms', `fill ${r.trade_id}: side ${r.side}; fills are expected in YES terms (side yes, action buy/sell)`);
        continue;
      }
      if (this.conflictedLinks.has(r.ticker)) {
        fail('conflicting-link', `fill ${r.trade_id}: ${r.ticker} is linked to two games or sides`);
        continue;
      }
      const link = this.links.get(r.ticker);
      if (!link) {
        fail('unknown-game', `fill ${r.trade_id}: no market.link for ${r.ticker}`);
        continue;
      }
      if (link.rec.event !== r.event) {
        fail('unknown-game', `fill ${r.trade_id}: ${r.ticker} is linked to ${link.rec.event}, the fill names ${r.event}`);
        continue;
      }
      const quoteTs = r.quote_ts ?? this.submitted.get(r.client_order_id);
      if (quoteTs === undefined) {
        fail('no-quote-time', `fill ${r.trade_id}: no quote_ts and no submitted order ${r.client_order_id}`);
        continue;
      }
      rows.push(this.score(r, quoteTs, link.rec, points.get(r.event), outcomes.get(r.ticker) ?? null, reference));
    }
    const stats = {
      fills_in: this.fills.length,
      fills_scored: rows.filter((x) => x.clv !== null).length,
      fills_unscored: rows.filter((x) => x.unscored !== null).length,
      fills_bad: bad,
      fills_without_split: rows.filter((x) => x.clv !== null && x.edge_claimed === null).length,
      fills_without_outcome: rows.filter((x) => x.outcome === null).length,
      reference_probs: refCount,
    };
    return { rows, issues, reference, stats };
  }

  private resolveReference(): { method: DevigMethod | undefined; points: Map<string, RefPoint[]> } {
    const methods = [...this.refProbs.keys()].sort();
    let method = this.settings.reference.method;
    if (method === undefined) {
      if (methods.length > 1) throw new AmbiguousReferenceError(this.settings.reference.source, methods);
      method = methods[0] as DevigMethod | undefined;
    }
    const points = (method !== undefined ? this.refProbs.get(method) : undefined) ?? new Map<string, RefPoint[]>();
    // same-time probabilities: ordered by value, so the input order never picks the close
    for (const pts of points.values()) pts.sort((a, b) => a.ts - b.ts || a.p_home - b.p_home || a.seq - b.seq);
    return { method, points };
  }

  /** YES outcome per ticker, from kalshi.result and result (through market.link); contradictions leave it unknown. */
  private outcomes(issues: Array<ClvIssue<W>>): Map<string, 0 | 1 | null> {
    const out = new Map<string, 0 | 1 | null>();
    const contradicted = new Set<string>();
    const note = (ticker: string, y: 0 | 1, where: W, what: string): void => {
      if (contradicted.has(ticker)) return;
      const prev = out.get(ticker);
      if (prev === undefined) {
        out.set(ticker, y);
        return;
      }
      if (prev !== y) {
        out.set(ticker, null);
        contradicted.add(ticker);
        issues.push({
          where,
          reason: 'conflicting-result',
          detail: `${ticker}: ${what} contradicts an earlier result; the outcome is left unknown and no PnL is scored`,
        });
      }
    };
    const kalshi = [...this.kalshiResults.values()].flat().sort((a, b) => a.seq - b.seq);
    for (const k of kalshi) note(k.rec.ticker, k.rec.result === 'yes' ? 1 : 0, k.where, `kalshi.result ${k.rec.result}`);
    const games = [...this.results.values()].flat().sort((a, b) => a.seq - b.seq);
    const byEvent = new Map<string, Array<Stamped<MarketLink, W>>>();
    for (const l of this.links.values()) push(byEvent, l.rec.event, l);
    for (const g of games) {
      for (const l of byEvent.get(g.rec.event) ?? []) {
        note(l.rec.ticker, g.rec.winner === l.rec.side ? 1 : 0, g.where, `result ${g.rec.event} winner ${g.rec.winner}`);
      }
    }
    return out;
  }

  private score(r: Fill, quoteTs: number, link: MarketLink, pts: RefPoint[] | undefined, outcome: 0 | 1 | null, reference: string): ClvRow {
    const yes = (p: RefPoint | undefined): number | null => (p === undefined ? null : link.side === 'home' ? p.p_home : p.p_away);
    const commence = pts && pts.length > 0 ? pts[pts.length - 1]!.commence_ts : null;
    const at = (t: number): RefPoint | undefined => (pts ? lastAtOrBefore(pts, t) : undefined);
    const cap = (t: number): number => (commence === null ? t : Math.min(t, commence));
    const closePt = commence === null ? undefined : at(commence);
    const close = yes(closePt);
    const decisionRef = yes(at(quoteTs));
    const fair = r.quote_fair_p ?? r.fair_p;
    const split = close === null ? null : decompose({ action: r.action, price: r.price, fee: r.fee / r.count, fair, ref: decisionRef, close, outcome });
    return {
      ts: r.ts,
      order_id: r.order_id,
      trade_id: r.trade_id,
      ticker: r.ticker,
      event: r.event,
      sport: link.sport,
      side: 'yes',
      action: r.action,
      liquidity: r.liquidity,
      mode: r.mode,
      count: r.count,
      quote_ts: quoteTs,
      fill_price: r.price,
      fee: r.fee,
      fair_p: fair,
      fill_fair_p: r.fair_p,
      decision_ref_p: decisionRef,
      ref_p: yes(at(cap(r.ts + this.settings.refAfterMs))),
      ref_after_ms: this.settings.refAfterMs,
      ref_late_p: yes(at(cap(r.ts + this.settings.refLateAfterMs))),
      ref_late_after_ms: this.settings.refLateAfterMs,
      close_p: close,
      commence_ts: commence,
      outcome,
      clv: close === null ? null : clvPoints(r.action, r.price, close),
      clv_roi: close === null ? null : clvRoi(r.action, r.price, close),
      pnl: split?.pnl ?? null,
      edge_claimed: split?.edge_claimed ?? null,
      execution_error: split?.execution_error ?? null,
      fee_drag: -(r.fee / r.count),
      model_error: split?.model_error ?? null,
      outcome_noise: split?.outcome_noise ?? null,
      source: r.source,
      method: r.method,
      reference,
      unscored: close !== null ? null : pts && pts.length > 0 ? 'no-close' : 'no-reference',
    };
  }
}

/**
 * Everything at once, for callers that hold the records already (report daily): feeds
 * each record to a collector (other types are ignored) and scores. An issue's `where` is
 * the record's index in `records`. Throws AmbiguousReferenceError as finish() does.
 */
export function scoreFills(records: Iterable<AnyRecord>, settings: ClvSettings): ClvResult<number> {
  const c = new ClvCollector<number>(settings);
  let i = 0;
  for (const rec of records) {
    const where = i++;
    switch (rec.type) {
      case 'fill':
        c.addFill(rec, where);
        break;
      case 'oracle.prob':
        c.addProb(rec);
        break;
      case 'market.link':
        c.addLink(rec, where);
        break;
      case 'result':
        c.addResult(rec, where);
        break;
      case 'kalshi.result':
        c.addKalshiResult(rec, where);
        break;
      case 'order':
        c.addOrder(rec);
        break;
      default:
        break;
    }
  }
  return c.finish();
}

// ---------------------------------------------------------------- formulas

/** CLV in probability points, YES terms: buy close − price, sell price − close. */
export function clvPoints(action: 'buy' | 'sell', price: number, close: number): number {
  return action === 'buy' ? close - price : price - close;
}

/** CLV as expected ROI before fees: the close's expected payout over the cost, minus 1. */
export function clvRoi(action: 'buy' | 'sell', price: number, close: number): number {
  return action === 'buy' ? close / price - 1 : (1 - close) / (1 - price) - 1;
}

export interface DecomposeInput {
  action: 'buy' | 'sell';
  /** Fill price P_e (YES). */
  price: number;
  /** Fee per contract f, dollars. */
  fee: number;
  /** Our fair YES probability at the decision, q_m. */
  fair: number;
  /** The reference fair YES probability at the decision, P_ref (null: unknown). */
  ref: number | null;
  /** The reference close p_c. */
  close: number;
  /** YES outcome Y (null: not known yet). */
  outcome: 0 | 1 | null;
}

/**
 * pricing.md §4's identity, per contract. Terms that need an unknown (P_ref, Y) are null;
 * pnl only with an outcome. Sell: every term but the fee mirrored.
 */
export function decompose(x: DecomposeInput): { pnl: number | null } & { [K in keyof PnlSplit]: number | null } {
  const s = x.action === 'buy' ? 1 : -1;
  return {
    pnl: x.outcome === null ? null : s * (x.outcome - x.price) - x.fee,
    edge_claimed: x.ref === null ? null : s * (x.fair - x.ref),
    execution_error: x.ref === null ? null : s * (x.ref - x.price),
    fee_drag: -x.fee,
    model_error: s * (x.close - x.fair),
    outcome_noise: x.outcome === null ? null : s * (x.outcome - x.close),
  };
}

// ---------------------------------------------------------------- summaries

export interface SummarySettings {
  confidence: number;
  minGames: number;
  resamples: number;
  seed: number;
}

/** The body of a `clv.summary` record (the command adds type and ts). */
export interface ClvSummaryBody {
  group: Record<string, string>;
  reference: string;
  n_fills: number;
  n_games: number;
  n_unscored: number;
  mean_clv: number | null;
  ci_low: number | null;
  ci_high: number | null;
  p_value: number | null;
  positive: boolean;
  confidence: number;
  min_games: number;
  bootstrap_resamples: number;
  seed: number;
  from_ts: number | null;
  to_ts: number | null;
  mean_clv_roi: number | null;
  /** Scored fills with the whole PnL split (a result and the reference at the decision): the means below are over them, so they add up. */
  n_split: number;
  mean_pnl: number | null;
  mean_edge_claimed: number | null;
  mean_execution_error: number | null;
  mean_fee_drag: number | null;
  mean_model_error: number | null;
  mean_outcome_noise: number | null;
}

export type GroupKey = (row: ClvRow) => Record<string, string>;

/** The groups clv-report writes: overall ({}), by sport, by oracle path, by maker/taker. */
export const GROUPINGS: readonly GroupKey[] = [
  () => ({}),
  (r) => ({ sport: r.sport }),
  (r) => ({ source: r.source, method: r.method }),
  (r) => ({ liquidity: r.liquidity }),
];

/**
 * One summary per group of every grouping, in grouping order, groups sorted by label.
 * Scored fills (clv not null) make the mean, the interval and the p-value; unscored ones
 * are counted. Each group's bootstrap starts from `seed`, so a group's numbers do not
 * depend on which other groups exist.
 */
export function summarize(rows: readonly ClvRow[], reference: string, s: SummarySettings, groupings: readonly GroupKey[] = GROUPINGS): ClvSummaryBody[] {
  const out: ClvSummaryBody[] = [];
  for (const key of groupings) {
    const groups = new Map<string, { group: Record<string, string>; rows: ClvRow[] }>();
    for (const r of rows) {
      const group = key(r);
      const label = groupLabel(group);
      let g = groups.get(label);
      if (!g) groups.set(label, (g = { group, rows: [] }));
      g.rows.push(r);
    }
    // the overall summary is written even with nothing to score (its numbers null)
    if (groups.size === 0 && key === GROUPINGS[0]) groups.set('', { group: {}, rows: [] });
    for (const label of [...groups.keys()].sort()) {
      const g = groups.get(label)!;
      out.push(summarizeGroup(g.group, g.rows, reference, s));
    }
  }
  return out;
}

export function summarizeGroup(group: Record<string, string>, rows: readonly ClvRow[], reference: string, s: SummarySettings): ClvSummaryBody {
  const scored = rows.filter((r) => r.clv !== null);
  const clusters = clusterByGame(scored);
  const boot = clusters.length > 0 ? clusteredBootstrap(clusters, s.resamples, s.seed, s.confidence) : null;
  let from: number | null = null;
  let to: number | null = null;
  for (const r of rows) {
    if (from === null || r.ts < from) from = r.ts;
    if (to === null || r.ts > to) to = r.ts;
  }
  const split = scored.filter((r) => r.pnl !== null && r.edge_claimed !== null);
  const mean = (f: (r: ClvRow) => number | null, over: readonly ClvRow[] = split): number | null => {
    let sum = 0;
    let n = 0;
    for (const r of over) {
      const v = f(r);
      if (v !== null) {
        sum += v;
        n++;
      }
    }
    return n === 0 ? null : sum / n;
  };
  return {
    group: { ...group },
    reference,
    n_fills: scored.length,
    n_games: clusters.length,
    n_unscored: rows.length - scored.length,
    mean_clv: boot?.mean ?? null,
    ci_low: boot?.low ?? null,
    ci_high: boot?.high ?? null,
    p_value: boot?.p ?? null,
    positive: boot !== null && boot.low > 0 && clusters.length >= s.minGames,
    confidence: s.confidence,
    min_games: s.minGames,
    bootstrap_resamples: s.resamples,
    seed: s.seed,
    from_ts: from,
    to_ts: to,
    mean_clv_roi: mean((r) => r.clv_roi, scored),
    n_split: split.length,
    mean_pnl: mean((r) => r.pnl),
    mean_edge_claimed: mean((r) => r.edge_claimed),
    mean_execution_error: mean((r) => r.execution_error),
    mean_fee_drag: mean((r) => r.fee_drag),
    mean_model_error: mean((r) => r.model_error),
    mean_outcome_noise: mean((r) => r.outcome_noise),
  };
}

/** Sum and count of CLV per game, games in event-id order (the bootstrap's cluster index). */
export interface Cluster {
  event: string;
  sum: number;
  n: number;
}

export function clusterByGame(rows: readonly ClvRow[]): Cluster[] {
  const m = new Map<string, Cluster>();
  for (const r of rows) {
    if (r.clv === null) continue;
    let c = m.get(r.event);
    if (!c) m.set(r.event, (c = { event: r.event, sum: 0, n: 0 }));
    c.sum += r.clv;
    c.n++;
  }
  return [...m.values()].sort((a, b) => cmp(a.event, b.event));
}

export interface BootstrapResult {
  /** Mean over fills (total CLV / fills). */
  mean: number;
  low: number;
  high: number;
  /** One-sided p for H0 mean <= 0: (1 + #{resampled means <= 0}) / (resamples + 1). */
  p: number;
}

/**
 * The cluster bootstrap: each resample draws as many games as there are, with
 * replacement, and takes the mean CLV over the drawn games' fills (Σ sums / Σ counts).
 * The interval is the percentile interval at `confidence` (two-sided, quantiles by
 * linear interpolation as numpy's default); the p-value is the share of resampled
 * means at or below zero, with the +1 correction so it is never 0.
 */
export function clusteredBootstrap(clusters: readonly Cluster[], resamples: number, seed: number, confidence: number): BootstrapResult {
  const g = clusters.length;
  let tSum = 0;
  let tN = 0;
  for (const c of clusters) {
    tSum += c.sum;
    tN += c.n;
  }
  const rand = seededRandom(seed);
  const means = new Float64Array(resamples);
  let atOrBelow = 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    let n = 0;
    for (let i = 0; i < g; i++) {
      const c = clusters[Math.floor(rand() * g)]!;
      s += c.sum;
      n += c.n;
    }
    const m = s / n;
    means[b] = m;
    if (m <= 0) atOrBelow++;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { mean: tSum / tN, low: quantile(means, alpha / 2), high: quantile(means, 1 - alpha / 2), p: (1 + atOrBelow) / (resamples + 1) };
}

/** Quantile of sorted values (type 7, numpy's default): src/core/quantile.ts. */
export const quantile = quantileSorted;

/** `{}` -> "all"; otherwise "k=v,k=v" in key order. */
export function groupLabel(group: Record<string, string>): string {
  const keys = Object.keys(group);
  return keys.length === 0 ? 'all' : keys.map((k) => `${k}=${group[k]}`).join(',');
}

// ---------------------------------------------------------------- helpers

function lastAtOrBefore(pts: readonly RefPoint[], t: number): RefPoint | undefined {
  const after = partitionPoint(0, pts.length, (i) => pts[i]!.ts <= t); // first index with ts > t
  return after === 0 ? undefined : pts[after - 1];
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
