// Secrets never leave the process (issue 14). Each feed command runs against its
// simulator, the simulator echoing every secret everywhere a server can (HTTP error
// bodies, error codes and headers, a payload that is not JSON, error frames, WebSocket
// close reasons, REST error bodies), with a key also given inside --url, and with --raw,
// --run-dir, --metrics and --log-level trace. Then stdout, stderr and every file the run
// wrote are searched for every secret: as is, percent-encoded (both hex cases, URI and
// form style), JSON-escaped, case-changed, and any 8-character piece of it. Each echo is
// also checked to have happened (its [REDACTED] is there), so the search is not vacuous.
// (--reject belongs to commands that read records; no feed has it.)
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { burst, scenario } from '../helpers/bolt.js';
import { DEMO, makeKeys, startSim as startKalshi } from '../helpers/kalshi.js';
import { ofType, parseLines, run, type RunResult } from '../helpers/run.js';
import { startSim } from '../helpers/sim.js';

const ODDS_KEY = 'Od+K/7Qx=Zr9-Wp2Lm4Tv';
const BOLT_KEY = 'Bk/3Jh+Yt8=Nc5-Qs1Xe';
const KALSHI_KEY_ID = 'kid/6Rf+Ua2=Hg7-Pz9Vb';
const URL_TOKENS = { oddsapi: 'uT+o/4Dd=Ks8-Ri3Ya', boltodds: 'uT+b/5Ee=Lt9-Sj4Zb', kalshi: 'uT+k/6Ff=Mu1-Tk5Ac' };

/** Every form of a secret a careless program or a server could write. */
function formsOf(s: string): string[] {
  const uri = encodeURIComponent(s);
  const forms = [
    s,
    uri,
    uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    new URLSearchParams({ x: s }).toString().slice(2),
    JSON.stringify(s).slice(1, -1),
  ];
  return [...new Set(forms.flatMap((f) => [f, f.toLowerCase(), f.toUpperCase()]))];
}

