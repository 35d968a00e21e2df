// The real BoltOdds client against the simulator over a real WebSocket on 127.0.0.1.
import t, { type Test } from 'tap';
import { SystemClock } from '../../src/clock/clock.js';
import { BoltOddsClient, type RawEntry } from '../../src/feeds/boltodds-client.js';
import { BoltOddsEngine, type EngineRecord } from '../../src/feeds/boltodds.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redact.js';
import { Metrics } from '../../src/log/metrics.js';
import { BoltOddsSim, parseBoltScenario } from '../../src/sim/boltodds.js';
import { burst, GAMES, oddsMsg, scenario } from '../helpers/bolt.js';

const KEY = 'test-bolt-key-9f8e7d';

async function harness(
  t: Test,
  scen: string,
  over: Partial<{ ackTimeoutMs: number; staleAfterMs: number; pingEveryMs: number; maxFrameBytes: number; books: string[]; simPingMs: number }> = {},
) {
  const clock = new SystemClock();
  const sink = new MemorySink();
  const redactor = new Redactor();
  redactor.add(KEY);
  const log = new Logger({ cmd: 'test', clock, sink, redactor, level: 'debug' });
  const simLog = new Logger({ cmd: 'sim', clock, sink: new MemorySink(), level: 'info' });
  const sim = new BoltOddsSim({ scenario: parseBoltScenario(scen, 'scenario'), clock, log: simLog, key: KEY, pingMs: over.simPingMs ?? 0, speed: 1 });
  const url = await sim.start();
  const metrics = new Metrics();
  const out: EngineRecord[] = [];
  const raw: RawEntry[] = [];
  const engine = new BoltOddsEngine({
    settings: {
      sports: ['nba', 'nhl'],
      books: over.books ?? ['pinnacle', 'draftkings', 'fanduel'],
      bookAliases: {},
      market: 'Moneyline',
      sideStalenessMs: 60_000,
      partialTtlMs: 30_000,
      appPong: true,
    },
    clock,
    log,
    metrics,
    emit: (r) => out.push(r),
  });
  const ac = new AbortController();
  const client = new BoltOddsClient({
    url,
    key: KEY,
    engine,
    clock,
    log,
    metrics,
    random: () => 0.5,
    signal: ac.signal,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    stableAfterMs: 60_000,
    staleAfterMs: over.staleAfterMs ?? 5_000,
    pingEveryMs: over.pingEveryMs ?? 1_000,
    ackTimeoutMs: over.ackTimeoutMs ?? 2_000,
    handshakeTimeoutMs: 5_000,
    maxFrameBytes: over.maxFrameBytes ?? 256 * 1024 * 1024,
    tap: (e) => raw.push(e),
  });
  const running = client.run();
  const stop = async (): Promise<void> => {
    ac.abort('test');
    await running;
    await sim.stop();
  };
  t.teardown(stop);
  const until = async (pred: () => boolean, ms = 5000): Promise<void> => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const lines = () => out.filter((r) => r.type === 'odds.line');
  const statuses = () =>
    out
      .filter((r) => r.type === 'oracle.status' && r.sport === 'nba' && r.event === undefined)
      .map((r) => r.type === 'oracle.status' && `${r.state}${r.reason ? `:${r.reason}` : ''}`);
  return { sim, client, engine, out, raw, sink, metrics, until, lines, statuses, stop };
}

t.test('subscribe, stream, disconnect, reconnect with backoff, resubscribe, rebuild from the fresh burst', async (t) => {
  const h = await harness(
    t,
    scenario(undefined, [
      { send: burst(0) },
      { after_ms: 50, send: { action: 'ping' } },
      { after_ms: 50, disconnect: 'terminate' },
      { after_ms: 20, send: burst(5) },
    ]),
  );
  await h.until(() => h.lines().length >= 18);
  const second = h.lines().slice(9);
  t.ok(
    second.every((l) => l.type === 'odds.line' && l.home_odds === 2.15),
    'the second burst rebuilt every line with its own prices',
  );
  t.same(h.statuses(), ['available', 'unavailable:disconnected', 'available']);
  t.equal(h.sim.stats.subscribes, 2, 'resubscribed after the reconnect');
  t.equal(h.sim.stats.connections, 2);
  t.ok(h.sim.stats.pongs >= 1, 'the app-level ping was answered');
  t.equal(h.metrics.value('reconnects_total', { source: 'boltodds', cause: 'close' }), 1, 'reconnect count and cause in metrics');
  t.same(
    h.raw.map((e) => e.kind).filter((k) => k !== 'frame'),
    ['open', 'close', 'open'],
  );
  const all = h.sink.lines.join('');
  t.notOk(all.includes(KEY), 'the key never appears in a log line');
  t.ok(
    h.sink.records().some((l) => l.msg === 'connecting' && typeof l.url === 'string' && !String(l.url).includes('key=')),
    'the URL is logged without the key',
  );
  t.notOk(JSON.stringify(h.raw).includes(KEY), 'nor in the raw recording');
});

