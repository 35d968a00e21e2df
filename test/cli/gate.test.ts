// gate through the built command over the fixture evidence directory (test/fixtures/gate):
// complete evidence -> exit 0, a PASS table and a valid gate record; each piece missing,
// damaged or out of bound -> exit 3 with that condition failed and named, the rest passing.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateRecord } from '../../src/schema/index.js';
import { ROOT, run } from '../helpers/run.js';

const FIX = `${ROOT}test/fixtures/gate`;
const CONFIG = `${FIX}/config.json`;

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', dir, '-c', 'user.name=gate-test', '-c', 'user.email=gate@test', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A clean checkout on `branch` holding the runbook, and a copy of the fixture evidence. */
function setup(t: Test, branch = 'release'): { dir: string; ev: string; checkout: string; verdicts: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const checkout = join(dir, 'checkout');
  cpSync(`${ROOT}man/chimera-runbook.7`, join(checkout, 'man', 'chimera-runbook.7'));
  git(dir, 'init', '-q', '-b', branch, checkout);
  git(checkout, 'add', '-A');
  git(checkout, 'commit', '-qm', 'release');
  const ev = join(dir, 'evidence');
  cpSync(`${FIX}/evidence`, ev, { recursive: true });
  return { dir, ev, checkout, verdicts: join(dir, 'gate.ndjson') };
}

async function gate(s: { ev: string; checkout: string; verdicts: string }, extra: string[] = []) {
  return run('gate', ['--evidence', s.ev, '--config', CONFIG, '--checkout', s.checkout, '--verdict-file', s.verdicts, ...extra]);
}

function verdicts(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The table rows: condition label -> [figure, verdict]. */
function rows(md: string): Map<string, [string, string]> {
  const m = new Map<string, [string, string]>();
  for (const l of md.split('\n')) {
    const cells = l
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length === 4 && cells[0] !== 'condition' && !cells[0]!.startsWith('---')) m.set(cells[0]!, [cells[1]!, cells[3]!]);
  }
  return m;
}

t.test('complete evidence: exit 0, every row passes, one valid gate record naming the checkout', async (t) => {
  const s = setup(t);
  const r = await gate(s);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^# Live-capital gate: PASS\n/);
  const table = rows(r.stdout);
  t.equal(table.size, 11, 'ten conditions, the sign-off once per configured path');
  for (const [label, [figure, verdict]] of table) t.equal(verdict, 'pass', `${label}: ${figure}`);
  t.match(table.get('quote reaction (oracle-to-order and oracle-to-cancel p99)')![0], /p99 640 ms/);
  t.match(table.get('maker cancel latency p99')![0], /p99 310 ms/);
  const recs = verdicts(s.verdicts);
  t.equal(recs.length, 1, 'one record appended');
  const v = validateRecord(recs[0]);
  t.ok(v.ok, `valid gate record${v.ok ? '' : `: ${v.detail}`}`);
  t.match(recs[0], { type: 'gate', pass: true, failed: [], branch: 'release', dirty: false, commit: git(s.checkout, 'rev-parse', 'HEAD'), evidence: s.ev });
  // A second run appends: the file is the history of verdicts.
  await gate(s);
  t.equal(verdicts(s.verdicts).length, 2);
});

