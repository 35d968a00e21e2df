// Every maker-protection trigger of issue 10 §3: each cancels the resting quote with its
// reason, event-driven (no polling tick), and the replacement waits for the cancel ack.
import t from 'tap';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import type { KillPolicy } from '../../src/core/quote-manager.js';
import { COMMENCE, EVENT, HOME, NO_KILLS, T0, book, prob, session, standardOpen } from '../helpers/quote.js';

/** Quote at fair 0.5 on HOME (bid 0.45, ask 0.55 joined) and accept both. */
function resting(over: Parameters<typeof session>[0] = {}, parts: Parameters<typeof session>[1] = {}) {
  const s = session(over, parts);
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  return s;
}
const cancelReasons = (s: ReturnType<typeof session>) => s.w.orders.filter((o) => o.status === 'pending-cancel').map((o) => `${o.o.side}:${o.reason}`);

t.test('quotes at the best price with edge, joined to the book', async (t) => {
  const s = resting();
  const places = s.venue.requests.filter((r) => r.kind === 'place');
  t.same(
    places.map((p) => p.kind === 'place' && [p.order.side, p.order.price, p.order.count, p.order.tif, p.order.postOnly]),
    [
      ['bid', 4500, 1000, 'gtc', true],
      ['ask', 5500, 1000, 'gtc', true],
    ],
  );
  t.same(
    s.working().map((o) => o.status),
    ['resting', 'resting'],
  );
});

t.test('oracle-moved-through: the fair price crosses the resting bid', async (t) => {
  const s = resting();
  s.m.onOracleProb(prob(0.44, T0 + 200), T0 + 200);
  t.same(cancelReasons(s), ['bid:oracle-moved-through']);
  t.equal(s.venue.cancels().length, 1);
  t.equal(s.venue.cancels()[0]!.at, T0 + 200, 'on the oracle record itself');
});

t.test('edge-below-threshold: the fair price moves toward the bid but not through', async (t) => {
  const s = resting();
  s.m.onOracleProb(prob(0.465, T0 + 200), T0 + 200); // 0.465 - 0.45 - 0.005 = 0.01 < 0.02
  t.same(cancelReasons(s), ['bid:edge-below-threshold']);
});

t.test('max-age: a quote older than max_order_age_ms is cancelled at its deadline, then placed again', async (t) => {
  const s = resting({ maxOrderAgeMs: 60_000 });
  t.equal(s.m.next(), T0 + 100 + 60_000, 'the deadline is the accept time plus the max age');
  s.m.tick(T0 + 60_099);
  t.same(cancelReasons(s), []);
  s.m.tick(T0 + 60_100);
  t.same(cancelReasons(s).sort(), ['ask:max-age', 'bid:max-age']);
  const bid = s.venue.cancels()[0]!.clientOrderId;
  s.m.onReply(s.venue.canceled(bid, T0 + 60_200), T0 + 60_200);
  t.equal(s.venue.place().order.side, 'bid', 'replaced once the cancel is acknowledged');
  t.equal(s.venue.place().at, T0 + 60_200);
});

t.test('reprice: waits min_rest_ms unless the move is adverse, and only beyond the refresh tolerance', async (t) => {
  const s = resting({ minRestMs: 5_000, refreshToleranceTicks: 2, improveTicks: 0 });
  s.m.onBook(book(HOME, [[4600, 5000]], [[5500, 5000]]), T0 + 300);
  t.same(cancelReasons(s), [], 'one tick: within the tolerance');
  s.m.onBook(book(HOME, [[4700, 5000]], [[5500, 5000]]), T0 + 400);
  t.same(cancelReasons(s), [], 'two ticks, but the quote has rested only 300 ms');
  t.equal(s.m.next(), T0 + 100 + 5_000, 'woken when min_rest_ms is over');
  s.m.tick(T0 + 5_100);
  t.same(cancelReasons(s), ['bid:reprice']);
  s.m.onReply(s.venue.canceled(s.venue.cancels()[0]!.clientOrderId, T0 + 5_200), T0 + 5_200);
  const p = s.venue.place();
  t.same([p.order.side, p.order.price], ['bid', 4700], 'the new quote joins the new best bid (our limit is 0.47)');
  t.ok(s.w.latencies.every((l) => l.ms >= 0));
  // An adverse move does not wait for min_rest_ms.
  s.m.onReply(s.venue.accepted(p.order.clientOrderId, T0 + 5_300), T0 + 5_300);
  s.m.onOracleProb(prob(0.48, T0 + 5_400), T0 + 5_400);
  t.equal(cancelReasons(s).at(-1), 'bid:edge-below-threshold', '100 ms after placing, cancelled at once');
});

t.test('pregame-cutoff: every quote is pulled pull_before_start_ms before the start, with no tick needed', async (t) => {
  const s = session({ pullBeforeStartMs: 300_000 });
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  t.equal(s.m.next(), COMMENCE - 300_000);
  s.m.tick(COMMENCE - 300_000);
  t.same(cancelReasons(s).sort(), ['ask:pregame-cutoff', 'bid:pregame-cutoff']);
  const late = () => s.w.skips.filter((k) => k.at >= COMMENCE - 300_000);
  t.same(
    late().map((k) => k.reason),
    ['pregame-cutoff'],
  );
  for (const c of s.venue.cancels()) s.m.onReply(s.venue.canceled(c.clientOrderId, COMMENCE - 299_000), COMMENCE - 299_000);
  s.m.onBook(book(HOME, [[4400, 5000]], [[5500, 5000]]), COMMENCE - 200_000);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place').length, 2, 'nothing new after the cutoff');
  t.equal(late().length, 1, 'one skip per (ticker, reason), not one per event');
});

