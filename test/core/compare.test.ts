// compare's core on two hand-built runs: moves and which path led, the mean absolute
// p_home difference, oracle unavailability by scope, quotes, fills, edge, skips, PnL.
import t from 'tap';
import { compareMarkdown, compareRecords, compareRuns, emptyRun, leadsOf, movesOf, pHomeMad, runInfo, type RunRecords } from '../../src/core/compare.js';
import { validateRecord } from '../../src/schema/index.js';
import type { Fill, OracleProb, OracleStatus, Order, Position, Skip } from '../../src/schema/records.js';

const G = 'nba-2026-01-25-den-mem';
const G2 = 'nba-2026-01-25-lal-bos';
const MEM = 'KXNBAGAME-26JAN25DENMEM-MEM';
const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';
const near = (a: number | null | undefined, b: number): boolean => a !== null && a !== undefined && Math.abs(a - b) < 1e-12;

function prob(source: string, method: string, ts: number, p: number, event = G): OracleProb {
  return {
    type: 'oracle.prob',
    ts,
    source,
    sport: 'nba',
    event,
    home: 'MEM',
    away: 'DEN',
    commence_ts: 1e9,
    books: ['pinnacle'],
    method,
    p_home: p,
    p_away: 1 - p,
    overround: 0.04,
  } as OracleProb;
}
const A: Array<[number, number]> = [
  [0, 0.5],
  [10_000, 0.52],
  [70_000, 0.55],
];
const B: Array<[number, number]> = [
  [5_000, 0.49],
  [8_000, 0.515],
  [20_000, 0.56],
  [200_000, 0.5],
];
const series = (xs: Array<[number, number]>): Array<{ ts: number; p: number }> => xs.map(([ts, p]) => ({ ts, p }));

t.test('moves, leads and the mean absolute difference by hand', async (t) => {
  const ma = movesOf(series(A), 0.01, 0);
  const mb = movesOf(series(B), 0.01, 1);
  t.same(
    ma.map((m) => [m.ts, m.dir]),
    [
      [10_000, 1],
      [70_000, 1],
    ],
  );
  t.same(
    mb.map((m) => [m.ts, m.dir]),
    [
      [8_000, 1],
      [20_000, 1],
      [200_000, -1],
    ],
  );
  t.same(
    movesOf(
      series([
        [0, 0.6],
        [1, 0.605],
        [2, 0.61],
        [3, 0.6],
      ]),
      0.01,
      0,
    ).map((m) => [m.ts, m.dir]),
    [
      [2, 1],
      [3, -1],
    ],
    'small steps add up to a move; 0.61 - 0.60 counts as 0.01',
  );
  // B moved up at 8 s, A followed at 10 s (B led by 2 s); B up at 20 s, A at 70 s (50 s); B's fall at 200 s is never matched.
  t.same(leadsOf(ma, mb, 60_000), {
    control: 0,
    experiment: 2,
    tie: 0,
    unmatched_control: 0,
    unmatched_experiment: 1,
    median_lead_ms_control: null,
    median_lead_ms_experiment: 26_000,
  });
  t.same(
    leadsOf(ma, mb, 40_000),
    { control: 0, experiment: 1, tie: 0, unmatched_control: 1, unmatched_experiment: 2, median_lead_ms_control: null, median_lead_ms_experiment: 2_000 },
    'outside the window: not the same move',
  );
  t.same(
    leadsOf(
      ma,
      ma.map((m) => ({ ...m, path: 1 as const })),
      1000,
    ),
    { control: 0, experiment: 0, tie: 2, unmatched_control: 0, unmatched_experiment: 0, median_lead_ms_control: null, median_lead_ms_experiment: null },
  );
  // moments 5, 8, 10, 20, 70, 200 s: .01 .015 .005 .04 .01 .05 (at 0 s only A has a probability)
  const mad = pHomeMad(series(A), series(B));
  t.equal(mad.n, 6);
  t.ok(near(mad.sum, 0.13), `sum ${mad.sum}`);
});

