import t from 'tap';
import {
  chartSpecs,
  DailyReport,
  dailyMarkdown,
  easternDay,
  easternYesterday,
  indexHtml,
  quantile,
  tables,
  type DailyData,
} from '../../src/core/daily-report.js';
import { validateRecord, type AnyRecord } from '../../src/schema/index.js';

const H = 3_600_000;
const DAY = easternDay('2026-01-25')!;
const T0 = DAY.start + 14 * H; // 14:00 ET
const FP = 'a'.repeat(64);

function rec(r: Record<string, unknown>): AnyRecord {
  const v = validateRecord(r);
  if (!v.ok) throw new Error(`test record invalid: ${JSON.stringify(r)} ${JSON.stringify(v)}`);
  return r as unknown as AnyRecord;
}

const NBA = 'nba-2026-01-25-den-mem';
const NHL = 'nhl-2026-01-25-bos-nyr';
const T1 = 'KXNBAGAME-26JAN25DENMEM-MEM';
const T2 = 'KXNHLGAME-26JAN25BOSNYR-NYR';

function fill(ts: number, over: Record<string, unknown>): AnyRecord {
  return rec({
    type: 'fill',
    ts,
    order_id: `o${ts}`,
    client_order_id: `c${ts}`,
    trade_id: `t${ts}`,
    ticker: T1,
    side: 'yes',
    action: 'buy',
    price: 0.4,
    count: 10,
    fee: 0.07,
    liquidity: 'maker',
    mode: 'shadow',
    fair_p: 0.5,
    source: 'boltodds',
    method: 'shin',
    event: NBA,
    ...over,
  });
}
function manifest(ts: number, profile: string): AnyRecord {
  return rec({
    type: 'run.manifest',
    ts,
    cmd: 'quote',
    version: '0.1.0',
    branch: 'main',
    commit: 'c0ffee',
    dirty: false,
    profile,
    config_fingerprint: FP,
    argv: [],
    started_ts: ts,
  });
}
function kstatus(ts: number, state: string, reconnects: number, cause?: string): AnyRecord {
  return rec({
    type: 'kalshi.status',
    ts,
    state,
    connects: reconnects + 1,
    reconnects,
    disconnects: reconnects,
    gaps: 0,
    last_msg_ts: ts,
    tickers: {},
    ...(cause ? { cause } : {}),
  });
}

