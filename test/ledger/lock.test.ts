// The ledger lock in-process: acquire/release, stale takeover by one winner, and the
// guards that stop a writer whose lock was lost.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, rmdirSync, utimesSync, writeFileSync } from 'node:fs';
import { LedgerLock, LockError, retriesFor } from '../../src/ledger/lock.js';
import { tmp } from './lib.js';

function ledgerFile(): { dir: string; file: string } {
  const dir = tmp('lock');
  const file = `${dir}/f.csv`;
  writeFileSync(file, 'h\n');
  return { dir, file };
}

function age(path: string, ms: number): void {
  const d = new Date(Date.now() - ms);
  utimesSync(path, d, d);
}

t.test('acquire makes FILE.lock, unlock removes it; holdOrThrow passes while held', async (t) => {
  const { file } = ledgerFile();
  const lock = new LedgerLock(file, { staleMs: 2000, waitMs: 1000 });
  await lock.acquire();
  t.ok(existsSync(`${file}.lock`));
  t.doesNotThrow(() => lock.holdOrThrow());
  await lock.unlock();
  t.notOk(existsSync(`${file}.lock`));
  t.throws(() => lock.holdOrThrow(), LockError, 'not held: no write');
});

t.test('a live lock is waited for, then the wait gives up with ETIMEOUT', async (t) => {
  const { file } = ledgerFile();
  mkdirSync(`${file}.lock`);
  const lock = new LedgerLock(file, { staleMs: 5000, waitMs: 300 });
  await t.rejects(lock.acquire(), { code: 'ETIMEOUT' });
  t.ok(existsSync(`${file}.lock`), "the other holder's lock is left alone");
});

t.test('the wait covers waitMs: retries of the backoff', async (t) => {
  const { file } = ledgerFile();
  mkdirSync(`${file}.lock`);
  const lock = new LedgerLock(file, { staleMs: 5000, waitMs: 600 });
  const t0 = Date.now();
  await t.rejects(lock.acquire(), { code: 'ETIMEOUT' });
  t.ok(Date.now() - t0 >= 600, `waited ${Date.now() - t0} ms`);
  t.equal(retriesFor(100, 2, 2, 50), 6, '2+4+8+16+32+50');
});

t.test('of many takers of one stale lock at once, one takes it over and they hold it in turn', async (t) => {
  const { file } = ledgerFile();
  mkdirSync(`${file}.lock`);
  age(`${file}.lock`, 60_000);
  const locks = Array.from({ length: 6 }, () => new LedgerLock(file, { staleMs: 2000, waitMs: 10_000 }));
  let holders = 0;
  let most = 0;
  await Promise.all(
    locks.map(async (l) => {
      await l.acquire();
      holders++;
      most = Math.max(most, holders);
      l.holdOrThrow();
      await new Promise((r) => setTimeout(r, 20));
      l.holdOrThrow();
      holders--;
      await l.unlock();
    }),
  );
  t.equal(most, 1, 'never two holders');
  t.equal(
    locks.reduce((n, l) => n + l.takenOver, 0),
    1,
    'one takeover',
  );
  t.notOk(existsSync(`${file}.lock`));
});

t.test('a late stale-takeover does not remove a lock someone has just taken (proper-lockfile#121)', async (t) => {
  // The race: waiter W saw the lock stale; before W's rmdir runs, V took it over and made
  // a fresh lock. proper-lockfile would now rmdir V's fresh lock and both would hold it.
  // W's rmdir goes through the guard, which finds the lock fresh and refuses.
  const { file } = ledgerFile();
  const w = new LedgerLock(file, { staleMs: 2000, waitMs: 1000 });
  mkdirSync(`${file}.lock`); // V's fresh lock
  const guarded = (w as unknown as { fs: { rmdir(p: string, cb: (e?: NodeJS.ErrnoException | null) => void): void } }).fs;
  const err = await new Promise<NodeJS.ErrnoException | null | undefined>((r) => guarded.rmdir(`${file}.lock`, r));
  t.equal(err?.code, 'ELOCKED', 'refused: W retries instead');
  t.ok(existsSync(`${file}.lock`), 'V keeps its lock');
  age(`${file}.lock`, 60_000); // now really stale
  const ok = await new Promise<NodeJS.ErrnoException | null | undefined>((r) => guarded.rmdir(`${file}.lock`, r));
  t.notOk(ok);
  t.notOk(existsSync(`${file}.lock`), 'a stale lock is moved aside and removed');
});

t.test('a stale lock is taken over; while the taker holds it, others wait', async (t) => {
  const { dir, file } = ledgerFile();
  mkdirSync(`${file}.lock`);
  age(`${file}.lock`, 60_000);
  const a = new LedgerLock(file, { staleMs: 2000, waitMs: 5000 });
  await a.acquire();
  t.equal(a.takenOver, 1);
  t.same(
    readdirSync(dir).filter((n) => n.includes('.stale.')),
    [],
    'the stale directory is gone',
  );
  // While a holds it (fresh), a second taker must wait, not take it over.
  const b = new LedgerLock(`${file}`, { staleMs: 2000, waitMs: 200 });
  await t.rejects(b.acquire(), { code: 'ETIMEOUT' });
  await a.unlock();
});

t.test('a lock replaced under us (taken over) stops the writer; release leaves the new one', async (t) => {
  const { file } = ledgerFile();
  const lock = new LedgerLock(file, { staleMs: 2000, waitMs: 1000 });
  await lock.acquire();
  await new Promise((r) => setTimeout(r, 5));
  rmdirSync(`${file}.lock`);
  mkdirSync(`${file}.lock`); // someone else's now (the inode number may well be reused)
  t.throws(() => lock.holdOrThrow(), { code: 'ECOMPROMISED', message: /taken over/ });
  await lock.unlock();
  t.ok(existsSync(`${file}.lock`), "release did not remove another holder's lock");
  rmdirSync(`${file}.lock`);
});

t.test('a lock vanished, or not refreshed for too long (stalled event loop): no write', async (t) => {
  const { file } = ledgerFile();
  const a = new LedgerLock(file, { staleMs: 2000, waitMs: 1000 });
  await a.acquire();
  rmdirSync(`${file}.lock`);
  t.throws(() => a.holdOrThrow(), { code: 'ECOMPROMISED', message: /vanished/ });
  await a.unlock();

  const b = new LedgerLock(file, { staleMs: 2000, waitMs: 1000 });
  // (The first lock of an instance probes mtime precision with a time up to 1 s ahead;
  // from the second on, the mtime is the directory's creation time.)
  await b.acquire();
  await b.unlock();
  await b.acquire();
  const until = Date.now() + 1600; // block the event loop past stale - margin: no refresh can run
  while (Date.now() < until) {
    /* stall */
  }
  t.throws(() => b.holdOrThrow(), { code: 'ECOMPROMISED', message: /not refreshed/ });
  await b.unlock();
});

t.test('a held lock is refreshed, so a long hold stays safe', async (t) => {
  const { file } = ledgerFile();
  const lock = new LedgerLock(file, { staleMs: 2000, waitMs: 1000 });
  await lock.acquire();
  await new Promise((r) => setTimeout(r, 2600));
  t.doesNotThrow(() => lock.holdOrThrow(), 'refreshed every second');
  await lock.unlock();
});
