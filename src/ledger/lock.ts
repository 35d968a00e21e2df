// The ledger lock: proper-lockfile (an atomic mkdir of FILE.lock, refreshed while held,
// taken over when its holder stops refreshing it), with three guards that proper-lockfile
// 4.1 lacks, given to it through its `fs` option:
//
// 1. Stale takeover is single-winner. proper-lockfile removes a stale lock with rmdir
//    after an asynchronous stat, so two waiters that both saw it stale can both "win" (the
//    late one removes the lock the early one has just made; node-proper-lockfile#121).
//    Here the takeover re-checks staleness right before it, renames the stale directory
//    aside (only one process can move a given directory) and only then removes it.
// 2. Release removes only our own lock directory (the inode we made, with the mtime we
//    last gave it).
// 3. holdOrThrow(), called right before every write, checks that the directory at
//    FILE.lock is still ours and was refreshed recently enough that no one can be taking
//    it over, so a writer whose event loop stalled past the stale time stops instead of
//    writing beside the new holder.
//
// Locks compare directory mtimes with the local clock: writers of one ledger must share a
// host (or well-synchronised clocks on a network file system).
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import lockfile from 'proper-lockfile';

export interface LockOptions {
  /** A lock not refreshed for this long is stale (its holder is presumed dead), ms. */
  staleMs: number;
  /** Give up acquiring after about this long, ms. */
  waitMs: number;
}

/** The lock was lost or could not be kept: the run stops (exit 1) without writing. */
export class LockError extends Error {
  constructor(
    message: string,
    readonly code: 'ECOMPROMISED' | 'ETIMEOUT' | 'ELOCK',
  ) {
    super(message);
    this.name = 'LockError';
  }
}

let takeovers = 0;

/** Retries of an exponential backoff whose unrandomised waits sum to at least waitMs. */
export function retriesFor(waitMs: number, min: number, factor: number, max: number): number {
  let n = 0;
  let sum = 0;
  while (sum < waitMs) {
    sum += Math.min(min * factor ** n, max);
    n++;
  }
  return n;
}

function sameMs(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.001;
}

export class LedgerLock {
  readonly lockPath: string;
  private release: (() => Promise<void>) | undefined;
  private ino: number | undefined;
  /**
   * mtime (ms) we last gave the lock directory: others judge staleness from it, and with
   * the inode it identifies our directory (a replacement may reuse the inode number).
   * `refreshing` is the mtime of a refresh in flight (set before its callback runs).
   */
  private freshAt = 0;
  private refreshing: number | undefined;
  private compromised: Error | undefined;
  private releasing = false;
  private readonly fs: Record<string, unknown>;
  /** Stale locks this process took over (a writer died holding one). */
  takenOver = 0;
  /** Time spent waiting for the lock, ms (total and worst). */
  waitedMs = 0;
  maxWaitMs = 0;

  constructor(
    readonly file: string,
    readonly opts: LockOptions,
  ) {
    this.lockPath = `${file}.lock`;
    this.fs = this.guardedFs();
  }

  get held(): boolean {
    return this.release !== undefined;
  }

