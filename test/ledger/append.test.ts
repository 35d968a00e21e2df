// ledger append through the built binary: which type is ledgered, what a row holds,
// pass-through order, header rules, torn tails, locks, --per-process.
import t from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fieldsOf } from '../../src/schema/records.js';
import { fill, ledger, ndjson, readCsv, records, summaryOf, tmp, T0 } from './lib.js';

const FILL_COLUMNS = fieldsOf('fill');

t.test("ledgers the first record's type; every record passes through, in order, after the manifest", async (t) => {
  const dir = tmp();
  const input = [
    {
      type: 'run.manifest',
      ts: T0,
      cmd: 'quote',
      version: '0.1.0',
      branch: null,
      commit: null,
      dirty: null,
      profile: 'default',
      config_fingerprint: 'a'.repeat(64),
      argv: [],
      started_ts: T0,
    },
    { type: 'metric', ts: T0, name: 'x', value: 1 },
    fill(0, 1),
    { type: 'odds.line', ts: T0 + 5, something: 'not validated: passes through' },
    { type: 'future.type', ts: T0 + 6 },
    fill(0, 2),
  ];
  const text = ndjson(input);
  const r = await ledger(['append', `${dir}/fills.csv`], { input: text });
  t.equal(r.code, 0, r.stderr);
  const out = r.stdout.split('\n').filter(Boolean);
  t.equal(JSON.parse(out[0]!).type, 'run.manifest');
  t.equal(JSON.parse(out[0]!).cmd, 'ledger append');
  t.same(out.slice(1), text.trim().split('\n'), 'input lines verbatim, in order');
  const { header, rows } = readCsv(`${dir}/fills.csv`);
  t.same(header, FILL_COLUMNS, 'columns: the schema field order');
  t.equal(rows.length, 2);
  t.same(
    rows.map((row) => row[header.indexOf('trade_id')]),
    ['t-0-1', 't-0-2'],
  );
  const chose = r.logs.find((l) => l.msg === 'ledgering');
  t.match(chose, { level: 30, type: 'fill', chosen_by: 'first record' });
  const s = summaryOf(r);
  t.match(s, { rows: 2, batches: 1, ledger_type: 'fill', not_ledgered_by_type: { 'run.manifest': 1, metric: 1, 'odds.line': 1, 'future.type': 1 } });
});

t.test('--columns: cells encoded; fields outside the columns logged once; records still pass whole', async (t) => {
  const dir = tmp();
  const recs = [fill(1, 1, { note: 'a, "quoted"\nsecond line', tags: ['x', 'y'], flag: true }), fill(1, 2, { note: null, flag: false, extra2: 1 })];
  const r = await ledger(['append', `${dir}/f.csv`, '--type', 'fill', '--columns', 'ts,trade_id,price,note,tags,flag,recv_ts'], { input: ndjson(recs) });
  t.equal(r.code, 0, r.stderr);
  const { header, rows } = readCsv(`${dir}/f.csv`);
  t.same(header, ['ts', 'trade_id', 'price', 'note', 'tags', 'flag', 'recv_ts']);
  t.same(rows, [
    [String(T0 + 10), 't-1-1', '0.42', 'a, "quoted"\nsecond line', '["x","y"]', 'true', ''],
    [String(T0 + 20), 't-1-2', '0.42', '', '', 'false', ''],
  ]);
  t.equal(r.logs.filter((l) => /outside the columns/.test(String(l.msg))).length, 1, 'logged once');
  t.same(summaryOf(r).fields_not_in_columns, [
    'type',
    'order_id',
    'client_order_id',
    'ticker',
    'side',
    'action',
    'count',
    'fee',
    'liquidity',
    'mode',
    'fair_p',
    'source',
    'method',
    'event',
    'extra2',
  ]);
  t.same(records(r).slice(1), recs, 'records pass through whole');
});

t.test('--type: other types get no row; invalid records of the type are rejected, not ledgered', async (t) => {
  const dir = tmp();
  const bad = { ...fill(2, 2), price: 1.7 };
  const input = ndjson([{ type: 'order', ts: T0 }, fill(2, 1), bad, fill(2, 3)]);
  const r = await ledger(['append', `${dir}/f.csv`, '--type', 'fill'], { input });
  t.equal(r.code, 0);
  t.same(
    readCsv(`${dir}/f.csv`).rows.map((row) => row[5]),
    ['t-2-1', 't-2-3'],
  );
  t.match(summaryOf(r), { rows: 2, rejected: 1, rejected_by_reason: { schema: 1 }, not_ledgered_by_type: { order: 1 } });
  t.notOk(r.stdout.includes('"t-2-2"'), 'a rejected record is not passed on');
});

