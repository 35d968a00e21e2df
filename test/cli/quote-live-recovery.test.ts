// quote --live recovering from what kills connections and processes, end to end against
// the Kalshi simulator: the private WebSocket dropped while a taker fills our quotes (the
// fills read over REST after the reconnect, each applied exactly once), a quote process
// killed with SIGKILL and started again (its predecessor's orders canceled at start, its
// position read), SIGTERM while orders are in flight (nothing left resting, exit 0), and a
// second SIGTERM (exit at once).
import t from 'tap';
import { AWAY, HOME, LivePipe, PREFIX, Rig, execs, finalOf, orders, quoteOn, quoting, stopAndCheck } from '../helpers/live.js';
import type { Rec } from '../helpers/kalshi.js';

t.test('the private WebSocket dropped while a taker fills our quotes: after the reconnect each fill is applied exactly once', async (t) => {
  const { rig, p } = await quoting(t);
  const memAsk = quoteOn(rig, HOME, 'ask');
  const denBid = quoteOn(rig, AWAY, 'bid');
  const conns = (): number[] =>
    execs(p, 'feed')
      .filter((e) => (e.body as Rec).state === 'live')
      .map((e) => e.conn as number);
  t.same(conns(), [1], 'one private connection so far');
  // Every socket cut (the private one and the market data's), and in the same turn, before
  // any reconnect, a taker fills the MEM ask whole and 2 of the DEN bid's 5.
  rig.sim.sim.inject({ kind: 'close-abrupt' });
  rig.sim.engine.fillAgainst(memAsk, memAsk.remaining);
  rig.sim.engine.fillAgainst(denBid, 200);
  const truth = rig.fills();
  t.equal(truth.length, 2, 'two fills in the simulator');
  await p.until(() => conns().length >= 2, 10_000, 'the private WebSocket live again');
  await p.until(() => truth.every((f) => p.ofType('fill').some((x) => x.trade_id === f.tradeId)), 10_000, 'both fills applied');
  for (const f of truth) {
    const missed = p.ofType('reconcile').filter((r) => r.kind === 'missed-fill' && r.trade_id === f.tradeId);
    const ws = execs(p, 'fill').filter((e) => (e.body as Rec).trade_id === f.tradeId);
    t.equal(ws.length, 0, `trade ${f.tradeId}: never heard over the WebSocket (it was down)`);
    t.equal(missed.length, 1, 'read over REST after the reconnect: one reconcile missed-fill record');
  }
  await p.until(() => finalOf(p, memAsk.clientOrderId!) !== undefined, 5_000, 'the MEM ask ended');
  t.equal(finalOf(p, memAsk.clientOrderId!)!.status, 'filled', 'the MEM ask is filled');
  await p.until(() => orders(p).some((o) => o.client_order_id === denBid.clientOrderId && o.filled === 2), 5_000, 'the DEN bid known partly filled');
  // The market data dropped too: its kill switch may pull the DEN bid (3 left) meanwhile.
  await p.until(
    () => (denBid.status === 'resting') === (finalOf(p, denBid.clientOrderId!) === undefined),
    5_000,
    'the DEN bid in the same state in quote and in the simulator',
  );
  const last = orders(p)
    .filter((o) => o.client_order_id === denBid.clientOrderId)
    .at(-1)!;
  t.same([last.filled, last.remaining], [2, 3], `the DEN bid (${last.status as string}): 2 filled, 3 not`);
  // Let the reconnect's reads (both sockets reconnected: two reconciles) all land.
  await new Promise((r) => setTimeout(r, 1000));
  t.equal(p.ofType('fill').length, 2, 'two fill records, no more');
  t.ok(
    p.ofType('position').some((x) => x.ticker === HOME && x.position === -5),
    'position short 5 YES on MEM',
  );
  t.ok(
    p.ofType('position').some((x) => x.ticker === AWAY && x.position === 2),
    'position long 2 YES on DEN',
  );
  await stopAndCheck(t, rig, p);
});

