// compare (issue 12 §2): two quote runs over the same recording side by side, per game
// and in total: oracle availability, probabilities (mean absolute difference of p_home at
// the same moments, which path moved first), quotes, fills, skips by reason, expected
// edge and PnL at settlement. Pure: the two runs' records in, rows out; the same records
// in any order give the same rows. CLV is clv-report's.
import { edgeLoss } from './exec-gap.js';
import type { Compare, Fill, MarketLink, OracleProb, OracleStatus, Order, Position, RunManifest, Skip } from '../schema/records.js';

export const RUN_LABELS = ['control', 'experiment'] as const;
export type RunLabel = (typeof RUN_LABELS)[number];

/** Everything compare reads from one run's output. */
export interface RunRecords {
  manifest?: RunManifest | undefined;
  probs: OracleProb[];
  statuses: OracleStatus[];
  orders: Order[];
  fills: Fill[];
  positions: Position[];
  skips: Skip[];
  links: MarketLink[];
  /** Latest record time seen in the run (ends an open unavailability). */
  last_ts: number;
  /** Records of the recording's own types (passed through by quote), by type: the same-recording check. */
  input_counts: Record<string, number>;
}

export function emptyRun(): RunRecords {
  return { probs: [], statuses: [], orders: [], fills: [], positions: [], skips: [], links: [], last_ts: 0, input_counts: {} };
}

/** The recording's own record types: quote passes them through, so two runs over one recording hold the same counts. */
export const RECORDING_TYPES = [
  'oracle.prob',
  'oracle.status',
  'kalshi.market',
  'kalshi.book',
  'kalshi.trade',
  'kalshi.status',
  'kalshi.result',
  'market.link',
] as const;

export interface RunInfo {
  /** SOURCE/METHOD the run quoted from, or 'unknown'. */
  path: string;
  /** Where the path was read: the manifest's --oracle, or the fills' source/method. */
  path_from: 'argv' | 'fills' | 'unknown';
  profile: string | null;
  config_fingerprint: string | null;
  commit: string | null;
  /** Source/method pairs of the run's fills that differ from `path` (should be none). */
  other_fill_paths: string[];
}

/** The run's oracle path: --oracle in its manifest's argv, else the most common source/method of its fills. */
export function runInfo(r: RunRecords): RunInfo {
  const argv = r.manifest?.argv ?? [];
  let path: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--oracle' && i + 1 < argv.length) path = argv[i + 1];
    else if (a.startsWith('--oracle=')) path = a.slice('--oracle='.length);
  }
  const counts = new Map<string, number>();
  for (const f of r.fills) counts.set(`${f.source}/${f.method}`, (counts.get(`${f.source}/${f.method}`) ?? 0) + 1);
  const byFills = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  const from: RunInfo['path_from'] = path !== undefined ? 'argv' : byFills !== undefined ? 'fills' : 'unknown';
  const chosen = path ?? byFills ?? 'unknown';
  return {
    path: chosen,
    path_from: from,
    profile: r.manifest?.profile ?? null,
    config_fingerprint: r.manifest?.config_fingerprint ?? null,
    commit: r.manifest?.commit ?? null,
    other_fill_paths: [...counts.keys()].filter((k) => k !== chosen).sort(),
  };
}

// ---------------------------------------------------------------- one side's numbers

export interface SideStats {
  /** oracle.prob records of the run's path. */
  probs: number;
  /** Periods the path's source was unavailable (oracle.status), and their length in ms. */
  oracle_unavailable: number;
  oracle_unavailable_ms: number;
  orders: number;
  maker_orders: number;
  taker_orders: number;
  contracts_ordered: number;
  fills: number;
  maker_fills: number;
  taker_fills: number;
  contracts_filled: number;
  skips: Record<string, number>;
  /** Dollars: edge at decision and at fill summed over filled contracts (exec-gap's definitions). */
  edge_decision_usd: number;
  edge_fill_usd: number;
  /** Realized PnL after fees of the settled tickers, dollars. */
  pnl_usd: number;
  settled_tickers: number;
  /** Tickers whose last position record is open and not flat. */
  open_tickers: number;
}

function emptySide(): SideStats {
  return {
    probs: 0,
    oracle_unavailable: 0,
    oracle_unavailable_ms: 0,
    orders: 0,
    maker_orders: 0,
    taker_orders: 0,
    contracts_ordered: 0,
    fills: 0,
    maker_fills: 0,
    taker_fills: 0,
    contracts_filled: 0,
    skips: {},
    edge_decision_usd: 0,
    edge_fill_usd: 0,
    pnl_usd: 0,
    settled_tickers: 0,
    open_tickers: 0,
  };
}

