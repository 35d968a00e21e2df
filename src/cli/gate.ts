// gate: the live-capital gate (issue 11 §3). Reads an evidence directory (layout below and
// in the README), judges every condition of the roadmap's gate with src/core/gate.ts,
// prints one Markdown row per condition, appends a `gate` record to the verdict file, and
// exits 0 only when every condition holds, 3 otherwise. Missing or damaged evidence fails
// the condition it belongs to, naming it.
import { appendFileSync, createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { gitInfo, PACKAGE_ROOT } from '../config/manifest.js';
import {
  emptyEvidence,
  evaluateGate,
  gateMarkdown,
  gateRecord,
  parseTap,
  type ArbitrateRun,
  type BoltoddsRun,
  type Evidence,
  type GateBounds,
} from '../core/gate.js';
import { isObj } from '../core/json.js';
import { describeDuplicate, duplicateKeyOf } from '../core/json-keys.js';
import { soakReport } from '../schema/evidence.js';
import { validateRecord, type ClvSummary, type GateConditionId, type Latency } from '../schema/index.js';
import { EXIT, runCommand, UsageError, type CommandSpec } from './kit.js';
import { loadSignoffs } from './kelly-gate.js';

interface Opts {
  evidence: string;
  checkout?: string;
  releaseBranch?: string;
  verdictFile?: string;
}

export const LAYOUT = `DIR/soak/*.json: soak reports (make soak SOAK_REPORT=DIR/soak/feed-kalshi.json).

DIR/runs/NAME/: the --run-dir of a run (CMD.manifest.json, CMD.config.json) with its
stderr as CMD.log; the arbitrate and feed-boltodds runs are read.

DIR/tests/*.tap: TAP of the failure-mode tests (tap --reporter=tap ... > DIR/tests/x.tap).

DIR/latency/*.ndjson: record files holding latency records (quote's output).

DIR/signoffs/*.ndjson: calibration.signoff files (calibrate --signoff).

DIR/clv/*.ndjson: record files holding clv.summary records (clv-report).`;

export const spec: CommandSpec<Opts> = {
  name: 'gate',
  description: `Judges the live-capital gate of the roadmap over an evidence directory DIR: what
soaks, shadow runs, tests, calibration and CLV reports produced. One Markdown row per
condition is printed on stdout with its figure, its bound and its verdict; the exit status
is 0 only when every condition holds, 3 otherwise. The conditions, bounds in config
section gate:

soak: a passed feed-kalshi soak report that lasted at least gate.soak_min_seconds (6 h).

arbitration: every arbitrate run names its policy in its frozen config and logged it at
startup (the "arbitrate policy" line of its log).

partial-line-freshness: every feed-boltodds run has boltodds.side_staleness_ms at most
gate.max_side_staleness_ms.

failure-mode-tests: every TAP file passed, each of gate.failure_mode_tests among them (no
source path invents a probability).

quote-reaction: p99 of oracle-to-order latency within gate.reaction_p99_ms.

calibration-signoff: per path of gate.paths, a sign-off the Kelly gate accepts
(kelly.tolerance, kelly.signoff_min_n).

clv: the latest overall clv.summary (group {}) positive, CI low above 0, over at least
gate.clv_min_games games.

cancel-latency: p99 of cancel latency within gate.cancel_p99_ms.

release-checkout: the checkout (--checkout, default the one gate runs from) on
gate.release_branch with nothing uncommitted.

runbook: man/chimera-runbook.7 present in that checkout.

Latency p99s are nearest-rank over at least gate.latency_min_samples records. Missing
evidence fails its condition, naming what is missing; a damaged file (bad JSON, a record
its schema refuses) fails the condition it belongs to, naming file and line. The gate
record (every condition, pass, the checkout judged) is appended to gate.verdict_file
(--verdict-file); quote --live starts only on a passing verdict younger than
gate.max_verdict_age_ms.

Evidence layout:

${LAYOUT}`,
  examples: [
    {
      cmd: 'gate --evidence evidence/2026-12-07 --profile live',
      what: "Judge the evidence with the live profile's bounds and paths; append the verdict to its gate.verdict_file.",
    },
    {
      cmd: 'gate --evidence ev --verdict-file gate.ndjson > gate.md; echo $?',
      what: 'Keep the Markdown table and the record; 0 when every condition holds, 3 otherwise.',
    },
  ],
  output: 'text',
  sections: {
    FILES: `The evidence directory: see DESCRIPTION.\n\ngate.verdict_file: the verdicts, one gate record a line, appended.\n\nman/chimera-runbook.7 in the checkout judged: the runbook, chimera-runbook(7).`,
  },
  options(cmd) {
    cmd.requiredOption('--evidence <dir>', 'the evidence directory (layout: see DESCRIPTION)');
    cmd.option('--checkout <dir>', 'the git checkout to go live from: its branch, dirtiness and runbook are judged (default: this one)');
    cmd.option('--release-branch <name>', 'the blessed release branch (config gate.release_branch, default release)');
    cmd.option('--verdict-file <file>', 'append the gate record to FILE (config gate.verdict_file)');
  },
  overrides(o) {
    const gate: Record<string, unknown> = {};
    if (o.releaseBranch !== undefined) gate.release_branch = o.releaseBranch;
    if (o.verdictFile !== undefined) gate.verdict_file = o.verdictFile;
    return Object.keys(gate).length ? { gate } : {};
  },
  async run(ctx) {
    const dir = ctx.opts.evidence;
    if (!isDir(dir)) throw new UsageError(`--evidence ${dir}: not a directory`);
    const checkout = resolve(ctx.opts.checkout ?? PACKAGE_ROOT);
    if (!isDir(checkout)) throw new UsageError(`--checkout ${checkout}: not a directory`);
    const g = ctx.config.gate;
    const bounds: GateBounds = {
      release_branch: g.release_branch,
      paths: g.paths,
      soak_min_seconds: g.soak_min_seconds,
      max_side_staleness_ms: g.max_side_staleness_ms,
      reaction_p99_ms: g.reaction_p99_ms,
      cancel_p99_ms: g.cancel_p99_ms,
      latency_min_samples: g.latency_min_samples,
      clv_min_games: g.clv_min_games,
      failure_mode_tests: g.failure_mode_tests,
      tolerance: ctx.config.kelly.tolerance,
      signoff_min_n: ctx.config.kelly.signoff_min_n,
    };
    const e = await readEvidence(dir, checkout);
    const rows = evaluateGate(e, bounds);
    const rec = gateRecord(rows, { ts: ctx.clock.now(), evidence: dir, checkout: e.checkout, config_fingerprint: ctx.fingerprint });
    for (const line of gateMarkdown(rows, dir).split('\n')) ctx.text.writeLine(line);
    if (g.verdict_file !== null) {
      try {
        appendFileSync(g.verdict_file, JSON.stringify(rec) + '\n');
      } catch (err) {
        throw new Error(`gate: cannot append the verdict to ${g.verdict_file}: ${(err as Error).message}`, { cause: err });
      }
    } else {
      ctx.log.warn('no verdict file configured (gate.verdict_file, --verdict-file): the verdict is printed only, quote --live cannot use it');
    }
    ctx.summary.pass = rec.pass;
    ctx.summary.failed = rec.failed;
    if (!rec.pass) ctx.log.warn('live-capital gate: conditions fail', { failed: rec.failed });
    return rec.pass ? EXIT.OK : EXIT.REFUSED;
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);

// ---------------------------------------------------------------- reading the evidence

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Files of DIR/sub ending in `ext`, sorted; [] when the folder is missing. */
function filesOf(dir: string, sub: string, ext: string): string[] {
  const d = join(dir, sub);
  if (!isDir(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(d, f));
}

function readText(file: string): { ok: true; text: string } | { ok: false; reason: string } {
  try {
    return { ok: true, text: readFileSync(file, 'utf8') };
  } catch (err) {
    return { ok: false, reason: `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}

function readJson(file: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const t = readText(file);
  if (!t.ok) return t;
  let value: unknown;
  try {
    value = JSON.parse(t.text) as unknown;
  } catch {
    return { ok: false, reason: `${file}: not JSON` };
  }
  const dup = duplicateKeyOf(t.text, value);
  if (dup !== undefined) return { ok: false, reason: `${file}: ${describeDuplicate(dup)}` };
  return { ok: true, value };
}

/**
 * The records of the types in `want` of an NDJSON file, validated and handed to `take`,
 * streamed line by line (a day's session output can be large). Every line must be a JSON
 * object with a type; lines of other types are not this condition's evidence and are not
 * validated here. A bad line is a problem (file:line reason), never skipped silently.
 */
async function readRecordsOf(
  file: string,
  want: ReadonlySet<string>,
  take: (rec: Record<string, unknown>, type: string) => void,
  problem: (p: string) => void,
): Promise<void> {
  let n = 0;
  try {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      n++;
      const raw = line.trim();
      if (raw === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        problem(`${file}:${n}: not JSON`);
        continue;
      }
      if (!isObj(value) || typeof value.type !== 'string') {
        problem(`${file}:${n}: not a record (an object with a type)`);
        continue;
      }
      if (!want.has(value.type)) continue;
      const dup = duplicateKeyOf(raw, value);
      if (dup !== undefined) {
        problem(`${file}:${n}: ${describeDuplicate(dup)}`);
        continue;
      }
      const v = validateRecord(value);
      if (!v.ok) problem(`${file}:${n}: ${v.reason}: ${v.detail}`);
      else take(v.record as unknown as Record<string, unknown>, v.type);
    }
  } catch (err) {
    problem(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Read everything the gate judges; nothing here decides a verdict. */
export async function readEvidence(dir: string, checkout: string): Promise<Evidence> {
  const e = emptyEvidence(join(checkout, 'man', 'chimera-runbook.7'));
  const problem =
    (id: GateConditionId) =>
    (p: string): void => {
      (e.problems[id] ??= []).push(p);
    };

  for (const f of filesOf(dir, 'soak', '.json')) {
    const j = readJson(f);
    if (!j.ok) {
      problem('soak')(j.reason);
      continue;
    }
    const r = soakReport.safeParse(j.value);
    if (!r.success) problem('soak')(`${f}: not a soak report: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}`.trim());
    else e.soaks.push({ from: f, report: r.data });
  }

  const runs = join(dir, 'runs');
  if (isDir(runs)) {
    for (const name of readdirSync(runs).sort()) {
      const rd = join(runs, name);
      if (!isDir(rd)) continue;
      const arb = readRun(rd, 'arbitrate', problem('arbitration'));
      if (arb) e.arbitrate.push(arbitrateRun(rd, arb));
      const bolt = readRun(rd, 'feed-boltodds', problem('partial-line-freshness'));
      if (bolt) e.boltodds.push(boltoddsRun(rd, bolt));
    }
  }

  for (const f of filesOf(dir, 'tests', '.tap')) {
    const t = readText(f);
    if (!t.ok) problem('failure-mode-tests')(t.reason);
    else e.tests.push({ from: f, tap: parseTap(t.text) });
  }

  for (const f of filesOf(dir, 'latency', '.ndjson')) {
    await readRecordsOf(
      f,
      new Set(['latency']),
      (rec) => {
        const l = rec as unknown as Latency;
        // The quote's reaction to the oracle: the orders it places and the cancels that protect it.
        if (l.kind === 'oracle-to-order' || l.kind === 'oracle-to-cancel') e.latency['oracle-to-order'].push(l.ms);
        else if (l.kind === 'cancel') e.latency.cancel.push(l.ms);
      },
      (p) => {
        problem('quote-reaction')(p);
        problem('cancel-latency')(p);
      },
    );
  }

  for (const f of filesOf(dir, 'signoffs', '.ndjson')) {
    try {
      e.signoffs.push(...loadSignoffs(f));
    } catch (err) {
      problem('calibration-signoff')((err as Error).message.replace(/^Kelly refused: /, ''));
    }
  }

  for (const f of filesOf(dir, 'clv', '.ndjson')) {
    await readRecordsOf(
      f,
      new Set(['clv.summary']),
      (rec) => {
        e.clv.push({ from: f, record: rec as unknown as ClvSummary });
      },
      problem('clv'),
    );
  }

  e.checkout = gitInfo(checkout);
  try {
    e.runbook.present = statSync(e.runbook.path).isFile() && statSync(e.runbook.path).size > 0;
  } catch {
    e.runbook.present = false;
  }
  return e;
}

/** The frozen config of CMD's run in RD (null when that command did not run there). */
function readRun(rd: string, cmd: string, problem: (p: string) => void): { config: Record<string, unknown> | null } | null {
  const cfg = join(rd, `${cmd}.config.json`);
  const man = join(rd, `${cmd}.manifest.json`);
  if (!existsSync(cfg) && !existsSync(man)) return null;
  if (!existsSync(cfg)) {
    problem(`${cfg}: missing beside ${man}`);
    return { config: null };
  }
  const j = readJson(cfg);
  if (!j.ok) {
    problem(j.reason);
    return { config: null };
  }
  return { config: isObj(j.value) ? j.value : null };
}

function arbitrateRun(rd: string, r: { config: Record<string, unknown> | null }): ArbitrateRun {
  const a = r.config?.arbitrate;
  const configured = isObj(a) && typeof a.policy === 'string' ? a.policy : null;
  let logged: string | null = null;
  const log = readText(join(rd, 'arbitrate.log'));
  if (log.ok) {
    for (const line of log.text.split('\n')) {
      if (!line.includes('arbitrate policy')) continue;
      try {
        const l = JSON.parse(line) as unknown;
        if (isObj(l) && l.msg === 'arbitrate policy' && typeof l.policy === 'string') logged = l.policy;
      } catch {
        // not a log line of ours: ignored (the condition fails if no good line is found)
      }
    }
  }
  return { from: rd, configured, logged };
}

function boltoddsRun(rd: string, r: { config: Record<string, unknown> | null }): BoltoddsRun {
  const b = r.config?.boltodds;
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return { from: rd, side_staleness_ms: isObj(b) ? num(b.side_staleness_ms) : null, partial_ttl_ms: isObj(b) ? num(b.partial_ttl_ms) : null };
}
