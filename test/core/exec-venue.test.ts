// The live venue's core, alone: exchange answers and private messages in, the manager's
// replies and the REST actions out. Every race here is one live Kalshi bots ran into
// (reference execution.md §3, kalshi.md §2-3): fills outrunning the create's answer, a
// dropped acknowledgement, a cancel answered for another order, a create whose outcome
// is unknown, a fill heard twice (WebSocket and REST).
import t from 'tap';
import { ExecCore, createBody, type ExecAction, type ExecEvent } from '../../src/core/exec-venue.js';
import { TK, fill, rig, spec, userOrder } from '../helpers/exec.js';

t.test('a quote: create body, accepted from REST, canceled when the WebSocket says so', async (t) => {
  const r = rig();
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  t.match(r.actions[0], { op: 'create', clientOrderId: 'chl-x-run-1' });
  t.same((r.actions[0] as { body: unknown }).body, createBody(spec(1), 'og-1'));
  t.match(createBody(spec(1), 'og-1'), {
    side: 'bid',
    price: '0.4800',
    count: '5.00',
    time_in_force: 'good_till_canceled',
    post_only: true,
    cancel_order_on_pause: true,
    self_trade_prevention_type: 'taker_at_cross',
    order_group_id: 'og-1',
  });
  t.match(createBody(spec(2, { tif: 'ioc', postOnly: false }), undefined), { time_in_force: 'immediate_or_cancel', post_only: false });
  const acc = r.ev(
    {
      op: 'create',
      client_order_id: 'chl-x-run-1',
      ok: true,
      body: { order_id: 'o1', client_order_id: 'chl-x-run-1', fill_count: '0.00', remaining_count: '5.00' },
    },
    10,
  );
  t.same(acc, [{ kind: 'accepted', ts: 10, clientOrderId: 'chl-x-run-1', orderId: 'o1', ticker: TK, remaining: 500 }]);
  t.same(r.ev({ op: 'user_order', body: userOrder(1, 'resting') }, 11), [], 'the user_order echo accepts nothing twice');
  r.core.submit({ kind: 'cancel', clientOrderId: 'chl-x-run-1', ticker: TK }, 20);
  t.match(r.actions[1], { op: 'cancel', orderId: 'o1' });
  t.same(r.ev({ op: 'cancel', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', reduced_by: '5.00' } }, 25), [], 'REST alone does not end it');
  const end = r.ev({ op: 'user_order', body: userOrder(1, 'canceled', { remaining_count_fp: '0.00', last_update_reason: 'Canceled' }) }, 30);
  t.match(end, [{ kind: 'canceled', cause: 'requested', remaining: 500 }]);
  t.equal(r.core.next(), 600_030, 'only its forgetting is due');
  t.equal(r.core.open().length, 0);
});

t.test('post-only cross: by the create answer (remaining 0) or by the user_order first; a reprice signal, once', async (t) => {
  const a = rig();
  a.core.submit({ kind: 'place', order: spec(1) }, 0);
  t.match(a.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '0.00', remaining_count: '0.00' } }, 5), [
    { kind: 'rejected', reason: 'post-only-cross' },
  ]);
  t.same(a.ev({ op: 'user_order', body: userOrder(1, 'canceled', { last_update_reason: 'PostOnlyCrossCancel' }) }, 6), []);
  const b = rig();
  b.core.submit({ kind: 'place', order: spec(1) }, 0);
  t.match(b.ev({ op: 'user_order', body: userOrder(1, 'canceled', { last_update_reason: 'PostOnlyCrossCancel' }) }, 3), [
    { kind: 'rejected', reason: 'post-only-cross' },
  ]);
  t.same(b.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '0.00', remaining_count: '0.00' } }, 5), []);
});

