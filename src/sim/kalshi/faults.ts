// Fault injection for the Kalshi simulator: the kinds, and a seeded schedule that
// injects them at a steady pace (sim kalshi --fault-every, the soak test).
import type { Clock, TimerHandle } from '../../clock/clock.js';

export const FAULT_KINDS = [
  'close-clean',
  'close-abrupt',
  'stall',
  'skip-seq',
  'error25',
  'error25-nosid',
  'malformed-garbage',
  'malformed-unknown-type',
  'malformed-bad-field',
  'malformed-negative',
  'malformed-off-grid',
  'crossed',
  'delay-snapshot',
  'refuse-auth',
  'rate-limit',
  'pause',
  'maintenance',
  'echo-secrets',
  // The order path (execution testing): not in the default soak rotation.
  'order-5xx',
  'fill-before-cancel',
  'ack-drop',
  'ack-dup',
  'ack-delay',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** Duration for stall, delay-snapshot, pause, maintenance, ack-delay (ms). */
  ms?: number;
  /**
   * How many handshakes (refuse-auth), REST requests (rate-limit, echo-secrets), order
   * writes (order-5xx), cancels (fill-before-cancel) or user_order messages (ack-*).
   */
  n?: number;
  /** error25 / error25-nosid: send this terminal code instead of 25 (10 channel error, 17 internal error). */
  code?: number;
}

export function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

export interface ScheduleOptions {
  clock: Clock;
  random: () => number;
  everyMs: number;
  kinds: readonly FaultKind[];
  /** Durations of the timed faults. */
  stallMs: number;
  delayMs: number;
  pauseMs: number;
  inject: (f: Fault) => void;
}

/**
 * Every `everyMs` (+-25 %, seeded) inject the next fault of `kinds`, in turn. refuse-auth
 * is followed by a clean close so that the refused handshake actually happens.
 */
export function scheduleFaults(o: ScheduleOptions): { stop(): void } {
  let i = 0;
  let t: TimerHandle | undefined;
  const next = (): void => {
    const wait = Math.round(o.everyMs * (0.75 + 0.5 * o.random()));
    t = o.clock.setTimeout(() => {
      const kind = o.kinds[i++ % o.kinds.length]!;
      o.inject(faultOf(kind, o));
      if (kind === 'refuse-auth') o.inject({ kind: 'close-clean' });
      next();
    }, wait);
  };
  if (o.kinds.length && o.everyMs > 0) next();
  return { stop: () => o.clock.clear(t) };
}

function faultOf(kind: FaultKind, o: ScheduleOptions): Fault {
  switch (kind) {
    case 'stall':
      return { kind, ms: o.stallMs };
    case 'delay-snapshot':
      return { kind, ms: o.delayMs };
    case 'pause':
    case 'maintenance':
      return { kind, ms: o.pauseMs };
    case 'refuse-auth':
      return { kind, n: 1 };
    case 'rate-limit':
      return { kind, n: 2 };
    case 'echo-secrets':
      return { kind, n: 1 };
    case 'ack-delay':
      return { kind, n: 1, ms: o.delayMs };
    default:
      return { kind };
  }
}
