// calibrate speed: records/s over a file of oracle.prob (5 methods per game) and result
// records, the size of the odds file, against the parse+stringify limit. No target in
// the issue: calibrate runs once per report, not on the hot path; the figure says how
// long a season of live probabilities would take to score.
import { timeCommand, writeLines, type Bench } from './lib.js';

const METHODS = ['proportional', 'additive', 'power', 'shin', 'odds-ratio'];

/** Record i: games of 6 records, 5 probabilities then the result. Deterministic. */
function record(i: number): string {
  const game = Math.floor(i / 6);
  const k = i % 6;
  const commence = 1_700_000_000_000 + game * 60_000;
  const a = String.fromCharCode(97 + (game % 26), 97 + (Math.floor(game / 26) % 26), 97 + (Math.floor(game / 676) % 26));
  const b = String.fromCharCode(97 + (Math.floor(game / 17576) % 26), 97 + (Math.floor(game / 456976) % 26));
  const event = `nba-2026-01-25-${a}-x${b}`;
  const p = 0.05 + 0.9 * (((game * 7919) % 1000) / 1000);
  if (k === 5) return JSON.stringify({ type: 'result', ts: commence + 9_000_000, sport: 'nba', event, winner: (game * 31) % 100 < p * 100 ? 'home' : 'away' });
  const q = Math.min(0.99, p * (1 + 0.01 * k));
  return JSON.stringify({
    type: 'oracle.prob',
    ts: commence - 60_000,
    source: 'history',
    sport: 'nba',
    event,
    home: 'Home Team',
    away: 'Away Team',
    commence_ts: commence,
    books: ['consensus'],
    method: METHODS[k],
    p_home: q,
    p_away: 1 - q,
    overround: 0.045,
  });
}

const bench: Bench = async (env) => {
  const n = env.oddsLines;
  const file = `${env.tmp}/calib-${n}.ndjson`;
  writeLines(file, n, record);
  const r = await timeCommand('calibrate', [file], null);
  if (r.code !== 0) throw new Error(`calibrate failed: ${r.stderr.slice(0, 500)}`);
  const rps = n / r.seconds;
  return [{ group: 'calib', name: 'calibrate file (5 methods per game + results)', value: Math.round(rps), unit: 'records/s', ratio: rps / env.limit }];
};

export default bench;
