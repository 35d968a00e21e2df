// Record validation used by the decoder and by anyone holding a parsed object.
import type { z } from 'zod';
import { SCHEMAS, isRecordType, type AnyRecord, type RecordType } from './records.js';

export * from './records.js';
export * from './common.js';

export type Validation =
  | { ok: true; type: RecordType; record: AnyRecord }
  | { ok: false; reason: 'not-object' | 'no-type' | 'unknown-type' | 'schema'; detail: string; type?: string };

/** Validate a parsed JSON value against the schema its `type` names. */
export function validateRecord(value: unknown): Validation {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'not-object', detail: `expected a JSON object, got ${describe(value)}` };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, reason: 'no-type', detail: 'missing string field "type"' };
  if (!isRecordType(type)) return { ok: false, reason: 'unknown-type', detail: `unknown record type "${type}"`, type };
  const r = (SCHEMAS[type] as z.ZodType).safeParse(value);
  if (r.success) return { ok: true, type, record: r.data as AnyRecord };
  return { ok: false, reason: 'schema', detail: formatIssues(r.error.issues), type };
}

/** One line naming the first offending fields: `home_odds: decimal odds must be > 1`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], max = 3): string {
  const parts = issues.slice(0, max).map((i) => `${i.path.length ? i.path.join('.') : '(record)'}: ${i.message}`);
  if (issues.length > max) parts.push(`(+${issues.length - max} more)`);
  return parts.join('; ');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
