import t from 'tap';
import { makeEventId, normalizeName, teamByCode, teamByName, teams } from '../../src/core/teams.js';

t.test('every sport has its full league, codes unique and lowercase', async (t) => {
  t.equal(teams('nba').length, 30);
  t.equal(teams('nhl').length, 33); // 32 clubs + Arizona (history)
  for (const s of ['nba', 'nhl'] as const) {
    const codes = teams(s).map((x) => x.code);
    t.equal(new Set(codes).size, codes.length, `${s} codes unique`);
    for (const c of codes) t.match(c, /^[a-z]{2,5}$/);
  }
});

t.test('Kalshi, history and book spellings resolve to one team', async (t) => {
  t.equal(teamByCode('nba', 'GSW')?.code, 'gsw');
  t.equal(teamByCode('nba', 'gs')?.code, 'gsw');
  t.equal(teamByCode('nba', 'SAS')?.code, 'sas');
  t.equal(teamByCode('nba', 'sa')?.code, 'sas');
  t.equal(teamByCode('nba', 'no')?.code, 'nop');
  t.equal(teamByCode('nba', 'ny')?.code, 'nyk');
  t.equal(teamByCode('nba', 'utah')?.code, 'uta');
  t.equal(teamByCode('nba', 'wsh')?.code, 'was');
  t.equal(teamByCode('nhl', 'TB')?.code, 'tbl');
  t.equal(teamByCode('nhl', 'TBL')?.code, 'tbl');
  t.equal(teamByCode('nhl', 'NJ')?.code, 'njd');
  t.equal(teamByCode('nhl', 'WSH')?.code, 'wsh');
  t.equal(teamByCode('nhl', 'was')?.code, 'wsh');
  t.equal(teamByCode('nba', 'XYZ'), undefined);
});

t.test('names: full, renamed, short, accented, nickname; unknown stays unknown', async (t) => {
  t.equal(teamByName('nba', 'Los Angeles Clippers')?.code, 'lac');
  t.equal(teamByName('nba', 'LA Clippers')?.code, 'lac');
  t.equal(teamByName('nba', 'Clippers')?.code, 'lac');
  t.equal(teamByName('nhl', 'Utah Hockey Club')?.code, 'uta');
  t.equal(teamByName('nhl', 'Utah Mammoth')?.code, 'uta');
  t.equal(teamByName('nhl', 'Montréal Canadiens')?.code, 'mtl');
  t.equal(teamByName('nhl', 'St Louis Blues')?.code, 'stl');
  t.equal(teamByName('nba', 'Kings')?.code, 'sac');
  t.equal(teamByName('nhl', 'Kings')?.code, 'lak');
  t.equal(teamByName('nba', 'Chicago Bears'), undefined);
  t.equal(teamByName('nba', 'Los Angeles'), undefined, 'a city shared by two teams is not a team');
  t.equal(normalizeName('  St. Louis   BLUES '), 'st louis blues');
});

t.test('event ids', async (t) => {
  t.equal(makeEventId('nba', '2026-01-25', teamByCode('nba', 'DEN')!, teamByCode('nba', 'MEM')!), 'nba-2026-01-25-den-mem');
  t.throws(() => makeEventId('nba', '2026-1-25', teamByCode('nba', 'DEN')!, teamByCode('nba', 'MEM')!));
});
