// The bundled Kalshi scenario (examples/kalshi/scenario.ndjson), generated here so it can
// be regenerated and checked: three games of 2026-01-25 (NBA Denver at Memphis, Lakers at
// Boston; NHL Toronto at NY Rangers), two markets each whose YES prices stay roughly
// complementary, two minutes of books and trades, a short pause of one market, then the
// determinations. Seeded: the same seed always gives the same file.
//
//   node dist/test/helpers/kalshi-scenario.js > examples/kalshi/scenario.ndjson
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/core/prng.js';

interface Game {
  event: string;
  series: string;
  away: string;
  home: string;
  /** Starting fair value of the away team, in cents. */
  awayCents: number;
  /** Who wins at the end. */
  winner: 'away' | 'home';
  /** When the game starts (a sim.game record: what a --shift-to re-dates the tickers by). */
  start: number;
}

// Starting prices and winners agree with the odds scenarios of examples/feeds/ (the
// sportsbooks' fair value of the away team; The Odds API's final scores), so the demo's
// session tells one story: Memphis 118-112, Boston 121-109, Toronto 4-3.
export const SCENARIO_GAMES: Game[] = [
  { event: 'KXNBAGAME-26JAN25DENMEM', series: 'KXNBAGAME', away: 'DEN', home: 'MEM', awayCents: 57, winner: 'home', start: Date.UTC(2026, 0, 26, 1, 0) },
  { event: 'KXNBAGAME-26JAN25LALBOS', series: 'KXNBAGAME', away: 'LAL', home: 'BOS', awayCents: 31, winner: 'home', start: Date.UTC(2026, 0, 26, 0, 30) },
  { event: 'KXNHLGAME-26JAN25TORNYR', series: 'KXNHLGAME', away: 'TOR', home: 'NYR', awayCents: 47, winner: 'away', start: Date.UTC(2026, 0, 26, 0, 0) },
];

/**
 * The scenario's moment, shared with the feed scenarios of examples/feeds/: a quarter of an hour before
 * the first game. --shift-to moves it (and so every absolute time) to the target.
 */
export const SCENARIO_EPOCH = '2026-01-25T23:45:00Z';

/** 2026-01-26T00:00:00Z: 19:00 on the 25th in New York, tip-off time. */
export const SCENARIO_T0 = Date.UTC(2026, 0, 26, 0, 0, 0);

export function makeScenario(seed = 2026, seconds = 120): string[] {
  const rand = seededRandom(seed);
  const out: string[] = [];
  const put = (r: Record<string, unknown>): void => {
    out.push(JSON.stringify(r));
  };
  const ranges = [{ start: 0, end: 1, step: 0.01 }];
  put({
    sim: 'kalshi',
    epoch: SCENARIO_EPOCH,
    comment:
      'Demo: the three games of 2026-01-25 (NBA DEN@MEM 8:00 PM ET, LAL@BOS 7:30 PM ET; NHL TOR@NYR 7:00 PM ET); the sim.game records give their starts, so --shift-to can re-date the tickers.',
  });
  for (const g of SCENARIO_GAMES) {
    for (const team of [g.away, g.home]) {
      put({
        type: 'kalshi.market',
        ts: SCENARIO_T0,
        ticker: `${g.event}-${team}`,
        event_ticker: g.event,
        series: g.series,
        sport: g.series === 'KXNBAGAME' ? 'nba' : 'nhl',
        status: 'active',
        close_ts: SCENARIO_T0 + 14 * 86_400_000,
        price_ranges: ranges,
        fee_type: 'quadratic_with_maker_fees',
        yes_sub_title: team,
      });
    }
  }
  for (const g of SCENARIO_GAMES) put({ type: 'sim.game', ts: SCENARIO_T0, event_ticker: g.event, start_ts: g.start });
  const fv = SCENARIO_GAMES.map((g) => g.awayCents);
  const size = (): number => 5 + Math.floor(rand() * 400) + (rand() < 0.15 ? 0.5 : 0);
  const book = (cents: number): { bids: number[][]; asks: number[][] } => {
    const spread = rand() < 0.7 ? 1 : 2;
    const bid = cents - (spread > 1 ? 1 : 0);
    const ask = bid + spread;
    const bids: number[][] = [];
    const asks: number[][] = [];
    for (let k = 0; k < 5; k++) {
      if (bid - k > 0 && rand() < 0.92) bids.push([(bid - k) / 100, size()]);
      if (ask + k < 100 && rand() < 0.92) asks.push([(ask + k) / 100, size()]);
    }
    return { bids, asks };
  };
  const pauseAt = SCENARIO_T0 + 70_000;
  const pauseTicker = `${SCENARIO_GAMES[2]!.event}-${SCENARIO_GAMES[2]!.home}`;
  let paused = false;
  for (let ms = 200; ms < seconds * 1000; ms += 200) {
    const ts = SCENARIO_T0 + ms;
    if (!paused && ts >= pauseAt) {
      put({ type: 'sim.lifecycle', ts, ticker: pauseTicker, action: 'pause' });
      paused = true;
    }
    if (paused && ts >= pauseAt + 5000 && ts < pauseAt + 5200) put({ type: 'sim.lifecycle', ts, ticker: pauseTicker, action: 'activate' });
    const gi = Math.floor(rand() * SCENARIO_GAMES.length);
    const g = SCENARIO_GAMES[gi]!;
    // The game moves: late in the game the winner's price runs towards 1.
    const late = ms / (seconds * 1000);
    const drift = late > 0.6 ? (g.winner === 'away' ? 1 : -1) * (rand() < 0.6 ? 1 : 0) : rand() < 0.5 ? -1 : 1;
    fv[gi] = Math.min(95, Math.max(5, fv[gi]! + (rand() < 0.5 ? drift : 0)));
    const awayC = fv[gi]!;
    const homeC = 100 - awayC + (rand() < 0.3 ? 1 : 0);
    const which = rand() < 0.5 ? 'away' : 'home';
    const team = which === 'away' ? g.away : g.home;
    const ticker = `${g.event}-${team}`;
    if (paused && ticker === pauseTicker && ts < pauseAt + 5000) continue;
    const b = book(which === 'away' ? awayC : homeC);
    put({ type: 'kalshi.book', ts, ticker, ...b });
    if (rand() < 0.25 && b.asks.length && b.bids.length) {
      const yes = rand() < 0.5;
      put({
        type: 'kalshi.trade',
        ts: ts + 1,
        ticker,
        price: yes ? b.asks[0]![0] : b.bids[0]![0],
        count: 1 + Math.floor(rand() * 50),
        taker_side: yes ? 'yes' : 'no',
      });
    }
  }
  const end = SCENARIO_T0 + seconds * 1000;
  for (const g of SCENARIO_GAMES) {
    put({ type: 'kalshi.result', ts: end, ticker: `${g.event}-${g.away}`, result: g.winner === 'away' ? 'yes' : 'no' });
    put({ type: 'kalshi.result', ts: end, ticker: `${g.event}-${g.home}`, result: g.winner === 'home' ? 'yes' : 'no' });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(makeScenario().join('\n') + '\n');
}
