// Command tests run the built program, as a user would: bin/<name> with fixture input,
// checking stdout, stderr and the exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = `${ROOT}bin`;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as NDJSON (every line must parse). */
  records: Array<Record<string, unknown>>;
  /** stderr parsed as log lines (non-JSON lines are kept as {raw}). */
  logs: Array<Record<string, unknown>>;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Leave stdin open (the test writes to it and signals the child itself). */
  keepStdinOpen?: boolean;
  /** Called with the child once spawned (to send signals, read partial output...). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

export function run(cmd: string, args: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${BIN}/${cmd}`, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const result = { code, signal, stdout, stderr, logs: parseLines(stderr, false) } as RunResult;
      // Parsed on first use: stdout of --help and of text commands is not NDJSON.
      let records: RunResult['records'] | undefined;
      Object.defineProperty(result, 'records', { get: () => (records ??= parseLines(stdout, true)), enumerable: true });
      resolve(result);
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading everything
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else if (!opts.keepStdinOpen) child.stdin.end();
    opts.onSpawn?.(child);
  });
}

export function parseLines(text: string, strict: boolean): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch (e) {
        if (strict) throw new Error(`stdout line is not JSON: ${l.slice(0, 200)}`, { cause: e });
        return { raw: l };
      }
    });
}

/** Records of one type, manifest and others left out. */
export function ofType(records: Array<Record<string, unknown>>, type: string): Array<Record<string, unknown>> {
  return records.filter((r) => r.type === type);
}

/** The summary log line every input command writes at exit. */
export function summary(logs: Array<Record<string, unknown>>): Record<string, unknown> | undefined {
  return logs.find((l) => l.msg === 'summary');
}

export function ndjson(records: object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
