// The line writer: the only code that writes NDJSON lines. Whole lines only (a batch is
// one write of complete lines), backpressure honoured (producers await ready()), EPIPE
// turns the writer into a sink that reports `closed` (so `| head` ends the run with 0),
// and close() resolves only when every byte has been handed to the OS. Given the run's
// redactor, every line passes through it on the way out (one comparison while no secret
// is registered; a sampled check otherwise, see src/log/redact.ts).
import type { Writable } from 'node:stream';

export interface LineWriterOptions {
  /** Bytes buffered before a write is issued (default 64 KiB). */
  batchBytes?: number;
  /** Called once when the reader of our output went away (EPIPE). */
  onClosed?: () => void;
  /** Called for any other write error (before the writer closes). */
  onError?: (err: Error) => void;
  /** Every line passes through this (the run's Redactor) before it is written. */
  redact?: { line(line: string): string };
  /**
   * The run is stopping (a signal): producers waiting in ready() are let go at once, and
   * ready() no longer waits, so a reader that stopped reading cannot hold the run.
   */
  signal?: AbortSignal;
}

export class LineWriter {
  private pending: string[] = [];
  private pendingLen = 0;
  private scheduled = false;
  private _closed = false;
  private waiters: Array<() => void> = [];
  private readonly batchBytes: number;
  private readonly redact: { line(line: string): string } | undefined;
  /** Lines accepted (written or buffered), for summaries. */
  lines = 0;

  constructor(
    private readonly stream: Writable,
    private readonly opts: LineWriterOptions = {},
  ) {
    this.batchBytes = opts.batchBytes ?? 64 * 1024;
    this.redact = opts.redact;
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // Any other error is reported first (it is not a normal end); either way nothing
      // more can be written.
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') opts.onError?.(err);
      this.markClosed();
    });
    stream.on('drain', () => this.release());
    opts.signal?.addEventListener('abort', () => this.release(), { once: true });
  }

  /** Bytes handed to the stream that it has not yet passed to the OS. */
  get undelivered(): number {
    return this.stream.writableLength;
  }

  /** True once the downstream reader has gone (EPIPE): further lines are discarded. */
  get closed(): boolean {
    return this._closed;
  }

  /** True while the OS pipe is full: producers should await ready() before producing more. */
  get backpressured(): boolean {
    return !this._closed && this.stream.writableNeedDrain;
  }

  /** Append one line (without its newline). */
  writeLine(line: string): void {
    if (this._closed) return;
    if (this.redact !== undefined) line = this.redact.line(line);
    this.pending.push(line);
    this.pendingLen += line.length + 1;
    this.lines++;
    if (this.pendingLen >= this.batchBytes) this.flush();
    else if (!this.scheduled) {
      // Low-rate producers (network feeds) get their lines out at the end of this turn.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  writeRecord(record: object): void {
    this.writeLine(JSON.stringify(record));
  }

  /** Hand buffered lines to the stream as one write of whole lines. */
  flush(): void {
    if (this.pendingLen === 0 || this._closed) {
      this.pending = [];
      this.pendingLen = 0;
      return;
    }
    const data = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingLen = 0;
    this.stream.write(data);
  }

  /** Resolves when the downstream can take more (immediately if it can). */
  ready(): Promise<void> {
    this.flush();
    if (!this.backpressured || this.opts.signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Flush and resolve when everything written so far has left the process. */
  async close(): Promise<void> {
    this.flush();
    if (this._closed) return;
    if (this.stream.writableLength === 0 && !this.stream.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => resolve();
      this.waiters.push(done);
      // An empty write's callback fires after every earlier write has been flushed.
      this.stream.write('', () => done());
    });
  }

  private markClosed(): void {
    if (this._closed) return;
    this._closed = true;
    this.pending = [];
    this.pendingLen = 0;
    this.release();
    this.opts.onClosed?.();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
