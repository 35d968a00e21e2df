// ledger verify: the reader's checks (unit) and the command's report, exit codes and
// --repair (a torn tail moves to FILE.torn; any other damage is only reported).
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readLedger } from '../../src/ledger/read.js';
import { ledger, summaryOf, tmp } from './lib.js';

const H = 'ts,trade_id,note\n';

async function check(text: string | Buffer, expect?: string[]) {
  const dir = tmp('verify');
  writeFileSync(`${dir}/f.csv`, text);
  return readLedger(`${dir}/f.csv`, expect ? { expect } : {});
}

t.test('a clean ledger, quoted cells with commas, quotes and newlines included', async (t) => {
  const c = await check(`${H}1,a,"x, ""y""\nz"\n2,b,\n3,c,"\n"\n`);
  t.same(c.problems, []);
  t.same(c.header, ['ts', 'trade_id', 'note']);
  t.equal(c.rows, 3);
  t.equal(c.tail, undefined);
});

t.test('rows are reported by the line they start on', async (t) => {
  const c = await check(`${H}1,a,"two\nlines"\n2,b\n3,c,d,e\n\nts,trade_id,note\n4,d,"x"y\n5,e,f\n`);
  t.same(
    c.problems.map((p) => [p.line, p.kind]),
    [
      [4, 'row'],
      [5, 'row'],
      [6, 'row'],
      [7, 'row'],
      [8, 'row'],
    ],
  );
  t.match(c.problems[0]!.reason, /2 columns, the header has 3/);
  t.match(c.problems[1]!.reason, /4 columns/);
  t.match(c.problems[2]!.reason, /empty line/);
  t.match(c.problems[3]!.reason, /header repeated/);
  t.match(c.problems[4]!.reason, /does not parse: .*quote/i);
  t.equal(c.rows, 2, 'good rows: lines 2 and 9');
});

t.test('torn tails: no final newline, or cut inside a quoted field', async (t) => {
  const a = await check(`${H}1,a,b\n2,b,hal`);
  t.same(
    a.problems.map((p) => [p.line, p.kind]),
    [[3, 'torn']],
  );
  t.match(a.tail, { start: H.length + 6, bytes: 7, torn: true, inQuote: false });
  const b = await check(`${H}1,a,b\n2,b,"multi\nline cut`);
  t.same(
    b.problems.map((p) => [p.line, p.kind]),
    [[3, 'torn']],
  );
  t.match(b.problems[0]!.reason, /inside a quoted field/);
  t.match(b.tail, { torn: true, inQuote: true, line: 3 });
});

t.test('an unfinished end that is not a prefix of one row is damage, not a torn row', async (t) => {
  const c = await check(`${H}1,a,b"c\n2,b,c\n`); // a stray quote swallows the rest
  t.same(
    c.problems.map((p) => p.kind),
    ['damage'],
  );
  t.equal(c.tail?.torn, false);
  const d = await check(`${H}1,a,b\n2,b,c,d,e`);
  t.same(
    d.problems.map((p) => p.kind),
    ['damage'],
    'more fields than the header',
  );
});

t.test('header problems: empty file, empty first line, duplicate column, not the expected columns', async (t) => {
  t.match((await check('')).problems, [{ line: 1, kind: 'header', reason: /empty file/ }]);
  t.match((await check('\n1,2\n')).problems, [{ line: 1, kind: 'header', reason: /empty first line/ }]);
  t.match((await check('a,b,a\n1,2,3\n')).problems, [{ line: 1, kind: 'header', reason: /"a" appears twice/ }]);
  const c = await check(`${H}1,a,b\n`, ['ts', 'trade_id']);
  t.match(c.problems, [{ line: 1, kind: 'header', reason: /expected "ts,trade_id"/ }]);
});

t.test('many rows: parsed in batches; one bad row among thousands is named', async (t) => {
  const lines = [H.trim()];
  for (let i = 0; i < 5000; i++) lines.push(i === 3210 ? `${i},x,"bad"quote` : `${i},t${i},"n, ${i}"`);
  const c = await check(lines.join('\n') + '\n');
  t.equal(c.rows, 4999);
  t.same(
    c.problems.map((p) => p.line),
    [3212],
  );
});

