// A small record file a safety gate rests on (the Kelly sign-offs, the live-capital gate's
// verdicts): read whole, every line checked (JSON, one key once, its schema, the one type
// expected; run manifests allowed), and any fault a refusal (exit 3) naming file:line. A
// gate never half-opens on a file it cannot fully read.
import { readFileSync } from 'node:fs';
import { describeDuplicate, duplicateKeyOf } from '../core/json-keys.js';
import { validateRecord, type RecordType } from '../schema/index.js';
import { RefusedError } from './kit.js';

/**
 * The records of `type` in FILE, in file order. `refusal` starts every message
 * ("Kelly refused"); `what` names the file in them ("the sign-off file").
 */
export function readSafetyFile(file: string, type: RecordType, refusal: string, what: string, expected: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RefusedError(`${refusal}: cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new RefusedError(`${refusal}: ${file}:${i + 1} is not JSON`);
    }
    const dup = duplicateKeyOf(raw, value);
    if (dup !== undefined) throw new RefusedError(`${refusal}: ${file}:${i + 1}: ${describeDuplicate(dup)}`);
    const v = validateRecord(value);
    if (!v.ok) throw new RefusedError(`${refusal}: ${file}:${i + 1}: ${v.reason}: ${v.detail}`);
    if (v.type === type) out.push(v.record);
    else if (v.type !== 'run.manifest') throw new RefusedError(`${refusal}: ${file}:${i + 1} is a ${v.type} record, not ${expected}`);
  }
  return out;
}
