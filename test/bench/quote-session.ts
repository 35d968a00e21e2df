// A synthetic recorded session for the quote benches: D days of G NBA games each, in time
// order, as feed-kalshi and devig would have written them (kalshi.status, kalshi.market,
// market.link, oracle.prob, kalshi.book, kalshi.trade, kalshi.result). Deterministic (a
// seeded PRNG): the same options give the same lines.
import { seededRandom } from '../../src/core/prng.js';
import { teams } from '../../src/core/teams.js';

export interface SessionOptions {
  days: number;
  gamesPerDay: number;
  /** A book per ticker this often (ms). */
  bookEveryMs: number;
  /** An oracle.prob per game this often (ms). */
  probEveryMs: number;
  /** A trade per ticker this often (ms). */
  tradeEveryMs: number;
  /** First day, UTC midnight (epoch ms). */
  start: number;
  seed?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const HOUR = 3_600_000;

/** Lines of one day, sorted by time; call per day so a month never sits in memory. */
export function* sessionLines(o: SessionOptions): Generator<string> {
  const rnd = seededRandom(o.seed ?? 7);
  const nba = teams('nba');
  for (let d = 0; d < o.days; d++) {
    const day = o.start + d * 24 * HOUR;
    const date = new Date(day);
    const y = date.getUTCFullYear();
    const mo = date.getUTCMonth();
    const dd = date.getUTCDate();
    const iso = `${y}-${String(mo + 1).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
    const tdate = `${String(y % 100).padStart(2, '0')}${MONTHS[mo]}${String(dd).padStart(2, '0')}`;
    const evs: Array<[number, number, string]> = [];
    let seq = 0;
    const push = (ts: number, r: Record<string, unknown>): void => {
      evs.push([ts, seq++, JSON.stringify({ ...r, ts })]);
    };
    const open = day + 17 * HOUR; // 12:00 ET: quoting starts
    const close = day + 29 * HOUR; // results after the games
    for (let t = open; t <= close; t += 60_000) {
      push(t, { type: 'kalshi.status', state: 'live', connects: 1, reconnects: 0, disconnects: 0, gaps: 0, last_msg_ts: t, tickers: {} });
    }
    for (let g = 0; g < o.gamesPerDay; g++) {
      const away = nba[(2 * g + d) % nba.length]!;
      const home = nba[(2 * g + 1 + d) % nba.length]!;
      const event = `nba-${iso}-${away.code}-${home.code}`;
      const evTicker = `KXNBAGAME-${tdate}${away.code.toUpperCase()}${home.code.toUpperCase()}`;
      const commence = day + 23 * HOUR + (g % 3) * 1_800_000; // 18:00-19:00 ET
      const tickers = { home: `${evTicker}-${home.code.toUpperCase()}`, away: `${evTicker}-${away.code.toUpperCase()}` };
      const homeWins = rnd() < 0.55;
      for (const side of ['home', 'away'] as const) {
        const ticker = tickers[side];
        const team = side === 'home' ? home : away;
        push(open, {
          type: 'kalshi.market',
          ticker,
          event_ticker: evTicker,
          series: 'KXNBAGAME',
          sport: 'nba',
          event,
          team: team.code,
          status: 'active',
          close_ts: commence + 6 * HOUR,
          price_ranges: [{ start: 0, end: 1, step: 0.01 }],
          fee_type: 'quadratic_with_maker_fees',
        });
        push(open, { type: 'market.link', event, sport: 'nba', side, ticker });
      }
      let p = 0.35 + rnd() * 0.3;
      const pAt: Array<[number, number]> = [];
      for (let t = open + 1000; t < commence; t += o.probEveryMs) {
        p = Math.min(0.9, Math.max(0.1, p + (rnd() - 0.5) * 0.01));
        const ph = Math.round(p * 1e6) / 1e6;
        pAt.push([t, ph]);
        push(t, {
          type: 'oracle.prob',
          source: 'boltodds',
          sport: 'nba',
          event,
          home: home.name,
          away: away.name,
          commence_ts: commence,
          books: ['pinnacle'],
          method: 'shin',
          p_home: ph,
          p_away: Math.round((1 - ph) * 1e6) / 1e6,
          overround: 0.04,
        });
      }
      let k = 0;
      const seqs = { home: 1, away: 1 };
      for (let t = open + 1500; t < commence + HOUR; t += o.bookEveryMs) {
        while (k + 1 < pAt.length && pAt[k + 1]![0] <= t) k++;
        const ph = pAt[k]?.[1] ?? p;
        for (const side of ['home', 'away'] as const) {
          const fair = side === 'home' ? ph : 1 - ph;
          const mid = Math.round(fair * 100 + (rnd() - 0.5) * 2);
          const bid = Math.min(97, Math.max(1, mid - 1 - Math.floor(rnd() * 2)));
          const ask = Math.min(99, Math.max(bid + 1, mid + 1 + Math.floor(rnd() * 2)));
          const lv = (from: number, dir: number) =>
            [0, 1, 2].map((i) => [(from + dir * i) / 100, 20 + Math.floor(rnd() * 200)]).filter(([x]) => x! > 0 && x! < 1);
          push(t, { type: 'kalshi.book', recv_ts: t, ticker: tickers[side], seq: ++seqs[side], bids: lv(bid, -1), asks: lv(ask, 1) });
          if ((t - open) % o.tradeEveryMs < o.bookEveryMs) {
            const takerYes = rnd() < 0.5;
            push(t + 1, {
              type: 'kalshi.trade',
              ticker: tickers[side],
              trade_id: `${tickers[side]}-${t}`,
              price: (takerYes ? ask : bid) / 100,
              count: 1 + Math.floor(rnd() * 50),
              taker_side: takerYes ? 'yes' : 'no',
            });
          }
        }
      }
      push(close, { type: 'kalshi.result', ticker: tickers.home, result: homeWins ? 'yes' : 'no', settlement_value: homeWins ? 1 : 0 });
      push(close, { type: 'kalshi.result', ticker: tickers.away, result: homeWins ? 'no' : 'yes', settlement_value: homeWins ? 0 : 1 });
    }
    evs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [, , line] of evs) yield line;
  }
}
