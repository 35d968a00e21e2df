// The one team table: canonical lowercase codes (used in event ids) and every spelling
// the sources use for a team: full names and renames (BoltOdds, The Odds API), book
// short names ("LA Clippers"), Kalshi ticker codes (GSW, TB, NJ, VGK; variants like TBL
// are accepted as well since Kalshi's list is not published), and the history file's
// codes (gs, sa, no, ny, utah, wsh). A name or code not found here is reported by the
// caller and the game is not priced: nothing is guessed.
import type { Sport } from '../schema/common.js';

export interface Team {
  sport: Sport;
  /** Canonical code, lowercase: the one in event ids. */
  code: string;
  /** The current full name. */
  name: string;
  /** Other full names and short names, including former names of the franchise. */
  names: readonly string[];
  /** Other abbreviations (any case) that mean this team. */
  codes: readonly string[];
}

type Row = [code: string, name: string, names: string[], codes: string[]];

const NBA: Row[] = [
  ['atl', 'Atlanta Hawks', [], []],
  ['bos', 'Boston Celtics', [], []],
  ['bkn', 'Brooklyn Nets', ['New Jersey Nets'], ['bk', 'brk', 'njn']],
  ['cha', 'Charlotte Hornets', ['Charlotte Bobcats'], ['cho', 'chh']],
  ['chi', 'Chicago Bulls', [], []],
  ['cle', 'Cleveland Cavaliers', [], []],
  ['dal', 'Dallas Mavericks', [], []],
  ['den', 'Denver Nuggets', [], []],
  ['det', 'Detroit Pistons', [], []],
  ['gsw', 'Golden State Warriors', ['GS Warriors'], ['gs']],
  ['hou', 'Houston Rockets', [], []],
  ['ind', 'Indiana Pacers', [], []],
  ['lac', 'Los Angeles Clippers', ['LA Clippers', 'L.A. Clippers'], []],
  ['lal', 'Los Angeles Lakers', ['LA Lakers', 'L.A. Lakers'], []],
  ['mem', 'Memphis Grizzlies', [], []],
  ['mia', 'Miami Heat', [], []],
  ['mil', 'Milwaukee Bucks', [], []],
  ['min', 'Minnesota Timberwolves', [], []],
  ['nop', 'New Orleans Pelicans', ['New Orleans Hornets', 'New Orleans/Oklahoma City Hornets'], ['no', 'nor', 'noh']],
  ['nyk', 'New York Knicks', ['NY Knicks'], ['ny']],
  ['okc', 'Oklahoma City Thunder', ['Seattle SuperSonics', 'Seattle Supersonics'], ['sea']],
  ['orl', 'Orlando Magic', [], []],
  ['phi', 'Philadelphia 76ers', ['Philadelphia Sixers', 'PHI 76ers'], []],
  ['phx', 'Phoenix Suns', [], ['pho']],
  ['por', 'Portland Trail Blazers', ['Portland Trailblazers'], []],
  ['sac', 'Sacramento Kings', [], []],
  ['sas', 'San Antonio Spurs', [], ['sa']],
  ['tor', 'Toronto Raptors', [], []],
  ['uta', 'Utah Jazz', [], ['utah', 'uth']],
  ['was', 'Washington Wizards', [], ['wsh', 'wa']],
];

