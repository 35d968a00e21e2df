// quote --live against the Kalshi simulator's order-path faults, end to end (feed-kalshi
// and the test's oracle into quote --live, real sockets): a fill racing a cancel, a cancel
// of an order that already filled (404, or reduced_by 0), user_order acknowledgements
// dropped, duplicated or late, a create answered 500 after it was applied, 429s, and a
// host clock the exchange refuses. In every case each fill is applied exactly once (the
// simulator's fills are the truth), every order reaches a final state, and nothing of
// ours is left resting.
import t from 'tap';
import { AWAY, HOME, LivePipe, Rig, execs, finalOf, orders, quoteOn, quoting, stopAndCheck } from '../helpers/live.js';
import type { Rec } from '../helpers/kalshi.js';

t.test('a fill during a pending cancel (fill-before-cancel): applied once, the rest canceled', async (t) => {
  const { rig, p } = await quoting(t);
  rig.sim.sim.inject({ kind: 'fill-before-cancel', n: 1 });
  const memAsk = quoteOn(rig, HOME, 'ask').clientOrderId!;
  const denBid = quoteOn(rig, AWAY, 'bid').clientOrderId!;
  // Through the MEM ask and the DEN bid: both canceled; the first cancel to arrive races a taker.
  p.oracle(0.8);
  await p.until(() => finalOf(p, memAsk) !== undefined && finalOf(p, denBid) !== undefined, 10_000, 'both quotes the oracle moved through ended');
  const truth = rig.fills();
  t.equal(truth.length, 1, 'the simulator filled one of them before its cancel');
  const hit = truth[0]!;
  const coid = hit.clientOrderId!;
  t.ok([memAsk, denBid].includes(coid), 'the fill is on a quote being canceled');
  await p.until(() => p.ofType('fill').some((f) => f.trade_id === hit.tradeId), 5_000, 'the fill record');
  const end = finalOf(p, coid)!;
  t.equal(end.status, 'canceled', 'the raced order ends canceled');
  t.equal(end.filled, hit.count / 100, 'with its partial fill counted');
  t.equal(end.remaining, 5 - hit.count / 100, 'and the rest not filled');
  t.ok(
    p.ofType('position').some((x) => x.ticker === hit.ticker && x.position === rig.position(hit.ticker)),
    'a position record with the fill',
  );
  await stopAndCheck(t, rig, p);
});

for (const cancelDone of ['404', 'zero'] as const) {
  t.test(
    `a cancel of an order that already filled (the exchange answers ${cancelDone === '404' ? '404' : 'reduced_by 0'}): the fill applied once`,
    async (t) => {
      const { rig, p } = await quoting(t, { sim: { rest: { cancelDone } } });
      const ask = quoteOn(rig, HOME, 'ask');
      // The private socket is held back (stall): the fill is not heard before the manager
      // cancels, so the cancel meets an executed order.
      rig.sim.sim.inject({ kind: 'stall', ms: 1500 });
      rig.sim.engine.fillAgainst(ask, ask.remaining);
      t.equal(ask.status, 'executed', 'our MEM ask filled in the simulator');
      p.oracle(0.8);
      const coid = ask.clientOrderId!;
      await p.until(() => finalOf(p, coid) !== undefined, 10_000, 'the filled quote ends');
      const cancels = execs(p, 'cancel').filter((e) => e.client_order_id === coid);
      t.ok(cancels.length >= 1, 'a cancel was sent for it');
      if (cancelDone === '404') t.equal(cancels[0]?.status, 404, 'answered 404');
      else t.equal((cancels[0]?.body as Rec | undefined)?.reduced_by, '0.00', 'answered reduced_by 0');
      t.equal(finalOf(p, coid)!.status, 'filled', 'the order record ends filled');
      await p.until(() => p.ofType('fill').some((f) => f.client_order_id === coid), 5_000, 'its fill record');
      const trade = rig.fills()[0]!.tradeId;
      t.ok(
        p.ofType('reconcile').some((r) => r.kind === 'missed-fill' && r.trade_id === trade),
        'the fill was read over REST while the socket was held back (reconcile missed-fill)',
      );
      // The late fill message (after the stall) must not apply it again.
      await p.until(() => execs(p, 'fill').some((e) => e.client_order_id === coid), 5_000, 'the held-back fill message');
      t.equal(p.ofType('fill').filter((f) => f.client_order_id === coid).length, 1, 'one fill record');
      t.ok(
        p.ofType('position').some((x) => x.ticker === HOME && x.position === -5),
        'a position record: short 5 YES on MEM',
      );
      t.equal(rig.position(HOME), -5, 'the simulator agrees');
      await stopAndCheck(t, rig, p);
    },
  );
}

