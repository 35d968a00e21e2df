// The simulator's WebSocket v2 against the reference (§1): the signed handshake, every
// command with its documented response and error code, snapshot-then-deltas with seq per
// subscription, use_yes_price, get_snapshot, pings, private channels.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { LIQUIDITY, TAKER } from '../../src/sim/kalshi/engine.js';
import { DEMO, makeKeys, startSim, type Rec } from '../helpers/kalshi.js';
import { connect } from '../helpers/kalshi-ws.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());
const signer = makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8'));
const [DEN, MEM] = [DEMO[0]!, DEMO[1]!];

const signed = (): Record<string, string> => signer.headers(Date.now(), 'GET', '/trade-api/ws/v2');

t.test('the handshake must be signed by the configured key', async (t) => {
  const sim = await startSim({ keys, markets: [DEN] });
  t.teardown(() => sim.stop());
  await t.rejects(connect(sim.urls.wsUrl, {}), /HTTP 401/, 'no headers');
  const stale = signer.headers(Date.now() - 120_000, 'GET', '/trade-api/ws/v2');
  await t.rejects(connect(sim.urls.wsUrl, stale), /HTTP 401/, 'a stale timestamp');
  const wrongPath = signer.headers(Date.now(), 'GET', '/trade-api/v2/markets');
  await t.rejects(connect(sim.urls.wsUrl, wrongPath), /HTTP 401/, 'a signature over another path');
  const other = makeKeys('other');
  const foreign = makeSigner(keys.keyId, readFileSync(other.privPath, 'utf8')).headers(Date.now(), 'GET', '/trade-api/ws/v2');
  other.cleanup();
  await t.rejects(connect(sim.urls.wsUrl, foreign), /HTTP 401/, 'another key');
  sim.sim.inject({ kind: 'refuse-auth', n: 1 });
  await t.rejects(connect(sim.urls.wsUrl, signed()), /HTTP 401/, 'the refuse-auth fault');
  const c = await connect(sim.urls.wsUrl, signed());
  t.ok(c, 'a good signature opens it');
  c.ws.close();
});

t.test('commands: documented responses and error codes', async (t) => {
  const sim = await startSim({ keys, markets: [DEN, MEM] });
  t.teardown(() => sim.stop());
  const c = await connect(sim.urls.wsUrl, signed());
  t.teardown(() => c.ws.close());
  const err = async (id: number, code: number, what: string): Promise<void> => {
    const m = await c.wait((x) => x.id === id && x.type === 'error', what);
    t.equal((m.msg as Rec).code, code, `${what}: error ${code}`);
  };
  c.ws.send('not json');
  await c.wait((x) => x.type === 'error' && (x.msg as Rec).code === 1, 'bad JSON: error 1');
  await err(c.send('subscribe'), 2, 'no params');
  await err(c.send('subscribe', { channels: [] }), 3, 'no channels');
  await err(c.send('unsubscribe', {}), 4, 'no sids');
  await err(c.send('dance', {}), 5, 'unknown command');
  await err(c.send('subscribe', { channels: ['ticker_v2'] }), 8, 'ticker_v2 was removed');
  await err(c.send('subscribe', { channels: ['orderbook_delta'], market_ticker: DEN, market_tickers: [DEN] }), 11, 'both ticker forms');
  await err(c.send('subscribe', { channels: ['orderbook_delta'] }), 14, 'orderbook needs markets');
  const nf = c.send('subscribe', { channels: ['orderbook_delta'], market_tickers: ['NOPE'] });
  const nfm = await c.wait((x) => x.id === nf, 'market not found');
  t.same(nfm.msg, { code: 16, msg: 'Market not found', market_ticker: 'NOPE' });
  const sub = c.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [DEN], use_yes_price: true });
  const ok = await c.wait((x) => x.id === sub && x.type === 'subscribed', 'subscribed');
  t.same(ok.msg, { channel: 'orderbook_delta', sid: 1 });
  await err(c.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [MEM] }), 6, "one subscription per channel (this simulator's default)");
  await err(c.send('update_subscription', { sids: [1, 2], market_tickers: [MEM], action: 'add_markets' }), 12, 'two sids');
  await err(c.send('update_subscription', { sids: [1], market_tickers: [MEM] }), 15, 'no action');
  await err(c.send('update_subscription', { sids: [1], market_tickers: [MEM], action: 'dance' }), 13, 'unknown action');
  await err(c.send('update_subscription', { sids: [99], market_tickers: [MEM], action: 'add_markets' }), 7, 'unknown sid');
  await err(c.send('update_subscription', { sids: [1], action: 'add_markets' }), 14, 'no markets');
  const tr = c.send('subscribe', { channels: ['trade'] });
  await c.wait((x) => x.id === tr && x.type === 'subscribed', 'trade subscribed');
  await err(c.send('update_subscription', { sid: 2, market_tickers: [MEM], action: 'get_snapshot' }), 13, 'get_snapshot is orderbook only');
  const add = c.send('update_subscription', { sid: 1, market_tickers: [MEM], action: 'add_markets' });
  const addOk = await c.wait((x) => x.id === add, 'add ok');
  t.match(addOk, { type: 'ok', sid: 1, msg: { market_tickers: [DEN, MEM] } });
  t.type(addOk.seq, 'number', "an ok carries its sid's seq");
  const list = c.send('list_subscriptions');
  const l = await c.wait((x) => x.id === list, 'list');
  t.same(l.msg, [
    { channel: 'orderbook_delta', sid: 1 },
    { channel: 'trade', sid: 2 },
  ]);
  const un = c.send('unsubscribe', { sids: [2] });
  const u = await c.wait((x) => x.id === un, 'unsubscribed');
  t.match(u, { type: 'unsubscribed', sid: 2 });
  await err(c.send('unsubscribe', { sids: [2] }), 7, 'already gone');
});

