// The shared raw recording plumbing (src/feeds/raw.ts): a recording is a header and one
// line per input, redacted on the way out; a replay hands each input to the engine with
// the replay clock at its recv_ts, compares settings, and reports bad lines.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { openRawRecording, readRawHeader, replayRaw } from '../../src/feeds/raw.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redact.js';

const dir = mkdtempSync(`${tmpdir()}/chimera-raw-`);
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function logger(clock: ReplayClock): { log: Logger; sink: MemorySink } {
  const sink = new MemorySink();
  return { log: new Logger({ cmd: 'test', clock, sink, level: 'debug' }), sink };
}

t.test('recorded through the redactor, then replayed in order on the clock', async (t) => {
  const redactor = new Redactor();
  redactor.add('s3cret-key-id-123');
  const clock = new ReplayClock(1000);
  const { log } = logger(clock);
  const file = `${dir}/a.ndjson`;
  const rec = openRawRecording(file, { source: 'test', version: 1, settings: { depth: 3 }, recvTs: 1000, redact: redactor, log });
  rec.write({ kind: 'frame', recv_ts: 1001, data: 'hello' } as { kind: string; recv_ts: number });
  rec.write({ kind: 'frame', recv_ts: 1005, data: 'bad key s3cret-key-id-123' } as { kind: string; recv_ts: number });
  await rec.close();
  const text = readFileSync(file, 'utf8');
  t.notOk(text.includes('s3cret-key-id-123'), 'the secret is not in the file');
  t.match(text, /\[REDACTED\]/);
  t.match(await readRawHeader(file), { kind: 'header', source: 'test', version: 1, recv_ts: 1000, settings: { depth: 3 } });

  const seen: Array<[number, string]> = [];
  const replayClock = new ReplayClock();
  const fired: number[] = [];
  replayClock.setTimeout(() => fired.push(replayClock.now()), 3); // due between the two frames, once anchored
  const r = logger(replayClock);
  const bad = await replayRaw<{ data: string }>(file, {
    source: 'test',
    version: 1,
    settings: { depth: 2 },
    clock: replayClock,
    log: r.log,
    parse: (e) => (typeof e.data === 'string' ? { data: e.data } : 'no data'),
    apply: (e) => seen.push([replayClock.now(), e.data]),
  });
  t.same(bad, {});
  t.same(
    seen,
    [
      [1001, 'hello'],
      [1005, 'bad key [REDACTED]'],
    ],
    'each entry at its recv_ts',
  );
  t.same(fired, [1004], 'timers fire between entries, at their due time');
  t.ok(
    r.sink
      .records()
      .some((l) => /settings other than the recording/.test(String(l.msg)) && JSON.stringify(l.differences) === '{"depth":{"recorded":3,"now":2}}'),
    'a settings difference is warned about',
  );
});

t.test('bad lines: reported with file:line, counted, skipped', async (t) => {
  const file = `${dir}/bad.ndjson`;
  writeFileSync(
    file,
    [
      '{"kind":"header","source":"other","version":9,"settings":{}}',
      'nope',
      '"str"',
      '{"kind":"x"}',
      '{"kind":"x","recv_ts":-1}',
      '{"kind":"x","recv_ts":5}',
      '{"kind":"y","recv_ts":6}',
      '',
    ].join('\n'),
  );
  const clock = new ReplayClock();
  const { log, sink } = logger(clock);
  const applied: string[] = [];
  const bad = await replayRaw<{ k: string }>(file, {
    source: 'test',
    version: 1,
    settings: {},
    clock,
    log,
    parse: (e) => (e.kind === 'y' ? { k: 'y' } : 'not a y'),
    apply: (e) => applied.push(e.k),
  });
  t.same(bad, { 'not-json': 1, 'not-object': 1, shape: 3 });
  t.same(applied, ['y']);
  const logs = sink.records();
  t.ok(
    logs.some((l) => l.msg === 'bad line in the raw recording' && /bad\.ndjson:2$/.test(String(l.src))),
    'source:line',
  );
  t.ok(logs.some((l) => l.msg === 'raw recording of another source'));
  t.ok(logs.some((l) => l.msg === 'raw recording of another version'));
  t.equal(await readRawHeader(`${dir}/bad.ndjson`).then((h) => h?.source), 'other');
  writeFileSync(`${dir}/nohdr.ndjson`, '{"kind":"y","recv_ts":6}\n');
  t.equal(await readRawHeader(`${dir}/nohdr.ndjson`), undefined, 'no header line');
});
