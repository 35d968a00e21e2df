import t from 'tap';
import { Metrics, METRIC_CATALOG } from '../../src/log/metrics.js';
import { validateRecord } from '../../src/schema/index.js';

t.test('counters and gauges by labels; snapshots are valid metric records in a stable order', async (t) => {
  const m = new Metrics();
  m.counter('skips_total', { reason: 'stale-oracle' }).inc();
  m.counter('skips_total', { reason: 'stale-oracle' }).inc(2);
  m.counter('skips_total', { reason: 'no-oracle' }).inc();
  m.gauge('feed_freshness_ms', { source: 'kalshi', ticker: 'T' }).set(180);
  m.gauge('feed_freshness_ms', { ticker: 'T', source: 'kalshi' }).set(200);
  const snap = m.snapshot(42);
  t.same(
    snap.map((r) => [r.name, r.labels, r.value]),
    [
      ['feed_freshness_ms', { source: 'kalshi', ticker: 'T' }, 200],
      ['skips_total', { reason: 'no-oracle' }, 1],
      ['skips_total', { reason: 'stale-oracle' }, 3],
    ],
  );
  for (const r of snap) t.ok(validateRecord(r).ok);
  t.equal(m.value('skips_total', { reason: 'stale-oracle' }), 3);
});

// That each catalogued name is also emitted somewhere: test/log/metric-emitters.test.ts.
t.test('the catalog names the metrics roadmap item 12 asks for; a name outside it throws', async (t) => {
  for (const n of ['feed_freshness_ms', 'reconnects_total', 'skips_total', 'order_reprices_total', 'stale_quotes']) {
    t.ok(n in METRIC_CATALOG, n);
  }
  t.throws(() => new Metrics().counter('nope' as never));
});
