import t from 'tap';
import { HistoryImport, americanToDecimal, commenceOf, historyRow } from '../../src/core/history.js';
import { validateRecord } from '../../src/schema/index.js';

const row = (over: Record<string, string> = {}): Record<string, string> => ({
  season: '2008',
  date: '2007-10-30',
  regular: 'True',
  playoffs: 'False',
  away: 'por',
  home: 'sa',
  score_away: '97',
  score_home: '106',
  moneyline_away: '900',
  moneyline_home: '-1400',
  ...over,
});

t.test('American -> decimal odds, exactly', async (t) => {
  const d = (s: string) => {
    const r = americanToDecimal(s);
    return r.ok ? r.decimal : r.reason;
  };
  t.equal(d('-148'), 248 / 148, '-148 -> 1.675675...');
  t.equal(d('-148'), 1.6756756756756757);
  t.equal(d('+124'), 2.24);
  t.equal(d('124'), 2.24);
  t.equal(d('-110'), 1.9090909090909092, '-110 -> 1.909090...');
  t.equal(d('-2000'), 1.05);
  t.equal(d('1100'), 12);
  t.equal(d('100'), 2);
  t.equal(d('-100'), 2);
  t.equal(d('-1400'), 1.0714285714285714);
  t.equal(d('8'), 'impossible-price', 'the file\'s "8": |A| < 100 is not American odds');
  t.equal(d('-99'), 'impossible-price');
  t.equal(d('8.0'), 'impossible-price');
  t.equal(d('abc'), 'bad-price');
  t.equal(d('--110'), 'bad-price');
});

t.test('commence_ts: 19:00 America/New_York on the date, across daylight saving', async (t) => {
  t.equal(commenceOf('2026-01-25'), Date.UTC(2026, 0, 26, 0, 0), 'EST: 19:00 = 00:00Z next day');
  t.equal(commenceOf('2025-04-15'), Date.UTC(2025, 3, 15, 23, 0), 'EDT: 19:00 = 23:00Z');
  t.equal(commenceOf('2025-02-30'), undefined);
  t.equal(commenceOf('10/30/2007'), undefined);
});

t.test('a full row: one odds.line, one result, canonical codes, valid records', async (t) => {
  const o = historyRow('nba', row(), 2);
  t.same(o.issues, []);
  const c = Date.UTC(2007, 9, 30, 23, 0); // 19:00 EDT
  t.same(o.odds, {
    type: 'odds.line',
    ts: c - 60_000,
    source: 'history',
    book: 'consensus',
    sport: 'nba',
    event: 'nba-2007-10-30-por-sas',
    home: 'San Antonio Spurs',
    away: 'Portland Trail Blazers',
    commence_ts: c,
    home_odds: 1.0714285714285714,
    away_odds: 10,
    home_ts: c - 60_000,
    away_ts: c - 60_000,
    raw: { line: 2, moneyline_home: -1400, moneyline_away: 900 },
    time_assumed: ['ts', 'commence_ts', 'home_ts', 'away_ts'],
  });
  t.same(o.result, {
    type: 'result',
    ts: c + 3 * 3_600_000,
    sport: 'nba',
    event: 'nba-2007-10-30-por-sas',
    winner: 'home',
    home_score: 106,
    away_score: 97,
    time_assumed: ['ts'],
  });
  t.ok(validateRecord(o.odds).ok);
  t.ok(validateRecord(o.result).ok);
  // The file's codes: gs, sa, no, ny, utah, wsh.
  const e = historyRow('nba', row({ away: 'utah', home: 'gs' }), 3).odds!.event;
  t.equal(e, 'nba-2007-10-30-uta-gsw');
  t.equal(historyRow('nba', row({ away: 'no', home: 'ny' }), 4).odds!.event, 'nba-2007-10-30-nop-nyk');
  t.equal(historyRow('nba', row({ away: 'wsh', home: 'sa', score_away: '110' }), 5).result!.winner, 'away');
});

t.test('missing moneyline: no odds.line, the result is kept', async (t) => {
  for (const over of [{ moneyline_away: '', moneyline_home: '' }, { moneyline_home: '' }, { moneyline_away: ' ' }] as Array<Record<string, string>>) {
    const o = historyRow('nba', row(over), 9);
    t.equal(o.missingMoneyline, true);
    t.equal(o.odds, undefined);
    t.ok(o.result);
    t.same(o.issues, []);
  }
});

