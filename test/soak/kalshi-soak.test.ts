// The soak of issue 5 §3, 60 seconds with a fault every ~2.5 s: the same code `make soak`
// runs for hours. Every check of the table must hold.
import t from 'tap';
import { runSoak, soakReportOf } from './kalshi-soak.js';
import { soakReport } from '../../src/schema/evidence.js';

t.test('60-second soak with faults every few seconds', { timeout: 150_000 }, async (t) => {
  const started = Date.now();
  const opts = { seconds: 60, faultEveryMs: 2500, progress: (l: string) => t.comment(l) };
  const r = await runSoak(opts);
  const report = soakReportOf(r, opts, started, Date.now(), { branch: 'release', commit: 'a'.repeat(40), dirty: false });
  const parsed = soakReport.safeParse(report);
  t.ok(parsed.success, `the soak report is valid for the gate${parsed.success ? '' : `: ${parsed.error.message}`}`);
  t.equal(report.ok, r.ok, 'the report says what the table says');
  t.equal(report.checks.length, r.rows.length, 'one check per row');
  t.comment(r.table);
  for (const row of r.rows) t.ok(row.ok, `${row.check.trim()}: expected ${row.expected}, observed ${row.observed}`);
  const kinds = Object.keys(r.injected);
  t.ok(kinds.length >= 13, `at least 13 fault kinds injected (${kinds.join(', ')})`);
});
