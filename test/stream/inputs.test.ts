// The kit's input orders (src/stream/inputs.ts): concat, arrival, time.
import t from 'tap';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { spawn, spawnSync } from 'node:child_process';
import { ReplayClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Decoder, StrictModeError } from '../../src/stream/decoder.js';
import { readInputs, UnsortedInputError, type Input, type InputOptions, type InputWhere } from '../../src/stream/inputs.js';
import { ROOT, run } from '../helpers/run.js';

function metric(ts: number, tag: string, recv?: number): string {
  return JSON.stringify({ type: 'metric', ts, name: 'x', value: 1, labels: { tag }, ...(recv !== undefined ? { recv_ts: recv } : {}) });
}

function setup(opts: { strict?: boolean } = {}) {
  const logs = new MemorySink();
  const log = new Logger({ cmd: 'test', clock: new ReplayClock(0), sink: logs });
  const decoder = new Decoder({ log, consume: new Set(), strict: opts.strict === true });
  const seen: Array<{ tag: string; where: InputWhere; clock?: number }> = [];
  const waiters: Array<{ tag: string; resolve: () => void }> = [];
  const sink = {
    record(d: { raw: string }, where: InputWhere) {
      const tag = (JSON.parse(d.raw) as { labels?: { tag?: string }; type: string }).labels?.tag ?? (JSON.parse(d.raw) as { type: string }).type;
      seen.push({ tag, where });
      for (const w of waiters.splice(0)) {
        if (w.tag === tag) w.resolve();
        else waiters.push(w);
      }
    },
  };
  /** Resolves once the record tagged `tag` has been handled. */
  const handled = (tag: string): Promise<void> =>
    seen.some((s) => s.tag === tag) ? Promise.resolve() : new Promise((resolve) => waiters.push({ tag, resolve }));
  const read = (inputs: Input[], o: Omit<InputOptions, 'decoder'>) => readInputs(inputs, sink, { decoder, ...o });
  return { logs, decoder, seen, sink, handled, read, tags: () => seen.map((s) => s.tag) };
}

t.test('arrival: a quiet input never holds back another (PassThrough inputs)', async (t) => {
  const s = setup();
  const quiet = new PassThrough();
  const busy = new PassThrough();
  const done = s.read(
    [
      { name: 'oracle', stream: quiet },
      { name: 'kalshi', stream: busy },
    ],
    { order: 'arrival' },
  );
  busy.write(`${metric(1, 'k1')}\n${metric(2, 'k2')}\n`);
  await s.handled('k2'); // the oracle has said nothing: kalshi's records are handled anyway
  t.same(s.tags(), ['k1', 'k2']);
  quiet.write(`${metric(0, 'o1')}\n`);
  await s.handled('o1');
  busy.write(metric(3, 'k3')); // no newline yet: not a whole line
  quiet.end(`${metric(4, 'o2')}\n`);
  await s.handled('o2');
  busy.end('\n');
  await done;
  t.same(s.tags(), ['k1', 'k2', 'o1', 'o2', 'k3'], 'handled in arrival order, each input in its own line order');
  t.same(
    s.seen.map((x) => `${x.where.source}:${x.where.line}#${x.where.input}`),
    ['kalshi:1#1', 'kalshi:2#1', 'oracle:1#0', 'oracle:2#0', 'kalshi:3#1'],
  );
});