t.test('refusals map to reasons; a 409 is a duplicate id; a halted group refuses locally', async (t) => {
  const r = rig();
  const cases: Array<[Partial<ExecEvent>, string]> = [
    [{ status: 409, code: 'conflict' }, 'duplicate-client-order-id'],
    [{ status: 400, code: 'MARKET_INACTIVE' }, 'market-closed'],
    [{ status: 0, code: 'rate-limited' }, 'rate-limited'],
    [{ status: 503, code: 'unavailable' }, 'venue-error'],
    [{ status: 400, code: 'invalid_parameters', error: 'price must lie on the tick grid' }, 'off-grid'],
    [{ status: 400, code: 'invalid_parameters', error: 'count' }, 'invalid'],
  ];
  cases.forEach(([e, reason], i) => {
    r.core.submit({ kind: 'place', order: spec(i) }, 0);
    t.match(r.ev({ op: 'create', client_order_id: `chl-x-run-${i}`, ok: false, ...e }, 1), [{ kind: 'rejected', reason }], reason);
  });
  r.core.submit({ kind: 'place', order: spec(0) }, 2);
  t.match(r.replies(2), [{ kind: 'rejected', reason: 'duplicate-client-order-id' }], 'an id this process used is never sent again');
  r.ev({ op: 'order_group', body: { event_type: 'triggered', order_group_id: 'og-1', contracts_limit_fp: '200.00' } }, 3);
  t.ok(r.core.halted);
  t.match(r.records.at(-1), { type: 'reconcile', kind: 'group-triggered' });
  const creates = r.actions.length;
  r.core.submit({ kind: 'place', order: spec(50) }, 4);
  t.match(r.replies(4), [{ kind: 'rejected', reason: 'venue-halted' }]);
  t.equal(r.actions.length, creates, 'nothing sent while halted');
  r.ev({ op: 'order_group', body: { event_type: 'triggered', order_group_id: 'og-OTHER' } }, 5);
  r.ev({ op: 'order_group', body: { event_type: 'reset', order_group_id: 'og-1' } }, 6);
  t.equal(r.core.halted, undefined, 'reset: orders allowed again');
});

t.test('a create whose outcome is unknown is never placed again: it is looked up until known', async (t) => {
  const r = rig();
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  t.same(r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: false, status: 0, code: 'outcome-unknown', error: 'timeout' }, 5), [], 'still pending');
  t.match(r.actions.at(-1), { op: 'verify', clientOrderId: 'chl-x-run-1', why: 'unknown' });
  t.notOk('orderId' in (r.actions.at(-1) as object), 'by client id: the exchange id is unknown');
  t.match(r.ev({ op: 'lookup', client_order_id: 'chl-x-run-1', ok: true, body: { order: userOrder(1, 'resting') } }, 50), [
    { kind: 'accepted', orderId: 'o1', remaining: 500 },
  ]);
  t.equal(r.actions.filter((a) => a.op === 'create').length, 1, 'one create, ever');

  const lost = rig();
  lost.core.submit({ kind: 'place', order: spec(2) }, 0);
  lost.ev({ op: 'create', client_order_id: 'chl-x-run-2', ok: false, status: 502, code: 'outcome-unknown' }, 5);
  t.match(lost.ev({ op: 'lookup', client_order_id: 'chl-x-run-2', ok: true, body: { order: null } }, 60), [{ kind: 'rejected', reason: 'venue-error' }]);
  t.match(lost.records, [{ type: 'reconcile', kind: 'lost', client_order_id: 'chl-x-run-2' }]);
});

t.test('a cancel asked for before the exchange id is known waits for it', async (t) => {
  const r = rig();
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.core.submit({ kind: 'cancel', clientOrderId: 'chl-x-run-1', ticker: TK }, 1);
  t.equal(r.actions.filter((a) => a.op === 'cancel').length, 0);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '0.00', remaining_count: '5.00' } }, 5);
  t.match(r.actions.at(-1), { op: 'cancel', orderId: 'o1' });
  t.match(r.core.submit({ kind: 'cancel', clientOrderId: 'nope', ticker: TK }, 6) ?? r.replies(6), [{ kind: 'cancel-rejected', reason: 'unknown-order' }]);
});

