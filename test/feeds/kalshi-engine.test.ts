// The Kalshi protocol engine without a socket: inputs in, records and commands out. The
// resync ladder (get_snapshot, resubscribe, reconnect) driven by hand-made frames and tick
// times, the commands it asks the socket to send, the drop it asks for, and the status
// flush it asks to be called back for.
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { KalshiEngine, type EngineSettings } from '../../src/feeds/kalshi-engine.js';
import { bookLine, MonotonicTs } from '../../src/feeds/kalshi-records.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Metrics } from '../../src/log/metrics.js';

const DEN = 'KXNBAGAME-26JAN25DENMEM-DEN';
type Rec = Record<string, unknown>;

function harness(over: Partial<EngineSettings> = {}) {
  const settings: EngineSettings = { tickers: [DEN], series: [], rest: false, private: false, depth: 2, useYesPrice: true, resyncTimeoutMs: 1000, ...over };
  const records: Rec[] = [];
  const sent: Array<{ conn: number; msg: Rec }> = [];
  const drops: Array<{ conn: number; cause: string }> = [];
  let flushes = 0;
  const sink = new MemorySink();
  const engine = new KalshiEngine({
    settings,
    log: new Logger({ cmd: 't', clock: new ReplayClock(0), sink, level: 'debug' }),
    metrics: new Metrics(),
    emit: (r) => records.push(r),
    emitLine: (l) => records.push(JSON.parse(l) as Rec),
  });
  engine.io = {
    send: (conn, text) => sent.push({ conn, msg: JSON.parse(text) as Rec }),
    drop: (conn, cause) => drops.push({ conn, cause }),
    flushSoon: () => {
      flushes++;
    },
  };
  const frame = (now: number, m: Rec): void => engine.frame(1, JSON.stringify(m), now);
  const snapshot = (now: number, seq: number, bid: string): void =>
    frame(now, {
      type: 'orderbook_snapshot',
      sid: 1,
      seq,
      msg: { market_ticker: DEN, yes_dollars_fp: [[bid, '10.00']], no_dollars_fp: [['0.6000', '5.00']] }, // YES scale (use_yes_price)
    });
  const lastCmd = (): Rec => sent.at(-1)!.msg;
  return { engine, records, sent, drops, frame, snapshot, lastCmd, flushes: () => flushes, logs: () => sink.records() };
}

t.test('connect, subscribe, snapshot: the commands sent and the book published', async (t) => {
  const h = harness();
  h.engine.start(1000);
  t.match(h.records[0], { type: 'market.link', ticker: DEN, ts: 1000 });
  h.engine.connecting(1, 1001);
  t.equal(h.sent.length, 0, 'nothing sent before the socket is open');
  h.engine.opened(1, 1002);
  t.same(
    h.sent.map((s) => [s.conn, s.msg.id, s.msg.cmd, (s.msg.params as Rec).channels]),
    [
      [1, 1, 'subscribe', ['orderbook_delta']],
      [1, 2, 'subscribe', ['trade']],
      [1, 3, 'subscribe', ['market_lifecycle_v2']],
    ],
  );
  t.match(h.sent[0]!.msg.params, { market_tickers: [DEN], use_yes_price: true });
  t.match(h.records.at(-1), { type: 'kalshi.status', state: 'connecting', connects: 1, ts: 1002 });
  for (const [id, ch, sid] of [
    [1, 'orderbook_delta', 1],
    [2, 'trade', 2],
    [3, 'market_lifecycle_v2', 3],
  ] as const)
    h.frame(1003, { id, type: 'subscribed', msg: { channel: ch, sid } });
  h.snapshot(1004, 1, '0.5000');
  t.match(h.records.at(-1), { type: 'kalshi.book', ts: 1004, recv_ts: 1004, ticker: DEN, seq: 1, sid: 1, bids: [[0.5, 10]], asks: [[0.6, 5]] });
  t.ok(h.flushes() > 0, 'a status is asked for');
  h.engine.flush(1005);
  t.match(h.records.at(-1), { type: 'kalshi.status', state: 'live', ts: 1005 });
  h.engine.flush(1006);
  t.equal((h.records.at(-1) as Rec).ts, 1005, 'a flush with nothing changed writes nothing');
});

