// feed-kalshi under every fault the simulator injects: each one recovered the way the
// issue asks (get_snapshot, resubscribe, reconnect, in that order of preference), each
// reconnect with its cause, bad input counted and never turning into a wrong book. Every
// kalshi.book is checked against the simulator's true book at its (session, sid, seq).
import t, { type Test } from 'tap';
import { BookChecker, TruthRecorder } from '../soak/kalshi-soak.js';
import { DEMO, Proc, fastConfig, feedEnv, makeKeys, startSim, type Rec, type StartSim } from '../helpers/kalshi.js';
import { summary } from '../helpers/run.js';
import type { Fault } from '../../src/sim/kalshi/faults.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());

const allValid = (r: Rec): boolean =>
  r.type === 'kalshi.status' && r.state === 'live' && Object.values(r.tickers as Record<string, { valid: boolean }>).every((x) => x.valid);

async function harness(t: Test, simOpts: Omit<StartSim, 'keys'>, feedArgs: (urls: { ws: string; rest: string }) => string[]) {
  const sim = await startSim({ keys, markets: DEMO, rate: 300, pingEveryMs: 100, ...simOpts });
  t.teardown(() => sim.stop());
  const rec = new TruthRecorder(sim.engine, 5);
  sim.sim.observe((o) => rec.add(o));
  const checker = new BookChecker(rec);
  const cfg = fastConfig(keys.dir);
  const p = new Proc(
    'feed-kalshi',
    [
      ...feedArgs({ ws: sim.urls.wsUrl, rest: sim.urls.restUrl }),
      '--depth',
      '5',
      '--status-every',
      '200',
      '--silence-timeout',
      '600',
      '--resync-timeout',
      '800',
      '--config',
      cfg,
      '--seed',
      '3',
    ],
    feedEnv(keys),
    { onRecord: (r) => checker.onRecord(r) },
  );
  t.teardown(() => p.stop());
  // Start-up is setup, not what this test measures: a loaded CI machine can take seconds
  // just to start node and the feeder (seen: no log line at all within 10 s).
  await p.waitFor(allValid, 30_000, 'live');
  /** Inject, wait for the log line that shows the reaction, then for every book valid again. */
  const step = async (f: Fault | Fault[], reaction: (l: Rec) => boolean, what: string): Promise<Rec> => {
    const fromLog = p.logs.length;
    for (const x of Array.isArray(f) ? f : [f]) sim.sim.inject(x);
    const l = await p.waitForLog(reaction, 8000, what, fromLog);
    await p.waitFor(allValid, 8000, `all books valid after ${what}`, p.records.length);
    return l;
  };
  return { sim, p, checker, step };
}

