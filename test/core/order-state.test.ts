import t from 'tap';
import { FINAL, allowed, apply, foldOrderRecords, newOrder, type OrderEvent, type OrderState } from '../../src/core/order-state.js';
import { ORDER_STATUSES } from '../../src/schema/records.js';

const mk = (count = 1000): OrderState => newOrder({ clientOrderId: 'c1', ticker: 'T', side: 'bid', price: 4200, count, tif: 'gtc', now: 0 });
const run = (o: OrderState, evs: OrderEvent[]) => evs.map((e, i) => apply(o, e, i + 1));

t.test('the happy path: new, submitted, resting, partial, filled', async (t) => {
  const o = mk();
  const r = run(o, [
    { kind: 'send' },
    { kind: 'accept', orderId: 'x1' },
    { kind: 'fill', tradeId: 'a', count: 400 },
    { kind: 'fill', tradeId: 'b', count: 600 },
  ]);
  t.same(
    r.map((x) => x.ok && x.to),
    ['submitted', 'resting', 'partial', 'filled'],
  );
  t.equal(o.orderId, 'x1');
  t.equal(o.filled, 1000);
  t.equal(o.restingSince, 2);
});

t.test('a fill after the cancel request still counts; a refused cancel goes back (partial if it filled meanwhile)', async (t) => {
  const o = mk();
  run(o, [{ kind: 'send' }, { kind: 'accept', orderId: 'x' }, { kind: 'cancel-request' }]);
  t.equal(o.status, 'pending-cancel');
  const f = apply(o, { kind: 'fill', tradeId: 'a', count: 300 }, 9);
  t.ok(f.ok && f.to === 'pending-cancel', 'still waiting for the cancel answer');
  apply(o, { kind: 'cancel-reject', alreadyFilled: false }, 10);
  t.equal(o.status, 'partial');
  t.equal(o.cancelSentTs, undefined);
});

t.test('a cancel refused because the order already filled waits for the fill, then ends filled', async (t) => {
  const o = mk();
  run(o, [{ kind: 'send' }, { kind: 'accept', orderId: 'x' }, { kind: 'cancel-request' }, { kind: 'cancel-reject', alreadyFilled: true }]);
  t.equal(o.status, 'pending-cancel');
  apply(o, { kind: 'fill', tradeId: 'a', count: 1000 }, 9);
  t.equal(o.status, 'filled');
  t.ok(FINAL.has(o.status));
});

t.test('late edges: a fill reported after the cancel ack, a second ack, a late accept', async (t) => {
  const o = mk();
  run(o, [{ kind: 'send' }, { kind: 'accept', orderId: 'x' }, { kind: 'cancel-request' }, { kind: 'cancel-ack' }]);
  t.equal(o.status, 'canceled');
  const late = apply(o, { kind: 'fill', tradeId: 'a', count: 200 }, 9);
  t.ok(late.ok, 'the exchange filled it before our cancel took effect');
  t.equal(o.status, 'canceled');
  t.equal(o.filled, 200);
  t.ok(apply(o, { kind: 'cancel-ack' }, 10).ok, 'a repeated ack is harmless');
  const ioc = newOrder({ clientOrderId: 'c2', ticker: 'T', side: 'ask', price: 5000, count: 100, tif: 'ioc', now: 0 });
  run(ioc, [{ kind: 'send' }, { kind: 'fill', tradeId: 'z', count: 100 }]);
  t.equal(ioc.status, 'filled');
  t.ok(apply(ioc, { kind: 'accept', orderId: 'y' }, 3).ok, 'the create answer after its fills');
  t.equal(ioc.orderId, 'y');
});

t.test('fills are de-duplicated by trade id and never exceed the order', async (t) => {
  const o = mk();
  run(o, [{ kind: 'send' }, { kind: 'accept', orderId: 'x' }, { kind: 'fill', tradeId: 'a', count: 400 }]);
  const dup = apply(o, { kind: 'fill', tradeId: 'a', count: 400 }, 5);
  t.ok(dup.ok && dup.duplicate, 'same trade id: a duplicate');
  t.equal(o.filled, 400);
  const over = apply(o, { kind: 'fill', tradeId: 'b', count: 700 }, 6);
  t.notOk(over.ok, 'more than remains is impossible');
  t.equal(o.filled, 400, 'and changes nothing');
});

t.test('impossible transitions are reported, never thrown, and change nothing', async (t) => {
  for (const s of ORDER_STATUSES) {
    for (const kind of ['send', 'accept', 'reject', 'cancel-request', 'cancel-ack'] as const) {
      const o = mk();
      o.status = s;
      const e: OrderEvent = kind === 'accept' ? { kind, orderId: 'x' } : ({ kind } as OrderEvent);
      const r = apply(o, e, 1);
      t.equal(r.ok, allowed(s, kind), `${s} + ${kind}`);
      if (!r.ok) t.equal(o.status, s);
    }
  }
  const o = mk();
  run(o, [{ kind: 'send' }, { kind: 'reject' }]);
  t.notOk(apply(o, { kind: 'fill', tradeId: 'a', count: 1 }, 3).ok, 'a rejected order never fills');
  t.notOk(apply(o, { kind: 'cancel-request' }, 3).ok, 'nor is cancelled');
});

t.test('a ledger of order and fill records rebuilds the state', async (t) => {
  const rec = (status: string, filled: number, ts: number) => ({
    type: 'order' as const,
    ts,
    client_order_id: 'c1',
    order_id: 'x',
    ticker: 'T',
    action: 'buy' as const,
    price: 0.42,
    count: 10,
    tif: 'gtc' as const,
    status: status as OrderState['status'],
    filled,
  });
  const units = { price: (x: number) => Math.round(x * 10000), count: (x: number) => Math.round(x * 100) };
  const { orders, unmatched } = foldOrderRecords(
    [
      rec('submitted', 0, 1),
      rec('resting', 0, 2),
      { type: 'fill', ts: 3, client_order_id: 'c1', trade_id: 'a', count: 4 },
      rec('partial', 4, 3),
      rec('pending-cancel', 4, 4),
      { type: 'fill', ts: 5, client_order_id: 'nope', trade_id: 'b', count: 1 },
    ],
    units,
  );
  const o = orders.get('c1')!;
  t.equal(o.status, 'pending-cancel');
  t.equal(o.filled, 400);
  t.equal(o.price, 4200);
  t.equal(o.beforeCancel, 'partial');
  t.ok(o.trades.has('a'));
  t.equal(unmatched.length, 1);
  // The rebuilt state goes on exactly as the live one would.
  t.ok(apply(o, { kind: 'fill', tradeId: 'a', count: 400 }, 6).ok && o.filled === 400, 'a replayed fill is still a duplicate');
  apply(o, { kind: 'cancel-reject', alreadyFilled: false }, 7);
  t.equal(o.status, 'partial');
});
