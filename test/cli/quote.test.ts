import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SCHEMAS } from '../../src/schema/records.js';
import { ROOT, ofType, run } from '../helpers/run.js';

const FIX = `${ROOT}test/fixtures/quote`;
const SESSION = `${FIX}/session.ndjson`;
const CONFIG = `${FIX}/config.json`;
const dir = mkdtempSync(`${tmpdir()}/quote-test-`);
const base = ['--config', CONFIG, '--shadow', '--replay', '--oracle', 'boltodds/shin'];

t.test('refusals: --live without a passing gate verdict exits 3, a missing venue or oracle is a usage error, Kelly without a sign-off exits 3', async (t) => {
  const live = await run('quote', ['--live', '--oracle', 'boltodds/shin', SESSION]);
  t.equal(live.code, 3, live.stderr);
  t.match(live.stderr, /live refused: no gate verdict file configured/, 'the live-capital gate is asked first');
  t.equal(ofType(live.records, 'order').length, 0, 'not one order');
  // A passing, fresh verdict: past the gate, the Kalshi key is required (from the environment only).
  const verdict = {
    type: 'gate',
    ts: Date.now(),
    pass: true,
    evidence: 'ev',
    branch: 'release',
    commit: 'a'.repeat(40),
    dirty: false,
    config_fingerprint: 'f'.repeat(64),
    conditions: [{ id: 'soak', figure: '21631 s', bound: '>= 21600 s', pass: true }],
    failed: [],
  };
  writeFileSync(`${dir}/verdicts.ndjson`, JSON.stringify(verdict) + '\n');
  writeFileSync(`${dir}/live.json`, JSON.stringify({ gate: { verdict_file: `${dir}/verdicts.ndjson` } }));
  const gated = await run('quote', ['--config', `${dir}/live.json`, '--live', '--oracle', 'boltodds/shin', SESSION], {
    env: { KALSHI_API_KEY_ID: '', KALSHI_PRIVATE_KEY_PATH: '' },
  });
  t.equal(gated.code, 2, gated.stderr);
  t.match(gated.stderr, /KALSHI_API_KEY_ID is not set/);
  t.equal(ofType(gated.records, 'order').length, 0);
  const none = await run('quote', ['--oracle', 'boltodds/shin', SESSION]);
  t.equal(none.code, 2);
  t.match(none.stderr, /--shadow/);
  const noOracle = await run('quote', ['--shadow', SESSION]);
  t.equal(noOracle.code, 2);
  t.match(noOracle.stderr, /--oracle/);
  const badOracle = await run('quote', ['--shadow', '--oracle', 'boltodds', SESSION]);
  t.equal(badOracle.code, 2);
  const kelly = await run('quote', [...base, '--kelly', SESSION]);
  t.equal(kelly.code, 3, kelly.stderr);
  t.match(kelly.stderr, /Kelly refused/);
  t.equal(ofType(kelly.records, 'order').length, 0);
  const missing = await run('quote', [...base, `${dir}/nope.ndjson`]);
  t.equal(missing.code, 2, 'a missing input is a usage error');
});

t.test('a recorded session: every input passes through; orders, fills and settlement are written, all valid', async (t) => {
  const r = await run('quote', [...base, SESSION]);
  t.equal(r.code, 0, r.stderr);
  const input = readFileSync(SESSION, 'utf8').trim().split('\n');
  const out = r.stdout.trim().split('\n');
  t.same(
    out.filter((l) => input.includes(l)),
    input,
    'every input line, unchanged and in order',
  );
  for (const x of r.records) {
    const s = SCHEMAS[x.type as keyof typeof SCHEMAS];
    if (!s || !s.safeParse(x).success) t.fail(`invalid ${String(x.type)}: ${JSON.stringify(x)}`);
  }
  const orders = ofType(r.records, 'order');
  const placed = orders.filter((o) => o.status === 'submitted');
  t.equal(placed.length >= 4, true, 'a bid and an ask on each ticker');
  const fills = ofType(r.records, 'fill');
  // HOME bid 0.45 behind 50 displayed: the 60-lot trade at 0.45 fills 10 of ours.
  const homeBid = fills.find((f) => f.ticker === 'KXNBAGAME-26JAN25DENMEM-MEM' && f.action === 'buy');
  t.ok(homeBid, 'the home bid filled');
  t.equal(homeBid?.count, 10);
  t.equal(homeBid?.price, 0.45);
  t.equal(homeBid?.queue_model, 'risk-averse');
  t.equal(homeBid?.liquidity, 'maker');
  const pulls = orders.filter((o) => o.status === 'pending-cancel').map((o) => o.reason);
  t.ok(pulls.includes('oracle-moved-through'), `the oracle moved through a quote (${pulls.join(', ')})`);
  const settled = ofType(r.records, 'position').filter((p) => p.state === 'settled');
  t.ok(settled.length >= 1, 'positions settled at the result');
  t.ok(settled.every((p) => typeof p.realized_pnl === 'number'));
  const last = new Map<string, unknown>();
  for (const o of orders) last.set(o.client_order_id as string, o.status);
  t.ok(
    // `amended` is final too: that client id was replaced in place by the next version (quote.reprice amend, the default).
    [...last.values()].every((s) => ['filled', 'canceled', 'rejected', 'amended'].includes(s as string)),
    'every order ends final (pulled at the end of input)',
  );
});

