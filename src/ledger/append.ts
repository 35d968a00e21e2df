// The ledger writer. One commit = one batch of rows: take the lock, check the file's end
// (a torn row left by a killed writer is moved to FILE.torn), check the header, write all
// rows in one write, fsync, release. Only then are the batch's records reported as
// committed. A write or fsync that fails cuts the file back to where the batch began, so
// the file never holds a row that was not reported. With --per-process the file is this
// process's own and no lock is taken.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { BoundaryScanner, headerLine, looksTorn, parseRecord, utf8Problem, type Tail } from './csv.js';
import {
  canonicalPath,
  codeOf,
  createLedger,
  errText,
  LedgerWriteError,
  lineAt,
  nodeWriteFs,
  readBytes,
  saveTorn,
  scanFile,
  scanRange,
  tornPath,
  writeAll,
  type WriteFs,
} from './file.js';
import { LedgerLock, LockError, type LockOptions } from './lock.js';

/** The file's header is not ours: exit 2, naming the file's header (and how to write under it). */
export class HeaderMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly found: string,
    readonly expected: string,
    fileColumns: string | undefined,
  ) {
    super(
      `${file} has header "${found}" but this run writes "${expected}": use another file` +
        (fileColumns ? `, or --columns ${fileColumns} to write rows under the file's header` : ''),
    );
    this.name = 'HeaderMismatchError';
  }
}

/** The ledger ends in damage that is not a torn row: exit 1, run ledger verify. */
export class LedgerDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerDamagedError';
  }
}

export interface TornEvent {
  file: string;
  tornFile: string;
  offset: number;
  bytes: number;
}

export interface WriterOptions {
  /** The ledger file (the --per-process name already applied). */
  file: string;
  columns: readonly string[];
  /** undefined: no lock (--per-process). */
  lock: LockOptions | undefined;
  onTorn?(e: TornEvent): void;
  /** The calls that change the file (default node:fs): tests inject failures here. */
  fs?: WriteFs;
}

export class LedgerWriter {
  readonly header: string;
  private readonly headerBuf: Buffer;
  private path: string;
  private readonly fs: WriteFs;
  private lock: LedgerLock | undefined;
  /** What we know of the file: its inode, and a boundary up to which it is whole rows. */
  private scanner: BoundaryScanner | undefined;
  private ino: number | undefined;
  rows = 0;
  batches = 0;
  bytes = 0;
  tornBytes = 0;
  created = false;
  /** Time from taking the lock to releasing it, ms (total and worst). */
  heldMs = 0;
  maxHeldMs = 0;

  constructor(private readonly opts: WriterOptions) {
    this.header = headerLine(opts.columns);
    this.headerBuf = Buffer.from(this.header);
    this.path = opts.file;
    this.fs = opts.fs ?? nodeWriteFs;
  }

  get file(): string {
    return this.path;
  }

  get lockStats(): { waitedMs: number; maxWaitMs: number; heldMs: number; maxHeldMs: number; takenOver: number } | undefined {
    const l = this.lock;
    return l ? { waitedMs: l.waitedMs, maxWaitMs: l.maxWaitMs, heldMs: this.heldMs, maxHeldMs: this.maxHeldMs, takenOver: l.takenOver } : undefined;
  }

  /** Create the file if needed and learn where its whole rows end (outside the lock). */
  async open(): Promise<void> {
    try {
      this.created = createLedger(this.path, this.header);
    } catch (e) {
      throw new LedgerWriteError(`${this.path}: cannot create the ledger (${errText(e)}); nothing was written`, codeOf(e));
    }
    this.path = canonicalPath(this.path); // one lock per file, whatever path names it
    if (this.opts.lock) this.lock = new LedgerLock(this.path, this.opts.lock);
    const { scanner, ino } = await scanFile(this.path);
    // Bytes before a boundary are whole rows and stay so (a repair truncates only past the
    // last boundary); the rest is checked again under the lock.
    this.scanner = new BoundaryScanner(scanner.lastBoundary);
    this.ino = ino;
  }

