// The line reader: the only code that turns bytes into lines. Files or `-` (stdin),
// 1-based line numbers, CRLF, a UTF-8 BOM on the first line, a last line without `\n`,
// and lines of many MB (pieces are kept as Buffers and joined once, at the newline).
import { constants, createReadStream, open, stat, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';

export interface LineSink {
  /** One complete line, without its terminator. Synchronous: this is the hot path. */
  line(text: string, source: string, lineNo: number): void;
  /** A line longer than maxLineBytes: skipped whole, reported with its first bytes. */
  tooLong?(excerpt: string, bytes: number, source: string, lineNo: number): void;
  /** After each input chunk: where a consumer awaits downstream backpressure or commits a batch. */
  chunkEnd?(): Promise<void> | void;
  /**
   * Before the lines of a chunk are handed over (and before the last, unterminated line):
   * where readers of several inputs take turns (src/stream/inputs.ts), so the lines of
   * one chunk and its chunkEnd run without another input's lines in between.
   */
  chunkStart?(): Promise<void> | void;
}

export interface ReadOptions {
  signal?: AbortSignal;
  maxLineBytes?: number;
  /** Read-chunk size; 1 MiB keeps syscalls few without hurting latency on pipes. */
  highWaterMark?: number;
  /** Display name for diagnostics; defaults to the path, or `stdin` for `-`. */
  name?: string;
}

export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Bytes of a too-long line kept for its diagnostic and the reject file. */
const EXCERPT_BYTES = 120;

/** The first `n` bytes of pieces as text, copying no more than n bytes. */
function headOf(pieces: Buffer[], n: number): string {
  const head: Buffer[] = [];
  let len = 0;
  for (const p of pieces) {
    if (len >= n) break;
    const take = p.subarray(0, n - len);
    head.push(take);
    len += take.length;
  }
  return Buffer.concat(head, len).toString('utf8');
}
const NL = 10;
const CR = 13;

export function sourceName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

/**
 * Open an input: `-` is stdin. A FIFO (a named pipe, bash's <(cmd)) is read
 * through the event loop like stdin, not by blocking opens and reads on libuv's small
 * thread pool: several quiet pipes read at once would otherwise take every pool thread,
 * and stall each other and all file I/O. A named pipe is opened non-blocking, so its
 * writer may come later; Linux reports no hang-up on a pipe that never had a writer, so
 * the read waits for the writer's first line and ends when the last writer closes.
 */
export async function openSource(path: string, highWaterMark: number): Promise<Readable> {
  if (path === '-') return process.stdin;
  const st = await new Promise<Stats>((resolve, reject) => stat(path, (e, s) => (e ? reject(e) : resolve(s))));
  const pipe = st.isFIFO();
  const flags = pipe ? constants.O_RDONLY | constants.O_NONBLOCK : 'r';
  const fd = await new Promise<number>((resolve, reject) => open(path, flags, (e, fd) => (e ? reject(e) : resolve(fd))));
  if (pipe) return new Socket({ fd, readable: true, writable: false });
  return createReadStream('', { fd, highWaterMark });
}

/** Read every line of one source into the sink. Resolves with the number of lines read. */
export async function readLines(path: string, sink: LineSink, opts: ReadOptions = {}): Promise<number> {
  if (opts.signal?.aborted) return 0;
  const stream = await openSource(path, opts.highWaterMark ?? 1 << 20);
  return readStreamLines(stream, opts.name ?? sourceName(path), sink, opts);
}

export async function readStreamLines(stream: Readable, source: string, sink: LineSink, opts: ReadOptions = {}): Promise<number> {
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const signal = opts.signal;
  let lineNo = 0;
  let carry: Buffer[] = [];
  let carryLen = 0;
  let overflow = false; // the current line is too long: drop bytes until its newline
  let overflowExcerpt = '';
  let first = true;

  const emit = (buf: Buffer, start: number, end: number): void => {
    lineNo++;
    if (end > start && buf[end - 1] === CR) end--;
    let text = buf.toString('utf8', start, end);
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    sink.line(text, source, lineNo);
  };
  const emitOverflow = (): void => {
    lineNo++;
    first = false;
    sink.tooLong?.(overflowExcerpt, carryLen, source, lineNo);
    overflow = false;
    overflowExcerpt = '';
  };

  // Destroying the stream settles a pending read (pausing would leave it hanging); the
  // premature-close error that follows is the expected end of an aborted read.
  const onAbort = (): void => {
    stream.destroy();
  };
  // Stopped before the read began (while a named pipe was being opened): a quiet pipe
  // would otherwise be waited on for ever.
  if (signal?.aborted) {
    if (stream !== process.stdin) stream.destroy();
    return 0;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) break;
      if (sink.chunkStart) {
        const turn = sink.chunkStart();
        if (turn) await turn;
        if (signal?.aborted) break;
      }
      let pos = 0;
      const len = chunk.length;
      while (pos < len) {
        const nl = chunk.indexOf(NL, pos);
        if (nl === -1) {
          // An unterminated piece: keep it for the next chunk.
          const piece = chunk.subarray(pos);
          if (overflow) {
            carryLen += piece.length;
          } else if (carryLen + piece.length > maxLine) {
            // Over the limit: only the excerpt is kept (copying the pieces whole to take
            // 120 bytes doubled the memory a rejected line costs).
            overflow = true;
            overflowExcerpt = headOf([...carry, piece], EXCERPT_BYTES);
            carry = [];
            carryLen += piece.length;
          } else {
            carry.push(piece);
            carryLen += piece.length;
          }
          break;
        }
        if (overflow) {
          carryLen += nl - pos;
          emitOverflow();
          carryLen = 0;
        } else if (carryLen === 0) {
          if (nl - pos > maxLine) {
            overflowExcerpt = chunk.toString('utf8', pos, Math.min(nl, pos + EXCERPT_BYTES));
            carryLen = nl - pos;
            emitOverflow();
            carryLen = 0;
          } else {
            emit(chunk, pos, nl);
          }
        } else if (carryLen + nl - pos > maxLine) {
          overflowExcerpt = headOf([...carry, chunk.subarray(pos, nl)], EXCERPT_BYTES);
          carryLen += nl - pos;
          carry = [];
          emitOverflow();
          carryLen = 0;
        } else {
          carry.push(chunk.subarray(pos, nl));
          const whole = Buffer.concat(carry, carryLen + nl - pos);
          carry = [];
          carryLen = 0;
          emit(whole, 0, whole.length);
        }
        pos = nl + 1;
      }
      if (sink.chunkEnd) await sink.chunkEnd();
      if (signal?.aborted) break;
    }
    if (!signal?.aborted && (overflow || carryLen > 0) && sink.chunkStart) {
      const turn = sink.chunkStart();
      if (turn) await turn;
    }
    if (!signal?.aborted) {
      if (overflow) emitOverflow();
      else if (carryLen > 0) {
        const whole = Buffer.concat(carry, carryLen);
        emit(whole, 0, whole.length);
      }
      if (sink.chunkEnd) await sink.chunkEnd();
    }
  } catch (e) {
    if (!signal?.aborted) throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return lineNo;
}

