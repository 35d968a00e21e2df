import t from 'tap';
import {
  eventTickerProblem,
  marketTickerProblem,
  parseEventTicker,
  parseMarketTicker,
  parseMarketTickerMemo,
  seriesOf,
  type TeamLookup,
} from '../../src/core/kalshi-ticker.js';
import type { Team } from '../../src/core/teams.js';

t.test('the demo games map to our event ids, YES team and side', async (t) => {
  const den = parseMarketTicker('KXNBAGAME-26JAN25DENMEM-DEN');
  if (!den.ok) throw new Error(den.detail);
  t.equal(den.value.event, 'nba-2026-01-25-den-mem');
  t.equal(den.value.side, 'away');
  t.equal(den.value.yesTeam.code, 'den');
  t.equal(den.value.home.name, 'Memphis Grizzlies');
  const bos = parseMarketTicker('KXNBAGAME-26JAN25LALBOS-BOS');
  t.ok(bos.ok && bos.value.event === 'nba-2026-01-25-lal-bos' && bos.value.side === 'home');
  const nyr = parseMarketTicker('KXNHLGAME-26JAN25TORNYR-NYR');
  t.ok(nyr.ok && nyr.value.event === 'nhl-2026-01-25-tor-nyr' && nyr.value.side === 'home' && nyr.value.sport === 'nhl');
});

t.test('2-letter Kalshi codes (NJ, TB, GS) resolve to canonical ids', async (t) => {
  const r = parseMarketTicker('KXNHLGAME-26OCT01PHINJ-NJ');
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.event, 'nhl-2026-10-01-phi-njd');
    t.equal(r.value.side, 'home');
  }
  const tb = parseMarketTicker('KXNHLGAME-26MAR03TBLA-TB');
  t.ok(tb.ok && tb.value.event === 'nhl-2026-03-03-tbl-lak' && tb.value.side === 'away');
  const gs = parseEventTicker('KXNBAGAME-26FEB10CHIGSW');
  t.ok(gs.ok && gs.value.event === 'nba-2026-02-10-chi-gsw');
});

t.test('an optional HHMM start time is read and kept out of the id', async (t) => {
  const r = parseMarketTicker('KXNBAGAME-26AUG181930BOSLAL-LAL');
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.time, '1930');
    t.equal(r.value.date, '2026-08-18');
    t.equal(r.value.event, 'nba-2026-08-18-bos-lal');
  }
  const bad = parseEventTicker('KXNBAGAME-26AUG182575BOSLAL');
  t.same(bad.ok ? 'ok' : bad.problem, 'bad-date');
});

t.test('unmappable tickers are reported with a reason, never guessed', async (t) => {
  const cases: Array<[string, string]> = [
    ['KXNBAGAME-26JAN25DENXYZ-DEN', 'unknown-team'],
    ['KXNBAGAME-26JAN25DENMEM-LAL', 'unknown-yes-team'],
    ['KXNBAGAME-26JAN25DENMEM-XYZ', 'unknown-yes-team'],
    ['KXNFLGAME-26JAN25DENKC-KC', 'unknown-series'],
    ['KXNBAGAME-26FEB30DENMEM-DEN', 'bad-date'],
    ['KXNBAGAME-26FOO25DENMEM-DEN', 'bad-date'],
    ['KXNBAGAME-DENMEM-DEN', 'bad-format'],
    ['KXNBAGAME', 'bad-format'],
    ['KXNBAGAME-26JAN25DENDEN-DEN', 'unknown-team'],
  ];
  for (const [ticker, problem] of cases) {
    const r = parseMarketTicker(ticker);
    t.equal(r.ok ? 'ok' : r.problem, problem, ticker);
  }
  t.ok(parseEventTicker('KXNBAGAME-28FEB29DENMEM').ok, 'a leap day');
  t.notOk(parseEventTicker('KXNBAGAME-27FEB29DENMEM').ok, 'not a leap year');
});

