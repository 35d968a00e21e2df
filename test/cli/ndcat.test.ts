import t from 'tap';
import { ndjson, run, summary } from '../helpers/run.js';

const rec = (ts: number, tag: string): Record<string, unknown> => ({ type: 'metric', ts, name: 'x', value: 1, labels: { tag } });

t.test('concatenation keeps file order and passes lines verbatim, unknown types included', async (t) => {
  const dir = t.testdir({
    'a.ndjson': ndjson([rec(5, 'a1'), rec(1, 'a2')]),
    'b.ndjson': '{"type":"future.kind","ts":3,"x":  1}\n',
  });
  const r = await run('ndcat', [`${dir}/a.ndjson`, `${dir}/b.ndjson`]);
  t.equal(r.code, 0);
  t.same(r.stdout.split('\n').slice(1, -1), [JSON.stringify(rec(5, 'a1')), JSON.stringify(rec(1, 'a2')), '{"type":"future.kind","ts":3,"x":  1}']);
});

t.test('--merge orders by (ts, file position, line) and is the same for every run', async (t) => {
  const dir = t.testdir({
    'a.ndjson': ndjson([rec(1, 'a1'), rec(3, 'a2'), rec(3, 'a3'), rec(9, 'a4')]),
    'b.ndjson': ndjson([rec(2, 'b1'), rec(3, 'b2'), rec(4, 'b3')]),
  });
  const r = await run('ndcat', ['--merge', `${dir}/a.ndjson`, `${dir}/b.ndjson`]);
  t.equal(r.code, 0);
  t.same(
    r.records.slice(1).map((x) => (x.labels as { tag: string }).tag),
    ['a1', 'b1', 'a2', 'a3', 'b2', 'b3', 'a4'],
  );
  const swapped = await run('ndcat', ['--merge', `${dir}/b.ndjson`, `${dir}/a.ndjson`]);
  t.same(
    swapped.records.slice(1).map((x) => (x.labels as { tag: string }).tag),
    ['a1', 'b1', 'b2', 'a2', 'a3', 'b3', 'a4'],
    'ties follow argument order',
  );
});

t.test('--merge refuses a file that goes back in time, naming the line', async (t) => {
  const dir = t.testdir({ 'a.ndjson': ndjson([rec(1, 'a')]), 'b.ndjson': ndjson([rec(5, 'b1'), rec(4, 'b2')]) });
  const r = await run('ndcat', ['--merge', `${dir}/a.ndjson`, `${dir}/b.ndjson`]);
  t.equal(r.code, 1);
  t.match(
    r.logs.find((l) => l.level === 50),
    { src: /b\.ndjson:2$/, record_time: 4, previous_time: 5 },
  );
  const slack = await run('ndcat', ['--merge', '--slack', '1', `${dir}/a.ndjson`, `${dir}/b.ndjson`]);
  t.equal(slack.code, 0, '--slack 1 puts a record 1 ms late back in order');
  t.same(
    slack.records.slice(1).map((x) => (x.labels as { tag: string }).tag),
    ['a', 'b2', 'b1'],
  );
  const tight = await run('ndcat', ['--merge', '--slack', '1', `${dir}/b.ndjson`, `${dir}/a.ndjson`]);
  t.equal(tight.code, 0);
});

t.test('--merge with stdin, bad lines reported and counted; --validate checks schemas', async (t) => {
  const dir = t.testdir({ 'a.ndjson': `${JSON.stringify(rec(2, 'a'))}\nnot json\n{"type":"x"}\n` });
  const r = await run('ndcat', ['--merge', `${dir}/a.ndjson`, '-'], { input: ndjson([rec(1, 's')]) });
  t.equal(r.code, 0);
  t.same(
    r.records.slice(1).map((x) => (x.labels as { tag: string }).tag),
    ['s', 'a'],
  );
  t.match(summary(r.logs), { rejected: 2, rejected_by_reason: { 'not-json': 1, 'no-ts': 1 } });
  const v = await run('ndcat', ['--validate'], { input: '{"type":"metric","ts":1}\n' });
  t.match(summary(v.logs), { rejected_by_reason: { schema: 1 } });
});