t.test('HTTP 401 then 503 on connect: auth (critical), then retry, then in', async (t) => {
  const h = await harness(t, scenario({ connect_faults: [401, 503] }, [{ send: burst(0) }]));
  await h.until(() => h.lines().length >= 9);
  t.same(h.statuses(), ['unavailable:auth', 'unavailable:disconnected', 'available']);
  t.ok(
    h.sink.records().some((l) => l.critical === true && l.cause === 'auth'),
    'one critical line for the auth failure',
  );
  t.equal(h.metrics.value('reconnects_total', { source: 'boltodds', cause: 'auth' }), 1);
  t.equal(h.metrics.value('reconnects_total', { source: 'boltodds', cause: 'rejected' }), 1);
});

t.test('no socket_connected ack: subscribe after ack_timeout_ms anyway', async (t) => {
  const h = await harness(t, scenario({ ack: false }, [{ send: burst(0) }]), { ackTimeoutMs: 50 });
  await h.until(() => h.lines().length >= 9);
  t.ok(h.sink.records().some((l) => l.msg === 'no socket_connected ack; subscribing without it'));
  t.ok(
    h.raw.some((e) => e.kind === 'ack-timeout'),
    'recorded for replay',
  );
});

t.test('a half-dead connection (no pongs, no frames) is detected and replaced', async (t) => {
  const h = await harness(t, scenario(undefined, [{ send: burst(0) }, { after_ms: 10, stall: true }, { after_ms: 10, send: burst(3) }]), {
    staleAfterMs: 150,
    pingEveryMs: 30,
  });
  await h.until(() => h.metrics.value('reconnects_total', { source: 'boltodds', cause: 'heartbeat-timeout' }) === 1);
  t.ok(h.statuses().includes('unavailable:stale'), 'reported as stale');
});

t.test('a frame of tens of MB goes through; with a small maxPayload it is refused with a cause', async (t) => {
  const big: object[] = [];
  for (let i = 0; i < 30_000; i++) big.push(oddsMsg('initial_state', GAMES.denmem, `book${i}`, { home: '+124', away: '-148' }));
  const text = JSON.stringify(big);
  t.ok(text.length > 20_000_000, `frame of ${(text.length / 1e6).toFixed(1)} MB`);
  const h = await harness(t, scenario(undefined, [{ send: big }]), { books: [] });
  await h.until(() => h.lines().length >= 30_000, 30_000);
  t.equal(h.lines().length, 30_000, 'every message of the big frame published');
  await h.stop();
  const small = await harness(t, scenario(undefined, [{ send: big }]), { books: [], maxFrameBytes: 1 << 20 });
  await small.until(() => small.metrics.value('reconnects_total', { source: 'boltodds', cause: 'error' }) >= 1, 30_000);
  t.ok(
    small.sink.records().some((l) => l.msg === 'reconnecting' && /Max payload size exceeded/.test(String(l.detail))),
    'the 1009 close is explained',
  );
});

t.test('the simulator applies the subscription filters like the real server', async (t) => {
  const h = await harness(
    t,
    scenario(undefined, [
      { send: [...burst(0), oddsMsg('initial_state', { ...GAMES.denmem, sport: 'NHL' as const }, 'pinnacle', { home: '+100', away: '-120' })] },
    ]),
    { books: ['pinnacle'] },
  );
  await h.until(() => h.lines().length >= 3);
  await new Promise((r) => setTimeout(r, 100));
  t.same([...new Set(h.lines().map((l) => l.type === 'odds.line' && l.book))], ['pinnacle'], 'only the subscribed book arrives');
  t.equal(h.engine.counts.ignored['other-book'], undefined, 'filtered by the server, not by the client');
});