t.test('dropped cancel acknowledgements (ack-drop): the orders are read again at their deadline and end canceled', async (t) => {
  const { rig, p } = await quoting(t);
  const memAsk = quoteOn(rig, HOME, 'ask').clientOrderId!;
  const denBid = quoteOn(rig, AWAY, 'bid').clientOrderId!;
  const mark = p.records.length;
  rig.sim.sim.inject({ kind: 'ack-drop', n: 2 });
  p.oracle(0.8);
  await p.until(() => finalOf(p, memAsk) !== undefined && finalOf(p, denBid) !== undefined, 10_000, 'both quotes the oracle moved through ended');
  // The next two user_order messages (the first two cancel confirmations) never come.
  const canceled = [...new Set(execs(p, 'cancel').map((e) => e.client_order_id as string))];
  const heard = (c: string): boolean => execs(p, 'user_order').some((e) => e.client_order_id === c && (e.body as Rec).status === 'canceled');
  await p.until(() => canceled.every((c) => finalOf(p, c) !== undefined), 10_000, 'every canceled quote ended');
  const dropped = canceled.filter((c) => !heard(c));
  t.equal(dropped.length, 2, `two cancel confirmations dropped (${canceled.length} cancels)`);
  for (const c of dropped) {
    t.equal(finalOf(p, c)!.status, 'canceled', `${c} ends canceled all the same`);
    t.ok(
      p.records
        .slice(mark)
        .some(
          (e) => e.type === 'kalshi.exec' && e.op === 'order' && e.client_order_id === c && ((e.body as Rec).order as Rec | undefined)?.status === 'canceled',
        ),
      'read over REST at its deadline (verify)',
    );
  }
  await p.until(() => p.ofType('latency').some((l) => l.kind === 'reprice'), 10_000, 'the reprices resting');
  await stopAndCheck(t, rig, p);
});

t.test('duplicated acknowledgements (ack-dup): each order ends once', async (t) => {
  const { rig, p } = await quoting(t);
  const moved = [quoteOn(rig, HOME, 'ask').clientOrderId!, quoteOn(rig, AWAY, 'bid').clientOrderId!];
  rig.sim.sim.inject({ kind: 'ack-dup', n: 6 });
  p.oracle(0.8);
  await p.until(() => moved.every((c) => finalOf(p, c) !== undefined), 10_000, 'both quotes the oracle moved through ended');
  await p.until(() => p.ofType('latency').some((l) => l.kind === 'reprice'), 10_000, 'the reprices resting');
  const dup = moved.filter((c) => execs(p, 'user_order').filter((e) => e.client_order_id === c && (e.body as Rec).status === 'canceled').length === 2);
  t.same(dup, moved, 'each cancel confirmation arrived twice');
  for (const c of moved) t.equal(orders(p).filter((o) => o.client_order_id === c && o.status === 'canceled').length, 1, `${c}: one canceled record`);
  await stopAndCheck(t, rig, p);
});

