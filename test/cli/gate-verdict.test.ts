// The gate's verdict as quote --live is to check it at start: the latest gate record of
// config gate.verdict_file, passed and young enough; anything else is RefusedError (exit 3).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { loadLatestVerdict, requireGateVerdict } from '../../src/cli/gate-verdict.js';
import { RefusedError } from '../../src/cli/kit.js';
import type { Config } from '../../src/config/schema.js';
import { gateSection } from '../../src/config/sections/gate.js';

const tmp = mkdtempSync(`${tmpdir()}/chimera-verdict-`);
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const verdict = (ts: number, pass: boolean) => ({
  type: 'gate',
  ts,
  pass,
  evidence: 'ev',
  branch: 'release',
  commit: 'a'.repeat(40),
  dirty: false,
  config_fingerprint: 'f'.repeat(64),
  conditions: [
    { id: 'soak', figure: '21631 s', bound: '>= 21600 s', pass: true },
    { id: 'clv', figure: 'mean 0.01', bound: 'positive', pass },
  ],
  failed: pass ? [] : ['clv'],
});
const file = (name: string, lines: unknown[]): string => {
  const f = `${tmp}/${name}`;
  writeFileSync(f, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return f;
};
const cfg = (verdict_file: string | null, max = 3_600_000): Pick<Config, 'gate'> => ({
  gate: { ...gateSection.parse({}), verdict_file, max_verdict_age_ms: max },
});

t.test('the latest verdict is the one with the greatest ts, the later line on a tie', async (t) => {
  const f = file('history.ndjson', [verdict(1_000, true), verdict(3_000, false), verdict(2_000, true)]);
  t.match(loadLatestVerdict(f), { ts: 3_000, pass: false });
  const tie = file('tie.ndjson', [verdict(3_000, false), verdict(3_000, true)]);
  t.match(loadLatestVerdict(tie), { ts: 3_000, pass: true });
  t.equal(loadLatestVerdict(file('empty.ndjson', [])), undefined);
});

t.test('a passing verdict within the age allows; everything else refuses, saying why', async (t) => {
  const good = file('good.ndjson', [verdict(1_000, false), verdict(2_000, true)]);
  t.match(requireGateVerdict(cfg(good), 2_000 + 3_600_000), { ts: 2_000, pass: true }, 'exactly at the age');
  t.throws(() => requireGateVerdict(cfg(good), 2_000 + 3_600_001), { name: 'RefusedError', message: /3600001 ms old/ });
  t.throws(() => requireGateVerdict(cfg(file('failed.ndjson', [verdict(2_000, true), verdict(2_500, false)])), 3_000), {
    name: 'RefusedError',
    message: /failed: clv/,
  });
  t.throws(() => requireGateVerdict(cfg(null), 3_000), { name: 'RefusedError', message: /no gate verdict file configured/ });
  t.throws(() => requireGateVerdict(cfg(file('none.ndjson', [])), 3_000), { name: 'RefusedError', message: /no gate verdict recorded/ });
  t.throws(() => requireGateVerdict(cfg(`${tmp}/missing.ndjson`), 3_000), RefusedError);
});

t.test('a damaged verdict file refuses: the gate never half-opens', async (t) => {
  t.throws(() => loadLatestVerdict(file('cut.ndjson', [verdict(1_000, true), '{"type":"gate","ts":'])), {
    name: 'RefusedError',
    message: /cut\.ndjson:2 is not JSON/,
  });
  t.throws(
    () => loadLatestVerdict(file('lie.ndjson', [{ ...verdict(1_000, false), pass: true }])),
    { name: 'RefusedError', message: /lie\.ndjson:1: schema: pass/ },
    'a pass with a failed condition',
  );
  t.throws(() => loadLatestVerdict(file('other.ndjson', [{ type: 'metric', ts: 1, name: 'x', value: 1 }])), { message: /metric record, not a gate verdict/ });
  const twice = JSON.stringify(verdict(1_000, true)).replace('"pass":true,', '"pass":false,"pass":true,');
  t.throws(() => loadLatestVerdict(file('dup.ndjson', [twice])), { name: 'RefusedError', message: /dup\.ndjson:1: duplicate key "pass"/ });
});
