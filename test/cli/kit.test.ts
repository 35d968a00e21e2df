// What every command gets from the kit, checked through the real binaries.
import t from 'tap';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ROOT, ndjson, run, summary } from '../helpers/run.js';
import { VALID } from '../fixtures/records.js';

const good = [VALID['odds.line'], VALID['result'], VALID['kalshi.book']];
const input = ndjson(good);

t.test('the run manifest is the first record, then the records unchanged', async (t) => {
  const r = await run('ndcat', [], { input });
  t.equal(r.code, 0);
  t.match(r.records[0], { type: 'run.manifest', cmd: 'ndcat', profile: 'default', argv: [] });
  t.equal(r.stdout.split('\n').slice(1).join('\n'), input, 'records verbatim, in order');
  t.match(summary(r.logs), { in: 3, out: 4, rejected: 0, exit: 0 });
});

t.test('usage and config errors exit 2 with a message', async (t) => {
  const a = await run('ndcat', ['--no-such-flag']);
  t.equal(a.code, 2);
  t.match(a.stderr, /unknown option '--no-such-flag'/);
  const dir = t.testdir({ 'bad.json': '{"log":{"levle":"info"}}' });
  const b = await run('ndcat', ['--config', `${dir}/bad.json`], { input });
  t.equal(b.code, 2);
  t.match(
    b.logs.find((l) => l.level === 50),
    { msg: /log\.levle: unknown key/ },
  );
  t.equal(b.stdout, '', 'nothing written on a config error');
  const c = await run('ndcat', ['--profile', 'live'], { input });
  t.equal(c.code, 2);
  t.match(c.stderr, /profile \\"live\\" is not defined/);
});

t.test('--strict exits 1 at the first bad line, naming it', async (t) => {
  const r = await run('validate', ['--strict'], { input: `${input}not json\n${input}` });
  t.equal(r.code, 1);
  t.match(
    r.logs.find((l) => l.level === 50),
    { msg: 'bad input line (--strict)', src: 'stdin:4', reason: 'not-json' },
  );
});

t.test('--reject keeps bad lines verbatim; the summary counts them by reason', async (t) => {
  const dir = t.testdir({});
  const bad = ['{"type":"odds.line","ts":1}', 'garbage', '{"no":"type"}'];
  const r = await run('validate', ['--reject', `${dir}/bad.ndjson`], { input: `${input}${bad.join('\n')}\n` });
  t.equal(r.code, 1, 'validate exits 1 when any line was bad');
  t.equal(readFileSync(`${dir}/bad.ndjson`, 'utf8'), bad.join('\n') + '\n');
  t.match(summary(r.logs), { in: 6, rejected: 3, rejected_by_reason: { schema: 1, 'not-json': 1, 'no-type': 1 } });
  t.equal(r.records.length, 4, 'manifest + the 3 good records');
});