t.test('late acknowledgements (ack-delay past the verify deadline): read over REST first, the late message changes nothing', async (t) => {
  const { rig, p } = await quoting(t);
  const moved = [quoteOn(rig, HOME, 'ask').clientOrderId!, quoteOn(rig, AWAY, 'bid').clientOrderId!];
  const mark = p.records.length;
  rig.sim.sim.inject({ kind: 'ack-delay', n: 2, ms: 1500 });
  p.oracle(0.8);
  await p.until(() => moved.every((c) => finalOf(p, c) !== undefined), 10_000, 'both quotes the oracle moved through ended');
  const canceled = [...new Set(execs(p, 'cancel').map((e) => e.client_order_id as string))];
  const confirmed = (c: string): number =>
    p.records.findIndex((e) => e.type === 'kalshi.exec' && e.op === 'user_order' && e.client_order_id === c && (e.body as Rec).status === 'canceled');
  await p.until(() => canceled.every((c) => confirmed(c) >= 0), 5_000, 'every cancel confirmation, late or not');
  // The first two confirmations come 1.5 s late: by then the orders were read over REST (300 ms deadline).
  const late = canceled.filter((c) => p.records.indexOf(finalOf(p, c)!) < confirmed(c));
  t.equal(late.length, 2, `two orders ended before their (late) confirmation (${canceled.length} cancels)`);
  for (const c of late) {
    t.equal(finalOf(p, c)!.status, 'canceled', `${c} canceled`);
    t.ok(
      p.records.slice(mark).some((e) => e.type === 'kalshi.exec' && e.op === 'order' && e.client_order_id === c),
      'read over REST at its deadline',
    );
  }
  await stopAndCheck(t, rig, p);
});

t.test('a create answered 500 after it was applied (order-5xx): found by client id, the order exists once', async (t) => {
  const { rig, p } = await quoting(t, {}, (rig) => rig.sim.sim.inject({ kind: 'order-5xx', n: 1 }));
  t.equal(rig.requestsTo('POST', '/portfolio/events/orders').filter((q) => q.status === 500).length, 1, 'one create was answered 500');
  const recovered = (): Rec[] => execs(p, 'create').filter((e) => (e.body as Rec | undefined)?.recovered === true);
  await p.until(() => execs(p, 'create').length === 4, 5_000, 'the four create answers');
  t.equal(recovered().length, 1, 'its outcome was recovered by client id');
  const coid = recovered()[0]!.client_order_id as string;
  t.equal(rig.orders().filter((o) => o.clientOrderId === coid).length, 1, 'the simulator has that order once');
  t.equal(rig.requestsTo('POST', '/portfolio/events/orders').length, 4, 'four creates sent, none resent');
  t.equal(finalOf(p, coid), undefined, 'the order is working (not rejected)');
  t.ok(
    orders(p).some((o) => o.client_order_id === coid && o.status === 'resting'),
    'and resting',
  );
  const ids = rig.orders().map((o) => o.clientOrderId);
  t.equal(new Set(ids).size, ids.length, 'no client order id twice in the simulator');

  // A cancel answered 500 after it was applied: sent again (cancels are idempotent), the
  // second answer 404; the order is read and ends canceled.
  const memAsk = quoteOn(rig, HOME, 'ask').clientOrderId!;
  const denBid = quoteOn(rig, AWAY, 'bid').clientOrderId!;
  rig.sim.sim.inject({ kind: 'order-5xx', n: 1 });
  p.oracle(0.8);
  await p.until(() => finalOf(p, memAsk) !== undefined && finalOf(p, denBid) !== undefined, 10_000, 'both quotes the oracle moved through ended');
  const deletes = (): Array<{ path: string; status: number }> => rig.requestsTo('DELETE', /\/portfolio\/events\/orders\/[^/]+$/);
  const hit = deletes().find((q) => q.status === 500);
  t.ok(hit, 'a cancel was answered 500');
  await p.until(() => deletes().filter((q) => q.path === hit?.path).length >= 2, 5_000, 'the cancel sent again');
  t.same(
    deletes()
      .filter((q) => q.path === hit?.path)
      .map((q) => q.status),
    [500, 404],
    'sent again by the client (a cancel is idempotent), then answered 404',
  );
  t.equal(finalOf(p, memAsk)!.status, 'canceled', 'MEM ask canceled');
  t.equal(finalOf(p, denBid)!.status, 'canceled', 'DEN bid canceled');
  await stopAndCheck(t, rig, p);
});

