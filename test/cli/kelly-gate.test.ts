// The Kelly gate as a command meets it: a sign-off file from calibrate --signoff, the
// config naming it, and exit 3 (RefusedError) for a path without a valid sign-off.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { KALSHI_FEES } from '../../src/core/fees.js';
import type { OraclePath } from '../../src/core/kelly.js';
import { KellySizer, loadSignoffs } from '../../src/cli/kelly-gate.js';
import { EXIT, RefusedError, execute, type CommandSpec } from '../../src/cli/kit.js';
import type { Config } from '../../src/config/schema.js';
import type { CalibrationSignoff } from '../../src/schema/records.js';

const tmp = mkdtempSync(`${tmpdir()}/chimera-gate-`);
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
const PATH: OraclePath = { source: 'history', sport: 'nba', phase: 'pregame', method: 'proportional' };
const signoff = (over: Record<string, unknown> = {}) => ({
  type: 'calibration.signoff',
  ts: 5,
  group: { ...PATH },
  n: 19818,
  brier: 0.2024,
  log_loss: 0.5893,
  ece: 0.0054,
  mce: 0.018,
  tolerance: 0.02,
  within_tolerance: true,
  config_fingerprint: 'f'.repeat(64),
  ...over,
});
const file = (name: string, lines: unknown[]): string => {
  const f = `${tmp}/${name}`;
  writeFileSync(f, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return f;
};
const kelly = (signoff_file: string | null): Pick<Config, 'kelly' | 'fees'> => ({
  kelly: { fraction: 1, signoff_file, tolerance: 0.02, signoff_min_n: 1000 },
  fees: { ...KALSHI_FEES, balance_precision: 0.01 },
});
const q = (path: OraclePath) => ({ path, side: 'yes' as const, q: 0.6, price: 0.5, bankroll: 100, liquidity: 'taker' as const });

t.test('the sign-off file is read whole or refused', async (t) => {
  const good = file('good.ndjson', [
    {
      type: 'run.manifest',
      ts: 1,
      cmd: 'calibrate',
      version: '0.1.0',
      branch: null,
      commit: null,
      dirty: null,
      profile: 'default',
      config_fingerprint: 'f'.repeat(64),
      argv: [],
      started_ts: 1,
    },
    signoff(),
  ]);
  t.equal(loadSignoffs(good).length, 1);
  t.throws(() => loadSignoffs(`${tmp}/missing.ndjson`), RefusedError);
  t.throws(() => loadSignoffs(file('broken.ndjson', [signoff(), '{"type":"calibration.signoff"'])), {
    name: 'RefusedError',
    message: /broken\.ndjson:2 is not JSON/,
  });
  t.throws(() => loadSignoffs(file('bad.ndjson', [signoff({ within_tolerance: false })])), { name: 'RefusedError', message: /bad\.ndjson:1: schema/ });
  t.throws(() => loadSignoffs(file('other.ndjson', [{ type: 'result', ts: 1, sport: 'nba', event: 'nba-2026-01-25-den-mem', winner: 'home' }])), {
    message: /not a calibration.signoff/,
  });
  t.throws(() => KellySizer.load(kelly(null)), { name: 'RefusedError', message: /no sign-off file configured/ });
  const twice = JSON.stringify(signoff()).replace('"n":19818', '"n":50,"n":19818');
  t.throws(() => loadSignoffs(file('dup.ndjson', [twice])), { name: 'RefusedError', message: /dup\.ndjson:1: duplicate key "n"/ }, 'a key written twice');
});

t.test('sizing: a size on the signed path, RefusedError on any other', async (t) => {
  const sizer = KellySizer.load(kelly(file('s.ndjson', [signoff()])));
  t.equal(sizer.size(q(PATH)).contracts, 32);
  t.throws(() => sizer.size(q({ ...PATH, method: 'shin' })), { name: 'RefusedError', message: /no-signoff.*history\/nba\/pregame\/shin/ });
  t.match(sizer.sizing(q({ ...PATH, phase: 'live' })), { ok: false, refused: true, reason: 'no-signoff' });
  const strict = new KellySizer({ ...kelly(null), kelly: { ...kelly(null).kelly, tolerance: 0.005 } }, sizer.signoffs);
  t.throws(() => strict.size(q(PATH)), { message: /outside-tolerance/ });
  t.throws(() => sizer.size({ ...q(PATH), price: 2 }), { message: /bad-input/ });
});

t.test("the sizer applies the config's min_n and tolerance at their boundaries", async (t) => {
  const at = (min_n: number, tolerance: number) =>
    new KellySizer({ ...kelly(null), kelly: { ...kelly(null).kelly, signoff_min_n: min_n, tolerance } }, [
      signoff({ n: 1000, ece: 0.0054 }) as unknown as CalibrationSignoff,
    ]);
  t.match(at(1000, 0.02).sizing(q(PATH)), { ok: true, contracts: 32 }, 'n == signoff_min_n: sized');
  t.match(at(1001, 0.02).sizing(q(PATH)), { ok: false, refused: true, reason: 'too-few-games' }, 'signoff_min_n one above n: refused');
  t.match(at(1000, 0.0054).sizing(q(PATH)), { ok: true }, 'ECE == tolerance: sized');
  t.match(at(1000, 0.0053).sizing(q(PATH)), { ok: false, refused: true, reason: 'outside-tolerance' }, 'tolerance below the ECE: refused');
});

t.test('a command that sizes with Kelly exits 3 without a valid sign-off', async (t) => {
  const sizes: number[] = [];
  const spec: CommandSpec<{ method?: string }> = {
    name: 'kelly-probe',
    description: 'test command',
    examples: [],
    output: 'text',
    options(cmd) {
      cmd.option('--method <m>', 'method');
    },
    async run(ctx) {
      const sizer = KellySizer.load(ctx.config);
      sizes.push(sizer.size(q({ ...PATH, method: ctx.opts.method ?? 'proportional' })).contracts);
      return EXIT.OK;
    },
  };
  const cfg = (name: string, signoffFile: string | null) => {
    const f = `${tmp}/${name}`;
    writeFileSync(f, JSON.stringify({ log: { level: 'silent' }, kelly: { fraction: 1, signoff_file: signoffFile } }));
    return f;
  };
  const signed = file('signed.ndjson', [signoff()]);
  t.equal(await execute(spec, ['--config', cfg('c1.json', signed)]), EXIT.OK);
  t.same(sizes, [32]);
  t.equal(await execute(spec, ['--config', cfg('c2.json', signed), '--method', 'shin']), EXIT.REFUSED);
  t.equal(await execute(spec, ['--config', cfg('c3.json', null)]), EXIT.REFUSED);
  t.equal(await execute(spec, ['--config', cfg('c4.json', `${tmp}/nope.ndjson`)]), EXIT.REFUSED);
  t.same(sizes, [32]);
});
