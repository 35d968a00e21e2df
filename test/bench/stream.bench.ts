// Stream layer speed (issue 2): validate and a pass-through stage over 1 M odds.line
// records, against the in-process parse+stringify limit; and the `ndjson` package doing
// the same pass-through, which is why the hot path does not use it.
import { writeFileSync } from 'node:fs';
import { ROOT } from '../helpers/run.js';
import { timeCommand, timeProcess, type Bench } from './lib.js';

const bench: Bench = async (env) => {
  const n = env.oddsLines;
  const v = await timeCommand('validate', [env.oddsFile], null);
  if (v.code !== 0) throw new Error(`validate failed: ${v.stderr.slice(0, 500)}`);
  // ndcat reads every line, checks it is a record, and passes it through verbatim.
  const p = await timeCommand('ndcat', [], env.oddsFile);
  if (p.code !== 0) throw new Error(`ndcat failed: ${p.stderr.slice(0, 500)}`);
  const script = `${env.tmp}/ndjson-pass.cjs`;
  writeFileSync(
    script,
    `const nd = require(${JSON.stringify(`${ROOT}node_modules/ndjson`)});
process.stdin.pipe(nd.parse()).pipe(nd.stringify()).pipe(process.stdout);\n`,
  );
  const nd = await timeProcess(process.execPath, [script], env.oddsFile);
  const row = (name: string, s: number, target?: number) => {
    const rps = n / s;
    const ratio = rps / env.limit;
    return {
      group: 'stream',
      name,
      value: Math.round(rps),
      unit: 'records/s',
      ratio,
      ...(target !== undefined ? { target: `>= ${target * 100}% of limit`, ok: ratio >= target } : {}),
    };
  };
  return [
    row('validate file > pipe (full schema check)', v.seconds),
    row('pass-through stage: ndcat < file > pipe', p.seconds, 0.7),
    row('ndjson package parse|stringify (for comparison)', nd.seconds),
  ];
};

export default bench;
