// Row encoding and record boundaries: what a ledger row looks like, and how ledger bytes
// are cut back into rows (a quoted cell may hold commas, quotes and line breaks).
import t from 'tap';
import { parse } from 'csv-parse/sync';
import {
  BoundaryScanner,
  CellError,
  RecordSplitter,
  encodeCell,
  headerLine,
  looksTorn,
  parseRecord,
  parseRecords,
  rowOf,
  stringifyRows,
  type SplitRecord,
} from '../../src/ledger/csv.js';

t.test('cells: strings as is, JSON numbers, true/false, empty for absent/null, JSON for arrays/objects', async (t) => {
  t.equal(encodeCell('KXNBA-1'), 'KXNBA-1');
  t.equal(encodeCell(''), '');
  t.equal(encodeCell(0.42), '0.42');
  t.equal(encodeCell(-3), '-3');
  t.equal(encodeCell(1769380000001), '1769380000001');
  t.equal(encodeCell(1e21), '1e+21');
  t.equal(encodeCell(true), 'true');
  t.equal(encodeCell(false), 'false');
  t.equal(encodeCell(null), '');
  t.equal(encodeCell(undefined), '');
  t.equal(encodeCell(['pinnacle', 'draftkings']), '["pinnacle","draftkings"]');
  t.equal(encodeCell({ a: 1, b: [2] }), '{"a":1,"b":[2]}');
  t.same(rowOf({ type: 'x', ts: 5, p: 0.5, gone: null }, ['ts', 'p', 'gone', 'absent']), ['5', '0.5', '', '']);
});

t.test('rowOf: a cell too deeply nested for JSON is a CellError naming its column', async (t) => {
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  t.throws(() => rowOf({ ts: 1, note: deep }, ['ts', 'note']), new CellError('note', 'nested too deeply to write as JSON'));
  t.throws(() => rowOf({ ts: 1, note: deep }, ['ts', 'note']), { message: 'column "note" cannot be encoded: nested too deeply to write as JSON' });
});

t.test('quoted fields with commas, quotes and newlines survive a round trip', async (t) => {
  const rows = [
    ['plain', 'a,b', 'say "hi"', 'line1\nline2', 'cr\rhere', '', ' lead', 'é€😀', '["x","y"]'],
    ['2', '"', '""', '\n', ',', 'x', 'y', 'z', '{"k":"v,w"}'],
  ];
  const text = stringifyRows(rows);
  t.ok(text.endsWith('\n'));
  t.equal(text.split('\n')[0], 'plain,"a,b","say ""hi""","line1');
  t.same(parse(text, { record_delimiter: '\n' }), rows, 'csv-parse (rows end in \n) reads back exactly what was written');
  t.equal(headerLine(['type', 'ts', 'a,b']), 'type,ts,"a,b"\n');
  t.equal(stringifyRows([]), '');
});

t.test('a row of one empty cell is written as "" (a bare newline would read as an empty line), and verifies', async (t) => {
  const text = stringifyRows([['labels'], [''], ['{"a":"1"}'], ['']]);
  t.equal(text, 'labels\n""\n"{""a"":""1""}"\n""\n');
  t.same(parse(text, { record_delimiter: '\n' }), [['labels'], [''], ['{"a":"1"}'], ['']]);
  t.equal(
    stringifyRows([
      ['a', ''],
      ['', ''],
    ]),
    'a,\n,\n',
    'rows of several cells are unchanged',
  );
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { readLedger } = await import('../../src/ledger/read.js');
  const dir = mkdtempSync(`${tmpdir()}/csv-`);
  writeFileSync(`${dir}/m.csv`, text);
  const c = await readLedger(`${dir}/m.csv`, {});
  t.same(c.problems, []);
  t.equal(c.rows, 3);
});

t.test('parseRecord / parseRecords: one record per text, empty line is one empty field', async (t) => {
  t.same(parseRecord('a,"b\nc",d'), ['a', 'b\nc', 'd']);
  t.same(parseRecord(''), ['']);
  t.same(parseRecord('x,y\r'), ['x', 'y\r'], 'a \\r is data, not a delimiter');
  t.same(parseRecords(['a,b', '', '"c,d",e']), [['a', 'b'], [''], ['c,d', 'e']]);
  t.throws(() => parseRecord('a,b"c'), /quote/i, 'a stray quote does not parse');
  t.throws(() => parseRecords(['a', 'b,"c']), 'a bad record fails the batch');
});

function splitAll(buf: Buffer, chunk: number): { recs: SplitRecord[]; tail: ReturnType<RecordSplitter['end']> } {
  const s = new RecordSplitter();
  const recs: SplitRecord[] = [];
  for (let i = 0; i < buf.length; i += chunk) s.push(buf.subarray(i, i + chunk), (r) => recs.push(r));
  return { recs, tail: s.end() };
}

t.test('splitter: rows cut at newlines outside quotes, with start lines, for any chunking', async (t) => {
  const text = 'h1,h2\n1,"a\nb"\n2,"x,""y"""\n\n3,z\n';
  const buf = Buffer.from(text);
  for (const chunk of [1, 2, 3, 7, 1000]) {
    const { recs, tail } = splitAll(buf, chunk);
    t.same(
      recs.map((r) => [r.text, r.line]),
      [
        ['h1,h2', 1],
        ['1,"a\nb"', 2],
        ['2,"x,""y"""', 4],
        ['', 5],
        ['3,z', 6],
      ],
      `chunk ${chunk}`,
    );
    t.equal(tail, undefined, `chunk ${chunk}: no tail`);
    for (const r of recs) t.equal(buf.subarray(r.start, r.end).toString(), r.text);
  }
});

