// A write that fails in mid-batch (a full disk, an I/O error) must leave the ledger
// holding exactly what the writer reported as committed: it truncates back to where the
// batch began, then reports (exit 1, no stack trace), so a retry duplicates nothing.
// Failures injected through the writer's fs seam (a short write then ENOSPC, a failing
// fsync, a failing ftruncate), and for real on a 64 KiB tmpfs when this machine lets the
// test mount one (root).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, fsyncSync, ftruncateSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { LedgerWriter } from '../../src/ledger/append.js';
import { stringifyRows } from '../../src/ledger/csv.js';
import { LedgerWriteError, type WriteFs } from '../../src/ledger/file.js';
import { readLedger, repairTail } from '../../src/ledger/read.js';
import { fill, ledger, ndjson, readCsv, records, summaryOf, tmp } from './lib.js';

function errno(code: string, what: string, call: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${what}, ${call}`), { code, syscall: call });
}

/** node:fs that fails on cue, as a full disk or a failing device does. */
class FaultFs implements WriteFs {
  /** Bytes writes still accept; a write that would pass it is cut short there, the next fails with ENOSPC. */
  room = Infinity;
  /** The next this-many fsyncs fail with EIO. */
  fsyncFails = 0;
  truncateFails = false;
  writeSync(fd: number, buf: Buffer, offset: number, length: number): number {
    if (this.room <= 0) throw errno('ENOSPC', 'no space left on device', 'write');
    const n = Math.min(length, this.room);
    this.room -= n;
    return writeSync(fd, buf, offset, n);
  }
  fsyncSync(fd: number): void {
    if (this.fsyncFails > 0) {
      this.fsyncFails--;
      throw errno('EIO', 'i/o error', 'fsync');
    }
    fsyncSync(fd);
  }
  ftruncateSync(fd: number, length: number): void {
    if (this.truncateFails) throw errno('EIO', 'i/o error', 'ftruncate');
    ftruncateSync(fd, length);
  }
}

const COLS = ['ts', 'trade_id'];
const rows = (from: number, n: number): string => stringifyRows(Array.from({ length: n }, (_, i) => [String(from + i), `t-${from + i}`]));

async function writerWith(fs: FaultFs, lock = false): Promise<{ w: LedgerWriter; file: string }> {
  const file = `${tmp('wfail')}/f.csv`;
  const w = new LedgerWriter({ file, columns: COLS, lock: lock ? { staleMs: 5000, waitMs: 5000 } : undefined, fs });
  await w.open();
  return { w, file };
}

async function failure(p: Promise<unknown>): Promise<LedgerWriteError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LedgerWriteError) return e;
    throw e;
  }
  throw new Error('expected the commit to fail');
}

t.test('ENOSPC after part of a batch: cut back to where the batch began; the retry lands once', async (t) => {
  const fs = new FaultFs();
  const { w, file } = await writerWith(fs, true);
  await w.commit(rows(1, 3), 3);
  const committed = readFileSync(file, 'utf8');
  fs.room = 20; // the next batch gets one row and a bit of the second on disk, then ENOSPC
  const e = await failure(w.commit(rows(4, 5), 5));
  t.equal(e.code, 'ENOSPC');
  t.match(
    e.message,
    new RegExp(
      `^${file}: writing a batch of 5 rows failed \\(ENOSPC: no space left on device\\); truncated back to byte ${committed.length}, where the batch began: its rows were not committed and not passed on$`,
    ),
  );
  t.equal(readFileSync(file, 'utf8'), committed, 'exactly the committed rows: nothing of the failed batch');
  t.match(w, { rows: 3, batches: 1 }, 'the failed batch is not counted');
  t.notOk(existsSync(`${file}.lock`), 'lock released');
  fs.room = Infinity;
  await w.commit(rows(4, 5), 5);
  t.equal(readFileSync(file, 'utf8'), `ts,trade_id\n${rows(1, 8)}`, 'each row once, in order');
});

t.test('ENOSPC before any byte of the batch: nothing to cut, said so', async (t) => {
  const fs = new FaultFs();
  const { w, file } = await writerWith(fs);
  await w.commit(rows(1, 1), 1);
  const committed = readFileSync(file, 'utf8');
  fs.room = 0;
  const e = await failure(w.commit(rows(2, 2), 2));
  t.match(e.message, /ENOSPC.*none of it reached the file/);
  t.equal(readFileSync(file, 'utf8'), committed);
});

t.test('fsync fails after the whole batch was written: cut back too (it may not be on disk)', async (t) => {
  const fs = new FaultFs();
  const { w, file } = await writerWith(fs);
  await w.commit(rows(1, 2), 2);
  const committed = readFileSync(file, 'utf8');
  fs.fsyncFails = 1;
  const e = await failure(w.commit(rows(3, 2), 2));
  t.equal(e.code, 'EIO');
  t.match(e.message, /fsync of a batch of 2 rows failed \(written, maybe not on disk\) \(EIO: i\/o error\); truncated back to byte \d+/);
  t.equal(readFileSync(file, 'utf8'), committed);
  // The cut's own fsync failing too is said; the file is still cut.
  fs.fsyncFails = 2;
  const e2 = await failure(w.commit(rows(3, 2), 2));
  t.match(
    e2.message,
    /truncated back to byte \d+, where the batch began \(but the fsync of that failed too: EIO: i\/o error; after a crash, run ledger verify\)/,
  );
  t.equal(readFileSync(file, 'utf8'), committed);
});

t.test('ftruncate fails too: the error names the bytes left and how to remove them', async (t) => {
  const fs = new FaultFs();
  const { w, file } = await writerWith(fs);
  await w.commit(rows(1, 2), 2);
  const start = statSync(file).size;
  fs.room = 15;
  fs.truncateFails = true;
  const e = await failure(w.commit(rows(3, 4), 4));
  const size = statSync(file).size;
  t.equal(size, start + 15, 'the part written is still there: the message must say so');
  t.match(
    e.message,
    `cutting the file back to byte ${start}, where the batch began, failed too (EIO: i/o error): bytes ${start} to ${size} are rows never reported as committed; remove them (truncate -s ${start} ${file}) before appending again`,
  );
  truncateSync(file, start); // what the message says to do
  fs.room = Infinity;
  fs.truncateFails = false;
  await w.commit(rows(3, 4), 4);
  t.equal(readFileSync(file, 'utf8'), `ts,trade_id\n${rows(1, 6)}`);
});

t.test('the first batch into an empty file (header in the same write) is cut back to empty', async (t) => {
  const fs = new FaultFs();
  const file = `${tmp('wfail')}/f.csv`;
  writeFileSync(file, ''); // where hard links are missing, a ledger is born empty
  const w = new LedgerWriter({ file, columns: COLS, lock: undefined, fs });
  fs.room = 5;
  const e = await failure(w.commit(rows(1, 2), 2));
  t.match(e.message, /truncated back to byte 0/);
  t.equal(readFileSync(file, 'utf8'), '');
  fs.room = Infinity;
  await w.commit(rows(1, 2), 2);
  t.equal(readFileSync(file, 'utf8'), `ts,trade_id\n${rows(1, 2)}`, 'one header');
});

t.test('no room to save a torn tail to FILE.torn: the ledger is left as it was, FILE.torn too', async (t) => {
  const fs = new FaultFs();
  const { w, file } = await writerWith(fs);
  await w.commit(rows(1, 1), 1);
  writeFileSync(`${file}.torn`, 'earlier\n');
  writeFileSync(file, `${readFileSync(file, 'utf8')}2,t-`); // a killed writer's torn row
  const before = readFileSync(file, 'utf8');
  fs.room = 2;
  const e = await failure(w.commit(rows(3, 1), 1));
  t.match(e.message, /could not save its torn final row to .*f\.csv\.torn \(ENOSPC: no space left on device\); the ledger was not changed/);
  t.equal(readFileSync(file, 'utf8'), before);
  t.equal(readFileSync(`${file}.torn`, 'utf8'), 'earlier\n', 'FILE.torn cut back');
});

function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts are Linux only';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.error) return `cannot run mount: ${r.error.message}`;
  return r.status === 0 ? undefined : `cannot mount a tmpfs here (${(r.stderr || '').trim() || `exit ${r.status}`})`;
}

t.test('verify --repair with no room for FILE.torn: not repaired, both files as they were', async (t) => {
  const file = `${tmp('wfail')}/f.csv`;
  const text = 'ts,trade_id\n1,t-1\n2,t-';
  writeFileSync(file, text);
  const c = await readLedger(file);
  t.equal(c.tail?.torn, true);
  const fs = new FaultFs();
  fs.room = 1;
  const e = await failure(repairTail(file, c, undefined, fs));
  t.match(e.message, /could not save its torn final row to .*f\.csv\.torn \(ENOSPC: no space left on device\); not repaired, the ledger was not changed/);
  t.equal(readFileSync(file, 'utf8'), text);
  t.equal(readFileSync(`${file}.torn`, 'utf8'), '', 'FILE.torn cut back');
});

const small = tmp('enospc');
const noTmpfs = mountTmpfs(small, '64k');
if (!noTmpfs) {
  t.teardown(() => {
    spawnSync('umount', [small]);
  });
}

t.test('a full disk in mid-batch (64 KiB tmpfs): truncated back, exit 1, a retry duplicates nothing', { skip: noTmpfs ?? false }, async (t) => {
  const dir = small;
  const f = `${dir}/fills.csv`;
  const recs = Array.from({ length: 1000 }, (_, i) => fill(14, i)); // ~170 bytes a row: 64 KiB fills mid-run
  const r = await ledger(['append', f, '--batch-rows', '100'], { input: ndjson(recs) });
  t.equal(r.code, 1, r.stderr.slice(-2000));
  const err = r.logs.find((l) => l.level === 50);
  t.match(err, { msg: /ENOSPC.*truncated back to byte \d+.*not committed/, reason: 'write', code: 'ENOSPC' }, 'one clear error');
  t.notMatch(r.stderr, /"stack"|\n\s+at /, 'no stack trace');
  const reported = records(r)
    .slice(1)
    .map((x) => String(x.trade_id));
  t.ok(reported.length > 0 && reported.length < recs.length, `some batches committed (${reported.length}) before the disk filled`);
  t.match(summaryOf(r), { rows: reported.length, exit: 1 });
  const text = readFileSync(f, 'utf8');
  t.ok(text.endsWith('\n'), 'no partial row');
  t.same(
    readCsv(f).rows.map((row) => row[5]),
    reported,
    'the file holds exactly the rows reported as committed',
  );

  // Room again: the rest, retried, lands once.
  t.equal(spawnSync('mount', ['-o', 'remount,size=1m', dir]).status, 0, 'tmpfs grown');
  const rest = recs.filter((x) => !reported.includes(String(x.trade_id)));
  const again = await ledger(['append', f, '--batch-rows', '100'], { input: ndjson(rest) });
  t.equal(again.code, 0, again.stderr.slice(-2000));
  const ids = readCsv(f).rows.map((row) => row[5]);
  t.same(
    ids,
    recs.map((x) => x.trade_id),
    'every fill exactly once, in order',
  );
  t.equal((await ledger(['verify', f])).code, 0);
});

const full = tmp('enospc');
const noTmpfs2 = mountTmpfs(full, '64k');
if (!noTmpfs2) {
  t.teardown(() => {
    spawnSync('umount', [full]);
  });
}

t.test('verify --repair on a full disk (tmpfs): the torn row stays, one clear error, exit 1', { skip: noTmpfs2 ?? false }, async (t) => {
  const f = `${full}/f.csv`;
  const text = 'ts,trade_id\n1,a\n2,b';
  writeFileSync(f, text);
  try {
    writeFileSync(`${full}/filler`, Buffer.alloc(128 * 1024)); // fills the tmpfs, then fails
  } catch (e) {
    t.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  const r = await ledger(['verify', '--repair', f]);
  t.equal(r.code, 1);
  t.match(
    r.logs.find((l) => l.level === 50),
    { msg: /could not save its torn final row .*ENOSPC.*not repaired/, reason: 'write', code: 'ENOSPC' },
  );
  t.notMatch(r.stderr, /"stack"|\n\s+at /, 'no stack trace');
  t.match(r.stdout, /f\.csv:3: torn final row/);
  t.equal(readFileSync(f, 'utf8'), text, 'ledger untouched');
});