export interface Leads {
  /** Moves first made by this path and later matched by the other. */
  control: number;
  experiment: number;
  /** Matched moves at the same ms. */
  tie: number;
  /** Moves the other path never matched within the window. */
  unmatched_control: number;
  unmatched_experiment: number;
  /** Median lead in ms when this path moved first; null when it never did. */
  median_lead_ms_control: number | null;
  median_lead_ms_experiment: number | null;
}

export interface CompareRow {
  /** The game's event id; null for the total over all games. */
  game: string | null;
  sport?: string | undefined;
  control: SideStats;
  experiment: SideStats;
  /** Mean |p_home(control) - p_home(experiment)| over the moments both have a probability; null without any. */
  p_home_mad: number | null;
  p_moments: number;
  leads: Leads;
}

export interface CompareOptions {
  /** A move: p_home changed by at least this much since the path's last move (probability). */
  move: number;
  /** Two moves of the same direction within this many ms are the same move. */
  lead_window_ms: number;
}

export interface CompareResult {
  runs: Record<RunLabel, RunInfo>;
  rows: CompareRow[];
  /** Record types of the recording whose counts differ between the runs (empty: the same recording). */
  recording_mismatch: string[];
  /** Latest record time of both runs. */
  ts: number;
  options: CompareOptions;
}

function splitPath(p: string): { source: string; method: string } | undefined {
  const i = p.indexOf('/');
  return i > 0 ? { source: p.slice(0, i), method: p.slice(i + 1) } : undefined;
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** ticker -> event, from market.link, orders, fills, positions and skips naming both. */
function tickerEvents(runs: RunRecords[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of runs) {
    for (const l of r.links) if (!m.has(l.ticker)) m.set(l.ticker, l.event);
    for (const x of [...r.orders, ...r.fills, ...r.positions, ...r.skips])
      if (x.ticker !== undefined && x.event !== undefined && !m.has(x.ticker)) m.set(x.ticker, x.event);
  }
  return m;
}

/** Unavailable periods of one source per scope key ('*', 's:<sport>', 'e:<event>'), ended by an available status or the run's end. */
function unavailability(statuses: readonly OracleStatus[], source: string, end: number): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  const open = new Map<string, number>();
  const sorted = statuses
    .filter((s) => s.source === source && s.book === undefined)
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.ts - b.s.ts || a.i - b.i);
  for (const { s } of sorted) {
    const key = s.event !== undefined ? `e:${s.event}` : s.sport !== undefined ? `s:${s.sport}` : '*';
    if (s.state === 'unavailable') {
      if (!open.has(key)) open.set(key, s.ts);
    } else if (open.has(key)) {
      push(out, key, [open.get(key)!, s.ts]);
      open.delete(key);
    }
  }
  for (const [key, start] of [...open.entries()].sort((a, b) => cmpStr(a[0], b[0]))) push(out, key, [start, Math.max(start, end)]);
  return out;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

