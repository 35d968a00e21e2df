import t from 'tap';
import { ReplayClock, SystemClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';

t.test('replay: timers fire in (due, creation) order, before time reaches the record', async (t) => {
  const c = new ReplayClock(0);
  const fired: string[] = [];
  c.setTimeout(() => fired.push(`b@${c.now()}`), 20);
  c.setTimeout(() => fired.push(`a@${c.now()}`), 10);
  c.setTimeout(() => fired.push(`c@${c.now()}`), 20);
  c.advanceTo(20);
  fired.push(`data@${c.now()}`);
  t.same(fired, ['a@10', 'b@20', 'c@20', 'data@20'], 'same-time timers before same-time data');
});

t.test('replay: intervals repeat, timers set from timers fire in the same advance, clear works', async (t) => {
  const c = new ReplayClock(100);
  const seen: number[] = [];
  const h = c.setInterval(() => seen.push(c.now()), 10);
  c.setTimeout(() => c.setTimeout(() => seen.push(-c.now()), 5), 12);
  c.advanceTo(135);
  t.same(seen, [110, -117, 120, 130]);
  c.clear(h);
  c.advanceTo(200);
  t.same(seen, [110, -117, 120, 130]);
  t.equal(c.pending, 0);
});

t.test('replay: an interval far behind (a jump of years) skips to its last beat instead of spinning', async (t) => {
  const c = new ReplayClock(1);
  const seen: number[] = [];
  c.setInterval(() => seen.push(c.now()), 10_000);
  c.advanceTo(1_769_380_025_000);
  t.same(seen, [1_769_380_020_001], 'one beat, the last one at or before t');
  c.advanceTo(1_769_380_045_000);
  t.same(seen, [1_769_380_020_001, 1_769_380_030_001, 1_769_380_040_001], 'then every beat again');
  // Up to 10,000 beats behind, every beat fires (a replay over a quiet night stays exact).
  const d = new ReplayClock(0);
  let n = 0;
  d.setInterval(() => n++, 10);
  d.advanceTo(100_000);
  t.equal(n, 10_000);
});

t.test('replay: time never runs backwards', async (t) => {
  const c = new ReplayClock(500);
  c.advanceTo(400);
  t.equal(c.now(), 500);
});

t.test('replay: an unanchored clock anchors at the first record, timers set before it shift with it', async (t) => {
  const c = new ReplayClock();
  const seen: number[] = [];
  c.setInterval(() => seen.push(c.now()), 10_000);
  t.notOk(c.isAnchored);
  c.advanceTo(1_769_380_000_000);
  t.ok(c.isAnchored);
  t.same(seen, [], 'no burst of intervals from 1970');
  c.advanceTo(1_769_380_025_000);
  t.same(seen, [1_769_380_010_000, 1_769_380_020_000]);
});

t.test('replayed logs carry the clock time, so two replays are identical', async (t) => {
  const replay = (): string => {
    const c = new ReplayClock();
    const sink = new MemorySink();
    const log = new Logger({ cmd: 'x', clock: c, sink, throttleMs: 1000 });
    for (const ts of [1_000, 1_500, 4_000]) {
      c.advanceTo(ts);
      log.info('record', { ts });
      log.limited('warn', 'k', 'repeat');
    }
    c.advanceTo(10_000);
    log.flushHeld();
    return sink.lines.join('');
  };
  const a = replay();
  t.equal(a, replay());
  t.match(a, /"time":1500/);
});

t.test('system clock timers run and clear', async (t) => {
  const c = new SystemClock();
  let ran = 0;
  const h = c.setTimeout(() => ran++, 1);
  const h2 = c.setTimeout(() => (ran += 10), 1);
  c.clear(h2);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(ran, 1);
  c.clear(h);
  t.ok(Math.abs(c.now() - Date.now()) < 1000);
});
