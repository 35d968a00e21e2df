// The daily report (issue 12 §4): one US Eastern day of a session's records, summed into
// tables, chart specs (vega-lite) and Markdown. Pure and deterministic: records go in
// through add(), in file order; result() gives the same tables for the same input,
// whatever the clock. The day is [00:00, 24:00) America/New_York from the tz database
// (luxon), so it is 23 or 25 hours long on the DST changes.
//
// What counts where:
// - fills: those whose ts falls in the day (count, contracts, notional = price x count,
//   fees), by sport (from the event id), by oracle path (source/method), by liquidity and
//   by the config profile of the run that wrote them (its input's run.manifest).
// - realized PnL: the `position` records settled (state settled) in the day. By sport and
//   profile it is read from them directly (sum of realized_pnl). By oracle path and maker/taker it is
//   split over the ticker's fills of the same input file: each fill's settlement PnL is
//   YES quantity x (settlement - YES price) - fee. What the fills do not explain (fills
//   missing from the input) is shown as its own row "unattributed", never spread around.
// - incidents: oracle.status unavailable -> available, kalshi.status not live -> live,
//   killswitch tripped -> cleared, per input file (each process has its own state),
//   shown when they overlap the day; one still open at the end of its input is "open".
// - reconnects: each increase of kalshi.status `reconnects` within one input file.
// - latency quantiles: linear interpolation between order statistics (src/core/quantile.ts,
//   the one exec-gap and clv-report use).
import { quantileSorted } from './quantile.js';
import { DateTime } from 'luxon';
import { EASTERN_ZONE } from './eventtime.js';
import type { AnyRecord, ClvSummary, Fill, KalshiStatus, Killswitch, OracleStatus, Position, RunManifest } from '../schema/index.js';

// ---------------------------------------------------------------- the day

