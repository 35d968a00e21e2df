// exec-gap as a user runs it: over quote's own output of the recorded fixture session,
// Markdown + CSV + SVG, byte-identical on rerun, a shadow/live pair, bad input counted.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { ndjson, run, summary } from '../helpers/run.js';

const tmp = mkdtempSync(`${tmpdir()}/chimera-gap-`);
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const QUOTE = ['--shadow', '--replay', '--config', 'test/fixtures/quote/config.json', '--oracle', 'boltodds/shin', 'test/fixtures/quote/session.ndjson'];

t.test('over a quote run: latency table, edge lost, CSV and a chart that renders; rerun gives the same bytes', async (t) => {
  const q = await run('quote', QUOTE);
  t.equal(q.code, 0, q.stderr);
  const nLatency = q.records.filter((r) => r.type === 'latency').length;
  t.ok(nLatency > 20, `${nLatency} latency records`);
  const session = `${tmp}/quoted.ndjson`;
  writeFileSync(session, q.stdout);
  const outs = async (tag: string): Promise<string[]> => {
    const args = ['--markdown', `${tmp}/${tag}.md`, '--csv', `${tmp}/${tag}.csv`, '--svg', `${tmp}/${tag}.svg`, session];
    const r = await run('exec-gap', args);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, '', 'the report went to the file');
    t.match(summary(r.logs), { latency: nLatency, fills: 1, fills_scored: 1, fills_unscored: 0, rejected: 0 });
    t.notOk(
      r.logs.some((l) => l.msg === 'chart warning'),
      'no chart warnings',
    );
    return ['md', 'csv', 'svg'].map((x) => readFileSync(`${tmp}/${tag}.${x}`, 'utf8'));
  };
  const [md, csv, svg] = (await outs('a')) as [string, string, string];
  t.match(md, /\| all \| shadow \| quote-to-action \| 10 \| 100 \| 100 \| 100 \| 100 \|/);
  // The session reprices one quote by amend (quote.reprice, default amend): its new version's
  // oracle-to-order is 500 ms (amend sent at once), where cancel-replace placed it at 600.
  t.match(md, /\| all \| shadow \| oracle-to-order \| 10 \| 100 \| 554\.7 \| 997\.8 \| 1047 \|/);
  t.match(md, /\| 2026-01-25 \| shadow \| 1 \| 10 \| \$0\.45 \| \$0\.45 \| \$0\.00 \|/, 'the fill: decided and filled at fair 0.50, nothing lost');
  t.match(md, /!\[execution gap\]\(a\.svg\)/, 'the chart is linked relative to the report');
  t.match(md, /No day has both shadow and live orders/);
  t.match(csv, /^table,day,mode,kind,n,/);
  t.match(csv, /\nlatency,all,shadow,oracle-to-order,10,100,554\.7,997\.77,1047,/);
  t.match(csv, /\nedge,2026-01-25,shadow,,,,,,,1,10,0\.45,0\.45,0,0,0,0\n/);
  t.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.match(svg, /<\/svg>$/);
  t.equal((svg.match(/class="mark-rect role-mark/g) ?? []).length, 2, 'two bar panels');
  t.match(svg, /Latency by kind/);
  t.match(svg, /Expected edge lost per US Eastern day/);
  t.notMatch(svg, /NaN/);
  t.same(await outs('b'), [md.replace('(a.svg)', '(b.svg)'), csv, svg], 'byte-identical rerun');

  const stdout = await run('exec-gap', [session]);
  t.equal(stdout.code, 0);
  t.equal(stdout.stdout, md.replace('![execution gap](a.svg)\n\n', ''), 'stdout holds the same report without a chart');
});

t.test('a shadow and a live session side by side', async (t) => {
  const q = await run('quote', QUOTE);
  const live = q.records
    .filter((r) => r.type === 'order' || r.type === 'fill')
    .map((r) => ({ ...r, mode: 'live', ...(r.type === 'fill' ? { fair_p: 0.48 } : {}) }));
  const r = await run('exec-gap', ['-'], { input: q.stdout + ndjson(live) });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /\| all \| shadow \| 10 \| 100 \| 10 \| 10\.0% \| 4\.50 \| 4\.50 \| 0\.00 \| \$0\.00 \| 100 \| 10 \| 10 \| 4\.50 \|/);
  t.match(r.stdout, /\| all \| live \| 10 \| 100 \| 10 \| 10\.0% \| 4\.50 \| 2\.50 \| 2\.00 \| \$0\.20 \| - \| 10 \| 10 \| 2\.50 \|/);
  t.match(r.stdout, /\| all \| live − shadow \| 0 \| 0 \| 0 \| 0\.0% \| 0\.00 \| -2\.00 \| 2\.00 \| \+\$0\.20 \|/);
});

t.test('bad input: bad lines, repeated fills and fills without a decision are counted, never fatal', async (t) => {
  const f = {
    type: 'fill',
    ts: 1769364001050,
    order_id: 'x',
    client_order_id: 'nobody',
    trade_id: 'tx',
    ticker: 'KXNBAGAME-26JAN25DENMEM-MEM',
    side: 'yes',
    action: 'buy',
    price: 0.45,
    count: 10,
    fee: 0.05,
    liquidity: 'maker',
    mode: 'shadow',
    fair_p: 0.5,
    source: 'boltodds',
    method: 'shin',
    event: 'nba-2026-01-25-den-mem',
  };
  const input =
    [ndjson([f, f]).trim(), 'not json', JSON.stringify({ ...f, trade_id: 'ty', price: 2 }), JSON.stringify({ type: 'latency', ts: 1, kind: 'cancel' })].join(
      '\n',
    ) + '\n';
  const r = await run('exec-gap', [], { input });
  t.equal(r.code, 0, r.stderr);
  t.match(summary(r.logs), { rejected: 4, rejected_by_reason: { 'duplicate-fill': 1, 'not-json': 1, schema: 2 }, fills: 1, fills_unscored: 1 });
  t.ok(
    r.logs.some((l) => l.src === 'stdin:2' && l.reason === 'duplicate-fill'),
    'source:line of the repeat',
  );
  t.match(r.stdout, /1 fills not scored[^\n]*\n\n- shadow trade tx \(order nobody\): no-decision/);
});

t.test('no records: a report that says so and a chart that still renders, without warnings', async (t) => {
  const r = await run('exec-gap', ['--svg', `${tmp}/empty.svg`], { input: '' });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /No latency records\.[\s\S]*No scored fills\./);
  t.notOk(r.logs.some((l) => l.msg === 'chart warning'));
  t.match(readFileSync(`${tmp}/empty.svg`, 'utf8'), /^<svg [\s\S]*<\/svg>$/);
});
