// The live-capital gate's verdict as a command checks it before going live (quote --live
// is to call requireGateVerdict at start): the latest `gate` record of config
// gate.verdict_file must have passed and be no older than gate.max_verdict_age_ms. A
// missing, unreadable or damaged verdict file is a refusal too: the gate never half-opens.
import { readFileSync } from 'node:fs';
import { verdictAllows } from '../core/gate.js';
import { describeDuplicate, duplicateKeyOf } from '../core/json-keys.js';
import type { Config } from '../config/schema.js';
import { validateRecord, type GateRecord } from '../schema/index.js';
import { RefusedError } from './kit.js';

/** The latest gate record of FILE (greatest ts; the later line on a tie). Any bad line or other record type refuses. */
export function loadLatestVerdict(file: string): GateRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RefusedError(`live refused: cannot read the gate verdict file ${file}: ${(e as Error).message}`);
  }
  let latest: GateRecord | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new RefusedError(`live refused: ${file}:${i + 1} is not JSON`);
    }
    const dup = duplicateKeyOf(raw, value);
    if (dup !== undefined) throw new RefusedError(`live refused: ${file}:${i + 1}: ${describeDuplicate(dup)}`);
    const v = validateRecord(value);
    if (!v.ok) throw new RefusedError(`live refused: ${file}:${i + 1}: ${v.reason}: ${v.detail}`);
    if (v.type !== 'gate') throw new RefusedError(`live refused: ${file}:${i + 1} is a ${v.type} record, not a gate verdict`);
    const g = v.record as GateRecord;
    if (!latest || g.ts >= latest.ts) latest = g;
  }
  return latest;
}

/** Returns the verdict that allows going live at `now`, or throws RefusedError (exit 3) saying why not. */
export function requireGateVerdict(config: Pick<Config, 'gate'>, now: number): GateRecord {
  const file = config.gate.verdict_file;
  if (file === null) throw new RefusedError('live refused: no gate verdict file configured (config gate.verdict_file; run gate --evidence DIR)');
  const latest = loadLatestVerdict(file);
  const ok = verdictAllows(latest, now, config.gate.max_verdict_age_ms);
  if (!ok.ok) throw new RefusedError(`live refused: ${ok.reason}`);
  return latest!;
}