t.test('verify command: FILE:LINE lines, exit 1; --repair moves a torn tail aside, then exit 0', async (t) => {
  const dir = tmp('verify');
  const f = `${dir}/f.csv`;
  const good = `${H}1,a,"x\ny"\n2,b,c\n`;
  writeFileSync(f, `${good}3,c,"tor`);
  const r = await ledger(['verify', f]);
  t.equal(r.code, 1);
  t.equal(r.stdout, `${f}:5: torn final row (8 bytes; ends inside a quoted field): left by a writer killed in mid-write\n${f}: 1 problem; 2 good rows\n`);
  t.equal(readFileSync(f, 'utf8'), `${good}3,c,"tor`, 'verify alone changes nothing');
  const fix = await ledger(['verify', '--repair', f]);
  t.equal(fix.code, 0, fix.stderr);
  t.match(fix.stdout, new RegExp(`^${f}:5: torn final row \\(8 bytes\\) moved to .*f\\.csv\\.torn\\n${f}: ok: 1 header, 2 rows\\n$`));
  t.equal(readFileSync(f, 'utf8'), good);
  t.equal(readFileSync(`${f}.torn`, 'utf8'), '3,c,"tor\n', 'the torn bytes, verbatim, then a newline');
  t.match(summaryOf(fix), { repaired: 1, files_with_problems: 0 });
  const again = await ledger(['verify', f]);
  t.equal(again.code, 0);
  t.notOk(existsSync(`${f}.lock`), 'lock released');
});

t.test('--repair never touches other damage', async (t) => {
  const dir = tmp('verify');
  const f = `${dir}/f.csv`;
  const text = `${H}1,a,b\n1,2\n3,"x"y,z\n4,d,e,f`; // wrong width, bad quote, and an unfinished row too wide to be torn
  writeFileSync(f, text);
  const r = await ledger(['verify', '--repair', f]);
  t.equal(r.code, 1);
  t.match(r.stdout, /f\.csv:3: 2 columns/);
  t.match(r.stdout, /f\.csv:4: does not parse: Invalid Closing Quote: got "y" instead of delimiter/);
  t.match(r.stdout, /f\.csv:5: unfinished final record .* not a torn row/);
  t.equal(readFileSync(f, 'utf8'), text);
  t.notOk(existsSync(`${f}.torn`));
});

t.test('verify: several files, --type, usage errors', async (t) => {
  const dir = tmp('verify');
  writeFileSync(`${dir}/a.csv`, `${H}1,a,b\n`);
  writeFileSync(`${dir}/b.csv`, `${H}1,a,b\n`);
  const ok = await ledger(['verify', `${dir}/a.csv`, `${dir}/b.csv`]);
  t.equal(ok.code, 0);
  t.equal(ok.stdout.split('\n').filter(Boolean).length, 2);
  const typed = await ledger(['verify', '--type', 'fill', `${dir}/a.csv`]);
  t.equal(typed.code, 1);
  t.match(typed.stdout, /a\.csv:1: header is "ts,trade_id,note", expected "type,ts,recv_ts,/);
  t.equal((await ledger(['verify', '--columns', 'ts,trade_id,note', `${dir}/a.csv`])).code, 0);
  t.equal((await ledger(['verify', `${dir}/missing.csv`])).code, 2);
  t.equal((await ledger(['verify', '--type', 'fill', '--columns', 'a', `${dir}/a.csv`])).code, 2);
});

t.test('reader: a stray quote in a middle row with whole rows after it is damage, named by line', async (t) => {
  // Line 4 opens a quote that never closes: a parity scan reads lines 4-6 as one quoted
  // field running to the end of the file. Lines 5 and 6 are whole, committed rows.
  const c = await check(`${H}1,a,b\n2,b,c\n"unterminated,2\n3,c,d\n4,d,e\n`);
  t.equal(c.tail?.torn, false, 'not a torn row');
  t.match(c.problems, [{ line: 4, kind: 'damage', reason: /line 5 .*whole row/ }]);
  t.equal(c.rows, 2);
  const d = await check(`${H}1,a,b\n"unterminated,2\n3,c,d\n4,d,e\n5,e,hal`);
  t.match(d.problems, [{ line: 3, kind: 'damage', reason: /line 4 .*whole row/ }], 'a torn row after the whole rows changes nothing');
  const e = await check(`${H}1,a,b\n2,"b,c\n`);
  t.match(e.problems, [{ line: 3, kind: 'damage', reason: /ends in a newline/ }], 'a torn row never ends in a newline');
  const f = await check(`${H}1,a,b\n2,b,"multi\nline\ncut`);
  t.match(f.problems, [{ line: 3, kind: 'torn' }], 'a quoted cell of several lines, none of them a row, cut: torn');
});

t.test('a torn row cut inside a multi-byte character is still a torn row', async (t) => {
  const c = await check(Buffer.concat([Buffer.from(`${H}1,a,b\n2,b,caf`), Buffer.from('é').subarray(0, 1)]));
  t.same(
    c.problems.map((p) => [p.line, p.kind]),
    [[3, 'torn']],
  );
  t.match(c.tail, { torn: true, bytes: 8 });
});
