// The execution gap (roadmap 9, issue 12 §3): how long the quoting path takes and how
// much expected edge is lost between the decision to trade and the fill. Pure: records
// in, tables out; the same records in any order give the same report.
//
// Per fill, in probability points per contract (dollars per contract), on the contract
// side the fill traded (YES fair F for side yes, 1 - F for side no; dir = +1 to buy,
// -1 to sell):
//
//   edge at decision  e_dec  = the order's `edge` (fair at decision F_d vs the order's
//                              limit P_o after the fee of the order's size f_o);
//                              without an order record: dir*(F_d - P) - fee/count with
//                              F_d the fill's quote_fair_p
//   edge at fill      e_fill = dir*(F_f - P) - fee/count, F_f the fill's fair_p (the
//                              oracle at fill time), P the fill price, fee the fill's fee
//   lost              e_dec - e_fill = latency + price + fee, exactly:
//     latency  dir*(F_d - F_f)     the fair value moved between decision and fill
//     price    dir*(P - P_o)       the fill price differs from the order's (slippage)
//     fee      fee/count - f_o     the fee charged differs from the one priced in
//                                  (f_o = dir*(F_d - P_o) - e_dec)
//
// Dollars are per-contract amounts times the fill's count. Days are US Eastern calendar
// days of the fill (or latency record) time.
import { quantileSorted } from './quantile.js';
import { stringify } from 'csv-stringify/sync';
import { easternDate } from './eventtime.js';
import { LATENCY_KINDS, type Fill, type Latency, type Order } from '../schema/records.js';

export type Mode = 'shadow' | 'live';
/** A latency record's mode is its order's; 'unknown' when no order record names its client_order_id. */
export type LatencyMode = Mode | 'unknown';

// ---------------------------------------------------------------- quantiles

/** Quantile q of ascending `sorted` (type 7, numpy's default): src/core/quantile.ts. */
export const quantile = quantileSorted;

