// Errors a user can act on (issue 14, part 4), through the real binaries: what the user
// named is checked before any output, an expected failure of the system is its message
// (never a stack trace), and a stop request is obeyed even when stdout is not read.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { ROOT, ndjson, run } from '../helpers/run.js';
import { VALID } from '../fixtures/records.js';

const input = ndjson([VALID['odds.line'], VALID['result'], VALID['kalshi.book']]);

t.test('a missing input file is a usage error: exit 2, nothing on stdout, no stack trace', async (t) => {
  const dir = t.testdir({ 'k.pem': 'x' });
  const cases: Array<[string, string[]]> = [
    ['ndcat', ['--merge', '/nonexistent/in.ndjson']],
    ['validate', ['--replay', '/nonexistent/in.ndjson']],
    ['devig', ['--method', 'shin', '/nonexistent/in.ndjson']],
    ['import-history', ['nba', '/nonexistent/in.csv']],
    ['feed-boltodds', ['--from-raw', '/nonexistent/raw.ndjson']],
    ['sim', ['boltodds', '--scenario', '/nonexistent/s.ndjson']],
    ['sim', ['kalshi', '--public-key', `${dir}/k.pem`, '--scenario', '/nonexistent/s.ndjson']],
    ['ndcat', [dir]],
  ];
  for (const [cmd, args] of cases) {
    const r = await run(cmd, args, { input });
    const what = `${cmd} ${args.join(' ')}`;
    t.equal(r.code, 2, what);
    t.equal(r.stdout, '', `${what}: no output`);
    t.match(r.stderr, /cannot read: (no such file|is a directory)/, `${what}: says why`);
    t.notMatch(r.stderr, /"stack"|\n\s+at /, `${what}: no stack trace`);
  }
});

t.test('a used or unwritable --run-dir is refused before any output (exit 2, no stack trace)', async (t) => {
  const dir = t.testdir({ file: 'x' });
  t.equal((await run('ndcat', ['--run-dir', `${dir}/run`], { input })).code, 0);
  const again = await run('ndcat', ['--run-dir', `${dir}/run`], { input });
  t.equal(again.code, 2);
  t.equal(again.stdout, '', 'no manifest written for a refused run');
  t.match(again.stderr, /already holds/);
  const blocked = await run('ndcat', ['--run-dir', `${dir}/file/run`], { input });
  t.equal(blocked.code, 2);
  t.equal(blocked.stdout, '');
  t.match(blocked.stderr, /--run-dir [^"]*file\/run: cannot write: not a directory/);
  t.notMatch(blocked.stderr, /"stack"/);
});

t.test('a full disk (stdout, --reject) is an error without a stack trace, and no bad line vanishes unreported', async (t) => {
  const big = ndjson(Array.from({ length: 50_000 }, (_, i) => ({ ...VALID['metric'], ts: i })));
  const dir = t.testdir({ 'big.ndjson': big });
  const out = spawnSync('bash', ['-c', `bin/ndcat ${dir}/big.ndjson > /dev/full; echo "status=$?" >&2`], { cwd: ROOT, encoding: 'utf8' });
  t.match(out.stderr, /status=1/);
  t.match(out.stderr, /cannot write stdout[^\n]*"code":"ENOSPC"/);
  t.notMatch(out.stderr, /"stack"/);
  const r = await run('ndcat', ['--reject', '/dev/full'], { input: `not json\n${input}` });
  t.equal(r.code, 1, 'the bad line could not be kept: exit 1, not a quiet 0');
  t.match(r.stderr, /cannot write the reject file[^\n]*"code":"ENOSPC"/);
  t.notMatch(r.stderr, /"stack"/);
});

t.test('--replay: log lines before the first record carry its time, not 0', async (t) => {
  const T = 1769380000000;
  const dir = t.testdir({ 'in.ndjson': `not json\n${ndjson([{ ...VALID['metric'], ts: T }])}` });
  const r = await run('validate', ['--replay', `${dir}/in.ndjson`]);
  t.equal(r.code, 1);
  t.match(
    r.logs.find((l) => l.msg === 'bad input line'),
    { src: /in\.ndjson:1$/, time: T },
  );
  t.notOk(
    r.logs.some((l) => l.time === 0),
    'no line says 1970',
  );
  t.equal(r.logs.at(-1)!.msg, 'summary');
  const empty = await run('validate', ['--replay'], { input: 'not json\n' });
  t.notOk(empty.logs.some((l) => l.time === 0) || empty.records.some((x) => x.ts === 0), 'a replay without a record says when it ran, not 1970');
});
