// The one skeleton every command shares (after ndjson-cli): options (command-specific
// plus the common ones), help that leads with examples, --version, config + profile +
// flags, the run manifest as the first record, the stderr logger, metrics, signals,
// EPIPE, the exit summary and exit codes. A command file supplies a CommandSpec and
// nothing else of this.
import { accessSync, constants as fsConstants, createWriteStream, mkdirSync, openSync, statSync, type WriteStream } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ReplayClock, SystemClock, type Clock } from '../clock/clock.js';
import { ConfigError, fingerprint as configFingerprint, loadConfig, type LoadedConfig, type Plain } from '../config/load.js';
import { buildManifest, checkRunDir, packageVersion, provenance, writeRunDir } from '../config/manifest.js';
import type { Config } from '../config/schema.js';
import { SECRET_ENV, Secrets, type SecretName } from '../config/secrets.js';
import { LEVEL_NAMES, Logger, type LevelSetting } from '../log/logger.js';
import { Metrics } from '../log/metrics.js';
import { isSecretKey, Redactor } from '../log/redact.js';
import type { AnyRecord, RecordType, RunManifest } from '../schema/records.js';
import { Decoder, StrictModeError, type Decoded, type RejectSink } from '../stream/decoder.js';
import { readInputs, UnsortedInputError, type InputOrder } from '../stream/inputs.js';
import { LineWriter } from '../stream/writer.js';
import { summaryOf, type CommandName } from './registry.js';

// ---------------------------------------------------------------- exit codes

export const EXIT = { OK: 0, RUNTIME: 1, USAGE: 2, REFUSED: 3 } as const;

/** A usage or configuration problem found by a command: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Refused for safety (a live-mode gate, a kill switch, Kelly without sign-off): exit 3. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedError';
  }
}

// ---------------------------------------------------------------- option parsers

export function intOption(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError('expected an integer');
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

export function numberOption(min = -Infinity, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
    if (n < min || n > max) throw new InvalidArgumentError(`expected a number in [${min}, ${max}]`);
    return n;
  };
}

/** One of `values`, exactly as written (an enum option: --method, --policy, --tier...). */
export function enumOption<T extends string>(values: readonly T[]) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return v as T;
  };
}

export function listOption(v: string, prev: string[] | undefined): string[] {
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...(prev ?? []), ...items];
}

// ---------------------------------------------------------------- specs

export interface Example {
  cmd: string;
  what: string;
}

export interface CommonOptions {
  config?: string;
  profile?: string;
  logLevel?: LevelSetting;
  metrics?: string;
  metricsEvery?: number;
  runDir?: string;
  strict?: boolean;
  reject?: string;
  replay?: boolean;
  maxLineBytes?: number;
}

export type Output = 'ndjson' | 'text' | 'none';

export interface CommandSpec<O extends object = Record<string, unknown>> {
  /** Registry name, or the subcommand word under its parent. */
  name: string;
  /** Positional arguments in commander syntax, e.g. `[files...]`. */
  args?: string;
  /** Overrides the registry summary (subcommands). */
  summary?: string;
  /** What it does, in a few short paragraphs (help and man page). */
  description: string;
  examples: Example[];
  /**
   * 'ndjson': stdout is a record stream and its first record is the run manifest.
   * 'text': stdout is text/CSV; the manifest goes to the log (and --run-dir).
   * 'none': nothing on stdout (e.g. validate --quiet); the manifest goes to the log.
   * A function decides from the parsed options.
   */
  output: Output | ((opts: O & CommonOptions) => Output);
  /** Reads a record stream: adds --strict, --reject, --replay, --max-line-bytes. */
  input?: boolean;
  /**
   * True when this run replays a recording of its own (feed-boltodds --from-raw): the
   * command gets a ReplayClock (ctx.replayClock) to drive from the recorded receive
   * times, as --replay does for input commands, so logs and records are deterministic.
   */
  replays?(opts: O & CommonOptions): boolean;
  /**
   * The files this run will read (from its options and arguments; `-` is stdin). Each is
   * checked before any output: a missing or unreadable one is a usage error (exit 2).
   */
  inputFiles?(opts: O & CommonOptions, args: string[]): Array<string | undefined>;
  /** Secrets this command reads (documented under ENVIRONMENT). */
  secrets?: SecretName[];
  /** Extra man-page sections, e.g. { 'FILES': '...' }. */
  sections?: Record<string, string>;
  options?(cmd: Command): void;
  /** Flags mapped onto config keys, so the resolved config (and fingerprint) is what ran. */
  overrides?(opts: O & CommonOptions): Plain;
  run?(ctx: Ctx<O>): Promise<number | void>;
  subcommands?: CommandSpec<any>[];
}

