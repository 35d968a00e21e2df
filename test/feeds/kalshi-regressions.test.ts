// The Kalshi regression recordings (test/fixtures/kalshi-raw/, made by generate.ts from
// the real feeder against the simulator's fault injection), each replayed offline
// through the engine exactly as `feed-kalshi --from-raw` does, each asserting the outcome
// its failure must have. A recording that stops replaying to the right outcome is a
// regression in the engine.
import { readdirSync } from 'node:fs';
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { KalshiEngine, applyInput, type EngineSettings, type FeedSummary, type KalshiInput } from '../../src/feeds/kalshi-engine.js';
import { KALSHI_RAW_SOURCE, KALSHI_RAW_VERSION, parseKalshiInput, recordedSettings } from '../../src/feeds/kalshi-raw.js';
import { readRawHeader, replayRaw } from '../../src/feeds/raw.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Metrics } from '../../src/log/metrics.js';
import { ROOT } from '../helpers/run.js';

const DIR = `${ROOT}test/fixtures/kalshi-raw`;
type Rec = Record<string, unknown>;

interface Replayed {
  records: Rec[];
  lines: string[];
  logs: Rec[];
  summary: FeedSummary;
  rejected: Record<string, number>;
}

async function replay(name: string, override: Partial<EngineSettings> = {}): Promise<Replayed> {
  const file = `${DIR}/${name}.ndjson`;
  const settings = { ...recordedSettings(await readRawHeader(file))!, ...override };
  const clock = new ReplayClock();
  const sink = new MemorySink();
  const log = new Logger({ cmd: 'feed-kalshi', clock, sink, level: 'debug' });
  const lines: string[] = [];
  const engine = new KalshiEngine({ settings, log, metrics: new Metrics(), emit: (r) => lines.push(JSON.stringify(r)), emitLine: (l) => lines.push(l) });
  const rejected = await replayRaw<KalshiInput>(file, {
    source: KALSHI_RAW_SOURCE,
    version: KALSHI_RAW_VERSION,
    settings,
    clock,
    log,
    parse: parseKalshiInput,
    apply: (e) => applyInput(engine, e),
  });
  return { records: lines.map((l) => JSON.parse(l) as Rec), lines, logs: sink.records(), summary: engine.summary, rejected };
}

const statuses = (r: Replayed): Rec[] => r.records.filter((x) => x.type === 'kalshi.status');
const books = (r: Replayed): Rec[] => r.records.filter((x) => x.type === 'kalshi.book');
const allValid = (s: Rec): boolean => Object.values(s.tickers as Record<string, { valid: boolean }>).every((x) => x.valid);
/** The status before the final shutdown one. */
const lastLive = (r: Replayed): Rec => statuses(r).at(-2)!;

t.test('the library has every case, and each replays cleanly and deterministically', async (t) => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.ndjson'))
    .map((f) => f.replace(/\.ndjson$/, ''))
    .sort();
  t.same(files, [
    'crossed-book',
    'error-25',
    'lost-delta',
    'maintenance-window',
    'market-paused',
    'private-fill',
    'reconnect-during-snapshot',
    'resync-timeout',
  ]);
  for (const f of files) {
    const a = await replay(f);
    t.same(a.rejected, {}, `${f}: every line is an input`);
    t.ok(a.records.length > 0, `${f}: records`);
    t.match(a.records.at(-1), { type: 'kalshi.status', state: 'down', cause: 'shutdown' }, `${f}: ends with the shutdown status`);
    t.equal((await replay(f)).lines.join('\n'), a.lines.join('\n'), `${f}: two replays are identical`);
  }
});

t.test('a lost delta: the gap is seen, get_snapshot repairs it, no book from the broken copy', async (t) => {
  const r = await replay('lost-delta');
  t.match(r.summary, { gaps: 1, resyncs: { get_snapshot: 1 }, reconnects: 0, disconnects: 0 });
  const gap = r.logs.find((l) => l.msg === 'gap')!;
  t.ok(gap && (gap.got as number) > (gap.expected as number), 'the gap names what it expected and got');
  t.notOk(
    books(r).some((b) => b.seq === gap.got),
    'the delta that revealed the gap is not applied',
  );
  t.ok(
    statuses(r).some((s) => !allValid(s)),
    'the books were reported invalid meanwhile',
  );
  const after = books(r).filter((b) => (b.seq as number) > (gap.got as number));
  t.ok(after.length >= 2, 'both books published again from the snapshots');
  t.match(lastLive(r), { state: 'live', gaps: 1, reconnects: 0 });
  t.ok(allValid(lastLive(r)));
});

t.test('error 25 mid-session: the book subscription is redone on the same connection', async (t) => {
  const r = await replay('error-25');
  t.match(r.summary, { ws_errors: { 25: 1 }, resyncs: { resubscribe: 1 }, reconnects: 0, disconnects: 0 });
  t.ok(r.logs.some((l) => l.msg === 'resync' && l.method === 'resubscribe' && l.trigger === 'error-25' && l.channel === 'orderbook_delta'));
  t.match(lastLive(r), { state: 'live', reconnects: 0 });
  t.ok(allValid(lastLive(r)));
});