/** The day, and every record fed to it as the command would (file A, then file B). */
function build(): DailyData {
  const r = new DailyReport(DAY);
  const A: AnyRecord[] = [
    manifest(DAY.start - 2 * H, 'shadow-experiment'),
    // yesterday's fill on T2: not counted in the day, but part of T2's settlement
    fill(DAY.start - H, { ticker: T2, event: NHL, price: 0.5, count: 2, fee: 0.01 }),
    fill(T0, {}), // buy 10 YES @ .40, maker boltodds/shin: settles YES, +5.93
    fill(T0 + 1000, { action: 'sell', price: 0.55, count: 4, fee: 0.02, liquidity: 'taker', source: 'oddsapi', method: 'proportional' }), // -1.82
    fill(T0 + 2000, { ticker: T2, event: NHL, side: 'no', price: 0.3, count: 5, fee: 0.03, liquidity: 'taker', source: 'oddsapi', method: 'proportional' }), // NO @ .30, settles NO: +3.47
    rec({
      type: 'position',
      ts: T0 + 5 * H,
      mode: 'shadow',
      ticker: T1,
      event: NBA,
      position: 0,
      cost: 0,
      fees: 0.09,
      realized_pnl: 4.11,
      state: 'settled',
      result: 'yes',
    }),
    // T2 says 2.50: its fills in the input explain 2.46, the 0.04 left is "unattributed"
    rec({ type: 'position', ts: T0 + 6 * H, mode: 'shadow', ticker: T2, position: 0, cost: 0, fees: 0.04, realized_pnl: 2.5, state: 'settled', result: 'no' }),
    rec({ type: 'position', ts: T0 + 6 * H, mode: 'shadow', ticker: T2, position: 0, cost: 0, fees: 0.04, realized_pnl: 2.5, state: 'settled', result: 'no' }),
    rec({ type: 'skip', ts: T0, ticker: T1, reason: 'no-book' }),
    ...(['submitted', 'resting'] as const).map((status) =>
      rec({
        type: 'order',
        ts: T0 - 500,
        mode: 'shadow',
        client_order_id: 'k1',
        ticker: T1,
        side: 'yes',
        action: 'sell',
        price: 0.55,
        count: 4,
        tif: 'ioc',
        post_only: false,
        status,
        filled: 0,
        remaining: 4,
        reason: 'take',
        liquidity: 'taker',
        event: NBA,
      }),
    ),
    rec({ type: 'skip', ts: T0, ticker: T1, reason: 'stale-oracle' }),
    rec({ type: 'skip', ts: T0 + 1, ticker: T1, reason: 'stale-oracle' }),
    rec({ type: 'skip', ts: DAY.end, ticker: T1, reason: 'no-book' }), // tomorrow
    ...[4, 1, 3, 2].map((ms, i) => rec({ type: 'latency', ts: T0 + i, kind: 'cancel', ms })),
    rec({ type: 'latency', ts: T0, kind: 'oracle-to-order', ms: 7 }),
    rec({ type: 'latency', ts: DAY.start - 1, kind: 'oracle-to-order', ms: 1000 }), // yesterday
    // an oracle outage that began yesterday and ended today
    rec({ type: 'oracle.status', ts: DAY.start - 30 * 60_000, source: 'boltodds', state: 'unavailable', reason: 'disconnected' }),
    rec({ type: 'oracle.status', ts: DAY.start + 15 * 60_000, source: 'boltodds', state: 'available' }),
    kstatus(T0, 'live', 0),
    kstatus(T0 + 60_000, 'down', 0, 'heartbeat-timeout'),
    kstatus(T0 + 90_000, 'live', 1, 'heartbeat-timeout'),
    kstatus(T0 + 200_000, 'live', 3, 'close'),
    rec({ type: 'killswitch', ts: T0 + 3 * H, state: 'tripped', condition: 'max-game-loss', scope: 'game', key: NBA }),
    rec({ type: 'killswitch', ts: T0 + 3 * H + 1, state: 'tripped', condition: 'max-game-loss', scope: 'game', key: NBA }),
    rec({ type: 'killswitch', ts: T0 + 3 * H + 45_000, state: 'cleared', condition: 'max-game-loss', scope: 'game', key: NBA }),
    rec({ type: 'killswitch', ts: T0 + 8 * H, state: 'tripped', condition: 'kalshi-feed-down', scope: 'global', key: '*' }), // never cleared
    rec({
      type: 'clv.summary',
      ts: DAY.end + H,
      group: {},
      reference: 'boltodds/shin',
      n_fills: 3,
      n_games: 2,
      n_unscored: 0,
      mean_clv: 0.012,
      ci_low: -0.004,
      ci_high: 0.03,
      p_value: 0.11,
      positive: false,
      confidence: 0.95,
      min_games: 200,
      bootstrap_resamples: 2000,
      seed: 1,
      from_ts: T0,
      to_ts: T0 + 2000,
    }),
    rec({
      type: 'clv.summary',
      ts: DAY.start - H,
      group: { sport: 'nba' },
      reference: 'boltodds/shin',
      n_fills: 9,
      n_games: 4,
      n_unscored: 1,
      mean_clv: 0.02,
      ci_low: 0.01,
      ci_high: 0.03,
      p_value: 0.01,
      positive: false,
      confidence: 0.95,
      min_games: 200,
      bootstrap_resamples: 2000,
      seed: 1,
      from_ts: DAY.start - 5 * H,
      to_ts: DAY.start - 2 * H,
    }),
  ];
  // file B: another process, whose reconnect counter starts at 2 (a baseline, not an increase), and only yesterday's records
  const B: AnyRecord[] = [manifest(DAY.start - 10 * H, 'shadow-control'), kstatus(DAY.start - 9 * H, 'live', 2), kstatus(DAY.start - 8 * H, 'live', 2)];
  const C: AnyRecord[] = [kstatus(T0, 'live', 2), kstatus(T0 + 1, 'live', 0)];
  for (const x of A) r.add(x, 'a.ndjson');
  for (const x of B) r.add(x, 'b.ndjson');
  for (const x of C) r.add(x, 'c.ndjson');
  return r.result();
}

