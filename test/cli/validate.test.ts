import t from 'tap';
import { RECORD_TYPES } from '../../src/schema/records.js';
import { ndjson, run, summary } from '../helpers/run.js';
import { VALID } from '../fixtures/records.js';

t.test('a stream holding every record type validates clean: records out unchanged, counts by type', async (t) => {
  const input = ndjson(RECORD_TYPES.map((type) => VALID[type]));
  const r = await run('validate', [], { input });
  t.equal(r.code, 0);
  t.equal(r.stdout.slice(r.stdout.indexOf('\n') + 1), input);
  const s = summary(r.logs)!;
  t.equal(s.in, RECORD_TYPES.length);
  t.equal(s.rejected, 0);
  for (const type of RECORD_TYPES) t.equal((s.in_by_type as Record<string, number>)[type], 1, type);
});

t.test('every bad line is listed (no throttling), the exit status is 1', async (t) => {
  const bad = Array.from({ length: 150 }, (_, i) => `{"type":"odds.line","ts":${i}}`);
  const r = await run('validate', ['--quiet'], { input: bad.join('\n') + '\n' });
  t.equal(r.code, 1);
  t.equal(r.stdout, '', '--quiet writes nothing to stdout');
  const diags = r.logs.filter((l) => l.msg === 'bad input line');
  t.equal(diags.length, 150);
  t.match(diags[149], { src: 'stdin:150', reason: 'schema' });
});

t.test('files in order, - for stdin, and a missing file is an error', async (t) => {
  const dir = t.testdir({ 'a.ndjson': ndjson([VALID['result']]) });
  const r = await run('validate', [`${dir}/a.ndjson`, '-'], { input: ndjson([VALID['metric']]) });
  t.equal(r.code, 0);
  t.same(r.records.slice(1).map((x) => x.type), ['result', 'metric']);
  const m = await run('validate', [`${dir}/missing.ndjson`]);
  t.equal(m.code, 2, 'a missing file is a usage error, before any output');
  t.equal(m.stdout, '');
  t.match(m.stderr, /missing\.ndjson: cannot read: no such file/);
});