/** Length of the union of intervals. */
function unionMs(iv: Array<[number, number]>): number {
  const s = [...iv].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let total = 0;
  let cs = -Infinity;
  let ce = -Infinity;
  for (const [a, b] of s) {
    if (a > ce) {
      if (ce > cs) total += ce - cs;
      cs = a;
      ce = b;
    } else if (b > ce) ce = b;
  }
  if (ce > cs) total += ce - cs;
  return total;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Move {
  ts: number;
  dir: 1 | -1;
  path: 0 | 1;
}

/** The moves of one path's p_home series (time-sorted): each change of at least `move` since the last move (the first probability is the start). */
export function movesOf(series: ReadonlyArray<{ ts: number; p: number }>, move: number, path: 0 | 1): Move[] {
  const out: Move[] = [];
  let ref: number | undefined;
  for (const { ts, p } of series) {
    if (ref === undefined) {
      ref = p;
      continue;
    }
    // A tolerance of 1e-12: 0.61 - 0.60 is 0.010000000000000009 in float and should count as 0.01.
    if (Math.abs(p - ref) >= move - 1e-12) {
      out.push({ ts, dir: p > ref ? 1 : -1, path });
      ref = p;
    }
  }
  return out;
}

/**
 * Which path moved first: the moves of both in time order (control before experiment at
 * the same ms); each is matched with the earliest unmatched move of the other path in the
 * same direction no more than `window` ms before it, else waits to be matched. A matched
 * pair was led by its earlier move (a tie at the same ms). Returns the leads in ms per leader.
 */
export function matchMoves(a: Move[], b: Move[], window: number): { lead: [number[], number[]]; tie: number } {
  const all = [...a, ...b].sort((x, y) => x.ts - y.ts || x.path - y.path);
  const pending: [Move[], Move[]] = [[], []];
  const lead: [number[], number[]] = [[], []];
  let tie = 0;
  for (const m of all) {
    const other = pending[m.path === 0 ? 1 : 0];
    // moves of the other path too old to be matched are dropped
    while (other.length && other[0]!.ts < m.ts - window) other.shift();
    const j = other.findIndex((o) => o.dir === m.dir);
    if (j < 0) {
      pending[m.path].push(m);
      continue;
    }
    const o = other.splice(j, 1)[0]!;
    if (o.ts === m.ts) tie++;
    else lead[o.path].push(m.ts - o.ts);
  }
  return { lead, tie };
}

export function leadsOf(a: Move[], b: Move[], window: number, into?: [number[], number[]]): Leads {
  const { lead, tie } = matchMoves(a, b, window);
  if (into) {
    into[0].push(...lead[0]);
    into[1].push(...lead[1]);
  }
  const matched = lead[0].length + lead[1].length + tie;
  return {
    control: lead[0].length,
    experiment: lead[1].length,
    tie,
    unmatched_control: a.length - matched,
    unmatched_experiment: b.length - matched,
    median_lead_ms_control: median(lead[0]),
    median_lead_ms_experiment: median(lead[1]),
  };
}

/** Mean |pa - pb| at every moment either path has a probability, both known (latest at or before it). */
export function pHomeMad(a: ReadonlyArray<{ ts: number; p: number }>, b: ReadonlyArray<{ ts: number; p: number }>): { sum: number; n: number } {
  const moments = [...new Set([...a.map((x) => x.ts), ...b.map((x) => x.ts)])].sort((x, y) => x - y);
  let i = -1;
  let j = -1;
  let sum = 0;
  let n = 0;
  for (const t of moments) {
    while (i + 1 < a.length && a[i + 1]!.ts <= t) i++;
    while (j + 1 < b.length && b[j + 1]!.ts <= t) j++;
    if (i < 0 || j < 0) continue;
    sum += Math.abs(a[i]!.p - b[j]!.p);
    n++;
  }
  return { sum, n };
}

// ---------------------------------------------------------------- the comparison

export function compareRuns(control: RunRecords, experiment: RunRecords, options: CompareOptions): CompareResult {
  const runs = [control, experiment];
  const infos = runs.map(runInfo);
  const tEvents = tickerEvents(runs);
  const eventOf = (x: { ticker?: string | undefined; event?: string | undefined }): string | undefined =>
    x.event ?? (x.ticker !== undefined ? tEvents.get(x.ticker) : undefined);

  // sport of each game, and the set of games
  const sports = new Map<string, string>();
  const games = new Set<string>();
  for (const r of runs) {
    for (const p of r.probs) {
      if (!sports.has(p.event)) sports.set(p.event, p.sport);
    }
    for (const l of r.links) if (!sports.has(l.event)) sports.set(l.event, l.sport);
  }

  // every game of either run first: a run-wide unavailability applies to a game the other run alone traded
  infos.forEach((info, k) => {
    const r = runs[k]!;
    const path = splitPath(info.path);
    for (const p of r.probs) if (path && p.source === path.source && p.method === path.method) games.add(p.event);
    for (const l of r.links) games.add(l.event);
    for (const x of [...r.orders, ...r.fills, ...r.positions, ...r.skips]) {
      const ev = eventOf(x);
      if (ev !== undefined) games.add(ev);
    }
    for (const st of r.statuses) if (path && st.source === path.source && st.book === undefined && st.event !== undefined) games.add(st.event);
  });

  type Side = { total: SideStats; games: Map<string, SideStats>; series: Map<string, Array<{ ts: number; p: number }>> };
  const sides: Side[] = runs.map((r, k) => {
    const info = infos[k]!;
    const path = splitPath(info.path);
    const side: Side = { total: emptySide(), games: new Map(), series: new Map() };
    const g = (event: string): SideStats => {
      games.add(event);
      let s = side.games.get(event);
      if (!s) side.games.set(event, (s = emptySide()));
      return s;
    };
    const both = (event: string | undefined, f: (s: SideStats) => void): void => {
      f(side.total);
      if (event !== undefined) f(g(event));
    };
    // probabilities of the run's path
    const probs = r.probs
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => path !== undefined && p.source === path.source && p.method === path.method)
      .sort((a, b) => a.p.ts - b.p.ts || a.i - b.i);
    for (const { p } of probs) {
      both(p.event, (s) => {
        s.probs++;
      });
      push(side.series, p.event, { ts: p.ts, p: p.p_home });
    }
    // oracle availability of the path's source
    if (path) {
      const un = unavailability(r.statuses, path.source, r.last_ts);
      for (const iv of un.values()) {
        side.total.oracle_unavailable += iv.length;
        side.total.oracle_unavailable_ms += unionMs(iv);
      }
      for (const ev of [...games].sort(cmpStr)) {
        const iv = [...(un.get('*') ?? []), ...(un.get(`s:${sports.get(ev) ?? ''}`) ?? []), ...(un.get(`e:${ev}`) ?? [])];
        if (iv.length === 0) continue;
        const s = g(ev);
        s.oracle_unavailable = iv.length;
        s.oracle_unavailable_ms = unionMs(iv);
      }
    }
    // quotes: each client order once (its earliest record)
    const firstOrder = new Map<string, Order>();
    for (const o of r.orders) {
      const cur = firstOrder.get(o.client_order_id);
      if (!cur || o.ts < cur.ts) firstOrder.set(o.client_order_id, o);
    }
    for (const o of firstOrder.values()) {
      both(eventOf(o), (s) => {
        s.orders++;
        s.contracts_ordered += o.count;
        if (o.liquidity === 'taker' || (o.liquidity === undefined && o.tif !== 'gtc')) s.taker_orders++;
        else s.maker_orders++;
      });
    }
    // fills and the expected edge
    const { fills } = edgeLoss(r.fills, r.orders);
    const gapByTrade = new Map(fills.map((f) => [`${f.mode}\u0000${f.trade_id}`, f]));
    for (const f of [...r.fills].sort((a, b) => a.ts - b.ts || cmpStr(a.trade_id, b.trade_id))) {
      const gap = gapByTrade.get(`${f.mode}\u0000${f.trade_id}`);
      both(f.event, (s) => {
        s.fills++;
        s.contracts_filled += f.count;
        if (f.liquidity === 'maker') s.maker_fills++;
        else s.taker_fills++;
        if (gap) {
          s.edge_decision_usd += gap.edge_decision * gap.count;
          s.edge_fill_usd += gap.edge_fill * gap.count;
        }
      });
    }
    // skips by reason
    for (const sk of r.skips)
      both(eventOf(sk), (s) => {
        s.skips[sk.reason] = (s.skips[sk.reason] ?? 0) + 1;
      });
    // PnL at settlement: the last position record of each ticker
    const lastPos = new Map<string, Position>();
    for (const p of r.positions.map((x, i) => ({ x, i })).sort((a, b) => a.x.ts - b.x.ts || a.i - b.i)) lastPos.set(`${p.x.mode}\u0000${p.x.ticker}`, p.x);
    for (const p of [...lastPos.values()].sort((a, b) => cmpStr(a.ticker, b.ticker) || cmpStr(a.mode, b.mode))) {
      both(eventOf(p), (s) => {
        if (p.state === 'settled') {
          s.settled_tickers++;
          s.pnl_usd += p.realized_pnl ?? 0;
        } else if (p.position !== 0) s.open_tickers++;
      });
    }
    return side;
  });

  const [sc, se] = sides as [Side, Side];
  const rows: CompareRow[] = [];
  let madSum = 0;
  let madN = 0;
  const leadsTotal: Leads = {
    control: 0,
    experiment: 0,
    tie: 0,
    unmatched_control: 0,
    unmatched_experiment: 0,
    median_lead_ms_control: null,
    median_lead_ms_experiment: null,
  };
  const leadMs: [number[], number[]] = [[], []];
  for (const ev of [...games].sort(cmpStr)) {
    const a = sc.series.get(ev) ?? [];
    const b = se.series.get(ev) ?? [];
    const mad = pHomeMad(a, b);
    madSum += mad.sum;
    madN += mad.n;
    const ma = movesOf(a, options.move, 0);
    const mb = movesOf(b, options.move, 1);
    const leads = leadsOf(ma, mb, options.lead_window_ms, leadMs);
    for (const k of ['control', 'experiment', 'tie', 'unmatched_control', 'unmatched_experiment'] as const) leadsTotal[k] += leads[k];
    rows.push({
      game: ev,
      ...(sports.has(ev) ? { sport: sports.get(ev) } : {}),
      control: sc.games.get(ev) ?? emptySide(),
      experiment: se.games.get(ev) ?? emptySide(),
      p_home_mad: mad.n > 0 ? mad.sum / mad.n : null,
      p_moments: mad.n,
      leads,
    });
  }
  leadsTotal.median_lead_ms_control = median(leadMs[0]);
  leadsTotal.median_lead_ms_experiment = median(leadMs[1]);
  rows.push({ game: null, control: sc.total, experiment: se.total, p_home_mad: madN > 0 ? madSum / madN : null, p_moments: madN, leads: leadsTotal });

  const types = [...new Set([...Object.keys(control.input_counts), ...Object.keys(experiment.input_counts)])].sort(cmpStr);
  const mismatch = types.filter((t) => (control.input_counts[t] ?? 0) !== (experiment.input_counts[t] ?? 0));
  return {
    runs: { control: infos[0]!, experiment: infos[1]! },
    rows,
    recording_mismatch: mismatch,
    ts: Math.max(control.last_ts, experiment.last_ts),
    options,
  };
}

