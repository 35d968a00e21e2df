// report daily speed: a month of quote sessions (one file per day, as a cron line finds
// them in sessions/*.ndjson) reported for one day in the middle. Every record of the
// month is read (other days carry state), so the figure is records/s over the month.
// Target (issue 12 §5): the whole run under a minute.
//
// The sessions are synthesized directly in the shape quote writes (run.manifest,
// kalshi.status, oracle.prob, order, latency, fill, position, skip, killswitch,
// oracle.status): running quote over test/bench/quote-session.ts for 30 days would take
// minutes of the bench for records report daily reads the same way. Deterministic.
import { openSync, writeSync, closeSync } from 'node:fs';
import { timeCommand, type Bench } from './lib.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1, 5); // 2026-01-01 00:00 EST
const FP = 'b'.repeat(64);

/** One day's session file; returns the number of records written. */
function writeDay(file: string, d: number, games: number, orderEveryMs: number): number {
  const fd = openSync(file, 'w');
  let buf: string[] = [];
  let n = 0;
  const put = (r: Record<string, unknown>): void => {
    buf.push(JSON.stringify(r));
    n++;
    if (buf.length === 10_000) {
      writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  };
  const day = START + d * DAY;
  const date = new Date(day).toISOString().slice(0, 10);
  const open = day + 12 * 3_600_000; // 12:00 ET
  const end = day + 23 * 3_600_000;
  put({
    type: 'run.manifest',
    ts: open,
    cmd: 'quote',
    version: '0.1.0',
    branch: 'main',
    commit: 'c0ffee',
    dirty: false,
    profile: 'shadow-experiment',
    config_fingerprint: FP,
    argv: ['--shadow'],
    started_ts: open,
  });
  let reconnects = 0;
  let seq = 0;
  for (let t = open; t < end; t += 1000) {
    const k = (t - open) / 1000;
    if (k % 60 === 0) {
      const down = k % 7200 === 3600; // a short outage every two hours
      if (down) reconnects++;
      put({
        type: 'kalshi.status',
        ts: t,
        state: down ? 'down' : 'live',
        connects: reconnects + 1,
        reconnects,
        disconnects: reconnects,
        gaps: 0,
        last_msg_ts: t,
        tickers: {},
        ...(down ? { cause: 'heartbeat-timeout' } : {}),
      });
      if (k % 3600 === 1800) {
        put({ type: 'oracle.status', ts: t, source: 'boltodds', sport: 'nba', state: 'unavailable', reason: 'stale' });
        put({ type: 'killswitch', ts: t, state: 'tripped', condition: 'oracle-stale', scope: 'sport', key: 'nba' });
      }
      if (k % 3600 === 1830) {
        put({ type: 'oracle.status', ts: t, source: 'boltodds', sport: 'nba', state: 'available' });
        put({ type: 'killswitch', ts: t, state: 'cleared', condition: 'oracle-stale', scope: 'sport', key: 'nba' });
      }
    }
    if ((t - open) % orderEveryMs !== 0) continue;
    for (let g = 0; g < games; g++) {
      const event = `nba-${date}-a${String.fromCharCode(97 + g)}-h${String.fromCharCode(97 + g)}`;
      const ticker = `KXNBAGAME-${date}-G${g}-H`;
      const p = 0.4 + 0.02 * g;
      put({
        type: 'oracle.prob',
        ts: t,
        source: 'boltodds',
        sport: 'nba',
        event,
        home: 'H',
        away: 'A',
        commence_ts: end,
        books: ['pinnacle'],
        method: 'shin',
        p_home: p,
        p_away: 1 - p,
        overround: 0.04,
      });
      const id = `c${d}-${seq++}`;
      const price = Math.round((p - 0.03) * 100) / 100;
      put({
        type: 'order',
        ts: t,
        mode: 'shadow',
        client_order_id: id,
        ticker,
        side: 'yes',
        action: 'buy',
        price,
        count: 10,
        tif: 'gtc',
        post_only: true,
        status: 'submitted',
        filled: 0,
        remaining: 10,
        reason: 'new-quote',
        fair_p: p,
        edge: 0.03,
        event,
        liquidity: 'maker',
      });
      put({ type: 'latency', ts: t, kind: 'oracle-to-order', ms: (seq * 37) % 250, ticker, client_order_id: id });
      put({ type: 'latency', ts: t + 100, kind: 'quote-to-action', ms: 100 + (seq % 13), ticker, client_order_id: id });
      if (seq % 5 === 0) put({ type: 'skip', ts: t, ticker, event, reason: seq % 10 === 0 ? 'edge-below-threshold' : 'stale-book' });
      if (seq % 40 === 0) {
        const taker = seq % 80 === 0;
        put({
          type: 'fill',
          ts: t + 200,
          order_id: `s${id}`,
          client_order_id: id,
          trade_id: `t${id}`,
          ticker,
          side: 'yes',
          action: 'buy',
          price,
          count: 10,
          fee: taker ? 0.17 : 0.05,
          liquidity: taker ? 'taker' : 'maker',
          mode: 'shadow',
          fair_p: p,
          source: 'boltodds',
          method: 'shin',
          event,
        });
      }
    }
  }
  for (let g = 0; g < games; g++) {
    const event = `nba-${date}-a${String.fromCharCode(97 + g)}-h${String.fromCharCode(97 + g)}`;
    put({
      type: 'position',
      ts: end + 3 * 3_600_000,
      mode: 'shadow',
      ticker: `KXNBAGAME-${date}-G${g}-H`,
      event,
      position: 0,
      cost: 0,
      fees: 1,
      realized_pnl: g % 2 ? 12.5 : -8.25,
      state: 'settled',
      result: g % 2 ? 'yes' : 'no',
    });
  }
  writeSync(fd, buf.join('\n') + (buf.length ? '\n' : ''));
  closeSync(fd);
  return n;
}

const bench: Bench = async (env) => {
  const days = 30;
  const games = 10;
  const every = env.quick ? 60_000 : 20_000;
  const files: string[] = [];
  let n = 0;
  for (let d = 0; d < days; d++) {
    const f = `${env.tmp}/report-session-${String(d).padStart(2, '0')}.ndjson`;
    n += writeDay(f, d, games, every);
    files.push(f);
  }
  const r = await timeCommand('report', ['daily', '--date', '2026-01-15', '--out', `${env.tmp}/reports`, ...files], null);
  if (r.code !== 0) throw new Error(`report daily failed: ${r.stderr.slice(0, 500)}`);
  const rps = n / r.seconds;
  return [
    {
      group: 'report',
      name: `report daily over a month (${days} days x ${games} games, ${n.toLocaleString('en-US')} records)`,
      value: Math.round(rps),
      unit: 'records/s',
      ratio: rps / env.limit,
    },
    { group: 'report', name: 'report daily over a month: wall time', value: r.seconds, unit: 's', target: '< 60 s', ok: r.seconds < 60 },
  ];
};

export default bench;