/** Break one piece of the evidence; the gate must exit 3 with exactly that condition failed, named. */
const CASES: Array<{ what: string; failed: string[]; figure: RegExp; mutate: (s: { ev: string; checkout: string }) => void }> = [
  {
    what: 'no soak report',
    failed: ['soak'],
    figure: /missing: no feed-kalshi soak report/,
    mutate: (s) => rmSync(join(s.ev, 'soak'), { recursive: true }),
  },
  {
    what: 'a soak of 5 hours',
    failed: ['soak'],
    figure: /18000 s/,
    mutate: (s) => {
      const f = join(s.ev, 'soak', 'feed-kalshi.json');
      const j = JSON.parse(readFileSync(f, 'utf8')) as { started_ts: number; ended_ts: number };
      writeFileSync(f, JSON.stringify({ ...j, ended_ts: j.started_ts + 18_000_000 }));
    },
  },
  {
    what: 'a damaged soak report',
    failed: ['soak'],
    figure: /bad evidence: .*feed-kalshi\.json: not JSON/,
    mutate: (s) => writeFileSync(join(s.ev, 'soak', 'feed-kalshi.json'), '{"type": "soak.rep'),
  },
  {
    what: 'arbitration policy not logged',
    failed: ['arbitration'],
    figure: /policy not logged at startup/,
    mutate: (s) => rmSync(join(s.ev, 'runs', 'shadow-2026-12-01', 'arbitrate.log')),
  },
  {
    what: 'side staleness over the bound',
    failed: ['partial-line-freshness'],
    figure: /side_staleness_ms 90000/,
    mutate: (s) =>
      writeFileSync(
        join(s.ev, 'runs', 'shadow-2026-12-01', 'feed-boltodds.config.json'),
        JSON.stringify({ boltodds: { side_staleness_ms: 90_000, partial_ttl_ms: 30_000 } }),
      ),
  },
  {
    what: 'no feed-boltodds run',
    failed: ['partial-line-freshness'],
    figure: /missing: no feed-boltodds run/,
    mutate: (s) => {
      for (const f of ['config.json', 'manifest.json', 'log']) rmSync(join(s.ev, 'runs', 'shadow-2026-12-01', `feed-boltodds.${f}`));
    },
  },
  {
    what: 'a failure-mode test failed',
    failed: ['failure-mode-tests'],
    figure: /not ok dist\/test\/core\/arbitrate\.test\.js/,
    mutate: (s) => {
      const f = join(s.ev, 'tests', 'failure-modes.tap');
      writeFileSync(f, readFileSync(f, 'utf8').replace('ok 4 - dist/test/core/arbitrate', 'not ok 4 - dist/test/core/arbitrate'));
    },
  },
  {
    what: 'slow cancels',
    failed: ['cancel-latency'],
    figure: /p99 900 ms/,
    mutate: (s) => {
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ type: 'latency', ts: 1796000000000 + i, kind: 'cancel', ms: 900 }));
      appendFileSync(join(s.ev, 'latency', 'session.ndjson'), lines.join('\n') + '\n');
    },
  },
  {
    what: 'a damaged latency line',
    failed: ['quote-reaction', 'cancel-latency'],
    figure: /session\.ndjson:2: schema/,
    mutate: (s) => {
      const f = join(s.ev, 'latency', 'session.ndjson');
      const lines = readFileSync(f, 'utf8').split('\n');
      lines[1] = lines[1]!.replace(/"ms":\d+/, '"ms":-5');
      writeFileSync(f, lines.join('\n'));
    },
  },
  {
    what: 'a cut line in the latency file',
    failed: ['quote-reaction', 'cancel-latency'],
    figure: /session\.ndjson:406: not JSON/,
    mutate: (s) => appendFileSync(join(s.ev, 'latency', 'session.ndjson'), '{"type":"latency","ts":17960000\n'),
  },
  {
    what: 'no latency records',
    failed: ['quote-reaction', 'cancel-latency'],
    figure: /missing: no (oracle-to-order|cancel) latency records/,
    mutate: (s) => rmSync(join(s.ev, 'latency'), { recursive: true }),
  },
  {
    what: 'no sign-off for the NHL path',
    failed: ['calibration-signoff:boltodds/nhl/pregame/shin'],
    figure: /missing: no sign-off for boltodds\/nhl\/pregame\/shin/,
    mutate: (s) => {
      const f = join(s.ev, 'signoffs', 'signoff.ndjson');
      writeFileSync(
        f,
        readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => !l.includes('"nhl"'))
          .join('\n'),
      );
    },
  },
  {
    what: 'CLV not positive',
    failed: ['clv'],
    figure: /not positive/,
    mutate: (s) => {
      const f = join(s.ev, 'clv', 'clv.ndjson');
      writeFileSync(
        f,
        readFileSync(f, 'utf8')
          .replace(
            '"group":{},"reference":"boltodds/shin","n_fills":1400,"n_games":260,"n_unscored":4,"mean_clv":0.011,"ci_low":0.004',
            '"group":{},"reference":"boltodds/shin","n_fills":1400,"n_games":260,"n_unscored":4,"mean_clv":0.001,"ci_low":-0.003',
          )
          .replace(/"positive":true/g, '"positive":false'),
      );
    },
  },
  {
    what: 'a key written twice in a CLV line',
    failed: ['clv'],
    figure: /clv\.ndjson:2: duplicate key "positive"/,
    mutate: (s) => {
      const f = join(s.ev, 'clv', 'clv.ndjson');
      const lines = readFileSync(f, 'utf8').split('\n');
      lines[1] = lines[1]!.replace('"positive":true', '"positive":false,"positive":true');
      writeFileSync(f, lines.join('\n'));
    },
  },
  {
    what: 'no CLV summary',
    failed: ['clv'],
    figure: /missing: no overall clv\.summary/,
    mutate: (s) => rmSync(join(s.ev, 'clv'), { recursive: true }),
  },
  {
    what: 'a dirty checkout',
    failed: ['release-checkout'],
    figure: /dirty/,
    mutate: (s) => appendFileSync(join(s.checkout, 'man', 'chimera-runbook.7'), '.\\" edited\n'),
  },
  {
    what: 'not the release branch',
    failed: ['release-checkout'],
    figure: /branch hotfix/,
    mutate: (s) => git(s.checkout, 'checkout', '-q', '-b', 'hotfix'),
  },
  {
    what: 'no runbook',
    failed: ['runbook'],
    figure: /missing: .*man\/chimera-runbook\.7/,
    mutate: (s) => {
      git(s.checkout, 'rm', '-q', 'man/chimera-runbook.7');
      git(s.checkout, 'commit', '-qm', 'drop the runbook');
    },
  },
];