t.test('the record that chooses the type is validated too', async (t) => {
  const dir = tmp();
  const r = await ledger(['append', `${dir}/f.csv`], {
    input: ndjson([{ ...fill(3, 1), side: 'maybe' }, fill(3, 2), { ...fill(3, 3), count: -1 }, fill(3, 4)]),
  });
  t.equal(r.code, 0);
  t.same(
    readCsv(`${dir}/f.csv`).rows.map((row) => row[5]),
    ['t-3-2', 't-3-4'],
    'and so are the later ones',
  );
  t.match(summaryOf(r), { rows: 2, rejected_by_reason: { schema: 2 } });
  t.same(
    records(r)
      .slice(1)
      .map((x) => x.trade_id),
    ['t-3-2', 't-3-4'],
    'rejected records are not passed on',
  );
});

t.test('a first record of a type without a schema: exit 2 (give --type)', async (t) => {
  const dir = tmp();
  const r = await ledger(['append', `${dir}/f.csv`], { input: ndjson([{ type: 'mystery', ts: T0 }]) });
  t.equal(r.code, 2);
  t.match(r.stderr, /\\"mystery\\" has no schema.*--type/);
  t.notOk(existsSync(`${dir}/f.csv`));
});

t.test('no record of the type: no file, exit 0', async (t) => {
  const dir = tmp();
  const r = await ledger(['append', `${dir}/f.csv`], { input: ndjson([{ type: 'metric', ts: T0, name: 'x', value: 1 }]) });
  t.equal(r.code, 0);
  t.notOk(existsSync(`${dir}/f.csv`));
});