/** Every file under dir, recursively, with its text. */
function filesUnder(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ file: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

/** No form, and no 8-character piece, of any secret in any output. */
function assertNoSecrets(t: Test, outputs: Array<{ file: string; text: string }>, secrets: string[]): void {
  let checked = 0;
  for (const { file, text } of outputs) {
    for (const s of secrets) {
      for (const f of formsOf(s)) {
        checked++;
        if (text.includes(f)) t.fail(`${file} holds ${JSON.stringify(f)}`);
      }
      for (let a = 0; a + 8 <= s.length; a++) {
        checked++;
        if (text.includes(s.slice(a, a + 8))) t.fail(`${file} holds a piece of a secret: ${JSON.stringify(s.slice(a, a + 8))}`);
      }
    }
  }
  t.ok(checked > 0, `${outputs.length} outputs (${outputs.map((o) => o.file.replace(/^.*\/out\//, '')).join(', ')}) searched: no secret in any form`);
}

function outputsOf(r: RunResult, dir: string): Array<{ file: string; text: string }> {
  return [{ file: 'stdout', text: r.stdout }, { file: 'stderr', text: r.stderr }, ...filesUnder(dir)];
}

/** A frozen config readable by its owner only. */
function assertFrozenConfig(t: Test, file: string): Record<string, unknown> {
  t.equal(statSync(file).mode & 0o777, 0o400, `${file.replace(/^.*\/out\//, '')} is mode 0400`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** A built command whose stdout/stderr can be waited on while it runs. */
function spawnCmd(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  let child: ChildProcess | undefined;
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const done = run(cmd, args, {
    env,
    timeoutMs: 90_000,
    onSpawn: (c) => {
      child = c;
      c.stdout!.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        for (const w of [...waiters]) w();
      });
      c.stderr!.on('data', (b: Buffer) => {
        err += b.toString('utf8');
        for (const w of [...waiters]) w();
      });
    },
  });
  void done.then(() => {
    for (const w of [...waiters]) w();
  });
  let exited = false;
  void done.then(() => {
    exited = true;
  });
  return {
    done,
    /** Resolves once a record (stdout) or log line (stderr) matches. */
    waitFor(where: 'stdout' | 'stderr', pred: (r: Record<string, unknown>) => boolean, what: string, timeoutMs = 30_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const text = where === 'stdout' ? out : err;
          const lines = parseLines(text.slice(0, text.lastIndexOf('\n') + 1), false);
          if (lines.some(pred)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (exited) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${cmd} exited while waiting for ${what}: ${err.slice(-1500)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}: ${err.slice(-1500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop(): Promise<RunResult> {
      if (child && child.exitCode === null) child.kill('SIGTERM');
      return done;
    },
  };
}

t.test('feed-oddsapi: the key (from ODDS_API_KEY_FILE) and a --url token echoed in error bodies, codes, headers and a non-JSON payload', async (t) => {
  const dir = t.testdir({ secret: {}, out: {} });
  const keyFile = `${dir}/secret/odds.key`;
  writeFileSync(keyFile, `${ODDS_KEY}\n`, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  const scen = `${dir}/secret/oddsapi.scenario.ndjson`;
  writeFileSync(
    scen,
    [
      { sim: 'oddsapi' },
      // A 500 whose code, message and headers quote the request (max_retries 0: reported at once).
      {
        sport: 'basketball_nba',
        endpoint: 'odds',
        status: 500,
        error_code: 'E_{{apiKey}}',
        message: 'internal error: key {{apiKey}} ({{apiKey:url}}) on {{request}}',
        headers: { 'x-debug-request': '{{request}}', 'x-api-key': '{{apiKey}}' },
      },
      // A payload that is not JSON and starts with the key: JSON.parse quotes a piece of it.
      { sport: 'icehockey_nhl', endpoint: 'odds', raw: '{{apiKey}} {{request}}' },
    ]
      .map((x) => JSON.stringify(x))
      .join('\n') + '\n',
  );
  const sim = await startSim(['oddsapi', '--scenario', scen, '--key', ODDS_KEY]);
  t.teardown(() => sim.stop());
  const config = `${dir}/secret/chimera.config.json`;
  writeFileSync(config, JSON.stringify({ oddsapi: { max_retries: 0, request_timeout_ms: 5000 } }));
  const url = `${sim.url}/?token=${encodeURIComponent(URL_TOKENS.oddsapi)}`;
  const out = `${dir}/out`;
  const r = await run(
    'feed-oddsapi',
    [
      '--config',
      config,
      '--url',
      url,
      '--once',
      '--log-level',
      'trace',
      '--run-dir',
      `${out}/run`,
      '--metrics',
      `${out}/metrics.ndjson`,
      '--metrics-every',
      '100',
    ],
    { env: { ODDS_API_KEY: '', ODDS_API_KEY_FILE: keyFile } },
  );
  t.equal(r.code, 1, '--once: both sports ended unavailable');

  const status = ofType(r.records, 'oracle.status');
  const nba = status.find((s) => s.sport === 'nba')!;
  const nhl = status.find((s) => s.sport === 'nhl')!;
  t.match(nba, { state: 'unavailable', reason: 'disconnected' });
  t.match(
    String(nba.detail),
    /^HTTP 500 E_\[REDACTED\]: internal error: key \[REDACTED\] \(\[REDACTED\]\) on \/v4\/sports\/basketball_nba\/odds\?.*token=\[REDACTED\].*apiKey=\[REDACTED\]/,
    "the server's text is kept, every secret in it masked",
  );
  t.match(nhl, { state: 'unavailable', reason: 'parse' });
  t.match(String(nhl.detail), /^response is not JSON: .*\[REDACTED\]/, 'JSON.parse quoted a piece of the key: masked');
  t.match(r.records[0]!.argv, ['--config', config, '--url', `${sim.url}/?token=[REDACTED]`], "the manifest's argv");
  t.ok(
    r.logs.some((l) => l.msg === 'a URL carries a credential: it is a secret from here on, masked in every output; keys belong in the environment'),
    'a key inside --url is warned about',
  );
  const metrics = readFileSync(`${out}/metrics.ndjson`, 'utf8');
  t.match(metrics, /"outcome":"e_\[REDACTED\]"/, 'the error code, lower-cased into a metric label, is masked');
  const frozen = assertFrozenConfig(t, `${out}/run/feed-oddsapi.config.json`);
  t.equal((frozen.oddsapi as Record<string, unknown>).url, `${sim.url}/?token=[REDACTED]`);
  t.equal(JSON.parse(readFileSync(`${out}/run/feed-oddsapi.manifest.json`, 'utf8')).config_fingerprint, r.records[0]!.config_fingerprint);
  assertNoSecrets(t, outputsOf(r, out), [ODDS_KEY, URL_TOKENS.oddsapi]);

  // The fingerprint is of the config without secrets: another token, the same fingerprint.
  const other = await run(
    'feed-oddsapi',
    ['--config', config, '--url', `${sim.url}/?token=another-token-0000`, '--once', '--log-level', 'trace', '--metrics-every', '100'],
    { env: { ODDS_API_KEY: '', ODDS_API_KEY_FILE: keyFile } },
  );
  t.equal(other.records[0]!.config_fingerprint, r.records[0]!.config_fingerprint, 'a key inside a URL does not change the config fingerprint');
});

t.test('feed-boltodds: the key and a --url token echoed in an error frame, a bad frame and a close reason; --raw and --from-raw', async (t) => {
  const dir = t.testdir({ secret: {}, out: {} });
  const scen = `${dir}/secret/boltodds.scenario.ndjson`;
  writeFileSync(
    scen,
    scenario(undefined, [
      { send: burst(0) },
      { after_ms: 20, send: { action: 'error', message: 'key {{key}} ({{key:url}}) is over its limit on {{request}}' } },
      { after_ms: 20, text: '{{key}} is not JSON {{request}}' },
      { after_ms: 20, disconnect: 4001, reason: 'key {{key}} revoked' },
      { after_ms: 20, send: burst(3) },
    ]),
  );
  const sim = await startSim(['boltodds', '--scenario', scen, '--key', BOLT_KEY, '--exit-when-done', '--linger-ms', '100']);
  t.teardown(() => sim.stop());
  const config = `${dir}/secret/chimera.config.json`;
  writeFileSync(config, JSON.stringify({ boltodds: { reconnect_min_ms: 50, reconnect_max_ms: 200 } }));
  const out = `${dir}/out`;
  const url = `${sim.url}?token=${encodeURIComponent(URL_TOKENS.boltodds)}`;
  const feed = spawnCmd(
    'feed-boltodds',
    [
      '--config',
      config,
      '--url',
      url,
      '--log-level',
      'trace',
      '--raw',
      `${out}/raw.ndjson`,
      '--run-dir',
      `${out}/run`,
      '--metrics',
      `${out}/metrics.ndjson`,
      '--metrics-every',
      '100',
    ],
    { BOLTODDS_API_KEY: BOLT_KEY },
  );
  const s = await sim.done;
  t.equal(s.code, 0, 'the simulator played the scenario');
  await feed.waitFor('stdout', (x) => x.type === 'odds.line' && x.home_odds === 2.13, "the second burst's lines");
  const r = await feed.stop();
  t.equal(r.code, 0);

  const closed = ofType(r.records, 'oracle.status').find((x) => x.reason === 'disconnected');
  t.match(closed, { detail: 'close: code 4001 key [REDACTED] revoked' }, 'the close reason in the record');
  t.ok(
    r.logs.some((l) => l.msg === 'BoltOdds sent an error' && String(l.payload).includes('key [REDACTED] ([REDACTED])')),
    'the error frame in the log',
  );
  t.ok(
    r.logs.some((l) => l.msg === 'bad frame' && String(l.excerpt).startsWith('[REDACTED] is not JSON')),
    'the bad frame in the log',
  );
  const raw = parseLines(readFileSync(`${out}/raw.ndjson`, 'utf8'), true);
  t.ok(
    raw.some((e) => e.kind === 'close' && e.detail === 'code 4001 key [REDACTED] revoked'),
    'the close in the raw recording',
  );
  t.ok(
    raw.some((e) => e.kind === 'frame' && String(e.data).startsWith('[REDACTED] is not JSON')),
    'the frame in the raw recording',
  );
  const frozen = assertFrozenConfig(t, `${out}/run/feed-boltodds.config.json`);
  t.equal((frozen.boltodds as Record<string, unknown>).url, `${sim.url}?token=[REDACTED]`);
  assertNoSecrets(t, outputsOf(r, out), [BOLT_KEY, URL_TOKENS.boltodds]);

  // The redacted recording replays: the same records as the live run.
  const replay = await run('feed-boltodds', ['--config', config, '--from-raw', `${out}/raw.ndjson`, '--run-dir', `${dir}/replay-run`]);
  t.equal(replay.code, 0);
  const body = (x: RunResult): string[] => x.stdout.split('\n').filter((l) => l && !l.includes('"run.manifest"'));
  t.same(body(replay), body(r), "--from-raw of the redacted recording gives the live run's records");
  assertFrozenConfig(t, `${dir}/replay-run/feed-boltodds.config.json`);
});

t.test('feed-kalshi: the key id echoed in an error frame, a close reason and REST error bodies; the private key in no output', async (t) => {
  const keys = makeKeys(KALSHI_KEY_ID);
  t.teardown(() => keys.cleanup());
  const sim = await startKalshi({ keys, rate: 50, seed: 5 });
  t.teardown(() => sim.stop());
  const dir = t.testdir({ out: {} });
  const out = `${dir}/out`;
  mkdirSync(`${dir}/cfg`);
  const config = `${dir}/cfg/chimera.config.json`;
  writeFileSync(config, JSON.stringify({ kalshi: { backoff: { initial_ms: 50, max_ms: 400, stable_ms: 1000 } } }));
  const wsUrl = `${sim.urls.wsUrl}?token=${encodeURIComponent(URL_TOKENS.kalshi)}`;
  const feed = spawnCmd(
    'feed-kalshi',
    [
      '--config',
      config,
      '--url',
      wsUrl,
      '--rest-url',
      sim.urls.restUrl,
      '--series',
      'KXNBAGAME',
      '--refresh-every',
      '1000',
      '--status-every',
      '300',
      '--log-level',
      'trace',
      '--run-dir',
      `${out}/run`,
      '--metrics',
      `${out}/metrics.ndjson`,
      '--metrics-every',
      '100',
    ],
    { KALSHI_API_KEY_ID: keys.keyId, KALSHI_PRIVATE_KEY_PATH: keys.privPath },
  );
  const live = (x: Record<string, unknown>): boolean => x.type === 'kalshi.status' && x.state === 'live';
  await feed.waitFor('stdout', live, 'live');
  sim.sim.inject({ kind: 'echo-secrets', n: 3 });
  await feed.waitFor('stderr', (l) => l.msg === 'disconnected' && l.code === 4001, 'the echoing close');
  await feed.waitFor('stderr', (l) => /failed/.test(String(l.msg)) && JSON.stringify(l).includes('is not valid for'), 'a REST error quoting the key id');
  await feed.waitFor('stdout', (x) => live(x) && Number(x.connects) >= 2, 'live again');
  const r = await feed.stop();
  t.equal(r.code, 0);

  // Kalshi's error text (its `msg`) is logged as error_text, redacted.
  t.ok(
    r.logs.some((l) => l.msg === 'kalshi error' && l.code === 9 && /key \[REDACTED\] .* is not valid/.test(String(l.error_text))),
    'the error frame and its text arrived',
  );
  t.ok(
    r.logs.some((l) => l.msg === 'disconnected' && l.reason === 'key [REDACTED] revoked'),
    'the close reason in the log',
  );
  t.ok(
    r.logs.some((l) => JSON.stringify(l).includes('key [REDACTED] ([REDACTED]) is not valid for')),
    'the REST error body in the log',
  );
  t.ok(ofType(r.records, 'kalshi.book').length > 0, 'books were written');
  const frozen = assertFrozenConfig(t, `${out}/run/feed-kalshi.config.json`);
  t.equal((frozen.kalshi as Record<string, unknown>).ws_url, `${sim.urls.wsUrl}?token=[REDACTED]`);
  const pem = readFileSync(keys.privPath, 'utf8');
  const pemLines = pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
  t.ok(pemLines.length > 10);
  assertNoSecrets(t, outputsOf(r, out), [KALSHI_KEY_ID, URL_TOKENS.kalshi, ...pemLines]);
  t.same(
    [...new Set(ofType(r.records, 'kalshi.book').map((b) => b.ticker))].sort(),
    [...DEMO].filter((x) => x.startsWith('KXNBAGAME')).sort(),
    'the discovered markets were followed',
  );
});

t.test('an uncaught error is logged through the redactor, not printed raw by Node', async (t) => {
  const dir = t.testdir({});
  const script = `${dir}/crash.mjs`;
  writeFileSync(
    script,
    `import { runCommand } from ${JSON.stringify(new URL('../../src/cli/kit.js', import.meta.url).href)};
await runCommand({
  name: 'crash', summary: 'throws from a timer', description: 'x', examples: [], output: 'none', secrets: ['ODDS_API_KEY'],
  async run() {
    setTimeout(() => { throw new Error('the server said: bad key ' + process.env.ODDS_API_KEY); }, 0);
    await new Promise((r) => setTimeout(r, 60_000));
  },
}, []);
`,
  );
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, [script], { env: { ...process.env, ODDS_API_KEY: ODDS_KEY }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (b: Buffer) => {
      err += b.toString('utf8');
    });
    c.on('close', (code) => resolve({ code, stderr: err }));
  });
  t.equal(r.code, 1, 'exit 1, as Node would');
  const fatal = parseLines(r.stderr, false).find((l) => l.msg === 'uncaught error: exiting');
  t.match(fatal, { level: 60, err: { message: 'the server said: bad key [REDACTED]' } });
  assertNoSecrets(t, [{ file: 'stderr', text: r.stderr }], [ODDS_KEY]);
});

t.test('a usage error quoting an argument masks a credential in it', async (t) => {
  const r = await run('feed-oddsapi', ['--log-level', `x?apiKey=${encodeURIComponent(ODDS_KEY)}`]);
  t.equal(r.code, 2);
  t.match(r.stderr, /argument 'x\?apiKey=\[REDACTED\]' is invalid/);
  assertNoSecrets(t, [{ file: 'stderr', text: r.stderr }], [ODDS_KEY]);
});
