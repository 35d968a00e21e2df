// exec-gap's core on hand-computed fills: latency quantiles (numpy's linear rule), the
// edge lost per fill and its exact split, US Eastern days, unscored fills, shadow/live pairs.
import t, { type Test } from 'tap';
import { edgeByDay, edgeLoss, execGap, execGapCsv, execGapMarkdown, latencyQuantiles, quantile } from '../../src/core/exec-gap.js';
import type { Fill, Latency, Order } from '../../src/schema/records.js';

const T0 = Date.UTC(2026, 0, 26, 3, 0, 0); // 2026-01-25 22:00 US Eastern
const T1 = Date.UTC(2026, 0, 26, 6, 0, 0); // 2026-01-26 01:00 US Eastern

function order(over: Partial<Order>): Order {
  return {
    type: 'order',
    ts: T0 - 1000,
    mode: 'shadow',
    client_order_id: 'a1',
    ticker: 'KXNBAGAME-26JAN25DENMEM-MEM',
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
    event: 'nba-2026-01-25-den-mem',
    liquidity: 'maker',
    oracle_ts: T0 - 1001,
    ...over,
  } as Order;
}
function fill(over: Partial<Fill>): Fill {
  return {
    type: 'fill',
    ts: T0,
    order_id: 'o1',
    client_order_id: 'a1',
    trade_id: 't1',
    ticker: 'KXNBAGAME-26JAN25DENMEM-MEM',
    side: 'yes',
    action: 'buy',
    price: 0.45,
    count: 10,
    fee: 0.05,
    liquidity: 'maker',
    mode: 'shadow',
    fair_p: 0.47,
    source: 'boltodds',
    method: 'shin',
    event: 'nba-2026-01-25-den-mem',
    ...over,
  } as Fill;
}
const near = (t: Test, a: number | null | undefined, b: number, what: string): void => {
  t.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-12, `${what}: ${a} ~ ${b}`);
};

t.test('quantile: linear interpolation between closest ranks (numpy default)', async (t) => {
  const s = [10, 20, 30, 40, 100];
  t.equal(quantile(s, 0.5), 30);
  near(t, quantile(s, 0.9), 76, 'p90 = 40 + 0.6 * 60');
  near(t, quantile(s, 0.99), 97.6, 'p99 = 40 + 0.96 * 60');
  t.equal(quantile(s, 1), 100);
  t.equal(quantile([7], 0.99), 7);
  t.ok(Number.isNaN(quantile([], 0.5)));
});

t.test('latency quantiles per kind, mode and US Eastern day', async (t) => {
  const lat = (ts: number, kind: Latency['kind'], ms: number, cid = 'a1'): Latency => ({ type: 'latency', ts, kind, ms, client_order_id: cid });
  const recs = [
    lat(T0, 'cancel', 100),
    lat(T0, 'cancel', 10),
    lat(T1, 'cancel', 40),
    lat(T1, 'cancel', 20),
    lat(T1, 'cancel', 30),
    lat(T0, 'quote-to-action', 50, 'x'),
  ];
  const rows = latencyQuantiles(recs, (l) => (l.client_order_id === 'a1' ? 'shadow' : 'unknown'));
  t.same(
    rows.map((r) => [r.day, r.mode, r.kind, r.n]),
    [
      ['all', 'shadow', 'cancel', 5],
      ['all', 'unknown', 'quote-to-action', 1],
      ['2026-01-25', 'shadow', 'cancel', 2],
      ['2026-01-25', 'unknown', 'quote-to-action', 1],
      ['2026-01-26', 'shadow', 'cancel', 3],
    ],
  );
  const all = rows[0]!;
  t.equal(all.p50, 30);
  near(t, all.p90, 76, 'p90');
  near(t, all.p99, 97.6, 'p99');
  t.equal(all.max, 100);
  t.match(rows[2], { p50: 55, max: 100 }, 'the Eastern day of 22:00 ET holds 10 and 100');
});

