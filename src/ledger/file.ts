// File operations shared by append, verify and rollup: creating a ledger with its header
// in one atomic step, scanning a range for record boundaries, and moving a torn tail aside.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, linkSync, openSync, read, readSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { BoundaryScanner } from './csv.js';

const CHUNK = 1 << 20;

/** `fills.csv` -> `fills.<host>.<pid>.csv` (--per-process). */
export function perProcessPath(file: string, host = hostname(), pid = process.pid): string {
  const h = host.split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-') || 'host';
  const m = /^(.*)\.csv$/i.exec(file);
  return m ? `${m[1]}.${h}.${pid}.csv` : `${file}.${h}.${pid}.csv`;
}

/** The torn-tail file beside a ledger. */
export function tornPath(file: string): string {
  return `${file}.torn`;
}

/**
 * Make sure `file` exists. A new file is born holding its header: the header is written
 * and fsynced to a temporary file that is then hard-linked into place, so two creators
 * racing both succeed, exactly one header lands, and no reader ever sees a half header.
 * Where hard links are not supported, an empty file is created instead and the first
 * writer to take the lock writes the header. Returns true if this call created it.
 */
export function createLedger(file: string, header: string): boolean {
  if (existsSync(file)) return false;
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${hostname().split('.')[0]}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'wx');
  let created = false;
  try {
    writeAll(fd, Buffer.from(header));
    fsyncSync(fd);
    closeSync(fd);
    try {
      linkSync(tmp, file);
      created = true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
      closeSync(openSync(file, 'a')); // no hard links here: create empty (O_CREAT, never truncates)
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  fsyncDir(dir);
  return created;
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a directory; the file's own fsync still holds
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function canonicalPath(file: string): string {
  return realpathSync(file);
}

/**
 * The calls that change a ledger file once it is open. node:fs in use; a test passes a
 * stand-in that fails on cue (a full disk in mid-write, a failing fsync or ftruncate).
 */
export interface WriteFs {
  writeSync(fd: number, buf: Buffer, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
}

export const nodeWriteFs: WriteFs = {
  writeSync: (fd, buf, offset, length) => writeSync(fd, buf, offset, length),
  fsyncSync: (fd) => fsyncSync(fd),
  ftruncateSync: (fd, length) => ftruncateSync(fd, length),
};

/** Write every byte (a short write continues where it stopped). */
export function writeAll(fd: number, buf: Buffer, fs: WriteFs = nodeWriteFs): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/**
 * A ledger could not be written (a full disk, an I/O error), created or opened: exit 1.
 * The message says what the file holds now (for a failed batch: cut back to where the
 * batch began, or which bytes are left and how to remove them).
 */
export class LedgerWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'LedgerWriteError';
  }
}

export function codeOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "ENOSPC: no space left on device" from an fs error (its message names the call too). */
export function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err?.message ?? String(e)).replace(/, (write|fsync|ftruncate|open|read)( '[^']*')?$/, '');
}

/** The 1-based line on which byte `offset` of an open file lies. */
export function lineAt(fd: number, offset: number): number {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, offset)));
  let line = 1;
  let pos = 0;
  while (pos < offset) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
    if (n === 0) break;
    const got = buf.subarray(0, n);
    for (let i = got.indexOf(0x0a); i >= 0; i = got.indexOf(0x0a, i + 1)) line++;
    pos += n;
  }
  return line;
}

/**
 * Feed bytes [from, to) of an open file to the scanner. A short range is read at once
 * (a writer scans what others appended since its last batch: fast, under the lock); a
 * long one in chunks that yield to the event loop, so a held lock keeps being refreshed.
 */
export async function scanRange(fd: number, scanner: BoundaryScanner, from: number, to: number): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, to - from)));
  const yieldEach = to - from > 4 * CHUNK;
  let pos = from;
  while (pos < to) {
    const want = Math.min(buf.length, to - pos);
    const bytesRead = yieldEach ? await readAsync(fd, buf, want, pos) : readSync(fd, buf, 0, want, pos);
    if (bytesRead === 0) break;
    scanner.feed(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

function readAsync(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Scan a whole file from the start (outside any lock). */
export async function scanFile(file: string): Promise<{ scanner: BoundaryScanner; ino: number; size: number }> {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    const scanner = new BoundaryScanner(0);
    await scanRange(fd, scanner, 0, st.size);
    return { scanner, ino: st.ino, size: st.size };
  } finally {
    closeSync(fd);
  }
}

/** Bytes [from, to) of an open file. */
export function readBytes(fd: number, from: number, to: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.max(0, to - from));
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, from + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/**
 * Append a torn tail, verbatim and followed by "\n", to FILE.torn, fsynced. If that
 * fails (a full disk), FILE.torn is cut back to its old size and the error thrown.
 */
export function saveTorn(file: string, tail: Buffer, fs: WriteFs = nodeWriteFs): string {
  const path = tornPath(file);
  const fd = openSync(path, 'a');
  try {
    const before = fstatSync(fd).size;
    try {
      writeAll(fd, Buffer.concat([tail, Buffer.from('\n')]), fs);
      fs.fsyncSync(fd);
    } catch (e) {
      try {
        fs.ftruncateSync(fd, before);
      } catch {
        // the error below is the one to report; FILE.torn is a side file, never read back
      }
      throw e;
    }
  } finally {
    closeSync(fd);
  }
  return path;
}
