// The stderr logger, pino-shaped: one JSON object per line with a numeric `level`, `time`
// (epoch ms, from the injected clock), `cmd`, `msg` and, for errors, `err`. Disabled
// levels cost one comparison. A caller field (or child binding) whose name is already taken
// on the line (`level`, `time`, `cmd`, `msg`, or a binding) is never dropped: it is written
// as `field_<name>` (e.g. Kalshi's error text `msg` becomes `field_msg`). Repeated messages go through limited(): at most one line
// per key per interval, then a summary line with the count it held back.
import { writeSync } from 'node:fs';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { Redactor } from './redact.js';

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;
export const LEVEL_NAMES = [...(Object.keys(LEVELS) as LevelName[]), 'silent'] as const;
export type LevelSetting = LevelName | 'silent';

export type LogFields = Record<string, unknown>;

export interface LogSink {
  write(line: string): void;
}

/** Writes synchronously to fd 2 so a crash never loses the line that explains it. */
export class StderrSink implements LogSink {
  write(line: string): void {
    try {
      writeSync(2, line);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') process.stderr.write(line);
      // EPIPE / EBADF: nobody is reading stderr; nothing more we can do.
    }
  }
}

/** Collects lines in memory (tests, budget checks). */
export class MemorySink implements LogSink {
  lines: string[] = [];
  bytes = 0;
  write(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line);
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface LoggerOptions {
  cmd: string;
  level?: LevelSetting;
  clock: Clock;
  sink?: LogSink;
  redactor?: Redactor;
  /** Interval of limited() messages, ms (default 60 s). */
  throttleMs?: number;
}

interface Held {
  level: number;
  msg: string;
  fields: LogFields | undefined;
  written: number;
  suppressed: number;
  timer: TimerHandle | undefined;
}

interface Shared {
  cmd: string;
  clock: Clock;
  sink: LogSink;
  redactor: Redactor;
  throttleMs: number;
  threshold: number;
  held: Map<string, Held>;
  bytes: number;
  lines: number;
  suppressed: number;
  /** Set while lines wait for a time (deferUntilTimed): returns the time once there is one. */
  timeOf: (() => number | undefined) | undefined;
  deferred: LogFields[];
}

export class Logger {
  private readonly s: Shared;
  private readonly bindings: LogFields | undefined;

  constructor(opts: LoggerOptions);
  constructor(shared: Shared, bindings: LogFields);
  constructor(a: LoggerOptions | Shared, bindings?: LogFields) {
    if ('held' in a) {
      this.s = a;
      this.bindings = bindings;
    } else {
      this.s = {
        cmd: a.cmd,
        clock: a.clock,
        sink: a.sink ?? new StderrSink(),
        redactor: a.redactor ?? new Redactor(),
        throttleMs: a.throttleMs ?? 60_000,
        threshold: thresholdOf(a.level ?? 'info'),
        held: new Map(),
        bytes: 0,
        lines: 0,
        suppressed: 0,
        timeOf: undefined,
        deferred: [],
      };
      this.bindings = undefined;
    }
  }

  /** A logger whose lines carry these fields too (e.g. `{component: 'ws'}`). */
  child(bindings: LogFields): Logger {
    return new Logger(this.s, { ...this.bindings, ...bindings });
  }

  setLevel(level: LevelSetting): void {
    this.s.threshold = thresholdOf(level);
  }

  setThrottle(ms: number): void {
    this.s.throttleMs = ms;
  }

  get redactor(): Redactor {
    return this.s.redactor;
  }

  /** Lines held back by throttling so far (log_suppressed_total). */
  get suppressedTotal(): number {
    return this.s.suppressed;
  }

  /** Bytes and lines written so far (log-volume budget). */
  get volume(): { bytes: number; lines: number } {
    return { bytes: this.s.bytes, lines: this.s.lines };
  }

  enabled(level: LevelName): boolean {
    return LEVELS[level] >= this.s.threshold;
  }