  /** Commit rows (already encoded as CSV text, `count` rows). Resolves once fsynced. */
  async commit(csv: string, count: number): Promise<void> {
    if (count === 0) return;
    if (!this.scanner) await this.open();
    const data = Buffer.from(csv);
    if (this.lock) await this.lock.acquire();
    const held = Date.now();
    try {
      await this.commitHeld(data, count);
    } finally {
      if (this.lock) await this.lock.unlock();
      const ms = Date.now() - held;
      this.heldMs += ms;
      if (ms > this.maxHeldMs) this.maxHeldMs = ms;
    }
    this.rows += count;
    this.batches++;
    this.bytes += data.length;
  }

  private async commitHeld(data: Buffer, count: number): Promise<void> {
    let fd: number;
    try {
      fd = openSync(this.path, 'a+');
    } catch (e) {
      throw new LedgerWriteError(`${this.path}: cannot open the ledger (${errText(e)}); nothing was written`, codeOf(e));
    }
    try {
      let st = fstatSync(fd);
      if (!this.scanner || st.ino !== this.ino || st.size < this.scanner.offset) {
        // Replaced or shrunk under us: learn it again from the start.
        this.scanner = new BoundaryScanner(0);
        this.ino = st.ino;
      }
      const scanner = this.scanner;
      await scanRange(fd, scanner, scanner.offset, st.size);
      if (scanner.offset !== st.size) {
        this.scanner = undefined;
        throw new LedgerDamagedError(`${this.path} changed size while being read under the lock`);
      }
      if (scanner.lastBoundary > 0) this.checkHeader(fd, scanner.lastBoundary);
      let size = st.size;
      if (!scanner.clean) {
        this.moveTail(fd, scanner, size);
        size = scanner.lastBoundary;
        st = fstatSync(fd);
        if (st.size !== size) throw new LockError(`${this.path} changed while its torn tail was moved (another writer without the lock?)`, 'ECOMPROMISED');
      }
      const out = size === 0 ? Buffer.concat([this.headerBuf, data]) : data;
      this.lock?.holdOrThrow();
      try {
        writeAll(fd, out, this.fs);
      } catch (e) {
        this.scanner = undefined;
        throw this.cutBack(fd, size, out.length, `writing a batch of ${count} rows failed`, e);
      }
      try {
        this.fs.fsyncSync(fd);
      } catch (e) {
        this.scanner = undefined;
        throw this.cutBack(fd, size, out.length, `fsync of a batch of ${count} rows failed (written, maybe not on disk)`, e);
      }
      const after = fstatSync(fd).size;
      if (after !== size + out.length) {
        this.scanner = undefined;
        throw new LockError(`${this.path} grew by ${after - size} bytes while we wrote ${out.length}: another process wrote without the lock`, 'ECOMPROMISED');
      }
      this.scanner = new BoundaryScanner(after);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A batch failed in mid-write or at its fsync: cut the file back to `start`, where the
   * batch began, so it holds exactly the rows reported as committed and a retry
   * duplicates nothing. Returns the error to report, saying what the file now holds.
   */
  private cutBack(fd: number, start: number, len: number, what: string, cause: unknown): LedgerWriteError {
    const code = codeOf(cause);
    const head = `${this.path}: ${what} (${errText(cause)})`;
    let size: number | undefined;
    try {
      size = fstatSync(fd).size;
    } catch {
      // judged below
    }
    if (size === start) return new LedgerWriteError(`${head}; none of it reached the file: its rows were not committed and not passed on`, code);
    if (size === undefined || size < start || size > start + len) {
      const now = size === undefined ? 'of unknown size' : `${size} bytes, not ${start} plus part of our ${len}`;
      return new LedgerWriteError(`${head}; the file is ${now} (another writer without the lock?), so it was not cut back: run ledger verify`, code);
    }
    const left = `bytes ${start} to ${size} are rows never reported as committed`;
    try {
      this.lock?.holdOrThrow();
    } catch (e) {
      return new LedgerWriteError(`${head}; the lock was lost before the file could be cut back (${errText(e)}): ${left}; run ledger verify`, code);
    }
    try {
      this.fs.ftruncateSync(fd, start);
    } catch (e) {
      return new LedgerWriteError(
        `${head}; cutting the file back to byte ${start}, where the batch began, failed too (${errText(e)}): ${left}; remove them (truncate -s ${start} ${this.path}) before appending again`,
        code,
      );
    }
    let synced = '';
    try {
      this.fs.fsyncSync(fd);
    } catch (e) {
      synced = ` (but the fsync of that failed too: ${errText(e)}; after a crash, run ledger verify)`;
    }
    return new LedgerWriteError(
      `${head}; truncated back to byte ${start}, where the batch began${synced}: its rows were not committed and not passed on`,
      code,
    );
  }

  private checkHeader(fd: number, boundary: number): void {
    const n = this.headerBuf.length;
    const head = readBytes(fd, 0, Math.min(n, boundary));
    if (head.equals(this.headerBuf)) return;
    const first = readBytes(fd, 0, Math.min(boundary, 64 * 1024));
    const nl = first.indexOf(0x0a);
    const line = nl >= 0 ? first.subarray(0, nl) : first;
    const enc = utf8Problem(line);
    if (enc) throw new LedgerDamagedError(`${this.path}:1: the header is not UTF-8 text (${enc}): not a ledger this writes; nothing was changed or written`);
    const found = line.toString('utf8');
    let fileColumns: string | undefined;
    try {
      fileColumns = parseRecord(found).join(',');
    } catch {
      // a header that does not parse: no --columns to suggest
    }
    throw new HeaderMismatchError(this.path, found, this.header.slice(0, -1), fileColumns);
  }

  /**
   * A writer died in mid-write: move what it left after the last whole row to FILE.torn.
   * Anything that is not a torn row (csv.ts looksTorn) is left as it is and reported.
   */
  private moveTail(fd: number, scanner: BoundaryScanner, size: number): void {
    const from = scanner.lastBoundary;
    const bytes = readBytes(fd, from, size);
    const tail: Tail = { start: from, bytes: bytes.length, line: 0, text: bytes.toString('utf8'), raw: bytes, inQuote: scanner.inQuote };
    let verdict = looksTorn(tail, this.opts.columns.length);
    if (!verdict.torn) {
      tail.line = lineAt(fd, from); // read only now, to name lines in the report
      verdict = looksTorn(tail, this.opts.columns.length);
    }
    if (!verdict.torn) {
      throw new LedgerDamagedError(
        `${this.path}:${tail.line}: the ${bytes.length} bytes from byte ${from} to the end are not a torn row (${verdict.why}); nothing was changed or written: run ledger verify`,
      );
    }
    let tornFile: string;
    try {
      tornFile = saveTorn(this.path, bytes, this.fs);
    } catch (e) {
      throw new LedgerWriteError(
        `${this.path}: could not save its torn final row to ${tornPath(this.path)} (${errText(e)}); the ledger was not changed and nothing was written`,
        codeOf(e),
      );
    }
    this.lock?.holdOrThrow();
    try {
      this.fs.ftruncateSync(fd, from);
      this.fs.fsyncSync(fd);
    } catch (e) {
      this.scanner = undefined;
      throw new LedgerWriteError(
        `${this.path}: its torn final row was saved to ${tornFile}, but cutting it from the ledger failed (${errText(e)}); nothing was written`,
        codeOf(e),
      );
    }
    scanner.offset = from;
    scanner.inQuote = false;
    this.tornBytes += bytes.length;
    this.opts.onTorn?.({ file: this.path, tornFile, offset: from, bytes: bytes.length });
  }
}