// ---------------------------------------------------------------- outputs

/** One compare record per game, then the total (game null). */
export function compareRecords(r: CompareResult): Compare[] {
  const run = (i: RunInfo): Compare['runs']['control'] => ({
    path: i.path,
    path_from: i.path_from,
    profile: i.profile,
    config_fingerprint: i.config_fingerprint,
    commit: i.commit,
  });
  return r.rows.map((row) => ({
    type: 'compare',
    ts: r.ts,
    game: row.game,
    ...(row.sport !== undefined ? { sport: row.sport as Compare['sport'] } : {}),
    runs: { control: run(r.runs.control), experiment: run(r.runs.experiment) },
    control: roundSide(row.control),
    experiment: roundSide(row.experiment),
    p_home_mad: row.p_home_mad === null ? null : r12(row.p_home_mad),
    p_moments: row.p_moments,
    leads: { ...row.leads },
    move: r.options.move,
    lead_window_ms: r.options.lead_window_ms,
    recording_mismatch: r.recording_mismatch,
  }));
}

/** Float sums rounded to 1e-12: noise of the order of summation is not data. */
const r12 = (x: number): number => Math.round(x * 1e12) / 1e12;

function roundSide(s: SideStats): Compare['control'] {
  const skips: Record<string, number> = {};
  for (const k of Object.keys(s.skips).sort(cmpStr)) skips[k] = s.skips[k]!;
  return {
    ...s,
    skips,
    contracts_ordered: r12(s.contracts_ordered),
    contracts_filled: r12(s.contracts_filled),
    edge_decision_usd: r12(s.edge_decision_usd),
    edge_fill_usd: r12(s.edge_fill_usd),
    pnl_usd: r12(s.pnl_usd),
  };
}