t.test('edge lost per fill: decision minus fill = latency + price + fee, by hand', async (t) => {
  // A maker buy: decided at fair 0.50, limit 0.45, fee 0.05/10 priced in: edge 0.045. Filled at 0.45 with the oracle at 0.47.
  const a = { o: order({}), f: fill({}) };
  // A taker sell of 5: decided at fair 0.55, limit 0.60, fee ceil(0.07*5*.6*.4)=0.09 -> 0.018/contract: edge 0.032.
  // Filled at 0.62 (price improvement) with fee 0.09 and the oracle at 0.56.
  const b = {
    o: order({
      ts: T1 - 10,
      client_order_id: 'b1',
      action: 'sell',
      price: 0.6,
      count: 5,
      fair_p: 0.55,
      edge: 0.032,
      liquidity: 'taker',
      tif: 'ioc',
      post_only: false,
    }),
    f: fill({ ts: T1, client_order_id: 'b1', trade_id: 't2', action: 'sell', price: 0.62, count: 5, fee: 0.09, liquidity: 'taker', fair_p: 0.56 }),
  };
  // No order record: a NO buy at 0.30 of 2, fee 0.02, quote_fair_p 0.65 (NO fair 0.35), at fill YES 0.66 (NO 0.34).
  const c = fill({
    ts: T1 + 5,
    client_order_id: 'c1',
    trade_id: 't3',
    side: 'no',
    price: 0.3,
    count: 2,
    fee: 0.02,
    fair_p: 0.66,
    quote_fair_p: 0.65,
    quote_ts: T1 - 100,
  });
  // Neither: unscored.
  const d = fill({ ts: T1 + 6, client_order_id: 'd1', trade_id: 't4' });
  const later = order({ ts: T0, status: 'resting', fair_p: 0.9, edge: 0.9 }); // a later record of a1: the earliest decides
  const { fills, unscored } = edgeLoss([d, c, b.f, a.f], [later, b.o, a.o]);
  t.same(
    fills.map((f) => f.trade_id),
    ['t1', 't2', 't3'],
    'in time order',
  );
  t.same(unscored, [{ ts: T1 + 6, mode: 'shadow', trade_id: 't4', client_order_id: 'd1', reason: 'no-decision' }]);
  const [fa, fb, fc] = fills;
  t.match(fa, { day: '2026-01-25', decision: 'order', decision_to_fill_ms: 1000 });
  near(t, fa!.edge_decision, 0.045, 'a decision');
  near(t, fa!.edge_fill, 0.015, 'a fill: 0.47 - 0.45 - 0.005');
  near(t, fa!.lost, 0.03, 'a lost');
  near(t, fa!.lost_latency, 0.03, 'a latency');
  near(t, fa!.lost_price, 0, 'a price');
  near(t, fa!.lost_fee, 0, 'a fee');
  t.match(fb, { day: '2026-01-26', decision: 'order' });
  near(t, fb!.edge_fill, 0.042, 'b fill: 0.62 - 0.56 - 0.018');
  near(t, fb!.lost, -0.01, 'b gained a point');
  near(t, fb!.lost_latency, 0.01, 'b latency: the fair rose against a sell');
  near(t, fb!.lost_price, -0.02, 'b price: sold 2 cents better');
  near(t, fb!.lost_fee, 0, 'b fee');
  t.match(fc, { decision: 'fill', decision_to_fill_ms: 105 });
  near(t, fc!.edge_decision, 0.04, 'c decision: 0.35 - 0.30 - 0.01');
  near(t, fc!.edge_fill, 0.03, 'c fill');
  near(t, fc!.lost_latency, 0.01, 'c latency');
  for (const f of fills) near(t, f.lost_latency + f.lost_price + f.lost_fee, f.lost, `${f.trade_id}: the parts add up`);

  const days = edgeByDay(fills);
  t.same(
    days.map((x) => [x.day, x.mode, x.fills, x.contracts]),
    [
      ['all', 'shadow', 3, 17],
      ['2026-01-25', 'shadow', 1, 10],
      ['2026-01-26', 'shadow', 2, 7],
    ],
  );
  near(t, days[0]!.lost_usd, 0.3 - 0.05 + 0.02, 'all: $0.27 lost');
  near(t, days[2]!.lost_price_usd, -0.1, 'day 2 price: -0.02 x 5');
  near(t, days[2]!.edge_decision_usd, 0.032 * 5 + 0.04 * 2, 'day 2 at decision');
});

