// The order state table's amend edges: pending-amend while an amend is on its way, amended
// once it took effect (the next version rests under a new client id), and the races: a fill
// while the amend is on its way, a fill reported after it, the venue canceling the order
// first, and each reason an amend can be refused for.
import t from 'tap';
import { FINAL, IN_FLIGHT, allowed, apply, foldOrderRecords, newOrder, type EventKind, type OrderEvent, type OrderState } from '../../src/core/order-state.js';
import { ORDER_STATUSES, order as orderSchema } from '../../src/schema/records.js';
import type { AmendRejectReason } from '../../src/core/trading.js';

const mk = (count = 1000): OrderState => newOrder({ clientOrderId: 'c1', ticker: 'T', side: 'bid', price: 4200, count, tif: 'gtc', now: 0 });
const resting = (count = 1000): OrderState => {
  const o = mk(count);
  apply(o, { kind: 'send' }, 1);
  apply(o, { kind: 'accept', orderId: 'x1' }, 2);
  return o;
};
const pendingAmend = (count = 1000): OrderState => {
  const o = resting(count);
  const r = apply(o, { kind: 'amend-request' }, 10);
  if (!r.ok) throw new Error(r.detail);
  return o;
};

t.test('the statuses: pending-amend is in flight, amended is final; both appended to the record enum', async (t) => {
  t.ok(IN_FLIGHT.has('pending-amend'), 'nothing new on the side while an amend is on its way');
  t.ok(FINAL.has('amended'), 'a superseded version expects nothing but late fills');
  t.notOk(FINAL.has('pending-amend'));
  t.same(
    ORDER_STATUSES.slice(0, 8),
    ['new', 'submitted', 'resting', 'partial', 'filled', 'pending-cancel', 'canceled', 'rejected'],
    'the old statuses keep their order',
  );
  t.same(ORDER_STATUSES.slice(8), ['pending-amend', 'amended']);
  for (const status of ['pending-amend', 'amended']) {
    const rec = {
      type: 'order',
      ts: 1,
      mode: 'shadow',
      client_order_id: 'c1',
      order_id: 'x1',
      ticker: 'KXNBAGAME-26JAN25DENMEM-MEM',
      side: 'yes',
      action: 'buy',
      price: 0.42,
      count: 10,
      tif: 'gtc',
      post_only: true,
      status,
      filled: 0,
      remaining: 10,
      reason: status === 'amended' ? 'amended' : 'reprice',
    };
    t.ok(orderSchema.safeParse(rec).success, `an order record with status ${status} is valid`);
  }
});

t.test('the happy path: resting, pending-amend, amended; the send time is kept while in flight', async (t) => {
  const o = resting();
  const r1 = apply(o, { kind: 'amend-request' }, 10);
  t.ok(r1.ok && r1.to === 'pending-amend');
  t.equal(o.amendSentTs, 10);
  t.equal(o.beforeAmend, 'resting');
  const r2 = apply(o, { kind: 'amend-ack' }, 20);
  t.ok(r2.ok && r2.to === 'amended');
  t.equal(o.amendSentTs, undefined);
  t.equal(o.price, 4200, 'a version never changes its price: the next version has its own state');
  t.equal(o.count, 1000);
  const partial = resting();
  apply(partial, { kind: 'fill', tradeId: 'a', count: 300 }, 5);
  t.equal(partial.status, 'partial');
  t.ok(apply(partial, { kind: 'amend-request' }, 10).ok, 'a partly filled quote can be amended');
  t.equal(partial.beforeAmend, 'partial');
});

t.test('only a resting or partial order is amended: never in flight, never finished', async (t) => {
  for (const s of ORDER_STATUSES) {
    const expect = s === 'resting' || s === 'partial';
    t.equal(allowed(s, 'amend-request'), expect, `amend-request in ${s}`);
  }
  const o = pendingAmend();
  t.notOk(apply(o, { kind: 'cancel-request' }, 11).ok, 'no cancel while the amend is on its way (the manager waits: cancelWanted)');
  t.notOk(apply(o, { kind: 'amend-request' }, 11).ok, 'nor a second amend');
  t.equal(o.status, 'pending-amend');
});

t.test('a fill while the amend is on its way counts against the old version', async (t) => {
  const o = pendingAmend();
  const f = apply(o, { kind: 'fill', tradeId: 'a', count: 400 }, 12);
  t.ok(f.ok && f.to === 'pending-amend', 'still waiting for the answer');
  t.equal(o.filled, 400);
  t.equal(o.beforeAmend, 'partial', 'a refused amend now leaves it partial');
  t.ok(apply(o, { kind: 'amend-reject', reason: 'invalid' }, 13).ok);
  t.equal(o.status, 'partial');
  const full = pendingAmend();
  apply(full, { kind: 'fill', tradeId: 'a', count: 1000 }, 12);
  t.equal(full.status, 'filled', 'filled in full before the amend took effect');
  const late = apply(full, { kind: 'amend-reject', reason: 'already-filled' }, 13);
  t.ok(late.ok && late.to === 'filled', "the venue's refusal afterwards changes nothing");
});

