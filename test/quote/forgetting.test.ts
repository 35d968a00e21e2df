// Memory stays flat over weeks: a settled market is forgotten forget_after_ms after its
// result, finished orders keep_finished_ms after they finish, and nothing is left behind.
import t from 'tap';
import { KillSwitches } from '../../src/core/killswitch.js';
import { PositionBook } from '../../src/core/position-book.js';
import { HOME, T0, kalshiStatus, session, standardOpen } from '../helpers/quote.js';

t.test('a settled market leaves nothing behind once forget_after_ms and keep_finished_ms have passed', async (t) => {
  const kill = new KillSwitches({
    oracleSource: 'boltodds',
    oracleStaleMs: 600_000,
    bookStaleMs: 600_000,
    resumeAfterMs: 0,
    reconnectMax: 5,
    reconnectWindowMs: 60_000,
    commenceGraceMs: 600_000,
  });
  const s = session(
    { forgetAfterMs: 60_000, keepFinishedMs: 30_000 },
    { kill, exposure: new PositionBook({ maxPositionContracts: 100, maxGameLossDollars: 100, maxDailyNotionalDollars: 1000 }) },
  );
  s.m.onKalshiStatus(kalshiStatus('live', T0), T0);
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 10), T0 + 10);
  const bid = s.working().find((o) => o.side === 'bid')!.clientOrderId;
  s.m.onReply(s.venue.fill(bid, T0 + 20, 1000, 0), T0 + 20);
  s.m.onResult({ ticker: HOME, result: 'yes' }, T0 + 100);
  // The bid placed again after the fill is answered after the result: its pull goes out then.
  for (const o of s.working()) if (o.status === 'submitted') s.m.onReply(s.venue.accepted(o.clientOrderId, T0 + 120), T0 + 120);
  for (const c of s.venue.cancels()) s.m.onReply(s.venue.canceled(c.clientOrderId, T0 + 150), T0 + 150);
  t.same(s.working(), [], 'every order final');
  t.same(
    s.w.positions.at(-1),
    { ticker: HOME, position: 0, cost: 0, fees: 0, realized: 55_000, settled: true, result: 'yes' },
    'settled: +$0.55 a contract on 10 ($5.50)',
  );
  t.ok(s.m.counts.tickers > 0);
  for (let i = 0; i < 50; i++) {
    const n = s.m.next();
    if (n === undefined) break;
    s.m.tick(n);
  }
  t.same(s.m.counts, { tickers: 0, orders: 0, deadlines: 0, games: 0 }, 'nothing of the game is left');
  t.same(kill.active(), [], 'nor any kill switch about it');
});
