// Counters and gauges, emitted as `metric` records every --metrics-every ms to the
// --metrics file. Heartbeats are these records, not log lines. The catalog below names
// every metric the toolkit emits; a name outside it is a programming error, and
// test/log/metric-emitters.test.ts checks that every name in it is emitted somewhere.
import type { Metric } from '../schema/records.js';

export const METRIC_CATALOG = {
  // stream layer (every command)
  records_in_total: { kind: 'counter', help: 'records read, by type' },
  records_out_total: { kind: 'counter', help: 'records written, by type' },
  records_rejected_total: { kind: 'counter', help: 'input lines rejected, by reason' },
  log_suppressed_total: { kind: 'counter', help: 'log lines held back by throttling' },
  // feeds (roadmap items 1, 12, 15)
  feed_freshness_ms: { kind: 'gauge', help: 'age of the newest data, by source (and ticker/event)' },
  feed_state: { kind: 'gauge', help: '1 while a feed is live, 0 otherwise, by source' },
  reconnects_total: { kind: 'counter', help: 'reconnects, by source and cause' },
  messages_total: { kind: 'counter', help: 'messages received from a feed, by source and kind' },
  gaps_total: { kind: 'counter', help: 'sequence gaps detected, by source' },
  partial_lines_total: { kind: 'counter', help: 'partial-line outcomes: full, waiting, expired, stale-leg' },
  credits_remaining: { kind: 'gauge', help: 'The Odds API credits left (x-requests-remaining)' },
  credits_used: { kind: 'gauge', help: 'The Odds API credits used this period (x-requests-used)' },
  credits_last: { kind: 'gauge', help: 'cost of the last Odds API call (x-requests-last)' },
  credits_spent_24h: { kind: 'gauge', help: 'credits spent by this process over the last 24 h (the daily budget)' },
  poll_interval_ms: { kind: 'gauge', help: 'current poll interval, by source and sport (phase and budget applied)' },
  polls_total: { kind: 'counter', help: 'REST polls, by source, sport, endpoint and outcome' },
  bad_frames_total: { kind: 'counter', help: 'malformed frames or payload items, by source and reason' },
  unmapped_total: { kind: 'counter', help: 'game updates not published: team, sport or start time unmappable, by source and reason' },
  // oracle (arbitrate, roadmap items 2, 3, 15)
  oracle_lines_total: { kind: 'counter', help: 'oracle.line records published by arbitrate, by source' },
  oracle_unavailable_total: { kind: 'counter', help: 'games that went unavailable (no qualifying book), by source and reason' },
  oracle_events: { kind: 'gauge', help: 'games arbitrate currently tracks' },
  oracle_unavailable_events: { kind: 'gauge', help: 'games with no qualifying book right now' },
  feed_bad_messages_total: { kind: 'counter', help: 'messages from a feed counted as bad or refused, by source and reason' },
  feed_message_rate: { kind: 'gauge', help: 'messages per second from a feed over the last status interval, by source' },
  kalshi_resyncs_total: { kind: 'counter', help: 'Kalshi book recoveries, by method (get_snapshot, resubscribe, reconnect) and trigger' },
  kalshi_books_invalid: { kind: 'gauge', help: 'Kalshi books currently invalid (awaiting a snapshot)' },
  process_memory_bytes: { kind: 'gauge', help: 'process memory by kind (rss, heap_used, heap_total, external, array_buffers), for long-running feeds' },
  // decisions and orders (roadmap items 5, 12)
  skips_total: { kind: 'counter', help: 'decisions not to quote/trade, by reason' },
  orders_total: { kind: 'counter', help: 'orders placed by quote, by liquidity (maker, taker)' },
  order_cancels_total: { kind: 'counter', help: 'cancels sent by quote, by reason' },
  order_rejects_total: { kind: 'counter', help: 'orders the venue refused, by reason' },
  cancel_rejects_total: { kind: 'counter', help: 'cancels the venue refused, by reason' },
  cancel_suppressed_total: { kind: 'counter', help: 'duplicate cancels not sent: the first was still unanswered' },
  cancel_retries_total: { kind: 'counter', help: 'cancels sent again after cancel_retry_ms without an answer' },
  order_anomalies_total: { kind: 'counter', help: 'impossible order transitions and answers for unknown orders, by kind' },
  fills_total: { kind: 'counter', help: 'fills, by liquidity' },
  fill_duplicates_total: { kind: 'counter', help: 'fill reports ignored because their trade id was already applied' },
  killswitch_transitions_total: { kind: 'counter', help: 'kill-switch trips and clears, by condition and state' },
  working_orders: { kind: 'gauge', help: 'orders quote believes may still fill' },
  order_reprices_total: { kind: 'counter', help: 'resting orders repriced' },
  stale_quotes: { kind: 'gauge', help: 'resting quotes older than the max quote age' },
  ledger_rows_total: { kind: 'counter', help: 'rows committed to a ledger' },
  // the live order path (quote --live)
  exec_retries_total: { kind: 'counter', help: 'exchange requests retried (429, 5xx, network), by status' },
  exec_request_failures_total: { kind: 'counter', help: 'exchange actions that failed after their retries, by op' },
  exec_create_unknown_total: { kind: 'counter', help: 'creates whose outcome was unknown (read again by client order id)' },
  exec_cancel_failures_total: { kind: 'counter', help: 'cancels refused or unanswered after retries (sent again by the quote manager), by code' },
  exec_unconfirmed_total: { kind: 'counter', help: 'orders still unconfirmed after repeated reads (left for reconciliation by hand)' },
  exec_bad_messages_total: { kind: 'counter', help: 'private messages or fills that could not be read, by op' },
  exec_group_triggered_total: { kind: 'counter', help: 'order group triggers (the exchange-side circuit breaker)' },
} as const;