t.test('every fault recovered the preferred way; reconnects only for lost connections, each with its cause', async (t) => {
  const { sim, p, checker, step } = await harness(t, {}, (u) => ['--url', u.ws, '--tickers', DEMO.join(','), '--no-rest']);
  const gap = await step({ kind: 'skip-seq' }, (l) => l.msg === 'resync' && l.method === 'get_snapshot', 'get_snapshot after a gap');
  t.equal(gap.trigger, 'gap');
  t.ok(
    p.logs.some((l) => l.msg === 'gap' && typeof l.expected === 'number' && (l.got as number) === (l.expected as number) + 1),
    'the gap names the seq it expected and got',
  );

  const e25 = await step({ kind: 'error25' }, (l) => l.msg === 'resync' && l.method === 'resubscribe', 'resubscribe after error 25');
  t.match(e25, { channel: 'orderbook_delta', trigger: 'error-25' });
  for (const code of [10, 17]) {
    const r = await step(
      { kind: 'error25', code },
      (l) => l.msg === 'resync' && l.method === 'resubscribe' && l.trigger === `error-${code}`,
      `resubscribe after error ${code}`,
    );
    t.equal(r.channel, 'orderbook_delta', `error ${code} is terminal too`);
  }
  const nosid = p.logs.length;
  await step({ kind: 'error25-nosid' }, (l) => l.msg === 'subscribed' && l.channel === 'trade', 'everything resubscribed after an error 25 without sid');
  t.ok(
    p.logs.slice(nosid).some((l) => l.msg === 'resync' && l.channel === 'market_lifecycle_v2'),
    'a terminal error naming no sid: every subscription is redone',
  );

  for (const [kind, reason] of [
    ['malformed-garbage', 'not-json'],
    ['malformed-unknown-type', 'unknown-type'],
  ] as const) {
    sim.sim.inject({ kind });
    await p.waitForLog((l) => l.msg === 'bad message' && l.reason === reason, 5000, `${kind} reported`);
  }
  const bf = await step({ kind: 'malformed-bad-field' }, (l) => l.msg === 'delta rejected' && l.fault === 'bad-size', 'a delta with a number for delta_fp');
  t.match(bf, { detail: /delta_fp 12/ });
  await step({ kind: 'malformed-negative' }, (l) => l.msg === 'delta rejected' && l.fault === 'negative-size', 'a delta taking a level below zero');

  const stall = await step({ kind: 'stall', ms: 1500 }, (l) => l.msg === 'disconnected', 'a stalled socket dropped');
  t.match(stall, { cause: 'heartbeat-timeout', detail: /no frame or ping/ });
  const clean = await step({ kind: 'close-clean' }, (l) => l.msg === 'disconnected', 'clean close');
  t.match(clean, { cause: 'close', code: 1000 });
  const abrupt = await step({ kind: 'close-abrupt' }, (l) => l.msg === 'disconnected', 'abrupt close');
  t.ok(abrupt.cause === 'error' || (abrupt.cause === 'close' && abrupt.code === 1006), `abrupt close: ${String(abrupt.cause)} ${String(abrupt.code)}`);
  const fromLog = p.logs.length;
  await step([{ kind: 'refuse-auth', n: 1 }, { kind: 'close-clean' }], (l) => l.msg === 'connected', 'reconnected after a refused handshake');
  t.ok(
    p.logs.slice(fromLog).some((l) => l.msg === 'connect failed' && l.cause === 'handshake-401'),
    'the refused handshake is logged with its status',
  );

  const fromCrit = p.logs.length;
  await step([{ kind: 'refuse-auth', n: 3 }, { kind: 'close-clean' }], (l) => l.msg === 'connected', 'reconnected after three refused handshakes');
  t.ok(
    p.logs.slice(fromCrit).some((l) => l.critical === true && l.level === 60 && /refusing our signature/.test(String(l.msg))),
    'refused again and again: a critical line for the operator',
  );

  const st = p.ofType('kalshi.status').at(-1)!;
  t.match(st, { state: 'live', connects: 6, reconnects: 5, disconnects: 5, gaps: 1 });
  t.equal((await p.stop()).code, 0);
  const sum = summary(p.logs)!;
  t.same(sum.disconnect_causes, { 'heartbeat-timeout': 1, close: abrupt.cause === 'close' ? 4 : 3, ...(abrupt.cause === 'error' ? { error: 1 } : {}) });
  t.match(sum.bad_messages, { 'not-json': 1, 'unknown-type': 1, 'bad-size': 1, 'negative-size': 1 });
  t.same(sum.ws_errors, { 10: 1, 17: 1, 25: 2, 7: 1 }, 'the two terminal errors, and the error 7 for unsubscribing the dead sid after the one without a sid');
  t.equal(sum.failed_connects, 4);
  t.match(sum.resyncs, { get_snapshot: 3 });
  t.ok(
    p.logs.every((l) => !(l.msg === 'disconnected' && /error-/.test(String(l.cause)))),
    'terminal errors never cost a connection',
  );
  t.ok(checker.compared > 50, `books checked against the truth (${checker.compared}), ${checker.afterSnapshot} of them first after a snapshot`);
  t.same(
    { mismatches: checker.mismatches, whileInvalid: checker.whileInvalid, unmatched: checker.unmatched },
    { mismatches: [], whileInvalid: [], unmatched: [] },
  );
});