t.test('arrival: named pipes (FIFOs), one quiet, read through the event loop', { skip: process.platform === 'win32' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chimera-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => join(dir, n)); // more than libuv's 4 pool threads
  for (const n of names) t.equal(spawnSync('mkfifo', [n]).status, 0, `mkfifo ${n}`);
  const s = setup();
  const done = s.read(names, { order: 'arrival' });
  // Writers are other processes, as in a pipeline (`feed-kalshi > k.fifo &`).
  const writers = names.map((n) => spawn('sh', ['-c', 'exec cat > "$0"', n], { stdio: ['pipe', 'ignore', 'inherit'] }).stdin);
  // Every pipe is open and quiet but the last: its records still come through.
  writers[5]!.write(`${metric(1, 'f1')}\n`);
  await s.handled('f1');
  writers[0]!.write(`${metric(2, 'a1')}\n`);
  await s.handled('a1');
  writers[5]!.write(`${metric(3, 'f2')}\n`);
  await s.handled('f2');
  for (const w of writers) w.end();
  await done;
  t.same(s.tags(), ['f1', 'a1', 'f2']);
  t.equal(s.seen[0]!.where.source, names[5]);
});

t.test("arrival: a chunk's end is awaited before any input is read on (backpressure holds for all)", async (t) => {
  const a = new PassThrough();
  const b = new PassThrough();
  const order: string[] = [];
  let release: (() => void) | undefined;
  let inChunkEnd: (() => void) | undefined;
  const logs = new MemorySink();
  const decoder = new Decoder({ log: new Logger({ cmd: 'test', clock: new ReplayClock(0), sink: logs }), consume: new Set() });
  const done = readInputs(
    [
      { name: 'a', stream: a },
      { name: 'b', stream: b },
    ],
    {
      record(d) {
        order.push((JSON.parse(d.raw) as { labels: { tag: string } }).labels.tag);
      },
      async chunkEnd() {
        if (release === undefined && order.length > 0) {
          order.push('chunkEnd-waits');
          await new Promise<void>((r) => {
            release = r;
            inChunkEnd?.();
          });
          order.push('chunkEnd-done');
        }
      },
    },
    { order: 'arrival', decoder },
  );
  const waiting = new Promise<void>((r) => {
    inChunkEnd = r;
  });
  a.write(`${metric(1, 'a1')}\n`);
  await waiting; // a's chunk end is pending (stdout backpressured, a batch committing)
  b.write(`${metric(2, 'b1')}\n`);
  // Let b's chunk reach the reader: it must wait for a's chunk end to finish.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  t.same(order, ['a1', 'chunkEnd-waits'], "b not handled while a's chunk end is pending");
  release!();
  a.end();
  b.end();
  await done;
  t.same(order, ['a1', 'chunkEnd-waits', 'chunkEnd-done', 'b1']);
});

t.test('arrival: bad lines are diagnosed with source:line; --strict stops every input and throws', async (t) => {
  const s = setup();
  const a = new PassThrough();
  const b = new PassThrough();
  const done = s.read(
    [
      { name: 'a', stream: a },
      { name: 'b', stream: b },
    ],
    { order: 'arrival' },
  );
  b.write(`${metric(1, 'b1')}\nnot json\n`);
  a.end(`${metric(1, 'a1')}\n`);
  b.end();
  await done;
  t.same(s.tags().sort(), ['a1', 'b1']);
  t.match(
    s.logs.records().find((l) => l.msg === 'bad input line'),
    { src: 'b:2', reason: 'not-json' },
  );

  const strict = setup({ strict: true });
  const quiet = new PassThrough(); // never ends on its own: the failure must stop it
  const bad = new PassThrough();
  const p = strict.read(
    [
      { name: 'quiet', stream: quiet },
      { name: 'bad', stream: bad },
    ],
    { order: 'arrival' },
  );
  bad.end('garbage\n');
  await t.rejects(p, StrictModeError);
  t.ok(quiet.destroyed, 'the other input was stopped');
});

