// The kill switches as the quote manager enforces them (the real policy of
// src/core/killswitch.ts; its condition x scope matrix is tested there): each condition
// pulls the quotes in its scope with its reason, refuses new orders there, and quoting
// resumes only after the condition has been clear for resume_after_ms.
import t from 'tap';
import { KillSwitches } from '../../src/core/killswitch.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { AWAY, EVENT, HOME, T0, book, kalshiStatus, oracleStatus, prob, session } from '../helpers/quote.js';

const RESUME = 1_000;
function kills(bookStaleMs = 30_000): KillSwitches {
  return new KillSwitches({
    oracleSource: 'boltodds',
    oracleStaleMs: 60_000,
    bookStaleMs,
    resumeAfterMs: RESUME,
    reconnectMax: 3,
    reconnectWindowMs: 60_000,
    commenceGraceMs: 60_000,
  });
}

/** Both tickers of the game quoting (after the start-up trip has cleared), every order accepted. */
function quoting(bookStaleMs?: number) {
  const s = session({}, { kill: kills(bookStaleMs) });
  const at = T0;
  s.m.onKalshiStatus(kalshiStatus('live', at), at);
  for (const [tk, side] of [
    [HOME, 'home'],
    [AWAY, 'away'],
  ] as const) {
    s.m.onLink({ ticker: tk, event: EVENT, sport: 'nba', side }, at);
    s.m.onMarket({ ticker: tk, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, at);
  }
  s.m.onOracleProb(prob(0.5, at), at);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), at);
  s.m.onBook(book(AWAY, [[4500, 5000]], [[5500, 5000]]), at);
  t.equal(s.venue.requests.length, 0, 'nothing before the Kalshi feed has been live for resume_after_ms');
  s.m.tick(at + RESUME);
  acceptAll(s, at + RESUME + 10);
  return s;
}
function acceptAll(s: ReturnType<typeof session>, at: number): void {
  for (const o of s.working()) if (o.status === 'submitted') s.m.onReply(s.venue.accepted(o.clientOrderId, at), at);
  for (const c of s.venue.cancels())
    if (s.working().some((o) => o.clientOrderId === c.clientOrderId && o.status === 'pending-cancel')) s.m.onReply(s.venue.canceled(c.clientOrderId, at), at);
}
const pulled = (s: ReturnType<typeof session>, since: number) =>
  s.w.orders
    .filter((o) => o.status === 'pending-cancel' && o.at >= since)
    .map((o) => `${o.o.ticker === HOME ? 'home' : 'away'}:${o.o.side}:${o.reason}`)
    .sort();

t.test('kalshi-feed-down: tripped at start, cleared resume_after_ms after the first live status; a later outage pulls everything', async (t) => {
  const s = quoting();
  t.same(
    s.w.kills.map((k) => `${k.condition}:${k.state}`),
    ['kalshi-feed-down:tripped', 'kalshi-feed-down:cleared'],
  );
  t.equal(s.working().length, 4);
  const at = T0 + 5_000;
  s.m.onKalshiStatus(kalshiStatus('resyncing', at), at);
  t.same(pulled(s, at), ['away:ask:stale-feed', 'away:bid:stale-feed', 'home:ask:stale-feed', 'home:bid:stale-feed']);
  acceptAll(s, at + 10);
  s.m.onKalshiStatus(kalshiStatus('live', at + 100), at + 100);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), at + 200);
  t.equal(s.working().length, 0, 'still refused: clear for less than resume_after_ms');
  s.m.tick(at + 100 + RESUME);
  t.equal(s.working().length, 4, 'quoting again');
});