// ---------------------------------------------------------------- record output

/** stdout as a record stream, counted by type; writes the manifest before anything else. */
export class RecordOut {
  readonly byType = new Map<string, number>();
  private preamble: (() => object) | undefined;

  constructor(readonly writer: LineWriter) {}

  /** Set the record written before the first line (the run manifest). */
  setPreamble(make: () => object): void {
    this.preamble = make;
  }

  /** Write the preamble now if it has not been written. */
  start(): void {
    if (this.preamble) {
      const make = this.preamble;
      this.preamble = undefined;
      this.record(make() as { type: string });
    }
  }

  record(rec: { type: string }): void {
    if (this.preamble) this.start();
    this.count(rec.type);
    this.writer.writeLine(JSON.stringify(rec));
  }

  /** Pass an input line through verbatim (records this stage does not consume, or consumed and passed on). */
  passThrough(line: string, type: string): void {
    if (this.preamble) this.start();
    this.count(type);
    this.writer.writeLine(line);
  }

  get total(): number {
    let n = 0;
    for (const v of this.byType.values()) n += v;
    return n;
  }

  private count(type: string): void {
    this.byType.set(type, (this.byType.get(type) ?? 0) + 1);
  }
}

// ---------------------------------------------------------------- context

export interface Where {
  source: string;
  line: number;
  raw: string;
  /** Position of the input in the list given to readRecords (0-based). */
  input?: number;
}

export interface ReadRecordsOptions {
  /**
   * 'concat' (default): the inputs one after another. 'arrival': all at once, each record
   * handled as soon as its line arrives (a quiet input never holds back another; each
   * input keeps its line order; inputs take turns by chunk, so onChunkEnd and stdout
   * backpressure hold back every input). 'time': the stable merge by (time, input, line)
   * of inputs each in time order, as ndcat --merge; an input out of order ends the run
   * with exit 1 naming its source:line (UnsortedInputError), a record without a valid
   * time is a bad line (no-ts, bad-ts). See src/stream/inputs.ts.
   */
  order?: InputOrder;
  /** 'time': each input may run late by up to this many ms, put back in order in a bounded buffer. */
  slackMs?: number;
  /** Stop reading when this aborts too (the command's own reason to stop, e.g. a fatal venue error). */
  signal?: AbortSignal;
}

export interface RecordHandler {
  /** Types validated and handed to onRecord; others pass through verbatim unless onOther is given. */
  consume: ReadonlySet<RecordType> | 'all';
  onRecord(record: AnyRecord, where: Where): void;
  onOther?(d: Extract<Decoded, { kind: 'other' }>, where: Where): void;
  /** After each input chunk (batch commits); awaited before more input is read. */
  onChunkEnd?(): Promise<void> | void;
}

