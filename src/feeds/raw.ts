// Raw recordings of a feeder's engine inputs, shared by feed-boltodds and feed-kalshi:
// `--raw FILE` writes a header line, then one line per input with its receive time;
// `--from-raw FILE` reads them back, driving a ReplayClock from recv_ts and handing each
// entry to the engine, so the replay publishes what the live run did (byte for byte with
// the same settings, or "what would these settings have published" with others).
//
// A recording is written through a LineWriter given the run's Redactor: a frame, REST
// answer or close reason that echoes a secret is recorded with it as [REDACTED]. Bad
// lines on replay are reported (source:line, reason), counted, and skipped.
import { createWriteStream } from 'node:fs';
import type { ReplayClock } from '../clock/clock.js';
import { excerpt } from '../core/text.js';
import type { Logger } from '../log/logger.js';
import { iterateLines, readLines } from '../stream/reader.js';
import { LineWriter } from '../stream/writer.js';

/** The first line of a recording. */
export interface RawHeader {
  kind: 'header';
  source: string;
  version: number;
  recv_ts: number;
  /** The settings that shaped the engine's output in the recorded run. */
  settings: Record<string, unknown>;
}

export interface RawRecorder {
  /** Record one engine input (an object with `kind` and `recv_ts`). */
  write(entry: { kind: string; recv_ts: number }): void;
  /** Flush and close the file. */
  close(): Promise<void>;
}

export interface RecordOptions {
  source: string;
  version: number;
  settings: object;
  recvTs: number;
  /** The run's redactor (ctx.redactor): every line passes through it. */
  redact: { line(line: string): string };
  log: Logger;
}

/** Open FILE for a recording and write its header. */
export function openRawRecording(file: string, o: RecordOptions): RawRecorder {
  const w = new LineWriter(createWriteStream(file, { flags: 'w' }), {
    onError: (err) => o.log.error('cannot write the raw recording', { file, err }),
    redact: o.redact,
  });
  const header: RawHeader = { kind: 'header', source: o.source, version: o.version, recv_ts: o.recvTs, settings: { ...o.settings } };
  w.writeRecord(header as unknown as Record<string, unknown>);
  return {
    write: (e) => w.writeLine(JSON.stringify(e)),
    close: () => w.close(),
  };
}

export interface ReplayOptions<E> {
  source: string;
  version: number;
  /** The settings of this run, compared with the recorded ones (a difference is warned about). */
  settings: object;
  clock: ReplayClock;
  log: Logger;
  signal?: AbortSignal;
  maxLineBytes?: number;
  /** An entry, or why it is not one (the line is rejected). `e.kind` is a string, `e.recv_ts` a ms time. */
  parse(e: Record<string, unknown> & { kind: string; recv_ts: number }): E | string;
  /** Hand one entry to the engine (the clock is at its recv_ts). */
  apply(e: E): void;
  /** The output's backpressure: reading pauses while the consumer cannot keep up. */
  flow?: { blocked(): boolean; ready(): Promise<void> };
}

/** Replay a recording; resolves with the rejected lines by reason (empty when none). */
export async function replayRaw<E>(file: string, o: ReplayOptions<E>): Promise<Record<string, number>> {
  const bad: Record<string, number> = {};
  const reject = (where: string, reason: string, detail: string, raw: string): void => {
    bad[reason] = (bad[reason] ?? 0) + 1;
    o.log.limited('warn', `raw:${reason}`, 'bad line in the raw recording', { src: where, reason, detail, excerpt: excerpt(raw) }, 10);
  };
  let sawHeader = false;
  await readLines(
    file,
    {
      line(raw, source, lineNo) {
        if (raw.trim() === '') return;
        const where = `${source}:${lineNo}`;
        let e: Record<string, unknown>;
        try {
          const v: unknown = JSON.parse(raw);
          if (v === null || typeof v !== 'object' || Array.isArray(v)) return reject(where, 'not-object', 'expected a JSON object', raw);
          e = v as Record<string, unknown>;
        } catch (err) {
          return reject(where, 'not-json', (err as Error).message, raw);
        }
        if (e.kind === 'header') {
          sawHeader = true;
          checkHeader(o, e);
          return;
        }
        const ts = e.recv_ts;
        if (typeof e.kind !== 'string' || typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) {
          return reject(where, 'shape', 'expected {kind, recv_ts, ...} as --raw writes', raw);
        }
        const entry = o.parse(e as Record<string, unknown> & { kind: string; recv_ts: number });
        if (typeof entry === 'string') return reject(where, 'shape', entry, raw);
        o.clock.advanceTo(ts);
        o.apply(entry);
      },
      tooLong(ex, bytes, source, lineNo) {
        reject(`${source}:${lineNo}`, 'too-long', `line of ${bytes} bytes`, ex);
      },
      async chunkEnd() {
        if (o.flow?.blocked()) await o.flow.ready();
      },
    },
    { ...(o.signal ? { signal: o.signal } : {}), ...(o.maxLineBytes !== undefined ? { maxLineBytes: o.maxLineBytes } : {}) },
  );
  if (!sawHeader) o.log.warn('raw recording without a header line: settings not compared', { file });
  return bad;
}

function checkHeader(o: ReplayOptions<unknown>, h: Record<string, unknown>): void {
  if (h.source !== undefined && h.source !== o.source) o.log.warn('raw recording of another source', { source: h.source, expected: o.source });
  if (h.version !== o.version) o.log.warn('raw recording of another version', { version: h.version, expected: o.version });
  const rec = (h.settings ?? {}) as Record<string, unknown>;
  const diff: Record<string, { recorded: unknown; now: unknown }> = {};
  for (const [k, v] of Object.entries(o.settings)) {
    if (JSON.stringify(rec[k]) !== JSON.stringify(v)) diff[k] = { recorded: rec[k], now: v };
  }
  if (Object.keys(diff).length) o.log.warn("replaying with settings other than the recording's; output will differ from the live run", { differences: diff });
}

/** The header of a recording (its first line), or undefined when the first line is not one. */
export async function readRawHeader(file: string, maxLineBytes?: number): Promise<Record<string, unknown> | undefined> {
  for await (const item of iterateLines(file, maxLineBytes !== undefined ? { maxLineBytes } : {})) {
    if (item.text.trim() === '') continue;
    try {
      const v: unknown = JSON.parse(item.text);
      return v !== null && typeof v === 'object' && !Array.isArray(v) && (v as Record<string, unknown>).kind === 'header'
        ? (v as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
