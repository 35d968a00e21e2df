// Review (issue 10): races and ledgers the existing scenario tests do not cover. Each test
// states what should happen; a failing one is a finding for the coordinator.
import t from 'tap';
import { PositionBook } from '../../src/core/position-book.js';
import { EVENT, HOME, T0, prob, session, standardOpen } from '../helpers/quote.js';

const limits = () => new PositionBook({ maxPositionContracts: 100, maxGameLossDollars: 100, maxDailyNotionalDollars: 1000 });

t.test('review: a fill made before the result, reported after it, on a ticker with no earlier fill: settled, not left open forever', async (t) => {
  const s = session({}, { exposure: limits() });
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 10), T0 + 10);
  const bid = s.working().find((o) => o.side === 'bid')!.clientOrderId;
  // The engine filled the bid at T0+90; the result arrives at T0+100; the fill report
  // (latency) at T0+120. The contracts were bought: the settlement must include them.
  s.m.onResult({ ticker: HOME, result: 'yes' }, T0 + 100);
  s.m.onReply(s.venue.fill(bid, T0 + 90, 1000, 0), T0 + 120);
  t.same(
    s.w.anomalies.filter((a) => /not booked/.test(a)),
    [],
    'the fill is booked',
  );
  t.notOk(s.w.positions.at(-1)?.settled, 'not settled while the ask (pulled at the result) may still fill');
  for (const c of s.venue.cancels()) s.m.onReply(s.venue.canceled(c.clientOrderId, T0 + 130), T0 + 130);
  const last = s.w.positions.at(-1);
  t.equal(last?.settled, true, 'the position of a settled market is settled, not open');
  t.equal(last?.realized, 55_000, '10 bought at 0.45, settled YES: +$5.50');
});

t.test('review: a fill made before the result, reported after it, on a ticker already traded: booked, not refused', async (t) => {
  const s = session({}, { exposure: limits() });
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 10), T0 + 10);
  const bid = s.working().find((o) => o.side === 'bid')!.clientOrderId;
  const ask = s.working().find((o) => o.side === 'ask')!.clientOrderId;
  s.m.onReply(s.venue.fill(ask, T0 + 50, 500, 500), T0 + 50); // sold 5 YES at 0.55
  s.m.onResult({ ticker: HOME, result: 'yes' }, T0 + 100);
  s.m.onReply(s.venue.fill(bid, T0 + 90, 1000, 0), T0 + 120); // bought 10 YES at 0.45 before the result
  t.same(
    s.w.anomalies.filter((a) => /not booked/.test(a)),
    [],
    'the fill is booked',
  );
  for (const c of s.venue.cancels()) s.m.onReply(s.venue.canceled(c.clientOrderId, T0 + 130, 500), T0 + 130);
  const last = s.w.positions.at(-1);
  t.equal(last?.settled, true);
  t.equal(last?.realized, 5 * (5500 - 10_000) + 10 * (10_000 - 4500), 'short 5 at 0.55 and long 10 at 0.45, YES: -$22.50 + $55.00');
});

t.test('review: a cancel refused as already-canceled ends the order (no phantom resting order, no cancel loop)', async (t) => {
  const s = session();
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  const bid = s.working().find((o) => o.side === 'bid')!.clientOrderId;
  s.m.onOracleProb(prob(0.44, T0 + 200), T0 + 200); // through the bid: cancel
  t.equal(s.venue.cancels().length, 1);
  // The venue says the order is already canceled (its ack was lost): it is not working.
  for (let i = 0; i < 5; i++) {
    const last = s.venue.cancels().at(-1)!;
    if (last.clientOrderId !== bid) break;
    s.m.onReply(s.venue.cancelRejected(bid, T0 + 300 + i, 'already-canceled'), T0 + 300 + i);
  }
  t.notOk(
    s.working().some((o) => o.clientOrderId === bid),
    'the order is no longer believed working',
  );
  t.equal(s.venue.cancels().filter((c) => c.clientOrderId === bid).length, 1, 'one cancel, not one per refusal');
  t.equal(s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid').length, 2, 'the side quotes again');
});

t.test('review: oracle.prob for games never linked does not grow the manager without bound', async (t) => {
  const s = session();
  let now = T0;
  // A month of oracle games, none of which has a Kalshi market linked.
  for (let d = 0; d < 30; d++) {
    for (let g = 0; g < 20; g++) {
      now += 60_000;
      s.m.onOracleProb(prob(0.5, now, { event: `${EVENT}-d${d}-g${g}`, commence_ts: now + 3_600_000 }), now);
    }
    now += 86_400_000;
    for (let i = 0; i < 1000; i++) {
      const n = s.m.next();
      if (n === undefined || n > now) break;
      s.m.tick(n);
    }
  }
  const fairs = (s.m as unknown as { fairs: Map<string, unknown> }).fairs;
  t.ok(fairs.size <= 40, `games remembered: ${fairs.size} (600 games seen over 30 days; the kill switches forget unlinked games after a day)`);
});
