// The private-channel feed (user_orders, fill, order_group_updates) against `sim kalshi`
// in process on 127.0.0.1: goes live only after every subscription is acknowledged, hands
// over the account's order updates and fills (orders placed over signed REST, a taker
// driven through the engine), reports seq gaps, survives dropped, stalled and refused
// sockets with the jittered backoff, counts unreadable frames without going down, and
// stops with no timer left and no secret in anything it said. Two paths the simulator
// cannot produce (a subscription refused or never answered, an upgrade never answered)
// run against a minimal loopback server speaking the same protocol.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { SystemClock, type TimerHandle } from '../../src/clock/clock.js';
import { jitteredBackoff } from '../../src/core/backoff.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner, type Signer } from '../../src/feeds/kalshi-auth.js';
import { KalshiPrivateFeed, PRIVATE_CHANNELS, type PrivateMessage, type PrivateState } from '../../src/feeds/kalshi-private.js';
import { KalshiRest } from '../../src/feeds/kalshi-rest.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { makeKeys, sleep, startSim, type SimHandle } from '../helpers/kalshi.js';

// A key id that changes when percent-encoded, so both forms can be looked for in the output.
const keys = makeKeys('kp-feed/key+7f3a9c2e41d8');
t.teardown(() => keys.cleanup());
const pem = readFileSync(keys.privPath, 'utf8');
const signer = makeSigner(keys.keyId, pem);
const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';
const BACKOFF = { initialMs: 50, maxMs: 400, stableMs: 1000 };

/** The system clock, keeping count of the timers still scheduled through it. */
class CountingClock extends SystemClock {
  readonly pendingIds = new Set<number>();
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const h: TimerHandle = super.setTimeout(() => {
      this.pendingIds.delete(h.id);
      fn();
    }, ms);
    this.pendingIds.add(h.id);
    return h;
  }
  override setInterval(fn: () => void, ms: number): TimerHandle {
    const h = super.setInterval(fn, ms);
    this.pendingIds.add(h.id);
    return h;
  }
  override clear(h: TimerHandle | undefined): void {
    if (h) this.pendingIds.delete(h.id);
    super.clear(h);
  }
}

type Ev =
  | { kind: 'state'; s: PrivateState; at: number }
  | { kind: 'msg'; m: PrivateMessage }
  | { kind: 'bad'; reason: string; excerpt: string }
  | { kind: 'gap'; conn: number; channel: string; expected: number; got: number };

class Harness {
  readonly events: Ev[] = [];
  readonly sink = new MemorySink();
  readonly clock = new CountingClock();
  readonly feed: KalshiPrivateFeed;
  private waiters: Array<() => void> = [];

  constructor(wsUrl: string, o: { signer?: Signer; seed?: number; silenceTimeoutMs?: number; handshakeTimeoutMs?: number } = {}) {
    // The logger has a clock of its own: the feed's clock counts only the feed's timers.
    const log = new Logger({ cmd: 'test', clock: new SystemClock(), sink: this.sink, level: 'debug' });
    this.feed = new KalshiPrivateFeed({
      wsUrl,
      signer: o.signer ?? signer,
      clock: this.clock,
      random: seededRandom(o.seed ?? 7),
      log,
      silenceTimeoutMs: o.silenceTimeoutMs ?? 2000,
      handshakeTimeoutMs: o.handshakeTimeoutMs ?? 2000,
      backoff: BACKOFF,
      onMessage: (m) => this.push({ kind: 'msg', m }),
      onState: (s, now) => this.push({ kind: 'state', s, at: now }),
      onGap: (conn, channel, expected, got) => this.push({ kind: 'gap', conn, channel, expected, got }),
      onBad: (reason, excerpt) => this.push({ kind: 'bad', reason, excerpt }),
    });
  }

