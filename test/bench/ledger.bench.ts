// Ledger speed (issue 2, section 7): aggregate rows/s committed (locked, one write and
// one fsync per batch) by 8 concurrent `ledger append` writers into one file, with 1
// writer and 8 --per-process writers (no lock) for reference. Wall time from spawn to
// the last exit, so process start-up is included, as in a real pipeline.
import { readdirSync } from 'node:fs';
import { timeCommand, writeLines, type Bench, type BenchRow } from './lib.js';

function fillLine(w: number, i: number): string {
  const ts = 1769380000000 + i * 10;
  return JSON.stringify({
    type: 'fill',
    ts,
    recv_ts: ts + 3,
    order_id: `o-${w}-${i}`,
    client_order_id: `c-${w}-${i}`,
    trade_id: `t-${w}-${i}`,
    ticker: 'KXNBAGAME-26JAN25DENMEM-DEN',
    side: i % 2 ? 'yes' : 'no',
    action: 'buy',
    price: 0.42,
    count: 10,
    fee: 0.01,
    liquidity: 'maker',
    mode: 'shadow',
    fair_p: 0.4512,
    source: 'boltodds',
    method: 'shin',
    event: 'nba-2026-01-25-den-mem',
  });
}

const bench: Bench = async (env) => {
  const total = env.quick ? 40_000 : 200_000;
  const writers = 8;
  const per = total / writers;
  const inputs = Array.from({ length: writers }, (_, w) => {
    const f = `${env.tmp}/fills-${w}.ndjson`;
    writeLines(f, per, (i) => fillLine(w, i));
    return f;
  });
  const one = `${env.tmp}/fills-all.ndjson`;
  writeLines(one, total, (i) => fillLine(i % writers, Math.floor(i / writers)));

  const run = async (label: string, files: string[], ledger: string, extra: string[] = []): Promise<BenchRow> => {
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(files.map((f) => timeCommand('ledger', ['append', ledger, ...extra], f)));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    for (const r of results) if (r.code !== 0) throw new Error(`${label}: ledger append failed: ${r.stderr.slice(0, 400)}`);
    const waits = results
      .map((r) => /"lock_wait_ms":(\d+)/.exec(r.stderr)?.[1])
      .filter(Boolean)
      .map(Number);
    const note = waits.length ? `lock wait per writer: mean ${Math.round(waits.reduce((a, b) => a + b, 0) / waits.length)} ms` : undefined;
    return { group: 'ledger', name: label, value: Math.round(total / s), unit: 'rows/s', ...(note ? { note } : {}) };
  };
  const rows = [
    await run(`1 writer, ${total.toLocaleString('en-US')} rows, locked`, [one], `${env.tmp}/one.csv`),
    await run(`${writers} writers x ${per.toLocaleString('en-US')} rows into one locked file`, inputs, `${env.tmp}/shared.csv`),
    await run(`${writers} writers --per-process (no lock)`, inputs, `${env.tmp}/pp.csv`, ['--per-process']),
  ];
  const ppFiles = readdirSync(env.tmp)
    .filter((f) => /^pp\..*\.csv$/.test(f))
    .map((f) => `${env.tmp}/${f}`);
  const t0 = process.hrtime.bigint();
  const r = await timeCommand('ledger', ['rollup', ...ppFiles], null);
  if (r.code !== 0) throw new Error(`rollup failed: ${r.stderr.slice(0, 400)}`);
  rows.push({
    group: 'ledger',
    name: `rollup of the ${ppFiles.length} per-process files`,
    value: Math.round(total / (Number(process.hrtime.bigint() - t0) / 1e9)),
    unit: 'rows/s',
  });
  return rows;
};

export default bench;
