// Reading a ledger as verify and rollup need it: cut into records at boundaries, parsed
// with csv-parse in batches (one by one only around a bad record, to name it), each
// checked against the header. Problems carry the line they start on.
import { fstatSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { csvError, looksTorn, parseRecord, parseRecords, RecordSplitter, type SplitRecord, type Tail } from './csv.js';
import { codeOf, errText, LedgerWriteError, nodeWriteFs, readBytes, saveTorn, tornPath, type WriteFs } from './file.js';
import { LockError, type LedgerLock } from './lock.js';

export type ProblemKind = 'header' | 'row' | 'torn' | 'damage';

export interface Problem {
  line: number;
  kind: ProblemKind;
  reason: string;
}

export interface LedgerContents {
  file: string;
  size: number;
  header: string[] | undefined;
  /** Rows that passed every check. */
  rows: number;
  problems: Problem[];
  /** The unfinished final record, if any; `torn` when it is what a killed writer leaves. */
  tail: (Tail & { torn: boolean }) | undefined;
}

export interface ReadOptions {
  /** The header must be exactly these columns. */
  expect?: readonly string[];
  /** Called for every good row, in file order. */
  onRow?(fields: string[], line: number): void;
}

const BATCH = 2000;

export async function readLedger(file: string, opts: ReadOptions = {}): Promise<LedgerContents> {
  const fh = await open(file, 'r');
  const problems: Problem[] = [];
  let header: string[] | undefined;
  let headerKey: string | undefined;
  let seenHeader = false;
  let rows = 0;
  let size: number;
  let pending: SplitRecord[] = [];

  const checkHeader = (fields: string[] | undefined, rec: SplitRecord, err?: string): void => {
    seenHeader = true;
    // A UTF-16 file, say: its rows cannot be judged against such a "header".
    if (!rec.utf8) {
      problems.push({ line: rec.line, kind: 'header', reason: 'header is not UTF-8 text (invalid bytes: a UTF-16 file?); ledgers are UTF-8' });
      return;
    }
    if (rec.text.includes('\u0000')) {
      problems.push({ line: rec.line, kind: 'header', reason: 'header holds NUL bytes: not UTF-8 text (a UTF-16 file?); ledgers are UTF-8' });
      return;
    }
    if (!fields) {
      problems.push({ line: rec.line, kind: 'header', reason: `header does not parse: ${err ?? ''}` });
      return;
    }
    if (rec.text.length === 0) {
      problems.push({ line: rec.line, kind: 'header', reason: 'empty first line: no header' });
      return;
    }
    header = fields;
    headerKey = fields.join('\u0000');
    const dup = fields.find((f, i) => fields.indexOf(f) !== i);
    if (dup !== undefined) problems.push({ line: rec.line, kind: 'header', reason: `column "${dup}" appears twice in the header` });
    if (opts.expect && opts.expect.join('\u0000') !== headerKey) {
      problems.push({ line: rec.line, kind: 'header', reason: `header is "${fields.join(',')}", expected "${opts.expect.join(',')}"` });
    }
  };
  const checkRow = (fields: string[], rec: SplitRecord): void => {
    if (!header) return; // no usable header: rows cannot be judged (the header problem says so)
    if (rec.text.length === 0) {
      problems.push({ line: rec.line, kind: 'row', reason: 'empty line' });
    } else if (!rec.utf8) {
      problems.push({ line: rec.line, kind: 'row', reason: 'not valid UTF-8' });
    } else if (fields.join('\u0000') === headerKey) {
      problems.push({ line: rec.line, kind: 'row', reason: 'header repeated' });
    } else if (fields.length !== header.length) {
      problems.push({ line: rec.line, kind: 'row', reason: `${fields.length} columns, the header has ${header.length}` });
    } else {
      rows++;
      opts.onRow?.(fields, rec.line);
    }
  };
  const flush = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    let parsed: Array<string[] | undefined>;
    const errors: Array<string | undefined> = new Array(batch.length);
    try {
      parsed = parseRecords(batch.map((r) => r.text));
    } catch {
      parsed = batch.map((r, i) => {
        try {
          return parseRecord(r.text);
        } catch (e) {
          errors[i] = csvError(e);
          return undefined;
        }
      });
    }
    for (let i = 0; i < batch.length; i++) {
      const rec = batch[i]!;
      const fields = parsed[i];
      if (!seenHeader) checkHeader(fields, rec, errors[i]);
      else if (!fields) problems.push({ line: rec.line, kind: 'row', reason: `does not parse: ${errors[i] ?? ''}` });
      else checkRow(fields, rec);
    }
  };

  const splitter = new RecordSplitter();
  try {
    size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      splitter.push(buf.subarray(0, bytesRead), (r) => {
        pending.push(r);
        if (pending.length >= BATCH) flush();
      });
      pos += bytesRead;
    }
    flush();
  } finally {
    await fh.close();
  }
  if (size === 0) problems.push({ line: 1, kind: 'header', reason: 'empty file: no header' });

  let tail: LedgerContents['tail'];
  const t = splitter.end();
  if (t) {
    const verdict = looksTorn(t, header?.length ?? opts.expect?.length);
    tail = { ...t, torn: verdict.torn };
    const what = t.inQuote ? 'ends inside a quoted field' : 'has no final newline';
    if (verdict.torn) {
      problems.push({ line: t.line, kind: 'torn', reason: `torn final row (${t.bytes} bytes; ${what}): left by a writer killed in mid-write` });
    } else {
      problems.push({
        line: t.line,
        kind: 'damage',
        reason: `unfinished final record (${t.bytes} bytes from byte ${t.start}; ${what}) that is not a torn row: ${verdict.why}`,
      });
    }
  }
  return { file, size, header, rows, problems, tail };
}

/**
 * Move a torn tail (found by readLedger) to FILE.torn and truncate the file before it.
 * Refuses if the file changed since it was read.
 */
export async function repairTail(
  file: string,
  contents: LedgerContents,
  lock: LedgerLock | undefined,
  fs: WriteFs = nodeWriteFs,
): Promise<{ tornFile: string; bytes: number }> {
  const tail = contents.tail;
  if (!tail?.torn) throw new Error('repairTail: no torn tail');
  const fh = await open(file, 'r+');
  try {
    const fd = fh.fd;
    const st = fstatSync(fd);
    if (st.size !== contents.size)
      throw new LockError(`${file} changed size (${contents.size} -> ${st.size}) since it was verified; not repaired`, 'ECOMPROMISED');
    const bytes = readBytes(fd, tail.start, st.size);
    let tornFile: string;
    try {
      tornFile = saveTorn(file, bytes, fs);
    } catch (e) {
      throw new LedgerWriteError(
        `${file}: could not save its torn final row to ${tornPath(file)} (${errText(e)}); not repaired, the ledger was not changed`,
        codeOf(e),
      );
    }
    lock?.holdOrThrow();
    try {
      fs.ftruncateSync(fd, tail.start);
      fs.fsyncSync(fd);
    } catch (e) {
      throw new LedgerWriteError(`${file}: its torn final row was saved to ${tornFile}, but cutting it from the ledger failed (${errText(e)})`, codeOf(e));
    }
    return { tornFile, bytes: bytes.length };
  } finally {
    await fh.close();
  }
}