function runs(): [RunRecords, RunRecords] {
  const c = emptyRun();
  c.manifest = {
    type: 'run.manifest',
    ts: 0,
    cmd: 'quote',
    version: '0.1.0',
    branch: 'main',
    commit: 'b'.repeat(40),
    dirty: false,
    profile: 'shadow-control',
    config_fingerprint: 'c'.repeat(64),
    argv: ['--shadow', '--oracle', 'oddsapi/proportional', 's.ndjson'],
    started_ts: 0,
  };
  c.probs = [...A.map(([ts, p]) => prob('oddsapi', 'proportional', ts, p)), prob('boltodds', 'shin', 1, 0.9), prob('oddsapi', 'shin', 2, 0.1)];
  const st = (ts: number, state: 'available' | 'unavailable', over: Partial<OracleStatus> = {}): OracleStatus =>
    ({ type: 'oracle.status', ts, source: 'oddsapi', state, ...(state === 'unavailable' ? { reason: 'quota' } : {}), ...over }) as OracleStatus;
  c.statuses = [
    st(1_000, 'unavailable'),
    st(4_000, 'available'),
    st(3_000, 'unavailable', { event: G, reason: 'stale' }),
    st(2_000, 'unavailable', { book: 'pinnacle' }),
    st(2_000, 'unavailable', { source: 'boltodds' }),
  ];
  c.last_ts = 10_000;
  const o: Order = {
    type: 'order',
    ts: 100,
    mode: 'shadow',
    client_order_id: 'c1',
    ticker: MEM,
    side: 'yes',
    action: 'buy',
    price: 0.45,
    count: 10,
    tif: 'gtc',
    post_only: true,
    status: 'submitted',
    filled: 0,
    remaining: 10,
    reason: 'new-quote',
    fair_p: 0.5,
    edge: 0.045,
    event: G,
    liquidity: 'maker',
    oracle_ts: 0,
  } as Order;
  c.orders = [
    o,
    { ...o, ts: 200, status: 'resting' },
    { ...o, ts: 300, client_order_id: 'c2', ticker: DEN, event: undefined, count: 5, liquidity: undefined, tif: 'ioc' } as Order,
  ];
  c.links = [{ type: 'market.link', ts: 0, event: G, sport: 'nba', side: 'away', ticker: DEN }];
  c.fills = [
    {
      type: 'fill',
      ts: 1_000,
      order_id: 'x',
      client_order_id: 'c1',
      trade_id: 't1',
      ticker: MEM,
      side: 'yes',
      action: 'buy',
      price: 0.45,
      count: 10,
      fee: 0.05,
      liquidity: 'maker',
      mode: 'shadow',
      fair_p: 0.47,
      source: 'oddsapi',
      method: 'proportional',
      event: G,
    } as Fill,
  ];
  const pos = (ts: number, ticker: string, over: Partial<Position>): Position =>
    ({ type: 'position', ts, mode: 'shadow', ticker, position: 0, cost: 0, fees: 0.05, realized_pnl: null, state: 'open', ...over }) as Position;
  c.positions = [
    pos(1_000, MEM, { position: 10, cost: 4.5 }),
    pos(9_000, MEM, { state: 'settled', realized_pnl: 5.45, result: 'yes' }),
    pos(5_000, DEN, { position: 5, cost: 2, event: G }),
  ];
  c.skips = [
    { type: 'skip', ts: 1, ticker: MEM, reason: 'no-book' } as Skip,
    { type: 'skip', ts: 2, ticker: 'KXNHLGAME-26JAN25BOSNYR-NYR', reason: 'unmapped' } as Skip,
  ];
  c.input_counts = { 'kalshi.book': 3 };

  const e = emptyRun();
  e.probs = [...B.map(([ts, p]) => prob('boltodds', 'shin', ts, p)), prob('oddsapi', 'proportional', 3, 0.9)];
  e.fills = [
    {
      type: 'fill',
      ts: 2_000,
      order_id: 'y',
      client_order_id: 'e1',
      trade_id: 't9',
      ticker: 'KXNBAGAME-26JAN25LALBOS-BOS',
      side: 'yes',
      action: 'sell',
      price: 0.6,
      count: 2,
      fee: 0.04,
      liquidity: 'taker',
      mode: 'shadow',
      fair_p: 0.56,
      source: 'boltodds',
      method: 'shin',
      event: G2,
      quote_fair_p: 0.55,
      quote_ts: 1_900,
    } as Fill,
  ];
  e.last_ts = 200_000;
  e.input_counts = { 'kalshi.book': 2 };
  return [c, e];
}