t.test('an ambiguous split is reported unless the market suffix decides it', async (t) => {
  // No real NBA/NHL pair is ambiguous with today's table; a synthetic one shows the rule.
  const mk = (code: string): Team => ({ sport: 'nba', code, name: code, names: [], codes: [] });
  const table = new Map([
    ['ab', mk('ab')],
    ['cde', mk('cde')],
    ['abc', mk('abc')],
    ['de', mk('de')],
  ]);
  const lookup: TeamLookup = (_s, c) => table.get(c.toLowerCase());
  const ev = parseEventTicker('KXNBAGAME-26JAN25ABCDE', undefined, lookup);
  t.equal(ev.ok ? 'ok' : ev.problem, 'ambiguous-teams');
  if (!ev.ok) t.match(ev.detail, /ab@cde or abc@de/);
  const byYes = parseMarketTicker('KXNBAGAME-26JAN25ABCDE-DE', lookup);
  t.ok(byYes.ok && byYes.value.away.code === 'abc' && byYes.value.home.code === 'de', 'the suffix DE fits one split only');
});

t.test('seriesOf', async (t) => {
  t.equal(seriesOf('KXNBAGAME-26JAN25DENMEM-DEN'), 'KXNBAGAME');
  t.equal(seriesOf('X'), 'X');
});

t.test('the Thursday 03:00-05:00 ET maintenance window, across daylight saving', async (t) => {
  const { inMaintenanceWindow } = await import('../../src/core/kalshi-schedule.js');
  t.ok(inMaintenanceWindow(Date.UTC(2026, 0, 29, 8, 30)), 'Thu 2026-01-29 03:30 EST');
  t.notOk(inMaintenanceWindow(Date.UTC(2026, 0, 29, 10, 0)), '05:00 EST is over');
  t.notOk(inMaintenanceWindow(Date.UTC(2026, 0, 29, 7, 59)), '02:59 EST not yet');
  t.ok(inMaintenanceWindow(Date.UTC(2026, 6, 2, 7, 30)), 'Thu 2026-07-02 03:30 EDT');
  t.notOk(inMaintenanceWindow(Date.UTC(2026, 6, 2, 9, 0)), '05:00 EDT is over');
  t.notOk(inMaintenanceWindow(Date.UTC(2026, 0, 28, 8, 30)), 'a Wednesday');
});

t.test('marketTickerProblem: our series, the EVENT-TEAM form and a real date; the team split is left to the mapping', async (t) => {
  const ok = ['KXNBAGAME-26JAN25DENMEM-DEN', 'KXNHLGAME-26JAN251930TORNYR-NYR', 'KXNBAGAME-26JAN25DENXYZ-DEN', 'KXNBAGAME-28FEB29DENMEM-MEM'];
  for (const x of ok) t.equal(marketTickerProblem(x), undefined, x);
  const bad: Array<[string, RegExp]> = [
    ['KXNFLGAME-26JAN25DENKC-KC', /series KXNFLGAME is not a game-winner series we trade/],
    ['KXNBAGAME-26FEB30DENMEM-DEN', /no date 26FEB30/],
    ['KXNBAGAME-27FEB29DENMEM-DEN', /no date 27FEB29/],
    ['KXNBAGAME-26JAN252575DENMEM-DEN', /bad start time 2575/],
    ['KXNBAGAME-26JAN25DENMEM', /expected SERIES-YYMONDD\[HHMM\]AWAYHOME-TEAM/],
    ['KXNBAGAME-26JAN25DENMEM-D', /team suffix D is not 2-3 capital letters/],
    ['X', /expected/],
    ['', /expected/],
  ];
  for (const [x, re] of bad) {
    t.match(marketTickerProblem(x), re, x);
    t.match(marketTickerProblem(x), re, `${x} (memoised)`);
  }
  t.equal(eventTickerProblem('KXNBAGAME-26JAN25DENMEM'), undefined);
  t.match(eventTickerProblem('KXNBAGAME-26JAN25DENMEM-DEN'), /expected SERIES-YYMONDD/);
  t.match(eventTickerProblem('KXNHLGAME-26APR31TORNYR'), /no date 26APR31/);
  const p = parseMarketTickerMemo('KXNBAGAME-26JAN25DENMEM-MEM');
  t.ok(p.ok && p.value.event === 'nba-2026-01-25-den-mem' && p.value.side === 'home');
  t.equal(parseMarketTickerMemo('KXNBAGAME-26JAN25DENMEM-MEM'), p, 'the same answer object from the memo');
});