t.test('the resync ladder: get_snapshot, resubscribe after the timeout, then the connection dropped', async (t) => {
  const h = harness();
  h.engine.start(0);
  h.engine.connecting(1, 0);
  h.engine.opened(1, 10);
  for (const [id, ch, sid] of [
    [1, 'orderbook_delta', 1],
    [2, 'trade', 2],
    [3, 'market_lifecycle_v2', 3],
  ] as const)
    h.frame(20, { id, type: 'subscribed', msg: { channel: ch, sid } });
  h.snapshot(30, 1, '0.5000');
  h.frame(40, { type: 'orderbook_delta', sid: 1, seq: 3, msg: { market_ticker: DEN, price_dollars: '0.5000', delta_fp: '1.00', side: 'yes' } });
  t.match(h.lastCmd(), { cmd: 'update_subscription', params: { sids: [1], market_tickers: [DEN], action: 'get_snapshot' } }, 'a gap asks for a snapshot');
  const books = h.records.filter((r) => r.type === 'kalshi.book').length;
  h.engine.tick(500);
  t.equal(h.sent.filter((s) => s.msg.cmd === 'subscribe').length, 3, 'within the timeout: no escalation');
  h.engine.tick(1100);
  t.match(
    h.sent.slice(-2).map((s) => [s.msg.cmd, s.msg.params]),
    [
      ['unsubscribe', { sids: [1] }],
      ['subscribe', { channels: ['orderbook_delta'] }],
    ],
    'past it: resubscribe',
  );
  const id = h.lastCmd().id as number;
  h.frame(1110, { id, type: 'subscribed', msg: { channel: 'orderbook_delta', sid: 4 } });
  h.engine.tick(2200);
  t.same(h.drops, [{ conn: 1, cause: 'resync-timeout' }], 'still no snapshot: the socket is told to go');
  t.match(h.records.at(-1), { type: 'kalshi.status', state: 'down', cause: 'resync-timeout', disconnects: 1 });
  t.equal(h.records.filter((r) => r.type === 'kalshi.book').length, books, 'no book published while invalid');
  h.frame(2210, { type: 'orderbook_snapshot', sid: 4, seq: 1, msg: { market_ticker: DEN, yes_dollars_fp: [['0.5000', '1.00']], no_dollars_fp: [] } });
  t.equal(h.records.filter((r) => r.type === 'kalshi.book').length, books, 'frames of the dropped connection are ignored');
  h.engine.closed(1, 'close', { code: 1006 }, 2220);
  t.equal(h.engine.summary.disconnects, 1, 'the close that follows our drop is not counted twice');
  t.same(h.engine.summary.resyncs, { get_snapshot: 1, resubscribe: 1, reconnect: 1 });
  h.engine.stop(2300);
  t.match(h.records.at(-1), { type: 'kalshi.status', state: 'down', cause: 'shutdown' });
});

t.test('an exchange error is logged with its text and the command it answers', async (t) => {
  const h = harness();
  h.engine.start(0);
  h.engine.connecting(1, 0);
  h.engine.opened(1, 10);
  h.frame(20, { id: 1, type: 'error', msg: { code: 8, msg: 'Unknown channel name' } });
  const l = h.logs().find((x) => x.msg === 'kalshi error');
  t.match(l, { code: 8, error_text: 'Unknown channel name', command: 'subscribe', id: 1 }, "Kalshi's text and our command kept, under names of their own");
  t.same(h.drops, [{ conn: 1, cause: 'subscribe-error-8' }], 'a refused subscription costs the connection');
});

t.test('record ts never goes backwards; bookLine is JSON.stringify of the same record', async (t) => {
  const ts = new MonotonicTs();
  t.same([ts.at(5), ts.at(3), ts.at(7)], [5, 5, 7]);
  const line = bookLine(10, 9, JSON.stringify(DEN), 4, 2, '"bids":[[0.5,10]],"asks":[]', 8);
  t.equal(line, JSON.stringify({ type: 'kalshi.book', ts: 10, recv_ts: 9, ticker: DEN, seq: 4, sid: 2, bids: [[0.5, 10]], asks: [], exch_ts: 8 }));
  t.equal(
    bookLine(10, 9, JSON.stringify(DEN), null, null, '"bids":[],"asks":[]', undefined),
    JSON.stringify({ type: 'kalshi.book', ts: 10, recv_ts: 9, ticker: DEN, seq: 0, bids: [], asks: [] }),
  );
});
