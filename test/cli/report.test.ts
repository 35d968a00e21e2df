import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { easternYesterday } from '../../src/core/daily-report.js';
import { run, summary } from '../helpers/run.js';

const tmp = mkdtempSync(`${tmpdir()}/chimera-report-`);
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const FILES = [
  'clv-summary.csv',
  'incidents.csv',
  'index.html',
  'latency.csv',
  'latency.svg',
  'manifests.csv',
  'performance.csv',
  'performance.svg',
  'reconnects.csv',
  'report.md',
  'skips.csv',
  'skips.svg',
];

let session = '';
t.before(async () => {
  // The shadow session of the quote tests: one game, a maker fill, both tickers settled.
  const q = await run('quote', [
    '--shadow',
    '--replay',
    '--config',
    'test/fixtures/quote/config.json',
    '--oracle',
    'boltodds/shin',
    'test/fixtures/quote/session.ndjson',
  ]);
  if (q.code !== 0) throw new Error(`quote failed: ${q.stderr}`);
  session = `${tmp}/session.ndjson`;
  writeFileSync(session, q.stdout);
});

const read = (dir: string): Map<string, string> =>
  new Map(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(`${dir}/${f}`, 'utf8')]),
  );

t.test('report daily over the quote shadow session: every file, the numbers, valid SVG with its marks, same bytes on rerun', async (t) => {
  const r = await run('report', ['daily', '--date', '2026-01-25', '--out', `${tmp}/a`, session]);
  t.equal(r.code, 0, r.stderr);
  const dir = `${tmp}/a/2026-01-25`;
  t.same(
    r.stdout.trim().split('\n'),
    FILES.map((f) => `${dir}/${f}`),
    'stdout lists the files written',
  );
  t.same(readdirSync(dir).sort(), FILES);
  t.match(summary(r.logs), { date: '2026-01-25', fills: 1, realized_pnl: 5.45, incidents: 1, reconnects: 0, clv_summaries: 0, rejected: 0, exit: 0 });

  const md = readFileSync(`${dir}/report.md`, 'utf8');
  t.match(md, /# Daily report 2026-01-25/);
  // 9, not 10: one reprice of the session is an amend (quote.reprice, default amend), which
  // sends no new order (its order records go pending-amend, amended; no `submitted`).
  t.match(md, /9 orders sent \(maker 9\); 1 fill \(shadow 1\), 10 contracts, notional \$4\.50, fees \$0\.05; realized PnL \$5\.45 over 1 ticker settled/);
  t.match(md, /\| sport \| nba \| 1 \| 10 \| 4\.5 \| 0\.05 \| 5\.45 \| 1 \|/);
  t.match(md, /\| oracle \| boltodds\/shin \| 1 \| 10 \| 4\.5 \| 0\.05 \| 5\.45 \| 1 \|/);
  t.match(md, /\| liquidity \| maker \| 1 \| 10 \| 4\.5 \| 0\.05 \| 5\.45 \| 1 \|/);
  t.match(md, /\| profile \| default \| 1 \| 10 \| 4\.5 \| 0\.05 \| 5\.45 \| 1 \|/);
  t.match(md, /No clv\.summary record in the input covers this day/);
  t.match(md, /\| killswitch \| global \| kalshi-feed-down: no live kalshi\.status yet \|/);
  t.match(md, /\| quote \| [^|]+ \| [0-9a-f]{40} \| (true|false) \| default \| [0-9a-f]{64} \|/);
  t.equal(readFileSync(`${dir}/skips.csv`, 'utf8'), 'reason,count\nno-book,2\nno-oracle,2\nunmapped,2\n');
  t.match(readFileSync(`${dir}/latency.csv`, 'utf8'), /^kind,n,mean,p50,p90,p99,max\noracle-to-order,10,/);

  const bars = (svg: string): number => (svg.match(/aria-roledescription="bar"/g) ?? []).length;
  for (const f of ['performance.svg', 'skips.svg', 'latency.svg']) {
    const svg = readFileSync(`${dir}/${f}`, 'utf8');
    t.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, `${f} is an SVG document`);
    t.match(svg, /<\/svg>$/);
    t.notMatch(svg, /NaN/);
  }
  t.equal(bars(readFileSync(`${dir}/skips.svg`, 'utf8')), 3, 'one bar per skip reason');
  t.equal(bars(readFileSync(`${dir}/performance.svg`, 'utf8')), 4, 'one bar per performance row');
  t.equal(bars(readFileSync(`${dir}/latency.svg`, 'utf8')), 15, 'three quantiles of five kinds');
  t.match(readFileSync(`${dir}/skips.svg`, 'utf8'), /reason: no-book/);

  const html = readFileSync(`${dir}/index.html`, 'utf8');
  for (const f of ['performance.svg', 'skips.svg', 'latency.svg']) t.match(html, new RegExp(`<img src="${f}"`));
  t.match(html, /<a href="incidents\.csv">/);

  const again = await run('report', ['daily', '--date', '2026-01-25', '--out', `${tmp}/b`, session]);
  t.equal(again.code, 0);
  t.same(read(`${tmp}/b/2026-01-25`), read(dir), 'a rerun writes the same bytes');
});