t.test('header: written once; appending again keeps one header; a different header exits 2 naming both', async (t) => {
  const dir = tmp();
  const f = `${dir}/f.csv`;
  t.equal((await ledger(['append', f], { input: ndjson([fill(4, 1)]) })).code, 0);
  t.equal((await ledger(['append', f], { input: ndjson([fill(4, 2)]) })).code, 0);
  const before = readFileSync(f, 'utf8');
  t.equal(before.split('\n').filter((l) => l.startsWith('type,ts,')).length, 1);
  t.equal(readCsv(f).rows.length, 2);
  const r = await ledger(['append', f, '--columns', 'ts,trade_id'], { input: ndjson([fill(4, 3)]) });
  t.equal(r.code, 2);
  t.match(r.stderr, /has header \\"type,ts,recv_ts,order_id/);
  t.match(r.stderr, /this run writes \\"ts,trade_id\\"/);
  t.match(
    r.stderr,
    /or --columns type,ts,recv_ts,order_id,[a-z_,]* to write rows under the file's header/,
    "the way out names the file's columns, not this run's",
  );
  t.equal(r.stdout.split('\n').filter(Boolean).length, 1, 'only the manifest: nothing was committed');
  t.equal(readFileSync(f, 'utf8'), before, 'file untouched');
});

t.test('an existing empty file gets the header under the lock', async (t) => {
  const dir = tmp();
  writeFileSync(`${dir}/f.csv`, '');
  const r = await ledger(['append', `${dir}/f.csv`, '--columns', 'ts,trade_id'], { input: ndjson([fill(5, 1)]) });
  t.equal(r.code, 0);
  t.equal(readFileSync(`${dir}/f.csv`, 'utf8'), `ts,trade_id\n${T0 + 10},t-5-1\n`);
});

t.test('a torn final row left by a killed writer is moved to FILE.torn before appending', async (t) => {
  const dir = tmp();
  const f = `${dir}/f.csv`;
  writeFileSync(f, `ts,trade_id,note\n1,a,"x\ny"\n2,b,"half a ro`);
  const r = await ledger(['append', f, '--columns', 'ts,trade_id,note', '--type', 'fill'], { input: ndjson([fill(6, 1, { note: 'n' })]) });
  t.equal(r.code, 0, r.stderr);
  t.equal(readFileSync(f, 'utf8'), `ts,trade_id,note\n1,a,"x\ny"\n${T0 + 10},t-6-1,n\n`);
  t.equal(readFileSync(`${f}.torn`, 'utf8'), '2,b,"half a ro\n');
  const w = r.logs.find((l) => /torn final row moved aside/.test(String(l.msg)));
  t.match(w, { level: 40, bytes: 14 });
  t.match(summaryOf(r), { torn_bytes_moved: 14 });
});

t.test('damage at the end that is not a torn row: exit 1, nothing written', async (t) => {
  const dir = tmp();
  const f = `${dir}/f.csv`;
  const text = `ts,trade_id\n1,a"b\n2,c\n`; // a stray quote: everything after it reads as quoted
  writeFileSync(f, text);
  const r = await ledger(['append', f, '--columns', 'ts,trade_id', '--type', 'fill'], { input: ndjson([fill(7, 1)]) });
  t.equal(r.code, 1);
  t.match(r.stderr, /not a torn row.*ledger verify/);
  t.equal(readFileSync(f, 'utf8'), text);
  t.notOk(existsSync(`${f}.torn`));
});

t.test('a stale lock (its holder died) is taken over; a live one is waited for', async (t) => {
  const dir = tmp();
  const f = `${dir}/f.csv`;
  mkdirSync(`${f}.lock`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(`${f}.lock`, old, old);
  const r = await ledger(['append', f, '--lock-stale-ms', '2000'], { input: ndjson([fill(8, 1)]) });
  t.equal(r.code, 0, r.stderr);
  t.match(summaryOf(r), { rows: 1, stale_locks_taken_over: 1 });
  t.notOk(existsSync(`${f}.lock`), 'released');
  t.same(
    readdirSync(dir).filter((n) => n.includes('.stale.')),
    [],
    'the stale directory was removed',
  );

  // A live holder (refreshing its lock) for longer than the wait budget: exit 1, no write.
  mkdirSync(`${f}.lock`);
  const keep = setInterval(() => {
    const now = new Date();
    utimesSync(`${f}.lock`, now, now);
  }, 200);
  const cfg = `${dir}/c.json`;
  writeFileSync(cfg, JSON.stringify({ ledger: { lock_wait_ms: 1000 } }));
  const before = readFileSync(f, 'utf8');
  const r2 = await ledger(['append', f, '--config', cfg], { input: ndjson([fill(8, 2)]) });
  clearInterval(keep);
  t.equal(r2.code, 1);
  t.match(r2.stderr, /could not lock/);
  t.equal(readFileSync(f, 'utf8'), before);
});

t.test('--per-process writes FILE.<host>.<pid>.csv without a lock', async (t) => {
  const dir = tmp();
  const r = await ledger(['append', `${dir}/fills.csv`, '--per-process', '--batch-rows', '3'], { input: ndjson([1, 2, 3, 4, 5, 6, 7].map((i) => fill(9, i))) });
  t.equal(r.code, 0);
  const files = readdirSync(dir);
  t.equal(files.length, 1);
  const host = hostname()
    .split('.')[0]!
    .replace(/[^A-Za-z0-9_-]/g, '-');
  t.match(files[0], new RegExp(`^fills\\.${host}\\.\\d+\\.csv$`));
  t.equal(readCsv(`${dir}/${files[0]}`).rows.length, 7);
  t.match(summaryOf(r), { rows: 7, batches: 3 });
  t.notOk('lock_wait_ms' in summaryOf(r));
});

t.test('a chunk larger than --batch-rows is committed in several batches, records in order', async (t) => {
  const dir = tmp();
  const recs = Array.from({ length: 25 }, (_, i) => fill(10, i));
  const r = await ledger(['append', `${dir}/f.csv`, '--batch-rows', '10'], { input: ndjson(recs) });
  t.equal(r.code, 0);
  t.match(summaryOf(r), { rows: 25, batches: 3 });
  t.same(
    records(r)
      .slice(1)
      .map((x) => x.trade_id),
    recs.map((x) => x.trade_id),
  );
});

t.test('SIGTERM mid-stream: what was read is committed, then exit 0; stdout lists exactly the rows', async (t) => {
  const dir = tmp();
  const f = `${dir}/f.csv`;
  let out = '';
  const r = await ledger(['append', f], {
    onSpawn(child) {
      child.stdin!.write(ndjson(Array.from({ length: 300 }, (_, i) => fill(11, i))));
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if ((out.match(/"type":"fill"/g)?.length ?? 0) === 300) {
          child.kill('SIGTERM'); // stdin stays open: only the signal can end the run
        }
      });
    },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(summaryOf(r), { rows: 300, stopped_by: 'SIGTERM' });
  t.equal(readCsv(f).rows.length, 300);
});

t.test('usage errors: duplicate columns, unknown type, missing directory', async (t) => {
  const dir = tmp();
  t.equal((await ledger(['append', `${dir}/no/such/f.csv`], { input: ndjson([fill(12, 1)]) })).code, 2);
  t.equal((await ledger(['append', `${dir}/f.csv`, '--columns', 'ts,ts'], { input: '' })).code, 2);
  t.equal((await ledger(['append', `${dir}/f.csv`, '--type', 'nope'], { input: '' })).code, 2);
  t.equal((await ledger(['append'], { input: '' })).code, 2);
});
