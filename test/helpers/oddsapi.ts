// The Odds API payloads for tests: the demo games in the documented response shape.
export const ODDS_GAMES = {
  lalbos: {
    id: '0b5e7d9c1a3f4e6b8d0c2a4f6e8b0d2c',
    sport_key: 'basketball_nba',
    home: 'Boston Celtics',
    away: 'Los Angeles Lakers',
    commence: '2026-01-26T00:30:00Z',
  },
  denmem: {
    id: 'e912f0c3b7a94d1c8f2e6a5b4c3d2e1f',
    sport_key: 'basketball_nba',
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence: '2026-01-26T01:00:00Z',
  },
  tornyr: {
    id: '7f1e3d5c7b9a4e2c6d8f0a1b3c5e7d9f',
    sport_key: 'icehockey_nhl',
    home: 'New York Rangers',
    away: 'Toronto Maple Leafs',
    commence: '2026-01-26T00:00:00Z',
  },
} as const;

type G = (typeof ODDS_GAMES)[keyof typeof ODDS_GAMES];

export function book(key: string, g: G, homePrice: unknown, awayPrice: unknown, lu = '2026-01-25T23:58:12Z', market = 'h2h'): Record<string, unknown> {
  // away first, as in the documented example
  return {
    key,
    title: key,
    last_update: lu,
    markets: [
      {
        key: market,
        last_update: lu,
        outcomes: [
          { name: g.away, price: awayPrice },
          { name: g.home, price: homePrice },
        ],
      },
    ],
  };
}

export function event(g: G, books: Array<Record<string, unknown>>, commence: string = g.commence): Record<string, unknown> {
  return {
    id: g.id,
    sport_key: g.sport_key,
    sport_title: g.sport_key === 'basketball_nba' ? 'NBA' : 'NHL',
    commence_time: commence,
    home_team: g.home,
    away_team: g.away,
    bookmakers: books,
  };
}

export const NBA_BODY = [
  event(ODDS_GAMES.lalbos, [book('pinnacle', ODDS_GAMES.lalbos, 1.408, 3.05), book('draftkings', ODDS_GAMES.lalbos, 1.4, 3.05)]),
  event(ODDS_GAMES.denmem, [book('pinnacle', ODDS_GAMES.denmem, 2.24, 1.735), book('kalshi', ODDS_GAMES.denmem, 2.2, 1.71)]),
];
export const NHL_BODY = [event(ODDS_GAMES.tornyr, [book('pinnacle', ODDS_GAMES.tornyr, 1.847, 2.04)])];

export function oddsScenario(header: object | undefined, entries: object[]): string {
  return [...(header ? [{ sim: 'oddsapi', ...header }] : []), ...entries].map((e) => JSON.stringify(e)).join('\n') + '\n';
}