t.test('the Eastern day: 24 hours, 23 on the spring DST change, 25 in the fall; yesterday from the clock', async (t) => {
  t.same(easternDay('2026-01-25'), { date: '2026-01-25', start: Date.UTC(2026, 0, 25, 5), end: Date.UTC(2026, 0, 26, 5) });
  const spring = easternDay('2026-03-08')!;
  t.equal(spring.start, Date.UTC(2026, 2, 8, 5), 'starts at midnight EST');
  t.equal(spring.end, Date.UTC(2026, 2, 9, 4), 'ends at midnight EDT');
  t.equal(spring.end - spring.start, 23 * H);
  const fall = easternDay('2026-11-01')!;
  t.equal(fall.end - fall.start, 25 * H);
  t.equal(fall.start, Date.UTC(2026, 10, 1, 4));
  t.equal(easternDay('2026-02-30'), undefined);
  t.equal(easternDay('20260125'), undefined);
  t.equal(easternYesterday(Date.UTC(2026, 0, 26, 5, 15)), '2026-01-25', '00:15 ET on the 26th reports the 25th');
  t.equal(easternYesterday(Date.UTC(2026, 0, 26, 4, 30)), '2026-01-24', '23:30 ET on the 25th (04:30 UTC on the 26th) reports the 24th');
  t.equal(easternYesterday(Date.UTC(2026, 2, 9, 4, 15)), '2026-03-08', 'after the 23-hour day');
});

t.test('on the DST day, records at the edges fall on the right side', async (t) => {
  const spring = easternDay('2026-03-08')!;
  const r = new DailyReport(spring);
  const skip = (ts: number, reason: string): AnyRecord => rec({ type: 'skip', ts, ticker: T1, reason });
  r.add(skip(Date.UTC(2026, 2, 8, 4, 59, 59, 999), 'before'), 'x'); // 23:59:59.999 EST on the 7th
  r.add(skip(Date.UTC(2026, 2, 8, 5), 'first'), 'x'); // 00:00 EST
  r.add(skip(Date.UTC(2026, 2, 8, 7, 30), 'after-jump'), 'x'); // 03:30 EDT
  r.add(skip(Date.UTC(2026, 2, 9, 3, 59, 59, 999), 'last'), 'x'); // 23:59:59.999 EDT
  r.add(skip(Date.UTC(2026, 2, 9, 4), 'next-day'), 'x'); // 00:00 EDT on the 9th
  const d = r.result();
  t.same(d.skips, [
    ['after-jump', 1],
    ['first', 1],
    ['last', 1],
  ]);
  t.equal(d.in_day, 3);
  t.match(dailyMarkdown(d, { charts: [], csv: [], bad: [], inputs: [] }), /2026-03-08 00:00:00 -05:00 to 2026-03-09 00:00:00 -04:00 \(23 hours\)/);
});

t.test('quantile: linear interpolation between order statistics', async (t) => {
  t.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  t.equal(quantile([1, 2, 3, 4], 0), 1);
  t.equal(quantile([1, 2, 3, 4], 1), 4);
  t.ok(Math.abs(quantile([1, 2, 3, 4], 0.9) - 3.7) < 1e-12);
  t.equal(quantile([5], 0.99), 5);
  t.ok(Number.isNaN(quantile([], 0.5)));
});

