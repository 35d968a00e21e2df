import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildManifest, gitInfo, writeRunDir } from '../../src/config/manifest.js';
import { ConfigError } from '../../src/config/load.js';
import { Redactor } from '../../src/log/redact.js';
import { validateRecord } from '../../src/schema/index.js';

t.test('the manifest is a valid run.manifest naming what ran', async (t) => {
  const m = buildManifest({ cmd: 'devig', profile: 'shadow-control', fingerprint: 'f'.repeat(64), argv: ['--method', 'shin'], startedTs: 1_769_380_000_000 });
  t.ok(validateRecord(m).ok);
  t.match(m, {
    type: 'run.manifest',
    cmd: 'devig',
    profile: 'shadow-control',
    argv: ['--method', 'shin'],
    started_ts: 1_769_380_000_000,
    ts: 1_769_380_000_000,
  });
  t.match(m.version, /^\d+\.\d+\.\d+/);
  t.ok(['git', 'buildinfo', 'none'].includes(String((m as Record<string, unknown>).provenance)));
});

t.test('git info of a checkout, none outside one', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/chimera-nogit-`); // outside the checkout
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal(gitInfo(dir), null);
  const here = gitInfo();
  if (here) {
    t.type(here.dirty, 'boolean');
    if (here.commit) t.match(here.commit, /^[0-9a-f]{40}$/);
  }
});

t.test('--run-dir freezes manifest and resolved config, the config readable by its owner only, and refuses to reuse a run dir', async (t) => {
  const dir = `${t.testdir({})}/run1`;
  const m = buildManifest({ cmd: 'arbitrate', profile: 'live', fingerprint: 'a'.repeat(64), argv: [], startedTs: 1 });
  const { manifestFile, configFile } = writeRunDir(dir, m, { log: { level: 'info' } }, new Redactor());
  t.same(JSON.parse(readFileSync(configFile, 'utf8')), { log: { level: 'info' } });
  t.equal(JSON.parse(readFileSync(manifestFile, 'utf8')).cmd, 'arbitrate');
  t.equal(statSync(configFile).mode & 0o777, 0o400, 'frozen config: 0400, never group- or world-readable');
  t.equal(statSync(manifestFile).mode & 0o777, 0o444);
  t.throws(() => writeRunDir(dir, m, {}, new Redactor()), ConfigError);
});

t.test('--run-dir: a secret inside a URL, or anywhere, is frozen as [REDACTED]', async (t) => {
  const dir = `${t.testdir({})}/run`;
  const r = new Redactor();
  r.add('env-key-0123456789');
  r.addFromUrl('ws://h/api?key=url%2Bkey%2F0123456789');
  const m = buildManifest({
    cmd: 'feed-boltodds',
    profile: 'default',
    fingerprint: 'a'.repeat(64),
    argv: ['--url', 'ws://h/api?key=[REDACTED]'],
    startedTs: 1,
  });
  const { configFile, manifestFile } = writeRunDir(
    dir,
    m,
    {
      boltodds: { url: 'ws://h/api?key=url%2Bkey%2F0123456789', note: 'echo url+key/0123456789 and env-key-0123456789' },
    },
    r,
  );
  const text = readFileSync(configFile, 'utf8') + readFileSync(manifestFile, 'utf8');
  for (const s of ['url+key/0123456789', 'url%2Bkey%2F0123456789', 'env-key-0123456789']) t.notOk(text.includes(s), `${s} is not frozen`);
  t.same(JSON.parse(readFileSync(configFile, 'utf8')).boltodds, { url: 'ws://h/api?key=[REDACTED]', note: 'echo [REDACTED] and [REDACTED]' });
});