t.test('splitter: an unfinished final row is the tail, with its line and byte offset', async (t) => {
  const a = splitAll(Buffer.from('h\n1\n2,abc'), 3);
  t.same(
    a.recs.map((r) => r.text),
    ['h', '1'],
  );
  t.match(a.tail, { start: 4, bytes: 5, line: 3, text: '2,abc', inQuote: false });
  const b = splitAll(Buffer.from('h\n1\n2,"ab\nc'), 2);
  t.match(b.tail, { start: 4, line: 3, text: '2,"ab\nc', inQuote: true }, 'a tail inside a quoted field spans lines');
});

t.test('boundary scanner: incremental over any chunking, equals a byte-by-byte parity scan', async (t) => {
  const reference = (b: Buffer): { lastBoundary: number; inQuote: boolean } => {
    let q = false;
    let last = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 0x22) q = !q;
      else if (b[i] === 0x0a && !q) last = i + 1;
    }
    return { lastBoundary: last, inQuote: q };
  };
  const texts = ['h\n"a\nb",1\n"q""",2\nx,"un\nfin', 'h\n1,2\n3,4\n', 'a,"b\nc"\n', '"""",x\n"\n\n"\n\n,"', '', 'no newline at all'];
  for (const text of texts) {
    const buf = Buffer.from(text);
    const want = reference(buf);
    for (const size of [1, 2, 3, 5, 1000]) {
      const s = new BoundaryScanner();
      for (let i = 0; i < buf.length; i += size) s.feed(buf.subarray(i, i + size));
      t.same({ lastBoundary: s.lastBoundary, inQuote: s.inQuote }, want, `${JSON.stringify(text)} in chunks of ${size}`);
      t.equal(s.offset, buf.length);
      t.equal(s.clean, !want.inQuote && want.lastBoundary === buf.length);
    }
  }
  const from = new BoundaryScanner(100);
  from.feed(Buffer.from('a,"b\nc"\n'));
  t.ok(from.clean);
  t.equal(from.lastBoundary, 108, 'offsets count from where scanning started');
});

t.test('looksTorn: a prefix of one row is torn; a stray quote or too many fields is damage', async (t) => {
  const tail = (text: string, inQuote: boolean) => ({ start: 0, bytes: Buffer.byteLength(text), line: 1, text, raw: Buffer.from(text), inQuote });
  t.same(looksTorn(tail('fill,17693,KX', false), 5), { torn: true });
  t.same(looksTorn(tail('fill,"a, b', true), 5), { torn: true });
  t.same(looksTorn(tail('fill,"say ""', true), 5), { torn: true }, 'cut inside an escaped quote');
  t.same(looksTorn(tail('fill,"multi\nline', true), 5), { torn: true });
  t.match(looksTorn(tail('a,b,c,d,e,f', false), 5), { torn: false, why: /6 fields/ });
  t.match(looksTorn(tail('3,"b"c\n5,6\n7,8', true), 5), { torn: false });
  t.match(looksTorn(tail('3,b"c', false), 5), { torn: false, why: /quote/i });
});

t.test('looksTorn: a quote that never closes is torn only if no whole row follows it and it does not end in a newline', async (t) => {
  const tail = (text: string | Buffer, line = 1) => {
    const raw = Buffer.from(text);
    let q = false;
    for (const b of raw) if (b === 0x22) q = !q;
    return { start: 0, bytes: raw.length, line, text: raw.toString('utf8'), raw, inQuote: q };
  };
  // A stray quote, then rows some writer committed: never torn, and the first whole row is named.
  t.match(looksTorn(tail('"unterminated,2\n3,c\n4,d\n', 7), 2), { torn: false, why: /line 8 .*whole row/ });
  t.match(looksTorn(tail('"unterminated,2\n3,c\n4,d', 7), 2), { torn: false, why: /line 8 .*whole row/ }, 'even with a torn row last');
  t.match(looksTorn(tail('1,"a\n2,"x,y"\n3,c\n'), 2), { torn: false }, 'rows after it that hold quoted cells');
  t.match(looksTorn(tail('2,"b,c\n', 3), 2), { torn: false, why: /ends in a newline/ });
  // What a killed writer leaves: the quoted cell's own lines are no row of the header's width.
  t.same(looksTorn(tail('2,b,"multi\nline\ncut'), 3), { torn: true });
  t.same(looksTorn(tail('"unterminated,2'), 2), { torn: true }, 'an unterminated quote on the last line, nothing after it');
  // Encoding: a character cut short at the very end is what a cut write leaves; anything
  // else that is not UTF-8, or a NUL byte (UTF-16), is not.
  t.same(looksTorn(tail(Buffer.concat([Buffer.from('2,caf'), Buffer.from('€').subarray(0, 2)])), 3), { torn: true });
  t.match(looksTorn(tail(Buffer.from([0x32, 0x2c, 0xff, 0x61])), 3), { torn: false, why: /not valid UTF-8/ });
  t.match(looksTorn(tail(Buffer.from([0x32, 0x2c, 0x80])), 3), { torn: false, why: /not valid UTF-8/ });
  t.match(looksTorn(tail(Buffer.from('ts,trade_id', 'utf16le')), 2), { torn: false, why: /NUL.*not UTF-8/ });
});