t.test('fills: outrunning the create answer, heard twice (WebSocket and REST) applied once, fill latency from the exchange time', async (t) => {
  const r = rig();
  r.core.submit({ kind: 'place', order: spec(1, { tif: 'ioc', postOnly: false }) }, 0);
  const f1 = r.ev({ op: 'fill', body: fill(1, 'tr-1', '2.00', { client_order_id: 'chl-x-run-1', is_taker: true, ts_ms: 3 }) }, 8);
  t.match(f1, [{ kind: 'fill', tradeId: 'tr-1', count: 200, remaining: 300, price: 4800, fee: 200, liquidity: 'taker' }]);
  t.match(r.records, [{ type: 'latency', kind: 'fill', ms: 5 }]);
  t.match(r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '2.00', remaining_count: '0.00' } }, 9), [
    { kind: 'accepted', remaining: 0 },
  ]);
  t.same(r.ev({ op: 'fill', body: fill(1, 'tr-1', '2.00') }, 10), [], 'the same trade again: nothing');
  t.same(r.ev({ op: 'fills', ok: true, body: { fills: [fill(1, 'tr-1', '2.00')] } }, 11), [], 'and from REST: nothing');
  t.equal(r.core.counts.duplicate_fills, 1);
  t.match(r.ev({ op: 'user_order', body: userOrder(1, 'canceled', { fill_count_fp: '2.00', last_update_reason: 'ImmediateOrCancel' }) }, 12), [
    { kind: 'canceled', cause: 'ioc-remainder', remaining: 300 },
  ]);
});

t.test('an order executed whose fill messages were lost: read again over REST, each fill applied once with a missed-fill record', async (t) => {
  const r = rig({ ackTimeoutMs: 100 });
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '0.00', remaining_count: '5.00' } }, 5);
  t.same(r.ev({ op: 'user_order', body: userOrder(1, 'executed', { fill_count_fp: '5.00' }) }, 10), [], 'executed: the fills tell the manager');
  t.equal(r.core.next(), 110, 'its fills are owed');
  r.replies(110);
  t.match(r.actions.at(-1), { op: 'verify', orderId: 'o1', why: 'fills' });
  const got = r.ev({ op: 'fills', ok: true, body: { fills: [fill(1, 'tr-9')] } }, 120);
  t.match(got, [{ kind: 'fill', tradeId: 'tr-9', count: 500, remaining: 0 }]);
  t.match(r.records, [{ type: 'reconcile', kind: 'missed-fill', trade_id: 'tr-9' }]);
  t.same(r.ev({ op: 'fill', body: fill(1, 'tr-9') }, 130), [], 'the late WebSocket copy: nothing');
  t.equal(r.core.next(), 600_010, 'nothing owed any more');
});

