// Many writers, one ledger: 8 processes append 5,000 rows each at once -> one header and
// 40,000 intact rows, each exactly once. And the same with one writer SIGKILLed mid-run:
// verify passes after --repair (at most its torn row moved aside) and every record it
// had written to stdout (committed) is in the file.
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { fieldsOf } from '../../src/schema/records.js';
import { rowOf, stringifyRows } from '../../src/ledger/csv.js';
import { fill, ledger, ndjson, readCsv, summaryOf, tmp } from './lib.js';

const WRITERS = 8;
const ROWS = 5000;
const COLUMNS = fieldsOf('fill');
const ID = COLUMNS.indexOf('trade_id');

function inputOf(w: number): { recs: Record<string, unknown>[]; text: string } {
  // Each row carries a cell with a comma, a quote and a newline, so intact rows are
  // also a test of multi-line quoting under concurrency.
  const recs = Array.from({ length: ROWS }, (_, i) => fill(w, i, w % 2 ? {} : { fee: 0, recv_ts: 1769380000000 + i }));
  return { recs, text: ndjson(recs) };
}

/** Every row must be exactly the encoding of the record with its trade_id. */
function checkRows(t: Test, file: string, expect: Map<string, Record<string, unknown>>): Map<string, number> {
  const text = readFileSync(file, 'utf8');
  t.equal(text.split('\n').filter((l) => l.startsWith('type,ts,recv_ts,')).length, 1, 'exactly one header line');
  const { header, rows } = readCsv(file);
  t.same(header, COLUMNS);
  const seen = new Map<string, number>();
  let broken = 0;
  for (const r of rows) {
    const id = r[ID]!;
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const rec = expect.get(id);
    if (!rec || stringifyRows([r]) !== stringifyRows([rowOf(rec, COLUMNS)])) broken++;
  }
  t.equal(broken, 0, 'every row intact');
  t.equal([...seen.values()].filter((n) => n > 1).length, 0, 'no row twice');
  return seen;
}

t.test(`${WRITERS} processes x ${ROWS} rows into one file at once`, async (t) => {
  const dir = tmp('concurrent');
  const file = `${dir}/fills.csv`;
  const inputs = Array.from({ length: WRITERS }, (_, w) => inputOf(w));
  const t0 = Date.now();
  const runs = await Promise.all(inputs.map((inp) => ledger(['append', file], { input: inp.text, timeoutMs: 120_000 })));
  t.comment(`${WRITERS * ROWS} rows in ${Date.now() - t0} ms`);
  for (const r of runs) {
    t.equal(r.code, 0, r.stderr.slice(0, 500));
    t.equal(summaryOf(r).rows, ROWS);
    t.equal(r.stdout.split('\n').filter((l) => l.includes('"type":"fill"')).length, ROWS, 'every record passed on');
  }
  const expect = new Map(inputs.flatMap((i) => i.recs.map((r) => [String(r.trade_id), r] as const)));
  const seen = checkRows(t, file, expect);
  t.equal(seen.size, WRITERS * ROWS, 'every row present');
  const v = await ledger(['verify', file]);
  t.equal(v.code, 0, v.stdout);
  t.notOk(existsSync(`${file}.lock`));
});

t.test('the same with one writer SIGKILLed mid-run', async (t) => {
  const dir = tmp('concurrent');
  const file = `${dir}/fills.csv`;
  const inputs = Array.from({ length: WRITERS }, (_, w) => inputOf(w));
  const stale = ['--lock-stale-ms', '2000']; // a writer killed holding the lock is taken over after 2 s
  let killedOut = '';
  // Writer 0 is fed slowly and killed once it has reported some rows as committed.
  const victim = ledger(['append', file, ...stale], {
    timeoutMs: 120_000,
    onSpawn(child) {
      const lines = inputs[0]!.text.split('\n');
      let at = 0;
      let killed = false;
      child.stdout!.on('data', (b: Buffer) => {
        killedOut += b.toString('utf8');
        if (!killed && (killedOut.match(/"type":"fill"/g)?.length ?? 0) >= 1000) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      const feed = (): void => {
        if (killed || at >= lines.length) {
          child.stdin!.end();
          return;
        }
        child.stdin!.write(lines.slice(at, at + 50).join('\n') + '\n');
        at += 50;
        setTimeout(feed, 5);
      };
      feed();
    },
  });
  const others = inputs.slice(1).map((inp) => ledger(['append', file, ...stale], { input: inp.text, timeoutMs: 120_000 }));
  const [v, ...rest] = await Promise.all([victim, ...others]);
  t.equal(v!.signal, 'SIGKILL', 'the victim was killed');
  for (const r of rest) t.equal(r.code, 0, r.stderr.slice(0, 500));

  const committed = killedOut
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.includes('"type":"fill"'))
    .map((l) => String((JSON.parse(l) as { trade_id: string }).trade_id));
  t.ok(committed.length >= 1000 && committed.length < ROWS, `victim committed ${committed.length} rows before it died`);

  const repair = await ledger(['verify', '--repair', file]);
  t.equal(repair.code, 0, repair.stdout);
  const after = await ledger(['verify', file]);
  t.equal(after.code, 0, after.stdout);
  if (existsSync(`${file}.torn`)) {
    const torn = readFileSync(`${file}.torn`, 'utf8');
    t.equal(torn.split('\n').filter(Boolean).length <= 2, true, 'at most the one torn row moved aside');
  }
  const expect = new Map(inputs.flatMap((i) => i.recs.map((r) => [String(r.trade_id), r] as const)));
  const seen = checkRows(t, file, expect);
  t.equal(committed.filter((id) => !seen.has(id)).length, 0, 'every committed row of the killed writer is in the file');
  for (let w = 1; w < WRITERS; w++) {
    t.equal(inputs[w]!.recs.filter((r) => !seen.has(String(r.trade_id))).length, 0, `writer ${w}: all ${ROWS} rows`);
  }
});