for (const c of CASES) {
  t.test(`${c.what}: exit 3, ${c.failed.join(' and ')} failed and named`, async (t) => {
    const s = setup(t);
    c.mutate(s);
    const r = await gate(s);
    t.equal(r.code, 3, r.stderr);
    t.match(r.stdout, /^# Live-capital gate: FAIL\n/);
    const rec = verdicts(s.verdicts)[0]!;
    t.ok(validateRecord(rec).ok, 'the failing verdict is a valid record too');
    t.equal(rec.pass, false);
    t.same(rec.failed, c.failed, 'exactly the broken condition fails');
    const conds = rec.conditions as Array<{ id: string; key?: string; figure: string; pass: boolean }>;
    for (const id of c.failed) {
      const cond = conds.find((x) => (x.key !== undefined ? `${x.id}:${x.key}` : x.id) === id)!;
      t.match(cond.figure, c.figure, `${id}: ${cond.figure}`);
    }
    const failedRows = [...rows(r.stdout).values()].filter(([, v]) => v === 'FAIL');
    t.equal(failedRows.length, c.failed.length, 'the table shows the same failures');
    t.match(
      r.logs.find((l) => l.msg === 'live-capital gate: conditions fail'),
      { failed: c.failed },
    );
  });
}

t.test('an evidence directory that is not there: usage error (exit 2), no verdict written', async (t) => {
  const s = setup(t);
  const r = await gate({ ...s, ev: join(s.dir, 'nope') });
  t.equal(r.code, 2);
  t.match(r.stderr, /--evidence .*nope: not a directory/);
  t.notOk(existsSync(s.verdicts));
  const none = await run('gate', ['--config', CONFIG]);
  t.equal(none.code, 2, '--evidence is required');
});

t.test('no verdict file: the table only, and a warning that quote --live cannot use it', async (t) => {
  const s = setup(t);
  const r = await run('gate', ['--evidence', s.ev, '--config', CONFIG, '--checkout', s.checkout]);
  t.equal(r.code, 0);
  t.ok(r.logs.some((l) => /no verdict file configured/.test(String(l.msg))));
});

t.test('--release-branch overrides the config: the same checkout fails against another branch', async (t) => {
  const s = setup(t);
  const r = await gate(s, ['--release-branch', 'release-2027']);
  t.equal(r.code, 3);
  t.same(verdicts(s.verdicts)[0]!.failed, ['release-checkout']);
});
