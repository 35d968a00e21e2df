// Damage that is not a torn row is reported and never "repaired", by append or by
// verify --repair: a stray quote in a middle row (quote parity then reads the rows after
// it as one quoted field running to the end of the file) and a file that is not UTF-8
// (UTF-16). Exit 1, file:line, the file untouched, no FILE.torn.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fill, ledger, ndjson, records, summaryOf, tmp } from './lib.js';

const H = 'ts,trade_id,note\n';

t.test('a stray quote in a middle row, whole rows after it: verify --repair reports, changes nothing', async (t) => {
  const dir = tmp('damage');
  const f = `${dir}/f.csv`;
  // Line 4 opens a quote that never closes; lines 5 and 6 are whole, committed rows.
  const text = `${H}1,a,b\n2,b,c\n"unterminated,2\n3,c,d\n4,d,e\n`;
  writeFileSync(f, text);
  const r = await ledger(['verify', '--repair', f]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, new RegExp(`^${f}:4: .*not a torn row.*line 5 .*whole row`, 'm'));
  t.notMatch(r.stdout, /moved to/);
  t.match(summaryOf(r), { repaired: 0, files_with_problems: 1 });
  t.equal(readFileSync(f, 'utf8'), text, 'file untouched');
  t.notOk(existsSync(`${f}.torn`), 'nothing moved aside');

  // A stray quote on the last line, which ends in a newline: a torn row never does.
  const last = `${H}1,a,b\n2,"b,c\n`;
  writeFileSync(f, last);
  const e = await ledger(['verify', '--repair', f]);
  t.equal(e.code, 1);
  t.match(e.stdout, /f\.csv:3: .*ends in a newline/);
  t.equal(readFileSync(f, 'utf8'), last);
  t.notOk(existsSync(`${f}.torn`));
});

t.test('a stray quote in a middle row: append exits 1 naming its line, writes nothing', async (t) => {
  const dir = tmp('damage');
  const f = `${dir}/f.csv`;
  const text = `ts,trade_id\n1,a\n"unterminated,2\n3,c\n4,d\n`;
  writeFileSync(f, text);
  const r = await ledger(['append', f, '--columns', 'ts,trade_id', '--type', 'fill'], { input: ndjson([fill(7, 2)]) });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, new RegExp(`${f}:3: .*not a torn row.*line 4 .*whole row.*ledger verify`));
  t.equal(readFileSync(f, 'utf8'), text, 'file untouched');
  t.notOk(existsSync(`${f}.torn`), 'nothing moved aside');
  t.equal(records(r).length, 1, 'only the manifest: nothing committed');
});

const plain = `${H}1,a,b\n2,b,c\n`;
const utf16: Array<[string, Buffer]> = [
  ['le-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plain, 'utf16le')])],
  ['le.csv', Buffer.from(plain, 'utf16le')],
  ['be.csv', Buffer.from(plain, 'utf16le').swap16()],
  ['le-one-line.csv', Buffer.from('ts,trade_id,note', 'utf16le')],
];

t.test('UTF-16 ledgers: verify --repair reports line 1 as not UTF-8, changes nothing', async (t) => {
  const dir = tmp('damage');
  const files = utf16.map(([name, bytes]) => {
    writeFileSync(`${dir}/${name}`, bytes);
    return `${dir}/${name}`;
  });
  const r = await ledger(['verify', '--repair', ...files]);
  t.equal(r.code, 1);
  t.notMatch(r.stdout, /moved to/, 'nothing moved');
  t.match(summaryOf(r), { repaired: 0, files_with_problems: utf16.length });
  for (const [name, bytes] of utf16) {
    t.match(r.stdout, new RegExp(`${name}:1: .*not UTF-8`), `${name}: named as not UTF-8`);
    t.same(readFileSync(`${dir}/${name}`), bytes, `${name}: untouched`);
    t.notOk(existsSync(`${dir}/${name}.torn`), `${name}: no .torn`);
  }
});

t.test('UTF-16 ledgers: append exits 1 (not UTF-8), writes nothing', async (t) => {
  const dir = tmp('damage');
  for (const [name, bytes] of utf16.filter(([n]) => n !== 'be.csv')) {
    const f = `${dir}/${name}`;
    writeFileSync(f, bytes);
    const r = await ledger(['append', f, '--columns', 'ts,trade_id,note', '--type', 'fill'], { input: ndjson([fill(7, 3)]) });
    t.equal(r.code, 1, `${name}: ${r.stderr}`);
    t.match(r.stderr, new RegExp(`${name}:1: .*not UTF-8`), name);
    t.same(readFileSync(f), bytes, `${name}: untouched`);
    t.notOk(existsSync(`${f}.torn`), `${name}: nothing moved aside`);
  }
});

t.test('bytes that are not UTF-8 in a row or in the unfinished end: named, never moved', async (t) => {
  const dir = tmp('damage');
  const f = `${dir}/bad.csv`;
  // Line 3 holds 0xff (never UTF-8); line 4 is unfinished and ends in a lone continuation
  // byte (not a character cut short, which a torn row may end in).
  const bad = Buffer.concat([Buffer.from(`${H}1,a,b\n2,`), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(',c\n3,c,'), Buffer.from([0x80])]);
  writeFileSync(f, bad);
  const r = await ledger(['verify', '--repair', f]);
  t.equal(r.code, 1);
  t.match(r.stdout, /bad\.csv:3: .*not valid UTF-8/);
  t.match(r.stdout, /bad\.csv:4: .*not valid UTF-8/);
  t.same(readFileSync(f), bad);
  t.notOk(existsSync(`${f}.torn`));
});