export interface LatencyRow {
  /** US Eastern day, or 'all'. */
  day: string;
  mode: LatencyMode;
  kind: string;
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const KIND_ORDER = new Map<string, number>(LATENCY_KINDS.map((k, i) => [k, i]));
const MODE_ORDER: Record<LatencyMode, number> = { shadow: 0, live: 1, unknown: 2 };

function byKindOrder(a: string, b: string): number {
  return (KIND_ORDER.get(a) ?? 99) - (KIND_ORDER.get(b) ?? 99) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * p50/p90/p99/max and n of each latency kind, per mode, over all days ('all') and per US
 * Eastern day. `modeOf` gives a latency record's mode (from its client_order_id);
 * without it every record is 'unknown'.
 */
export function latencyQuantiles(records: readonly Latency[], modeOf: (l: Latency) => LatencyMode = () => 'unknown'): LatencyRow[] {
  const groups = new Map<string, { day: string; mode: LatencyMode; kind: string; ms: number[] }>();
  const add = (day: string, mode: LatencyMode, kind: string, ms: number): void => {
    const k = `${day}\u0000${mode}\u0000${kind}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { day, mode, kind, ms: [] }));
    g.ms.push(ms);
  };
  for (const l of records) {
    const mode = modeOf(l);
    add('all', mode, l.kind, l.ms);
    add(easternDate(l.ts), mode, l.kind, l.ms);
  }
  const rows: LatencyRow[] = [];
  for (const g of groups.values()) {
    const s = g.ms.sort((a, b) => a - b);
    rows.push({
      day: g.day,
      mode: g.mode,
      kind: g.kind,
      n: s.length,
      p50: quantile(s, 0.5),
      p90: quantile(s, 0.9),
      p99: quantile(s, 0.99),
      max: s[s.length - 1]!,
    });
  }
  return rows.sort((a, b) => dayCmp(a.day, b.day) || MODE_ORDER[a.mode] - MODE_ORDER[b.mode] || byKindOrder(a.kind, b.kind));
}

/** 'all' first, then days ascending. */
function dayCmp(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'all') return -1;
  if (b === 'all') return 1;
  return a < b ? -1 : 1;
}

// ---------------------------------------------------------------- edge lost per fill

/** What the quote manager decided for one order (its first order record carrying fair_p and edge). */
export interface Decision {
  ts: number;
  mode: Mode;
  client_order_id: string;
  ticker: string;
  side: 'yes' | 'no';
  action: 'buy' | 'sell';
  price: number;
  count: number;
  fair_p: number;
  edge: number;
  oracle_ts?: number | undefined;
}

export interface FillGap {
  ts: number;
  day: string;
  mode: Mode;
  ticker: string;
  event: string;
  client_order_id: string;
  trade_id: string;
  side: 'yes' | 'no';
  action: 'buy' | 'sell';
  liquidity: 'maker' | 'taker';
  count: number;
  price: number;
  /** Where the decision came from: the order record, or the fill's quote_fair_p. */
  decision: 'order' | 'fill';
  /** YES fair probability at decision and at fill. */
  fair_decision: number;
  fair_fill: number;
  /** Per contract (probability points = dollars a contract). */
  edge_decision: number;
  edge_fill: number;
  lost: number;
  lost_latency: number;
  lost_price: number;
  lost_fee: number;
  /** Time from decision (order ts or quote_ts) to fill, ms; null when unknown. */
  decision_to_fill_ms: number | null;
}

export type Unscored = { ts: number; mode: Mode; trade_id: string; client_order_id: string; reason: 'no-decision' };

/** Order records by mode and client_order_id: the earliest carrying fair_p and edge (ties: the first seen). */
export function decisionsOf(orders: Iterable<Order>): Map<string, Decision> {
  const m = new Map<string, Decision>();
  for (const o of orders) {
    if (o.fair_p === undefined || o.edge === undefined) continue;
    const k = `${o.mode}\u0000${o.client_order_id}`;
    const cur = m.get(k);
    if (cur && cur.ts <= o.ts) continue;
    m.set(k, {
      ts: o.ts,
      mode: o.mode,
      client_order_id: o.client_order_id,
      ticker: o.ticker,
      side: o.side,
      action: o.action,
      price: o.price,
      count: o.count,
      fair_p: o.fair_p,
      edge: o.edge,
      oracle_ts: o.oracle_ts,
    });
  }
  return m;
}

/** The edge lost on each fill (see the top of this file). Fills in (ts, mode, trade_id) order. */
export function edgeLoss(fills: readonly Fill[], orders: Iterable<Order>): { fills: FillGap[]; unscored: Unscored[] } {
  const decisions = decisionsOf(orders);
  const out: FillGap[] = [];
  const unscored: Unscored[] = [];
  for (const f of [...fills].sort(fillCmp)) {
    const d = decisions.get(`${f.mode}\u0000${f.client_order_id}`);
    const dir = f.action === 'buy' ? 1 : -1;
    const sideP = (yes: number): number => (f.side === 'yes' ? yes : 1 - yes);
    const feePc = f.fee / f.count;
    const fairFill = f.fair_p;
    let fairDec: number;
    let priceDec: number;
    let edgeDec: number;
    let decisionTs: number | undefined;
    let from: 'order' | 'fill';
    if (d && d.ticker === f.ticker && d.side === f.side && d.action === f.action) {
      fairDec = d.fair_p;
      priceDec = d.price;
      edgeDec = d.edge;
      decisionTs = d.ts;
      from = 'order';
    } else if (f.quote_fair_p !== undefined) {
      fairDec = f.quote_fair_p;
      priceDec = f.price;
      edgeDec = dir * (sideP(fairDec) - f.price) - feePc;
      decisionTs = f.quote_ts;
      from = 'fill';
    } else {
      unscored.push({ ts: f.ts, mode: f.mode, trade_id: f.trade_id, client_order_id: f.client_order_id, reason: 'no-decision' });
      continue;
    }
    const edgeFill = dir * (sideP(fairFill) - f.price) - feePc;
    const latencyPart = dir * (sideP(fairDec) - sideP(fairFill));
    const pricePart = dir * (f.price - priceDec);
    const feeDec = dir * (sideP(fairDec) - priceDec) - edgeDec;
    const feePart = feePc - feeDec;
    out.push({
      ts: f.ts,
      day: easternDate(f.ts),
      mode: f.mode,
      ticker: f.ticker,
      event: f.event,
      client_order_id: f.client_order_id,
      trade_id: f.trade_id,
      side: f.side,
      action: f.action,
      liquidity: f.liquidity,
      count: f.count,
      price: f.price,
      decision: from,
      fair_decision: fairDec,
      fair_fill: fairFill,
      edge_decision: edgeDec,
      edge_fill: edgeFill,
      lost: edgeDec - edgeFill,
      lost_latency: latencyPart,
      lost_price: pricePart,
      lost_fee: feePart,
      decision_to_fill_ms: decisionTs === undefined ? null : f.ts - decisionTs,
    });
  }
  return { fills: out, unscored };
}

function fillCmp(a: Fill, b: Fill): number {
  return a.ts - b.ts || (a.mode < b.mode ? -1 : a.mode > b.mode ? 1 : 0) || (a.trade_id < b.trade_id ? -1 : a.trade_id > b.trade_id ? 1 : 0);
}

// ---------------------------------------------------------------- per day

export interface EdgeDay {
  /** US Eastern day, or 'all'. */
  day: string;
  mode: Mode;
  fills: number;
  contracts: number;
  /** Dollars: sum of per-contract amount x count. */
  edge_decision_usd: number;
  edge_fill_usd: number;
  lost_usd: number;
  lost_latency_usd: number;
  lost_price_usd: number;
  lost_fee_usd: number;
}

/** Edge at decision, at fill and lost, in dollars per US Eastern day and mode, with an 'all' row per mode first. */
export function edgeByDay(gaps: readonly FillGap[]): EdgeDay[] {
  const m = new Map<string, EdgeDay>();
  const add = (day: string, g: FillGap): void => {
    const k = `${day}\u0000${g.mode}`;
    let r = m.get(k);
    if (!r) {
      m.set(
        k,
        (r = {
          day,
          mode: g.mode,
          fills: 0,
          contracts: 0,
          edge_decision_usd: 0,
          edge_fill_usd: 0,
          lost_usd: 0,
          lost_latency_usd: 0,
          lost_price_usd: 0,
          lost_fee_usd: 0,
        }),
      );
    }
    r.fills++;
    r.contracts += g.count;
    r.edge_decision_usd += g.edge_decision * g.count;
    r.edge_fill_usd += g.edge_fill * g.count;
    r.lost_usd += g.lost * g.count;
    r.lost_latency_usd += g.lost_latency * g.count;
    r.lost_price_usd += g.lost_price * g.count;
    r.lost_fee_usd += g.lost_fee * g.count;
  };
  for (const g of gaps) {
    add('all', g);
    add(g.day, g);
  }
  return [...m.values()].sort((a, b) => dayCmp(a.day, b.day) || MODE_ORDER[a.mode] - MODE_ORDER[b.mode]);
}

// ---------------------------------------------------------------- shadow vs live

export interface ModeSide {
  /** Distinct decisions (orders with fair_p and edge). */
  orders: number;
  contracts_ordered: number;
  fills: number;
  contracts_filled: number;
  /** contracts_filled / contracts_ordered, null without orders. */
  fill_rate: number | null;
  /** Per contract filled, null without fills. */
  edge_decision: number | null;
  edge_fill: number | null;
  lost: number | null;
  lost_usd: number;
  /** Median quote-to-action latency, ms, null without records. */
  quote_to_action_p50: number | null;
}

export interface PairDay {
  day: string;
  shadow: ModeSide;
  live: ModeSide;
  /** Decisions both modes took (same ticker, side, action, price and oracle_ts). */
  matched: number;
  /** On the matched decisions: contracts each mode filled, and its edge at fill per contract. */
  matched_filled_shadow: number;
  matched_filled_live: number;
  matched_edge_fill_shadow: number | null;
  matched_edge_fill_live: number | null;
}

/**
 * For each US Eastern day (and 'all') on which both a shadow and a live order exist: what
 * shadow assumed next to what live got. A decision is matched across the modes by
 * (ticker, side, action, price, oracle_ts): two processes fed the same oracle price take
 * the same decision; the first of each mode's duplicates is used.
 */
export function shadowLivePairs(decisions: ReadonlyMap<string, Decision>, gaps: readonly FillGap[], latencies: readonly LatencyRow[]): PairDay[] {
  const days = new Map<string, { shadow: Decision[]; live: Decision[] }>();
  const sorted = [...decisions.values()].sort(
    (a, b) => a.ts - b.ts || (a.client_order_id < b.client_order_id ? -1 : a.client_order_id > b.client_order_id ? 1 : 0),
  );
  for (const d of sorted) {
    for (const day of ['all', easternDate(d.ts)]) {
      let e = days.get(day);
      if (!e) days.set(day, (e = { shadow: [], live: [] }));
      e[d.mode].push(d);
    }
  }
  const fillsByOrder = new Map<string, FillGap[]>();
  for (const g of gaps) {
    const k = `${g.mode}\u0000${g.client_order_id}`;
    const list = fillsByOrder.get(k);
    if (list) list.push(g);
    else fillsByOrder.set(k, [g]);
  }
  const fillsOf = (d: Decision): FillGap[] => fillsByOrder.get(`${d.mode}\u0000${d.client_order_id}`) ?? [];
  const out: PairDay[] = [];
  for (const [day, e] of [...days.entries()].sort((a, b) => dayCmp(a[0], b[0]))) {
    if (e.shadow.length === 0 || e.live.length === 0) continue;
    const side = (mode: Mode, ds: Decision[]): ModeSide => {
      const fs = ds.flatMap(fillsOf);
      const ordered = sum(ds.map((d) => d.count));
      const filled = sum(fs.map((f) => f.count));
      const q = latencies.find((l) => l.day === day && l.mode === mode && l.kind === 'quote-to-action');
      return {
        orders: ds.length,
        contracts_ordered: ordered,
        fills: fs.length,
        contracts_filled: filled,
        fill_rate: ordered > 0 ? filled / ordered : null,
        edge_decision: perContract(fs, (f) => f.edge_decision),
        edge_fill: perContract(fs, (f) => f.edge_fill),
        lost: perContract(fs, (f) => f.lost),
        lost_usd: sum(fs.map((f) => f.lost * f.count)),
        quote_to_action_p50: q ? q.p50 : null,
      };
    };
    const key = (d: Decision): string => `${d.ticker}\u0000${d.side}\u0000${d.action}\u0000${d.price}\u0000${d.oracle_ts ?? ''}`;
    const liveByKey = new Map<string, Decision>();
    for (const d of e.live) if (d.oracle_ts !== undefined && !liveByKey.has(key(d))) liveByKey.set(key(d), d);
    const seen = new Set<string>();
    const ms: FillGap[] = [];
    const ml: FillGap[] = [];
    let matched = 0;
    for (const d of e.shadow) {
      const k = key(d);
      if (d.oracle_ts === undefined || seen.has(k)) continue;
      seen.add(k);
      const l = liveByKey.get(k);
      if (!l) continue;
      matched++;
      ms.push(...fillsOf(d));
      ml.push(...fillsOf(l));
    }
    out.push({
      day,
      shadow: side('shadow', e.shadow),
      live: side('live', e.live),
      matched,
      matched_filled_shadow: sum(ms.map((f) => f.count)),
      matched_filled_live: sum(ml.map((f) => f.count)),
      matched_edge_fill_shadow: perContract(ms, (f) => f.edge_fill),
      matched_edge_fill_live: perContract(ml, (f) => f.edge_fill),
    });
  }
  return out;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Count-weighted mean of a per-contract amount; null without contracts. */
function perContract(fs: readonly FillGap[], f: (g: FillGap) => number): number | null {
  const n = sum(fs.map((g) => g.count));
  return n > 0 ? sum(fs.map((g) => f(g) * g.count)) / n : null;
}

// ---------------------------------------------------------------- the whole report

export interface ExecGapInput {
  latencies: readonly Latency[];
  orders: readonly Order[];
  fills: readonly Fill[];
}

export interface ExecGapReport {
  latency: LatencyRow[];
  fills: FillGap[];
  unscored: Unscored[];
  days: EdgeDay[];
  pairs: PairDay[];
  counts: { latency: number; orders: number; fills: number; latency_without_order: number };
}

export function execGap(input: ExecGapInput): ExecGapReport {
  const modeByCid = new Map<string, Mode>();
  for (const o of [...input.orders].sort((a, b) => a.ts - b.ts)) if (!modeByCid.has(o.client_order_id)) modeByCid.set(o.client_order_id, o.mode);
  let orphans = 0;
  const modeOf = (l: Latency): LatencyMode => {
    const m = l.client_order_id !== undefined ? modeByCid.get(l.client_order_id) : undefined;
    if (m === undefined) orphans++;
    return m ?? 'unknown';
  };
  const latency = latencyQuantiles(input.latencies, modeOf);
  const { fills, unscored } = edgeLoss(input.fills, input.orders);
  const decisions = decisionsOf(input.orders);
  return {
    latency,
    fills,
    unscored,
    days: edgeByDay(fills),
    pairs: shadowLivePairs(decisions, fills, latency),
    counts: { latency: input.latencies.length, orders: input.orders.length, fills: input.fills.length, latency_without_order: orphans },
  };
}

// ---------------------------------------------------------------- outputs

const ms = (x: number | null): string => (x === null ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(1));
const pp = (x: number | null): string => (x === null ? '-' : (x * 100).toFixed(2));
const usd = (x: number): string => (x < 0 ? '-$' : '$') + Math.abs(x).toFixed(2);
const dusd = (x: number): string => (x < 0 ? '-' : '+') + '$' + Math.abs(x).toFixed(2);
const pct = (x: number | null): string => (x === null ? '-' : (x * 100).toFixed(1) + '%');
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));
const diff = (a: number | null, b: number | null, f: (x: number) => string): string => (a === null || b === null ? '-' : f(b - a));

export function execGapMarkdown(r: ExecGapReport, svgFile?: string): string {
  const L: string[] = ['# Execution gap', ''];
  L.push(
    `Read: ${r.counts.latency} latency, ${r.counts.orders} order and ${r.counts.fills} fill records. ` +
      'Days are US Eastern calendar days. Edges are in probability points per contract (cents per $1 contract) and, summed over contracts, in dollars.',
  );
  L.push('');
  if (svgFile !== undefined) L.push(`![execution gap](${svgFile})`, '');
  L.push('## Latency (ms)', '');
  L.push(
    'Quantiles by linear interpolation between closest ranks (numpy default). Kinds: `oracle-to-order` (oracle price to order sent), ' +
      '`oracle-to-cancel` (oracle price to protective cancel sent), `quote-to-action` (sent to accepted), `cancel` (sent to acknowledged), ' +
      '`reprice` (decided to replacement accepted), `fill` (exchange trade time to receipt, live).',
  );
  L.push('');
  if (r.latency.length === 0) L.push('No latency records.', '');
  else {
    L.push('| day | mode | kind | n | p50 | p90 | p99 | max |', '|---|---|---|---:|---:|---:|---:|---:|');
    for (const x of r.latency) L.push(`| ${x.day} | ${x.mode} | ${x.kind} | ${x.n} | ${ms(x.p50)} | ${ms(x.p90)} | ${ms(x.p99)} | ${ms(x.max)} |`);
    L.push('');
  }
  if (r.counts.latency_without_order > 0) L.push(`${r.counts.latency_without_order} latency records name no known order: mode \`unknown\`.`, '');
  L.push('## Edge lost between decision and fill', '');
  L.push(
    "Edge at decision: the order's `edge` (fair at decision against its limit, after the fee priced in), or from the fill's `quote_fair_p` without an order record. " +
      "Edge at fill: the fill's `fair_p` (the oracle at fill time) against the fill price, after the fee charged. " +
      'Lost = decision − fill = latency (fair moved) + price (slippage) + fee (fee charged minus fee priced in). Positive is edge lost.',
  );
  L.push('');
  if (r.days.length === 0) L.push('No scored fills.', '');
  else {
    L.push(
      '| day | mode | fills | contracts | edge at decision | edge at fill | lost | latency | price | fee |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const d of r.days) {
      L.push(
        `| ${d.day} | ${d.mode} | ${d.fills} | ${num(d.contracts)} | ${usd(d.edge_decision_usd)} | ${usd(d.edge_fill_usd)} | ${usd(d.lost_usd)} | ${usd(d.lost_latency_usd)} | ${usd(d.lost_price_usd)} | ${usd(d.lost_fee_usd)} |`,
      );
    }
    L.push('');
  }
  if (r.unscored.length > 0) {
    L.push(`${r.unscored.length} fills not scored (no order record with fair_p and edge, and no quote_fair_p):`, '');
    for (const u of r.unscored) L.push(`- ${u.mode} trade ${u.trade_id} (order ${u.client_order_id}): ${u.reason}`);
    L.push('');
  }
  if (r.fills.length > 0) {
    L.push('### Per fill', '');
    L.push(
      '| time (UTC) | mode | ticker | side | count | price | fair at decision | fair at fill | edge at decision | edge at fill | lost | decision to fill (ms) |',
    );
    L.push('|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const f of r.fills) {
      L.push(
        `| ${new Date(f.ts).toISOString()} | ${f.mode} | ${f.ticker} | ${f.action} ${f.side} ${f.liquidity} | ${num(f.count)} | ${f.price} | ${f.fair_decision.toFixed(4)} | ${f.fair_fill.toFixed(4)} | ${pp(f.edge_decision)} | ${pp(f.edge_fill)} | ${pp(f.lost)} | ${ms(f.decision_to_fill_ms)} |`,
      );
    }
    L.push('');
  }
  L.push('## Shadow against live', '');
  if (r.pairs.length === 0) L.push('No day has both shadow and live orders: nothing to pair.', '');
  else {
    L.push(
      'What shadow assumed next to what live got, on the days both ran. Edges per contract filled, in points. ' +
        'Matched decisions: the same ticker, side, action, price and oracle_ts in both modes.',
    );
    L.push('');
    L.push(
      '| day | | orders | contracts ordered | filled | fill rate | edge at decision | edge at fill | lost | lost $ | quote-to-action p50 ms | matched | matched filled | matched edge at fill |',
    );
    L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of r.pairs) {
      const row = (label: string, s: ModeSide, filled: number, e: number | null): string =>
        `| ${p.day} | ${label} | ${s.orders} | ${num(s.contracts_ordered)} | ${num(s.contracts_filled)} | ${pct(s.fill_rate)} | ${pp(s.edge_decision)} | ${pp(s.edge_fill)} | ${pp(s.lost)} | ${usd(s.lost_usd)} | ${ms(s.quote_to_action_p50)} | ${p.matched} | ${num(filled)} | ${pp(e)} |`;
      L.push(row('shadow', p.shadow, p.matched_filled_shadow, p.matched_edge_fill_shadow));
      L.push(row('live', p.live, p.matched_filled_live, p.matched_edge_fill_live));
      const s = p.shadow;
      const l = p.live;
      L.push(
        `| ${p.day} | live − shadow | ${l.orders - s.orders} | ${num(l.contracts_ordered - s.contracts_ordered)} | ${num(l.contracts_filled - s.contracts_filled)} | ` +
          `${diff(s.fill_rate, l.fill_rate, (x) => (x * 100).toFixed(1) + '%')} | ${diff(s.edge_decision, l.edge_decision, (x) => (x * 100).toFixed(2))} | ` +
          `${diff(s.edge_fill, l.edge_fill, (x) => (x * 100).toFixed(2))} | ${diff(s.lost, l.lost, (x) => (x * 100).toFixed(2))} | ${dusd(l.lost_usd - s.lost_usd)} | ` +
          `${diff(s.quote_to_action_p50, l.quote_to_action_p50, ms)} | | ${num(p.matched_filled_live - p.matched_filled_shadow)} | ${diff(p.matched_edge_fill_shadow, p.matched_edge_fill_live, (x) => (x * 100).toFixed(2))} |`,
      );
    }
    L.push('');
  }
  return L.join('\n') + '\n';
}

export const CSV_COLUMNS = [
  'table',
  'day',
  'mode',
  'kind',
  'n',
  'p50_ms',
  'p90_ms',
  'p99_ms',
  'max_ms',
  'fills',
  'contracts',
  'edge_decision_usd',
  'edge_fill_usd',
  'lost_usd',
  'lost_latency_usd',
  'lost_price_usd',
  'lost_fee_usd',
] as const;

/** One CSV: `latency` rows (quantiles per day, mode, kind) then `edge` rows (dollars per day and mode). */
export function execGapCsv(r: ExecGapReport): string {
  const rows: Array<Array<string | number>> = [[...CSV_COLUMNS]];
  // Rounded to 1e-9: float noise (644.6999999999998) is not data.
  const r9 = (x: number): number => Math.round(x * 1e9) / 1e9;
  for (const x of r.latency) rows.push(['latency', x.day, x.mode, x.kind, x.n, r9(x.p50), r9(x.p90), r9(x.p99), r9(x.max), '', '', '', '', '', '', '', '']);
  for (const d of r.days) {
    rows.push([
      'edge',
      d.day,
      d.mode,
      '',
      '',
      '',
      '',
      '',
      '',
      d.fills,
      d.contracts,
      r9(d.edge_decision_usd),
      r9(d.edge_fill_usd),
      r9(d.lost_usd),
      r9(d.lost_latency_usd),
      r9(d.lost_price_usd),
      r9(d.lost_fee_usd),
    ]);
  }
  return stringify(rows, { record_delimiter: '\n' });
}

/** The one chart: latency quantiles per kind (all days) above the edge lost per day by component. */
export function execGapSpec(r: ExecGapReport): Record<string, unknown> {
  const lat = r.latency
    .filter((x) => x.day === 'all')
    .flatMap((x) =>
      (['p50', 'p90', 'p99', 'max'] as const).map((q) => ({
        kind: x.mode === 'unknown' ? x.kind : `${x.kind} (${x.mode})`,
        quantile: q,
        ms: x[q],
      })),
    );
  const edge = r.days
    .filter((d) => d.day !== 'all')
    .flatMap((d) =>
      (
        [
          ['latency', d.lost_latency_usd],
          ['price', d.lost_price_usd],
          ['fee', d.lost_fee_usd],
        ] as const
      ).map(([c, v]) => ({
        day: `${d.day} ${d.mode}`,
        component: c,
        usd: Math.round(v * 1e6) / 1e6,
      })),
    );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Execution gap', subtitle: `${r.counts.latency} latency records, ${r.fills.length} scored fills`, anchor: 'start' },
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ddd' } },
    resolve: { scale: { color: 'independent' } },
    vconcat: [
      {
        title: 'Latency by kind (ms, all days)',
        width: 420,
        height: 200,
        data: { values: lat },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'kind', type: 'nominal', title: null, sort: null },
          xOffset: { field: 'quantile', sort: ['p50', 'p90', 'p99', 'max'] },
          // an empty panel gets a fixed domain: no infinite extents
          y: { field: 'ms', type: 'quantitative', title: 'ms', ...(lat.length === 0 ? { scale: { domain: [0, 1] } } : {}) },
          color: { field: 'quantile', type: 'nominal', sort: ['p50', 'p90', 'p99', 'max'], scale: { scheme: 'blues' } },
        },
      },
      {
        title: 'Expected edge lost per US Eastern day ($, positive = lost)',
        width: 420,
        height: 200,
        data: { values: edge },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'day', type: 'nominal', title: null, sort: null },
          y: { field: 'usd', type: 'quantitative', title: 'dollars', stack: 'zero', ...(edge.length === 0 ? { scale: { domain: [0, 1] } } : {}) },
          color: { field: 'component', type: 'nominal', sort: ['latency', 'price', 'fee'] },
        },
      },
    ],
  };
}