t.test('a fee different from the one priced in is the fee part', async (t) => {
  // Priced for 10 contracts (0.005 each); a partial fill of 1 pays ceil(0.0175*1*.45*.55 cents) = $0.01.
  const { fills } = edgeLoss([fill({ count: 1, fee: 0.01, fair_p: 0.5 })], [order({})]);
  near(t, fills[0]!.lost_fee, 0.005, 'fee 0.01 charged, 0.005 priced');
  near(t, fills[0]!.lost, 0.005, 'all of it');
});

t.test('shadow against live: side by side and matched decisions', async (t) => {
  const key = { ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', price: 0.45, oracle_ts: T0 - 1001 };
  const orders = [
    order({ client_order_id: 's1', ...key }),
    order({ client_order_id: 'l1', mode: 'live', ts: T0 - 990, ...key }),
    order({ client_order_id: 's2', price: 0.44, oracle_ts: T0 - 5 }), // shadow only
  ];
  const fills = [
    fill({ client_order_id: 's1', trade_id: 'st1', fair_p: 0.5 }),
    fill({ client_order_id: 'l1', trade_id: 'lt1', mode: 'live', count: 4, fee: 0.02, fair_p: 0.48 }),
  ];
  const lat: Latency[] = [
    { type: 'latency', ts: T0 - 900, kind: 'quote-to-action', ms: 100, client_order_id: 's1' },
    { type: 'latency', ts: T0 - 800, kind: 'quote-to-action', ms: 180, client_order_id: 'l1' },
  ];
  const r = execGap({ latencies: lat, orders, fills });
  t.same(
    r.pairs.map((p) => p.day),
    ['all', '2026-01-25'],
  );
  const p = r.pairs[0]!;
  t.match(p.shadow, { orders: 2, contracts_ordered: 20, fills: 1, contracts_filled: 10, fill_rate: 0.5, quote_to_action_p50: 100 });
  t.match(p.live, { orders: 1, contracts_ordered: 10, fills: 1, contracts_filled: 4, fill_rate: 0.4, quote_to_action_p50: 180 });
  t.match(p, { matched: 1, matched_filled_shadow: 10, matched_filled_live: 4 });
  near(t, p.matched_edge_fill_shadow, 0.045, 'shadow assumed 4.5 points');
  near(t, p.matched_edge_fill_live, 0.48 - 0.45 - 0.005, 'live got 2.5');
  const md = execGapMarkdown(r);
  t.match(md, /\| all \| live − shadow \| -1 \| -10 \| -6 \| -10\.0% \|/);
  t.equal(
    execGapMarkdown(execGap({ latencies: [...lat].reverse(), orders: [...orders].reverse(), fills: [...fills].reverse() })),
    md,
    'input order does not matter',
  );
  const csv = execGapCsv(r).split('\n');
  t.equal(
    csv[0],
    'table,day,mode,kind,n,p50_ms,p90_ms,p99_ms,max_ms,fills,contracts,edge_decision_usd,edge_fill_usd,lost_usd,lost_latency_usd,lost_price_usd,lost_fee_usd',
  );
  t.ok(csv.includes('latency,all,live,quote-to-action,1,180,180,180,180,,,,,,,,'));
  t.ok(csv.includes('edge,all,live,,,,,,,1,4,0.18,0.1,0.08,0.08,0,0'));
});