  trace(msg: string, fields?: LogFields): void {
    this.log(10, msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.log(20, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log(30, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log(40, msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log(50, msg, fields);
  }
  fatal(msg: string, fields?: LogFields): void {
    this.log(60, msg, fields);
  }
  /** An operator must act (a source is down, trading is refused). Level 60, `critical: true`. */
  critical(msg: string, fields?: LogFields): void {
    this.log(60, msg, { critical: true, ...fields });
  }

  /**
   * Rate-limited logging: the first `burst` lines for `key` in an interval are written,
   * later ones are counted; when the interval ends a summary line says how many were held
   * back (`suppressed`). A steady stream of one message costs burst + 1 lines per interval.
   */
  limited(level: LevelName, key: string, msg: string, fields?: LogFields, burst = 1): void {
    const lv = LEVELS[level];
    if (lv < this.s.threshold) return;
    const fullKey = this.bindings ? `${JSON.stringify(this.bindings)}|${key}` : key;
    const held = this.s.held.get(fullKey);
    if (held) {
      if (held.written < burst) {
        held.written++;
        this.log(lv, msg, fields);
        return;
      }
      held.suppressed++;
      this.s.suppressed++;
      held.msg = msg;
      held.fields = fields;
      return;
    }
    this.log(lv, msg, fields);
    const entry: Held = { level: lv, msg, fields, written: 1, suppressed: 0, timer: undefined };
    this.s.held.set(fullKey, entry);
    entry.timer = this.s.clock.setTimeout(() => this.release(fullKey, key), this.s.throttleMs);
    this.s.clock.unref?.(entry.timer);
  }

  /**
   * Until `timeOf` returns a time, lines are kept back; then they are written, in order,
   * stamped with that time (a replay's log lines before its first record carry the first
   * record's time, not the clock's unanchored 0). writeDeferred() ends the wait.
   */
  deferUntilTimed(timeOf: () => number | undefined): void {
    this.s.timeOf = timeOf;
  }

  /** Write the deferred lines now, stamped with `time`, and stop deferring. */
  writeDeferred(time: number): void {
    this.s.timeOf = undefined;
    const lines = this.s.deferred;
    this.s.deferred = [];
    for (const obj of lines) {
      obj.time = time;
      this.emit(obj);
    }
  }

  /** Write the summaries of every held-back message now (at exit). */
  flushHeld(): void {
    for (const [fullKey, h] of [...this.s.held]) {
      this.s.clock.clear(h.timer);
      this.s.held.delete(fullKey);
      if (h.suppressed > 0) this.log(h.level, h.msg, { ...h.fields, suppressed: h.suppressed, throttle_key: keyOf(fullKey) });
    }
  }

  private release(fullKey: string, key: string): void {
    const h = this.s.held.get(fullKey);
    if (!h) return;
    this.s.held.delete(fullKey);
    if (h.suppressed > 0) {
      this.log(h.level, h.msg, { ...h.fields, suppressed: h.suppressed, throttle_key: key, window_ms: this.s.throttleMs });
    }
  }

  private log(level: number, msg: string, fields?: LogFields): void {
    if (level < this.s.threshold) return;
    const r = this.s.redactor;
    const obj: LogFields = { level, time: this.s.clock.now(), cmd: this.s.cmd, msg: r.string(msg) };
    if (this.bindings) putAll(obj, r.value(this.bindings) as LogFields);
    if (fields) putAll(obj, r.value(fields) as LogFields); // Error values become pino's err shape
    if (this.s.timeOf) {
      const t = this.s.timeOf();
      if (t === undefined) {
        this.s.deferred.push(obj);
        return;
      }
      this.writeDeferred(t);
    }
    this.emit(obj);
  }

  private emit(obj: LogFields): void {
    const line = JSON.stringify(obj) + '\n';
    this.s.bytes += Buffer.byteLength(line);
    this.s.lines++;
    this.s.sink.write(line);
  }
}

/** Copies the defined fields into `obj`; a name already taken is written as `field_<name>`. */
function putAll(obj: LogFields, fields: LogFields): void {
  for (const k in fields) {
    if (fields[k] === undefined) continue;
    let key = k;
    while (key in obj) key = `field_${key}`;
    obj[key] = fields[k];
  }
}

function keyOf(fullKey: string): string {
  const i = fullKey.indexOf('}|');
  return i >= 0 ? fullKey.slice(i + 2) : fullKey;
}

function thresholdOf(level: LevelSetting): number {
  return level === 'silent' ? Infinity : LEVELS[level];
}
