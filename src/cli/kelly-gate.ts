// The Kelly gate as commands use it: the sign-off file named by config kelly.signoff_file
// (written by calibrate --signoff), read once and checked line by line, and a sizer that
// turns core's refusal value into RefusedError, so the command exits 3 instead of sizing
// a path nobody signed off. A missing, unreadable or damaged sign-off file is a refusal
// too: the gate never half-opens.
import { sizeKelly, type Size, type SizeQuery, type Sizing } from '../core/kelly.js';
import type { Config } from '../config/schema.js';
import type { CalibrationSignoff } from '../schema/index.js';
import { RefusedError } from './kit.js';
import { readSafetyFile } from './safety-file.js';

/** Every calibration.signoff of FILE (the run manifest line is allowed; any other or bad line refuses). */
export function loadSignoffs(file: string): CalibrationSignoff[] {
  return readSafetyFile(file, 'calibration.signoff', 'Kelly refused', 'the sign-off file', 'a calibration.signoff') as CalibrationSignoff[];
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
