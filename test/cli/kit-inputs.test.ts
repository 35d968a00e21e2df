// The one loop a stateful command runs on, as a command meets it through the kit:
// readRecords in arrival order live and in time order under --replay, with keyed
// deadlines on the same clock (Deadlines + DeadlineTimer), handled in a single order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { DeadlineTimer } from '../../src/clock/deadline.js';
import { Deadlines } from '../../src/core/deadlines.js';
import { EXIT, execute, type CommandSpec } from '../../src/cli/kit.js';

const tmp = mkdtempSync(join(tmpdir(), 'chimera-loop-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const metric = (ts: number, tag: string, recv?: number) =>
  JSON.stringify({ type: 'metric', ts, name: 'x', value: 1, labels: { tag }, ...(recv !== undefined ? { recv_ts: recv } : {}) });
const file = (name: string, lines: string[]): string => {
  const f = join(tmp, name);
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
};

/** A probe command: each input's records, and a staleness deadline per input 50 ms after its last record. */
function probe(events: string[]): CommandSpec {
  return {
    name: 'loop-probe',
    args: '[files...]',
    description: 'test command',
    examples: [],
    output: 'none',
    input: true,
    inputFiles: (_o, args) => args,
    async run(ctx) {
      const stale = new Deadlines<string>();
      const timer = new DeadlineTimer(
        ctx.clock,
        () => stale.next(),
        (now) => {
          for (const src of stale.popDue(now)) events.push(`stale ${src.replace(/.*\//, '')}@${now}`);
        },
      );
      await ctx.readRecords(
        ctx.args,
        {
          consume: new Set(),
          onRecord() {},
          onOther(d, where) {
            const now = ctx.clock.now();
            events.push(`${where.source.replace(/.*\//, '')}:${where.line}#${where.input}@${now}`);
            stale.set(where.source, now + 50);
            timer.schedule();
          },
        },
        { order: ctx.replayClock ? 'time' : 'arrival' },
      );
      timer.stop();
      return EXIT.OK;
    },
  };
}

t.test('--replay: records of several inputs merged by time, deadlines firing between them, the same every run', async (t) => {
  const oracle = file('oracle.ndjson', [metric(1000, 'o1'), metric(1010, 'o2', 1100), metric(1200, 'o3')]);
  const kalshi = file('kalshi.ndjson', [metric(1005, 'k1'), metric(1040, 'k2'), metric(1100, 'k3'), metric(1300, 'k4')]);
  const runs: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const events: string[] = [];
    t.equal(await execute(probe(events), ['--replay', '--log-level', 'silent', oracle, kalshi]), EXIT.OK);
    runs.push(events);
  }
  t.same(runs[0], [
    'oracle.ndjson:1#0@1000',
    'kalshi.ndjson:1#1@1005',
    'kalshi.ndjson:2#1@1040',
    'stale oracle.ndjson@1050', // oracle silent 50 ms: its deadline fires before later data
    'stale kalshi.ndjson@1090',
    'oracle.ndjson:2#0@1100', // recv_ts 1100, ts 1010: receipt time; ties by input position
    'kalshi.ndjson:3#1@1100',
    'stale oracle.ndjson@1150',
    'stale kalshi.ndjson@1150', // due together: in the order the deadlines were set
    'oracle.ndjson:3#0@1200',
    'stale oracle.ndjson@1250',
    'kalshi.ndjson:4#1@1300',
  ]);
  t.same(runs[1], runs[0], 'a second replay: the same events in the same order');
});

t.test('--replay: an input out of time order ends the run with exit 1', async (t) => {
  const a = file('a.ndjson', [metric(10, 'a1'), metric(5, 'a2')]);
  const events: string[] = [];
  t.equal(await execute(probe(events), ['--replay', '--log-level', 'silent', a]), EXIT.RUNTIME);
  t.same(events, ['a.ndjson:1#0@10']);
});

t.test('live: inputs in arrival order (files are read as they come), each in its own line order', async (t) => {
  const a = file('la.ndjson', [metric(1, 'a1'), metric(2, 'a2')]);
  const b = file('lb.ndjson', [metric(1, 'b1')]);
  const events: string[] = [];
  t.equal(await execute(probe(events), ['--log-level', 'silent', a, b]), EXIT.OK);
  const recs = events.filter((e) => !e.startsWith('stale'));
  t.same(
    recs.filter((e) => e.startsWith('la')).map((e) => e.split('@')[0]),
    ['la.ndjson:1#0', 'la.ndjson:2#0'],
  );
  t.same(
    recs.filter((e) => e.startsWith('lb')).map((e) => e.split('@')[0]),
    ['lb.ndjson:1#1'],
  );
});
