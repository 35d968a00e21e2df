// The log-volume budget (README, "Logs and metrics"): at info level a command writes at
// most 4 MiB of log per day, however chatty its inputs. Driven for a
// simulated 24 h on the replay clock: a feed that reconnects every 30 s, gets a bad
// frame every second and a repeated stale warning every 5 s; heartbeats are metrics.
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Metrics } from '../../src/log/metrics.js';
import { Decoder } from '../../src/stream/decoder.js';

export const BUDGET_BYTES_PER_DAY = 4 * 1024 * 1024;

t.test('a chatty 24 h stays within the daily log budget, and nothing is lost from the counts', async (t) => {
  const clock = new ReplayClock(0);
  const sink = new MemorySink();
  const log = new Logger({ cmd: 'feed-boltodds', clock, sink, level: 'info', throttleMs: 60_000 });
  const metrics = new Metrics();
  const decoder = new Decoder({ log, consume: 'all' });
  const reconnects = metrics.counter('reconnects_total', { source: 'boltodds', cause: 'close' });
  const freshness = metrics.gauge('feed_freshness_ms', { source: 'boltodds' });
  const day = 24 * 3600 * 1000;
  let frames = 0;
  let metricRecords = 0;
  for (let ms = 0; ms < day; ms += 1000) {
    clock.advanceTo(ms);
    decoder.decode('{"action":', 'ws:frame', ++frames);
    freshness.set(ms % 7000);
    if (ms % 5000 === 0) log.limited('warn', 'stale-leg', 'stale leg rejected', { event: 'nba-2026-01-25-den-mem', book: 'draftkings' });
    if (ms % 30_000 === 0) {
      reconnects.inc();
      log.limited('warn', 'reconnect', 'reconnecting', { cause: 'close', code: 1006 });
    }
    if (ms % 10_000 === 0) metricRecords += metrics.snapshot(ms).length; // the heartbeat
  }
  clock.advanceTo(day);
  log.flushHeld();
  const bytes = log.volume.bytes;
  t.ok(bytes <= BUDGET_BYTES_PER_DAY, `log volume ${bytes} bytes/day <= ${BUDGET_BYTES_PER_DAY}`);
  t.equal(decoder.counts.rejected.get('not-json'), day / 1000, 'every bad frame counted');
  t.equal(reconnects.value, day / 30_000, 'every reconnect counted');
  t.ok(metricRecords > 0, 'heartbeats went to metrics');
  const bad = sink.records().filter((r) => r.msg === 'bad input line');
  const full = bad.filter((r) => r.suppressed === undefined).length;
  const held = bad.reduce((n, r) => n + ((r.suppressed as number | undefined) ?? 0), 0);
  t.equal(full + held, day / 1000, 'every bad frame is either a diagnostic line or in a held-back count');
  t.ok(full >= 100, 'the first 100 got a full diagnostic each');
  t.comment(`24 h: ${bytes} bytes, ${log.volume.lines} lines (${bad.length} about bad frames)`);
  t.ok(held > 0);
});