  get states(): PrivateState[] {
    return this.events.flatMap((e) => (e.kind === 'state' ? [e.s] : []));
  }
  get msgs(): PrivateMessage[] {
    return this.events.flatMap((e) => (e.kind === 'msg' ? [e.m] : []));
  }
  get bad(): Array<{ reason: string; excerpt: string }> {
    return this.events.flatMap((e) => (e.kind === 'bad' ? [{ reason: e.reason, excerpt: e.excerpt }] : []));
  }
  get gaps(): Array<{ conn: number; channel: string; expected: number; got: number }> {
    return this.events.flatMap((e) => (e.kind === 'gap' ? [{ conn: e.conn, channel: e.channel, expected: e.expected, got: e.got }] : []));
  }
  get logs(): Array<Record<string, unknown>> {
    return this.sink.records();
  }

  private push(e: Ev): void {
    this.events.push(e);
    for (const w of [...this.waiters]) w();
  }

  /** The first event (from index `from` on) matching pred; rejects after ms. */
  wait<E extends Ev>(pred: (e: Ev) => e is E, what: string, from = 0, ms = 3000): Promise<E> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timeout: ${what}; last events ${JSON.stringify(this.events.slice(-4))}`));
      }, ms);
      const check = (): void => {
        const e = this.events.slice(from).find(pred);
        if (!e) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(e);
      };
      this.waiters.push(check);
      check();
    });
  }

  waitState(state: 'live' | 'down', conn: number, what = `${state} conn ${conn}`, ms = 3000): Promise<PrivateState> {
    return this.wait((e): e is Extract<Ev, { kind: 'state' }> => e.kind === 'state' && e.s.state === state && e.s.conn === conn, what, 0, ms).then((e) => e.s);
  }

  waitMsg(pred: (m: PrivateMessage) => boolean, what: string, from = 0): Promise<PrivateMessage> {
    return this.wait((e): e is Extract<Ev, { kind: 'msg' }> => e.kind === 'msg' && pred(e.m), what, from).then((e) => e.m);
  }

  /** Stop the feed and check it left nothing behind. */
  async stop(t: Test): Promise<void> {
    await this.feed.stop();
    t.equal(this.clock.pendingIds.size, 0, 'stop() left no timer of the feed scheduled');
    t.equal(this.feed.isLive, false, 'not live after stop()');
  }
}

function rest(sim: SimHandle): KalshiRest {
  return new KalshiRest({ baseUrl: sim.urls.restUrl, signer, clock: new SystemClock(), random: seededRandom(3), timeoutMs: 5000 });
}

const bid = (cid: string, price = '0.3000') => ({
  ticker: DEN,
  side: 'bid' as const,
  count: '2.00',
  price,
  time_in_force: 'good_till_canceled' as const,
  self_trade_prevention_type: 'maker' as const,
  client_order_id: cid,
  post_only: true,
});

/** The simulator's sessions' subscriptions, by channel (to check what the feed subscribed, and to skip a seq). */
function simSubs(sim: SimHandle): Array<{ channel: string; tickers: Set<string> | null; seq: number }> {
  return [...sim.sim.sessions].flatMap((s) => [...s.subs.values()]);
}

t.test('live after all three subscriptions; an order placed over REST and its fill arrive; a seq gap is reported', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], levels: 0, pingEveryMs: 200 });
  t.teardown(() => sim.stop());
  const h = new Harness(sim.urls.wsUrl);
  const before = h.feed.whenLive(3000);
  t.equal(h.feed.isLive, false, 'not live before start');
  h.feed.start();
  await before;
  t.same(h.states, [{ state: 'live', conn: 1 }], 'one live, conn 1');
  t.equal(h.feed.isLive, true);
  t.equal(h.feed.connects, 1);
  await h.feed.whenLive(10);
  t.same(
    simSubs(sim)
      .map((s) => ({ channel: s.channel, all: s.tickers === null }))
      .sort((a, b) => a.channel.localeCompare(b.channel)),
    [...PRIVATE_CHANNELS].sort().map((channel) => ({ channel, all: true })),
    'one subscription per channel, no market filter',
  );

  const placed = await rest(sim).createOrder(bid('pf-1'));
  const ack = await h.waitMsg((m) => m.type === 'user_order' && m.msg.client_order_id === 'pf-1', 'user_order pf-1');
  t.match(ack, { conn: 1, type: 'user_order', msg: { order_id: placed.order_id, ticker: DEN, status: 'resting', remaining_count_fp: '2.00' } });
  t.equal(ack.seq, undefined, 'user_order carries no seq');

  const from = h.events.length;
  sim.engine.place('another-trader', { ticker: DEN, side: 'ask', price: 3000, count: 500, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  const fill = await h.waitMsg((m) => m.type === 'fill', 'fill', from);
  t.match(fill, { conn: 1, msg: { order_id: placed.order_id, client_order_id: 'pf-1', is_taker: false, count_fp: '2.00', market_ticker: DEN } });
  const done = await h.waitMsg((m) => m.type === 'user_order' && m.msg.status === 'executed', 'executed user_order', from);
  t.match(done.msg, { order_id: placed.order_id, fill_count_fp: '2.00', remaining_count_fp: '0.00' });
  t.equal(h.msgs.filter((m) => m.type === 'fill').length, 1, "the other trader's side of the fill is not ours");

  const g = sim.engine.createGroup(keys.keyId, 1000);
  const created = await h.waitMsg((m) => m.type === 'order_group_updates' && m.msg.event_type === 'created', 'order group created');
  t.match(created, { seq: 1, msg: { order_group_id: g.id } });
  // Two order_group_updates the client never hears of.
  for (const sub of simSubs(sim)) if (sub.channel === 'order_group_updates') sub.seq += 2;
  sim.engine.setGroupLimit(keys.keyId, g.id, 2000);
  const after = await h.waitMsg((m) => m.type === 'order_group_updates' && m.msg.event_type === 'limit_updated', 'limit_updated');
  t.equal(after.seq, 4, 'the message after the gap is still delivered');
  t.same(h.gaps, [{ conn: 1, channel: 'order_group_updates', expected: 2, got: 4 }]);
  sim.engine.setGroupLimit(keys.keyId, g.id, 3000);
  await h.waitMsg((m) => m.type === 'order_group_updates' && m.seq === 5, 'seq 5');
  t.equal(h.gaps.length, 1, 'in order again after the gap: no second report');
  t.same(h.bad, [], 'nothing unreadable');
  t.same(h.states, [{ state: 'live', conn: 1 }], 'never down');
  await h.stop(t);
  t.same(h.states.at(-1), { state: 'down', conn: 1, cause: 'stopped' }, 'stop() reports down');
});

t.test('close-abrupt and close-clean: down, then live on a new connection, and messages flow again', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], levels: 0, pingEveryMs: 200 });
  t.teardown(() => sim.stop());
  const h = new Harness(sim.urls.wsUrl);
  h.feed.start();
  await h.feed.whenLive(3000);
  sim.sim.inject({ kind: 'close-abrupt' });
  const down = await h.waitState('down', 1);
  t.match(down, { cause: 'connection-lost', detail: /code 1006/ });
  await h.waitState('live', 2);
  t.equal(h.feed.connects, 2);
  await rest(sim).createOrder(bid('pf-2'));
  const m = await h.waitMsg((x) => x.type === 'user_order' && x.msg.client_order_id === 'pf-2', 'user_order after reconnect');
  t.equal(m.conn, 2, 'tagged with the new connection');

  sim.sim.inject({ kind: 'close-clean' });
  t.match(await h.waitState('down', 2), { cause: 'closed', detail: /code 1000: sim: clean close/ });
  await h.waitState('live', 3);
  t.same(
    h.states.map((s) => `${s.state}${s.conn}`),
    ['live1', 'down1', 'live2', 'down2', 'live3'],
  );
  // The simulator ends the old session when its TCP socket closes, which may come just after the new one opened.
  for (let i = 0; i < 50 && sim.sim.sessions.size > 1; i++) await sleep(20);
  t.equal(simSubs(sim).length, 3, 'the simulator holds one session with three subscriptions');
  const recon = h.logs.filter((l) => l.msg === 'reconnecting');
  t.equal(recon.length, 2);
  await h.stop(t);
});

t.test('a stalled socket (no frames, no pings) is closed after the silence timeout and replaced', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], levels: 0, pingEveryMs: 100 });
  t.teardown(() => sim.stop());
  const h = new Harness(sim.urls.wsUrl, { silenceTimeoutMs: 500 });
  h.feed.start();
  await h.feed.whenLive(3000);
  await sleep(900);
  t.same(h.states, [{ state: 'live', conn: 1 }], 'pings every 100 ms keep a 500 ms silence timeout quiet');
  const stalledAt = Date.now();
  sim.sim.inject({ kind: 'stall', ms: 10_000 });
  const down = await h.waitState('down', 1);
  t.match(down, { cause: 'silence-timeout', detail: /no frame or ping for \d+ ms/ });
  const took = Date.now() - stalledAt;
  t.ok(took >= 350 && took < 2000, `closed ${took} ms after the stall began`);
  await h.waitState('live', 2);
  t.equal(h.feed.isLive, true);
  await h.stop(t);
});

t.test('refused handshakes: down with the HTTP status, retried with the jittered backoff, live once accepted', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], levels: 0, pingEveryMs: 200 });
  t.teardown(() => sim.stop());
  const h = new Harness(sim.urls.wsUrl, { seed: 11 });
  h.feed.start();
  await h.feed.whenLive(3000);
  sim.sim.inject({ kind: 'refuse-auth', n: 2 });
  sim.sim.inject({ kind: 'close-clean' });
  await h.waitState('live', 4);
  t.same(
    h.states.map((s) => (s.state === 'live' ? `live${s.conn}` : `down${s.conn}:${s.cause}`)),
    ['live1', 'down1:closed', 'down2:handshake-401', 'down3:handshake-401', 'live4'],
  );
  t.equal(h.feed.connects, 2, 'two sockets opened; two handshakes refused');
  const r = seededRandom(11);
  const expected = [0, 1, 2].map((a) => jitteredBackoff(a, BACKOFF.initialMs, BACKOFF.maxMs, r));
  t.same(
    h.logs.filter((l) => l.msg === 'reconnecting').map((l) => l.in_ms),
    expected,
    `waits grow with each failure: ${expected.join(', ')} ms`,
  );
  await h.stop(t);

  // A key the exchange does not know: never live, retried until stopped.
  const other = makeKeys('kp-feed/other');
  t.teardown(() => other.cleanup());
  const wrong = new Harness(sim.urls.wsUrl, { signer: makeSigner(keys.keyId, readFileSync(other.privPath, 'utf8')) });
  wrong.feed.start();
  await t.rejects(wrong.feed.whenLive(700), /not live within 700 ms/);
  t.ok(wrong.states.length >= 3, `${wrong.states.length} attempts in 700 ms`);
  t.ok(
    wrong.states.every((s, i) => s.state === 'down' && s.conn === i + 1 && s.cause === 'handshake-401'),
    'each attempt: down, handshake-401',
  );
  t.equal(wrong.feed.connects, 0);
  await wrong.stop(t);
  t.ok(
    wrong.states.every((s) => s.state === 'down'),
    'stop() between attempts reports nothing more',
  );
});

t.test('unreadable frames go to onBad with a short excerpt; the feed stays live', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], levels: 0, pingEveryMs: 200 });
  t.teardown(() => sim.stop());
  const h = new Harness(sim.urls.wsUrl);
  h.feed.start();
  await h.feed.whenLive(3000);
  sim.sim.inject({ kind: 'malformed-garbage' });
  sim.sim.inject({ kind: 'malformed-unknown-type' });
  await h.wait((e): e is Extract<Ev, { kind: 'bad' }> => e.kind === 'bad' && e.reason === 'unknown-type', 'unknown-type');
  t.same(
    h.bad.map((b) => b.reason),
    ['bad-json', 'unknown-type'],
  );
  t.equal(h.bad[0]!.excerpt, '{"type":"orderbook_delta","sid":1,"seq":');
  t.ok(
    h.bad.every((b) => b.excerpt.length <= 81),
    'excerpts are short',
  );
  await rest(sim).createOrder(bid('pf-5'));
  const m = await h.waitMsg((x) => x.msg.client_order_id === 'pf-5', 'user_order after the garbage');
  t.equal(m.conn, 1);
  t.same(h.states, [{ state: 'live', conn: 1 }], 'never down');
  t.equal(h.feed.connects, 1);
  await h.stop(t);
});

t.test('stop() leaves no timer; the key id and private key appear nowhere, even when the server echoes the key id', async (t) => {
  const sim = await startSim({ keys, markets: [DEN], levels: 0, pingEveryMs: 200 });
  t.teardown(() => sim.stop());
  const h = new Harness(sim.urls.wsUrl);
  h.feed.start();
  await h.feed.whenLive(3000);
  sim.sim.inject({ kind: 'echo-secrets' });
  const down = await h.waitState('down', 1);
  t.match(down, { cause: 'closed', detail: /code 4001: key \[REDACTED\] revoked/ });
  await h.waitState('live', 2);
  t.match(h.bad, [{ reason: 'error-9' }], 'the error frame was counted');
  // A pending whenLive is rejected by stop().
  sim.sim.inject({ kind: 'close-abrupt' });
  await h.waitState('down', 2);
  const pending = h.feed.whenLive(5000);
  await h.stop(t);
  await t.rejects(pending, /stopped/);
  const said = JSON.stringify(h.events) + h.sink.lines.join('');
  t.ok(said.length > 500, 'there was output to check');
  const pemBody = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const secret of [keys.keyId, encodeURIComponent(keys.keyId), 'kp-feed', '7f3a9c2e41d8', ...pemBody.slice(1, 4).map((l) => l.slice(8, 40))])
    t.notOk(said.includes(secret), `never said: ${secret.slice(0, 6)}…`);
  t.throws(() => h.feed.start(), /after stop/);
});

t.test('minimal loopback server: a refused subscription, an unanswered one, an unanswered upgrade', async (t) => {
  let n = 0;
  const seen: Array<string | undefined> = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  wss.on('connection', (ws, req) => {
    const conn = ++n;
    seen.push(req.headers['kalshi-access-key'] as string | undefined);
    ws.on('message', (d) => {
      const c = JSON.parse(d.toString()) as { id: number; params: { channels: string[] } };
      const channel = c.params.channels[0]!;
      if (conn === 1 && channel === 'fill')
        ws.send(JSON.stringify({ id: c.id, type: 'error', msg: { code: 6, msg: `Already subscribed, key ${keys.keyId}` } }));
      else if (conn === 2 && channel === 'order_group_updates')
        return; // never answered
      else ws.send(JSON.stringify({ id: c.id, type: 'subscribed', msg: { channel, sid: c.id } }));
    });
  });
  const port = (wss.address() as { port: number }).port;
  const h = new Harness(`ws://127.0.0.1:${port}/trade-api/ws/v2`, { handshakeTimeoutMs: 400 });
  h.feed.start();
  await h.waitState('live', 3);
  t.same(h.states, [
    { state: 'down', conn: 1, cause: 'subscribe-refused', detail: 'fill: error 6 (Already subscribed)' },
    { state: 'down', conn: 2, cause: 'subscribe-timeout', detail: 'no answer for order_group_updates' },
    { state: 'live', conn: 3 },
  ]);
  t.same(seen, [keys.keyId, keys.keyId, keys.keyId], 'every handshake signed');
  t.match(
    h.logs.find((l) => l.msg === 'subscription refused'),
    { level: 50, channel: 'fill', code: 6, text: 'Already subscribed' },
  );
  await h.stop(t);

  // A TCP server that accepts and never answers the upgrade.
  const sockets = new Set<Socket>();
  const mute = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => mute.close(() => r()));
  });
  const q = new Harness(`ws://127.0.0.1:${(mute.address() as { port: number }).port}/trade-api/ws/v2`, { handshakeTimeoutMs: 200 });
  q.feed.start();
  const d = await q.waitState('down', 1);
  t.match(d, { cause: 'handshake-timeout', detail: 'not open after 200 ms' });
  await q.waitState('down', 2);
  await q.stop(t);
});
