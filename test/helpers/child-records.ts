// A child process's NDJSON stdout (records) and stderr (log lines) collected as they come,
// with waits on them: the one plumbing Proc (test/helpers/kalshi.ts) and LivePipe
// (test/helpers/live.ts) stand on.
import type { ChildProcess } from 'node:child_process';

export type Rec = Record<string, unknown>;

export interface ChildRecordsOptions {
  /** Names the child in timeout messages. */
  name: string;
  /** false: keep nothing in memory (long runs): records and logs go to the callbacks only. */
  keep?: boolean;
  /** Keep stdout as text too (to write a session file). */
  keepText?: boolean;
  onRecord?: (r: Rec) => void;
  onLog?: (r: Rec) => void;
}

export class ChildRecords {
  readonly records: Rec[] = [];
  readonly logs: Rec[] = [];
  /** stdout as received (with keepText). */
  text = '';
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    child: ChildProcess,
    private readonly o: ChildRecordsOptions,
  ) {
    lines(
      child.stdout!,
      (line) => {
        if (o.keepText) this.text += line + '\n';
        if (!line) return;
        const rec = JSON.parse(line) as Rec;
        o.onRecord?.(rec);
        if (o.keep !== false) this.records.push(rec);
      },
      () => this.wake(),
    );
    lines(
      child.stderr!,
      (line) => {
        let rec: Rec;
        try {
          rec = JSON.parse(line) as Rec;
        } catch {
          rec = { raw: line };
        }
        o.onLog?.(rec);
        if (o.keep !== false) this.logs.push(rec);
      },
      () => this.wake(),
    );
    child.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Resolve with the first record (from `from` on) matching pred; reject after timeoutMs or when the child exits. */
  waitFor(pred: (r: Rec) => boolean, timeoutMs: number, what: string, from = 0): Promise<Rec> {
    return this.waitIn(this.records, pred, timeoutMs, what, from);
  }

  waitForLog(pred: (r: Rec) => boolean, timeoutMs: number, what: string, from = 0): Promise<Rec> {
    return this.waitIn(this.logs, pred, timeoutMs, what, from);
  }

  get exited(): boolean {
    return this.closed;
  }

  /** The last log lines, for failure messages. */
  lastLogs(n = 6): string {
    return JSON.stringify(this.logs.slice(-n));
  }

  private waitIn(list: Rec[], pred: (r: Rec) => boolean, timeoutMs: number, what: string, from: number): Promise<Rec> {
    return new Promise((resolve, reject) => {
      let i = from;
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last logs: ${this.lastLogs()}`));
      }, timeoutMs);
      const check = (): void => {
        for (; i < list.length; i++) {
          if (pred(list[i]!)) {
            done();
            resolve(list[i]!);
            return;
          }
        }
        if (this.closed) {
          done();
          reject(new Error(`${this.o.name} exited while waiting for ${what}; last logs: ${this.lastLogs()}`));
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Each whole line of a stream to `line`, then `after` once per chunk. */
function lines(stream: NodeJS.ReadableStream, line: (l: string) => void, after: () => void): void {
  let buf = '';
  stream.on('data', (b: Buffer) => {
    buf += b.toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      line(l);
    }
    after();
  });
}