t.test('impossible price: rejected with a reason, result kept', async (t) => {
  const o = historyRow('nba', row({ moneyline_away: '8', moneyline_home: '-300' }), 7024);
  t.equal(o.odds, undefined);
  t.ok(o.result);
  t.equal(o.issues[0]?.reason, 'impossible-price');
  t.match(o.issues[0]?.detail, /moneyline_away: 8 is not American odds/);
});

t.test('a book summing below 1 is a real line: written and flagged', async (t) => {
  // -200 / +240: 2/3 + 100/340 = 0.9608
  const o = historyRow('nba', row({ moneyline_away: '-200', moneyline_home: '240' }), 1098);
  t.ok(o.odds);
  t.ok(Math.abs(o.underRound! - 0.9607843137254901) < 1e-15);
});

t.test('equal scores: no result, a diagnostic; the line stays', async (t) => {
  const o = historyRow('nba', row({ score_away: '95', score_home: '95' }), 6747);
  t.equal(o.result, undefined);
  t.ok(o.odds);
  t.equal(o.issues[0]?.reason, 'tied-score');
});

t.test('unknown team, bad date, bad score', async (t) => {
  t.equal(historyRow('nba', row({ home: 'xyz' }), 1).issues[0]?.reason, 'unknown-team');
  t.equal(historyRow('nba', row({ home: 'por' }), 1).issues[0]?.reason, 'unknown-team', 'a team cannot play itself');
  const bd = historyRow('nba', row({ date: '2007-13-01' }), 1);
  t.equal(bd.issues[0]?.reason, 'bad-date');
  t.equal(bd.odds, undefined);
  t.equal(bd.result, undefined);
  const bs = historyRow('nba', row({ score_home: '' }), 1);
  t.equal(bs.issues[0]?.reason, 'bad-score');
  t.ok(bs.odds);
  t.equal(historyRow('nba', row({ moneyline_home: 'n/a' }), 1).issues[0]?.reason, 'bad-price');
});

t.test('a whole import: counts, duplicates, records sorted by ts', async (t) => {
  const imp = new HistoryImport('nba');
  imp.row(row({ date: '2007-10-31' }), 2);
  imp.row(row(), 3);
  imp.row(row(), 4); // same game again
  imp.row(row({ date: '2007-10-31', away: 'hou', home: 'lal', moneyline_home: '' }), 5);
  imp.row(row({ date: '2007-11-01', away: 'bos', home: 'tor', score_home: '90', score_away: '90' }), 6);
  t.same(imp.counts, { rows: 5, odds_lines: 3, results: 3, missing_moneyline: 1, under_round: 0, issues: { 'duplicate-game': 1, 'tied-score': 1 } });
  const recs = imp.records();
  t.equal(recs.length, 6);
  for (let i = 1; i < recs.length; i++) t.ok(recs[i - 1]!.ts <= recs[i]!.ts, 'sorted by ts');
  t.same(
    recs.slice(0, 2).map((r) => `${r.type} ${r.event}`),
    ['odds.line nba-2007-10-30-por-sas', 'result nba-2007-10-30-por-sas'],
  );
});

t.test("invented times are marked: every time of the line and the result's ts are named in time_assumed", async (t) => {
  const o = historyRow('nba', row(), 2);
  // The file has the date only: start 19:00 ET, line 1 minute before, result 3 hours after.
  t.same(o.odds!.time_assumed, ['ts', 'commence_ts', 'home_ts', 'away_ts']);
  t.same(o.result!.time_assumed, ['ts']);
  // Each named field is one the record has, and a time.
  for (const rec of [o.odds!, o.result!] as Array<Record<string, unknown>>) {
    for (const f of rec.time_assumed as string[]) t.type(rec[f], 'number', `${String(rec.type)}.${f} exists`);
  }
  const imp = new HistoryImport('nba');
  imp.row(row(), 2);
  imp.row(row({ date: '2007-10-31', moneyline_away: '' }), 3);
  for (const r of imp.records()) t.ok(Array.isArray(r.time_assumed) && r.time_assumed.length > 0, `${r.type} ${r.event} marked`);
  // Marked records stay valid; a wrong mark is refused.
  t.ok(validateRecord(o.odds).ok);
  t.notOk(validateRecord({ ...o.odds, time_assumed: [] }).ok, 'an empty list says nothing: refused');
  t.notOk(validateRecord({ ...o.result, time_assumed: ['tipoff'] }).ok, 'only time fields can be named');
  t.notOk(validateRecord({ ...o.result, time_assumed: true }).ok);
});