t.test('EPIPE: | head ends the run with 0 and no error', async (t) => {
  const big = ndjson(Array.from({ length: 200_000 }, (_, i) => ({ ...VALID['metric'], ts: i })));
  const dir = t.testdir({ 'big.ndjson': big });
  const out = spawnSync('bash', ['-c', `set -o pipefail; bin/ndcat ${dir}/big.ndjson | head -n 3; echo "status=\${PIPESTATUS[0]}" >&2`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  t.equal(out.stdout.split('\n').filter(Boolean).length, 3);
  t.match(out.stderr, /status=0/);
  t.notMatch(out.stderr, /"level":50/);
  t.match(out.stderr, /"stopped_by":"epipe"/);
});

t.test('a write failure other than EPIPE (a full disk) is an error: logged, exit 1, not a quiet success', async (t) => {
  const big = ndjson(Array.from({ length: 50_000 }, (_, i) => ({ ...VALID['metric'], ts: i })));
  const dir = t.testdir({ 'big.ndjson': big });
  const out = spawnSync('bash', ['-c', `bin/ndcat ${dir}/big.ndjson > /dev/full; echo "status=$?" >&2`], { cwd: ROOT, encoding: 'utf8' });
  t.match(out.stderr, /status=1/);
  t.match(out.stderr, /"level":50[^\n]*cannot write stdout[^\n]*ENOSPC/);
  t.match(out.stderr, /"stopped_by":"output-error"/);
});

t.test('--reject or --metrics naming a path that cannot be opened: exit 2 before any work, no crash', async (t) => {
  for (const flag of ['--reject', '--metrics']) {
    const r = await run('ndcat', [flag, '/nonexistent-dir/x.ndjson'], { input: ndjson([VALID['metric']]) });
    t.equal(r.code, 2, flag);
    t.match(r.stderr, new RegExp(`${flag} /nonexistent-dir/x.ndjson: cannot open for appending: ENOENT`));
    t.notMatch(r.stderr, /at .*\(node:/, `${flag}: no stack trace`);
    t.equal(r.stdout, '', `${flag}: nothing written`);
  }
});

t.test('SIGTERM: the lines read so far are flushed, the summary written, exit 0', async (t) => {
  const r = await run('ndcat', [], {
    keepStdinOpen: true,
    onSpawn: (child) => {
      child.stdin!.write(input); // stdin stays open: the command waits for more
      let seen = '';
      child.stdout!.on('data', (b: Buffer) => {
        seen += b.toString();
        if (seen.split('\n').length > 4) child.kill('SIGTERM'); // manifest + 3 records are out
      });
    },
  });
  t.equal(r.code, 0);
  t.equal(r.records.length, 4);
  t.match(summary(r.logs), { in: 3, stopped_by: 'SIGTERM', exit: 0 });
});

t.test('--run-dir freezes the manifest and the resolved config; --metrics writes metric records', async (t) => {
  const dir = t.testdir({});
  const r = await run('ndcat', ['--run-dir', `${dir}/run`, '--metrics', `${dir}/m.ndjson`], { input });
  t.equal(r.code, 0);
  const m = JSON.parse(readFileSync(`${dir}/run/ndcat.manifest.json`, 'utf8'));
  t.same(m, r.records[0], 'the frozen manifest is the one on stdout');
  t.equal(statSync(`${dir}/run/ndcat.config.json`).mode & 0o777, 0o400);
  const metrics = readFileSync(`${dir}/m.ndjson`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(
    metrics.find((m) => m.name === 'records_in_total' && (m.labels as Record<string, string>).type === 'odds.line'),
    { type: 'metric', kind: 'counter', value: 1 },
  );
  t.match(
    metrics.find((m) => m.name === 'records_out_total' && (m.labels as Record<string, string>).type === 'run.manifest'),
    { value: 1 },
  );
  const again = await run('ndcat', ['--run-dir', `${dir}/run`], { input });
  t.equal(again.code, 2, 'a run dir is not reused');
});

t.test('--replay: two runs are byte-identical, logs included', async (t) => {
  const dir = t.testdir({});
  const file = `${dir}/in.ndjson`;
  writeFileSync(file, `${input}oops\n${ndjson([VALID['metric']])}`);
  const a = await run('validate', ['--replay', file]);
  const b = await run('validate', ['--replay', file]);
  t.equal(a.code, 1);
  t.equal(a.stdout, b.stdout);
  t.equal(a.stderr, b.stderr);
  t.equal(a.records[0]!.started_ts, VALID['odds.line'].recv_ts, "the manifest is stamped with the first record's replay time (recv_ts)");
  t.notMatch(a.stderr, /elapsed_ms/);
});

t.test("--replay with --run-dir for a text command: the manifest has the first record's time; a used run dir is refused before any work", async (t) => {
  const T = 1769380000000;
  const dir = t.testdir({
    'in.ndjson': ndjson([
      { ...VALID['metric'], ts: T },
      { ...VALID['metric'], ts: T + 5 },
    ]),
  });
  const r = await run('validate', ['--quiet', '--replay', '--run-dir', `${dir}/run`, `${dir}/in.ndjson`]);
  t.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(`${dir}/run/validate.manifest.json`, 'utf8')) as { ts: number; started_ts: number };
  t.equal(m.started_ts, T);
  t.equal(m.ts, T);
  t.match(r.stderr, new RegExp(`"msg":"run","manifest":\\{[^}]*"started_ts":${T}`), 'the run line is logged with it');
  const again = await run('validate', ['--quiet', '--replay', '--run-dir', `${dir}/run`, `${dir}/in.ndjson`]);
  t.equal(again.code, 2);
  t.match(again.stderr, /already holds/);
  t.match(summary(again.logs), { in: 0 }, 'refused before reading');
});

t.test('a secret passed as a flag (sim --key) is masked in the manifest argv and in every log line', async (t) => {
  const key = 'flag-secret-8d7c6b';
  const r = await run('sim', ['oddsapi', '--scenario', 'examples/feeds/oddsapi.scenario.ndjson', '--key', key, '--exit-after', '1'], {
    // Stopped once it is listening (its signal handlers are in place), not after a guess of the wall clock.
    onSpawn: (child) => {
      let seen = '';
      child.stdout!.on('data', (b: Buffer) => {
        seen += b.toString();
        if (seen.includes('"sim.listening"')) child.kill('SIGTERM');
      });
    },
  });
  t.equal(r.code, 0);
  t.notMatch(r.stderr + r.stdout, new RegExp(key));
  t.match(r.stderr, /"argv":\["oddsapi","--scenario","examples\/feeds\/oddsapi.scenario.ndjson","--key","\[REDACTED\]"/);
});
