// Rollup: per-process ledgers merged into one, deterministically. Rows are ordered by the
// numeric `ts` column, then the source file's name (as given), then the row's place in
// that file, so any argument order gives the same bytes. Every input must carry the same
// header. A torn final row is reported and left out (its writer never committed it);
// a row whose ts is not a number is kept, after all timed rows, and reported.
import { readLedger, type LedgerContents, type Problem } from './read.js';

export class RollupHeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollupHeaderError';
  }
}

export interface RollupRow {
  ts: number;
  file: string;
  line: number;
  fields: string[];
}

export interface RollupResult {
  header: string[];
  rows: RollupRow[];
  inputs: LedgerContents[];
  /** Problems per file (torn tails included). */
  problems: Array<Problem & { file: string }>;
}

export async function rollup(files: readonly string[]): Promise<RollupResult> {
  const rows: RollupRow[] = [];
  const inputs: LedgerContents[] = [];
  const problems: RollupResult['problems'] = [];
  let header: string[] | undefined;
  let headerFrom = '';
  let tsAt = -1;
  for (const file of files) {
    const fileRows: Array<{ line: number; fields: string[] }> = [];
    const c = await readLedger(file, { onRow: (fields, line) => fileRows.push({ line, fields }) });
    inputs.push(c);
    for (const p of c.problems) problems.push({ ...p, file });
    if (!c.header) continue; // reported as a header problem
    if (!header) {
      header = c.header;
      headerFrom = file;
      tsAt = header.indexOf('ts');
      if (tsAt < 0) throw new RollupHeaderError(`${file}: the header has no ts column to order rows by ("${header.join(',')}")`);
    } else if (c.header.join('\u0000') !== header.join('\u0000')) {
      throw new RollupHeaderError(`headers differ: ${headerFrom} has "${header.join(',')}", ${file} has "${c.header.join(',')}"`);
    }
    for (const r of fileRows) {
      const cell = r.fields[tsAt]!;
      const ts = cell.trim() === '' ? NaN : Number(cell);
      if (!Number.isFinite(ts)) problems.push({ file, line: r.line, kind: 'row', reason: `ts "${cell}" is not a number: row placed after all timed rows` });
      rows.push({ ts, file, line: r.line, fields: r.fields });
    }
  }
  if (!header) throw new RollupHeaderError('no input has a header');
  rows.sort(compareRows);
  return { header, rows, inputs, problems };
}

/** (ts, file name, line); rows without a numeric ts after every timed row. */
export function compareRows(a: RollupRow, b: RollupRow): number {
  const at = Number.isFinite(a.ts);
  const bt = Number.isFinite(b.ts);
  if (at !== bt) return at ? -1 : 1;
  if (at && a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line;
}