t.test('arrival under --replay: the clock follows each record; going back is counted, never run backwards', async (t) => {
  const s = setup();
  const clock = new ReplayClock();
  const a = new PassThrough();
  const b = new PassThrough();
  const fired: number[] = [];
  clock.setTimeout(() => fired.push(clock.now()), 5);
  const done = s.read(
    [
      { name: 'a', stream: a },
      { name: 'b', stream: b },
    ],
    { order: 'arrival', replayClock: clock },
  );
  a.write(`${metric(100, 'a1')}\n`);
  await s.handled('a1');
  t.equal(clock.now(), 100, 'anchored at the first record');
  b.end(`${metric(103, 'b1', 110)}\n`);
  await s.handled('b1');
  t.equal(clock.now(), 110, 'recv_ts, else ts');
  t.same(fired, [105]);
  a.end(`${metric(107, 'a2')}\n`);
  const r = await done;
  t.equal(clock.now(), 110);
  t.equal(r.unsorted, 1);
});

function files(t: { testdir(fixture: Record<string, string>): string }, content: Record<string, string[]>): string[] {
  const dir = t.testdir(Object.fromEntries(Object.entries(content).map(([k, v]) => [k, v.join('\n') + '\n'])));
  return Object.keys(content).map((k) => join(dir, k));
}

