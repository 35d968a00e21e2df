// The Odds API payloads and HTTP outcomes, parsed without a network.
import t from 'tap';
import { classifyResponse, parseOddsPayload, parseScoresPayload } from '../../src/feeds/oddsapi.js';
import { SCHEMAS } from '../../src/schema/records.js';
import { book, event, NBA_BODY, ODDS_GAMES } from '../helpers/oddsapi.js';

const opts = { books: undefined, exclude: new Set(['kalshi']), recvTs: 1_800_000_000_000 };

t.test('one odds.line per event and book, matched by name, times from the market', async (t) => {
  const p = parseOddsPayload(JSON.stringify(NBA_BODY), 'nba', opts);
  t.equal(p.kind, 'ok');
  if (p.kind !== 'ok') return;
  t.equal(p.lines.length, 3, 'kalshi is excluded: the bot never prices Kalshi from itself');
  const l = p.lines[0]!;
  t.same(
    l,
    {
      type: 'odds.line',
      ts: Date.UTC(2026, 0, 25, 23, 58, 12),
      recv_ts: opts.recvTs,
      source: 'oddsapi',
      book: 'pinnacle',
      sport: 'nba',
      event: 'nba-2026-01-25-lal-bos',
      home: 'Boston Celtics',
      away: 'Los Angeles Lakers',
      commence_ts: Date.UTC(2026, 0, 26, 0, 30),
      home_odds: 1.408,
      away_odds: 3.05,
      home_ts: Date.UTC(2026, 0, 25, 23, 58, 12),
      away_ts: Date.UTC(2026, 0, 25, 23, 58, 12),
    },
    'the away team is listed first: matched by name, not position; the Eastern date is kept',
  );
  t.ok(SCHEMAS['odds.line'].safeParse(l).success);
  const only = parseOddsPayload(JSON.stringify(NBA_BODY), 'nba', { ...opts, books: new Set(['draftkings']) });
  t.same(only.kind === 'ok' && only.lines.map((x) => x.book), ['draftkings'], 'the book filter');
});

t.test('empty payloads, non-JSON, wrong shapes, no h2h market', async (t) => {
  const k = (text: string): string => {
    const p = parseOddsPayload(text, 'nba', opts);
    return p.kind === 'ok' ? 'ok' : `${p.reason}: ${p.detail}`;
  };
  t.match(k(''), /^empty/);
  t.match(k('  \n'), /^empty/);
  t.match(k('[]'), /^empty: no events/);
  t.match(k('{"message":"x"}'), /^parse: expected an array/);
  t.match(k('<html>'), /^parse: response is not JSON/);
  t.match(k('null'), /^parse/);
  const spreads = [event(ODDS_GAMES.lalbos, [book('pinnacle', ODDS_GAMES.lalbos, 1.9, 1.9, undefined, 'spreads')])];
  t.match(k(JSON.stringify(spreads)), /^parse: the payload has no h2h market/);
  t.match(k(JSON.stringify([event(ODDS_GAMES.lalbos, [])])), /^empty: no bookmaker/, 'events listed but no book offers odds');
  const mixed = [...spreads, event(ODDS_GAMES.denmem, [book('pinnacle', ODDS_GAMES.denmem, 2.24, 1.735)])];
  const p = parseOddsPayload(JSON.stringify(mixed), 'nba', opts);
  t.ok(
    p.kind === 'ok' && p.lines.length === 1 && p.problems.some((x) => x.reason === 'no-h2h' && x.pair === 'nba-2026-01-25-lal-bos|pinnacle'),
    'one event without h2h: only it is left out',
  );
});

t.test('bad items are left out and reported, never filled in', async (t) => {
  const g = ODDS_GAMES.denmem;
  const cases: Array<[string, object, string]> = [
    ['price 1.0', event(g, [book('pinnacle', g, 1.0, 1.735)]), 'odds-out-of-range'],
    ['price string', event(g, [book('pinnacle', g, '2.24', 1.735)]), 'bad-odds'],
    ['huge price', event(g, [book('pinnacle', g, 1e12, 1.735)]), 'odds-out-of-range'],
    ['null price', event(g, [book('pinnacle', g, null, 1.735)]), 'bad-odds'],
    [
      'three outcomes',
      event(g, [
        {
          ...book('pinnacle', g, 2.2, 1.7),
          markets: [
            {
              key: 'h2h',
              last_update: '2026-01-25T23:58:12Z',
              outcomes: [
                { name: g.home, price: 2.2 },
                { name: g.away, price: 1.7 },
                { name: 'Draw', price: 12 },
              ],
            },
          ],
        },
      ]),
      'not-two-way',
    ],
    [
      'a name that is neither team',
      event(g, [
        {
          ...book('pinnacle', g, 2.2, 1.7),
          markets: [
            {
              key: 'h2h',
              last_update: '2026-01-25T23:58:12Z',
              outcomes: [
                { name: g.home, price: 2.2 },
                { name: 'Utah Jazz', price: 1.7 },
              ],
            },
          ],
        },
      ]),
      'not-two-way',
    ],
    ['naive last_update', event(g, [book('pinnacle', g, 2.2, 1.7, '2026-01-25T23:58:12')]), 'bad-last-update'],
    ['no commence_time', { ...event(g, [book('pinnacle', g, 2.2, 1.7)]), commence_time: undefined }, 'no-commence-time'],
    ['bad commence_time', event(g, [book('pinnacle', g, 2.2, 1.7)], 'tomorrow'), 'bad-commence-time'],
    ['unknown team', { ...event(g, [book('pinnacle', g, 2.2, 1.7)]), home_team: 'Seattle Storm' }, 'unmapped-team'],
    ['wrong sport', { ...event(g, [book('pinnacle', g, 2.2, 1.7)]), sport_key: 'basketball_wnba' }, 'wrong-sport'],
  ];
  for (const [name, ev, reason] of cases) {
    const p = parseOddsPayload(JSON.stringify([ev, event(ODDS_GAMES.lalbos, [book('pinnacle', ODDS_GAMES.lalbos, 1.408, 3.05)])]), 'nba', opts);
    t.ok(p.kind === 'ok' && p.lines.length === 1 && p.lines[0]!.event === 'nba-2026-01-25-lal-bos', `${name}: only the good event priced`);
    t.ok(
      p.problems.some((x) => x.reason === reason),
      `${name}: reported as ${reason}`,
    );
  }
  const renamed = [
    {
      ...event(ODDS_GAMES.lalbos, []),
      home_team: 'Boston Celtics',
      away_team: 'LA Lakers',
      bookmakers: [
        {
          key: 'pinnacle',
          last_update: '2026-01-25T23:58:12Z',
          markets: [
            {
              key: 'h2h',
              last_update: '2026-01-25T23:58:12Z',
              outcomes: [
                { name: 'Los Angeles Lakers', price: 3.05 },
                { name: 'Boston Celtics', price: 1.408 },
              ],
            },
          ],
        },
      ],
    },
  ];
  const r = parseOddsPayload(JSON.stringify(renamed), 'nba', opts);
  t.ok(
    r.kind === 'ok' && r.lines[0]?.away === 'Los Angeles Lakers' && r.lines[0]?.away_odds === 3.05,
    'an outcome spelt differently from away_team is matched through the team table',
  );
});

