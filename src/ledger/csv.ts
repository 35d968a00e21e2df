// How a record becomes a ledger row, and how ledger bytes are cut into records.
//
// Cells: strings as they are, numbers as JSON numbers, booleans true/false, an absent or
// null field empty, arrays and objects JSON-encoded. csv-stringify quotes a cell that
// holds a comma, a quote or a line break (RFC 4180), so a row may span several lines.
//
// Record boundaries: a "\n" outside quotes. csv-stringify only writes a quote as a field
// delimiter or as the doubled escape inside a quoted field, so the parity of the quotes
// seen so far says whether a byte is inside a quoted field. That lets a writer check the
// end of a ledger (is the last row whole?) by scanning only the bytes appended since it
// last looked, and lets verify/rollup cut a file into rows without trusting a parser to
// resynchronise after damage.
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';
import { excerpt } from '../core/text.js';

const QUOTE = 0x22;
/** Rows end in "\n" only: a "\r" is data (csv-stringify quotes it), never a delimiter. */
const PARSE = { relax_column_count: true, skip_empty_lines: false, record_delimiter: '\n' } as const;
const NL = 0x0a;

/** One cell of a row. */
export function encodeCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return JSON.stringify(v); // JSON numbers only: NaN/Infinity cannot come from a record
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    default:
      return JSON.stringify(v);
  }
}

/** The cells of one record under the given columns. */
export function rowOf(record: Record<string, unknown>, columns: readonly string[]): string[] {
  const row = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) row[i] = encodeCell(record[columns[i]!]);
  return row;
}

/** Rows as CSV text, each ending in "\n". */
export function stringifyRows(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const opts = { header: false, record_delimiter: 'unix', eof: true } as const;
  // A row of one empty field would be a bare "\n", an empty line to every reader
  // (ledger verify included): that row is written as "" instead.
  if (rows.some((r) => r.length === 1 && r[0] === '')) {
    return rows.map((r) => stringify([r as string[]], { ...opts, quoted_empty: r.length === 1 })).join('');
  }
  return stringify(rows as string[][], opts);
}

/** The header line for these columns, ending in "\n". */
export function headerLine(columns: readonly string[]): string {
  return stringifyRows([columns]);
}

/** Fields of one CSV record (the text of exactly one row, without its final "\n"). */
export function parseRecord(text: string): string[] {
  const rows = parse(text, PARSE) as string[][];
  if (rows.length !== 1) {
    if (rows.length === 0) return [''];
    throw new Error(`expected one record, found ${rows.length}`);
  }
  return rows[0]!;
}

/**
 * Many records at once (the fast path): the texts joined by "\n". Throws if any of them
 * does not parse or the count comes out different; the caller then parses one by one to
 * name the bad one.
 */
export function parseRecords(texts: readonly string[]): string[][] {
  if (texts.length === 0) return [];
  const rows = parse(texts.join('\n') + '\n', PARSE) as string[][];
  if (rows.length !== texts.length) throw new Error(`expected ${texts.length} records, parsed ${rows.length}`);
  return rows;
}

// ---------------------------------------------------------------- record boundaries

/**
 * Tracks record boundaries over a byte stream fed in order. `lastBoundary` is the offset
 * just past the last "\n" outside quotes: the bytes before it are whole rows; the bytes
 * after it (if any) are an unfinished row. Uses native byte search (memchr), so scanning
 * what other writers appended costs little.
 */
export class BoundaryScanner {
  /** Bytes fed so far (offset of the next byte). */
  offset: number;
  inQuote = false;
  lastBoundary: number;

  constructor(start = 0) {
    this.offset = start;
    this.lastBoundary = start;
  }

  feed(buf: Buffer): void {
    const len = buf.length;
    let q = this.inQuote;
    let boundary = -1;
    let pos = 0;
    while (pos < len) {
      const quote = buf.indexOf(QUOTE, pos);
      if (!q) {
        // Every "\n" before the next quote is outside quotes: the last one is a boundary.
        const end = quote === -1 ? len : quote;
        if (end > pos) {
          const nl = buf.lastIndexOf(NL, end - 1);
          if (nl >= pos) boundary = nl;
        }
      }
      if (quote === -1) break;
      q = !q;
      pos = quote + 1;
    }
    if (boundary >= 0) this.lastBoundary = this.offset + boundary + 1;
    this.inQuote = q;
    this.offset += len;
  }

  /** True when everything fed so far is whole rows. */
  get clean(): boolean {
    return !this.inQuote && this.lastBoundary === this.offset;
  }
}

export interface SplitRecord {
  /** The row's text without its terminating "\n". */
  text: string;
  /** 1-based line on which it starts. */
  line: number;
  /** Byte offsets [start, end) in the file, end excluding the "\n". */
  start: number;
  end: number;
}

export interface Tail {
  start: number;
  bytes: number;
  line: number;
  text: string;
  /** The tail ends inside a quoted field (else: it lacks only its "\n"). */
  inQuote: boolean;
}

/** Cuts a byte stream into records at boundaries (see BoundaryScanner). */
export class RecordSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private inQuote = false;
  private offset = 0;
  private recStart = 0;
  private recLine = 1;
  private line = 1;

  push(chunk: Buffer, onRecord: (r: SplitRecord) => void): void {
    let q = this.inQuote;
    let segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === QUOTE) q = !q;
      else if (c === NL) {
        this.line++;
        if (!q) {
          const piece = chunk.subarray(segStart, i);
          const text = this.carryLen === 0 ? piece.toString('utf8') : Buffer.concat([...this.carry, piece]).toString('utf8');
          this.carry = [];
          this.carryLen = 0;
          const end = this.offset + i;
          onRecord({ text, line: this.recLine, start: this.recStart, end });
          this.recStart = end + 1;
          this.recLine = this.line;
          segStart = i + 1;
        }
      }
    }
    if (segStart < chunk.length) {
      const rest = chunk.subarray(segStart);
      this.carry.push(Buffer.from(rest));
      this.carryLen += rest.length;
    }
    this.inQuote = q;
    this.offset += chunk.length;
  }

  /** The unfinished row at the end, if the stream did not end on a boundary. */
  end(): Tail | undefined {
    if (this.carryLen === 0 && !this.inQuote) return undefined;
    const buf = Buffer.concat(this.carry, this.carryLen);
    return { start: this.recStart, bytes: buf.length, line: this.recLine, text: buf.toString('utf8'), inQuote: this.inQuote };
  }
}

/**
 * Whether an unfinished final row looks like what a writer killed in mid-write leaves: a
 * prefix of one well-formed row (closing its open quote makes it parse as a single row of
 * at most `columns` fields). Anything else is damage to report, not to "repair".
 */
export function looksTorn(tail: Tail, columns: number | undefined): { torn: true } | { torn: false; why: string } {
  let fields: string[][];
  try {
    fields = parse(tail.text + (tail.inQuote ? '"' : '') + '\n', PARSE) as string[][];
  } catch (e) {
    return { torn: false, why: csvError(e) };
  }
  if (fields.length !== 1) return { torn: false, why: `holds ${fields.length} records, not one partial row` };
  if (columns !== undefined && fields[0]!.length > columns) return { torn: false, why: `has ${fields[0]!.length} fields, more than the header's ${columns}` };
  return { torn: true };
}

/** A csv-parse error as a short reason. */
export function csvError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // csv-parse counts lines within the text it was given (one record): drop that.
  const msg = (err.message ?? String(e)).replace(/\s+/g, ' ').replace(/ (at|on) line \d+/g, '');
  return excerpt(msg, 160);
}
