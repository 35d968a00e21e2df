import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { validateRecord } from '../../src/schema/index.js';
import { ofType, run, summary } from '../helpers/run.js';

const FILE = 'examples/history/nba-moneylines-2008-2025.csv';
const HEADER = 'season,date,regular,playoffs,away,home,score_away,score_home,moneyline_away,moneyline_home';

t.test('the bundled NBA file: every count, every diagnostic, valid sorted records', async (t) => {
  const r = await run('import-history', ['nba', FILE]);
  t.equal(r.code, 0, r.stderr.slice(0, 500));
  t.equal(r.records[0]?.type, 'run.manifest');
  const lines = ofType(r.records, 'odds.line');
  const results = ofType(r.records, 'result');
  // 23,118 games; 3,298 without both moneylines; one with the price "8": 19,819 lines.
  // One tie (ny-phx 95-95 on 2012-12-26): 23,117 results.
  t.equal(lines.length, 19_819);
  t.equal(results.length, 23_117);
  const s = summary(r.logs)!;
  t.match(s, {
    rows: 23_118,
    odds_lines: 19_819,
    results: 23_117,
    missing_moneyline: 3_298,
    under_round: 1,
    rejected: 2,
    rejected_by_reason: { 'impossible-price': 1, 'tied-score': 1 },
    exit: 0,
  });
  const bad = r.logs.filter((l) => l.msg === 'bad input line');
  t.same(
    bad.map((l) => [l.src, l.reason]),
    [
      [`${FILE}:6747`, 'tied-score'],
      [`${FILE}:7024`, 'impossible-price'],
    ],
  );
  const under = r.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('lines whose implied'));
  t.match(under, { count: 1, lines: [{ src: `${FILE}:1098`, event: 'nba-2008-03-30-dal-gsw' }] });
  t.match(
    r.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('rows without')),
    { count: 3_298 },
  );
  let prev = -Infinity;
  let invalid = 0;
  let unsorted = 0;
  for (const rec of r.records.slice(1)) {
    if (!validateRecord(rec).ok) invalid++;
    if ((rec.ts as number) < prev) unsorted++;
    prev = rec.ts as number;
  }
  t.equal(invalid, 0, 'every record passes its schema');
  // The file has dates only: every invented time is marked.
  t.equal(lines.filter((l) => JSON.stringify(l.time_assumed) !== '["ts","commence_ts","home_ts","away_ts"]').length, 0, 'every line marks its times assumed');
  t.equal(results.filter((x) => JSON.stringify(x.time_assumed) !== '["ts"]').length, 0, 'every result marks its ts assumed');
  t.equal(unsorted, 0, 'sorted by ts');
  const events = new Set(lines.map((l) => l.event));
  t.equal(events.size, lines.length, 'one line per game');
  // Line and result of the first game, exactly.
  t.match(lines[0], { event: 'nba-2007-10-30-por-sas', home_odds: 1.0714285714285714, away_odds: 10, source: 'history', book: 'consensus' });
  t.match(
    results.find((x) => x.event === 'nba-2007-10-30-por-sas'),
    { winner: 'home', home_score: 106, away_score: 97 },
  );
  // Games with a line and a result: 19,818 (the tie has a line and no result).
  const won = new Set(results.map((x) => x.event));
  t.equal(lines.filter((l) => won.has(l.event as string)).length, 19_818);
});

t.test('bad rows are reported by file:line and counted; good rows survive', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/chimera-hist-`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = `${dir}/games.csv`;
  writeFileSync(
    f,
    [
      HEADER,
      '2008,2007-10-30,True,False,por,sa,97,106,900,-1400',
      '2008,2007-10-30,True,False,xyz,sa,97,106,900,-1400',
      '2008,2007-13-30,True,False,por,sa,97,106,900,-1400',
      '2008,2007-10-31,True,False,bos,ny,97,106,abc,-140',
      '2008,2007-10-31,True,False,utah,gs,97,,120,-140',
      '2008,2007-10-30,True,False,por,sa,97,106,900,-1400',
      '',
    ].join('\r\n'),
  );
  const r = await run('import-history', ['nba', f]);
  t.equal(r.code, 0);
  t.match(summary(r.logs), {
    rows: 6,
    odds_lines: 2,
    results: 2,
    rejected_by_reason: { 'unknown-team': 1, 'bad-date': 1, 'bad-price': 1, 'bad-score': 1, 'duplicate-game': 1 },
  });
  t.same(
    r.logs.filter((l) => l.msg === 'bad input line').map((l) => l.src),
    [3, 4, 5, 6, 7].map((n) => `${f}:${n}`),
  );
});

t.test('stdin, wrong sport, missing columns, missing file', async (t) => {
  const r = await run('import-history', ['nba', '-'], { input: `${HEADER}\n2008,2007-10-30,True,False,por,sa,97,106,900,-1400\n` });
  t.equal(r.code, 0);
  t.equal(ofType(r.records, 'odds.line').length, 1);
  const nhl = await run('import-history', ['nhl', FILE]);
  t.equal(nhl.code, 2);
  t.match(nhl.stderr, /no nhl history format/);
  const nfl = await run('import-history', ['nfl', FILE]);
  t.equal(nfl.code, 2);
  const cols = await run('import-history', ['nba', '-'], { input: 'date,away,home\n2007-10-30,por,sa\n' });
  t.equal(cols.code, 1);
  t.match(cols.stderr, /columns missing/);
  const none = await run('import-history', ['nba', '/nonexistent/file.csv']);
  t.equal(none.code, 2, 'a missing file is a usage error, before any output');
  t.equal(none.stdout, '');
  t.match(none.stderr, /\/nonexistent\/file.csv: cannot read: no such file/);
  const empty = await run('import-history', ['nba', '-'], { input: `${HEADER}\n` });
  t.equal(empty.code, 1);
  t.match(empty.stderr, /no games/);
  const quote = await run('import-history', ['nba', '-'], { input: `${HEADER}\n2008,"2007-10-30,True,False,por,sa,97,106,900,-1400\n` });
  t.equal(quote.code, 1);
  t.match(quote.stderr, /not readable as CSV/);
});