export type MetricName = keyof typeof METRIC_CATALOG;
export type Labels = Record<string, string>;

interface Series {
  name: MetricName;
  labels: Labels | undefined;
  value: number;
}

export class Counter {
  constructor(private readonly s: Series) {}
  inc(n = 1): void {
    this.s.value += n;
  }
  /** Mirror a count kept elsewhere (it only ever grows). */
  set(total: number): void {
    if (total > this.s.value) this.s.value = total;
  }
  get value(): number {
    return this.s.value;
  }
}

export class Gauge {
  constructor(private readonly s: Series) {}
  set(v: number): void {
    this.s.value = v;
  }
  get value(): number {
    return this.s.value;
  }
}

export class Metrics {
  private readonly series = new Map<string, Series>();

  counter(name: MetricName, labels?: Labels): Counter {
    return new Counter(this.get(name, labels));
  }

  gauge(name: MetricName, labels?: Labels): Gauge {
    return new Gauge(this.get(name, labels));
  }

  /** Current value of one series (0 if never touched). */
  value(name: MetricName, labels?: Labels): number {
    return this.series.get(keyOf(name, labels))?.value ?? 0;
  }

  /** Every series as `metric` records stamped `ts`, in a stable order. */
  snapshot(ts: number): Metric[] {
    const keys = [...this.series.keys()].sort();
    return keys.map((k) => {
      const s = this.series.get(k)!;
      const rec: Metric = { type: 'metric', ts, name: s.name, kind: METRIC_CATALOG[s.name].kind, value: s.value };
      if (s.labels) rec.labels = s.labels;
      return rec;
    });
  }

  private get(name: MetricName, labels: Labels | undefined): Series {
    if (!(name in METRIC_CATALOG)) throw new Error(`unknown metric ${name}`);
    const key = keyOf(name, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { name, labels: labels && Object.keys(labels).length ? sortLabels(labels) : undefined, value: 0 };
      this.series.set(key, s);
    }
    return s;
  }
}

function sortLabels(l: Labels): Labels {
  const out: Labels = {};
  for (const k of Object.keys(l).sort()) out[k] = l[k]!;
  return out;
}

function keyOf(name: string, labels: Labels | undefined): string {
  if (!labels) return name;
  const ks = Object.keys(labels).sort();
  return ks.length ? `${name}{${ks.map((k) => `${k}=${labels[k]}`).join(',')}}` : name;
}