t.test('429s (rate-limit fault): retried with backoff, the orders still rest, no retry storm', async (t) => {
  const { rig, p } = await quoting(t, {}, (rig) => rig.sim.sim.inject({ kind: 'rate-limit', n: 3 }));
  const r429 = rig.requests.filter((q) => q.status === 429);
  t.equal(r429.length, 3, 'three 429s served');
  const creates = rig.requestsTo('POST', '/portfolio/events/orders');
  t.ok(creates.length <= 4 + 3, `at most one resend per 429 (${creates.length} creates for 4 orders)`);
  t.equal(creates.filter((q) => q.status === 201).length, 4, 'four creates accepted');
  t.equal(new Set(rig.orders().map((o) => o.clientOrderId)).size, rig.orders().length, 'no order twice');
  await stopAndCheck(t, rig, p);
});

t.test('a tight rate tier (basic): quote paces itself to the account limits; orders flow, no retry storm', async (t) => {
  const { rig, p } = await quoting(t, { sim: { rest: { tier: 'basic' } } });
  // Twenty oracle moves in two seconds: every one cancels and replaces two quotes.
  for (let i = 0; i < 20; i++) {
    p.oracle(i % 2 === 0 ? 0.8 : 0.5);
    await new Promise((r) => setTimeout(r, 100));
  }
  p.oracle(0.5);
  await p.until(() => rig.resting().length === 4 && p.records.length > 0, 20_000, 'four quotes resting after the moves');
  await new Promise((r) => setTimeout(r, 500));
  const writes = rig.requests.filter((q) => q.method !== 'GET' && q.path.includes('/portfolio/'));
  const r429 = rig.requests.filter((q) => q.status === 429);
  t.comment(`${writes.length} writes, ${rig.requests.length} requests, ${r429.length} 429s`);
  t.ok(r429.length <= 2, `hardly any 429 (${r429.length}): the client keeps to the budget it read from /account/limits`);
  // Two cancels and two creates per move at most, plus start-up and verifies.
  t.ok(writes.length <= 4 + 21 * 4 + 4, `no retry storm (${writes.length} writes)`);
  await stopAndCheck(t, rig, p);
});

t.test('a host clock the exchange refuses (KALSHI-ACCESS-TIMESTAMP out of skew): refused at start, exit 3, no orders', async (t) => {
  const rig = await Rig.start({ clockOffsetMs: 5 * 60_000 });
  t.teardown(() => rig.stop());
  const p = new LivePipe(rig);
  t.teardown(() => p.kill());
  p.links();
  p.oracle(0.5);
  const started = Date.now();
  const r = await p.exited;
  t.ok(Date.now() - started < 15_000, 'promptly');
  t.equal(r.code, 3, 'exit 3 (refused)');
  const msg = JSON.stringify(p.logs.filter((l) => (l.level as number) >= 50));
  t.match(msg, /clock/i, `a clear clock message: ${msg}`);
  t.match(msg, /NTP|host clock/i, 'naming the host clock');
  t.equal(rig.orders().length, 0, 'no order was ever placed');
  t.equal(rig.requestsTo('POST', '/portfolio/events/orders').length, 0, 'no create was sent');
  p.kill();
});

