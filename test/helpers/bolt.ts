// BoltOdds frames for tests and benches: the three demo games in the real message shape.
export interface Game {
  sport: 'NBA' | 'NHL';
  home: string;
  away: string;
  label: string;
  when: string;
}

export const GAMES: Record<'denmem' | 'lalbos' | 'tornyr', Game> = {
  denmem: {
    sport: 'NBA',
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    label: 'Memphis Grizzlies vs Denver Nuggets, 2026-01-25, 08',
    when: '2026-01-25, 08:00 PM',
  },
  lalbos: {
    sport: 'NBA',
    home: 'Boston Celtics',
    away: 'Los Angeles Lakers',
    label: 'Boston Celtics vs Los Angeles Lakers, 2026-01-25, 07',
    when: '2026-01-25, 07:30 PM',
  },
  tornyr: {
    sport: 'NHL',
    home: 'New York Rangers',
    away: 'Toronto Maple Leafs',
    label: 'New York Rangers vs Toronto Maple Leafs, 2026-01-25, 07',
    when: '2026-01-25, 07:00 PM',
  },
};
export const BOOKS = ['pinnacle', 'draftkings', 'fanduel'] as const;

export function ml(team: string, odds: unknown, name = 'Moneyline'): Record<string, unknown> {
  return { odds, link: 'https://sportsbook.example/x', outcome_name: name, outcome_line: null, outcome_over_under: null, outcome_target: team };
}

/** One message (no timestamp: the simulator stamps it at send time). */
export function oddsMsg(action: string, g: Game, book: string, sides: { home?: unknown; away?: unknown }, info = true): Record<string, unknown> {
  const outcomes: Record<string, unknown> = {};
  if ('home' in sides) outcomes[`${g.home} Moneyline`] = ml(g.home, sides.home);
  if ('away' in sides) outcomes[`${g.away} Moneyline`] = ml(g.away, sides.away);
  const data: Record<string, unknown> = { sport: g.sport, sportsbook: book, game: g.label, home_team: g.home, away_team: g.away };
  if (info) data.info = { game_id: '32225523', when: g.when, game: g.label, orig_teams: `${g.away} @ ${g.home}` };
  data.outcomes = outcomes;
  return { action, data };
}

/** The initial_state burst: 3 games x 3 books, prices shifted by `shift` cents. */
export function burst(shift = 0, books: readonly string[] = BOOKS): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const g of Object.values(GAMES)) {
    for (const b of books) out.push(oddsMsg('initial_state', g, b, { home: `+${110 + shift}`, away: `-${130 + shift}` }));
  }
  return out;
}

export function scenario(header: object | undefined, steps: object[]): string {
  return [...(header ? [{ sim: 'boltodds', ...header }] : []), ...steps].map((s) => JSON.stringify(s)).join('\n') + '\n';
}
