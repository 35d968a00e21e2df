import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { DeadlineTimer, MAX_TIMER_AHEAD_MS } from '../../src/clock/deadline.js';
import { Deadlines } from '../../src/core/deadlines.js';

/** A Deadlines driven by a DeadlineTimer on a replay clock; fired keys are logged with the time. */
function rig(start = 1000) {
  const clock = new ReplayClock(start);
  const d = new Deadlines<string>();
  const fired: string[] = [];
  let fires = 0;
  const timer = new DeadlineTimer(
    clock,
    () => d.next(),
    (now) => {
      fires++;
      for (const k of d.popDue(now)) fired.push(`${k}@${now}`);
    },
  );
  return { clock, d, fired, timer, fires: () => fires };
}

t.test('fires at the earliest deadline, on the replay clock, before same-time data', async (t) => {
  const { clock, d, fired, timer } = rig();
  d.set('a', 1100);
  d.set('b', 1050);
  timer.schedule();
  t.equal(clock.pending, 1, 'one timer for two deadlines');
  clock.advanceTo(1050);
  fired.push(`data@${clock.now()}`);
  t.same(fired, ['b@1050', 'data@1050']);
  t.equal(clock.pending, 1, 'set again for the next deadline');
  clock.advanceTo(2000);
  t.same(fired, ['b@1050', 'data@1050', 'a@1100']);
  t.equal(clock.pending, 0, 'nothing left: no timer');
  t.notOk(timer.armed);
});

t.test('a deadline moved earlier re-arms; moved later keeps the timer, which fires early and re-arms', async (t) => {
  const { clock, d, fired, timer, fires } = rig();
  d.set('k', 1500);
  timer.schedule();
  d.set('k', 1200);
  timer.schedule();
  t.equal(clock.pending, 1, 'the old timer was replaced');
  d.set('k', 1900); // later: a steady feed pushing its staleness out
  timer.schedule();
  clock.advanceTo(1200);
  t.same(fired, [], 'woke at 1200, nothing due');
  t.equal(fires(), 0, 'fire is not called when nothing is due');
  t.equal(clock.pending, 1);
  clock.advanceTo(1900);
  t.same(fired, ['k@1900']);
});

t.test('a steady stream of later deadlines costs one timer per window, not one per update', async (t) => {
  const { clock, d, timer } = rig(0);
  let created = 0;
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => {
    created++;
    return setTimeout(fn, ms);
  };
  for (let now = 0; now < 10_000; now += 10) {
    clock.advanceTo(now);
    d.set('feed', now + 1000);
    timer.schedule();
  }
  t.ok(created <= 11, `${created} timers for 1000 updates over 10 windows`);
});

t.test('a far deadline is capped at an hour ahead and fires on time after repeated wake-ups', async (t) => {
  const { clock, d, fired, timer, fires } = rig(0);
  const far = 5 * MAX_TIMER_AHEAD_MS + 7;
  d.set('far', far);
  timer.schedule();
  clock.advanceTo(MAX_TIMER_AHEAD_MS);
  t.equal(fires(), 0, 'woken by the cap: nothing fired');
  t.equal(clock.pending, 1, 'and set again');
  clock.advanceTo(far);
  t.same(fired, [`far@${far}`]);
});

t.test('stop cancels the timer for good', async (t) => {
  const { clock, d, fired, timer } = rig();
  d.set('a', 1100);
  timer.schedule();
  timer.stop();
  t.equal(clock.pending, 0);
  timer.schedule();
  t.equal(clock.pending, 0, 'schedule after stop does nothing');
  clock.advanceTo(5000);
  t.same(fired, []);
});

t.test('a deadline already past fires at the next clock advance', async (t) => {
  const { clock, d, fired, timer } = rig();
  d.set('late', 900);
  timer.schedule();
  clock.advanceTo(1000);
  t.same(fired, ['late@1000']);
});