t.test('a resync that times out: get_snapshot, then resubscribe; with a longer timeout, no book until the end', async (t) => {
  const r = await replay('resync-timeout');
  t.match(r.summary, { gaps: 1, resyncs: { get_snapshot: 1, resubscribe: 1 }, reconnects: 0 });
  t.ok(r.logs.some((l) => l.msg === 'resync' && l.method === 'resubscribe' && /^resync-timeout\(gap\)/.test(String(l.trigger))));
  t.match(lastLive(r), { state: 'live' });
  t.ok(allValid(lastLive(r)), 'recovered by the resubscription');
  const patient = await replay('resync-timeout', { resyncTimeoutMs: 60_000 });
  t.notOk(patient.summary.resyncs.resubscribe, 'a 60 s timeout never escalates within the recording');
  const gapAt = r.logs.find((l) => l.msg === 'gap')!;
  const lateBooks = books(patient).filter((b) => (b.seq as number) >= (gapAt.got as number));
  t.same(lateBooks, [], 'and publishes no book after the gap: it would still be waiting');
  t.notOk(allValid(statuses(patient).at(-2)!), 'its books still invalid at the end');
});

t.test('a reconnect during a snapshot: the old request dies with the connection, fresh snapshots on the new one', async (t) => {
  const r = await replay('reconnect-during-snapshot');
  t.match(r.summary, { gaps: 1, resyncs: { get_snapshot: 1 }, connects: 2, reconnects: 1, disconnects: 1, disconnect_causes: { close: 1 } });
  const recs = r.records;
  const down = recs.findIndex((x) => x.type === 'kalshi.status' && x.state === 'down' && x.cause === 'close');
  const back = recs.findIndex((x, i) => i > down && x.type === 'kalshi.status' && x.connects === 2);
  t.ok(down > 0 && back > down, 'down, then the second connection');
  t.same(
    recs.slice(down, back).filter((x) => x.type === 'kalshi.book'),
    [],
    'no book while the connection is down',
  );
  t.match(lastLive(r), { state: 'live', connects: 2 });
  t.ok(allValid(lastLive(r)));
});

t.test('a market paused and reactivated: state on the market and the exchange, never a resync', async (t) => {
  const r = await replay('market-paused');
  const mk = r.records.filter((x) => x.type === 'kalshi.market').map((x) => `${String(x.ticker).slice(-3)}:${String(x.status)}`);
  for (const side of ['DEN', 'MEM']) {
    const seq = mk.filter((x) => x.startsWith(side));
    t.same(seq.slice(-3), [`${side}:active`, `${side}:inactive`, `${side}:active`].slice(3 - Math.min(3, seq.length)), `${side}: active, paused, active`);
  }
  t.ok(
    statuses(r).some((s) => s.trading_active === false),
    'the exchange-wide pause is in kalshi.status',
  );
  t.equal(lastLive(r).trading_active, true, 'and its end');
  const firstLive = statuses(r).findIndex((s) => s.state === 'live');
  t.ok(
    statuses(r)
      .slice(firstLive, -1)
      .every((s) => s.state === 'live'),
    'a pause never takes the feed out of live',
  );
  t.same(r.summary.resyncs, {});
  t.equal(r.summary.disconnects, 0);
});

t.test('a crossed book: reported and counted, published as the exchange said, no resync', async (t) => {
  const r = await replay('crossed-book');
  t.ok((r.summary.bad_messages.crossed ?? 0) >= 1, 'counted as crossed');
  t.ok(
    r.logs.some((l) => l.msg === 'crossed book' && l.level === 40),
    'a warning names the market',
  );
  t.ok(
    books(r).some((b) => {
      const bid = (b.bids as number[][])[0]?.[0];
      const ask = (b.asks as number[][])[0]?.[0];
      return bid !== undefined && ask !== undefined && bid >= ask;
    }),
    'the crossed top is visible to readers (not repaired by guessing)',
  );
  t.same(r.summary.resyncs, {});
  t.equal(r.summary.disconnects, 0);
});

t.test('the Thursday maintenance window: state, not errors', async (t) => {
  const r = await replay('maintenance-window');
  t.ok(
    statuses(r).every((s) => s.maintenance === true),
    'every status says maintenance',
  );
  const disc = r.logs.filter((l) => l.msg === 'disconnected');
  t.equal(disc.length, 1);
  t.match(disc[0], { level: 30, code: 1001, maintenance: true }, 'the 1001 close logged at info');
  const failed = r.logs.filter((l) => l.msg === 'connect failed');
  t.ok(failed.length >= 1 && failed.every((l) => l.level === 30 && l.cause === 'handshake-503'), 'refused handshakes logged at info');
  t.notOk(
    r.logs.some((l) => (l.level as number) >= 50),
    'no error or critical line',
  );
  t.ok(
    statuses(r).some((s) => s.exchange_active === false),
    'the exchange said it was inactive',
  );
  t.match(lastLive(r), { state: 'live', reconnects: 1 });
});

t.test('private channels: our fill and order update recorded and replayed like any frame', async (t) => {
  const r = await replay('private-fill');
  const fills = r.records.filter((x) => x.type === 'kalshi.fill');
  t.equal(fills.length, 1);
  t.match(fills[0], { client_order_id: 'regression-1', is_taker: true, ticker: 'KXNBAGAME-26JAN25DENMEM-DEN' });
  t.ok(r.records.some((x) => x.type === 'kalshi.user_order' && x.client_order_id === 'regression-1'));
});
