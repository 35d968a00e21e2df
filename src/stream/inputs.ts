// Reading several inputs into one handler, in one of three orders. This is the input side
// of the one event loop every stateful command runs on: records, clock timers and (later)
// exchange replies handled one at a time, on the injected clock.
//
//   concat   the inputs one after another, each to its end (files, a pipe, `-`).
//   arrival  all inputs at once, each line handled as soon as it arrives: a quiet input
//            never holds back another. Each input keeps its own line order. Inputs take
//            turns by chunk: the lines of one chunk and the chunk's end (the handler's
//            batch commit, stdout backpressure) run before another input's lines, so a
//            slow reader of stdout holds back every input, not just one.
//   time     the stable k-way merge by (time, input index, line) of inputs each in time
//            order (nautilus_trader's rule): the same inputs always give the same order.
//            An input that goes back in time ends the run (UnsortedInputError), unless a
//            slack lets each input run late by at most that much (put back in order in a
//            bounded buffer). A record with no time, or a time that is not integer epoch
//            ms >= 0, is a bad line (no-ts, bad-ts). run.manifest records are headers,
//            not events: one keeps its place after what preceded it in its input.
//
// The time of a record is replayTime() (src/stream/decoder.ts): recv_ts, else ts. Under
// --replay the replay clock is advanced to each record's time before the record is
// handled, so timers due at or before it fire first (timers before same-time data).
import type { Readable } from 'node:stream';
import type { ReplayClock } from '../clock/clock.js';
import type { Decoded, Decoder } from './decoder.js';
import { mergeByTime, reorder, UnsortedInputError, type Timed } from './merge.js';
import { iterateLines, readLines, readStreamLines, sourceName, type LineSink, type ReadOptions } from './reader.js';

export type InputOrder = 'concat' | 'arrival' | 'time';

/** A stream already open (tests, an in-process pipe), read like a file of that name. */
export interface NamedStream {
  name: string;
  stream: Readable;
}

/** A path (`-` is stdin) or an open stream. */
export type Input = string | NamedStream;

export interface InputWhere {
  /** The input's name in diagnostics: its path, `stdin` for `-`. */
  source: string;
  /** 1-based line number within that input. */
  line: number;
  raw: string;
  /** Position of the input in the list (0-based): the merge's tie-breaker after time. */
  input: number;
}

export interface InputSink {
  /**
   * A decoded line (blank and bad lines were reported and counted by the decoder and
   * never come here). Synchronous: the hot path. Under --replay the clock is already at
   * the record's time.
   */
  record(d: Decoded, where: InputWhere): void;
  /**
   * After each chunk of input (concat, arrival) or every 1024 records and at the end
   * (time): where the handler commits a batch or awaits stdout. No input is read on
   * until it resolves.
   */
  chunkEnd?(): Promise<void> | void;
}

export interface InputOptions {
  order?: InputOrder;
  decoder: Decoder;
  signal?: AbortSignal;
  maxLineBytes?: number;
  /** time: each input may run late by up to this many ms (default 0: none). */
  slackMs?: number;
  /** --replay: advanced to each record's time before it is handled. */
  replayClock?: ReplayClock;
  /** Called once, when the first timed record anchors the replay clock. */
  onAnchor?: () => void;
}

export interface InputResult {
  /**
   * concat and arrival under --replay: records whose time was earlier than the clock
   * (handled at the latest time seen: the clock never runs backwards). time: always 0
   * (an input out of order is an UnsortedInputError instead).
   */
  unsorted: number;
}

/** The diagnostic name of an input. */
export function inputName(input: Input): string {
  return typeof input === 'string' ? sourceName(input) : input.name;
}

/** Read `inputs` into `sink` in the given order (default concat). */
export async function readInputs(inputs: Input[], sink: InputSink, opts: InputOptions): Promise<InputResult> {
  const order = opts.order ?? 'concat';
  if (order !== 'concat' && inputs.filter((x) => x === '-').length > 1) throw new Error('stdin (-) can be read once only');
  if (order === 'time') {
    await readByTime(inputs, sink, opts);
    return { unsorted: 0 };
  }
  const clock = opts.replayClock;
  let unsorted = 0;
  const { decoder } = opts;
  /** The line sink of input `index`: decode, advance the replay clock, hand over. */
  const lineSink = (index: number): LineSink => ({
    line(raw, source, lineNo) {
      const d = decoder.decode(raw, source, lineNo);
      if (!d) return;
      if (clock && d.time !== undefined) {
        if (!clock.isAnchored) {
          clock.advanceTo(d.time);
          opts.onAnchor?.();
        } else {
          if (d.time < clock.now()) unsorted++;
          clock.advanceTo(d.time);
        }
      }
      sink.record(d, { source, line: lineNo, raw, input: index });
    },
    tooLong(excerpt, bytes, source, lineNo) {
      decoder.tooLong(excerpt, bytes, source, lineNo);
    },
    ...(sink.chunkEnd ? { chunkEnd: () => sink.chunkEnd!() } : {}),
  });
  const readOpts = (signal: AbortSignal | undefined): ReadOptions => ({
    ...(signal ? { signal } : {}),
    ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
  });
  if (order === 'concat') {
    for (let i = 0; i < inputs.length; i++) {
      if (opts.signal?.aborted) break;
      await readOne(inputs[i]!, lineSink(i), readOpts(opts.signal));
    }
    return { unsorted };
  }
  await readByArrival(inputs, lineSink, (signal) => readOpts(signal), opts.signal);
  return { unsorted };
}

