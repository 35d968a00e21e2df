// One record that cannot be written as a row (a column nested 100,000 deep: too deep for
// JSON.stringify) is rejected like a bad input line (diagnostic, count, --reject) and
// costs only itself: the rest of its batch is ledgered.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fill, ledger, readCsv, records, summaryOf, tmp } from './lib.js';

t.test('a record too deeply nested to encode is rejected (counted, --reject); the rest are ledgered', async (t) => {
  const dir = tmp();
  const f = `${dir}/f.csv`;
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const line2 = JSON.stringify(fill(13, 2)).slice(0, -1) + `,"note":${deep}}`;
  const input = [JSON.stringify(fill(13, 1)), line2, JSON.stringify(fill(13, 3))].join('\n') + '\n';
  const r = await ledger(['append', f, '--type', 'fill', '--columns', 'ts,trade_id,note', '--reject', `${dir}/rej.ndjson`], { input });
  t.equal(r.code, 0, r.stderr.slice(0, 2000));
  t.notMatch(r.stderr, /RangeError|stack/, 'no stack trace');
  t.same(
    readCsv(f).rows.map((row) => row[1]),
    ['t-13-1', 't-13-3'],
  );
  t.same(
    records(r)
      .slice(1)
      .map((x) => x.trade_id),
    ['t-13-1', 't-13-3'],
    'the rejected record is not passed on',
  );
  t.match(summaryOf(r), { rows: 2, rejected: 1, rejected_by_reason: { unserialisable: 1 } });
  t.match(
    r.logs.find((l) => l.msg === 'bad input line'),
    { src: 'stdin:2', reason: 'unserialisable', detail: /note/ },
  );
  t.equal(readFileSync(`${dir}/rej.ndjson`, 'utf8'), line2 + '\n', 'kept verbatim by --reject');

  // The record that chooses the type takes the same path.
  const g = `${dir}/g.csv`;
  const first = await ledger(['append', g, '--columns', 'ts,trade_id,note'], { input: [line2, JSON.stringify(fill(13, 3))].join('\n') + '\n' });
  t.equal(first.code, 0, first.stderr.slice(0, 2000));
  t.same(
    readCsv(g).rows.map((row) => row[1]),
    ['t-13-3'],
  );
  t.match(summaryOf(first), { rows: 1, rejected_by_reason: { unserialisable: 1 } });
});