t.test('get_snapshot refused by an older server: resubscribe; seq on trades (unconfirmed variant) tolerated', async (t) => {
  const { p, checker, step } = await harness(t, { getSnapshot: false, tradeSeq: true }, (u) => ['--url', u.ws, '--tickers', DEMO.join(','), '--no-rest']);
  const r = await step({ kind: 'skip-seq' }, (l) => l.msg === 'resync' && l.method === 'resubscribe', 'resubscribe after get_snapshot was refused');
  t.equal(r.trigger, 'get-snapshot-error-13');
  t.ok(await p.waitFor((r) => r.type === 'kalshi.trade', 5000, 'a trade'), 'trades with a seq are read');
  const st = p.ofType('kalshi.status').at(-1)!;
  t.equal(st.reconnects, 0, 'no reconnect needed');
  t.equal(st.gaps, 1, 'continuous trade seqs are no gaps');
  t.equal((await p.stop()).code, 0);
  t.same([checker.mismatches, checker.whileInvalid, checker.unmatched], [[], [], []]);
});

t.test('a snapshot that does not come in time: the next rung (resubscribe)', async (t) => {
  const { p, checker, step } = await harness(t, {}, (u) => ['--url', u.ws, '--tickers', DEMO.join(','), '--no-rest']);
  const r = await step(
    [{ kind: 'delay-snapshot', ms: 2500 }, { kind: 'skip-seq' }],
    (l) => l.msg === 'resync' && l.method === 'resubscribe',
    'resubscribe after a late snapshot',
  );
  t.match(r.trigger, /^resync-timeout\(gap\)/);
  t.equal(p.ofType('kalshi.status').at(-1)!.reconnects, 0);
  t.equal((await p.stop()).code, 0);
  t.same([checker.mismatches, checker.whileInvalid, checker.unmatched], [[], [], []]);
});

t.test('REST mode: off-grid prices against the market grid; pauses and maintenance are state', async (t) => {
  const { sim, p, checker, step } = await harness(t, { sameChannel: 'allow' }, (u) => [
    '--url',
    u.ws,
    '--rest-url',
    u.rest,
    '--series',
    'KXNBAGAME,KXNHLGAME',
    '--refresh-every',
    '1000',
  ]);
  const og = await step({ kind: 'malformed-off-grid' }, (l) => l.msg === 'delta rejected' && l.fault === 'off-grid', 'a delta between two ticks');
  t.match(og, { detail: /not on the price_ranges grid/ });

  const from = p.records.length;
  sim.sim.inject({ kind: 'pause', ms: 2500 });
  await p.waitFor((r) => r.type === 'kalshi.market' && r.status === 'inactive', 5000, 'paused markets', from);
  await p.waitFor((r) => r.type === 'kalshi.status' && r.trading_active === false, 5000, 'the exchange pause as state', from);
  await p.waitFor((r) => r.type === 'kalshi.market' && r.status === 'active', 5000, 'reactivated markets', from);
  await p.waitFor((r) => r.type === 'kalshi.status' && r.trading_active === true, 5000, 'trading again', from);
  await p.waitFor(allValid, 5000, 'live after the pause', from);
  t.notOk(
    p.records.slice(from).some((r) => r.type === 'kalshi.status' && r.state !== 'live'),
    'a pause never takes the feed out of live',
  );

  const m = await step({ kind: 'maintenance', ms: 700 }, (l) => l.msg === 'connected', 'reconnected after maintenance');
  t.ok(m);
  t.ok(
    p.logs.some((l) => l.msg === 'disconnected' && l.code === 1001),
    'maintenance: the exchange closes with 1001',
  );
  t.ok(
    p.logs.some((l) => l.msg === 'connect failed' && l.cause === 'handshake-503'),
    'and refuses handshakes while it lasts',
  );

  // A new market with the simulator allowing a second trade sid: make-before-break.
  const fresh = 'KXNHLGAME-26JAN26BOSNJ-NJ';
  sim.engine.addMarket({ ticker: fresh });
  await p.waitForLog((l) => l.msg === 'subscribed' && l.channel === 'trade' && l.tickers === 7, 5000, 'a second trade sid');
  t.notOk(
    p.logs.some((l) => l.msg === 'kalshi error' && l.code === 6),
    'no error 6 when the server allows it',
  );
  // The link is written when the market is discovered, which need not come before the subscription log line.
  await p.waitFor(
    (l) => l.type === 'market.link' && l.ticker === fresh && l.event === 'nhl-2026-01-26-bos-njd' && l.side === 'home',
    10_000,
    'the new market linked to its game',
  );
  t.equal((await p.stop()).code, 0);
  t.same([checker.mismatches, checker.whileInvalid, checker.unmatched], [[], [], []]);
});