  async acquire(): Promise<void> {
    if (this.release) throw new Error('lock already held');
    if (this.compromised) throw this.lostError();
    const t0 = Date.now();
    // Exponential backoff from 2 ms to 50 ms, randomised (x1..2) so waiters spread out,
    // in rounds of about a second, until waitMs has passed.
    const retries = { retries: retriesFor(1000, 2, 1.6, 50), factor: 1.6, minTimeout: 2, maxTimeout: 50, randomize: true };
    for (;;) {
      try {
        this.release = await lockfile.lock(this.file, {
          stale: this.opts.staleMs,
          update: 1000,
          retries,
          realpath: false,
          lockfilePath: this.lockPath,
          fs: this.fs,
          onCompromised: (err) => {
            this.compromised = err;
          },
        });
        break;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ELOCKED') {
          if (Date.now() - t0 < this.opts.waitMs) continue;
          throw new LockError(`could not lock ${this.file} within ${this.opts.waitMs} ms (held by another writer)`, 'ETIMEOUT');
        }
        throw new LockError(`could not lock ${this.file}: ${err.message}`, 'ELOCK');
      }
    }
    const waited = Date.now() - t0;
    this.waitedMs += waited;
    if (waited > this.maxWaitMs) this.maxWaitMs = waited;
    const st = nodeFs.statSync(this.lockPath);
    this.ino = st.ino;
    this.freshAt = st.mtimeMs;
  }

  /**
   * Throws LockError unless we hold the lock and it is safely fresh. Synchronous, so the
   * write that follows it runs before anything else in this process.
   */
  holdOrThrow(): void {
    if (this.compromised) throw this.lostError();
    if (!this.release) throw new LockError(`write to ${this.file} without its lock`, 'ECOMPROMISED');
    let st: nodeFs.Stats;
    try {
      st = nodeFs.statSync(this.lockPath);
    } catch {
      this.compromised = new Error(`${this.lockPath} vanished while held`);
      throw this.lostError();
    }
    if (!this.isOwn(st)) {
      this.compromised = new Error(`${this.lockPath} was taken over by another process`);
      throw this.lostError();
    }
    const age = Date.now() - this.freshAt;
    if (age > this.safeAgeMs) {
      this.compromised = new Error(`lock not refreshed for ${age} ms (stale after ${this.opts.staleMs} ms): the event loop stalled`);
      throw this.lostError();
    }
  }

  async unlock(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    if (!release) return;
    this.releasing = true;
    try {
      await release();
    } catch (e) {
      // ERELEASED: proper-lockfile already dropped a compromised lock; nothing to remove.
      if ((e as NodeJS.ErrnoException).code !== 'ERELEASED') throw e;
    } finally {
      this.releasing = false;
      this.ino = undefined;
    }
  }

  private isOwn(st: nodeFs.Stats): boolean {
    return (
      this.ino !== undefined &&
      st.ino === this.ino &&
      (sameMs(st.mtimeMs, this.freshAt) || (this.refreshing !== undefined && sameMs(st.mtimeMs, this.refreshing)))
    );
  }

  /** Past this age a lock could be judged stale before our write completes. */
  private get safeAgeMs(): number {
    return this.opts.staleMs - Math.max(500, this.opts.staleMs / 4);
  }

  private lostError(): LockError {
    return new LockError(`lock on ${this.file} compromised: ${this.compromised?.message ?? 'unknown'}`, 'ECOMPROMISED');
  }

  /** node:fs with rmdir/utimes guarded as described at the top of this file. */
  private guardedFs(): Record<string, unknown> {
    type Cb = (err?: NodeJS.ErrnoException | null) => void;
    const ours = (path: string): boolean => {
      try {
        return this.isOwn(nodeFs.statSync(path));
      } catch {
        return false;
      }
    };
    const utimes = (path: string, atime: Date, mtime: Date, cb: Cb): void => {
      const mine = path === this.lockPath;
      if (mine) this.refreshing = mtime.getTime();
      nodeFs.utimes(path, atime, mtime, (err) => {
        if (mine) {
          if (!err) this.freshAt = mtime.getTime();
          this.refreshing = undefined;
        }
        cb(err);
      });
    };
    const rmdir = (path: string, cb: Cb): void => {
      if (path !== this.lockPath) {
        nodeFs.rmdir(path, cb);
        return;
      }
      if (this.releasing) {
        // Release: remove the directory only if it is the one we made.
        if (!ours(path)) {
          cb(null);
          return;
        }
        nodeFs.rmdir(path, (err) => cb(err && err.code !== 'ENOENT' ? err : null));
        return;
      }
      // Stale takeover: still stale right now? Then move it aside (one winner) and drop it.
      let st: nodeFs.Stats;
      try {
        st = nodeFs.statSync(path);
      } catch (e) {
        cb((e as NodeJS.ErrnoException).code === 'ENOENT' ? null : (e as NodeJS.ErrnoException));
        return;
      }
      if (st.mtimeMs >= Date.now() - this.opts.staleMs) {
        cb(Object.assign(new Error('Lock file is already being held'), { code: 'ELOCKED' }));
        return;
      }
      const aside = `${path}.stale.${hostname()}.${process.pid}.${++takeovers}`;
      try {
        nodeFs.renameSync(path, aside);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        cb(err.code === 'ENOENT' ? null : err);
        return;
      }
      this.takenOver++;
      nodeFs.rmdir(aside, () => cb(null));
    };
    const rmdirSync = (path: string): void => {
      // proper-lockfile's exit hook: only our own directory.
      if (path === this.lockPath && !ours(path)) return;
      nodeFs.rmdirSync(path);
    };
    return { ...nodeFs, utimes, rmdir, rmdirSync };
  }
}