const usd = (x: number): string => (x < 0 ? '-$' : '$') + Math.abs(x).toFixed(2);
const dusd = (x: number): string => (x < 0 ? '-$' : '+$') + Math.abs(x).toFixed(2);
const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(2));
const dnum = (x: number): string => (x > 0 ? '+' : '') + num(x);
const secs = (ms: number): string => (ms / 1000).toFixed(1) + ' s';

function sideTable(row: CompareRow): string[] {
  const c = row.control;
  const e = row.experiment;
  const L = ['| | control | experiment | experiment − control |', '|---|---:|---:|---:|'];
  const n = (label: string, a: number, b: number): void => {
    L.push(`| ${label} | ${num(a)} | ${num(b)} | ${dnum(b - a)} |`);
  };
  const d = (label: string, a: number, b: number): void => {
    L.push(`| ${label} | ${usd(a)} | ${usd(b)} | ${dusd(b - a)} |`);
  };
  n('oracle probabilities', c.probs, e.probs);
  L.push(
    `| oracle unavailable | ${c.oracle_unavailable} (${secs(c.oracle_unavailable_ms)}) | ${e.oracle_unavailable} (${secs(e.oracle_unavailable_ms)}) | ${secs(e.oracle_unavailable_ms - c.oracle_unavailable_ms).replace(/^(?!-)/, '+')} |`,
  );
  n('orders (maker)', c.maker_orders, e.maker_orders);
  n('orders (taker)', c.taker_orders, e.taker_orders);
  n('contracts ordered', c.contracts_ordered, e.contracts_ordered);
  n('fills (maker)', c.maker_fills, e.maker_fills);
  n('fills (taker)', c.taker_fills, e.taker_fills);
  n('contracts filled', c.contracts_filled, e.contracts_filled);
  d('expected edge at decision', c.edge_decision_usd, e.edge_decision_usd);
  d('expected edge at fill', c.edge_fill_usd, e.edge_fill_usd);
  d('PnL at settlement', c.pnl_usd, e.pnl_usd);
  n('tickers settled', c.settled_tickers, e.settled_tickers);
  n('tickers open (not settled)', c.open_tickers, e.open_tickers);
  for (const reason of [...new Set([...Object.keys(c.skips), ...Object.keys(e.skips)])].sort(cmpStr)) {
    n(`skips: ${reason}`, c.skips[reason] ?? 0, e.skips[reason] ?? 0);
  }
  return L;
}