t.test('time: the same order as ndcat --merge, ties by (time, input, line), manifests keep their place', async (t) => {
  const manifest = (ts: number) => JSON.stringify({ type: 'run.manifest', ts, cmd: 'x' });
  const paths = files(t, {
    'a.ndjson': [manifest(1), metric(10, 'a1'), metric(20, 'a2'), metric(20, 'a3'), metric(30, 'a4')],
    'b.ndjson': [metric(5, 'b1', 20), metric(20, 'b2'), '', 'garbage', metric(25, 'b3')],
    'c.ndjson': [metric(0, 'c1'), manifest(2), metric(40, 'c2')],
  });
  const s = setup();
  await s.read(paths, { order: 'time' });
  const ours = s.seen.map((x) => x.where.raw);
  const nd = await run('ndcat', ['--merge', ...paths]);
  t.equal(nd.code, 0);
  t.same(ours, nd.stdout.split('\n').filter(Boolean).slice(1), 'byte for byte the lines ndcat --merge writes');
  t.same(s.tags(), ['run.manifest', 'c1', 'run.manifest', 'a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'a4', 'c2']);
});

t.test('time: an input out of order is an UnsortedInputError naming it; a slack puts it back in order', async (t) => {
  const paths = files(t, {
    'a.ndjson': [metric(10, 'a1'), metric(30, 'a2')],
    'b.ndjson': [metric(20, 'b1'), metric(19, 'b2'), metric(40, 'b3')],
  });
  const s = setup();
  const e = await s.read(paths, { order: 'time' }).then(
    () => undefined,
    (x: unknown) => x,
  );
  t.ok(e instanceof UnsortedInputError);
  t.match(e, { source: paths[1], line: 2, ts: 19, prevTs: 20 });
  const slack = setup();
  await slack.read(paths, { order: 'time', slackMs: 1 });
  t.same(slack.tags(), ['a1', 'b2', 'b1', 'a2', 'b3']);
  const tight = setup();
  await t.rejects(
    tight.read(
      ['a.ndjson', 'b.ndjson'].map((f) => join(paths[0]!, '..', f)),
      { order: 'time', slackMs: 0 },
    ),
    UnsortedInputError,
  );
});

t.test('time: a record with no time, or not integer epoch ms, is a bad line', async (t) => {
  const paths = files(t, { 'a.ndjson': [JSON.stringify({ type: 'metric', name: 'x' }), metric(1.5, 'frac'), metric(2, 'ok')] });
  const s = setup();
  await s.read(paths, { order: 'time' });
  t.same(s.tags(), ['ok']);
  t.same(Object.fromEntries(s.decoder.counts.rejected), { 'no-ts': 1, 'bad-ts': 1 });
});

t.test("time under --replay: the clock reaches each record's time first, timers before same-time data; headers wait for the first time", async (t) => {
  const paths = files(t, {
    'a.ndjson': [JSON.stringify({ type: 'run.manifest', ts: 1, cmd: 'x' }), metric(100, 'a1'), metric(120, 'a2')],
    'b.ndjson': [metric(110, 'b1')],
  });
  const clock = new ReplayClock();
  const events: string[] = [];
  let anchored = 0;
  clock.setInterval(() => events.push(`tick@${clock.now()}`), 10);
  const logs = new MemorySink();
  const decoder = new Decoder({ log: new Logger({ cmd: 'test', clock, sink: logs }), consume: new Set() });
  await readInputs(
    paths,
    {
      record(d) {
        const r = JSON.parse(d.raw) as { type: string; labels?: { tag: string } };
        events.push(`${r.labels?.tag ?? r.type}@${clock.now()}`);
      },
    },
    { order: 'time', decoder, replayClock: clock, onAnchor: () => anchored++ },
  );
  t.same(events, ['run.manifest@100', 'a1@100', 'tick@110', 'b1@110', 'tick@120', 'a2@120']);
  t.equal(anchored, 1);
});

t.test('concat: one input after another, as before', async (t) => {
  const paths = files(t, { 'a.ndjson': [metric(30, 'a1')], 'b.ndjson': [metric(10, 'b1')] });
  const s = setup();
  const clock = new ReplayClock();
  const r = await s.read(paths, { replayClock: clock });
  t.same(s.tags(), ['a1', 'b1']);
  t.equal(r.unsorted, 1, 'b went back in time: counted');
  t.equal(clock.now(), 30);
});

t.test('stdin can be read once only when inputs are read together', async (t) => {
  const s = setup();
  await t.rejects(s.read(['-', '-'], { order: 'arrival' }), /once only/);
  await t.rejects(s.read(['-', '-'], { order: 'time' }), /once only/);
});

t.test('the kit: ndcat --merge of a FIFO and a file', { skip: process.platform === 'win32' }, async (t) => {
  const dir = t.testdir({ 'b.ndjson': `${metric(2, 'b1')}\n` });
  const fifo = join(dir, 'a.fifo');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const p = run('ndcat', ['--merge', fifo, join(dir, 'b.ndjson')], { cwd: ROOT });
  writeFileSync(fifo, `${metric(1, 'a1')}\n${metric(3, 'a2')}\n`);
  const r = await p;
  t.equal(r.code, 0);
  t.same(
    r.records.slice(1).map((x) => (x.labels as { tag: string }).tag),
    ['a1', 'b1', 'a2'],
  );
});

t.test('arrival: a stop (SIGINT, EPIPE) ends the read of quiet inputs, pipes included', { skip: process.platform === 'win32' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chimera-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'quiet.fifo');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const s = setup();
  const stop = new AbortController();
  const quiet = new PassThrough();
  const busy = new PassThrough();
  const done = s.read([fifo, { name: 'quiet', stream: quiet }, { name: 'busy', stream: busy }], { order: 'arrival', signal: stop.signal });
  busy.write(`${metric(1, 'b1')}\n`);
  await s.handled('b1');
  stop.abort('SIGINT');
  const r = await done;
  t.same(r, { unsorted: 0 });
  t.ok(quiet.destroyed && busy.destroyed, 'every input stopped');
  t.same(s.tags(), ['b1']);
  // Stopped before it began: a quiet pipe with no writer is not waited on.
  const s2 = setup();
  t.same(await s2.read([fifo], { order: 'arrival', signal: AbortSignal.abort() }), { unsorted: 0 });
});

t.test('time: an input out of order closes the others (no reader left open on a live input)', async (t) => {
  const paths = files(t, { 'a.ndjson': [metric(10, 'a1'), metric(5, 'a2')] });
  const live = new PassThrough(); // still open: more may come
  live.write(`${metric(1, 'b1')}\n${metric(2, 'b2')}\n${metric(20, 'b3')}\n`);
  const s = setup();
  await t.rejects(s.read([paths[0]!, { name: 'live', stream: live }], { order: 'time' }), UnsortedInputError);
  t.same(s.tags(), ['b1', 'b2', 'a1']);
  t.ok(live.destroyed, 'the other input was closed');
});
