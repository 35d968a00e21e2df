import t, { type Test } from 'tap';
import { writeFileSync, mkdirSync } from 'node:fs';
import { ConfigError, canonicalJson, deepMerge, fingerprint, loadConfig, stripComments } from '../../src/config/load.js';

function cfg(t: Test, body: unknown): string {
  const dir = t.testdir({});
  const file = `${dir}/c.json`;
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

function err(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

t.test('no file: defaults, profile "default", stable fingerprint', async (t) => {
  const dir = t.testdir({});
  const a = loadConfig({ cwd: dir });
  t.equal(a.file, null);
  t.equal(a.profile, 'default');
  t.equal(a.config.log.level, 'info');
  t.equal(a.config.metrics.every_ms, 10_000);
  t.match(a.fingerprint, /^[0-9a-f]{64}$/);
  t.equal(loadConfig({ cwd: dir }).fingerprint, a.fingerprint);
});

t.test('./chimera.config.json is picked up when present', async (t) => {
  const dir = t.testdir({ 'chimera.config.json': JSON.stringify({ log: { level: 'warn' } }) });
  const c = loadConfig({ cwd: dir });
  t.equal(c.config.log.level, 'warn');
  t.match(c.file, /chimera\.config\.json$/);
});

t.test('profile overlays the base, flags override both, fingerprints differ', async (t) => {
  const file = cfg(t, {
    '//': 'comments are allowed anywhere as "//" keys',
    log: { level: 'info', throttle_ms: 30_000 },
    profiles: { live: { log: { level: 'warn', '//': 'x' } }, 'shadow-control': {} },
  });
  const base = loadConfig({ file });
  const live = loadConfig({ file, profile: 'live' });
  const flags = loadConfig({ file, profile: 'live', overrides: { log: { level: 'debug' } } });
  t.equal(base.config.log.level, 'info');
  t.equal(live.config.log.level, 'warn');
  t.equal(live.config.log.throttle_ms, 30_000, 'untouched keys come from the base');
  t.equal(flags.config.log.level, 'debug');
  t.equal(live.profile, 'live');
  t.not(base.fingerprint, live.fingerprint);
  t.equal(loadConfig({ file, profile: 'shadow-control' }).fingerprint, base.fingerprint, 'an empty profile resolves to the base');
});

t.test('errors name the bad key, in the file or in any profile', async (t) => {
  t.match(
    err(() => loadConfig({ file: cfg(t, { log: { levle: 'info' } }) })),
    /log\.levle: unknown key/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { log: { level: 'loud' } }) })),
    /log\.level: Invalid option/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { metrics: { every_ms: 5 } }) })),
    /metrics\.every_ms: Too small/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { nope: 1 }) })),
    /nope: unknown key/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { profiles: { live: { log: { level: 'x' } } } }) })),
    /profiles\.live: log\.level/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { profiles: { Live: {} } }) })),
    /profiles\.Live: profile names/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, {}), profile: 'live' })),
    /profile "live" is not defined/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, '{not json') })),
    /not valid JSON/,
  );
  t.match(
    err(() => loadConfig({ file: '/nonexistent/c.json' })),
    /config file not found/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { log: { level: 'info' } }), overrides: { log: { throttle_ms: 1 } } })),
    /flags: log\.throttle_ms/,
  );
});

t.test('a key written twice is refused, naming it (JSON.parse would keep the last silently)', async (t) => {
  t.match(
    err(() => loadConfig({ file: cfg(t, '{"devig":{"method":"shin","method":"proportional"}}') })),
    /c\.json: devig\.method: duplicate key "method"/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, '{"log":{"level":"info"},"log":{"level":"debug"}}') })),
    /: log: duplicate key "log"/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, '{"profiles":{"live":{"kelly":{"fraction":0.25,"fraction":1}}}}') })),
    /profiles\.live\.kelly\.fraction: duplicate key "fraction"/,
  );
  const ok = loadConfig({ file: cfg(t, '{"//":"a comment","//":"another","log":{"//level":"x","//level":"y","level":"warn"}}') });
  t.equal(ok.config.log.level, 'warn', '"//" comment keys may repeat');
});

t.test('feed-kalshi follows NBA/NHL game-winner markets only (roadmap 16), naming the key', async (t) => {
  t.match(
    err(() => loadConfig({ file: cfg(t, { kalshi: { series: ['KXNBAGAME', 'KXNFLGAME'] } }) })),
    /kalshi\.series\.1: a game-winner series we trade \(KXNBAGAME, KXNHLGAME\)/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { kalshi: { tickers: ['KXNFLGAME-26JAN25DENKC-KC'] } }) })),
    /kalshi\.tickers\.0: .*series KXNFLGAME is not a game-winner series/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { kalshi: { tickers: ['KXNBAGAME-26FEB30DENMEM-DEN'] } }) })),
    /kalshi\.tickers\.0: .*no date 26FEB30/,
  );
  const ok = loadConfig({ file: cfg(t, { kalshi: { series: ['KXNHLGAME'], tickers: ['KXNBAGAME-26JAN25DENMEM-DEN'] } }) });
  t.same(ok.config.kalshi.series, ['KXNHLGAME']);
});

t.test('secrets are refused in the config file, wherever they are', async (t) => {
  t.match(
    err(() => loadConfig({ file: cfg(t, { api_key: 'x' }) })),
    /api_key: secrets do not belong in the config file/,
  );
  t.match(
    err(() => loadConfig({ file: cfg(t, { profiles: { live: { log: { password: 'x' } } } }) })),
    /profiles\.live\.log\.password: secrets/,
  );
});

t.test('canonical JSON: sorted keys at every depth, undefined dropped; fingerprint is key-order independent', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null }, u: undefined }), '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  t.equal(fingerprint({ a: 1, b: 2 }), fingerprint({ b: 2, a: 1 }));
  t.not(fingerprint({ a: 1 }), fingerprint({ a: 2 }));
});

t.test('merge and comment stripping', async (t) => {
  t.same(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
  t.same(stripComments({ '//': 'x', a: [{ '// note': 1, b: 2 }] }), { a: [{ b: 2 }] });
  mkdirSync(t.testdir({}) + '/x', { recursive: true });
});