t.test('the host clock drifts out of skew while quoting: exit 3 naming the clock and the orders left; fixed, a restart cancels them', async (t) => {
  const { rig, p } = await quoting(t);
  const before = rig.resting().map((o) => o.clientOrderId!);
  rig.clock.offset = 5 * 60_000;
  p.oracle(0.8);
  const r = await p.exited;
  p.kill();
  t.equal(r.code, 3, 'exit 3 (refused)');
  const errors = p.logs.filter((l) => (l.level as number) >= 50);
  t.match(JSON.stringify(errors), /clock/i, 'a clear clock message');
  t.equal(errors.filter((l) => l.msg === 'live venue: fatal, stopping').length, 1, 'said once, not for every refused request');
  const left = rig.resting().map((o) => o.clientOrderId!);
  t.comment(`left resting: ${left.length}`);
  if (left.length > 0)
    t.ok(
      errors.some((l) => /still resting|cancel them by hand/i.test(String(l.msg))),
      'orders the exchange would not let us cancel are reported for a hand cancel',
    );
  t.ok(
    left.every((c) => before.includes(c)),
    'no new order was placed once the clock was refused',
  );
  // The clock fixed: a restart cancels what was left, then quotes again.
  rig.clock.offset = 0;
  const q = new LivePipe(rig);
  t.teardown(() => q.kill());
  await q.waitForLog((l) => l.msg === 'live venue ready', 30_000, 'the restarted venue ready');
  t.same(
    rig.resting().filter((o) => before.includes(o.clientOrderId!)),
    [],
    'the old orders were canceled at start',
  );
  const s = await q.stop('SIGTERM');
  t.equal(s.code, 0, 'the restarted run exits 0');
  t.equal(rig.resting().length, 0, 'nothing resting');
});

t.test('the order group: every order is in it; the exchange triggering it cancels our quotes and halts new ones until a reset', async (t) => {
  const { rig, p } = await quoting(t);
  const group = execs(p, 'group')[0]?.body as Rec | undefined;
  const gid = group?.order_group_id as string;
  t.type(gid, 'string', 'an order group was created at start');
  t.same(
    rig.resting().map((o) => o.orderGroupId),
    [gid, gid, gid, gid],
    'every quote is in it',
  );
  const creates = (): number => rig.requestsTo('POST', '/portfolio/events/orders').length;
  const sent = creates();
  // The fills of the last 15 s passed its contracts limit: the exchange cancels the group's orders.
  rig.sim.engine.triggerGroup(rig.keys.keyId, gid);
  await p.until(() => p.ofType('reconcile').some((r) => r.kind === 'group-triggered'), 5_000, 'the trigger heard');
  await p.until(() => orders(p).filter((o) => o.status === 'canceled' && o.reason === 'group-triggered').length === 4, 5_000, 'the four quotes canceled by it');
  p.oracle(0.55);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(creates(), sent, 'no create sent to the exchange while the group is triggered');
  t.equal(rig.resting().length, 0, 'nothing resting');
  const refused = orders(p).filter((o) => o.status === 'rejected');
  t.ok(
    refused.every((o) => o.reason === 'rejected:venue-halted'),
    `orders refused here, not by the exchange (${refused.length})`,
  );
  t.equal(p.ofType('reconcile').filter((r) => r.kind === 'group-triggered').length, 1, 'one group-triggered record');
  rig.sim.engine.resetGroup(rig.keys.keyId, gid);
  await p.until(() => p.ofType('reconcile').some((r) => r.kind === 'group-reset'), 5_000, 'the reset heard');
  // A refused side waits for the next book (no reject loop): someone else's order moves it.
  rig.sim.engine.place('__liquidity', { ticker: AWAY, side: 'bid', price: 100, count: 100, tif: 'good_till_canceled', stp: 'maker' });
  rig.sim.engine.place('__liquidity', { ticker: HOME, side: 'bid', price: 100, count: 100, tif: 'good_till_canceled', stp: 'maker' });
  p.oracle(0.5);
  await p.until(() => rig.resting().length >= 4, 10_000, 'quoting again after the reset');
  t.ok(
    rig.resting().every((o) => o.orderGroupId === gid),
    'in the same group',
  );
  await stopAndCheck(t, rig, p);
});