t.test('bad input lines are diagnosed, counted in the report and left out', async (t) => {
  const bad = `${tmp}/bad.ndjson`;
  writeFileSync(bad, readFileSync(session, 'utf8') + 'not json\n{"type":"fill","ts":1769364001060,"ticker":"X"}\n');
  const r = await run('report', ['daily', '--date', '2026-01-25', '--out', `${tmp}/c`, bad]);
  t.equal(r.code, 0, r.stderr);
  t.match(summary(r.logs), { rejected: 2, fills: 1 });
  t.match(r.stderr, /bad\.ndjson:\d+/);
  const md = readFileSync(`${tmp}/c/2026-01-25/report.md`, 'utf8');
  t.match(md, /2 bad input lines left out \(not-json: 1, schema: 1\)/);
  const strict = await run('report', ['daily', '--strict', '--date', '2026-01-25', '--out', `${tmp}/d`, bad]);
  t.equal(strict.code, 1, '--strict stops at the first bad line');
});

t.test('the day defaults to yesterday in US Eastern time; another day is empty; a bad date is a usage error', async (t) => {
  const before = easternYesterday(Date.now());
  const r = await run('report', ['daily', '--out', `${tmp}/e`, session]);
  const after = easternYesterday(Date.now());
  t.equal(r.code, 0, r.stderr);
  const [day] = readdirSync(`${tmp}/e`);
  t.ok(day === before || day === after, `reported ${day}`);

  const other = await run('report', ['daily', '--date', '2026-01-26', '--out', `${tmp}/f`, session]);
  t.equal(other.code, 0);
  t.match(other.stderr, /no record of the input falls in the day/);
  t.notMatch(other.stderr, /chart warning/, 'empty charts render without warnings');
  t.match(readFileSync(`${tmp}/f/2026-01-26/report.md`, 'utf8'), /No fills and no settlements in the day/);

  const bad = await run('report', ['daily', '--date', '2026-02-30', '--out', `${tmp}/g`, session]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /not a calendar date/);
  const replay = await run('report', ['daily', '--replay', '--out', `${tmp}/h`, session]);
  t.equal(replay.code, 2);
  t.match(replay.stderr, /--replay: give --date/);
  const withDate = await run('report', ['daily', '--replay', '--date', '2026-01-25', '--out', `${tmp}/h`, session]);
  t.equal(withDate.code, 0, withDate.stderr);
  t.same(read(`${tmp}/h/2026-01-25`), read(`${tmp}/a/2026-01-25`), '--replay changes nothing in the report');
  const noOut = await run('report', ['daily', session]);
  t.equal(noOut.code, 2);
  t.match(noOut.stderr, /--out/);
});

t.test('a clv.summary from clv-report in the inputs is the CLV section', async (t) => {
  const clv = `${tmp}/clv.ndjson`;
  writeFileSync(
    clv,
    JSON.stringify({
      type: 'clv.summary',
      ts: 1769364020000,
      group: { liquidity: 'maker' },
      reference: 'boltodds/shin',
      n_fills: 1,
      n_games: 1,
      n_unscored: 0,
      mean_clv: 0.15,
      ci_low: 0.15,
      ci_high: 0.15,
      p_value: 0.5,
      positive: false,
      confidence: 0.95,
      min_games: 200,
      bootstrap_resamples: 1000,
      seed: 7,
      from_ts: 1769364001050,
      to_ts: 1769364001050,
    }) + '\n',
  );
  const r = await run('report', ['daily', '--date', '2026-01-25', '--out', `${tmp}/i`, session, clv]);
  t.equal(r.code, 0, r.stderr);
  t.match(summary(r.logs), { clv_summaries: 1 });
  const md = readFileSync(`${tmp}/i/2026-01-25/report.md`, 'utf8');
  t.match(md, /\| liquidity=maker \| boltodds\/shin \| 1 \| 1 \| 0 \| 0\.15 \| 0\.15 \| 0\.15 \| 0\.95 \| 0\.5 \| false \| 200 \|/);
  t.notMatch(md, /No clv\.summary record/);
  t.equal(readFileSync(`${tmp}/i/2026-01-25/clv-summary.csv`, 'utf8').split('\n')[1], 'liquidity=maker,boltodds/shin,1,1,0,0.15,0.15,0.15,0.95,0.5,false,200');
});
