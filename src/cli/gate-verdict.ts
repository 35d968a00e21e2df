// The live-capital gate's verdict as a command checks it before going live (quote --live
// is to call requireGateVerdict at start): the latest `gate` record of config
// gate.verdict_file must have passed and be no older than gate.max_verdict_age_ms. A
// missing, unreadable or damaged verdict file is a refusal too: the gate never half-opens.
import { verdictAllows } from '../core/gate.js';
import type { Config } from '../config/schema.js';
import type { GateRecord } from '../schema/index.js';
import { RefusedError } from './kit.js';
import { readSafetyFile } from './safety-file.js';

/** The latest gate record of FILE (greatest ts; the later line on a tie). Any bad line or other record type refuses. */
export function loadLatestVerdict(file: string): GateRecord | undefined {
  let latest: GateRecord | undefined;
  for (const g of readSafetyFile(file, 'gate', 'live refused', 'the gate verdict file', 'a gate verdict') as GateRecord[]) {
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