function readOne(input: Input, sink: LineSink, opts: ReadOptions): Promise<number> {
  return typeof input === 'string' ? readLines(input, sink, opts) : readStreamLines(input.stream, input.name, sink, opts);
}

/**
 * All inputs at once. Inputs take turns by chunk (a gate held from a chunk's first line
 * to the end of its chunkEnd); the first failure (a --strict bad line, a read error)
 * stops the others and is thrown once they have stopped.
 */
async function readByArrival(
  inputs: Input[],
  lineSink: (index: number) => LineSink,
  readOpts: (signal: AbortSignal) => ReadOptions,
  outer: AbortSignal | undefined,
): Promise<void> {
  const stop = new AbortController();
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal;
  let holder: number | undefined;
  const waiting: Array<() => void> = [];
  const acquire = (i: number): Promise<void> | void => {
    if (holder === undefined) {
      holder = i;
      return;
    }
    return new Promise<void>((resolve) =>
      waiting.push(() => {
        holder = i;
        resolve();
      }),
    );
  };
  const release = (i: number): void => {
    if (holder !== i) return;
    holder = undefined;
    waiting.shift()?.();
  };
  let failure: { e: unknown } | undefined;
  await Promise.all(
    inputs.map(async (input, i) => {
      const inner = lineSink(i);
      const sink: LineSink = {
        line: inner.line,
        ...(inner.tooLong ? { tooLong: inner.tooLong } : {}),
        chunkStart: () => acquire(i),
        async chunkEnd() {
          if (holder !== i) await acquire(i);
          try {
            if (inner.chunkEnd) await inner.chunkEnd();
          } finally {
            release(i);
          }
        },
      };
      try {
        await readOne(input, sink, readOpts(signal));
      } catch (e) {
        failure ??= { e };
        stop.abort();
      } finally {
        release(i);
      }
    }),
  );
  if (failure) throw failure.e;
}

interface Item {
  d: Decoded;
  where: InputWhere;
}

/** The stable merge by (time, input, line), as ndcat --merge has always done it. */
/** An integer epoch ms in range (the schema's epochMs, without a zod call per record). */
function isEpochMs(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= 8.64e15;
}

async function readByTime(inputs: Input[], sink: InputSink, opts: InputOptions): Promise<void> {
  const { decoder, replayClock: clock } = opts;
  const slack = opts.slackMs ?? 0;
  async function* timed(input: Input, index: number): AsyncGenerator<Timed<Item>> {
    const src = inputName(input);
    let last = -1;
    const lines = iterateLines(typeof input === 'string' ? input : input.stream, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
      name: src,
      onTooLong: (ex, bytes, s, n) => decoder.tooLong(ex, bytes, s, n),
    });
    for await (const { text, lineNo } of lines) {
      const d = decoder.decode(text, src, lineNo);
      if (!d) continue;
      const where: InputWhere = { source: src, line: lineNo, raw: text, input: index };
      if (d.type === 'run.manifest') {
        // A manifest is a header, not an event: it stays just after what preceded it in
        // its input (leading manifests come first) and never counts as going back in time.
        yield { ts: last, stream: index, line: lineNo, item: { d, where } };
        continue;
      }
      if (d.time === undefined) {
        decoder.bad(text, src, lineNo, 'no-ts', 'a merged record needs a numeric ts');
        continue;
      }
      // The merge key is a time: integer epoch ms, never negative (records.md), for ts
      // and for recv_ts when the record has one.
      const badTime = !isEpochMs(d.time) ? d.time : d.ts !== undefined && !isEpochMs(d.ts) ? d.ts : undefined;
      if (badTime !== undefined) {
        decoder.bad(text, src, lineNo, 'bad-ts', `a merged record needs ts (and recv_ts, if given) as integer epoch ms >= 0, not ${badTime}`);
        continue;
      }
      last = d.time;
      yield { ts: d.time, stream: index, line: lineNo, item: { d, where } };
    }
  }
  const sources = inputs.map((input, i) => (slack > 0 ? reorder(timed(input, i), slack) : timed(input, i))[Symbol.asyncIterator]());
  // Under --replay the clock starts at the first timed record: headers before it (the
  // recorded runs' manifests) wait for it, so whatever the handler writes for them, and
  // our own manifest before them, carry the recording's time.
  const held: Item[] = [];
  let n = 0;
  try {
    for await (const t of mergeByTime(sources)) {
      const { d, where } = t.item;
      if (d.type === 'run.manifest') {
        // a header has no time of its own
        if (clock && !clock.isAnchored) held.push(t.item);
        else sink.record(d, where);
        continue;
      }
      if (clock) {
        const first = !clock.isAnchored;
        clock.advanceTo(t.ts);
        if (first) opts.onAnchor?.();
      }
      for (const h of held.splice(0)) sink.record(h.d, h.where);
      sink.record(d, where);
      if ((++n & 1023) === 0 && sink.chunkEnd) await sink.chunkEnd();
      if (opts.signal?.aborted) break;
    }
  } catch (e) {
    if (e instanceof UnsortedInputError) {
      e.source ??= inputName(inputs[e.stream]!);
      e.slackMs = slack;
    }
    throw e;
  } finally {
    // Stopped early (an input out of order, a --strict line, a stop): the other inputs
    // are closed now, not left open behind a suspended reader.
    await Promise.allSettled(sources.map((it) => it.return?.(undefined)));
  }
  for (const h of held) sink.record(h.d, h.where);
  if (sink.chunkEnd) await sink.chunkEnd();
}

export { UnsortedInputError };