const NHL: Row[] = [
  ['ana', 'Anaheim Ducks', [], []],
  ['ari', 'Arizona Coyotes', ['Phoenix Coyotes'], ['pho']],
  ['bos', 'Boston Bruins', [], []],
  ['buf', 'Buffalo Sabres', [], []],
  ['cgy', 'Calgary Flames', [], ['cal']],
  ['car', 'Carolina Hurricanes', [], []],
  ['chi', 'Chicago Blackhawks', [], []],
  ['col', 'Colorado Avalanche', [], []],
  ['cbj', 'Columbus Blue Jackets', [], ['clb']],
  ['dal', 'Dallas Stars', [], []],
  ['det', 'Detroit Red Wings', [], []],
  ['edm', 'Edmonton Oilers', [], []],
  ['fla', 'Florida Panthers', [], []],
  ['lak', 'Los Angeles Kings', ['LA Kings', 'L.A. Kings'], ['la']],
  ['min', 'Minnesota Wild', [], []],
  ['mtl', 'Montreal Canadiens', ['Montréal Canadiens'], ['mon']],
  ['nsh', 'Nashville Predators', [], ['nas']],
  ['njd', 'New Jersey Devils', [], ['nj']],
  ['nyi', 'New York Islanders', ['NY Islanders'], []],
  ['nyr', 'New York Rangers', ['NY Rangers'], []],
  ['ott', 'Ottawa Senators', [], []],
  ['phi', 'Philadelphia Flyers', [], []],
  ['pit', 'Pittsburgh Penguins', [], []],
  ['sjs', 'San Jose Sharks', [], ['sj']],
  ['sea', 'Seattle Kraken', [], []],
  ['stl', 'St. Louis Blues', ['St Louis Blues', 'Saint Louis Blues'], []],
  ['tbl', 'Tampa Bay Lightning', [], ['tb']],
  ['tor', 'Toronto Maple Leafs', [], []],
  ['uta', 'Utah Mammoth', ['Utah Hockey Club', 'Utah HC'], ['utah', 'uhc']],
  ['van', 'Vancouver Canucks', [], []],
  ['vgk', 'Vegas Golden Knights', [], ['veg', 'vgs']],
  ['wsh', 'Washington Capitals', [], ['was']],
  ['wpg', 'Winnipeg Jets', [], []],
];

/** Lowercase, accents folded, punctuation dropped, spaces collapsed. */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

interface Index {
  teams: Team[];
  byCode: Map<string, Team>;
  byName: Map<string, Team>;
  byNickname: Map<string, Team>;
}

function build(sport: Sport, rows: Row[]): Index {
  const teams = rows.map(([code, name, names, codes]): Team => ({ sport, code, name, names, codes }));
  const byCode = new Map<string, Team>();
  const byName = new Map<string, Team>();
  const nick = new Map<string, Team | null>();
  const put = <K>(m: Map<K, Team>, k: K, t: Team): void => {
    const cur = m.get(k);
    if (cur && cur !== t) throw new Error(`teams: ${sport} key ${String(k)} names both ${cur.code} and ${t.code}`);
    m.set(k, t);
  };
  for (const t of teams) put(byCode, t.code, t);
  // Canonical codes win over alias codes (NBA okc's old "sea" never shadows anything in NBA).
  for (const t of teams) for (const c of t.codes) if (!byCode.has(c.toLowerCase())) byCode.set(c.toLowerCase(), t);
  for (const t of teams) {
    for (const n of [t.name, ...t.names]) put(byName, normalizeName(n), t);
    // The nickname (name minus its city) identifies a team within a sport when unique.
    const words = normalizeName(t.name).split(' ');
    for (let k = 1; k < words.length; k++) {
      const nn = words.slice(k).join(' ');
      nick.set(nn, nick.has(nn) && nick.get(nn) !== t ? null : t);
    }
  }
  const byNickname = new Map<string, Team>();
  for (const [k, t] of nick) if (t) byNickname.set(k, t);
  return { teams, byCode, byName, byNickname };
}

const INDEX: Record<Sport, Index> = { nba: build('nba', NBA), nhl: build('nhl', NHL) };

export function teams(sport: Sport): readonly Team[] {
  return INDEX[sport].teams;
}

/** A team from any abbreviation (canonical, Kalshi, history, book), any case. */
export function teamByCode(sport: Sport, code: string): Team | undefined {
  return INDEX[sport].byCode.get(code.toLowerCase());
}

/** A team from a full name, a former name, a book's short name, or a unique nickname. */
export function teamByName(sport: Sport, name: string): Team | undefined {
  const n = normalizeName(name);
  const idx = INDEX[sport];
  return idx.byName.get(n) ?? idx.byNickname.get(n);
}

/** `<sport>-<YYYY-MM-DD>-<away>-<home>` with the game's US Eastern date. */
export function makeEventId(sport: Sport, easternDate: string, away: Team, home: Team): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(easternDate)) throw new Error(`bad date ${easternDate}`);
  return `${sport}-${easternDate}-${away.code}-${home.code}`;
}