t.test('two runs by hand: per game and total', async (t) => {
  const [c, e] = runs();
  t.match(runInfo(c), { path: 'oddsapi/proportional', path_from: 'argv', profile: 'shadow-control', other_fill_paths: [] });
  t.match(runInfo(e), { path: 'boltodds/shin', path_from: 'fills', profile: null, commit: null });
  const r = compareRuns(c, e, { move: 0.01, lead_window_ms: 60_000 });
  t.same(
    r.rows.map((x) => x.game),
    [G, G2, null],
  );
  t.same(r.recording_mismatch, ['kalshi.book']);
  t.equal(r.ts, 200_000);
  const [g, g2, total] = r.rows as [(typeof r.rows)[0], (typeof r.rows)[0], (typeof r.rows)[0]];
  t.equal(g.sport, 'nba');
  t.ok(near(g.p_home_mad, 0.13 / 6), `mad ${g.p_home_mad}`);
  t.equal(g.p_moments, 6);
  t.match(g.leads, { experiment: 2, unmatched_experiment: 1, median_lead_ms_experiment: 26_000 });
  // oddsapi: global [1, 4] s and the game from 3 s to the end of the run (10 s): union 9 s
  t.match(g.control, { probs: 3, oracle_unavailable: 2, oracle_unavailable_ms: 9_000 });
  t.match(total.control, { probs: 3, oracle_unavailable: 2, oracle_unavailable_ms: 10_000 }, 'total: each scope on its own, 3 s + 7 s');
  t.match(g.experiment, { probs: 4, oracle_unavailable: 0 });
  t.match(g.control, {
    orders: 2,
    maker_orders: 1,
    taker_orders: 1,
    contracts_ordered: 15,
    fills: 1,
    maker_fills: 1,
    contracts_filled: 10,
    skips: { 'no-book': 1 },
    settled_tickers: 1,
    open_tickers: 1,
  });
  t.ok(near(g.control.edge_decision_usd, 0.45) && near(g.control.edge_fill_usd, 0.15), 'edge: 4.5 points at decision, 1.5 at fill, on 10');
  t.ok(near(g.control.pnl_usd, 5.45));
  t.same(total.control.skips, { 'no-book': 1, unmapped: 1 }, 'a skip of no known game counts in the total only');
  t.same(g.control.skips, { 'no-book': 1 });
  t.same(g2.control.skips, {});
  t.match(g2.experiment, { fills: 1, taker_fills: 1, contracts_filled: 2 });
  t.ok(
    near(g2.experiment.edge_decision_usd, 0.06) && near(g2.experiment.edge_fill_usd, 0.04),
    'sell at .60, fee .02: 3 points at decision (.55), 2 at fill (.56), on 2',
  );
  t.equal(g2.p_home_mad, null);
  t.match(
    g2.control,
    { oracle_unavailable: 1, oracle_unavailable_ms: 3_000, probs: 0 },
    'the run-wide outage of control covers the game only experiment traded',
  );
  t.equal(total.p_moments, 6);

  const recs = compareRecords(r);
  for (const rec of recs) t.ok(validateRecord(rec).ok, `a valid compare record for ${rec.game}`);
  t.match(recs[2], {
    game: null,
    runs: { control: { path: 'oddsapi/proportional' }, experiment: { path: 'boltodds/shin', path_from: 'fills' } },
    recording_mismatch: ['kalshi.book'],
  });
  const md = compareMarkdown(r);
  t.match(md, /\*\*Warning: not the same recording\?\*\*/);
  t.match(md, /\| oracle unavailable \| 2 \(9\.0 s\) \| 0 \(0\.0 s\) \| -9\.0 s \|/);
  t.match(md, /\| expected edge at decision \| \$0\.45 \| \$0\.00 \| -\$0\.45 \|/);
  t.match(md, /experiment first 2 \(median lead 26\.0 s\)/);
  t.match(md, /CLV is not computed here/);

  // the same records in another order give the same result
  const [c2, e2] = runs();
  for (const x of [c2, e2]) {
    x.probs.reverse();
    x.statuses.reverse();
    x.orders.reverse();
    x.fills.reverse();
    x.positions.reverse();
    x.skips.reverse();
  }
  t.equal(JSON.stringify(compareRecords(compareRuns(c2, e2, { move: 0.01, lead_window_ms: 60_000 }))), JSON.stringify(recs), 'input order does not matter');
});
