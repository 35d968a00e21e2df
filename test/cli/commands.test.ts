// Every command is complete: a registry line, a bin/ shim, a package.json bin entry, a
// current man page, --help leading with examples, --version; and `chimera` reaches it.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { COMMAND_NAMES } from '../../src/cli/registry.js';
import { renderAll } from '../../src/build/man.js';
import { ROOT, run } from '../helpers/run.js';

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { bin: Record<string, string>; version: string };

t.test('registry, bin shims and package.json bin entries agree', async (t) => {
  const binNames = Object.keys(pkg.bin).sort();
  t.same(binNames, ['chimera', ...COMMAND_NAMES].sort());
  for (const [name, path] of Object.entries(pkg.bin)) {
    t.equal(path, `bin/${name}`);
    t.ok(existsSync(`${ROOT}${path}`), `${path} exists`);
  }
});

t.test('every man page exists and is current (make man)', async (t) => {
  const pages = await renderAll();
  for (const name of COMMAND_NAMES) {
    const file = `${ROOT}man/${name}.1`;
    t.ok(existsSync(file), `man/${name}.1`);
    if (existsSync(file)) t.equal(readFileSync(file, 'utf8'), pages.get(`${name}.1`), `man/${name}.1 is current`);
  }
  t.ok(existsSync(`${ROOT}man/chimera.7`), 'chimera(7)');
});

t.test('every command: --help leads with examples and exits 0; --version', async (t) => {
  await Promise.all(COMMAND_NAMES.map(async (name) => {
    const h = await run(name, ['--help']);
    t.equal(h.code, 0, `${name} --help exit`);
    const first = h.stdout.split('\n');
    t.match(first[0], new RegExp(`^${name} - \\S`), `${name} --help starts with its summary`);
    t.equal(first[2], 'Examples:', `${name} --help: examples come first`);
    t.match(h.stdout, /Exit status:/);
    const v = await run(name, ['--version']);
    t.equal(v.code, 0);
    t.match(v.stdout, new RegExp(`^${name} ${pkg.version}`));
  }));
});

t.test('chimera lists every command and dispatches to it', async (t) => {
  const h = await run('chimera', ['--help']);
  t.equal(h.code, 0);
  for (const name of COMMAND_NAMES) t.match(h.stdout, new RegExp(`\\n  ${name} +\\S`), `lists ${name}`);
  const sub = await run('chimera', ['validate', '--help']);
  t.equal(sub.code, 0);
  t.match(sub.stdout, /^validate - /);
  const bad = await run('chimera', ['nope']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown command "nope"/);
  t.equal((await run('chimera', [])).code, 2);
  t.equal((await run('chimera', ['--version'])).stdout.trim(), `chimera ${pkg.version}`);
});

t.test('chimera(7) names every command and every record type', async (t) => {
  const { RECORD_TYPES } = await import('../../src/schema/records.js');
  const page = readFileSync(`${ROOT}man/chimera.7`, 'utf8').replace(/\\-/g, '-');
  for (const name of COMMAND_NAMES) t.match(page, new RegExp(`\\.B [^\\n]*\\b${name}\\b`), `command ${name}`);
  for (const type of RECORD_TYPES) t.match(page, new RegExp(`\\.B [^\\n]*\\b${type.replace('.', '\\.')}\\b`), `record ${type}`);
});
