import t from 'tap';
import { decodeFrame } from '../../src/core/kalshi-messages.js';

const ok = (text: string) => {
  const d = decodeFrame(text);
  if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
  return d;
};

t.test('documented messages decode (reference §1.2-1.3 examples)', async (t) => {
  const snap = ok(
    '{"type":"orderbook_snapshot","sid":2,"seq":2,"msg":{"market_ticker":"FED-23DEC-T3.00","market_id":"9b0f","yes_dollars_fp":[["0.0800","300.00"]],"no_dollars_fp":[["0.5400","20.00"]]}}',
  );
  t.same(snap.env, { type: 'orderbook_snapshot', sid: 2, seq: 2, id: undefined });
  t.equal(snap.msg.kind, 'snapshot');
  const delta = ok(
    '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"FED-23DEC-T3.00","price_dollars":"0.960","delta_fp":"-54.00","side":"yes","ts_ms":1669149841000}}',
  );
  t.same(delta.msg, { kind: 'delta', sid: 2, ticker: 'FED-23DEC-T3.00', side: 'yes', price: '0.960', delta: '-54.00', tsMs: 1669149841000 });
  const trade = ok(
    '{"type":"trade","sid":11,"msg":{"trade_id":"d91b","market_ticker":"HIGHNY-22DEC23-B53.5","yes_price_dollars":"0.360","no_price_dollars":"0.640","count_fp":"136.00","taker_side":"no","taker_outcome_side":"no","taker_book_side":"ask","ts":1669149841,"ts_ms":1669149841000}}',
  );
  t.same(trade.msg, { kind: 'trade', ticker: 'HIGHNY-22DEC23-B53.5', tradeId: 'd91b', price: 3600, count: 13600, takerSide: 'no', tsMs: 1669149841000 });
  t.same(ok('{"id":1,"type":"subscribed","msg":{"channel":"orderbook_delta","sid":1}}').msg, { kind: 'subscribed', id: 1, sid: 1, channel: 'orderbook_delta' });
  const okMsg = ok('{"id":123,"sid":456,"seq":222,"type":"ok","msg":{"market_tickers":["M-1","M-2"]}}');
  t.same(okMsg.env.seq, 222, 'an ok carries the seq of its sid');
  t.same(okMsg.msg, { kind: 'ok', id: 123, sid: 456, tickers: ['M-1', 'M-2'], list: undefined });
  t.same(ok('{"id":3,"type":"ok","msg":[{"channel":"orderbook_delta","sid":1}]}').msg, {
    kind: 'ok',
    id: 3,
    sid: undefined,
    tickers: undefined,
    list: [{ channel: 'orderbook_delta', sid: 1 }],
  });
  t.same(ok('{"id":127,"type":"error","msg":{"code":16,"msg":"Market not found","market_ticker":"INVALID-MARKET"}}').msg, {
    kind: 'error',
    id: 127,
    sid: undefined,
    code: 16,
    text: 'Market not found',
    ticker: 'INVALID-MARKET',
  });
  t.same(ok('{"type":"error","sid":4,"msg":{"code":25,"msg":"Subscription buffer overflow"}}').msg, {
    kind: 'error',
    id: undefined,
    sid: 4,
    code: 25,
    text: 'Subscription buffer overflow',
    ticker: undefined,
  });
  t.equal(ok('{"type":"ticker","sid":11,"msg":{"market_ticker":"X"}}').msg.kind, 'ignored');
  t.equal(
    ok('{"type":"market_lifecycle_v2","sid":13,"msg":{"market_ticker":"KXNHLGAME-26OCT01PHINJ-PHI","event_type":"determined","result":"yes"}}').msg.kind,
    'lifecycle',
  );
});

t.test('taker side: outcome side, else book side, else the deprecated field', async (t) => {
  const m = (extra: string) =>
    ok(`{"type":"trade","sid":1,"msg":{"trade_id":"a","market_ticker":"M","yes_price_dollars":"0.5","count_fp":"1.00"${extra}}}`).msg;
  t.match(m(',"taker_book_side":"bid"'), { takerSide: 'yes' });
  t.match(m(',"taker_book_side":"ask"'), { takerSide: 'no' });
  t.match(m(',"taker_side":"no"'), { takerSide: 'no' });
  t.equal(decodeFrame('{"type":"trade","sid":1,"msg":{"trade_id":"a","market_ticker":"M","yes_price_dollars":"0.5","count_fp":"1.00"}}').ok, false);
});

