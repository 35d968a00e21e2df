// Event ids that mean a game (issue 14 section 3): a real date, two different canonical
// team codes of the id's sport.
import t from 'tap';
import { daysInMonth, eventIdProblem, isCalendarDate, parseEventId } from '../../src/core/event-id.js';

t.test('a real game reads back', async (t) => {
  const r = parseEventId('nba-2026-01-25-den-mem');
  t.ok(r.ok);
  if (r.ok) {
    t.equal(r.value.sport, 'nba');
    t.equal(r.value.date, '2026-01-25');
    t.equal(r.value.away.name, 'Denver Nuggets');
    t.equal(r.value.home.name, 'Memphis Grizzlies');
  }
  t.equal(eventIdProblem('nhl-2026-01-25-uta-vgk'), undefined);
  t.equal(eventIdProblem('nba-2028-02-29-den-mem'), undefined, 'a leap day');
  t.equal(eventIdProblem('nba-2000-02-29-den-mem'), undefined, '2000 was a leap year');
});

t.test('each problem is named', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['nba-2026-02-30-den-mem', /no date 2026-02-30/],
    ['nba-2025-02-29-den-mem', /no date 2025-02-29/],
    ['nba-1900-02-29-den-mem', /no date 1900-02-29/],
    ['nba-2026-04-31-den-mem', /no date/],
    ['nba-2026-00-10-den-mem', /no date/],
    ['nba-2026-13-10-den-mem', /no date/],
    ['nba-2026-01-00-den-mem', /no date/],
    ['nba-2026-01-25-xyz-mem', /away team "xyz" is not a NBA team code/],
    ['nba-2026-01-25-den-xyz', /home team "xyz" is not a NBA team code/],
    ['nba-2026-01-25-den-nyr', /home team "nyr"/],
    ['nhl-2026-01-25-tor-mem', /home team "mem" is not a NHL team code/],
    ['nba-2026-01-25-gs-mem', /away team "gs"/],
    ['nba-2026-01-25-mem-mem', /cannot play itself/],
    ['mlb-2026-01-25-nyy-bos', /is not <sport>-<YYYY-MM-DD>-<away>-<home>/],
  ];
  for (const [id, re] of cases) {
    t.match(eventIdProblem(id), re, id);
    t.match(eventIdProblem(id), re, `${id} (memoised)`);
  }
});

t.test('calendar', async (t) => {
  t.equal(daysInMonth(2026, 2), 28);
  t.equal(daysInMonth(2028, 2), 29);
  t.equal(daysInMonth(2100, 2), 28);
  t.equal(daysInMonth(2026, 9), 30);
  t.equal(daysInMonth(2026, 12), 31);
  t.notOk(isCalendarDate(2026, 2, 30));
  t.ok(isCalendarDate(2026, 12, 31));
});