t.test('a dropped cancel acknowledgement: the ack deadline reads the order again; 404 and reduced 0 read it at once', async (t) => {
  const r = rig({ ackTimeoutMs: 100 });
  for (const n of [1, 2, 3]) {
    r.core.submit({ kind: 'place', order: spec(n) }, 0);
    r.ev({ op: 'create', client_order_id: `chl-x-run-${n}`, ok: true, body: { order_id: `o${n}`, fill_count: '0.00', remaining_count: '5.00' } }, 1);
    r.core.submit({ kind: 'cancel', clientOrderId: `chl-x-run-${n}`, ticker: TK }, 2);
  }
  r.ev({ op: 'cancel', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', reduced_by: '5.00' } }, 5);
  r.ev({ op: 'cancel', client_order_id: 'chl-x-run-2', ok: true, body: { order_id: 'o2', reduced_by: '0.00' } }, 5);
  r.ev({ op: 'cancel', client_order_id: 'chl-x-run-3', ok: false, status: 404, code: 'not_found' }, 5);
  const verifies = (): string[] => r.actions.filter((a) => a.op === 'verify').map((a) => (a as { clientOrderId: string }).clientOrderId);
  t.same(verifies(), ['chl-x-run-2', 'chl-x-run-3'], 'nothing reduced / not found: read now');
  r.replies(102);
  t.same(verifies(), ['chl-x-run-2', 'chl-x-run-3', 'chl-x-run-1'], 'no confirmation within the ack timeout: read');
  t.match(r.ev({ op: 'order', client_order_id: 'chl-x-run-1', ok: true, body: { order: userOrder(1, 'canceled') } }, 110), [
    { kind: 'canceled', cause: 'requested' },
  ]);
  // o3 had filled before the cancel: its fills come, then its state.
  t.match(r.ev({ op: 'fills', ok: true, body: { fills: [fill(3, 'tr-3')] } }, 111), [{ kind: 'fill', clientOrderId: 'chl-x-run-3', remaining: 0 }]);
  t.same(r.ev({ op: 'order', client_order_id: 'chl-x-run-3', ok: true, body: { order: userOrder(3, 'executed', { fill_count_fp: '5.00' }) } }, 112), []);
  // o2 is gone from the exchange altogether.
  t.match(r.ev({ op: 'order', client_order_id: 'chl-x-run-2', order_id: 'o2', ok: false, status: 404 }, 113), [{ kind: 'canceled', cause: 'lost' }]);
  t.match(r.records.at(-1), { type: 'reconcile', kind: 'lost', order_id: 'o2' });
});

t.test('the V2 bug: a cancel or create answer describing another order never corrupts state', async (t) => {
  const r = rig();
  for (const n of [1, 2]) {
    r.core.submit({ kind: 'place', order: spec(n) }, 0);
    r.ev({ op: 'create', client_order_id: `chl-x-run-${n}`, ok: true, body: { order_id: `o${n}`, fill_count: '0.00', remaining_count: '5.00' } }, 1);
  }
  r.core.submit({ kind: 'cancel', clientOrderId: 'chl-x-run-1', ticker: TK }, 2);
  t.same(r.ev({ op: 'cancel', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o2', reduced_by: '5.00' } }, 3), []);
  t.equal(r.core.counts.mismatched_bodies, 1);
  t.match(r.actions.at(-1), { op: 'verify', orderId: 'o1', why: 'mismatch' });
  t.equal(r.core.open().length, 2, 'both still open: o2 was not touched');
  r.core.submit({ kind: 'place', order: spec(3) }, 4);
  t.same(r.ev({ op: 'create', client_order_id: 'chl-x-run-3', ok: true, body: { order_id: 'o9', client_order_id: 'chl-x-run-1' } }, 5), []);
  t.match(r.actions.at(-1), { op: 'verify', clientOrderId: 'chl-x-run-3', why: 'mismatch' });
});

t.test('orphans (ours by prefix, not from this run) are canceled once; other processes are left alone', async (t) => {
  const r = rig();
  const old = { order_id: 'z1', client_order_id: 'chl-x-old-7', ticker: TK, status: 'resting', remaining_count_fp: '5.00' };
  const foreign = { order_id: 'z2', client_order_id: 'chs-other-1', ticker: TK, status: 'resting', remaining_count_fp: '5.00' };
  r.ev({ op: 'orders', ok: true, body: { orders: [old, foreign], scope: 'startup' } }, 0);
  r.ev({ op: 'user_order', body: old }, 1);
  t.same(
    r.actions.map((a) => [a.op, (a as { orderId?: string }).orderId]),
    [['cancel', 'z1']],
    'one cancel, for ours',
  );
  t.match(r.records, [{ type: 'reconcile', kind: 'orphan', client_order_id: 'chl-x-old-7' }]);
  r.ev({ op: 'cancel', client_order_id: 'chl-x-old-7', ok: true, body: { order_id: 'z1', reduced_by: '5.00' } }, 2);
  t.same(r.warns, [], 'its answer is expected');
});

t.test('reconnects: the private feed live again, or the feeder reconnecting, reconcile from before the last fill', async (t) => {
  const r = rig();
  r.ev({ op: 'feed', conn: 1, body: { state: 'live' } }, 0);
  t.equal(r.actions.length, 0, 'the first connection needs nothing');
  r.core.submit({ kind: 'place', order: spec(1) }, 1);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '0.00', remaining_count: '5.00' } }, 2);
  r.ev({ op: 'fill', body: fill(1, 'tr-1', '1.00', { ts_ms: 90_000 }) }, 3);
  r.ev({ op: 'feed', conn: 1, body: { state: 'down', cause: 'connection-lost' } }, 4);
  r.ev({ op: 'feed', conn: 2, body: { state: 'live' } }, 5);
  t.match(
    r.actions.filter((a) => a.op === 'reconcile'),
    [{ op: 'reconcile', sinceMs: 30_000, why: 'private-reconnect' }],
  );
  t.match(r.actions.at(-1), { op: 'verify', orderId: 'o1', why: 'reconcile' }, 'and every open order is read');
  r.core.onFeederStatus({ connects: 1 }, 6);
  r.core.onFeederStatus({ connects: 1 }, 7);
  t.equal(r.actions.filter((a) => a.op === 'reconcile').length, 1);
  r.core.onFeederStatus({ connects: 2 }, 8);
  t.match(r.actions.filter((a) => a.op === 'reconcile').at(-1), { why: 'feeder-reconnect' });
});

t.test('unreadable messages are counted, never applied, never thrown', async (t) => {
  const r = rig();
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', fill_count: '0.00', remaining_count: '5.00' } }, 1);
  t.same(r.ev({ op: 'fill', body: { order_id: 'o1', trade_id: 't', count_fp: 'lots' } }, 2), []);
  t.same(r.ev({ op: 'fill', body: fill(1, 'tr-2', '-1.00') }, 3), []);
  t.same(r.ev({ op: 'orders', ok: true, body: { orders: 'nope' } }, 4), []);
  t.same(r.ev({ op: 'user_order' }, 5), []);
  t.equal(r.counts.exec_bad_messages_total, 2);
});

t.test('health: the private channels and the order group trip and clear venue-down; the group id comes from the session', async (t) => {
  const actions: ExecAction[] = [];
  const core = new ExecCore(
    { prefix: 'chl-x-', orderGroupId: undefined, ackTimeoutMs: 1000, overlapMs: 0, keepFinishedMs: 1000 },
    { action: (a) => actions.push(a), record: () => undefined, warn: () => undefined, count: () => undefined },
  );
  core.onExec({ op: 'feed', conn: 1, body: { state: 'live' } }, 0);
  t.same(core.takeHealth(), [{ cause: 'private-feed', up: true, detail: 'private channels live' }]);
  t.same(core.takeHealth(), [], 'each change once');
  core.onExec({ op: 'group', ok: true, body: { order_group_id: 'og-7', contracts_limit: 200 } }, 1);
  core.submit({ kind: 'place', order: spec(1) }, 2);
  t.match(actions.at(-1), { op: 'create', body: { order_group_id: 'og-7' } }, 'orders go in the session group');
  core.onExec({ op: 'order_group', body: { event_type: 'triggered', order_group_id: 'og-other' } }, 3);
  t.same(core.takeHealth(), [], "another group's trigger is not ours");
  core.onExec({ op: 'feed', conn: 1, body: { state: 'down', cause: 'connection-lost' } }, 4);
  core.onExec({ op: 'order_group', body: { event_type: 'triggered', order_group_id: 'og-7' } }, 5);
  t.match(core.takeHealth(), [
    { cause: 'private-feed', up: false, detail: /connection-lost/ },
    { cause: 'order-group', up: false },
  ]);
  core.onExec({ op: 'order_group', body: { event_type: 'reset', order_group_id: 'og-7' } }, 6);
  core.onExec({ op: 'feed', conn: 2, body: { state: 'live' } }, 7);
  t.match(core.takeHealth(), [
    { cause: 'order-group', up: true },
    { cause: 'private-feed', up: true },
  ]);
});

t.test('amend: answered, refused, finished first, or confirmed by the WebSocket before its answer', async (t) => {
  const open = (r: ReturnType<typeof rig>, n: number): void => {
    r.core.submit({ kind: 'place', order: spec(n) }, 0);
    r.ev({ op: 'create', client_order_id: `chl-x-run-${n}`, ok: true, body: { order_id: `o${n}`, fill_count: '0.00', remaining_count: '5.00' } }, 1);
  };
  const amend = (n: number, price = 4700, count = 500) =>
    ({ kind: 'amend', clientOrderId: `chl-x-run-${n}`, ticker: TK, price, count, newClientOrderId: `chl-x-run-${n}b` }) as const;

  const r = rig();
  open(r, 1);
  r.core.submit(amend(1), 2);
  t.match(r.actions.at(-1), {
    op: 'amend',
    orderId: 'o1',
    body: { price: '0.4700', count: '5.00', client_order_id: 'chl-x-run-1', updated_client_order_id: 'chl-x-run-1b', side: 'bid' },
  });
  t.match(r.ev({ op: 'amend', client_order_id: 'chl-x-run-1', ok: true, body: { order_id: 'o1', remaining_count: '5.00', fill_count: '0.00' } }, 3), [
    { kind: 'amended', clientOrderId: 'chl-x-run-1', newClientOrderId: 'chl-x-run-1b', orderId: 'o1', price: 4700, count: 500, remaining: 500 },
  ]);
  t.same(r.ev({ op: 'user_order', body: userOrder(1, 'resting', { client_order_id: 'chl-x-run-1b' }) }, 4), [], 'its user_order: nothing new');
  t.match(
    r.ev({ op: 'fill', body: fill(1, 'tr-a', '2.00') }, 5),
    [{ kind: 'fill', clientOrderId: 'chl-x-run-1b', remaining: 300 }],
    'later fills are the new version',
  );
  t.same(
    r.core.open().map((o) => o.clientOrderId),
    ['chl-x-run-1b'],
  );

  const bad = rig();
  open(bad, 2);
  bad.core.submit(amend(2), 2);
  t.match(bad.ev({ op: 'amend', client_order_id: 'chl-x-run-2', ok: false, status: 400, code: 'invalid_parameters', error: 'off grid' }, 3), [
    { kind: 'amend-rejected', reason: 'invalid' },
  ]);
  bad.core.submit(amend(2), 4);
  t.match(bad.actions.at(-1), { op: 'amend' }, 'the order rests unchanged and can be amended again');

  const filled = rig();
  open(filled, 3);
  filled.core.submit(amend(3), 2);
  t.same(filled.ev({ op: 'amend', client_order_id: 'chl-x-run-3', ok: false, status: 404, code: 'not_found' }, 3), []);
  t.match(filled.actions.at(-1), { op: 'verify', orderId: 'o3', why: 'amend-unknown' });
  const got = filled.ev({ op: 'fills', ok: true, body: { fills: [fill(3, 'tr-3')] } }, 4);
  t.match(got, [
    { kind: 'fill', clientOrderId: 'chl-x-run-3', remaining: 0 },
    { kind: 'amend-rejected', reason: 'already-filled' },
  ]);
  t.equal(got.length, 2);
  t.same(filled.ev({ op: 'order', client_order_id: 'chl-x-run-3', ok: true, body: { order: userOrder(3, 'executed', { fill_count_fp: '5.00' }) } }, 5), []);

  const ws = rig();
  open(ws, 4);
  ws.core.submit(amend(4, 4700, 300), 2);
  t.match(ws.ev({ op: 'user_order', body: userOrder(4, 'resting', { client_order_id: 'chl-x-run-4b', remaining_count_fp: '3.00' }) }, 3), [
    { kind: 'amended', newClientOrderId: 'chl-x-run-4b', remaining: 300 },
  ]);
  t.same(
    ws.ev({ op: 'amend', client_order_id: 'chl-x-run-4', ok: true, body: { order_id: 'o4', remaining_count: '3.00' } }, 4),
    [],
    'the late answer: nothing more',
  );
  t.same(ws.warns, []);

  const fillFirst = rig();
  open(fillFirst, 5);
  fillFirst.core.submit(amend(5), 2);
  t.match(fillFirst.ev({ op: 'fill', body: fill(5, 'tr-5', '1.00', { client_order_id: 'chl-x-run-5b' }) }, 3), [
    { kind: 'amended', newClientOrderId: 'chl-x-run-5b', remaining: 500 },
    { kind: 'fill', clientOrderId: 'chl-x-run-5b', remaining: 400 },
  ]);

  const gone = rig();
  open(gone, 6);
  gone.core.submit(amend(6), 2);
  t.match(gone.ev({ op: 'user_order', body: userOrder(6, 'canceled', { last_update_reason: 'MarketClosed' }) }, 3), [
    { kind: 'canceled', clientOrderId: 'chl-x-run-6', cause: 'market-closed' },
    { kind: 'amend-rejected', reason: 'already-canceled' },
  ]);
  t.match(gone.replies(4), []);
  gone.core.submit(amend(6), 5);
  t.match(gone.replies(5), [{ kind: 'amend-rejected', reason: 'already-canceled' }], 'a finished order is not amended');
});

t.test('an order nobody confirms is read forever (slowly), a person told once; a client id we never gave is not trusted', async (t) => {
  const r = rig({ ackTimeoutMs: 100 });
  r.core.submit({ kind: 'place', order: spec(1) }, 0);
  r.ev({ op: 'create', client_order_id: 'chl-x-run-1', ok: false, status: 0, code: 'outcome-unknown' }, 1);
  let now = 1;
  for (let i = 0; i < 20; i++) {
    now = r.core.next()!;
    r.replies(now);
  }
  const reads = r.actions.filter((a) => a.op === 'verify').length;
  t.ok(reads >= 20, `still read after MAX_VERIFY (${reads} reads)`);
  t.equal(r.counts.exec_unconfirmed_total, 1, 'a person is told once');
  t.ok(r.core.next()! - now <= 100 * 32, 'at the slowest interval, never stopped');

  const m = rig();
  m.core.submit({ kind: 'place', order: spec(2) }, 0);
  m.ev({ op: 'create', client_order_id: 'chl-x-run-2', ok: true, body: { order_id: 'o2', fill_count: '0.00', remaining_count: '5.00' } }, 1);
  const got = m.ev({ op: 'user_order', body: userOrder(2, 'resting', { client_order_id: 'chl-x-run-2-someone' }) }, 2);
  t.match(got, [{ kind: 'canceled', clientOrderId: 'chl-x-run-2', cause: 'lost' }]);
  t.match(m.actions.at(-1), { op: 'cancel', orderId: 'o2' }, 'and canceled on the exchange');
  t.equal(m.counts.order_anomalies_total, 2, 'counted: the client id mismatch and the stray it leaves');
});

t.test('orphans are forgotten once they end (the set stays small over weeks)', async (t) => {
  const r = rig();
  const old = (status: string) => ({
    order_id: 'z1',
    client_order_id: 'chl-x-old-7',
    ticker: TK,
    status,
    remaining_count_fp: status === 'resting' ? '5.00' : '0.00',
  });
  r.ev({ op: 'user_order', body: old('resting') }, 0);
  r.ev({ op: 'user_order', body: old('canceled') }, 1);
  r.ev({ op: 'user_order', body: old('resting') }, 2);
  t.equal(r.actions.filter((a) => a.op === 'cancel').length, 2, 'forgotten when it ended: seen resting again, canceled again');
});