t.test('fills and user orders: new direction fields, or the deprecated action/side pair', async (t) => {
  const f = ok(
    '{"type":"fill","sid":13,"msg":{"trade_id":"t1","order_id":"o1","market_ticker":"M","is_taker":true,"yes_price_dollars":"0.750","count_fp":"278.00","fee_cost":"0.0400","outcome_side":"yes","book_side":"bid","post_position_fp":"500.00","client_order_id":"my-1","ts_ms":5}}',
  );
  t.same(f.msg, {
    kind: 'fill',
    fill: {
      tradeId: 't1',
      orderId: 'o1',
      clientOrderId: 'my-1',
      ticker: 'M',
      price: 7500,
      count: 27800,
      fee: 400,
      isTaker: true,
      outcomeSide: 'yes',
      bookSide: 'bid',
      postPosition: 50000,
      tsMs: 5,
    },
  });
  const old = ok(
    '{"type":"fill","sid":13,"msg":{"trade_id":"t1","order_id":"o1","market_ticker":"M","is_taker":false,"yes_price_dollars":"0.750","count_fp":"1.00","side":"yes","action":"sell"}}',
  );
  t.match(old.msg, { fill: { outcomeSide: 'no', bookSide: 'ask', fee: 0 } }, 'a sell yes is outcome no, book ask');
  const buyNo = ok(
    '{"type":"fill","sid":13,"msg":{"trade_id":"t1","order_id":"o1","market_ticker":"M","is_taker":false,"yes_price_dollars":"0.750","count_fp":"1.00","side":"no","action":"buy"}}',
  );
  t.match(buyNo.msg, { fill: { outcomeSide: 'no', bookSide: 'ask' } });
  const u = ok(
    '{"type":"user_order","sid":22,"msg":{"order_id":"o","ticker":"M","status":"resting","outcome_side":"yes","book_side":"bid","yes_price_dollars":"0.3500","fill_count_fp":"0.00","remaining_count_fp":"10.00","initial_count_fp":"10.00","last_updated_ts_ms":7}}',
  );
  t.same(u.msg, {
    kind: 'user_order',
    order: {
      orderId: 'o',
      clientOrderId: undefined,
      ticker: 'M',
      status: 'resting',
      outcomeSide: 'yes',
      bookSide: 'bid',
      price: 3500,
      fillCount: 0,
      remainingCount: 1000,
      initialCount: 1000,
      tsMs: 7,
    },
  });
  t.equal(
    decodeFrame(
      '{"type":"user_order","sid":22,"msg":{"order_id":"o","ticker":"M","status":"pending","outcome_side":"yes","book_side":"bid","yes_price_dollars":"0.35","fill_count_fp":"0","remaining_count_fp":"1","initial_count_fp":"1"}}',
    ).ok,
    false,
    'pending is not a 2026 status',
  );
});

t.test('bad frames are named, and a broken data message keeps its envelope', async (t) => {
  const cases: Array<[string, string]> = [
    ['{"type":"orderbook_delta","sid":1,"seq":', 'not-json'],
    ['[1,2]', 'not-object'],
    ['"x"', 'not-object'],
    ['{"sid":1}', 'no-type'],
    ['{"type":"sim_mystery","msg":{}}', 'unknown-type'],
    ['{"type":"orderbook_delta","sid":"1","seq":2,"msg":{}}', 'bad-field'],
    ['{"type":"orderbook_delta","sid":1,"seq":2.5,"msg":{}}', 'bad-field'],
    ['{"type":"trade","sid":1,"msg":{"market_ticker":"M","trade_id":"t","yes_price_dollars":0.5,"count_fp":"1.00","taker_side":"yes"}}', 'bad-field'],
    ['{"type":"error","msg":{"msg":"no code"}}', 'bad-field'],
    // A book message without seq cannot be gap-checked: not applied.
    ['{"type":"orderbook_delta","sid":1,"msg":{"market_ticker":"M","price_dollars":"0.5000","delta_fp":"1.00","side":"yes"}}', 'bad-field'],
    ['{"type":"orderbook_snapshot","sid":1,"msg":{"market_ticker":"M","yes_dollars_fp":[]}}', 'bad-field'],
    // Trade, fill and order prices must lie strictly inside (0, 1).
    ['{"type":"trade","sid":1,"msg":{"market_ticker":"M","trade_id":"t","yes_price_dollars":"7.5000","count_fp":"1.00","taker_side":"yes"}}', 'bad-field'],
    ['{"type":"trade","sid":1,"msg":{"market_ticker":"M","trade_id":"t","yes_price_dollars":"0.0000","count_fp":"1.00","taker_side":"yes"}}', 'bad-field'],
    [
      '{"type":"fill","sid":13,"msg":{"trade_id":"t1","order_id":"o1","market_ticker":"M","is_taker":true,"yes_price_dollars":"1.0000","count_fp":"1.00","outcome_side":"yes","book_side":"bid"}}',
      'bad-field',
    ],
    [
      '{"type":"user_order","sid":22,"msg":{"order_id":"o","ticker":"M","status":"resting","outcome_side":"yes","book_side":"bid","yes_price_dollars":"0.0000","fill_count_fp":"0.00","remaining_count_fp":"1.00","initial_count_fp":"1.00"}}',
      'bad-field',
    ],
  ];
  for (const [text, reason] of cases) {
    const d = decodeFrame(text);
    t.equal(d.ok ? 'ok' : d.reason, reason, text.slice(0, 50));
  }
  const noTicker = decodeFrame('{"type":"orderbook_delta","sid":3,"seq":9,"msg":{"price_dollars":"0.5"}}');
  t.ok(!noTicker.ok && noTicker.env?.sid === 3 && noTicker.env.seq === 9 && noTicker.ticker === undefined, 'sid and seq survive a broken body');
  const wrongType = decodeFrame('{"type":"orderbook_delta","sid":3,"seq":9,"msg":{"market_ticker":"M","price_dollars":"0.5","delta_fp":12,"side":"yes"}}');
  t.ok(wrongType.ok, "level strings are the book's to judge (so the right book is invalidated)");
});
