// quote --live end to end: feed-kalshi's market data and the test's oracle into quote
// --live, against the Kalshi simulator over real sockets. Quotes rest in the simulator's
// book; an oracle move through a quote cancels it, confirmed over the WebSocket; SIGTERM
// leaves nothing resting.
import { writeFileSync } from 'node:fs';
import t from 'tap';
import { AWAY, LivePipe, PREFIX, Rig } from '../helpers/live.js';
import { run } from '../helpers/run.js';
import type { Rec } from '../helpers/kalshi.js';

const orders = (p: LivePipe): Rec[] => p.ofType('order');

t.test('quotes rest in the simulator; an oracle move cancels them (confirmed over the WebSocket); SIGTERM leaves nothing resting', async (t) => {
  const rig = await Rig.start();
  t.teardown(() => rig.stop());
  const p = new LivePipe(rig);
  t.teardown(() => p.kill());
  await p.waitForLog((l) => l.msg === 'live venue ready', 30_000, 'the live venue ready');
  p.links();
  p.oracle(0.5);
  await p.until(() => rig.resting().length >= 4, 15_000, 'four quotes (both sides of both tickers) resting in the simulator');
  const rest = rig.resting();
  t.ok(
    rest.every((o) => o.clientOrderId?.startsWith(PREFIX)),
    'client order ids carry the prefix',
  );
  t.ok(
    rest.every((o) => o.postOnly),
    'post-only',
  );
  const group = p.ofType('kalshi.exec').find((e) => e.op === 'group')!.body as Rec;
  t.ok(
    rest.every((o) => o.orderGroupId === group.order_group_id),
    'every quote in the session order group',
  );
  const first = rest.map((o) => o.clientOrderId!);
  await p.until(() => first.every((id) => orders(p).some((o) => o.client_order_id === id && o.status === 'resting')), 5_000, 'order records saying resting');
  const resting = orders(p).filter((o) => o.status === 'resting');
  t.ok(
    resting.every((o) => o.mode === 'live'),
    'mode live',
  );

  // The oracle moves through the MEM ask and the DEN bid: those are canceled (confirmed
  // over the WebSocket) and placed again at the new prices.
  p.oracle(0.8);
  const canceled = (): Rec[] => orders(p).filter((o) => first.includes(o.client_order_id as string) && o.status === 'canceled');
  await p.until(() => canceled().length >= 2, 10_000, 'the quotes the oracle moved through canceled');
  for (const c of canceled()) {
    t.match(c.reason, /^(oracle-moved-through|reprice)$/, `${c.client_order_id as string} canceled to follow the oracle`);
    t.equal([...rig.sim.engine.orders.values()].find((o) => o.clientOrderId === c.client_order_id)?.status, 'canceled', 'canceled in the simulator');
  }
  const lat = p.ofType('latency').filter((l) => l.kind === 'cancel');
  t.ok(lat.length >= 2, 'cancel latency recorded (request to WebSocket confirmation)');
  await p.until(() => p.ofType('latency').some((l) => l.kind === 'reprice'), 10_000, 'a reprice resting');

  const r = await p.stop('SIGTERM');
  t.equal(r.code, 0, JSON.stringify(p.logs.filter((l) => l.level === 'error' || l.level === 'warn').slice(-5)));
  t.equal(rig.resting().length, 0, 'nothing of ours resting after SIGTERM');
  t.ok(
    p.ofType('kalshi.exec').some((e) => e.op === 'cancel-all' && (e.body as Rec).resting === 0),
    'the stop verified over REST that nothing is left',
  );
  const ex = p.ofType('kalshi.exec');
  t.ok(
    ex.some((e) => e.op === 'user_order'),
    'private messages recorded',
  );
});

t.test('a recorded live session replays through quote --live --replay to the same decisions', async (t) => {
  const rig = await Rig.start();
  t.teardown(() => rig.stop());
  const p = new LivePipe(rig);
  t.teardown(() => p.kill());
  await p.waitForLog((l) => l.msg === 'live venue ready', 30_000, 'the live venue ready');
  p.links();
  p.oracle(0.5);
  await p.until(() => rig.resting().length >= 4, 15_000, 'four quotes resting');
  // A taker hits our DEN bid: a fill (and a position) the replay must see again.
  const bid = rig.resting().find((o) => o.ticker === AWAY && o.side === 'bid')!;
  rig.sim.engine.place('someone-else', { ticker: AWAY, side: 'ask', price: bid.price, count: 1_000_000, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  await p.until(() => p.ofType('fill').length >= 1, 10_000, 'our fill');
  p.oracle(0.7);
  await p.until(() => orders(p).some((o) => o.status === 'canceled'), 10_000, 'a reprice');
  await p.until(() => p.ofType('latency').some((l) => l.kind === 'reprice'), 10_000, 'the new quote resting');
  const r = await p.stop('SIGTERM');
  t.equal(r.code, 0);
  const file = `${rig.dir}/session.ndjson`;
  writeFileSync(file, p.stdout);

  const replay = await run('quote', ['--config', rig.config, '--live', '--replay', file]);
  t.equal(replay.code, 0, replay.stderr);
  const decisions = (recs: Rec[]): string[] =>
    recs
      .filter((x) => ['order', 'fill', 'position', 'reconcile'].includes(x.type as string))
      .map((x) => {
        // Times are left out: a live session handles a record a little after its time
        // stamp, a replay at it (quote_ts of a fill is its order's creation time).
        const { ts: _ts, quote_ts: _q, ...rest } = x;
        return JSON.stringify(rest);
      });
  t.ok(
    p.ofType('kalshi.exec').some((e) => e.op === 'amend' && e.ok === true),
    'a reprice by amend on the exchange',
  );
  t.ok(
    orders(p).some((o) => o.status === 'amended'),
    'an order version ended amended',
  );
  const live = decisions(p.records);
  t.ok(live.length > 10, `a session worth replaying (${live.length} decisions)`);
  t.same(decisions(replay.records), live, 'the same orders, fills, positions and reconciliations, in the same order');
  t.equal(replay.records.filter((x) => x.type === 'kalshi.exec').length, p.ofType('kalshi.exec').length, 'every exchange answer read once');
  t.equal(replay.records.filter((x) => x.type === 'run.manifest').length, 1, "the session's own records are not passed through again");
  const again = await run('quote', ['--config', rig.config, '--live', '--replay', file]);
  t.equal(
    again.stdout
      .split('\n')
      .filter((l) => !l.includes('run.manifest'))
      .join('\n'),
    replay.stdout
      .split('\n')
      .filter((l) => !l.includes('run.manifest'))
      .join('\n'),
    'byte-identical reruns',
  );
});
