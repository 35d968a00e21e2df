// The soak of issue 5 §3, 60 seconds with a fault every ~2.5 s: the same code `make soak`
// runs for hours. Every check of the table must hold.
import t from 'tap';
import { runSoak } from './kalshi-soak.js';

t.test('60-second soak with faults every few seconds', { timeout: 150_000 }, async (t) => {
  const r = await runSoak({ seconds: 60, faultEveryMs: 2500, progress: (l) => t.comment(l) });
  t.comment(r.table);
  for (const row of r.rows) t.ok(row.ok, `${row.check.trim()}: expected ${row.expected}, observed ${row.observed}`);
  const kinds = Object.keys(r.injected);
  t.ok(kinds.length >= 13, `at least 13 fault kinds injected (${kinds.join(', ')})`);
});