t.test('every section over hand-built records: exact numbers', async (t) => {
  const d = build();
  t.same(d.totals, { fills: 3, contracts: 19, notional: 7.7, fees: 0.12, realized_pnl: 6.61, settled: 2 });
  const row = (dim: string, v: string): unknown => {
    const p = d.performance.find((x) => x.dimension === dim && x.value === v);
    return p && [p.fills, p.contracts, p.notional, p.fees, p.realized_pnl, p.settled];
  };
  t.same(
    d.performance.map((p) => `${p.dimension}:${p.value}`),
    [
      'sport:nba',
      'sport:nhl',
      'oracle:boltodds/shin',
      'oracle:oddsapi/proportional',
      'oracle:unattributed',
      'liquidity:maker',
      'liquidity:taker',
      'liquidity:unattributed',
      'profile:shadow-experiment',
    ],
  );
  t.same(row('profile', 'shadow-experiment'), [3, 19, 7.7, 0.12, 6.61, 2]);
  t.same(row('sport', 'nba'), [2, 14, 6.2, 0.09, 4.11, 1]);
  t.same(row('sport', 'nhl'), [1, 5, 1.5, 0.03, 2.5, 1], 'the T2 position has no event: its sport comes from its fills');
  // boltodds/shin: T1's buy (+5.93) and yesterday's T2 fill (2 YES @ .50 + .01, settled NO: -1.01)
  t.same(row('oracle', 'boltodds/shin'), [1, 10, 4, 0.07, 4.92, 2]);
  // oddsapi/proportional: T1's sell of 4 @ .55 (-1.82) and T2's 5 NO @ .30 (+3.47)
  t.same(row('oracle', 'oddsapi/proportional'), [2, 9, 3.7, 0.05, 1.65, 2]);
  t.same(row('oracle', 'unattributed'), [0, 0, 0, 0, 0.04, 1]);
  t.same(row('liquidity', 'maker'), [1, 10, 4, 0.07, 4.92, 2]);
  t.same(row('liquidity', 'taker'), [2, 9, 3.7, 0.05, 1.65, 2]);
  t.same(row('liquidity', 'unattributed'), [0, 0, 0, 0, 0.04, 1]);
  // each dimension adds up to the position records' total
  for (const dim of ['sport', 'oracle', 'liquidity', 'profile']) {
    const s = d.performance.filter((p) => p.dimension === dim).reduce((a, p) => a + p.realized_pnl, 0);
    t.ok(Math.abs(s - 6.61) < 1e-9, `${dim} sums to 6.61`);
  }
  t.same(d.modes, [['shadow', 3]]);
  t.same(d.orders_sent, [['taker', 1]], 'an order counts once, when sent');

  t.same(
    d.skips,
    [
      ['stale-oracle', 2],
      ['no-book', 1],
    ],
    "by count, then name; tomorrow's skip left out",
  );
  t.same(d.latency, [
    { kind: 'oracle-to-order', n: 1, mean: 7, p50: 7, p90: 7, p99: 7, max: 7 },
    { kind: 'cancel', n: 4, mean: 2.5, p50: 2.5, p90: 3.7, p99: 3.97, max: 4 },
  ]);

  t.same(
    d.incidents.map((i) => [i.kind, i.scope, i.condition, i.start, i.end, i.source]),
    [
      ['oracle', 'boltodds', 'disconnected', DAY.start - 30 * 60_000, DAY.start + 15 * 60_000, 'a.ndjson'],
      ['kalshi', 'kalshi feed', 'down (heartbeat-timeout)', T0 + 60_000, T0 + 90_000, 'a.ndjson'],
      ['killswitch', `game ${NBA}`, 'max-game-loss', T0 + 3 * H, T0 + 3 * H + 45_000, 'a.ndjson'],
      ['killswitch', 'global', 'kalshi-feed-down', T0 + 8 * H, null, 'a.ndjson'],
    ],
  );
  t.same(
    d.reconnects.map((r) => [r.ts, r.increment, r.total, r.cause, r.source]),
    [
      [T0 + 90_000, 1, 1, 'heartbeat-timeout', 'a.ndjson'],
      [T0 + 200_000, 2, 3, 'close', 'a.ndjson'],
    ],
    "file B's first count is a baseline; file C's drop to 0 is a new process, not a reconnect",
  );

  t.same(
    d.clv_summaries.map((c) => c.group),
    [{}],
    "the summary over today's fills, not yesterday's",
  );
  t.same(
    d.manifests.map((m) => [m.source, m.profile, m.branch, m.commit, m.fingerprint]),
    [['a.ndjson', 'shadow-experiment', 'main', 'c0ffee', FP]],
    'file B has nothing in the day',
  );
});

