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
  t.same(
    r.records.slice(1).map((x) => x.type),
    ['result', 'metric'],
  );
  const m = await run('validate', [`${dir}/missing.ndjson`]);
  t.equal(m.code, 2, 'a missing file is a usage error, before any output');
  t.equal(m.stdout, '');
  t.match(m.stderr, /missing\.ndjson: cannot read: no such file/);
});

t.test('records that mean nothing are refused, each diagnostic naming the field; a duplicate key too (issue 14 section 3)', async (t) => {
  const good = VALID['fill'];
  const lines = [
    JSON.stringify(good),
    JSON.stringify({ ...VALID['odds.line'], event: 'nhl-2026-01-25-tor-nyr' }),
    JSON.stringify({ ...VALID['odds.line'], event: 'nba-2026-02-30-den-mem' }),
    JSON.stringify({ ...VALID['odds.line'], event: 'nba-2026-01-25-den-xyz' }),
    JSON.stringify({ ...good, ticker: 'KXNFLGAME-26JAN25DENKC-KC' }),
    JSON.stringify({ ...VALID['order'], ticker: 'KXMLBGAME-26JUL04NYYBOS-NYY' }),
    JSON.stringify({ ...VALID['oracle.prob'], p_home: 0.9, p_away: 0.9 }),
    JSON.stringify({ ...VALID['result'], winner: 'away' }),
    JSON.stringify({ ...VALID['odds.line'], home_odds: 1e300 }),
    JSON.stringify(good).replace('"price":0.42', '"price":0.99,"price":0.42'),
  ];
  const r = await run('validate', [], { input: lines.join('\n') + '\n' });
  t.equal(r.code, 1, 'a bad line makes the exit status 1');
  t.same(r.records.slice(1), [good], 'only the meaningful record goes through');
  const detail = (n: number): string => String(r.logs.find((l) => l.msg === 'bad input line' && l.src === `stdin:${n}`)?.detail);
  t.match(detail(2), /^odds\.line: sport: sport "nba" contradicts the event id nhl-2026-01-25-tor-nyr \(nhl\)/);
  t.match(detail(3), /^odds\.line: event: no date 2026-02-30/);
  t.match(detail(4), /^odds\.line: event: home team "xyz" is not a NBA team code/);
  t.match(detail(5), /^fill: ticker: KXNFLGAME-26JAN25DENKC: series KXNFLGAME is not a game-winner series we trade/);
  t.match(detail(6), /^order: ticker: .*series KXMLBGAME/);
  t.match(detail(7), /^oracle\.prob: p_away: p_home \+ p_away = 1\.8/);
  t.match(detail(8), /^result: winner: winner "away" contradicts the score \(home 112, away 108\)/);
  t.match(detail(9), /^odds\.line: home_odds: decimal odds must be <= 10000/);
  t.match(detail(10), /^duplicate key "price": a record names each field once/);
  t.same(summary(r.logs)!.rejected_by_reason, { schema: 8, 'duplicate-key': 1 });
});