export interface Ctx<O extends object = Record<string, unknown>> {
  /** `devig`, or `ledger append` for a subcommand. */
  readonly name: string;
  readonly opts: O & CommonOptions;
  readonly args: string[];
  readonly config: Config;
  readonly profile: string;
  readonly fingerprint: string;
  readonly clock: Clock;
  /** Set when --replay: advance it from the data. */
  readonly replayClock: ReplayClock | undefined;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly secrets: Secrets;
  /**
   * Every secret of this run. stdout, the log, --metrics, --reject and --run-dir already
   * pass through it; a command writing a file of its own (a raw recording) gives its
   * LineWriter `redact: ctx.redactor`.
   */
  readonly redactor: Redactor;
  /** stdout as records ('ndjson' commands). */
  readonly out: RecordOut;
  /** stdout as text ('text' commands); whole lines, same backpressure rules. */
  readonly text: LineWriter;
  /** Aborted on SIGINT/SIGTERM or when our reader went away (EPIPE). */
  readonly signal: AbortSignal;
  readonly manifest: () => RunManifest;
  /** Extra fields for the exit summary. */
  readonly summary: Record<string, unknown>;
  /**
   * Read records from files (`-` or none = stdin; FIFOs too), in the order opts.order
   * says (default: one file after another). Consumed types are validated and handed to
   * onRecord; others pass through unchanged. Under --replay the clock is advanced to each
   * record's replay time (recv_ts, else ts) first: timers fire before same-time data.
   */
  readRecords(files: string[], handler: RecordHandler, opts?: ReadRecordsOptions): Promise<void>;
  /** The decoder for commands that read lines themselves (ndcat --merge); counted in the summary. */
  makeDecoder(consume: ReadonlySet<RecordType> | 'all'): Decoder;
  /** Report a record the command cannot use (counted and kept like a bad line). */
  reject(where: Where, reason: string, detail: string): void;
  /** Counts of everything read so far. */
  readonly decoder: Decoder | undefined;
}

// ---------------------------------------------------------------- building the commander tree

function addCommonOptions(cmd: Command, spec: CommandSpec<any>): void {
  const o = (flags: string, desc: string): Option => new Option(flags, desc);
  cmd.optionsGroup('Common options:');
  cmd.addOption(o('--config <file>', `config file (default: ./chimera.config.json if present)`));
  cmd.addOption(o('--profile <name>', 'config profile: shadow-control, shadow-experiment, live, or one the file defines'));
  cmd.addOption(o('--log-level <level>', 'lowest log level written to stderr').choices([...LEVEL_NAMES]));
  cmd.addOption(o('--metrics <file>', 'append metric records to FILE every --metrics-every ms'));
  cmd.addOption(o('--metrics-every <ms>', 'metrics interval in ms (config metrics.every_ms, default 10000)').argParser(intOption(100)));
  cmd.addOption(o('--run-dir <dir>', 'write the run manifest and a copy of the resolved config (mode 0400, secrets masked) to DIR'));
  if (spec.input) {
    cmd.addOption(o('--strict', 'exit 1 at the first bad input line instead of skipping it'));
    cmd.addOption(o('--reject <file>', 'append bad input lines, verbatim, to FILE (of a line over --max-line-bytes, its first 120 bytes)'));
    cmd.addOption(o('--replay', 'drive the clock from the records (recv_ts, else ts): deterministic, byte-identical reruns'));
    cmd.addOption(o('--max-line-bytes <n>', 'reject longer lines (config stream.max_line_bytes)').argParser(intOption(1024)));
  }
}

function helpHeader(spec: CommandSpec<any>, full: string): string {
  const summary = spec.summary ?? summaryOf(full as CommandName);
  const ex = spec.examples.map((e) => `  $ ${e.cmd}\n      ${e.what}`).join('\n');
  return `${full} - ${summary}\n\nExamples:\n${ex}\n`;
}

const EXIT_HELP = `
Exit status:
  0  success (also when the reader of stdout went away, e.g. | head)
  1  runtime or data error (and --strict on a bad line)
  2  usage or configuration error
  3  refused for safety (live-mode gate, kill switch, Kelly without sign-off)
`;

const SPEC_OF = new WeakMap<Command, { spec: CommandSpec<any>; full: string }>();

