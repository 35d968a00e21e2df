// Oracle speed (issue 3, section 6): devig with each method and arbitrate over the bench's
// 1 M odds.line file (two books, 500 games), file > pipe, against the in-process
// parse+stringify limit of the same run. Targets: devig proportional and arbitrate at
// 60 % of the limit or more, Shin and power at 50 % or more.
import { timeCommand, type Bench, type BenchRow } from './lib.js';
import { DEVIG_METHODS } from '../../src/schema/records.js';

const TARGETS: Record<string, number> = { 'devig proportional': 0.6, 'devig shin': 0.5, 'devig power': 0.5, arbitrate: 0.6 };

const bench: Bench = async (env) => {
  const n = env.oddsLines;
  const rows: BenchRow[] = [];
  const row = (name: string, seconds: number): BenchRow => {
    const rps = n / seconds;
    const ratio = rps / env.limit;
    const target = TARGETS[name];
    return {
      group: 'oracle', name, value: Math.round(rps), unit: 'records/s', ratio,
      ...(target !== undefined ? { target: `>= ${target * 100}% of limit`, ok: ratio >= target } : {}),
    };
  };
  for (const m of DEVIG_METHODS) {
    const r = await timeCommand('devig', ['--method', m, env.oddsFile], null);
    if (r.code !== 0) throw new Error(`devig --method ${m} failed: ${r.stderr.slice(0, 500)}`);
    rows.push(row(`devig ${m}`, r.seconds));
  }
  const c = await timeCommand('devig', ['--compare', env.oddsFile], null);
  if (c.code !== 0) throw new Error(`devig --compare failed: ${c.stderr.slice(0, 500)}`);
  rows.push(row('devig --compare (all five methods)', c.seconds));
  // The bench file spans 10,000 s of record time at 10 ms per line; --replay drives the
  // staleness clock from it (each game's lines are 5 s apart, well inside 120 s).
  const a = await timeCommand('arbitrate', ['--replay', env.oddsFile], null);
  if (a.code !== 0) throw new Error(`arbitrate failed: ${a.stderr.slice(0, 500)}`);
  rows.push(row('arbitrate', a.seconds));
  const b = await timeCommand('arbitrate', ['--replay', '--policy', 'weighted-blend', '--weights', 'pinnacle=0.7,draftkings=0.3', env.oddsFile], null);
  if (b.code !== 0) throw new Error(`arbitrate weighted-blend failed: ${b.stderr.slice(0, 500)}`);
  rows.push(row('arbitrate weighted-blend', b.seconds));
  return rows;
};

export default bench;
