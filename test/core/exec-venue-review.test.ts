// Adversarial review of the live venue's core (src/core/exec-venue.ts): races and slow
// paths found by reading the order path, each one a way an order could be left resting
// unknown to us, a slot blocked forever, or a fill lost. Same rig as exec-venue.test.ts.
import t from 'tap';
import { TK, rig, spec, userOrder } from '../helpers/exec.js';

const created = (n: number) => ({
  op: 'create' as const,
  client_order_id: `chl-x-run-${n}`,
  ok: true,
  body: { order_id: `o${n}`, client_order_id: `chl-x-run-${n}`, fill_count: '0.00', remaining_count: '5.00' },
});

t.test('a reconnect while a create is on its way: the create is not taken as lost, and its answer still counts', async (t) => {
  const r = rig();
  r.ev({ op: 'feed', conn: 1, body: { state: 'live' } }, 0);
  r.core.submit({ kind: 'place', order: spec(1) }, 10);
  r.ev({ op: 'feed', conn: 1, body: { state: 'down', cause: 'connection-lost' } }, 11);
  r.ev({ op: 'feed', conn: 2, body: { state: 'live' } }, 12);
  // If the reconcile looked the order up by client id, the exchange had nothing yet:
  const lookups = r.actions.filter((a) => a.op === 'verify' && a.clientOrderId === 'chl-x-run-1');
  const got = lookups.length > 0 ? r.ev({ op: 'lookup', client_order_id: 'chl-x-run-1', ok: true, body: { order: null } }, 20) : [];
  t.same(got, [], 'not rejected while its create is on its way');
  t.match(r.ev(created(1), 30), [{ kind: 'accepted', clientOrderId: 'chl-x-run-1', orderId: 'o1' }], 'the create answer accepts it');
  t.same(
    r.core.open().map((o) => o.clientOrderId),
    ['chl-x-run-1'],
  );
});

t.test('a reconcile read of a resting order answers it: no read loop, and the read budget is left for a later dropped cancel ack', async (t) => {
  const r = rig({ ackTimeoutMs: 100 });
  r.ev({ op: 'feed', conn: 1, body: { state: 'live' } }, 0);
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.ev(created(1), 1);
  let now = 10;
  // Ten reconnects over the quote's life, each answered by a read that says it rests.
  for (let c = 2; c <= 11; c++) {
    r.ev({ op: 'feed', conn: c, body: { state: 'live' } }, now);
    r.ev({ op: 'fills', ok: true, body: { fills: [] } }, now + 1);
    r.ev({ op: 'order', client_order_id: 'chl-x-run-1', order_id: 'o1', ok: true, body: { order: userOrder(1, 'resting') } }, now + 2);
    now += 10_000;
    r.core.replies(now);
  }
  const reads = r.actions.filter((a) => a.op === 'verify').length;
  t.equal(reads, 10, 'one read per reconnect, none repeated once answered');
  r.core.submit({ kind: 'cancel', clientOrderId: 'chl-x-run-1', ticker: TK }, now);
  r.ev({ op: 'cancel', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', reduced_by: '5.00' } }, now + 5);
  // The user_order that confirms it is dropped: the ack deadline must read it again.
  r.core.replies(now + 200);
  t.match(r.actions.at(-1), { op: 'verify', clientOrderId: 'chl-x-run-1', orderId: 'o1', why: 'ack' }, 'the unconfirmed cancel is read');
  t.match(r.ev({ op: 'order', client_order_id: 'chl-x-run-1', ok: true, body: { order: userOrder(1, 'canceled') } }, now + 210), [
    { kind: 'canceled', clientOrderId: 'chl-x-run-1' },
  ]);
  t.same(r.warns, []);
});

t.test('an order taken as never placed (create lost) that the exchange shows resting is canceled, not left there', async (t) => {
  const r = rig();
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: false, status: 0, code: 'outcome-unknown', error: 'timeout' }, 5);
  t.match(r.ev({ op: 'lookup', client_order_id: 'chl-x-run-1', ok: true, body: { order: null } }, 50), [{ kind: 'rejected', reason: 'venue-error' }]);
  // It lands after all (the look-up ran ahead of the matching engine).
  r.ev({ op: 'user_order', body: userOrder(1, 'resting') }, 60);
  t.match(r.actions.at(-1), { op: 'cancel', clientOrderId: 'chl-x-run-1', orderId: 'o1' }, 'canceled at once');
  t.match(r.records.at(-1), { type: 'reconcile', kind: 'orphan', client_order_id: 'chl-x-run-1', order_id: 'o1' });
  const n = r.actions.length;
  r.ev({ op: 'user_order', body: userOrder(1, 'resting') }, 61);
  t.equal(r.actions.length, n, 'once');
});

t.test('an orphan (or stray) whose cancel failed is canceled again when it is next seen resting', async (t) => {
  const r = rig();
  const old = { order_id: 'z1', client_order_id: 'chl-x-old-7', ticker: TK, status: 'resting', remaining_count_fp: '5.00' };
  r.ev({ op: 'orders', ok: true, body: { orders: [old], scope: 'reconcile' } }, 0);
  r.ev({ op: 'cancel', client_order_id: 'chl-x-old-7', order_id: 'z1', ok: false, status: 429, code: 'rate-limited' }, 1);
  r.ev({ op: 'orders', ok: true, body: { orders: [old], scope: 'reconcile' } }, 100);
  t.same(
    r.actions.map((a) => [a.op, (a as { orderId?: string }).orderId]),
    [
      ['cancel', 'z1'],
      ['cancel', 'z1'],
    ],
    'sent again',
  );
  // The same for an order of this run taken as finished.
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: false, status: 0, code: 'outcome-unknown' }, 5);
  r.ev({ op: 'lookup', client_order_id: 'chl-x-run-1', ok: true, body: { order: null } }, 50);
  r.ev({ op: 'user_order', body: userOrder(1, 'resting') }, 60);
  r.ev({ op: 'cancel', client_order_id: 'chl-x-run-1', order_id: 'o1', ok: false, status: 503, code: 'unavailable' }, 61);
  r.ev({ op: 'user_order', body: userOrder(1, 'resting') }, 62);
  t.equal(r.actions.filter((a) => a.op === 'cancel' && a.orderId === 'o1').length, 2, 'the stray too');
});
