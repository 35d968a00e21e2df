// The live-capital gate (roadmap "Live Capital Gate", issue 11 §3) as data: the evidence
// an evidence directory holds, already read and parsed (src/cli/gate.ts does the reading),
// judged condition by condition against the configured bounds. Nothing here reads a file
// or a clock. Missing evidence is a failed condition that names what is missing, never a
// pass; evidence that could not be read (a damaged file) fails the condition it belongs to.
import { quantileNearestRank } from './quantile.js';
import type { CalibrationSignoff, ClvSummary, GateConditionId, GateRecord } from '../schema/records.js';
import type { SoakReport } from '../schema/evidence.js';
import { kellyGate, pathLabel, type OraclePath } from './kelly.js';

// ---------------------------------------------------------------- evidence

/** A top-level TAP stream, as `tap --reporter=tap` writes it: one entry per test file. */
export interface TapSummary {
  /** The top-level plan `1..N`, or null when there is none (an interrupted run). */
  plan: number | null;
  /** Names of the top-level points reported ok (not skipped, not todo). */
  passed: string[];
  /** Names reported not ok. */
  failed: string[];
  /** Names reported ok but with a SKIP or TODO directive: not a pass. */
  skipped: string[];
  bailout: boolean;
}

/** Parse the top level of a TAP stream (indented lines are subtests: their verdict is in their parent's point). */
export function parseTap(text: string): TapSummary {
  const s: TapSummary = { plan: null, passed: [], failed: [], skipped: [], bailout: false };
  for (const line of text.split('\n')) {
    if (/^Bail out!/.test(line)) s.bailout = true;
    const plan = /^1\.\.(\d+)/.exec(line);
    if (plan) {
      s.plan = Number(plan[1]);
      continue;
    }
    const m = /^(not ok|ok)\b(?:\s+\d+)?(?:\s+-)?\s*([^#]*?)\s*(?:#\s*(.*))?$/.exec(line);
    if (!m) continue;
    const name = m[2]!;
    const directive = (m[3] ?? '').trim();
    if (m[1] === 'not ok') {
      // A not ok marked TODO is a known failure: still not a pass, never hidden.
      s.failed.push(name);
    } else if (/^(skip|todo)\b/i.test(directive)) {
      s.skipped.push(name);
    } else {
      s.passed.push(name);
    }
  }
  return s;
}

/** A test file's name without its build prefix and extension: dist/test/core/x.test.js -> test/core/x.test. */
export function testKey(name: string): string {
  return name
    .trim()
    .replace(/^(\.\/)?(dist\/)?/, '')
    .replace(/\.(js|ts|mjs|cjs)$/, '');
}

/** An arbitrate run: the policy its frozen config names and the policy its startup log line names. */
export interface ArbitrateRun {
  from: string;
  /** arbitrate.policy of <dir>/arbitrate.config.json; null when the file or key is missing. */
  configured: string | null;
  /** `policy` of the "arbitrate policy" line of <dir>/arbitrate.log; null when there is none. */
  logged: string | null;
}

/** A feed-boltodds run: the partial-line settings of its frozen config. */
export interface BoltoddsRun {
  from: string;
  side_staleness_ms: number | null;
  partial_ttl_ms: number | null;
}

export interface GitState {
  branch: string | null;
  commit: string | null;
  dirty: boolean | null;
}

export interface Evidence {
  /** What could not be read or was damaged, per condition ("file: reason"); each fails its condition. */
  problems: Partial<Record<GateConditionId, string[]>>;
  soaks: Array<{ from: string; report: SoakReport }>;
  arbitrate: ArbitrateRun[];
  boltodds: BoltoddsRun[];
  tests: Array<{ from: string; tap: TapSummary }>;
  /** Latency record values (ms) by kind. */
  latency: { 'oracle-to-order': number[]; cancel: number[] };
  signoffs: CalibrationSignoff[];
  clv: Array<{ from: string; record: ClvSummary }>;
  /** The checkout to go live from; null outside a git checkout. */
  checkout: GitState | null;
  /** The runbook page's path and whether it is there (a non-empty file). */
  runbook: { path: string; present: boolean };
}

export function emptyEvidence(runbookPath: string): Evidence {
  return {
    problems: {},
    soaks: [],
    arbitrate: [],
    boltodds: [],
    tests: [],
    latency: { 'oracle-to-order': [], cancel: [] },
    signoffs: [],
    clv: [],
    checkout: null,
    runbook: { path: runbookPath, present: false },
  };
}

// ---------------------------------------------------------------- bounds

export interface GateBounds {
  release_branch: string;
  paths: OraclePath[];
  soak_min_seconds: number;
  max_side_staleness_ms: number;
  reaction_p99_ms: number;
  cancel_p99_ms: number;
  latency_min_samples: number;
  clv_min_games: number;
  failure_mode_tests: string[];
  /** The Kelly gate's bar (config kelly.tolerance, kelly.signoff_min_n): the same sign-off rule. */
  tolerance: number;
  signoff_min_n: number;
}

// ---------------------------------------------------------------- verdicts

export interface Condition {
  id: GateConditionId;
  key?: string;
  /** What the row is about, for people. */
  label: string;
  figure: string;
  bound: string;
  pass: boolean;
}

const LABELS: Record<GateConditionId, string> = {
  soak: 'feeder soak report',
  arbitration: 'arbitration policy configured and logged',
  'partial-line-freshness': 'partial-line freshness on',
  'failure-mode-tests': 'failure-mode tests passed (no invented probability)',
  'quote-reaction': 'quote reaction (oracle-to-order and oracle-to-cancel p99)',
  'calibration-signoff': 'calibration sign-off',
  clv: 'CLV positive over a meaningful sample',
  'cancel-latency': 'maker cancel latency p99',
  'release-checkout': 'clean checkout of the release branch',
  runbook: 'runbook present',
};

/** Nearest-rank quantile (a bound is met by an observed value): src/core/quantile.ts. */
export const quantile = quantileNearestRank;

function cond(id: GateConditionId, pass: boolean, figure: string, bound: string, key?: string): Condition {
  return { id, ...(key !== undefined ? { key } : {}), label: key !== undefined ? `${LABELS[id]}: ${key}` : LABELS[id], figure, bound, pass };
}

/** Unreadable evidence fails the condition, naming the files. */
function problemsOf(e: Evidence, id: GateConditionId): string | undefined {
  const p = e.problems[id];
  if (!p || p.length === 0) return undefined;
  const shown = p.slice(0, 3).join('; ');
  return `bad evidence: ${shown}${p.length > 3 ? ` (+${p.length - 3} more)` : ''}`;
}

function withProblems(c: Condition, e: Evidence): Condition {
  const p = problemsOf(e, c.id);
  if (p === undefined) return c;
  return { ...c, pass: false, figure: c.figure ? `${p}; ${c.figure}` : p };
}

function soakCondition(e: Evidence, b: GateBounds): Condition {
  const bound = `feed-kalshi report passed, lasted >= ${b.soak_min_seconds} s`;
  const reports = e.soaks.filter((s) => s.report.component === 'feed-kalshi');
  if (reports.length === 0) return cond('soak', false, 'missing: no feed-kalshi soak report (soak/*.json; make soak)', bound);
  const lasted = (r: SoakReport): number => Math.floor((r.ended_ts - r.started_ts) / 1000);
  const describe = (s: { from: string; report: SoakReport }): string => {
    const r = s.report;
    const passed = r.checks.filter((c) => c.ok).length;
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.check);
    return `${lasted(r)} s, ${passed}/${r.checks.length} checks passed${failed.length ? ` (failed: ${failed.slice(0, 3).join('; ')})` : ''} (${s.from})`;
  };
  const good = reports.filter((s) => s.report.ok && lasted(s.report) >= b.soak_min_seconds);
  if (good.length > 0) {
    const best = good.reduce((a, x) => (lasted(x.report) > lasted(a.report) ? x : a));
    return cond('soak', true, describe(best), bound);
  }
  // None qualifies: show the longest (a passed one first) and why it falls short.
  const best = reports.reduce((a, x) =>
    Number(x.report.ok) > Number(a.report.ok) || (x.report.ok === a.report.ok && lasted(x.report) > lasted(a.report)) ? x : a,
  );
  return cond('soak', false, describe(best), bound);
}

function arbitrationCondition(e: Evidence): Condition {
  const bound = 'every arbitrate run: policy in its frozen config and in its startup log';
  if (e.arbitrate.length === 0) return cond('arbitration', false, 'missing: no arbitrate run (runs/*/arbitrate.config.json)', bound);
  const bad: string[] = [];
  const policies = new Set<string>();
  for (const r of e.arbitrate) {
    if (r.configured === null) bad.push(`${r.from}: no arbitrate.policy in the frozen config`);
    else if (r.logged === null) bad.push(`${r.from}: policy not logged at startup (arbitrate.log)`);
    else if (!(r.logged === r.configured || r.logged.startsWith(`${r.configured}:`))) bad.push(`${r.from}: logged ${r.logged}, configured ${r.configured}`);
    else policies.add(r.logged);
  }
  if (bad.length) return cond('arbitration', false, `${bad.length}/${e.arbitrate.length} runs fail: ${bad.slice(0, 3).join('; ')}`, bound);
  return cond(
    'arbitration',
    true,
    `${[...policies].join(', ')} configured and logged (${e.arbitrate.length} run${e.arbitrate.length === 1 ? '' : 's'})`,
    bound,
  );
}

function freshnessCondition(e: Evidence, b: GateBounds): Condition {
  const bound = `every feed-boltodds run: side_staleness_ms <= ${b.max_side_staleness_ms}, partial_ttl_ms set`;
  if (e.boltodds.length === 0) return cond('partial-line-freshness', false, 'missing: no feed-boltodds run (runs/*/feed-boltodds.config.json)', bound);
  const bad: string[] = [];
  for (const r of e.boltodds) {
    if (r.side_staleness_ms === null) bad.push(`${r.from}: no boltodds.side_staleness_ms`);
    else if (r.partial_ttl_ms === null) bad.push(`${r.from}: no boltodds.partial_ttl_ms`);
    else if (!(r.side_staleness_ms <= b.max_side_staleness_ms)) bad.push(`${r.from}: side_staleness_ms ${r.side_staleness_ms}`);
  }
  if (bad.length) return cond('partial-line-freshness', false, `${bad.length}/${e.boltodds.length} runs fail: ${bad.slice(0, 3).join('; ')}`, bound);
  const worst = Math.max(...e.boltodds.map((r) => r.side_staleness_ms!));
  const ttl = Math.max(...e.boltodds.map((r) => r.partial_ttl_ms!));
  return cond(
    'partial-line-freshness',
    true,
    `side_staleness_ms ${worst}, partial_ttl_ms ${ttl} (${e.boltodds.length} run${e.boltodds.length === 1 ? '' : 's'})`,
    bound,
  );
}

function testsCondition(e: Evidence, b: GateBounds): Condition {
  const bound = `every TAP file passed; ${b.failure_mode_tests.length} required tests among them`;
  if (e.tests.length === 0) return cond('failure-mode-tests', false, 'missing: no TAP results (tests/*.tap)', bound);
  const bad: string[] = [];
  const passed = new Set<string>();
  let files = 0;
  for (const { from, tap } of e.tests) {
    files += tap.passed.length;
    for (const n of tap.passed) passed.add(testKey(n));
    if (tap.bailout) bad.push(`${from}: bailed out`);
    if (tap.failed.length) bad.push(`${from}: not ok ${tap.failed.slice(0, 3).join(', ')}`);
    if (tap.plan === null) bad.push(`${from}: no plan (interrupted?)`);
    else if (tap.plan !== tap.passed.length + tap.failed.length + tap.skipped.length)
      bad.push(`${from}: plan 1..${tap.plan} but ${tap.passed.length + tap.failed.length + tap.skipped.length} results`);
  }
  const missing = b.failure_mode_tests.filter((t) => !passed.has(testKey(t)));
  if (missing.length) bad.push(`not reported passed: ${missing.join(', ')}`);
  const figure = `${b.failure_mode_tests.length - missing.length}/${b.failure_mode_tests.length} required passed; ${files} test files passed in ${e.tests.length} TAP file${e.tests.length === 1 ? '' : 's'}`;
  return cond('failure-mode-tests', bad.length === 0, bad.length ? `${figure}; ${bad.slice(0, 3).join('; ')}` : figure, bound);
}

function latencyCondition(id: 'quote-reaction' | 'cancel-latency', values: readonly number[], bound: number, min: number, kind: string): Condition {
  const b = `p99 <= ${bound} ms over >= ${min} ${kind} records`;
  if (values.length === 0) return cond(id, false, `missing: no ${kind} latency records (latency/*.ndjson)`, b);
  const p99 = quantile(values, 0.99);
  const figure = `p99 ${round(p99)} ms, p50 ${round(quantile(values, 0.5))} ms over ${values.length} records`;
  if (values.length < min) return cond(id, false, `${figure}: too few records`, b);
  return cond(id, p99 <= bound, figure, b);
}

function signoffConditions(e: Evidence, b: GateBounds): Condition[] {
  const bound = `ECE <= ${b.tolerance} on >= ${b.signoff_min_n} games (kelly.tolerance, kelly.signoff_min_n)`;
  if (b.paths.length === 0) return [cond('calibration-signoff', false, 'missing: no path to trade configured (gate.paths)', bound)];
  return b.paths.map((p) => {
    const label = pathLabel(p);
    const g = kellyGate(p, e.signoffs, { tolerance: b.tolerance, min_n: b.signoff_min_n });
    if (!g.ok)
      return cond('calibration-signoff', false, g.reason === 'no-signoff' ? `missing: no sign-off for ${label} (signoffs/*.ndjson)` : g.detail, bound, label);
    const s = g.signoff;
    return cond('calibration-signoff', true, `ECE ${s.ece.toFixed(4)} on ${s.n} games`, bound, label);
  });
}

function clvCondition(e: Evidence, b: GateBounds): Condition {
  const bound = `overall clv.summary positive (CI low > 0) over >= ${b.clv_min_games} games`;
  const overall = e.clv.filter((c) => Object.keys(c.record.group).length === 0);
  if (overall.length === 0) return cond('clv', false, 'missing: no overall clv.summary (group {}) (clv/*.ndjson; clv-report)', bound);
  const latest = overall.reduce((a, x) => (x.record.ts >= a.record.ts ? x : a)).record;
  const pct = `${Math.round(latest.confidence * 100)}%`;
  const num = (x: number | null, dp = 4): string => (x === null ? 'n/a' : x.toFixed(dp));
  const figure = `mean ${num(latest.mean_clv)}, ${pct} CI [${num(latest.ci_low)}, ${num(latest.ci_high)}], p ${num(latest.p_value, 3)}, ${latest.n_games} games, ${latest.n_fills} fills`;
  const why: string[] = [];
  if (!latest.positive) why.push('not positive');
  if (!(latest.ci_low !== null && latest.ci_low > 0)) why.push('CI low not above 0');
  if (latest.n_games < b.clv_min_games) why.push(`${latest.n_games} games < ${b.clv_min_games}`);
  return cond('clv', why.length === 0, why.length ? `${figure}: ${why.join(', ')}` : figure, bound);
}

function checkoutCondition(e: Evidence, b: GateBounds): Condition {
  const bound = `branch ${b.release_branch}, nothing uncommitted`;
  const c = e.checkout;
  if (c === null) return cond('release-checkout', false, 'missing: not a git checkout', bound);
  const figure = `branch ${c.branch ?? '(detached)'}, ${c.dirty === null ? 'state unknown' : c.dirty ? 'dirty' : 'clean'}, commit ${c.commit ? c.commit.slice(0, 12) : '(none)'}`;
  return cond('release-checkout', c.branch === b.release_branch && c.dirty === false && c.commit !== null, figure, bound);
}

function runbookCondition(e: Evidence): Condition {
  return cond('runbook', e.runbook.present, e.runbook.present ? e.runbook.path : `missing: ${e.runbook.path}`, 'man/chimera-runbook.7 present');
}

/** Every condition of the gate, in order, judged on the evidence. */
export function evaluateGate(e: Evidence, b: GateBounds): Condition[] {
  const rows: Condition[] = [
    soakCondition(e, b),
    arbitrationCondition(e),
    freshnessCondition(e, b),
    testsCondition(e, b),
    latencyCondition('quote-reaction', e.latency['oracle-to-order'], b.reaction_p99_ms, b.latency_min_samples, 'oracle-to-order'),
    ...signoffConditions(e, b),
    clvCondition(e, b),
    latencyCondition('cancel-latency', e.latency.cancel, b.cancel_p99_ms, b.latency_min_samples, 'cancel'),
    checkoutCondition(e, b),
    runbookCondition(e),
  ];
  return rows.map((c) => withProblems(c, e));
}

// ---------------------------------------------------------------- outputs

export interface RecordMeta {
  ts: number;
  evidence: string;
  checkout: GitState | null;
  config_fingerprint: string;
}

export function gateRecord(rows: readonly Condition[], m: RecordMeta): GateRecord {
  return {
    type: 'gate',
    ts: m.ts,
    pass: rows.every((r) => r.pass),
    evidence: m.evidence,
    branch: m.checkout?.branch ?? null,
    commit: m.checkout?.commit ?? null,
    dirty: m.checkout?.dirty ?? null,
    config_fingerprint: m.config_fingerprint,
    conditions: rows.map((r) => ({ id: r.id, ...(r.key !== undefined ? { key: r.key } : {}), figure: r.figure, bound: r.bound, pass: r.pass })),
    failed: rows.filter((r) => !r.pass).map((r) => (r.key !== undefined ? `${r.id}:${r.key}` : r.id)),
  };
}

/** The verdict as a Markdown table, one row per condition. */
export function gateMarkdown(rows: readonly Condition[], evidence: string): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const pass = rows.every((r) => r.pass);
  const failed = rows.filter((r) => !r.pass).length;
  return [
    `# Live-capital gate: ${pass ? 'PASS' : 'FAIL'}`,
    '',
    `Evidence: ${cell(evidence)}`,
    '',
    '| condition | figure | bound | verdict |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.label)} | ${cell(r.figure)} | ${cell(r.bound)} | ${r.pass ? 'pass' : 'FAIL'} |`),
    '',
    pass ? `All ${rows.length} conditions hold.` : `${failed} of ${rows.length} conditions fail: live capital stays off.`,
    '',
  ].join('\n');
}

/**
 * Whether a verdict lets quote --live start now: the latest gate record passed, is no older
 * than `maxAgeMs`, and is not from the future. (quote --live is wired to this later.)
 */
export function verdictAllows(latest: GateRecord | undefined, now: number, maxAgeMs: number): { ok: true } | { ok: false; reason: string } {
  if (!latest) return { ok: false, reason: 'no gate verdict recorded (run gate --evidence DIR with gate.verdict_file set)' };
  if (!latest.pass) return { ok: false, reason: `the latest gate verdict failed: ${latest.failed.join(', ')}` };
  const age = now - latest.ts;
  if (age < 0) return { ok: false, reason: `the latest gate verdict is dated ${-age} ms in the future` };
  if (age > maxAgeMs) return { ok: false, reason: `the latest gate verdict is ${age} ms old > ${maxAgeMs} ms (gate.max_verdict_age_ms)` };
  return { ok: true };
}

function round(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