t.test('Markdown, tables, charts and HTML: deterministic, and the CLV gap said plainly', async (t) => {
  const d = build();
  const art = {
    charts: ['performance.svg', 'skips.svg', 'latency.svg'],
    csv: tables(d).map((x) => `${x.name}.csv`),
    bad: [['not-json', 2]] as Array<[string, number]>,
    inputs: ['a.ndjson'],
  };
  const md = dailyMarkdown(d, art);
  t.equal(md, dailyMarkdown(build(), art), 'same input, same bytes');
  t.match(md, /# Daily report 2026-01-25/);
  t.match(md, /1 order sent \(taker 1\); 3 fills \(shadow 3\), 19 contracts, notional \$7\.70, fees \$0\.12; realized PnL \$6\.61 over 2 tickers/);
  t.match(md, /2 bad input lines left out \(not-json: 2\)/);
  t.match(md, /\| killswitch \| global \| kalshi-feed-down \| a\.ndjson \|/);
  t.match(md, /\| 2026-01-25 17:00:00 -05:00 \| 2026-01-25 17:00:45 -05:00 \| 45 s \| 45000 \| killswitch \|/);
  t.match(md, /open at end of input/);
  t.match(md, /\| all \| boltodds\/shin \| 3 \| 2 \| 0 \| 0\.012 \| -0\.004 \| 0\.03 \| 0\.95 \| 0\.11 \| false \| 200 \|/);
  const empty = new DailyReport(DAY).result();
  const md0 = dailyMarkdown(empty, { ...art, bad: [] });
  t.match(md0, /No clv\.summary record in the input covers this day: no CLV summary is reported/);
  t.match(md0, /No stale-feed incident in the day/);
  const html = indexHtml(d, art);
  t.match(html, /^<!DOCTYPE html>/);
  t.match(html, /<img src="performance\.svg"/);
  t.match(html, /<td class="n">4\.11<\/td>/);
  t.equal(html, indexHtml(build(), art));
  const specs = chartSpecs(d);
  t.same(
    specs.map(([n]) => n),
    ['performance', 'skips', 'latency'],
  );
  t.equal((specs[1]![1].data as { values: unknown[] }).values.length, 2);
  const csv = tables(d).find((x) => x.name === 'performance')!;
  t.same(csv.rows[0], ['sport', 'nba', '2', '14', '6.2', '0.09', '4.11', '1']);
});

t.test("incidents at the day's edges: one over at midnight is yesterday's, one begun at midnight is today's", async (t) => {
  const r = new DailyReport(DAY);
  const ks = (ts: number, state: string, condition: string): AnyRecord => rec({ type: 'killswitch', ts, state, condition, scope: 'global', key: '*' });
  r.add(ks(DAY.start - 60_000, 'tripped', 'ended-at-midnight'), 'x');
  r.add(ks(DAY.start, 'cleared', 'ended-at-midnight'), 'x');
  r.add(ks(DAY.start, 'tripped', 'begun-at-midnight'), 'x');
  r.add(ks(DAY.start, 'cleared', 'begun-at-midnight'), 'x');
  r.add(ks(DAY.end - 1, 'tripped', 'last-ms'), 'x');
  r.add(ks(DAY.end, 'tripped', 'tomorrow'), 'x');
  t.same(
    r.result().incidents.map((i) => [i.condition, i.end === null ? 'open' : i.end - i.start]),
    [
      ['begun-at-midnight', 0],
      ['last-ms', 'open'],
    ],
  );
});