t.test('oracle unavailable for the source: pulled as stale-feed; an available status resumes after the wait', async (t) => {
  const s = quoting();
  const at = T0 + 5_000;
  s.m.onOracleStatus(oracleStatus('unavailable', at), at);
  t.same(pulled(s, at), ['away:ask:stale-feed', 'away:bid:stale-feed', 'home:ask:stale-feed', 'home:bid:stale-feed']);
  t.ok(s.w.kills.some((k) => k.condition === 'oracle-stale' && k.state === 'tripped' && k.scope === 'global'));
  acceptAll(s, at + 10);
  s.m.onOracleStatus(oracleStatus('available', at + 500), at + 500);
  s.m.tick(at + 500 + RESUME - 1);
  t.equal(s.working().length, 0);
  s.m.tick(at + 500 + RESUME);
  t.equal(s.working().length, 4);
  const other = quoting();
  other.m.onOracleStatus(oracleStatus('unavailable', at, { source: 'oddsapi' }), at);
  t.same(pulled(other, at), [], 'another source going down is not ours');
});

t.test('no oracle.prob for oracle_stale_ms: the game is pulled at that deadline, no event needed', async (t) => {
  const s = quoting(600_000);
  t.equal(s.m.next(), T0 + 60_000, 'the staleness deadline is the next thing due');
  s.m.tick(T0 + 59_999);
  t.same(pulled(s, T0), []);
  s.m.tick(T0 + 60_000);
  t.same(pulled(s, T0), ['away:ask:stale-feed', 'away:bid:stale-feed', 'home:ask:stale-feed', 'home:bid:stale-feed']);
  t.ok(s.w.kills.some((k) => k.condition === 'oracle-stale' && k.scope === 'game' && k.key === EVENT));
});

t.test('a ticker the feed marks invalid: only that ticker is pulled', async (t) => {
  const s = quoting();
  const at = T0 + 5_000;
  s.m.onKalshiStatus(
    kalshiStatus('live', at, { tickers: { [HOME]: { valid: false, age_ms: null, seq: null }, [AWAY]: { valid: true, age_ms: 0, seq: 3 } } }),
    at,
  );
  t.same(pulled(s, at), ['home:ask:stale-feed', 'home:bid:stale-feed']);
  t.ok(s.w.kills.some((k) => k.condition === 'ticker-stale' && k.scope === 'ticker' && k.key === HOME));
});

t.test('reconnect storm: reconnect_max reconnects within the window stop everything as kill-switch', async (t) => {
  const s = quoting();
  let at = T0 + 5_000;
  for (let r = 1; r <= 3; r++) {
    at += 1_000;
    s.m.onKalshiStatus(kalshiStatus('live', at, { reconnects: r, connects: r + 1 }), at);
  }
  t.ok(s.w.kills.some((k) => k.condition === 'reconnect-storm' && k.state === 'tripped'));
  t.same(pulled(s, T0 + 5_000), ['away:ask:kill-switch', 'away:bid:kill-switch', 'home:ask:kill-switch', 'home:bid:kill-switch']);
});

t.test('arbitration unresolved for the game: its tickers pulled as kill-switch, other games unaffected', async (t) => {
  const s = quoting();
  const at = T0 + 5_000;
  s.m.onOracleStatus(oracleStatus('unavailable', at, { event: EVENT, sport: 'nba', reason: 'denied' }), at);
  t.same(pulled(s, at), ['away:ask:kill-switch', 'away:bid:kill-switch', 'home:ask:kill-switch', 'home:bid:kill-switch']);
  t.ok(s.w.kills.some((k) => k.condition === 'arbitration-unresolved' && k.scope === 'game' && k.key === EVENT));
});

t.test('missing commence time: a linked game without an oracle price trips after the grace', async (t) => {
  const s = session({}, { kill: kills() });
  s.m.onKalshiStatus(kalshiStatus('live', T0), T0);
  s.m.onLink({ ticker: HOME, event: EVENT, sport: 'nba', side: 'home' }, T0);
  for (let i = 0; i < 10; i++) {
    const n = s.m.next();
    if (n === undefined || n > T0 + 120_000) break;
    s.m.tick(n);
  }
  t.ok(s.w.kills.some((k) => k.condition === 'missing-commence' && k.state === 'tripped' && k.key === EVENT));
  t.equal(s.venue.requests.length, 0);
});