t.test('--replay twice over the same recording: byte-identical output', async (t) => {
  const a = await run('quote', [...base, SESSION]);
  const b = await run('quote', [...base, SESSION]);
  t.equal(a.code, 0);
  t.equal(a.stdout, b.stdout);
  t.equal(a.stderr, b.stderr, 'the log too');
});

t.test('the other oracle path prices nothing of this process but passes through; queue model and latency flags apply', async (t) => {
  const r = await run('quote', [
    '--config',
    CONFIG,
    '--shadow',
    '--replay',
    '--oracle',
    'oddsapi/proportional',
    '--queue-model',
    'prob',
    '--latency-ms',
    '5',
    SESSION,
  ]);
  t.equal(r.code, 0, r.stderr);
  const orders = ofType(r.records, 'order');
  t.ok(orders.length > 0);
  t.ok(
    orders.every((o) => o.fair_p === 0.52 || o.fair_p === 0.48 || o.fair_p === 0.58 || o.fair_p === 0.42),
    'priced from oddsapi/proportional only',
  );
  for (const f of ofType(r.records, 'fill')) t.equal(f.queue_model, 'prob');
});

t.test('fills into a locked ledger', async (t) => {
  const q = await run('quote', [...base, SESSION]);
  const l = await run('ledger', ['append', `${dir}/fills.csv`, '--type', 'fill'], { input: q.stdout });
  t.equal(l.code, 0, l.stderr);
  const passed = l.stdout.split('\n').filter((x) => x && !x.includes('"cmd":"ledger append"'));
  t.same(passed, q.stdout.split('\n').filter(Boolean), "every record passes on once its row is committed (after ledger's own manifest)");
  const rows = readFileSync(`${dir}/fills.csv`, 'utf8').trim().split('\n');
  t.equal(rows.length, 1 + ofType(q.records, 'fill').length, 'a header and one row per fill');
});

/** The session split in two recordings, as the oracle pipeline and feed-kalshi would write them. */
function splitSession(): void {
  const lines = readFileSync(SESSION, 'utf8').trim().split('\n');
  writeFileSync(`${dir}/oracle.ndjson`, lines.filter((l) => l.includes('"type":"oracle.')).join('\n') + '\n');
  writeFileSync(`${dir}/kalshi.ndjson`, lines.filter((l) => !l.includes('"type":"oracle.')).join('\n') + '\n');
}

t.test('--replay over several inputs merges them by time as ndcat --merge does', async (t) => {
  splitSession();
  const split = await run('quote', [...base, `${dir}/kalshi.ndjson`, `${dir}/oracle.ndjson`]);
  t.equal(split.code, 0, split.stderr);
  const merged = await run('ndcat', ['--merge', `${dir}/kalshi.ndjson`, `${dir}/oracle.ndjson`]);
  const piped = await run('quote', [...base], {
    input:
      merged.stdout
        .split('\n')
        .filter((l) => l && !l.includes('"run.manifest"'))
        .join('\n') + '\n',
  });
  const body = (s: string) => s.split('\n').filter((l) => l && !l.includes('"run.manifest"'));
  t.same(body(split.stdout), body(piped.stdout), 'the same records in the same order');
  t.ok(ofType(split.records, 'fill').length > 0);
});

t.test('live: inputs are read in arrival order, so a quiet oracle FIFO does not hold back the books', async (t) => {
  splitSession();
  const fifo = `${dir}/oracle.fifo`;
  execFileSync('mkfifo', [fifo]);
  let sawBook = false;
  const done = run('quote', ['--config', CONFIG, '--shadow', '--oracle', 'boltodds/shin', `${dir}/kalshi.ndjson`, fifo], {
    timeoutMs: 30_000,
    onSpawn: (child) => {
      let buf = '';
      child.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        if (!sawBook && buf.includes('"kalshi.book"')) {
          sawBook = true;
          // Only now does the oracle speak (and end).
          writeFileSync(fifo, '');
        }
      });
    },
  });
  const r = await done;
  t.ok(sawBook, 'books came through while the oracle FIFO was open and silent');
  t.equal(r.code, 0, r.stderr);
});

t.test('two processes quoting side by side (control and experiment) never share a client order id', async (t) => {
  const a = await run('quote', [...base, SESSION]);
  const b = await run('quote', ['--config', CONFIG, '--shadow', '--replay', '--oracle', 'oddsapi/proportional', SESSION]);
  const ids = (r: typeof a) => new Set(ofType(r.records, 'order').map((o) => o.client_order_id as string));
  const shared = [...ids(a)].filter((id) => ids(b).has(id));
  t.ok(ids(a).size > 0 && ids(b).size > 0);
  t.same(shared, [], 'the config fingerprint is part of every id');
});