function probLine(row: CompareRow): string {
  const l = row.leads;
  const mad =
    row.p_home_mad === null ? 'no moment with both probabilities' : `mean |Δp_home| ${(row.p_home_mad * 100).toFixed(2)} points over ${row.p_moments} moments`;
  const med = (x: number | null): string => (x === null ? '' : ` (median lead ${secs(x)})`);
  return (
    `Probabilities: ${mad}. Moves: control first ${l.control}${med(l.median_lead_ms_control)}, experiment first ${l.experiment}${med(l.median_lead_ms_experiment)}, ` +
    `same ms ${l.tie}; unmatched: control ${l.unmatched_control}, experiment ${l.unmatched_experiment}.`
  );
}

export function compareMarkdown(r: CompareResult): string {
  const L: string[] = ['# Control against experiment', ''];
  L.push('| | control | experiment |', '|---|---|---|');
  const c = r.runs.control;
  const e = r.runs.experiment;
  L.push(`| oracle path | ${c.path} (${c.path_from}) | ${e.path} (${e.path_from}) |`);
  L.push(`| profile | ${c.profile ?? '-'} | ${e.profile ?? '-'} |`);
  L.push(`| commit | ${c.commit ?? '-'} | ${e.commit ?? '-'} |`);
  L.push(`| config fingerprint | ${c.config_fingerprint ?? '-'} | ${e.config_fingerprint ?? '-'} |`);
  L.push('');
  for (const [label, i] of [
    ['control', c],
    ['experiment', e],
  ] as const) {
    if (i.other_fill_paths.length) L.push(`**Warning:** ${label} has fills from ${i.other_fill_paths.join(', ')}, not its path ${i.path}.`, '');
  }
  L.push(
    r.recording_mismatch.length === 0
      ? 'Same recording: the runs passed through the same number of records of every recording type.'
      : `**Warning: not the same recording?** The runs passed through different numbers of ${r.recording_mismatch.join(', ')} records.`,
  );
  L.push('');
  L.push(
    `Probabilities are each run's own path's \`oracle.prob\` p_home. The mean absolute difference is taken at every moment either path has a probability, ` +
      `both paths' latest at or before it. A move is a change of p_home by at least ${r.options.move} since the path's last move; a move is matched with ` +
      `the other path's earliest unmatched move in the same direction at most ${r.options.lead_window_ms} ms before it, and the earlier of the two led. ` +
      "Oracle unavailable: periods the path's source was `unavailable` (`oracle.status`) for everything, the game's sport or the game, until `available` or the end of the run. " +
      "Expected edge: exec-gap's edge at decision and at fill, in dollars over the filled contracts. PnL: realized after fees on settled tickers (`position`). " +
      "CLV is not computed here: run `clv-report` on each run's fills.",
  );
  L.push('');
  const total = r.rows[r.rows.length - 1]!;
  L.push('## Total', '');
  L.push(probLine(total), '');
  L.push(...sideTable(total), '');
  for (const row of r.rows.slice(0, -1)) {
    L.push(`## ${row.game}`, '');
    L.push(probLine(row), '');
    L.push(...sideTable(row), '');
  }
  return L.join('\n') + '\n';
}