export interface DayWindow {
  /** YYYY-MM-DD, a US Eastern calendar date. */
  date: string;
  /** [start, end) in epoch ms. */
  start: number;
  end: number;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The Eastern day of a date, or undefined when the date is not a real one. */
export function easternDay(date: string): DayWindow | undefined {
  if (!DATE_RE.test(date)) return undefined;
  const d = DateTime.fromISO(date, { zone: EASTERN_ZONE });
  if (!d.isValid || d.toFormat('yyyy-MM-dd') !== date) return undefined;
  const start = d.startOf('day');
  return { date, start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
}

/** The Eastern date before the one the instant falls in (what a cron run after midnight reports). */
export function easternYesterday(nowMs: number): string {
  return DateTime.fromMillis(nowMs, { zone: EASTERN_ZONE }).startOf('day').minus({ days: 1 }).toFormat('yyyy-MM-dd');
}

// ---------------------------------------------------------------- quantiles

/** The q-quantile of values sorted ascending (type 7, numpy's default): src/core/quantile.ts. */
export const quantile = quantileSorted;

// ---------------------------------------------------------------- the report data

export interface PerfRow {
  dimension: 'sport' | 'oracle' | 'liquidity' | 'profile';
  value: string;
  fills: number;
  contracts: number;
  notional: number;
  fees: number;
  realized_pnl: number;
  /** Settled tickers whose PnL this row carries a part of. */
  settled: number;
}

export interface Incident {
  kind: 'oracle' | 'kalshi' | 'killswitch';
  scope: string;
  condition: string;
  start: number;
  /** Null: still open at the end of its input. */
  end: number | null;
  source: string;
}

export interface Reconnect {
  ts: number;
  source: string;
  /** How many reconnects this status adds. */
  increment: number;
  total: number;
  cause: string;
  state: string;
}

export interface LatencyRow {
  kind: string;
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ManifestRow {
  source: string;
  cmd: string;
  branch: string;
  commit: string;
  dirty: string;
  profile: string;
  fingerprint: string;
  started_ts: number;
}

export interface DailyData {
  day: DayWindow;
  /** Records seen, and those of the day. */
  records: number;
  in_day: number;
  by_type: Array<[string, number]>;
  modes: Array<[string, number]>;
  /** Orders sent in the day (order records with status submitted), by liquidity. */
  orders_sent: Array<[string, number]>;
  performance: PerfRow[];
  totals: { fills: number; contracts: number; notional: number; fees: number; realized_pnl: number; settled: number };
  skips: Array<[string, number]>;
  clv_summaries: ClvSummary[];
  clv_records: number;
  incidents: Incident[];
  reconnects: Reconnect[];
  latency: LatencyRow[];
  manifests: ManifestRow[];
}

interface Acc {
  fills: number;
  contracts: number;
  notional: number;
  fees: number;
  pnl: number;
  settled: number;
}
const acc = (): Acc => ({ fills: 0, contracts: 0, notional: 0, fees: 0, pnl: 0, settled: 0 });

/** Per (input, ticker): the fills' YES quantity and cost by attribution group, and the settlement. */
interface TickerBook {
  groups: Map<string, { qty: number; cost: number }>;
  settled?: { pnl: number; value: number; sport: string };
}

/** Money sums are rounded to 1e-9 so float noise never reaches the bytes. */
const r9 = (x: number): number => Math.round(x * 1e9) / 1e9 + 0;

export function sportOf(event: string | undefined): string {
  const m = event ? /^([a-z]+)-/.exec(event) : null;
  return m ? m[1]! : 'unknown';
}

const KIND_ORDER = ['oracle-to-order', 'oracle-to-cancel', 'quote-to-action', 'reprice', 'cancel', 'fill'];

/** Sums one day of records. Feed every record of every input (other days too: they carry state). */
export class DailyReport {
  private records = 0;
  private inDay = 0;
  private readonly byType = new Map<string, number>();
  private readonly modes = new Map<string, number>();
  private readonly ordersSent = new Map<string, number>();
  private readonly perf = new Map<string, Acc>();
  private readonly total = acc();
  private readonly skips = new Map<string, number>();
  private readonly clvSummaries: ClvSummary[] = [];
  private clvRecords = 0;
  private readonly tickers = new Map<string, TickerBook>();
  private readonly eventOfTicker = new Map<string, string>();
  private readonly open = new Map<string, Incident>();
  private readonly incidents: Incident[] = [];
  private readonly reconnects: Reconnect[] = [];
  private readonly lastReconnects = new Map<string, number>();
  private readonly latency = new Map<string, number[]>();
  private readonly manifests = new Map<string, RunManifest>();
  private readonly sourcesInDay = new Set<string>();

  constructor(readonly day: DayWindow) {}

  private inside(ts: number): boolean {
    return ts >= this.day.start && ts < this.day.end;
  }

  /** One record of input `source` (a file name: state such as incidents is per input). */
  add(rec: AnyRecord, source: string): void {
    this.records++;
    if (rec.type === 'run.manifest') {
      // The first manifest of an input names the run that wrote it.
      if (!this.manifests.has(source)) this.manifests.set(source, rec);
      return;
    }
    const inside = this.inside(rec.ts);
    if (inside) {
      this.inDay++;
      this.sourcesInDay.add(source);
      this.byType.set(rec.type, (this.byType.get(rec.type) ?? 0) + 1);
    }
    switch (rec.type) {
      case 'fill':
        return this.fill(rec, source, inside);
      case 'position':
        return this.position(rec, source, inside);
      case 'skip':
        if (inside) this.skips.set(rec.reason, (this.skips.get(rec.reason) ?? 0) + 1);
        return;
      case 'latency':
        if (inside) {
          let a = this.latency.get(rec.kind);
          if (!a) this.latency.set(rec.kind, (a = []));
          a.push(rec.ms);
        }
        return;
      case 'oracle.status':
        return this.oracleStatus(rec, source);
      case 'kalshi.status':
        return this.kalshiStatus(rec, source);
      case 'killswitch':
        return this.killswitch(rec, source);
      case 'clv.summary':
        return this.clvSummary(rec);
      case 'clv':
        if (inside) this.clvRecords++;
        return;
      case 'order':
        if (rec.event) this.eventOfTicker.set(rec.ticker, rec.event);
        if (inside && rec.status === 'submitted') {
          const l = rec.liquidity ?? 'unknown';
          this.ordersSent.set(l, (this.ordersSent.get(l) ?? 0) + 1);
        }
        return;
      case 'market.link':
        this.eventOfTicker.set(rec.ticker, rec.event);
        return;
      default:
    }
  }

  /** The config profile of the run that wrote an input (its run.manifest), control vs experiment. */
  private profileOf(source: string): string {
    return this.manifests.get(source)?.profile ?? 'no manifest';
  }

  private group(dimension: string, value: string): Acc {
    const k = `${dimension}\t${value}`;
    let a = this.perf.get(k);
    if (!a) this.perf.set(k, (a = acc()));
    return a;
  }

  private book(source: string, ticker: string): TickerBook {
    const k = `${source}\t${ticker}`;
    let b = this.tickers.get(k);
    if (!b) this.tickers.set(k, (b = { groups: new Map() }));
    return b;
  }

  private fill(f: Fill, source: string, inside: boolean): void {
    this.eventOfTicker.set(f.ticker, f.event);
    const sport = sportOf(f.event);
    const oracle = `${f.source}/${f.method}`;
    // Settlement PnL of this fill: YES quantity x (settlement value - YES price) - fee.
    const sign = (f.side === 'yes' ? 1 : -1) * (f.action === 'buy' ? 1 : -1);
    const qty = sign * f.count;
    const yesPrice = f.side === 'yes' ? f.price : 1 - f.price;
    const b = this.book(source, f.ticker);
    for (const k of [`oracle\t${oracle}`, `liquidity\t${f.liquidity}`]) {
      let g = b.groups.get(k);
      if (!g) b.groups.set(k, (g = { qty: 0, cost: 0 }));
      g.qty += qty;
      g.cost += qty * yesPrice + f.fee;
    }
    if (!inside) return;
    this.modes.set(f.mode, (this.modes.get(f.mode) ?? 0) + 1);
    const notional = f.price * f.count;
    for (const a of [
      this.total,
      this.group('sport', sport),
      this.group('oracle', oracle),
      this.group('liquidity', f.liquidity),
      this.group('profile', this.profileOf(source)),
    ]) {
      a.fills++;
      a.contracts += f.count;
      a.notional += notional;
      a.fees += f.fee;
    }
  }

  private position(p: Position, source: string, inside: boolean): void {
    if (p.event) this.eventOfTicker.set(p.ticker, p.event);
    if (!inside || p.state !== 'settled' || p.realized_pnl === null) return;
    const b = this.book(source, p.ticker);
    if (b.settled) return; // settled once: a repeat adds nothing
    const sport = sportOf(p.event ?? this.eventOfTicker.get(p.ticker));
    const value = p.result === 'yes' ? 1 : p.result === 'no' ? 0 : NaN;
    b.settled = { pnl: p.realized_pnl, value, sport };
    for (const s of [this.group('sport', sport), this.group('profile', this.profileOf(source))]) {
      s.pnl += p.realized_pnl;
      s.settled++;
    }
    this.total.pnl += p.realized_pnl;
    this.total.settled++;
  }

  private openIncident(key: string, inc: Incident): void {
    if (!this.open.has(key)) this.open.set(key, inc);
  }

  private closeIncident(key: string, ts: number): void {
    const inc = this.open.get(key);
    if (!inc) return;
    this.open.delete(key);
    inc.end = ts;
    this.incidents.push(inc);
  }

  private oracleStatus(s: OracleStatus, source: string): void {
    const scope = [s.source, s.sport, s.event, s.book].filter((x) => x !== undefined).join(' ');
    const key = `oracle\t${source}\t${scope}`;
    if (s.state === 'unavailable') this.openIncident(key, { kind: 'oracle', scope, condition: s.reason ?? 'unavailable', start: s.ts, end: null, source });
    else this.closeIncident(key, s.ts);
  }

  private kalshiStatus(s: KalshiStatus, source: string): void {
    const key = `kalshi\t${source}`;
    if (s.state === 'live') this.closeIncident(key, s.ts);
    else
      this.openIncident(key, {
        kind: 'kalshi',
        scope: 'kalshi feed',
        condition: s.cause ? `${s.state} (${s.cause})` : s.state,
        start: s.ts,
        end: null,
        source,
      });
    const prev = this.lastReconnects.get(source);
    this.lastReconnects.set(source, s.reconnects);
    // A lower count is a new process writing to the same file: its counter starts again.
    if (prev !== undefined && s.reconnects > prev && this.inside(s.ts)) {
      this.reconnects.push({ ts: s.ts, source, increment: s.reconnects - prev, total: s.reconnects, cause: s.cause ?? 'not given', state: s.state });
    }
  }

  private killswitch(k: Killswitch, source: string): void {
    const scope = k.scope ? (k.key && k.key !== '*' ? `${k.scope} ${k.key}` : k.scope) : (k.key ?? 'unscoped');
    const key = `killswitch\t${source}\t${k.condition}\t${scope}`;
    if (k.state === 'tripped')
      this.openIncident(key, { kind: 'killswitch', scope, condition: k.detail ? `${k.condition}: ${k.detail}` : k.condition, start: k.ts, end: null, source });
    else this.closeIncident(key, k.ts);
  }

  private clvSummary(c: ClvSummary): void {
    // A summary belongs to the day when its fills' span overlaps it, or (no fills) when it was written in it.
    const overlaps = c.from_ts !== null && c.to_ts !== null ? c.from_ts < this.day.end && c.to_ts >= this.day.start : this.inside(c.ts);
    if (overlaps) this.clvSummaries.push(c);
  }

  result(): DailyData {
    const d = this.day;
    // Realized PnL by oracle path and liquidity: split over each settled ticker's fills.
    for (const b of [...this.tickers.keys()].sort()) {
      const book = this.tickers.get(b)!;
      if (!book.settled) continue;
      const { pnl, value } = book.settled;
      for (const dim of ['oracle', 'liquidity'] as const) {
        let explained = 0;
        for (const [k, g] of book.groups) {
          if (!k.startsWith(`${dim}\t`)) continue;
          const part = Number.isFinite(value) ? g.qty * value - g.cost : NaN;
          if (!Number.isFinite(part)) continue;
          const a = this.group(dim, k.slice(dim.length + 1));
          a.pnl += part;
          a.settled++;
          explained += part;
        }
        const rest = r9(pnl - explained);
        if (rest !== 0) {
          const a = this.group(dim, 'unattributed');
          a.pnl += rest;
          a.settled++;
        }
      }
    }
    const dimOrder = { sport: 0, oracle: 1, liquidity: 2, profile: 3 } as const;
    const performance: PerfRow[] = [...this.perf.entries()]
      .map(([k, a]) => {
        const [dimension, value] = k.split('\t') as [PerfRow['dimension'], string];
        return {
          dimension,
          value,
          fills: a.fills,
          contracts: r9(a.contracts),
          notional: r9(a.notional),
          fees: r9(a.fees),
          realized_pnl: r9(a.pnl),
          settled: a.settled,
        };
      })
      .sort(
        (x, y) => dimOrder[x.dimension] - dimOrder[y.dimension] || cmp(x.value === 'unattributed' ? '~' : x.value, y.value === 'unattributed' ? '~' : y.value),
      );

    const incidents = [...this.incidents, ...this.open.values()]
      // begun in the day, or begun before it and not over when it began
      .filter((i) => (i.start >= d.start && i.start < d.end) || (i.start < d.start && (i.end === null || i.end > d.start)))
      .sort((x, y) => x.start - y.start || cmp(x.kind, y.kind) || cmp(x.scope, y.scope) || cmp(x.condition, y.condition) || cmp(x.source, y.source));

    const kinds = [...this.latency.keys()].sort((a, b) => rank(a) - rank(b) || cmp(a, b));
    const latency: LatencyRow[] = kinds.map((kind) => {
      const v = [...this.latency.get(kind)!].sort((a, b) => a - b);
      let sum = 0;
      for (const x of v) sum += x;
      return {
        kind,
        n: v.length,
        mean: r9(sum / v.length),
        p50: r9(quantile(v, 0.5)),
        p90: r9(quantile(v, 0.9)),
        p99: r9(quantile(v, 0.99)),
        max: v[v.length - 1]!,
      };
    });

    const manifests: ManifestRow[] = [...this.manifests.entries()]
      .filter(([src, m]) => this.sourcesInDay.has(src) || this.inside(m.started_ts))
      .map(([source, m]) => ({
        source,
        cmd: m.cmd,
        branch: m.branch ?? '-',
        commit: m.commit ?? '-',
        dirty: m.dirty === null ? '-' : String(m.dirty),
        profile: m.profile,
        fingerprint: m.config_fingerprint,
        started_ts: m.started_ts,
      }))
      .sort((x, y) => x.started_ts - y.started_ts || cmp(x.source, y.source));

    const t = this.total;
    return {
      day: d,
      records: this.records,
      in_day: this.inDay,
      by_type: sortedCounts(this.byType, true),
      modes: sortedCounts(this.modes, true),
      orders_sent: sortedCounts(this.ordersSent, true),
      performance,
      totals: { fills: t.fills, contracts: r9(t.contracts), notional: r9(t.notional), fees: r9(t.fees), realized_pnl: r9(t.pnl), settled: t.settled },
      skips: sortedCounts(this.skips, false),
      clv_summaries: [...this.clvSummaries].sort((a, b) => cmp(groupLabel(a.group), groupLabel(b.group)) || cmp(a.reference, b.reference) || a.ts - b.ts),
      clv_records: this.clvRecords,
      incidents,
      reconnects: [...this.reconnects].sort((a, b) => a.ts - b.ts || cmp(a.source, b.source)),
      latency,
      manifests,
    };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const rank = (k: string): number => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);

/** Counts sorted by name, or by count descending then name. */
function sortedCounts(m: Map<string, number>, byName: boolean): Array<[string, number]> {
  return [...m.entries()].sort((a, b) => (byName ? 0 : b[1] - a[1]) || cmp(a[0], b[0]));
}

export function groupLabel(g: Record<string, string>): string {
  const keys = Object.keys(g).sort();
  return keys.length ? keys.map((k) => `${k}=${g[k]}`).join(' ') : 'all';
}

// ---------------------------------------------------------------- tables

/** One table, rendered the same way into Markdown, CSV and HTML. */
export interface Table {
  /** CSV file name (without .csv) and HTML id. */
  name: string;
  title: string;
  columns: string[];
  /** Cells as written to CSV (exact numbers). */
  rows: string[][];
  /** Right-aligned columns (numbers). */
  numeric: boolean[];
  /** Said instead of an empty table. */
  empty: string;
}

const iso = (ms: number): string => DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
/** An instant in US Eastern wall time with its offset (EST/EDT shows). */
const et = (ms: number): string => DateTime.fromMillis(ms, { zone: EASTERN_ZONE }).toFormat('yyyy-MM-dd HH:mm:ss ZZ');
const num = (x: number): string => (Number.isFinite(x) ? String(x) : '');
export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${r9(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m} min ${rest} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function tables(d: DailyData): Table[] {
  const nums = (n: number, first = 1): boolean[] => [...Array(first).fill(false), ...Array(n).fill(true)];
  return [
    {
      name: 'performance',
      title: 'Performance by sport, oracle path, maker/taker and run profile',
      columns: ['dimension', 'value', 'fills', 'contracts', 'notional', 'fees', 'realized_pnl', 'settled_tickers'],
      rows: d.performance.map((p) => [p.dimension, p.value, num(p.fills), num(p.contracts), num(p.notional), num(p.fees), num(p.realized_pnl), num(p.settled)]),
      numeric: nums(6, 2),
      empty: 'No fills and no settlements in the day.',
    },
    {
      name: 'skips',
      title: 'Skips by reason',
      columns: ['reason', 'count'],
      rows: d.skips.map(([r, n]) => [r, num(n)]),
      numeric: nums(1),
      empty: 'No skip records in the day.',
    },
    {
      name: 'clv-summary',
      title: 'CLV summary (clv.summary records)',
      columns: ['group', 'reference', 'n_fills', 'n_games', 'n_unscored', 'mean_clv', 'ci_low', 'ci_high', 'confidence', 'p_value', 'positive', 'min_games'],
      rows: d.clv_summaries.map((c) => [
        groupLabel(c.group),
        c.reference,
        num(c.n_fills),
        num(c.n_games),
        num(c.n_unscored),
        c.mean_clv === null ? '' : num(c.mean_clv),
        c.ci_low === null ? '' : num(c.ci_low),
        c.ci_high === null ? '' : num(c.ci_high),
        num(c.confidence),
        c.p_value === null ? '' : num(c.p_value),
        String(c.positive),
        num(c.min_games),
      ]),
      numeric: [false, false, true, true, true, true, true, true, true, true, false, true],
      empty: "No clv.summary record in the input covers this day: no CLV summary is reported (run clv-report over the day's records and pass its output in).",
    },
    {
      name: 'incidents',
      title: 'Stale-feed incidents (oracle.status, kalshi.status, killswitch)',
      columns: ['start_et', 'end_et', 'duration', 'duration_ms', 'kind', 'scope', 'condition', 'input'],
      rows: d.incidents.map((i) => [
        et(i.start),
        i.end === null ? 'open' : et(i.end),
        i.end === null ? 'open at end of input' : duration(i.end - i.start),
        i.end === null ? '' : num(i.end - i.start),
        i.kind,
        i.scope,
        i.condition,
        i.source,
      ]),
      numeric: [false, false, true, true, false, false, false, false],
      empty: 'No stale-feed incident in the day.',
    },
    {
      name: 'reconnects',
      title: 'Kalshi reconnects',
      columns: ['ts_et', 'reconnects', 'total', 'cause', 'state', 'input'],
      rows: d.reconnects.map((r) => [et(r.ts), num(r.increment), num(r.total), r.cause, r.state, r.source]),
      numeric: [false, true, true, false, false, false],
      empty: 'No Kalshi reconnect in the day.',
    },
    {
      name: 'latency',
      title: 'Execution gap: latency by kind (ms)',
      columns: ['kind', 'n', 'mean', 'p50', 'p90', 'p99', 'max'],
      rows: d.latency.map((l) => [l.kind, num(l.n), num(l.mean), num(l.p50), num(l.p90), num(l.p99), num(l.max)]),
      numeric: nums(6),
      empty: 'No latency records in the day.',
    },
    {
      name: 'manifests',
      title: 'Runs covered (run.manifest)',
      columns: ['started_utc', 'cmd', 'branch', 'commit', 'dirty', 'profile', 'config_fingerprint', 'input'],
      rows: d.manifests.map((m) => [iso(m.started_ts), m.cmd, m.branch, m.commit, m.dirty, m.profile, m.fingerprint, m.source]),
      numeric: Array(8).fill(false),
      empty: 'No run.manifest in the inputs that cover this day.',
    },
  ];
}

// ---------------------------------------------------------------- charts

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const CONFIG = { font: 'Helvetica, Arial, sans-serif', view: { stroke: '#ddd' } };

/** Chart file name (without .svg) -> vega-lite spec. */
export function chartSpecs(d: DailyData): Array<[string, Record<string, unknown>]> {
  const perf = d.performance.map((p) => ({
    group: `${p.dimension}: ${p.value}`,
    dimension: p.dimension,
    realized_pnl: p.realized_pnl,
    contracts: p.contracts,
  }));
  const skips = d.skips.map(([reason, count]) => ({ reason, count }));
  const lat = d.latency.flatMap((l) => (['p50', 'p90', 'p99'] as const).map((q) => ({ kind: l.kind, quantile: q, ms: l[q] })));
  // An empty chart gets a fixed axis (vega would warn of an infinite extent).
  const axis = (rows: unknown[]): Record<string, unknown> => (rows.length ? {} : { scale: { domain: [0, 1] } });
  return [
    [
      'performance',
      {
        $schema: SCHEMA,
        config: CONFIG,
        title: {
          text: `Realized PnL ${d.day.date} (US Eastern)`,
          subtitle: `${d.totals.fills} fills, ${d.totals.settled} settled tickers, total $${d.totals.realized_pnl.toFixed(2)}`,
          anchor: 'start',
        },
        width: 420,
        height: { step: 22 },
        data: { values: perf },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'group', type: 'nominal', sort: null, title: null },
          x: { field: 'realized_pnl', type: 'quantitative', title: 'realized PnL ($)', ...axis(perf) },
          color: { field: 'dimension', type: 'nominal', sort: ['sport', 'oracle', 'liquidity', 'profile'], title: 'by' },
        },
      },
    ],
    [
      'skips',
      {
        $schema: SCHEMA,
        config: CONFIG,
        title: { text: `Skips by reason ${d.day.date}`, anchor: 'start' },
        width: 420,
        height: { step: 22 },
        data: { values: skips },
        mark: { type: 'bar', color: '#f58518' },
        encoding: {
          y: { field: 'reason', type: 'nominal', sort: null, title: null },
          x: { field: 'count', type: 'quantitative', title: 'skip records', ...axis(skips) },
        },
      },
    ],
    [
      'latency',
      {
        $schema: SCHEMA,
        config: CONFIG,
        title: { text: `Latency quantiles ${d.day.date}`, anchor: 'start' },
        width: 420,
        height: { step: 14 },
        data: { values: lat },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'kind', type: 'nominal', sort: null, title: null },
          yOffset: { field: 'quantile', type: 'nominal', sort: ['p50', 'p90', 'p99'] },
          x: { field: 'ms', type: 'quantitative', title: 'ms', ...axis(lat) },
          color: { field: 'quantile', type: 'nominal', sort: ['p50', 'p90', 'p99'] },
        },
      },
    ],
  ];
}

// ---------------------------------------------------------------- Markdown and HTML

const money = (x: number): string => (x < 0 ? '-$' : '$') + Math.abs(x).toFixed(2);

function mdTable(t: Table): string[] {
  if (t.rows.length === 0) return [`_${t.empty}_`];
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${t.columns.join(' | ')} |`, `|${t.numeric.map((n) => (n ? '---:' : '---')).join('|')}|`, ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
}

export interface Artifacts {
  charts: string[];
  csv: string[];
  /** Bad input lines (decoder rejections) by reason. */
  bad: Array<[string, number]>;
  inputs: string[];
}

export function dailyMarkdown(d: DailyData, a: Artifacts): string {
  const L: string[] = [];
  const ts = tables(d);
  const by = new Map(ts.map((t) => [t.name, t]));
  const badTotal = a.bad.reduce((s, [, n]) => s + n, 0);
  L.push(`# Daily report ${d.day.date}`, '');
  L.push(`US Eastern day ${et(d.day.start)} to ${et(d.day.end)} (${(d.day.end - d.day.start) / 3_600_000} hours).`, '');
  L.push(
    `Inputs: ${a.inputs.length ? a.inputs.map((i) => `\`${i}\``).join(', ') : 'stdin'}. ${d.records} records of the reported types read, ${d.in_day} of them in the day, ${badTotal} bad input line${badTotal === 1 ? '' : 's'} left out${badTotal ? ` (${a.bad.map(([r, n]) => `${r}: ${n}`).join(', ')})` : ''}.`,
    '',
  );
  if (d.by_type.length) L.push(`Records of the day by type: ${d.by_type.map(([t, n]) => `${t} ${n}`).join(', ')}.`, '');
  L.push('## Performance', '');
  const t = d.totals;
  const sent = d.orders_sent.reduce((a, [, n]) => a + n, 0);
  L.push(
    `${sent} order${sent === 1 ? '' : 's'} sent${sent ? ` (${d.orders_sent.map(([l, n]) => `${l} ${n}`).join(', ')})` : ''}; ${t.fills} fill${t.fills === 1 ? '' : 's'}${d.modes.length ? ` (${d.modes.map(([m, n]) => `${m} ${n}`).join(', ')})` : ''}, ${t.contracts} contracts, notional ${money(t.notional)}, fees ${money(t.fees)}; realized PnL ${money(t.realized_pnl)} over ${t.settled} ticker${t.settled === 1 ? '' : 's'} settled in the day (from position records).`,
    '',
  );
  L.push(
    'Fills are those of the day; realized PnL is that of positions settled in the day, by sport and run profile as the position records give it, by oracle path and maker/taker split over each settled ticker\'s fills (YES quantity x (settlement - YES price) - fee); what the fills in the input do not explain is shown as "unattributed".',
    '',
  );
  L.push(...mdTable(by.get('performance')!), '');
  if (a.charts.includes('performance.svg')) L.push('![Realized PnL](performance.svg)', '');
  L.push('## Skips', '');
  L.push(...mdTable(by.get('skips')!), '');
  if (a.charts.includes('skips.svg')) L.push('![Skips by reason](skips.svg)', '');
  L.push('## CLV', '');
  L.push(...mdTable(by.get('clv-summary')!), '');
  if (d.clv_records) L.push(`${d.clv_records} clv records in the day.`, '');
  L.push('## Stale-feed incidents', '');
  L.push(...mdTable(by.get('incidents')!), '');
  L.push('## Reconnects', '');
  L.push(...mdTable(by.get('reconnects')!), '');
  L.push('## Execution gap', '');
  L.push('Latency quantiles per kind, linear interpolation between order statistics.', '');
  L.push(...mdTable(by.get('latency')!), '');
  if (a.charts.includes('latency.svg')) L.push('![Latency quantiles](latency.svg)', '');
  L.push('## Runs', '');
  L.push(...mdTable(by.get('manifests')!), '');
  L.push('## Files', '');
  L.push(
    `Tables as CSV: ${a.csv.map((c) => `[${c}](${c})`).join(', ')}. Charts: ${a.charts.map((c) => `[${c}](${c})`).join(', ')}. All of it on one page: [index.html](index.html).`,
    '',
  );
  return L.join('\n');
}

const h = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function indexHtml(d: DailyData, a: Artifacts): string {
  const L: string[] = [];
  L.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>Chimera daily report ${d.day.date}</title>`,
    '<style>',
    'body{font-family:Helvetica,Arial,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:.5em 0 1.5em}',
    'th,td{border:1px solid #ccc;padding:.2em .5em;font-size:90%}td.n{text-align:right}th{background:#f3f3f3}img{display:block;margin:1em 0}p.empty{font-style:italic}',
    '</style>',
    '</head>',
    '<body>',
    `<h1>Daily report ${d.day.date}</h1>`,
  );
  const t = d.totals;
  L.push(
    `<p>US Eastern day ${h(et(d.day.start))} to ${h(et(d.day.end))}. ${d.records} records of the reported types read, ${d.in_day} of them in the day. ${t.fills} fills, ${t.contracts} contracts, notional ${money(t.notional)}, fees ${money(t.fees)}, realized PnL ${money(t.realized_pnl)} (${t.settled} settled tickers). <a href="report.md">report.md</a></p>`,
  );
  const charts = new Map([
    ['performance', 'performance.svg'],
    ['skips', 'skips.svg'],
    ['latency', 'latency.svg'],
  ]);
  for (const tb of tables(d)) {
    L.push(`<h2 id="${h(tb.name)}">${h(tb.title)}</h2>`);
    const c = charts.get(tb.name);
    if (c && a.charts.includes(c)) L.push(`<img src="${c}" alt="${h(tb.title)}">`);
    if (tb.rows.length === 0) {
      L.push(`<p class="empty">${h(tb.empty)}</p>`);
      continue;
    }
    L.push('<table>', `<tr>${tb.columns.map((c) => `<th>${h(c)}</th>`).join('')}</tr>`);
    for (const r of tb.rows) L.push(`<tr>${r.map((cell, i) => `<td${tb.numeric[i] ? ' class="n"' : ''}>${h(cell)}</td>`).join('')}</tr>`);
    L.push('</table>', `<p><a href="${h(tb.name)}.csv">${h(tb.name)}.csv</a></p>`);
  }
  L.push('</body>', '</html>', '');
  return L.join('\n');
}
