// What every simulator command shares: reading its scenario, announcing the bound URL,
// and running until a signal (or, when asked, until the scenario has been played).
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError, type Ctx } from './kit.js';
import { ScenarioError } from '../sim/scenario.js';
import { ShiftError, parseShiftTarget, shiftOffset } from '../sim/shift.js';

export interface ShiftOpts {
  shiftToNow?: boolean;
  shiftTo?: number;
}

/** --shift-to-now and --shift-to TIME (every simulator with a scenario). */
export function shiftOptions(cmd: Command): void {
  cmd.option('--shift-to-now', "move the scenario's times so its epoch is now (one offset, whole minutes, for every time it holds)");
  cmd.option('--shift-to <time>', 'the same, to TIME (epoch ms or ISO-8601 with an offset): deterministic runs', (v: string) => {
    try {
      return parseShiftTarget(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  });
}

/**
 * The offset to move a scenario by (0 when no shift was asked for), logged with the epoch
 * and target. A shift of a scenario that names no epoch is a usage error.
 */
export function shiftFor(ctx: Ctx<ShiftOpts>, epoch: number | undefined, file: string): number {
  const o = ctx.opts;
  if (o.shiftToNow && o.shiftTo !== undefined) throw new UsageError('--shift-to-now and --shift-to do not go together');
  const target = o.shiftToNow ? ctx.clock.now() : o.shiftTo;
  if (target === undefined) return 0;
  if (epoch === undefined) throw new UsageError(`${file}: the scenario names no epoch (header "epoch"), so it cannot be shifted`);
  const offset = shiftOffset(epoch, target);
  ctx.log.info('scenario shifted', { epoch: new Date(epoch).toISOString(), to: new Date(epoch + offset).toISOString(), offset_ms: offset });
  return offset;
}

/** Apply a shift; a scenario that cannot be moved (a dated ticker without a start) is a usage error. */
export function shifted<T>(scenario: T, offset: number, shift: (s: T, offset: number) => T): T {
  if (offset === 0) return scenario;
  try {
    return shift(scenario, offset);
  } catch (e) {
    if (e instanceof ShiftError) throw new UsageError(`--shift-to: ${e.message}`);
    throw e;
  }
}

/** Read and parse a scenario file; undefined (the error logged, naming file:line) if it cannot be used. */
export function loadScenario<T>(ctx: Ctx<any>, file: string, parse: (text: string, source: string) => T): T | undefined {
  try {
    return parse(readFileSync(file, 'utf8'), file);
  } catch (e) {
    ctx.log.error(e instanceof ScenarioError ? e.message : `cannot read the scenario: ${(e as Error).message}`, { reason: 'scenario' });
    return undefined;
  }
}

/** The bound URL: first stdout line and a log field, so scripts and tests can find it. */
export function announce(ctx: Ctx<any>, sim: string, url: string, extra: Record<string, unknown>): void {
  ctx.text.writeLine(JSON.stringify({ type: 'sim.listening', ts: ctx.clock.now(), sim, url }));
  ctx.text.flush();
  ctx.log.info('listening', { sim, url, ...extra });
}

/** Until SIGINT/SIGTERM, or (with exitWhenDone) the scenario's end plus linger. */
export async function untilDone(ctx: Ctx<any>, done: Promise<void>, exitWhenDone: boolean, lingerMs: number): Promise<void> {
  const stopped = new Promise<void>((r) => {
    if (ctx.signal.aborted) r();
    else ctx.signal.addEventListener('abort', () => r(), { once: true });
  });
  if (!exitWhenDone) return stopped;
  await Promise.race([done, stopped]);
  if (ctx.signal.aborted) return;
  await Promise.race([new Promise<void>((r) => ctx.clock.setTimeout(r, lingerMs)), stopped]);
}