/** The commander tree for a spec (also used to generate the man page). */
export function buildCommand(spec: CommandSpec<any>, parent?: string): Command {
  const full = parent ? `${parent} ${spec.name}` : spec.name;
  const cmd = new Command(spec.name);
  SPEC_OF.set(cmd, { spec, full });
  cmd.description(reflow(spec.description));
  if (spec.summary) cmd.summary(spec.summary); // the parent's list of subcommands shows this line
  if (spec.args) cmd.arguments(spec.args);
  cmd.helpOption('-h, --help', 'show this help');
  cmd.addHelpText('before', helpHeader(spec, full)); // 'beforeAll' would repeat the parent's header in a subcommand's help
  cmd.addHelpText('after', EXIT_HELP + envHelp(spec));
  cmd.showHelpAfterError('(run with --help for usage and examples)');
  cmd.configureHelp({ sortOptions: false, showGlobalOptions: false });
  cmd.exitOverride();
  if (spec.subcommands) {
    for (const sub of spec.subcommands) cmd.addCommand(buildCommand(sub, full));
    cmd.version(`${full} ${packageVersion()}`, '-V, --version', 'print the version');
    return cmd;
  }
  cmd.optionsGroup('Options:');
  spec.options?.(cmd);
  addCommonOptions(cmd, spec);
  cmd.version(`${full} ${packageVersion()}`, '-V, --version', 'print the version');
  return cmd;
}

/** Source text is hard-wrapped for reading; help and man pages re-wrap paragraphs. */
export function reflow(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .join('\n\n');
}

function envHelp(spec: CommandSpec<any>): string {
  if (!spec.secrets?.length) return '';
  const lines = spec.secrets.map((s) => `  ${s.padEnd(24)} ${SECRET_ENV[s]} (or ${s}_FILE: a file holding it)`);
  return `\nEnvironment:\n${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- running

/** Parse argv, run the command, exit with its status. Never returns. */
export async function runCommand(spec: CommandSpec<any>, argv: string[]): Promise<never> {
  // An error nobody caught is logged like any other (redacted: its message may quote a
  // server), not printed raw by Node; exit 1 as Node would.
  const crash = (e: unknown): void => {
    if (onCrash) onCrash(e);
    else writeQuiet(2, URL_MASK.string(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`));
    process.exit(EXIT.RUNTIME);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  const code = await execute(spec, argv);
  process.exit(code);
}

/** Set by the running command: how an uncaught error is logged (through its redactor). */
let onCrash: ((e: unknown) => void) | undefined;

/** Everything runCommand does, returning the exit code (tests call this in-process). */
export async function execute(rootSpec: CommandSpec<any>, argv: string[]): Promise<number> {
  const root = buildCommand(rootSpec);
  let chosen: Command | undefined;
  const leaves = (c: Command): void => {
    if (c.commands.length === 0)
      c.action((...args: unknown[]) => {
        chosen = args[args.length - 1] as Command;
      });
    for (const sub of c.commands) leaves(sub);
  };
  leaves(root);
  root.configureOutput({
    writeOut: (s) => {
      writeQuiet(1, s);
    },
    writeErr: (s) => {
      writeQuiet(2, URL_MASK.string(s));
    }, // a usage error may quote a --url with its key
  });
  try {
    await root.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw e;
  }
  const leaf = chosen ? SPEC_OF.get(chosen) : undefined;
  if (!chosen || !leaf?.spec.run) {
    root.outputHelp({ error: true });
    return EXIT.USAGE;
  }
  return runLeaf(leaf.spec, chosen, leaf.full, argv);
}

/** Masks credentials in URL query strings (nothing is registered before the options are parsed). */
const URL_MASK = new Redactor();

function writeQuiet(fd: 1 | 2, s: string): void {
  try {
    (fd === 1 ? process.stdout : process.stderr).write(s);
  } catch {
    // the reader went away; nothing to do
  }
}