t.test('in-play quoting only when configured', async (t) => {
  const s = session({ inPlay: true });
  s.m.onLink({ ticker: HOME, event: EVENT, sport: 'nba', side: 'home' }, COMMENCE + 1);
  s.m.onMarket({ ticker: HOME, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, COMMENCE + 1);
  s.m.onOracleProb(prob(0.5, COMMENCE + 1), COMMENCE + 1);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), COMMENCE + 1);
  t.equal(s.venue.requests.length, 2);
});

t.test('market paused, then closed: quotes pulled, nothing placed while it is not active', async (t) => {
  const s = resting();
  s.m.onMarket({ ticker: HOME, status: 'inactive', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0 + 200);
  t.same(cancelReasons(s).sort(), ['ask:market-paused', 'bid:market-paused']);
  for (const c of s.venue.cancels()) s.m.onReply(s.venue.canceled(c.clientOrderId, T0 + 300), T0 + 300);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), T0 + 400);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place').length, 2);
  s.m.onMarket({ ticker: HOME, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0 + 500);
  t.equal(s.venue.requests.filter((r) => r.kind === 'place').length, 4, 'quoting again once active');
});

t.test('stale-feed and kill-switch: a tripped condition pulls with its reason', async (t) => {
  let blocked: ReturnType<KillPolicy['blocked']>;
  const kill: KillPolicy = { ...NO_KILLS, blocked: () => blocked };
  const s = resting({}, { kill });
  blocked = { condition: 'oracle-stale', scope: 'game', key: EVENT };
  s.m.onBook(book(HOME, [[4400, 4000]], [[5500, 5000]]), T0 + 200);
  t.same(cancelReasons(s).sort(), ['ask:stale-feed', 'bid:stale-feed']);
  blocked = undefined;
  const s2 = resting({}, { kill });
  blocked = { condition: 'reconnect-storm', scope: 'global', key: '*' };
  s2.m.onBook(book(HOME, [[4400, 4000]], [[5500, 5000]]), T0 + 200);
  t.same(cancelReasons(s2).sort(), ['ask:kill-switch', 'bid:kill-switch']);
  t.same(
    s2.w.skips.filter((k) => k.at === T0 + 200).map((k) => k.reason),
    ['kill-switch'],
  );
});

t.test('no link, no fair price, no book: no quote, one skip per (ticker, reason) change', async (t) => {
  const s = session();
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), T0);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), T0 + 1);
  s.m.onLink({ ticker: HOME, event: EVENT, sport: 'nba', side: 'home' }, T0 + 2);
  s.m.onBook(book(HOME, [[4500, 5000]], [[5500, 5000]]), T0 + 3);
  t.same(
    s.w.skips.map((k) => k.reason),
    ['unmapped', 'no-oracle'],
  );
  t.equal(s.venue.requests.length, 0);
});

t.test('a book whose best prices did not move changes no decision and sends nothing', async (t) => {
  const s = resting();
  const before = s.venue.requests.length;
  for (let i = 0; i < 50; i++)
    s.m.onBook(
      book(
        HOME,
        [
          [4500, 100 + i],
          [4400, 7],
        ],
        [[5500, 900 - i]],
      ),
      T0 + 200 + i,
    );
  t.equal(s.venue.requests.length, before);
  s.m.onBook(book(HOME, [[4600, 100]], [[5500, 900]]), T0 + 300);
  t.equal(s.venue.cancels().length, 1, 'a new best bid does: the quote joins it');
});

t.test('a move through one quote that also reprices the other: the protective cancel is sent first', async (t) => {
  // Found by the live loopback bench: on an up move the bid's reprice was decided (and sent)
  // before the cancel of the ask the oracle went through, ~2 ms later on the wire.
  const s = session({ bookIncludesOwn: true });
  standardOpen(s, 0.4); // bid well below 0.45, ask 0.55
  const [bid, ask] = [s.venue.place(0), s.venue.place(1)];
  t.ok(bid.order.price < 4500, 'the bid rests below the others');
  t.equal(ask.order.price, 5500);
  s.m.onReply(s.venue.accepted(bid.order.clientOrderId, T0 + 50), T0 + 50);
  s.m.onReply(s.venue.accepted(ask.order.clientOrderId, T0 + 50), T0 + 50);
  const before = s.venue.requests.length;
  s.m.onOracleProb(prob(0.6, T0 + 5_000), T0 + 5_000);
  const after = s.venue.requests.slice(before);
  t.match(after[0], { kind: 'cancel', clientOrderId: ask.order.clientOrderId }, 'first: the ask the oracle moved through');
  t.match(after[1], { kind: /^(amend|cancel)$/, clientOrderId: bid.order.clientOrderId }, 'then: the bid repriced');
  t.match(
    s.w.orders.find((o) => o.o.clientOrderId === ask.order.clientOrderId && o.status === 'pending-cancel'),
    { reason: 'oracle-moved-through' },
  );
  t.same(
    s.w.latencies.filter((l) => l.kind === 'oracle-to-cancel'),
    [{ kind: 'oracle-to-cancel', ms: 0 }],
    'the protective reaction is measured (oracle price to cancel sent)',
  );
});
