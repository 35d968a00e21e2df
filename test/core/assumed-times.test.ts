// Assumed times (import-history's invented start, line and result times) stay marked all
// the way down the oracle path: odds.line -> arbitrate -> oracle.line -> devig -> oracle.prob.
import t from 'tap';
import { Arbiter } from '../../src/core/arbitrate.js';
import { assumedTimesKept } from '../../src/core/eventtime.js';
import { historyRow } from '../../src/core/history.js';
import { validateRecord } from '../../src/schema/index.js';
import type { OddsLine, OracleLine } from '../../src/schema/records.js';

const ROW = { date: '2007-10-30', away: 'por', home: 'sa', score_away: '97', score_home: '106', moneyline_away: '900', moneyline_home: '-1400' };

t.test("assumedTimesKept: the assumed times among the derived record's own time fields", async (t) => {
  t.same(assumedTimesKept(['ts', 'commence_ts', 'home_ts', 'away_ts'], ['ts', 'commence_ts', 'line_ts']), ['ts', 'commence_ts']);
  t.equal(assumedTimesKept(['home_ts'], ['ts', 'commence_ts', 'line_ts']), undefined, 'none carries over: no mark');
  t.equal(assumedTimesKept(undefined, ['ts']), undefined);
});

t.test('arbitrate marks an oracle.line built from an imported line; a line from a live feed stays unmarked', async (t) => {
  const hist = historyRow('nba', ROW, 2).odds!;
  const a = new Arbiter({ name: 'primary-fallback', books: ['consensus'], maxAgeMs: 120_000, forgetAfterMs: 3_600_000 });
  const out = a.line(hist, hist.ts);
  const ol = out.find((r): r is OracleLine => r.type === 'oracle.line')!;
  t.ok(ol, 'a line is published');
  t.same(ol.time_assumed, ['ts', 'commence_ts', 'line_ts']);
  t.ok(validateRecord(JSON.parse(JSON.stringify(ol))).ok);

  const live: OddsLine = { ...hist, source: 'boltodds', time_assumed: undefined };
  const b = new Arbiter({ name: 'primary-fallback', books: ['consensus'], maxAgeMs: 120_000, forgetAfterMs: 3_600_000 });
  const ol2 = b.line(live, live.ts).find((r): r is OracleLine => r.type === 'oracle.line')!;
  t.notOk('time_assumed' in JSON.parse(JSON.stringify(ol2)), 'observed times: no mark written');
});
