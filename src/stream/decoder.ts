// The decoder: JSON parse + schema validation + the bad-line policy of architecture.md.
// A bad line gets a diagnostic naming source:line, a short excerpt and the reason; it is
// counted by reason; it is skipped (or, under --strict, ends the run with exit 1); with
// --reject FILE it is kept verbatim. Nothing is dropped without a count.
import type { z } from 'zod';
import { SCHEMAS, formatIssues, isRecordType, type AnyRecord, type RecordType } from '../schema/index.js';
import type { Logger } from '../log/logger.js';
import { FAST_CHECKS } from '../schema/fast.js';
import { excerpt } from '../core/text.js';
import { describeDuplicate, duplicateKeyOf } from '../core/json-keys.js';

export type RejectReason = 'not-json' | 'not-object' | 'duplicate-key' | 'no-type' | 'unknown-type' | 'schema' | 'too-long' | 'invalid';

export class StrictModeError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${where}: ${reason}: ${detail}`);
    this.name = 'StrictModeError';
  }
}

export interface RejectSink {
  /** The raw bad line, verbatim. */
  reject(raw: string): void;
}

export interface DecoderOptions {
  log: Logger;
  strict?: boolean;
  rejectSink?: RejectSink;
  /**
   * Types this stage consumes: fully validated and handed to the command. Other types
   * only need to be a JSON object with a string `type` and are passed through verbatim
   * (a newer upstream may emit types this stage does not know). `'all'` validates every
   * record against its schema and rejects unknown types (`validate`).
   */
  consume: ReadonlySet<string> | 'all';
  /**
   * Bad lines of one reason that get a full diagnostic each (default 100, for the whole
   * run); after that one line per log-throttle interval, with the count held back, so a
   * feed with a chronic fault stays within the log budget. `validate` sets it unlimited:
   * its job is to list every bad line. The counts are exact either way.
   */
  diagnosticsBurst?: number;
}

export type Decoded =
  | { kind: 'record'; type: RecordType; record: AnyRecord; raw: string; ts: number; time: number }
  | { kind: 'other'; type: string; raw: string; ts: number | undefined; time: number | undefined };

/**
 * Replay time: when the record reached us (`recv_ts`) if it says, else its event time
 * (`ts`). Recorded streams are in receipt order (a feed's event times can lag: The Odds
 * API's last_update is minutes old when polled), so --replay clocks and the time merge
 * (ndcat --merge, readRecords order 'time') follow receipt time, as a live run did. The
 * one rule: every Decoded's `time` is this, and nothing else computes a record's time.
 */
export function replayTime(ts: unknown, recvTs: unknown): number | undefined {
  if (typeof recvTs === 'number' && Number.isFinite(recvTs)) return recvTs;
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts;
  return undefined;
}

export interface Counts {
  in: number;
  blank: number;
  byType: Map<string, number>;
  rejected: Map<string, number>;
}

export class Decoder {
  readonly counts: Counts = { in: 0, blank: 0, byType: new Map(), rejected: new Map() };
  private readonly all: boolean;
  private readonly diagnosed = new Map<string, number>();
  private readonly consume: ReadonlySet<string>;

  constructor(private readonly opts: DecoderOptions) {
    this.all = opts.consume === 'all';
    this.consume = opts.consume === 'all' ? new Set() : opts.consume;
  }

  get rejectedTotal(): number {
    let n = 0;
    for (const v of this.counts.rejected.values()) n += v;
    return n;
  }

  /** Decode one line. Returns undefined for blank and rejected lines (already reported). */
  decode(raw: string, source: string, lineNo: number): Decoded | undefined {
    if (raw.length === 0 || isBlank(raw)) {
      this.counts.blank++;
      return undefined;
    }
    this.counts.in++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      this.bad(raw, source, lineNo, 'not-json', (e as Error).message);
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.bad(raw, source, lineNo, 'not-object', `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
      return undefined;
    }
    // JSON.parse keeps the last of two equal keys; another reader may keep the first. A
    // line that says two things is not a record, whatever its type (passed-through too).
    const dup = duplicateKeyOf(raw, value);
    if (dup !== undefined) {
      this.bad(raw, source, lineNo, 'duplicate-key', `${describeDuplicate(dup)}: a record names each field once`);
      return undefined;
    }
    const type = (value as { type?: unknown }).type;
    if (typeof type !== 'string' || type.length === 0) {
      this.bad(raw, source, lineNo, 'no-type', 'missing string field "type"');
      return undefined;
    }
    if (this.all || this.consume.has(type)) {
      if (!isRecordType(type)) {
        this.bad(raw, source, lineNo, 'unknown-type', `unknown record type "${type}"`);
        return undefined;
      }
      // Hot types first try a hand-written check that accepts only what zod would accept
      // (src/schema/fast.ts); anything else, and every diagnostic, is zod's.
      const fast = FAST_CHECKS[type];
      let record: AnyRecord;
      if (fast !== undefined && fast(value as Record<string, unknown>)) {
        record = value as AnyRecord;
      } else {
        const r = (SCHEMAS[type] as z.ZodType).safeParse(value);
        if (!r.success) {
          this.bad(raw, source, lineNo, 'schema', `${type}: ${formatIssues(r.error.issues)}`);
          return undefined;
        }
        record = r.data as AnyRecord;
      }
      this.countType(type);
      return { kind: 'record', type, record, raw, ts: record.ts, time: replayTime(record.ts, record.recv_ts) ?? record.ts };
    }
    this.countType(type);
    const { ts, recv_ts } = value as { ts?: unknown; recv_ts?: unknown };
    return { kind: 'other', type, raw, ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined, time: replayTime(ts, recv_ts) };
  }

  /**
   * Report a bad line found by the reader (too long) or by a command (a record valid
   * against its schema that the command's logic cannot use, e.g. a book summing below 1
   * for Shin). Counted and kept like any other bad line.
   */
  bad(raw: string, source: string, lineNo: number, reason: RejectReason | string, detail: string): void {
    this.counts.rejected.set(reason, (this.counts.rejected.get(reason) ?? 0) + 1);
    const where = `${source}:${lineNo}`;
    this.opts.rejectSink?.reject(raw);
    if (this.opts.strict) throw new StrictModeError(where, reason, detail);
    const fields = { src: where, reason, detail, excerpt: excerpt(raw) };
    const n = (this.diagnosed.get(reason) ?? 0) + 1;
    this.diagnosed.set(reason, n);
    if (n <= (this.opts.diagnosticsBurst ?? 100)) this.opts.log.warn('bad input line', fields);
    else this.opts.log.limited('warn', `bad-line:${reason}`, 'bad input line', fields);
  }

  /** Called by the reader for a line over --max-line-bytes. */
  tooLong(excerptText: string, bytes: number, source: string, lineNo: number): void {
    this.counts.in++;
    this.bad(excerptText, source, lineNo, 'too-long', `line of ${bytes} bytes exceeds the limit`);
  }

  private countType(type: string): void {
    this.counts.byType.set(type, (this.counts.byType.get(type) ?? 0) + 1);
  }
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