t.test('snapshot then deltas, seq per sid, both price conventions, get_snapshot, trades, pings', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rate: 0, pingEveryMs: 50 });
  t.teardown(() => sim.stop());
  const e = sim.engine;
  const top = e.top(DEN, 1);
  const c = await connect(sim.urls.wsUrl, signed());
  t.teardown(() => c.ws.close());
  c.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [DEN], use_yes_price: false });
  c.send('subscribe', { channels: ['trade'], market_tickers: [DEN] }, 50);
  const snap = await c.wait((x) => x.type === 'orderbook_snapshot', 'snapshot');
  t.equal(snap.seq, 1, 'seq starts with the snapshot');
  const msg = snap.msg as Rec;
  const yes = msg.yes_dollars_fp as string[][];
  const no = msg.no_dollars_fp as string[][];
  t.same(yes.at(-1), [(top.bids[0]![0] / 10000).toFixed(4), (top.bids[0]![1] / 100).toFixed(2)], 'yes levels ascending, best last');
  t.equal(no.at(-1)![0], ((10000 - top.asks[0]![0]) / 10000).toFixed(4), 'no levels at NO prices: 1 - YES ask');
  e.place(LIQUIDITY, { ticker: DEN, side: 'ask', price: top.asks[0]![0] + 100 * 5, count: 1234, tif: 'good_till_canceled', stp: 'maker' });
  const d1 = await c.wait((x) => x.type === 'orderbook_delta', 'delta');
  t.match(d1, {
    seq: 2,
    sid: 1,
    msg: { market_ticker: DEN, side: 'no', price_dollars: ((10000 - top.asks[0]![0] - 500) / 10000).toFixed(4), delta_fp: '12.34' },
  });
  t.type((d1.msg as Rec).ts_ms, 'number');
  e.place(TAKER, { ticker: DEN, side: 'bid', price: top.asks[0]![0], count: 100, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  const tr = await c.wait((x) => x.type === 'trade', 'trade');
  t.match(tr.msg, {
    market_ticker: DEN,
    yes_price_dollars: (top.asks[0]![0] / 10000).toFixed(4),
    count_fp: '1.00',
    taker_outcome_side: 'yes',
    taker_book_side: 'bid',
  });
  t.notOk('seq' in tr, 'trades carry no seq');
  const d2 = await c.wait((x) => x.type === 'orderbook_delta' && x.seq === 3, "the trade's delta");
  t.equal((d2.msg as Rec).delta_fp, '-1.00');
  const from = c.msgs.length;
  c.send('update_subscription', { sids: [1], market_tickers: [DEN], action: 'get_snapshot' }, 77);
  const gsOk = await c.wait((x) => x.id === 77, 'get_snapshot ok', from);
  t.match(gsOk, { type: 'ok', seq: 4 });
  const s2 = await c.wait((x) => x.type === 'orderbook_snapshot', 'second snapshot', from);
  t.equal(s2.seq, 5, 'seq continues through ok and snapshot on the same sid');
  // use_yes_price: the same ask comes at its YES price.
  const c2 = await connect(sim.urls.wsUrl, signed());
  t.teardown(() => c2.ws.close());
  c2.send('subscribe', { channels: ['orderbook_delta'], market_tickers: [DEN], use_yes_price: true });
  const s3 = await c2.wait((x) => x.type === 'orderbook_snapshot', 'snapshot (yes prices)');
  t.equal(
    ((s3.msg as Rec).no_dollars_fp as string[][])[0]![0],
    (e.top(DEN, 1).asks[0]![0] / 10000).toFixed(4),
    'no levels on the YES scale, ascending: the best ask first',
  );
  await c.waitPings(2);
  t.ok(c.pings >= 2, `pings arrive (${c.pings})`);
});

t.test('private channels: fills and order updates for orders placed by this key only', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], rate: 0 });
  t.teardown(() => sim.stop());
  const c = await connect(sim.urls.wsUrl, signed());
  t.teardown(() => c.ws.close());
  c.send('subscribe', { channels: ['fill', 'user_orders'] });
  await c.wait((x) => x.type === 'subscribed' && (x.msg as Rec).channel === 'user_orders', 'subscribed');
  const ask = sim.engine.market(DEN).asks.lowest!;
  sim.engine.place('someone-else', { ticker: DEN, side: 'bid', price: ask, count: 100, tif: 'immediate_or_cancel', stp: 'maker' });
  const o = sim.engine.place(keys.keyId, { ticker: DEN, side: 'bid', price: ask, count: 200, tif: 'immediate_or_cancel', stp: 'maker', clientOrderId: 'c-9' });
  const f = await c.wait((x) => x.type === 'fill', 'fill');
  t.match(f.msg, {
    order_id: o.id,
    market_ticker: DEN,
    is_taker: true,
    outcome_side: 'yes',
    book_side: 'bid',
    client_order_id: 'c-9',
    count_fp: '2.00',
    post_position_fp: '2.00',
  });
  t.match((f.msg as Rec).fee_cost, /^0\.\d{4}$/);
  const u = await c.wait((x) => x.type === 'user_order' && (x.msg as Rec).status === 'executed', 'executed');
  t.match(u.msg, { order_id: o.id, fill_count_fp: '2.00', remaining_count_fp: '0.00', client_order_id: 'c-9' });
  t.equal(c.msgs.filter((x) => x.type === 'fill').length, 1, "nobody else's fills");
});