export interface LineItem {
  text: string;
  lineNo: number;
}

/**
 * Pull-based lines of one source (for merging several sources): the same reader, with
 * a bounded queue between it and the consumer, so memory stays at about one chunk.
 */
export async function* iterateLines(path: string | Readable, opts: ReadOptions & { onTooLong?: LineSink['tooLong'] } = {}): AsyncGenerator<LineItem> {
  const queue: LineItem[] = [];
  let done = false;
  let failure: unknown;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const high = 4096;
  const notify = (): void => {
    const w = wakeConsumer;
    wakeConsumer = undefined;
    w?.();
  };
  const stop = new AbortController(); // the consumer may stop early: the producer stops too
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const sink: LineSink = {
    line(text, _source, lineNo) {
      queue.push({ text, lineNo });
    },
    ...(opts.onTooLong ? { tooLong: opts.onTooLong } : {}),
    async chunkEnd() {
      notify();
      if (queue.length >= high)
        await new Promise<void>((r) => {
          wakeProducer = r;
        });
    },
  };
  const reading =
    typeof path === 'string' ? readLines(path, sink, { ...opts, signal }) : readStreamLines(path, opts.name ?? 'stream', sink, { ...opts, signal });
  const producer = reading.then(
    () => {
      done = true;
      notify();
    },
    (e: unknown) => {
      failure = e;
      done = true;
      notify();
    },
  );
  let head = 0;
  try {
    for (;;) {
      if (head < queue.length) {
        yield queue[head++]!;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
          const w = wakeProducer;
          wakeProducer = undefined;
          w?.();
        }
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => {
        wakeConsumer = r;
      });
    }
    if (failure) throw failure;
  } finally {
    stop.abort();
    wakeProducer?.();
    await producer;
  }
}
