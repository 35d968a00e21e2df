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
import { isUtf8 } from 'node:buffer';
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

/** A cell that cannot be encoded (a value nested too deeply for JSON.stringify). */
export class CellError extends Error {
  constructor(
    readonly column: string,
    reason: string,
  ) {
    super(`column "${column}" cannot be encoded: ${reason}`);
    this.name = 'CellError';
  }
}

/** The cells of one record under the given columns. Throws CellError naming a column it cannot encode. */
export function rowOf(record: Record<string, unknown>, columns: readonly string[]): string[] {
  const row = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    try {
      row[i] = encodeCell(record[columns[i]!]);
    } catch (e) {
      const deep = e instanceof RangeError && /call stack/i.test(e.message);
      throw new CellError(columns[i]!, deep ? 'nested too deeply to write as JSON' : excerpt(e instanceof Error ? e.message : String(e), 160));
    }
  }
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
  /** Its bytes are valid UTF-8 (else `text` holds U+FFFD where they were not). */
  utf8: boolean;
  /** 1-based line on which it starts. */
  line: number;
  /** Byte offsets [start, end) in the file, end excluding the "\n". */
  start: number;
  end: number;
}

export interface Tail {
  start: number;
  bytes: number;
  /** 1-based line on which it starts (0: not known). */
  line: number;
  text: string;
  raw: Buffer;
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
          const bytes = this.carryLen === 0 ? piece : Buffer.concat([...this.carry, piece]);
          const text = bytes.toString('utf8');
          this.carry = [];
          this.carryLen = 0;
          const end = this.offset + i;
          // U+FFFD is where the decoder replaced bytes that are not UTF-8 (or a real one).
          const utf8 = !text.includes('\uFFFD') || isUtf8(bytes);
          onRecord({ text, utf8, line: this.recLine, start: this.recStart, end });
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
    return { start: this.recStart, bytes: buf.length, line: this.recLine, text: buf.toString('utf8'), raw: buf, inQuote: this.inQuote };
  }
}

/**
 * Why bytes are not UTF-8 text, or undefined if they are. A NUL byte counts as not text:
 * no ledger row holds one in practice, and every ASCII character of a UTF-16 file does.
 * With `cutEnd`, a multi-byte character cut short at the very end is allowed (a write
 * cut in mid-character leaves one).
 */
export function utf8Problem(raw: Buffer, cutEnd = false): string | undefined {
  if (raw.includes(0)) return 'holds NUL bytes: not UTF-8 text (a UTF-16 file?)';
  if (isUtf8(raw)) return undefined;
  if (cutEnd) {
    try {
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw, { stream: true });
      return undefined;
    } catch {
      // invalid before the end
    }
  }
  return 'not valid UTF-8';
}

export type TornVerdict = { torn: true } | { torn: false; why: string };

/**
 * Whether an unfinished final record (the bytes after the last "\n" outside quotes) is
 * what a writer killed inside its one write() leaves: a prefix of one row, that is the
 * part of its batch after the last whole row. Anything else is damage, to report and
 * never to "repair". A torn tail:
 * - is UTF-8 (a character cut short at the very end aside);
 * - holds no line, after its first, that is on its own a whole row of the header's width
 *   (`columns`): a stray quote in a middle row makes quote parity read every row after it
 *   as one quoted field running to the end of the file; those rows were committed;
 * - does not end in "\n" (the cut is in the last line; bytes that end in a newline
 *   inside a quote that never closes are a stray quote as far as anyone can tell);
 * - with its open quote closed, parses as one row of at most `columns` fields.
 * A torn row whose quoted cell holds lines that read as whole rows is thus refused too:
 * when the two cannot be told apart, nothing is moved.
 */
export function looksTorn(tail: Tail, columns: number | undefined): TornVerdict {
  const enc = utf8Problem(tail.raw, true);
  if (enc) return { torn: false, why: enc };
  if (columns === undefined) return { torn: false, why: 'no header to judge it by' };
  const whole = wholeRowInside(tail.raw, columns);
  if (whole !== undefined) {
    const where = tail.line > 0 ? `line ${tail.line + whole}` : `its line ${whole + 1}`;
    const from = tail.line > 0 ? `line ${tail.line}` : 'its first line';
    return { torn: false, why: `${where} is a whole row, inside a quoted field opened on ${from} that never closes: a stray quote?` };
  }
  if (tail.raw[tail.raw.length - 1] === NL) {
    return { torn: false, why: 'ends in a newline inside a quoted field that never closes (a torn row ends without its newline): a stray quote?' };
  }
  let fields: string[][];
  try {
    fields = parse(tail.text + (tail.inQuote ? '"' : '') + '\n', PARSE) as string[][];
  } catch (e) {
    return { torn: false, why: csvError(e) };
  }
  if (fields.length !== 1) return { torn: false, why: `holds ${fields.length} records, not one partial row` };
  if (fields[0]!.length > columns) return { torn: false, why: `has ${fields[0]!.length} fields, more than the header's ${columns}` };
  return { torn: true };
}

/**
 * The first line after the first of `raw` (counted from 0) that ends in "\n" and parses
 * on its own as a row of exactly `columns` fields, if any. An empty line is no row (a
 * row of one empty cell is written as "").
 */
function wholeRowInside(raw: Buffer, columns: number): number | undefined {
  let nl = raw.indexOf(NL);
  let line = 0;
  while (nl >= 0) {
    line++;
    const next = raw.indexOf(NL, nl + 1);
    if (next < 0) return undefined; // the last line is unfinished: not whole
    if (next > nl + 1) {
      try {
        if (parseRecord(raw.toString('utf8', nl + 1, next)).length === columns) return line;
      } catch {
        // not a row on its own
      }
    }
    nl = next;
  }
  return undefined;
}

/** A csv-parse error as a short reason. */
export function csvError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  // csv-parse counts lines within the text it was given (one record): drop that.
  const msg = (err.message ?? String(e)).replace(/\s+/g, ' ').replace(/ (at|on) line \d+/g, '');
  return excerpt(msg, 160);
}
