// venue-down (live only): the private channels and the order group, one cause each; the
// switch clears only when both are up again, after resume_after_ms.
import t from 'tap';
import { KillSwitches } from '../../src/core/killswitch.js';

t.test('venue-down trips on either cause and clears when both are up for resume_after_ms', async (t) => {
  const k = new KillSwitches({
    oracleSource: 'boltodds',
    oracleStaleMs: 60_000,
    bookStaleMs: 60_000,
    resumeAfterMs: 1_000,
    reconnectMax: 5,
    reconnectWindowMs: 60_000,
  });
  // The Kalshi feed live first (kalshi-feed-down is tripped until then), so only venue-down is left to see.
  const status = {
    type: 'kalshi.status' as const,
    ts: 0,
    state: 'live' as const,
    connects: 1,
    reconnects: 0,
    disconnects: 0,
    gaps: 0,
    last_msg_ts: 0,
    tickers: {},
  };
  k.onKalshiStatus(status, 0);
  k.tick(1_000);
  t.equal(k.blocked('KXNBAGAME-26JAN25DENMEM-DEN', 'nba-2026-01-25-den-mem', 'nba'), undefined);
  t.same(k.onVenue('private-feed', true, 'live', 1_000), [], 'up from the start: nothing to clear');
  t.match(k.onVenue('private-feed', false, 'private channels down (connection-lost)', 1_010), [
    { state: 'tripped', condition: 'venue-down', scope: 'global', key: '*', detail: 'private channels down (connection-lost)' },
  ]);
  t.match(k.blocked('KXNBAGAME-26JAN25DENMEM-DEN', 'nba-2026-01-25-den-mem', 'nba'), { condition: 'venue-down', scope: 'global' });
  t.same(k.onVenue('order-group', false, 'triggered', 1_020), [], 'a second cause: no second trip');
  t.same(k.onVenue('private-feed', true, 'live', 1_030), [], 'one cause left');
  t.same(k.tick(5_000), [], 'still tripped');
  t.same(k.onVenue('order-group', true, 'reset', 5_000), []);
  t.same(k.tick(5_999), []);
  t.match(k.tick(6_000), [{ state: 'cleared', condition: 'venue-down' }], 'clear after resume_after_ms');
  t.equal(k.blocked('KXNBAGAME-26JAN25DENMEM-DEN', 'nba-2026-01-25-den-mem', 'nba'), undefined);
});
