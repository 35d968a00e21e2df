// What every simulator command shares: reading its scenario, announcing the bound URL,
// and running until a signal (or, when asked, until the scenario has been played).
import { readFileSync } from 'node:fs';
import type { Ctx } from './kit.js';
import { ScenarioError } from '../sim/scenario.js';

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