t.test('a quote process killed (SIGKILL) and started again: the old orders are canceled at start, the position read, quoting resumes', async (t) => {
  const { rig, p } = await quoting(t);
  // A partial fill first: the restarted process must know what it holds.
  const ask = quoteOn(rig, HOME, 'ask');
  rig.sim.engine.fillAgainst(ask, 200);
  await p.until(() => p.ofType('fill').length === 1, 5_000, 'the fill applied');
  const old = rig.resting().map((o) => o.clientOrderId!);
  t.equal(old.length, 4, 'four quotes resting');
  p.kill();
  await p.exited;
  t.equal(rig.resting().length, 4, 'killed: its four quotes are still resting');
  const fillsBefore = rig.fills().length;

  const q = new LivePipe(rig);
  t.teardown(() => q.kill());
  const ready = await q.waitForLog((l) => l.msg === 'live venue ready', 30_000, 'the restarted venue ready');
  t.equal(ready.orphans_canceled, 4, 'it canceled the four orders of the killed process');
  t.equal(rig.resting().length, 0, 'nothing of ours resting before it quotes');
  const startup = execs(q, 'orders').find((e) => (e.body as Rec).scope === 'startup');
  t.same(
    ((startup?.body as Rec).orders as Rec[]).map((o) => o.client_order_id).sort(),
    [...old].sort(),
    'the start-up read listed them (kalshi.exec orders, scope startup)',
  );
  t.same(
    q
      .ofType('reconcile')
      .filter((r) => r.kind === 'orphan')
      .map((r) => r.client_order_id)
      .sort(),
    [...old].sort(),
    'one reconcile orphan record each',
  );
  t.ok(
    q.ofType('reconcile').some((r) => r.kind === 'startup' && r.ticker === HOME),
    'the position read at start (reconcile startup)',
  );
  t.ok(
    q.ofType('position').some((x) => x.ticker === HOME && x.position === -2),
    'and booked: short 2 YES on MEM',
  );
  q.links();
  q.oracle(0.5);
  await q.until(() => rig.resting().length >= 4, 15_000, 'quoting again');
  const fresh = rig.resting().map((o) => o.clientOrderId!);
  t.ok(
    fresh.every((c) => c.startsWith(PREFIX) && !old.includes(c)),
    'with new client order ids',
  );
  t.notOk(
    orders(q).some((o) => old.includes(o.client_order_id as string)),
    'no order record reuses an old id',
  );
  await stopAndCheck(t, rig, q, { fillsFrom: fillsBefore });
});

t.test('SIGTERM while orders are in flight: nothing left resting, every order ends, exit 0', async (t) => {
  // Creates take 600 ms to reach the engine; their acknowledgements come a second late.
  const rig = await Rig.start({ sim: { rest: { orderLatencyMs: 600 } } });
  t.teardown(() => rig.stop());
  const p = new LivePipe(rig);
  t.teardown(() => p.kill());
  await p.waitForLog((l) => l.msg === 'live venue ready', 30_000, 'the live venue ready');
  rig.sim.sim.inject({ kind: 'ack-delay', n: 8, ms: 1000 });
  p.links();
  p.oracle(0.5);
  const creates = (): number => rig.requestsTo('POST', '/portfolio/events/orders').length;
  await p.until(() => creates() >= 1, 10_000, 'a create on its way');
  t.equal(rig.orders().length, 0, 'none has reached the engine yet');
  await stopAndCheck(t, rig, p);
  t.ok(rig.orders().length >= 1, `the creates in flight landed (${rig.orders().length}) and were canceled`);
  t.ok(
    rig.orders().every((o) => o.status === 'canceled'),
    'all canceled in the simulator',
  );
});

t.test('a second SIGTERM exits at once', async (t) => {
  // Every order request takes 1.5 s (under rest_timeout_ms): the stop's cancels are slow,
  // an orderly stop takes 3 s or more.
  const { rig, p } = await quoting(t, { sim: { rest: { orderLatencyMs: 1500 } } });
  p.quote.kill('SIGTERM');
  await p.waitForLog((l) => l.msg === 'stopping', 5_000, 'the first signal heard');
  await new Promise((r) => setTimeout(r, 200));
  const at = Date.now();
  p.quote.kill('SIGTERM');
  const r = await p.exited;
  const took = Date.now() - at;
  t.ok(took < 1000, `exited ${took} ms after the second signal`);
  t.equal(r.code, 143, 'exit 143 (128 + SIGTERM)');
  t.ok(
    p.logs.some((l) => l.msg === 'second signal: exiting now'),
    'saying so',
  );
  p.kill();
  t.comment(`left resting by the forced exit: ${rig.resting().length} (the next start cancels them)`);
});