t.test('HTTP failures map to reasons; which are retried', async (t) => {
  const c = (status: number, body: object | string) => classifyResponse(status, typeof body === 'string' ? body : JSON.stringify(body));
  t.equal(c(200, '[]'), undefined);
  for (const code of ['MISSING_KEY', 'INVALID_KEY', 'DEACTIVATED_KEY'])
    t.match(c(401, { message: 'm', error_code: code }), { reason: 'auth', retry: false, code });
  t.match(c(401, { message: 'Usage quota has been reached.', error_code: 'OUT_OF_USAGE_CREDITS' }), { reason: 'quota', retry: false });
  t.match(c(429, { error_code: 'OUT_OF_USAGE_CREDITS' }), { reason: 'quota', retry: false }, 'quota spent is never retried, whatever the status');
  t.match(c(429, { message: 'slow down', error_code: 'EXCEEDED_FREQ_LIMIT' }), { reason: 'quota', retry: true });
  t.match(c(403, 'Forbidden'), { reason: 'denied', retry: false, code: 'HTTP_403' });
  t.match(c(422, { error_code: 'INVALID_MARKET' }), { reason: 'denied', retry: false });
  t.match(c(500, ''), { reason: 'disconnected', retry: true });
  t.match(c(503, '<html>'), { reason: 'disconnected', retry: true, detail: 'HTTP 503: <html>' });
  t.match(c(401, { error_code: 'INVALID_KEY', message: 'API key is not valid' }), { detail: 'HTTP 401 INVALID_KEY: API key is not valid' });
});

t.test('scores: results for completed games only, by name', async (t) => {
  const g = ODDS_GAMES.tornyr;
  const body = [
    {
      id: g.id,
      sport_key: g.sport_key,
      commence_time: g.commence,
      completed: true,
      home_team: g.home,
      away_team: g.away,
      scores: [
        { name: g.home, score: '3' },
        { name: g.away, score: '4' },
      ],
      last_update: '2026-01-26T02:41:12Z',
    },
    {
      id: 'x',
      sport_key: g.sport_key,
      commence_time: '2026-01-27T00:00:00Z',
      completed: false,
      home_team: 'Boston Bruins',
      away_team: 'Buffalo Sabres',
      scores: null,
      last_update: null,
    },
    {
      id: 'y',
      sport_key: g.sport_key,
      commence_time: '2026-01-25T18:00:00Z',
      completed: true,
      home_team: 'Boston Bruins',
      away_team: 'Buffalo Sabres',
      scores: [
        { name: 'Boston Bruins', score: '2' },
        { name: 'Buffalo Sabres', score: '2' },
      ],
      last_update: '2026-01-25T21:00:00Z',
    },
    {
      id: 'z',
      sport_key: g.sport_key,
      commence_time: '2026-01-25T18:00:00Z',
      completed: true,
      home_team: 'Ottawa Senators',
      away_team: 'Detroit Red Wings',
      scores: [{ name: 'Ottawa Senators', score: 'three' }],
      last_update: '2026-01-25T21:00:00Z',
    },
  ];
  const p = parseScoresPayload(JSON.stringify(body), 'nhl', 1);
  t.equal(p.kind, 'ok');
  if (p.kind !== 'ok') return;
  t.same(p.results, [
    {
      type: 'result',
      ts: Date.UTC(2026, 0, 26, 2, 41, 12),
      recv_ts: 1,
      sport: 'nhl',
      event: 'nhl-2026-01-25-tor-nyr',
      winner: 'away',
      home_score: 3,
      away_score: 4,
    },
  ]);
  t.same(p.problems.map((x) => x.reason).sort(), ['bad-score', 'tied-score']);
  t.ok(SCHEMAS.result.safeParse(p.results[0]).success);
  t.equal(parseScoresPayload('nope', 'nhl', 1).kind, 'parse');
});