async function runLeaf(spec: CommandSpec<any>, cmd: Command, full: string, argv: string[]): Promise<number> {
  const opts = cmd.opts() as CommonOptions & Record<string, unknown>;
  const args = cmd.args;
  const output: Output = typeof spec.output === 'function' ? spec.output(opts) : spec.output;
  // Every secret is registered before the first byte leaves: a flag named like one (sim
  // --key), a credential inside a URL flag (--url 'ws://h/x?key=...'), the command's env
  // secrets and key files; after the config is loaded, credentials in its URLs. Every
  // output (stdout, log, --metrics, --reject, --run-dir, raw recordings) passes through it.
  const redactor = new Redactor();
  const urlCreds = new Set<string>();
  for (const [k, v] of Object.entries(opts)) {
    const flag = k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`); // keyId -> key-id
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x !== 'string') continue;
      if (isSecretKey(k) || isSecretKey(flag.replace(/-/g, '_'))) redactor.add(x);
      for (const name of redactor.addFromUrl(x)) urlCreds.add(`--${flag} ${name}=`);
    }
  }
  const secrets = new Secrets(redactor);
  secrets.preload(spec.secrets ?? []);
  const systemClock = new SystemClock();
  const replayClock = (spec.input && opts.replay) || spec.replays?.(opts as never) ? new ReplayClock() : undefined;
  const clock: Clock = replayClock ?? systemClock;
  const log = new Logger({ cmd: full, clock, redactor, level: opts.logLevel ?? 'info' });
  onCrash = (e) => log.fatal('uncaught error: exiting', { err: e });
  const controller = new AbortController();
  const started = systemClock.now();

  // --- config
  let loaded: LoadedConfig;
  try {
    const common: Plain = {};
    if (opts.logLevel) common.log = { level: opts.logLevel };
    if (opts.metricsEvery !== undefined) common.metrics = { every_ms: opts.metricsEvery };
    if (opts.maxLineBytes !== undefined) common.stream = { max_line_bytes: opts.maxLineBytes };
    const overrides = mergePlain(common, spec.overrides?.(opts) ?? {});
    loaded = loadConfig({
      ...(opts.config !== undefined ? { file: opts.config } : {}),
      ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
      overrides,
    });
  } catch (e) {
    log.error((e as Error).message, { reason: 'config' });
    return EXIT.USAGE;
  }
  const config = loaded.config;
  // A replay's clock has no time until its first record: lines logged before then wait
  // for it (they are stamped with the first record's time, not 0).
  if (replayClock) log.deferUntilTimed(() => replayClock.anchoredAt);
  log.setLevel(config.log.level);
  log.setThrottle(config.log.throttle_ms);
  forEachString(config, (path, v) => {
    for (const name of redactor.addFromUrl(v)) urlCreds.add(`${path} ${name}=`);
  });
  if (urlCreds.size) {
    log.warn('a URL carries a credential: it is a secret from here on, masked in every output; keys belong in the environment', { where: [...urlCreds] });
  }
  // The fingerprint is of the config without secrets: a key inside a URL does not count.
  const fingerprint = redactor.size ? configFingerprint(redactor.json(config)) : loaded.fingerprint;

  // --- stdout
  // The reader going away (EPIPE) is a normal end; any other write failure (a full disk,
  // an I/O error) loses output and ends the run with exit 1.
  let ioFailed = false;
  const ioError =
    (what: string) =>
    (err: Error): void => {
      // A full disk or an I/O error is expected: its message, not a stack trace.
      if (!ioFailed) log.error(`cannot write ${what}: output is lost from here`, isSystemError(err) ? { code: err.code, detail: err.message } : { err });
      ioFailed = true;
      if (!controller.signal.aborted) controller.abort('output-error');
    };
  const writer = new LineWriter(process.stdout, {
    signal: controller.signal,
    onClosed: () => {
      if (!controller.signal.aborted) controller.abort('epipe');
    },
    onError: ioError('stdout'),
    redact: redactor,
  });
  const out = new RecordOut(writer);

  // --- manifest
  let manifest: RunManifest | undefined;
  const makeManifest = (): RunManifest => {
    manifest ??= buildManifest({ cmd: full, profile: loaded.profile, fingerprint, argv: argv.map((a) => redactor.string(a)), startedTs: clock.now() });
    return manifest;
  };
  /** The replay clock has its first time: the manifest is stamped with it. */
  const announceRun = (): void => {
    const m = makeManifest();
    if (output !== 'ndjson') log.info('run', { manifest: m });
  };
  const p = provenance();
  if (p.from === 'git' && p.build_commit && p.commit && p.build_commit !== p.commit) {
    log.warn('dist/ was built from another commit than the checkout; run make build', { build_commit: p.build_commit, commit: p.commit });
  }

  // --- metrics
  const metrics = new Metrics();
  let metricsFile: WriteStream | undefined;
  const flushMetrics = (): void => {
    if (!metricsFile) return;
    // The stream counters are derived from the decoder's and writer's own counts.
    const counts = decoder?.counts;
    if (counts) {
      for (const [type, n] of counts.byType) metrics.counter('records_in_total', { type }).set(n);
      for (const [reason, n] of counts.rejected) metrics.counter('records_rejected_total', { reason }).set(n);
    }
    for (const [type, n] of out.byType) metrics.counter('records_out_total', { type }).set(n);
    metrics.counter('log_suppressed_total').set(log.suppressedTotal);
    const recs = metrics.snapshot(clock.now());
    if (recs.length) metricsFile.write(recs.map((r) => redactor.line(JSON.stringify(r))).join('\n') + '\n');
  };

  // --- reject file
  let rejectFile: WriteStream | undefined;
  const rejectSink: RejectSink | undefined = opts.reject ? { reject: (raw) => rejectFile!.write(redactor.text(raw) + '\n') } : undefined;

  // --- signals
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn('second signal: exiting now', { signal: sig });
      log.writeDeferred(clock.now());
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    log.info('stopping', { signal: sig });
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const summary: Record<string, unknown> = {};
  let decoder: Decoder | undefined;
  let code: number;
  let metricsTimer: ReturnType<Clock['setInterval']> | undefined;

  try {
    if (opts.metrics) {
      metricsFile = openAppend(opts.metrics, '--metrics', ioError('the metrics file'));
      metricsTimer = clock.setInterval(flushMetrics, config.metrics.every_ms);
      clock.unref?.(metricsTimer);
    }
    if (opts.reject) rejectFile = openAppend(opts.reject, '--reject', ioError('the reject file'));
    // Everything the user named is checked before the first byte of output: a missing
    // input or a used run dir is a usage error (exit 2), not a manifest and then a failure.
    for (const f of spec.inputFiles?.(opts as never, args) ?? []) if (f !== undefined) checkReadable(f);
    if (opts.runDir) {
      // Under --replay the manifest time is the first record's; freeze it at exit then
      // (a used or unwritable run dir is refused now, not after the work).
      prepareRunDir(opts.runDir, full);
      if (!replayClock) runDirIo(opts.runDir, () => writeRunDir(opts.runDir!, makeManifest(), config, redactor));
    }
    if (output === 'ndjson') {
      if (replayClock)
        out.setPreamble(makeManifest); // stamped with the first record's time
      else out.record(makeManifest());
    }
    // A text command logs its manifest; under --replay once the first record gives the time.
    if (output !== 'ndjson' && !replayClock) log.info('run', { manifest: makeManifest() });

    const ctx: Ctx<any> = {
      name: full,
      opts,
      args,
      config,
      profile: loaded.profile,
      fingerprint,
      clock,
      replayClock,
      log,
      metrics,
      secrets,
      redactor,
      out,
      text: writer,
      signal: controller.signal,
      manifest: makeManifest,
      summary,
      get decoder() {
        return decoder;
      },
      makeDecoder: (consume) => {
        decoder ??= new Decoder({
          log,
          consume,
          strict: opts.strict === true,
          diagnosticsBurst: config.stream.diagnostics_burst,
          ...(rejectSink ? { rejectSink } : {}),
        });
        return decoder;
      },
      readRecords: async (files, handler, ro) => {
        decoder ??= ctx.makeDecoder(handler.consume);
        const inputs = files.length ? files : ['-'];
        const order = ro?.order ?? 'concat';
        if (order !== 'concat' && inputs.filter((f) => f === '-').length > 1) throw new UsageError('stdin (-) can be read once only');
        const { unsorted } = await readInputs(
          inputs,
          {
            record(d, where) {
              if (d.kind === 'record') handler.onRecord(d.record, where);
              else if (handler.onOther) handler.onOther(d, where);
              else out.passThrough(where.raw, d.type);
            },
            async chunkEnd() {
              if (handler.onChunkEnd) await handler.onChunkEnd();
              if (writer.backpressured) await writer.ready();
            },
          },
          {
            order,
            decoder,
            signal: ro?.signal ? AbortSignal.any([controller.signal, ro.signal]) : controller.signal,
            maxLineBytes: config.stream.max_line_bytes,
            onAnchor: announceRun,
            ...(replayClock ? { replayClock } : {}),
            ...(ro?.slackMs ? { slackMs: ro.slackMs } : {}),
          },
        );
        if (unsorted > 0) {
          summary.unsorted_ts = ((summary.unsorted_ts as number | undefined) ?? 0) + unsorted;
          log.warn(
            'input not in time order under --replay (recv_ts, else ts): the clock never runs backwards, so those records were handled at the latest time seen',
            { records: unsorted },
          );
        }
      },
      reject: (where, reason, detail) => {
        if (!decoder) throw new Error('reject() before readRecords()');
        decoder.bad(where.raw, where.source, where.line, reason, detail);
      },
    };
    const r = await spec.run!(ctx);
    code = typeof r === 'number' ? r : EXIT.OK;
  } catch (e) {
    code = exitCodeOf(e, log);
  }

  // --- shutdown: every output flushed, then the summary
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // A replay that never saw a timed record has no record time: it takes the wall time of
  // its end, so its manifest and log lines say when it ran rather than 1970.
  if (replayClock) {
    if (!replayClock.isAnchored) replayClock.advanceTo(systemClock.now());
    log.writeDeferred(replayClock.anchoredAt!);
  }
  try {
    if (output === 'ndjson' && code !== EXIT.USAGE) out.start(); // an empty run still says what ran
    if (signals === 0) await writer.close();
    else if (!(await drainedWithin(writer.close(), STOP_GRACE_MS, systemClock))) {
      // Stopped by a signal while the reader of stdout is not reading: what it has taken is
      // delivered; the rest cannot be, and waiting for it would ignore the signal.
      summary.undelivered_bytes = writer.undelivered;
      log.error('stopped with output the reader of stdout did not take: it is lost (the last line may be cut)', {
        undelivered_bytes: writer.undelivered,
        waited_ms: STOP_GRACE_MS,
      });
      if (code === EXIT.OK) code = EXIT.RUNTIME;
    }
    if (opts.runDir && replayClock && code !== EXIT.USAGE) runDirIo(opts.runDir, () => writeRunDir(opts.runDir!, makeManifest(), config, redactor));
  } catch (e) {
    code = code || exitCodeOf(e, log);
  }
  clock.clear(metricsTimer);
  flushMetrics();
  await endStream(metricsFile);
  await endStream(rejectFile);
  if (ioFailed && code === EXIT.OK) code = EXIT.RUNTIME;
  log.flushHeld();
  if (spec.input || Object.keys(summary).length) {
    const counts = decoder?.counts;
    log.info('summary', {
      in: counts?.in ?? 0,
      out: output === 'text' ? writer.lines : out.total,
      rejected: decoder?.rejectedTotal ?? 0,
      ...(counts && counts.rejected.size ? { rejected_by_reason: Object.fromEntries(counts.rejected) } : {}),
      ...(counts && counts.blank ? { blank: counts.blank } : {}),
      ...(counts ? { in_by_type: Object.fromEntries(counts.byType) } : {}),
      out_by_type: Object.fromEntries(out.byType),
      ...summary,
      exit: code,
      // wall time would make two replays differ; a replay's logs are its clock's only
      ...(replayClock ? {} : { elapsed_ms: systemClock.now() - started }),
      ...(controller.signal.aborted ? { stopped_by: String(controller.signal.reason) } : {}),
    });
  }
  return code;
}

/** After a signal, how long stdout may take to drain before the run ends without it. */
const STOP_GRACE_MS = 2000;

/** True when `closing` resolves within `ms` of wall time. */
async function drainedWithin(closing: Promise<void>, ms: number, clock: Clock): Promise<boolean> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), ms);
  });
  const ok = await Promise.race([closing.then(() => true), late]);
  clock.clear(timer);
  return ok;
}

function exitCodeOf(e: unknown, log: Logger): number {
  if (e instanceof UnsortedInputError) {
    log.error(`input not in time order${e.slackMs ? ` within the ${e.slackMs} ms slack` : ''}; each input must be in time order (recv_ts, else ts)`, {
      src: `${e.source ?? `input ${e.stream + 1}`}:${e.line}`,
      record_time: e.ts,
      previous_time: e.prevTs,
    });
    return EXIT.RUNTIME;
  }
  if (e instanceof StrictModeError) {
    log.error('bad input line (--strict)', { src: e.where, reason: e.reason, detail: e.detail });
    return EXIT.RUNTIME;
  }
  if (e instanceof ConfigError || e instanceof UsageError) {
    log.error(e.message, { reason: e instanceof ConfigError ? 'config' : 'usage' });
    return EXIT.USAGE;
  }
  if (e instanceof RefusedError) {
    log.critical(e.message, { reason: 'refused' });
    return EXIT.REFUSED;
  }
  if (isSystemError(e)) {
    // An expected failure of the system (no such file, read-only directory, full disk):
    // the message says it all; a stack trace would only hide it.
    log.error(e.message, { reason: 'io', code: e.code });
    return EXIT.RUNTIME;
  }
  log.error('failed', { err: e });
  return EXIT.RUNTIME;
}

/** A Node system error (ENOENT, EACCES, EROFS, ENOSPC...): an errno code and the call that failed. */
function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  const x = e as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof x?.code === 'string' && /^E[A-Z0-9]+$/.test(x.code) && typeof x.syscall === 'string';
}

/** An input file the user named must exist and be readable (`-` is stdin). */
export function checkReadable(file: string): void {
  if (file === '-') return;
  let why: string | undefined;
  try {
    if (statSync(file).isDirectory()) why = 'is a directory';
    else accessSync(file, fsConstants.R_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
  }
  if (why !== undefined) throw new UsageError(`${file}: cannot read: ${why}`);
}

/** --run-dir: created if missing, writable, not used by an earlier run of this command. */
function prepareRunDir(dir: string, cmd: string): void {
  runDirIo(dir, () => {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR', syscall: 'stat' });
    accessSync(dir, fsConstants.W_OK);
  });
  checkRunDir(dir, cmd);
}

/** A run dir that cannot be written (read-only, full, not a directory) is a usage error. */
function runDirIo(dir: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (isSystemError(e)) throw new UsageError(`--run-dir ${dir}: cannot write: ${e.code === 'ENOTDIR' ? 'not a directory' : e.message}`);
    throw e;
  }
}

async function endStream(s: WriteStream | undefined): Promise<void> {
  if (!s || s.destroyed) return;
  // 'close' comes after the last write succeeded or failed (end()'s callback can come
  // before a write's error, and the lost lines would go unreported).
  await new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    s.end();
  });
}

/** Open FILE for appending now, so a bad path is a usage error (exit 2) before any work. */
function openAppend(file: string, flag: string, onError: (err: Error) => void): WriteStream {
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (e) {
    throw new UsageError(`${flag} ${file}: cannot open for appending: ${(e as Error).message}`);
  }
  const s = createWriteStream('', { fd });
  s.on('error', onError);
  return s;
}

/** f(path, value) for every string in a config tree (`oddsapi.url`). */
function forEachString(v: unknown, f: (path: string, s: string) => void, path = ''): void {
  if (typeof v === 'string') f(path, v);
  else if (Array.isArray(v)) v.forEach((x, i) => forEachString(x, f, `${path}[${i}]`));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) forEachString(x, f, path ? `${path}.${k}` : k);
}

function mergePlain(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      cur && typeof cur === 'object' && !Array.isArray(cur) && v && typeof v === 'object' && !Array.isArray(v) ? mergePlain(cur as Plain, v as Plain) : v;
  }
  return out;
}