t.test('--merge orders by receipt time (recv_ts, else ts); manifests stay headers', async (t) => {
  const manifest = (cmd: string, ts: number): Record<string, unknown> => ({
    type: 'run.manifest',
    ts,
    cmd,
    version: '0',
    branch: null,
    commit: null,
    dirty: null,
    profile: 'default',
    config_fingerprint: 'f'.repeat(64),
    argv: [],
    started_ts: ts,
  });
  // A polled feed: event times (ts) lag and are not in order; receipt times are.
  const polled = [manifest('devig', 1000), manifest('feed-oddsapi', 999), { ...rec(10, 'p1'), recv_ts: 1001 }, { ...rec(5, 'p2'), recv_ts: 1005 }];
  const live = [manifest('feed-kalshi', 1002), rec(1003, 'k1'), rec(1004, 'k2')];
  const dir = t.testdir({ 'p.ndjson': ndjson(polled), 'k.ndjson': ndjson(live) });
  const r = await run('ndcat', ['--merge', `${dir}/p.ndjson`, `${dir}/k.ndjson`]);
  t.equal(r.code, 0, r.stderr);
  t.same(
    r.records.slice(1).map((x) => (x.type === 'run.manifest' ? x.cmd : (x.labels as { tag: string }).tag)),
    ['devig', 'feed-oddsapi', 'feed-kalshi', 'p1', 'k1', 'k2', 'p2'],
  );
});

t.test('--merge --replay --metrics over recorded files that open with manifests: no spin, the clock starts at the first record', async (t) => {
  const manifest = (cmd: string, ts: number): Record<string, unknown> => ({
    type: 'run.manifest',
    ts,
    cmd,
    version: '0',
    branch: null,
    commit: null,
    dirty: null,
    profile: 'default',
    config_fingerprint: 'f'.repeat(64),
    argv: [],
    started_ts: ts,
  });
  const T = 1_769_380_000_000;
  const dir = t.testdir({
    'a.ndjson': ndjson([manifest('feed-kalshi', T - 5), rec(T, 'a1'), rec(T + 20_000, 'a2')]),
    'b.ndjson': ndjson([manifest('feed-boltodds', T - 7), rec(T + 1, 'b1')]),
  });
  const r = await run('ndcat', ['--merge', '--replay', '--metrics', `${dir}/m.ndjson`, '--metrics-every', '10000', `${dir}/a.ndjson`, `${dir}/b.ndjson`], {
    timeoutMs: 20_000,
  });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.records[0]!.type, 'run.manifest');
  t.equal(r.records[0]!.ts, T, "our manifest carries the first record's time, not -1 or 0");
  t.same(
    r.records.slice(1).map((x) => (x.type === 'run.manifest' ? x.cmd : (x.labels as { tag: string }).tag)),
    ['feed-kalshi', 'feed-boltodds', 'a1', 'b1', 'a2'],
  );
  const { readFileSync } = await import('node:fs');
  const metricTimes = [
    ...new Set(
      readFileSync(`${dir}/m.ndjson`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { ts: number }).ts),
    ),
  ];
  t.same(metricTimes, [T + 10_000, T + 20_000], 'one snapshot per 10 s beat of record time, then the final one');
});

t.test("--validate follows validate's rule: exit 1 when any line was bad (every line bad included)", async (t) => {
  const bad = 'not json\n{"type":"metric","ts":1}\n';
  const v = await run('validate', [], { input: bad });
  const n = await run('ndcat', ['--validate'], { input: bad });
  t.equal(v.code, 1);
  t.equal(n.code, 1, 'ndcat --validate: the same status as validate');
  t.equal((await run('ndcat', ['--validate', '--merge', '-'], { input: bad })).code, 1, 'with --merge too');
  t.equal((await run('ndcat', ['--validate'], { input: ndjson([rec(1, 'ok')]) })).code, 0, 'no bad line: 0');
  t.equal((await run('ndcat', [], { input: bad })).code, 0, 'without --validate a skipped line is reported and counted, as in every stage');
});

t.test('--merge rejects a negative or fractional ts or recv_ts (integer epoch ms only)', async (t) => {
  const dir = t.testdir({
    'a.ndjson': ndjson([rec(-5, 'neg'), rec(1.5, 'frac'), { ...rec(2, 'recv'), recv_ts: 2.25 }, { ...rec(-1, 'ts-neg'), recv_ts: 3 }, rec(4, 'ok')]),
  });
  const r = await run('ndcat', ['--merge', `${dir}/a.ndjson`]);
  t.equal(r.code, 0, r.stderr);
  t.same(
    r.records.slice(1).map((x) => (x.labels as { tag: string }).tag),
    ['ok'],
  );
  t.match(summary(r.logs), { rejected: 4, rejected_by_reason: { 'bad-ts': 4 } });
  t.match(
    r.logs.find((l) => l.reason === 'bad-ts'),
    { src: /a\.ndjson:1$/, detail: /not -5/ },
  );
});