t.test('a fill reported after the amend took effect still counts against the old version', async (t) => {
  const o = pendingAmend();
  apply(o, { kind: 'amend-ack' }, 20);
  const late = apply(o, { kind: 'fill', tradeId: 'a', count: 250 }, 21);
  t.ok(late.ok && late.to === 'amended', 'the exchange made it before the amend');
  t.equal(o.filled, 250);
  t.ok(apply(o, { kind: 'fill', tradeId: 'a', count: 250 }, 22).ok && o.filled === 250, 'the same trade twice is applied once');
  t.notOk(apply(o, { kind: 'fill', tradeId: 'b', count: 800 }, 23).ok, 'never more than the version had');
  t.ok(apply(o, { kind: 'amend-ack' }, 24).ok, 'a repeated answer is harmless');
  t.equal(o.status, 'amended');
});

t.test('each refusal: invalid goes back, already-filled waits for the fill, the others end it canceled', async (t) => {
  const cases: Array<[AmendRejectReason, string]> = [
    ['invalid', 'resting'],
    ['already-filled', 'pending-amend'],
    ['already-canceled', 'canceled'],
    ['post-only-cross', 'canceled'],
    ['unknown-order', 'canceled'],
  ];
  for (const [reason, to] of cases) {
    const o = pendingAmend();
    const r = apply(o, { kind: 'amend-reject', reason }, 20);
    t.ok(r.ok, reason);
    t.equal(o.status, to, `${reason} -> ${to}`);
    if (to !== 'pending-amend') t.equal(o.amendSentTs, undefined, `${reason}: no longer in flight`);
  }
  const o = pendingAmend();
  apply(o, { kind: 'amend-reject', reason: 'already-filled' }, 20);
  apply(o, { kind: 'fill', tradeId: 'a', count: 1000 }, 21);
  t.equal(o.status, 'filled', 'the fill that the refusal announced ends it');
});

t.test('the venue cancels the order before the amend arrives (market closed): canceled, the late refusal changes nothing', async (t) => {
  const o = pendingAmend();
  t.ok(apply(o, { kind: 'cancel-ack' }, 15).ok);
  t.equal(o.status, 'canceled');
  t.ok(apply(o, { kind: 'amend-reject', reason: 'already-canceled' }, 20).ok);
  t.equal(o.status, 'canceled');
  t.notOk(apply(o, { kind: 'amend-ack' }, 21).ok, 'an amend taking effect on a canceled order is impossible: the manager reports it');
});

t.test('impossible amend events are reported, never thrown, and change nothing', async (t) => {
  const kinds: EventKind[] = ['amend-request', 'amend-ack', 'amend-reject'];
  for (const s of ORDER_STATUSES) {
    for (const kind of kinds) {
      const o = mk();
      o.status = s;
      const e: OrderEvent = kind === 'amend-reject' ? { kind, reason: 'invalid' } : ({ kind } as OrderEvent);
      const r = apply(o, e, 1);
      t.equal(r.ok, allowed(s, kind), `${s} + ${kind}`);
      if (!r.ok) t.equal(o.status, s);
    }
  }
  t.notOk(allowed('rejected', 'amend-reject'));
  t.notOk(allowed('submitted', 'amend-ack'), 'an order not yet resting was never amended');
});

t.test('a ledger with an amend chain rebuilds both versions', async (t) => {
  const rec = (coid: string, status: string, price: number, count: number, filled: number, ts: number) => ({
    type: 'order' as const,
    ts,
    client_order_id: coid,
    order_id: 'x',
    ticker: 'T',
    action: 'buy' as const,
    price,
    count,
    tif: 'gtc' as const,
    status: status as OrderState['status'],
    filled,
  });
  const units = { price: (x: number) => Math.round(x * 10000), count: (x: number) => Math.round(x * 100) };
  const mid = foldOrderRecords(
    [rec('c1', 'submitted', 0.42, 10, 0, 1), rec('c1', 'resting', 0.42, 10, 0, 2), rec('c1', 'pending-amend', 0.42, 10, 0, 3)],
    units,
  );
  const m = mid.orders.get('c1')!;
  t.equal(m.status, 'pending-amend');
  t.equal(m.beforeAmend, 'resting');
  t.equal(m.amendSentTs, 3);
  t.ok(apply(m, { kind: 'amend-reject', reason: 'invalid' }, 4).ok && m.status === 'resting', 'the rebuilt state goes on as the live one would');
  const { orders } = foldOrderRecords(
    [
      rec('c1', 'submitted', 0.42, 10, 0, 1),
      rec('c1', 'resting', 0.42, 10, 0, 2),
      rec('c1', 'pending-amend', 0.42, 10, 0, 3),
      { type: 'fill', ts: 4, client_order_id: 'c1', trade_id: 'a', count: 2 },
      rec('c1', 'amended', 0.42, 10, 2, 5),
      rec('c2', 'resting', 0.41, 8, 0, 5),
    ],
    units,
  );
  const a = orders.get('c1')!;
  const b = orders.get('c2')!;
  t.equal(a.status, 'amended');
  t.equal(a.filled, 200);
  t.equal(a.price, 4200);
  t.equal(b.status, 'resting');
  t.equal(b.price, 4100, 'the next version has its own price and count');
  t.equal(b.count, 800);
  t.equal(b.restingSince, 5);
});
