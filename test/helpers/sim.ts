// Start a simulator command (sim boltodds | sim oddsapi) as a child process and find the
// URL it bound from its first stdout record.
import type { ChildProcess } from 'node:child_process';
import { run, type RunResult } from './run.js';

export interface StartedSim {
  url: string;
  child: ChildProcess;
  /** Resolves when the simulator has exited. */
  done: Promise<RunResult>;
  stop(): Promise<RunResult>;
}

export async function startSim(args: string[], timeoutMs = 30_000): Promise<StartedSim> {
  let child: ChildProcess | undefined;
  let resolveUrl: (u: string) => void = () => undefined;
  let rejectUrl: (e: Error) => void = () => undefined;
  const urlP = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  let buf = '';
  const done = run('sim', args, {
    timeoutMs,
    onSpawn: (c) => {
      child = c;
      c.stdout!.on('data', (b: Buffer) => {
        buf += b.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          const first = JSON.parse(buf.slice(0, nl)) as { type: string; url: string };
          if (first.type === 'sim.listening') resolveUrl(first.url);
          else rejectUrl(new Error(`first record is ${first.type}`));
        }
      });
    },
  });
  void done.then((r) => rejectUrl(new Error(`sim exited ${r.code}: ${r.stderr.slice(0, 500)}`)));
  const url = await urlP;
  return {
    url,
    child: child!,
    done,
    stop: async () => {
      if (child!.exitCode === null) child!.kill('SIGTERM');
      return done;
    },
  };
}
