// ledger rollup: per-process ledgers from real --per-process writers merged by (ts, file,
// row), the same bytes for any argument order; header rules; torn tails left out.
import t from 'tap';
import { readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { compareRows } from '../../src/ledger/rollup.js';
import { fill, ledger, ndjson, readCsv, summaryOf, tmp, T0 } from './lib.js';

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

t.test('per-process files + rollup: one header, ordered by (ts, file, row), same output for any order', async (t) => {
  const dir = tmp('rollup');
  // Three writers; equal ts across writers (tie broken by file name, then row) and a
  // writer whose own rows are not in ts order.
  const inputs = [
    [fill('a', 1), fill('a', 3), fill('a', 2), fill('a', 3, { trade_id: 't-a-3b' })],
    [fill('b', 1), fill('b', 2), fill('b', 5)],
    [fill('c', 0), fill('c', 3), fill('c', 9)],
  ];
  const runs = await Promise.all(inputs.map((recs) => ledger(['append', `${dir}/fills.csv`, '--per-process'], { input: ndjson(recs) })));
  for (const r of runs) t.equal(r.code, 0, r.stderr);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => `${dir}/${f}`)
    .sort();
  t.equal(files.length, 3);
  const orders = permutations(files).filter((_, i) => i % 2 === 0); // 3 of the 6 orders, each file first once
  const outs = await Promise.all(orders.map((p) => ledger(['rollup', ...p])));
  for (const o of outs) {
    t.equal(o.code, 0, o.stderr);
    t.equal(o.stdout, outs[0]!.stdout, 'byte-identical whatever the order');
  }
  const merged = `${dir}/merged.csv`;
  writeFileSync(merged, outs[0]!.stdout);
  const { header, rows } = readCsv(merged);
  t.equal(header[1], 'ts');
  t.equal(rows.length, 10);
  const fileOf = new Map(
    files.map((f) => [
      readCsv(f)
        .rows.map((r) => r[5])
        .join(),
      f,
    ]),
  );
  t.equal(fileOf.size, 3);
  // Expected order computed independently: sort (ts, file, row index) over the inputs.
  const expected = files
    .flatMap((f) => readCsv(f).rows.map((r, i) => ({ ts: Number(r[1]), f, i, id: r[5] })))
    .sort((x, y) => x.ts - y.ts || (x.f < y.f ? -1 : x.f > y.f ? 1 : 0) || x.i - y.i)
    .map((x) => x.id);
  t.same(
    rows.map((r) => r[5]),
    expected,
  );
  t.same(
    rows.slice(0, 3).map((r) => r[5]),
    ['t-c-0', expected[1], expected[2]],
  );
  t.equal((await ledger(['verify', merged])).code, 0, 'the rollup verifies');
  t.match(summaryOf(outs[0]!), { inputs: 3, rows: 10, torn_left_out: 0 });
});

t.test('compareRows: ts, then file name, then row; rows without a numeric ts last', async (t) => {
  const r = (ts: number, file: string, line: number) => ({ ts, file, line, fields: [] });
  const rows = [r(NaN, 'a', 2), r(5, 'b', 3), r(5, 'a', 9), r(1, 'z', 1), r(5, 'a', 4), r(NaN, 'a', 1)];
  t.same(
    rows.sort(compareRows).map((x) => `${x.ts}/${x.file}/${x.line}`),
    ['1/z/1', '5/a/4', '5/a/9', '5/b/3', 'NaN/a/1', 'NaN/a/2'],
  );
});

t.test('headers must match: exit 2 naming both; no ts column: exit 2', async (t) => {
  const dir = tmp('rollup');
  writeFileSync(`${dir}/a.csv`, 'ts,x\n1,a\n');
  writeFileSync(`${dir}/b.csv`, 'ts,y\n2,b\n');
  const r = await ledger(['rollup', `${dir}/a.csv`, `${dir}/b.csv`]);
  t.equal(r.code, 2);
  t.match(r.stderr, /headers differ: .*a\.csv has \\"ts,x\\", .*b\.csv has \\"ts,y\\"/);
  t.equal(r.stdout, '', 'nothing written');
  writeFileSync(`${dir}/c.csv`, 'time,x\n1,a\n');
  const n = await ledger(['rollup', `${dir}/c.csv`]);
  t.equal(n.code, 2);
  t.match(n.stderr, /no ts column/);
  t.equal((await ledger(['rollup', `${dir}/a.csv`, `${dir}/a.csv`])).code, 2, 'a file given twice');
  t.equal((await ledger(['rollup', `${dir}/none.csv`])).code, 2, 'a missing file');
});

t.test('a torn final row is reported and left out; other problems reported, good rows kept, exit 1', async (t) => {
  const dir = tmp('rollup');
  writeFileSync(`${dir}/a.csv`, 'ts,x\n3,a3\n1,a1\n');
  appendFileSync(`${dir}/a.csv`, '2,"torn');
  writeFileSync(`${dir}/b.csv`, 'ts,x\n2,b2\n');
  const r = await ledger(['rollup', `${dir}/a.csv`, `${dir}/b.csv`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'ts,x\n1,a1\n2,b2\n3,a3\n');
  t.match(
    r.logs.find((l) => /torn final row left out/.test(String(l.msg))),
    { level: 40, src: `${dir}/a.csv:4` },
  );
  t.match(summaryOf(r), { torn_left_out: 1, rows: 3 });

  writeFileSync(`${dir}/c.csv`, 'ts,x\nsoon,c1\n0,c0\n1,2,3\n');
  const bad = await ledger(['rollup', `${dir}/c.csv`, `${dir}/b.csv`]);
  t.equal(bad.code, 1);
  t.equal(bad.stdout, 'ts,x\n0,c0\n2,b2\nsoon,c1\n', 'a row without a numeric ts comes last; the bad row is left out');
  t.ok(bad.logs.some((l) => l.src === `${dir}/c.csv:2` && /not a number/.test(String(l.reason))));
  t.ok(bad.logs.some((l) => l.src === `${dir}/c.csv:4` && /3 columns/.test(String(l.reason))));
});

t.test('rows with quoted commas, quotes and newlines come through a rollup unchanged', async (t) => {
  const dir = tmp('rollup');
  writeFileSync(`${dir}/a.csv`, `ts,note\n${T0},"a, ""b""\nc"\n`);
  writeFileSync(`${dir}/b.csv`, `ts,note\n${T0 - 1},plain\n`);
  const r = await ledger(['rollup', `${dir}/b.csv`, `${dir}/a.csv`]);
  t.equal(r.stdout, `ts,note\n${T0 - 1},plain\n${T0},"a, ""b""\nc"\n`);
});
