// Shared bench plumbing: data generation, timing a built command over a pipe, and the
// in-process parse+stringify limit that every records/s figure is compared with.
import { spawn } from 'node:child_process';
import { openSync, closeSync, writeSync, readFileSync } from 'node:fs';
import { BIN } from '../helpers/run.js';

export interface BenchRow {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** Ratio to the parse+stringify limit, when the row is a records/s figure. */
  ratio?: number;
  target?: string;
  ok?: boolean;
  note?: string;
}

export interface BenchEnv {
  tmp: string;
  /** The practical limit measured in this run: JSON.parse + JSON.stringify records/s. */
  limit: number;
  /** 1 M odds.line records, one per line. */
  oddsFile: string;
  oddsLines: number;
  quick: boolean;
}

export type Bench = (env: BenchEnv) => Promise<BenchRow[]>;

/** A deterministic odds.line record i (two books, 500 games, both prices moving). */
export function oddsLine(i: number): string {
  const game = i % 500;
  const book = i % 2 === 0 ? 'pinnacle' : 'draftkings';
  const day = 1 + (game % 28);
  const h = 1.5 + ((i * 7919) % 1000) / 1000;
  const a = 1 / Math.max(0.05, 1.045 - 1 / h);
  const ts = 1769380000000 + i * 10;
  return JSON.stringify({
    type: 'odds.line',
    ts,
    recv_ts: ts + 3,
    source: 'boltodds',
    book,
    sport: 'nba',
    event: `nba-2026-02-${String(day).padStart(2, '0')}-den-mem`,
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: 1769385600000 + game * 86400000,
    home_odds: Math.round(h * 1e4) / 1e4,
    away_odds: Math.round(a * 1e4) / 1e4,
    home_ts: ts - 5000,
    away_ts: ts - 2000,
  });
}

export function writeLines(file: string, n: number, make: (i: number) => string): void {
  const fd = openSync(file, 'w');
  let buf: string[] = [];
  for (let i = 0; i < n; i++) {
    buf.push(make(i));
    if (buf.length === 10000) {
      writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) writeSync(fd, buf.join('\n') + '\n');
  closeSync(fd);
}

/** records/s of JSON.parse + JSON.stringify over the file's lines, in-process. */
export function parseStringifyLimit(file: string): number {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  let acc = 0;
  // one warm-up pass over a slice, then the timed pass over every line
  for (let i = 0; i < Math.min(lines.length, 100000); i++) acc += JSON.stringify(JSON.parse(lines[i]!)).length;
  const t0 = process.hrtime.bigint();
  for (const l of lines) acc += JSON.stringify(JSON.parse(l)).length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (acc === 0) throw new Error('unreachable');
  return lines.length / s;
}

export interface Timed {
  seconds: number;
  code: number | null;
  stdoutBytes: number;
  stderr: string;
}

/**
 * Run a built command with stdin from a file and stdout into a pipe we drain (as in a
 * pipeline), timing from spawn to exit.
 */
export function timeCommand(cmd: string, args: string[], stdinFile: string | null, env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return timeProcess(process.execPath, [`${BIN}/${cmd}`, ...args], stdinFile, env);
}

export function timeProcess(exe: string, args: string[], stdinFile: string | null, env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const fd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    const t0 = process.hrtime.bigint();
    const child = spawn(exe, args, { stdio: [fd, 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let bytes = 0;
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => {
      bytes += b.length;
    });
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (typeof fd === 'number') closeSync(fd);
      resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, code, stdoutBytes: bytes, stderr: Buffer.concat(err).toString() });
    });
  });
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}
