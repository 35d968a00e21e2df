// Helpers for the ledger tests: run the built `ledger` (its stdout is NDJSON or text),
// make fill records, read a ledger back with csv-parse.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import { run, type RunResult } from '../helpers/run.js';

export type Ran = RunResult;

/** The built `ledger`; with onSpawn the test drives stdin (and signals) itself. */
export function ledger(
  args: string[],
  opts: { input?: string | Buffer; cwd?: string; timeoutMs?: number; onSpawn?: (c: ChildProcess) => void } = {},
): Promise<Ran> {
  return run('ledger', args, {
    ...opts,
    ...(opts.onSpawn ? { keepStdinOpen: true } : { input: opts.input ?? '' }),
  });
}

export function summaryOf(r: Ran): Record<string, unknown> {
  const s = r.logs.find((l) => l.msg === 'summary');
  if (!s) throw new Error(`no summary in stderr: ${r.stderr.slice(0, 500)}`);
  return s;
}

/** stdout lines as records (NDJSON output). */
export function records(r: Ran): Array<Record<string, unknown>> {
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function tmp(name = 'ledger'): string {
  return mkdtempSync(`${tmpdir()}/chimera-${name}-`);
}

export const T0 = 1769380000000;

/** A valid fill record; trade_id names writer and sequence. */
export function fill(w: number | string, i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'fill',
    ts: T0 + i * 10,
    order_id: `o-${w}-${i}`,
    client_order_id: `c-${w}-${i}`,
    trade_id: `t-${w}-${i}`,
    ticker: 'KXNBAGAME-26JAN25DENMEM-DEN',
    side: 'yes',
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
    ...extra,
  };
}

export function ndjson(recs: object[]): string {
  return recs.map((r) => JSON.stringify(r)).join('\n') + (recs.length ? '\n' : '');
}

/** A ledger read back: header and rows (csv-parse, rows end in \n). */
export function readCsv(file: string): { header: string[]; rows: string[][] } {
  const all = parse(readFileSync(file), { record_delimiter: '\n', relax_column_count: true }) as string[][];
  return { header: all[0] ?? [], rows: all.slice(1) };
}
