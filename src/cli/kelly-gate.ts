// The Kelly gate as commands use it: the sign-off file named by config kelly.signoff_file
// (written by calibrate --signoff), read once and checked line by line, and a sizer that
// turns core's refusal value into RefusedError, so the command exits 3 instead of sizing
// a path nobody signed off. A missing, unreadable or damaged sign-off file is a refusal
// too: the gate never half-opens.
import { readFileSync } from 'node:fs';
import { sizeKelly, type Size, type SizeQuery, type Sizing } from '../core/kelly.js';
import type { Config } from '../config/schema.js';
import { validateRecord, type CalibrationSignoff } from '../schema/index.js';
import { RefusedError } from './kit.js';
import { describeDuplicate, duplicateKeyOf } from '../core/json-keys.js';

/** Every calibration.signoff of FILE (the run manifest line is allowed; any other or bad line refuses). */
export function loadSignoffs(file: string): CalibrationSignoff[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RefusedError(`Kelly refused: cannot read the sign-off file ${file}: ${(e as Error).message}`);
  }
  const out: CalibrationSignoff[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new RefusedError(`Kelly refused: ${file}:${i + 1} is not JSON`);
    }
    const dup = duplicateKeyOf(raw, value);
    if (dup !== undefined) throw new RefusedError(`Kelly refused: ${file}:${i + 1}: ${describeDuplicate(dup)}`);
    const v = validateRecord(value);
    if (!v.ok) throw new RefusedError(`Kelly refused: ${file}:${i + 1}: ${v.reason}: ${v.detail}`);
    if (v.type === 'calibration.signoff') out.push(v.record as CalibrationSignoff);
    else if (v.type !== 'run.manifest') throw new RefusedError(`Kelly refused: ${file}:${i + 1} is a ${v.type} record, not a calibration.signoff`);
  }
  return out;
}

/** Kelly sizing for a command: the config's fraction, tolerance, minimum games, fees and sign-offs. */
export class KellySizer {
  constructor(
    readonly config: Pick<Config, 'kelly' | 'fees'>,
    readonly signoffs: readonly CalibrationSignoff[],
  ) {}

  /** Reads config kelly.signoff_file; refuses (RefusedError) when none is configured or it cannot be read. */
  static load(config: Pick<Config, 'kelly' | 'fees'>): KellySizer {
    const file = config.kelly.signoff_file;
    if (file === null) throw new RefusedError('Kelly refused: no sign-off file configured (config kelly.signoff_file; write one with calibrate --signoff)');
    return new KellySizer(config, loadSignoffs(file));
  }

  /** The value: a size, a refusal, or bad input. */
  sizing(q: Omit<SizeQuery, 'fraction'>): Sizing {
    const k = this.config.kelly;
    return sizeKelly({ ...q, fraction: k.fraction }, this.config.fees, this.signoffs, { tolerance: k.tolerance, min_n: k.signoff_min_n });
  }

  /** A size, or RefusedError (exit 3) for a path without a valid sign-off; Error for bad input. */
  size(q: Omit<SizeQuery, 'fraction'>): Size {
    const s = this.sizing(q);
    if (s.ok) return s;
    if (s.refused) throw new RefusedError(`Kelly refused (${s.reason}): ${s.detail}`);
    throw new Error(`Kelly sizing: ${s.reason}: ${s.detail}`);
  }
}
