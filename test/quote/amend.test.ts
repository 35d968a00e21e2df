// Reprice by amend (roadmap, live trading: "amend where it keeps what we need, else cancel
// then place"): the shadow venue's Kalshi amend semantics (total count, queue priority
// kept only by a smaller size at the same price, post-only cross cancels), the manager's
// amend chain (one order, a new client id per version, never absent nor doubled) and its
// races (a fill while the amend is on its way, a refusal because the order already filled,
// a pull while it is on its way, the market closing), and --reprice cancel-replace
// reproducing the old behaviour byte for byte.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ReplayClock } from '../../src/clock/clock.js';
import { QuoteLoop } from '../../src/cli/quote-loop.js';
import { KALSHI_FEES } from '../../src/core/fees.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { PositionBook } from '../../src/core/position-book.js';
import { QuoteManager, type Exposure, type ManagerOptions } from '../../src/core/quote-manager.js';
import { ShadowVenue, type ShadowVenueOptions } from '../../src/core/shadow-venue.js';
import type { AmendRejectReason, VenueReply, VenueRequest } from '../../src/core/trading.js';
import { validateRecord, type AnyRecord } from '../../src/schema/index.js';
import { COMMENCE, DEFAULTS, EVENT, HOME, NO_KILLS, T0, book, prob, session, standardOpen, unlimited } from '../helpers/quote.js';
import { ROOT, ofType, run } from '../helpers/run.js';

// ------------------------------------------------------------------ the shadow venue alone

const L = 50;
const T = HOME;
const venue = (o: Partial<ShadowVenueOptions> = {}) => new ShadowVenue({ latencyMs: L, queueModel: 'risk-averse', fees: KALSHI_FEES, ...o });
const place = (id: string, side: 'bid' | 'ask', price: number, count: number): VenueRequest => ({
  kind: 'place',
  order: { clientOrderId: id, ticker: T, side, price, count, tif: 'gtc', postOnly: true },
});
const amend = (id: string, next: string, price: number, count: number, ticker = T): VenueRequest => ({
  kind: 'amend',
  clientOrderId: id,
  ticker,
  price,
  count,
  newClientOrderId: next,
});
const tradeNo = (price: number, count: number, id = 'x') => ({ ticker: T, tradeId: id, price, count, takerSide: 'no' as const });
const brief = (rs: VenueReply[]) =>
  rs.map((r) => {
    switch (r.kind) {
      case 'fill':
        return `fill ${r.clientOrderId} ${r.count}@${r.price} rem ${r.remaining}`;
      case 'amended':
        return `amended ${r.clientOrderId}>${r.newClientOrderId} ${r.orderId} ${r.count}@${r.price} rem ${r.remaining}`;
      case 'amend-rejected':
        return `amend-rejected ${r.clientOrderId} ${r.reason}`;
      default:
        return `${r.kind} ${r.clientOrderId}`;
    }
  });

/** A venue with the market open and a book: bids 45c x10, asks 47c x5; bid `a` 45c x5 resting behind the 10. */
function resting() {
  const v = venue();
  v.onMarket({ ticker: T, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, 0);
  v.onBook({ ticker: T, bids: [[4500, 1000]], asks: [[4700, 500]] }, 0);
  v.submit(place('a', 'bid', 4500, 500), 1000);
  t.same(brief(v.replies(1100)), ['accepted a']);
  return v;
}

t.test('venue: an amend arrives and is answered with the latency of a place; the order keeps its id, gets the new client id', async (t) => {
  const v = resting();
  v.submit(amend('a', 'b', 4400, 300), 2000);
  t.equal(v.next(), 2050, 'it reaches the engine at 2050');
  t.same(v.replies(2099), []);
  const r = v.replies(2100);
  t.same(r, [
    { kind: 'amended', ts: 2100, clientOrderId: 'a', newClientOrderId: 'b', orderId: 'shadow-1', ticker: T, price: 4400, count: 300, remaining: 300 },
  ]);
  t.equal(v.order('b')?.price, 4400);
  t.equal(v.order('a')?.clientOrderId, 'b', 'the old client id still names the order (its current version)');
  v.onTrade(tradeNo(4400, 100), 3000);
  const f = v.replies(3050);
  t.same(brief(f), ['fill b 100@4400 rem 200'], 'fills after the amend carry the new client id');
  t.equal((f[0] as Extract<VenueReply, { kind: 'fill' }>).orderId, 'shadow-1');
  v.submit(place('b', 'bid', 4300, 100), 3100);
  t.same(brief(v.replies(3200)), ['rejected b'], 'the new client id is taken');
});

t.test('venue: a smaller size at the same price keeps the queue position; a larger size or a new price goes to the back', async (t) => {
  // 10 displayed ahead of each order; then the level grows to 20 (those behind us).
  const keep = resting();
  keep.onBook({ ticker: T, bids: [[4500, 2000]], asks: [[4700, 500]] }, 1500);
  t.equal(keep.order('a')?.ahead, 1000);
  keep.submit(amend('a', 'b', 4500, 300), 2000);
  t.same(brief(keep.replies(2100)), ['amended a>b shadow-1 300@4500 rem 300']);
  t.equal(keep.order('b')?.ahead, 1000, 'size decrease: still behind the same 10');
  keep.onTrade(tradeNo(4500, 1100), 3000);
  t.same(brief(keep.replies(3050)), ['fill b 100@4500 rem 200'], '11 sold: 10 ahead, 1 reaches us');

  const grow = resting();
  grow.onBook({ ticker: T, bids: [[4500, 2000]], asks: [[4700, 500]] }, 1500);
  grow.submit(amend('a', 'b', 4500, 700), 2000);
  t.same(brief(grow.replies(2100)), ['amended a>b shadow-1 700@4500 rem 700']);
  t.equal(grow.order('b')?.ahead, 2000, 'size increase: behind everything displayed');
  grow.onTrade(tradeNo(4500, 1100), 3000);
  t.same(brief(grow.replies(3050)), [], 'the same 11 sold do not reach it');

  const same = resting();
  same.submit(amend('a', 'b', 4500, 500), 2000);
  same.replies(2100);
  same.onBook({ ticker: T, bids: [[4500, 2000]], asks: [[4700, 500]] }, 2200);
  t.equal(same.order('b')?.ahead, 1000, 'an unchanged size is a new arrival too (Kalshi keeps priority only on a decrease)');

  const moved = resting();
  moved.onBook(
    {
      ticker: T,
      bids: [
        [4500, 1000],
        [4400, 3000],
      ],
      asks: [[4700, 500]],
    },
    1500,
  );
  moved.submit(amend('a', 'b', 4400, 300), 2000);
  moved.replies(2100);
  t.equal(moved.order('b')?.ahead, 3000, 'a new price: behind the 30 displayed there');
});

t.test('venue: an amend to a crossing price cancels the post-only order (PostOnlyCrossCancel)', async (t) => {
  const v = resting();
  v.submit(amend('a', 'b', 4700, 500), 2000);
  t.same(brief(v.replies(2100)), ['amend-rejected a post-only-cross']);
  t.equal(v.order('a')?.status, 'canceled', 'nothing of it rests any more');
  t.equal(v.order('b'), undefined, 'the new client id was never given');
  v.onTrade(tradeNo(4500, 5000), 2500);
  t.same(v.replies(2550), [], 'it no longer fills at its old price');
  v.submit({ kind: 'cancel', clientOrderId: 'a', ticker: T }, 2600);
  t.same(brief(v.replies(2700)), ['cancel-rejected a']);
});

t.test('venue: refusals that leave the order as it was, and refusals of orders that are gone', async (t) => {
  const v = resting();
  const refused = (req: VenueRequest, at: number) => {
    v.submit(req, at);
    const r = v.replies(at + 100);
    return r.map((x) => (x.kind === 'amend-rejected' ? `${x.reason}${x.detail ? `: ${x.detail}` : ''}` : x.kind));
  };
  t.match(refused(amend('a', 'b', 4450, 300), 2000), [/^invalid: price 4450 is not on the/], 'off the price grid');
  t.match(refused(amend('a', 'b', 4400, 0), 2200), [/^invalid: count 0/]);
  t.match(refused(amend('a', '', 4400, 300), 2400), [/^invalid: newClientOrderId is empty/]);
  t.match(refused(amend('a', 'a', 4400, 300), 2600), [/^invalid: client order id a is already in use/]);
  t.same(refused(amend('zz', 'b', 4400, 300), 2800), ['unknown-order']);
  t.same(refused(amend('a', 'b', 4400, 300, 'KXNBAGAME-26JAN25DENMEM-DEN'), 3000), ['unknown-order'], 'another ticker: not this order');
  const o = v.order('a')!;
  t.same([o.clientOrderId, o.price, o.remaining, o.status, o.ahead], ['a', 4500, 500, 'open', 1000], 'the order rests as it was, queue position kept');
  v.onTrade(tradeNo(4500, 1500), 3500);
  t.same(brief(v.replies(3550)), ['fill a 500@4500 rem 0']);
  t.same(refused(amend('a', 'b', 4400, 300), 3600), ['already-filled']);
  const w = resting();
  w.submit({ kind: 'cancel', clientOrderId: 'a', ticker: T }, 2000);
  w.replies(2100);
  w.submit(amend('a', 'b', 4400, 300), 2200);
  t.same(brief(w.replies(2300)), ['amend-rejected a already-canceled']);
});

t.test('venue: fills made while the amend was on its way count in its total; reaching it ends the order', async (t) => {
  const v = venue();
  v.onMarket({ ticker: T, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, 0);
  v.onBook({ ticker: T, bids: [[4500, 1000]], asks: [[4700, 500]] }, 0);
  v.submit(place('a', 'bid', 4600, 500), 1000); // alone at 46c: nobody ahead
  v.replies(1100);
  v.onTrade(tradeNo(4600, 100), 1500);
  t.same(brief(v.replies(1550)), ['fill a 100@4600 rem 400']);
  // We know 1 filled and want 3 more at 46c: total 4. On the way, 2 more fill.
  v.submit(amend('a', 'b', 4600, 400), 2000);
  v.onTrade(tradeNo(4600, 200, 'y'), 2020);
  t.same(brief(v.replies(2150)), ['fill a 200@4600 rem 200', 'amended a>b shadow-1 400@4600 rem 100'], 'what rests is the total less everything filled');
  // Again, and this time the fills on the way reach the new total: nothing rests.
  v.submit(amend('b', 'c', 4600, 400), 3000);
  v.onTrade(tradeNo(4600, 100, 'z'), 3010);
  t.same(brief(v.replies(3150)), ['fill b 100@4600 rem 0', 'amend-rejected b already-filled'], 'the last contract filled first: nothing to amend');
  const w = venue();
  w.onMarket({ ticker: T, status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, 0);
  w.onBook({ ticker: T, bids: [[4500, 1000]], asks: [[4700, 500]] }, 0);
  w.submit(place('a', 'bid', 4600, 500), 1000);
  w.replies(1100);
  w.submit(amend('a', 'b', 4500, 200), 2000); // we want 2 at 45c; 3 fill at 46c first
  w.onTrade(tradeNo(4600, 300), 2010);
  t.same(brief(w.replies(2150)), ['fill a 300@4600 rem 200', 'amended a>b shadow-1 200@4500 rem 0']);
  t.equal(w.order('b')?.status, 'canceled', 'the amend is a cap: nothing keeps working beyond the total we asked for');
  w.onTrade(tradeNo(4500, 5000), 2500);
  t.same(w.replies(2600), [], 'not at the old price, not at the new one');
});

t.test('venue: a market that closes before the amend arrives: already-canceled', async (t) => {
  const v = resting();
  v.submit(amend('a', 'b', 4400, 300), 2000);
  v.onMarket({ ticker: T, status: 'closed', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, 2010);
  t.same(brief(v.replies(2100)), ['canceled a', 'amend-rejected a already-canceled']);
});

// ------------------------------------------------------------------ the manager (scripted venue)

type Session = ReturnType<typeof session>;
const amends = (s: Session) => s.venue.requests.filter((r): r is Extract<VenueRequest, { kind: 'amend' }> & { at: number } => r.kind === 'amend');
const bidPlaces = (s: Session) => s.venue.requests.filter((r) => r.kind === 'place' && r.order.side === 'bid');
const amended = (req: Extract<VenueRequest, { kind: 'amend' }>, ts: number, remaining: number): VenueReply => ({
  kind: 'amended',
  ts,
  clientOrderId: req.clientOrderId,
  newClientOrderId: req.newClientOrderId,
  orderId: `x-${req.clientOrderId}`,
  ticker: req.ticker,
  price: req.price,
  count: req.count,
  remaining,
});
const amendRejected = (req: Extract<VenueRequest, { kind: 'amend' }>, ts: number, reason: AmendRejectReason): VenueReply => ({
  kind: 'amend-rejected',
  ts,
  clientOrderId: req.clientOrderId,
  ticker: req.ticker,
  reason,
});
/** Status and reason of each order record of a version (price and count never change within a version). */
const storyOf = (s: Session, coid: string) =>
  s.w.orders.filter((o) => o.o.clientOrderId === coid).map((o) => `${o.status}:${o.reason}:${o.o.price}x${o.o.count}`);
const filledOf = (s: Session, coid: string) => s.w.orders.find((o) => o.o.clientOrderId === coid)!.o.filled;

/** Both quotes resting; then the others' best bid drops to 0.44 and our bid follows it by amend. */
function amending(over: Partial<ManagerOptions> = {}, parts: Parameters<typeof session>[1] = {}) {
  const s = session({ repriceBy: 'amend', ...over }, parts);
  standardOpen(s);
  for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
  const bid = s.venue.place(0).order.clientOrderId;
  s.m.onBook(book(HOME, [[4400, 5000]], [[5500, 5000]]), T0 + 200);
  return { s, bid, req: amends(s)[0]! };
}

t.test('manager: a reprice is one amend request: the total, a new client id, no cancel; the old version waits pending-amend', async (t) => {
  const { s, bid, req } = amending();
  t.equal(amends(s).length, 1);
  t.same(
    { clientOrderId: req.clientOrderId, price: req.price, count: req.count },
    { clientOrderId: bid, price: 4400, count: 1000 },
    'nothing filled yet: the total is the new size',
  );
  t.not(req.newClientOrderId, bid);
  t.equal(s.venue.cancels().length, 0, 'no cancel');
  t.same(storyOf(s, bid), ['submitted:new-quote:4500x1000', 'resting:new-quote:4500x1000', 'pending-amend:reprice:4500x1000']);
  for (let i = 1; i <= 20; i++) s.m.onBook(book(HOME, [[4400 - (i % 3) * 100, 5000]], [[5500, 5000]]), T0 + 200 + i);
  t.equal(s.venue.requests.length, 3, 'nothing more on the side while the amend is on its way');
  s.m.onBook(book(HOME, [[4400, 5000]], [[5500, 5000]]), T0 + 230);
  s.m.onReply(amended(req, T0 + 300, 1000), T0 + 300);
  t.same(storyOf(s, bid).at(-1), 'amended:amended:4500x1000');
  t.same(storyOf(s, req.newClientOrderId), ['resting:amend:4400x1000'], 'the next version starts resting');
  const b = s.working().find((o) => o.side === 'bid')!;
  t.equal(b.clientOrderId, req.newClientOrderId);
  t.equal(b.orderId, `x-${bid}`, 'same exchange order');
  t.same(
    s.w.latencies.filter((l) => l.kind === 'reprice'),
    [{ kind: 'reprice', ms: 100 }],
    'reprice latency: decided at +200, resting at +300',
  );
  t.equal(s.working().length, 2, 'one bid (listed once, as its current version) and the ask');
  t.equal(s.count('order_reprices_total'), 1);
  t.same(s.w.anomalies, []);
  // The next reprice amends the new version; its total counts what every version filled.
  s.m.onReply(s.venue.fill(bid, T0 + 310, 100, 900, 'late-a'), T0 + 310); // made before the amend took effect
  t.equal(s.w.fills.at(-1)?.coid, bid, 'a late fill of the old version is its own');
  t.equal(s.working().find((o) => o.side === 'bid')!.count, 1000, 'the venue said what rests after the amend: unchanged');
  s.m.onReply(
    { ...(s.venue.fill(bid, T0 + 320, 200, 800, 'b-1') as Extract<VenueReply, { kind: 'fill' }>), clientOrderId: req.newClientOrderId, price: 4400 },
    T0 + 320,
  );
  s.m.onBook(book(HOME, [[4300, 5000]], [[5500, 5000]]), T0 + 400);
  const second = amends(s)[1]!;
  t.same([second.clientOrderId, second.price, second.count], [req.newClientOrderId, 4300, 100 + 200 + 1000], 'filled 1 + 2, and 10 more wanted');
  t.equal(s.w.positions.at(-1)!.position, 300);
});

t.test('manager: a fill while the amend is on its way counts against the old version; the answer says what rests', async (t) => {
  const { s, bid, req } = amending();
  s.m.onReply(s.venue.fill(bid, T0 + 250, 400, 600), T0 + 250);
  t.equal(s.working().find((o) => o.side === 'bid')!.status, 'pending-amend');
  t.equal(bidPlaces(s).length, 1, 'nothing placed meanwhile');
  s.m.onReply(amended(req, T0 + 300, 600), T0 + 300);
  t.same(storyOf(s, bid).at(-1), 'amended:amended:4500x1000');
  t.equal(filledOf(s, bid), 400, 'the old version keeps its fill');
  t.same(storyOf(s, req.newClientOrderId), ['resting:amend:4400x600'], 'what the venue left resting: the total (10) less the 4 filled');
  t.same(
    s.w.fills.map((f) => [f.coid, f.count]),
    [[bid, 400]],
  );
  t.equal(s.w.positions.at(-1)!.position, 400);
  t.same(s.w.anomalies, []);
});

t.test('manager: fills on the way that reach the new total: nothing rests, the old version ends canceled, a new quote follows', async (t) => {
  const { s, bid, req } = amending();
  t.equal(req.count, 1000);
  s.m.onReply(s.venue.fill(bid, T0 + 250, 700, 300), T0 + 250);
  s.m.onReply(s.venue.fill(bid, T0 + 260, 300, 0), T0 + 260);
  t.equal(storyOf(s, bid).at(-1), 'filled:fill:4500x1000', 'filled in full before the amend took effect');
  t.equal(bidPlaces(s).length, 2, 'the order is over: the reprice places its replacement');
  t.equal(s.w.orders.at(-1)!.reason, 'replace');
  s.m.onReply(amendRejected(req, T0 + 300, 'already-filled'), T0 + 300);
  t.same(s.w.anomalies, [], 'the refusal that follows changes nothing');
  t.equal(bidPlaces(s).length, 2);

  // Kalshi-style: the amend took effect with nothing left (the safe reading: the total is a cap).
  const { s: s2, bid: bid2, req: req2 } = amending({}, { sizer: () => ({ ok: true, count: 1000 }) });
  s2.m.onReply(s2.venue.fill(bid2, T0 + 250, 600, 400), T0 + 250);
  s2.m.onReply(amended({ ...req2, count: 500 }, T0 + 300, 0), T0 + 300);
  t.equal(storyOf(s2, bid2).at(-1), 'canceled:amend-nothing-left:4500x1000');
  t.equal(filledOf(s2, bid2), 600);
  t.same(storyOf(s2, req2.newClientOrderId), [], 'no next version: it never rested');
  t.equal(bidPlaces(s2).length, 2, 'a new quote, once the venue said nothing rests');
  t.equal(s2.w.orders.at(-1)!.reason, 'replace');
  t.same(s2.w.anomalies, []);
});

t.test('manager: an amend refused because the order already filled waits for the fill; no second order meanwhile', async (t) => {
  const { s, bid, req } = amending();
  s.m.onReply(amendRejected(req, T0 + 300, 'already-filled'), T0 + 300);
  t.equal(s.working().find((o) => o.side === 'bid')!.status, 'pending-amend', 'the fill report is on its way');
  s.m.onBook(book(HOME, [[4300, 5000]], [[5500, 5000]]), T0 + 305);
  t.equal(bidPlaces(s).length, 1, 'no second bid on top of it');
  t.equal(amends(s).length, 1, 'and no second amend');
  s.m.onReply(s.venue.fill(bid, T0 + 310, 1000, 0), T0 + 310);
  t.equal(storyOf(s, bid).at(-1), 'filled:fill:4500x1000');
  t.equal(bidPlaces(s).length, 2, 'then the replacement');
  t.same(s.w.anomalies, []);
  t.same(s.w.positions.at(-1)!.position, 1000);
});

t.test('manager: a pull while the amend is on its way waits for the answer, then cancels what rests', async (t) => {
  const { s, req } = amending();
  s.m.onMarket({ ticker: HOME, status: 'inactive', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0 + 250);
  t.equal(s.venue.cancels().length, 1, 'the ask is cancelled at once');
  t.notOk(
    s.venue.cancels().some((c) => c.clientOrderId === req.clientOrderId),
    'nothing is sent for the bid while its amend is on its way',
  );
  s.m.onReply(amended(req, T0 + 300, 1000), T0 + 300);
  const c = s.venue.cancels().at(-1)!;
  t.equal(c.clientOrderId, req.newClientOrderId, 'the version that rests now is cancelled');
  t.same(storyOf(s, req.newClientOrderId), ['resting:amend:4400x1000', 'pending-cancel:market-paused:4400x1000']);
  s.m.onReply(s.venue.canceled(req.newClientOrderId, T0 + 400), T0 + 400);
  s.m.onReply(s.venue.canceled(s.venue.cancels()[0]!.clientOrderId, T0 + 400), T0 + 400);
  t.same(s.working(), [], 'nothing left working');

  // Refused as invalid: the old version rests again, and it is the one cancelled.
  const r = amending();
  r.s.m.pullAll('shutdown', T0 + 250);
  r.s.m.onReply(amendRejected(r.req, T0 + 300, 'invalid'), T0 + 300);
  t.equal(r.s.venue.cancels().at(-1)!.clientOrderId, r.bid);
  t.equal(storyOf(r.s, r.bid).at(-1), 'pending-cancel:shutdown:4500x1000');
});

t.test('manager: the market closes while the amend is on its way: canceled by the venue, the late refusal changes nothing', async (t) => {
  const { s, bid, req } = amending();
  s.m.onMarket({ ticker: HOME, status: 'closed', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, T0 + 250);
  t.same(
    s.venue.cancels().map((c) => c.clientOrderId),
    [s.venue.place(1).order.clientOrderId],
    'the ask is cancelled; the bid waits for its amend answer',
  );
  // The venue closes the market's orders before the amend arrives.
  s.m.onReply(s.venue.canceled(bid, T0 + 260, 0, 'market-closed'), T0 + 260);
  t.equal(storyOf(s, bid).at(-1), 'canceled:market-closed:4500x1000');
  s.m.onReply(amendRejected(req, T0 + 300, 'already-canceled'), T0 + 300);
  t.same(s.w.anomalies, []);
  t.equal(storyOf(s, bid).length, 4, 'no further record');
  s.m.onReply(s.venue.canceled(s.venue.place(1).order.clientOrderId, T0 + 300), T0 + 300);
  t.same(s.working(), [], 'nothing working, nothing placed on a closed market');
  t.equal(bidPlaces(s).length, 1);
});

t.test('manager: an amend refused as post-only-cross is a reprice signal: held until the next book, never a loop', async (t) => {
  const { s, bid, req } = amending();
  s.m.onReply(amendRejected(req, T0 + 300, 'post-only-cross'), T0 + 300);
  t.equal(storyOf(s, bid).at(-1), 'canceled:amend-rejected:post-only-cross:4500x1000');
  for (let i = 0; i < 30; i++) s.m.onOracleProb(prob(0.5 + (i % 2) * 0.001, T0 + 310 + i), T0 + 310 + i);
  t.equal(bidPlaces(s).length, 1, 'not placed again on the same book');
  t.equal(amends(s).length, 1);
  s.m.onBook(book(HOME, [[4300, 5000]], [[5500, 5000]]), T0 + 400);
  t.equal(bidPlaces(s).length, 2, 'a new book: the replacement');
  t.equal(s.w.orders.at(-1)!.reason, 'replace');
  s.m.onReply(s.venue.accepted(s.venue.place().order.clientOrderId, T0 + 500), T0 + 500);
  t.same(
    s.w.latencies.filter((l) => l.kind === 'reprice'),
    [{ kind: 'reprice', ms: 300 }],
    'reprice latency from the decision (+200) to the replacement resting (+500)',
  );
  t.equal(s.count('order_rejects_total'), 1);
});

t.test('manager: an amend refused as invalid falls back to cancel-replace for that order (no refusal loop)', async (t) => {
  const { s, bid, req } = amending();
  s.m.onReply(amendRejected(req, T0 + 300, 'invalid'), T0 + 300);
  t.same(storyOf(s, bid).slice(-2), ['resting:amend-rejected:invalid:4500x1000', 'pending-cancel:reprice:4500x1000']);
  t.equal(amends(s).length, 1, 'not amended again');
  s.m.onReply(s.venue.canceled(bid, T0 + 400), T0 + 400);
  t.equal(bidPlaces(s).length, 2);
  t.equal(s.venue.place().order.price, 4400);
  t.equal(s.w.orders.at(-1)!.reason, 'replace');
});

t.test('manager: the new version speaks before the amend is answered (live: fills outrun the REST reply)', async (t) => {
  const { s, bid, req } = amending();
  const fillB: VenueReply = {
    ...(s.venue.fill(bid, T0 + 250, 300, 700, 'b-1') as Extract<VenueReply, { kind: 'fill' }>),
    clientOrderId: req.newClientOrderId,
    price: 4400,
  };
  s.m.onReply(fillB, T0 + 250);
  t.same(storyOf(s, bid).at(-1), 'amended:amended:4500x1000', 'the amend took effect');
  t.same(storyOf(s, req.newClientOrderId), ['resting:amend:4400x1000', 'partial:fill:4400x1000']);
  s.m.onReply(amended(req, T0 + 300, 1000), T0 + 300);
  t.same(s.w.anomalies, [], "the amend's own answer afterwards is no news");
  t.equal(storyOf(s, req.newClientOrderId).length, 2);
  t.equal(s.w.positions.at(-1)!.position, 300);
});

t.test('manager: an amend taking effect on an order taken as finished: the new version is canceled, reported', async (t) => {
  const { s, bid, req } = amending();
  s.m.onReply(s.venue.canceled(bid, T0 + 260, 0, 'market-closed'), T0 + 260);
  s.m.onReply(amended(req, T0 + 300, 1000), T0 + 300);
  t.match(s.w.anomalies.join('\n'), /amend took effect on an order taken as finished/);
  t.equal(s.venue.cancels().at(-1)!.clientOrderId, req.newClientOrderId);
  s.m.onReply(s.venue.canceled(req.newClientOrderId, T0 + 400), T0 + 400);
  t.notOk(
    s.working().some((o) => o.clientOrderId === req.newClientOrderId),
    'nothing of it left working',
  );
  t.equal(s.working().filter((o) => o.side === 'bid').length, 1, 'only the quote placed after the cancel: one bid');
});

t.test('manager: limits check an amend as the replacement it is; refused, the quote is cancelled as cancel-replace would', async (t) => {
  const base = unlimited();
  const seen: Array<{ price: number; replaces?: unknown }> = [];
  const exposure: Exposure = {
    ...base,
    check: (c) => {
      seen.push({ price: c.price, ...(c.replaces ? { replaces: c.replaces } : {}) });
      return c.replaces ? { ok: false, reason: 'limit-position', detail: 'test' } : { ok: true };
    },
  };
  const { s, bid } = amending({}, { exposure });
  t.same(seen.at(-1), { price: 4400, replaces: { side: 'bid', price: 4500, remaining: 1000, placedTs: T0 } });
  t.equal(amends(s).length, 0);
  t.equal(s.venue.cancels().at(-1)!.clientOrderId, bid);
  t.equal(storyOf(s, bid).at(-1), 'pending-cancel:reprice:4500x1000');
});

t.test('manager: repriceBy cancel-replace (and absent) reprices by cancel as before', async (t) => {
  for (const over of [{ repriceBy: 'cancel-replace' as const }, {}]) {
    const s = session(over);
    standardOpen(s);
    for (const r of s.venue.requests) if (r.kind === 'place') s.m.onReply(s.venue.accepted(r.order.clientOrderId, T0 + 100), T0 + 100);
    s.m.onBook(book(HOME, [[4400, 5000]], [[5500, 5000]]), T0 + 200);
    t.equal(amends(s).length, 0);
    t.equal(s.venue.cancels().length, 1);
  }
});

// ------------------------------------------------------------------ the loop with the real shadow venue

function rig(over: Partial<ManagerOptions> = {}) {
  const clock = new ReplayClock();
  const v = new ShadowVenue({ latencyMs: L, queueModel: 'risk-averse', fees: KALSHI_FEES });
  const out: Array<Record<string, unknown> & { type: string }> = [];
  const warns: string[] = [];
  const loop = new QuoteLoop(
    clock,
    v,
    { mode: 'shadow', source: 'boltodds', method: 'shin', defaultFeeType: 'quadratic_with_maker_fees', queueModel: 'risk-averse' },
    { record: (r) => void out.push(r), warn: (m) => void warns.push(m), count: () => undefined },
  );
  const exposure = new PositionBook({ maxPositionContracts: 1000, maxGameLossDollars: 1000, maxDailyNotionalDollars: 100_000 });
  loop.manager = new QuoteManager({ ...DEFAULTS, ...over }, NO_KILLS, exposure, () => ({ ok: true, count: 1000 }), loop.sink());
  const feed = (r: Record<string, unknown>) => {
    const val = validateRecord(r);
    if (!val.ok) throw new Error(`test record invalid: ${val.reason} ${val.detail}`);
    clock.advanceTo(r.ts as number);
    loop.onRecord(val.record as AnyRecord);
  };
  const kbook = (ts: number, bids: Array<[number, number]>, asks: Array<[number, number]>, seq: number) =>
    feed({ type: 'kalshi.book', ts, recv_ts: ts, ticker: HOME, seq, bids, asks });
  const oracle = (ts: number, pHome: number) =>
    feed({
      type: 'oracle.prob',
      ts,
      source: 'boltodds',
      sport: 'nba',
      event: EVENT,
      home: 'Memphis Grizzlies',
      away: 'Denver Nuggets',
      commence_ts: COMMENCE,
      books: ['pinnacle'],
      method: 'shin',
      p_home: pHome,
      p_away: Math.round((1 - pHome) * 1e6) / 1e6,
      overround: 0.04,
    });
  const open = (pHome: number) => {
    feed({
      type: 'kalshi.market',
      ts: T0,
      ticker: HOME,
      event_ticker: 'KXNBAGAME-26JAN25DENMEM',
      series: 'KXNBAGAME',
      sport: 'nba',
      event: EVENT,
      team: 'mem',
      status: 'active',
      close_ts: COMMENCE + 6 * 3_600_000,
      price_ranges: [{ start: 0, end: 1, step: 0.01 }],
      fee_type: 'quadratic_with_maker_fees',
    });
    feed({ type: 'market.link', ts: T0, event: EVENT, sport: 'nba', side: 'home', ticker: HOME });
    oracle(T0, pHome);
    kbook(T0, [[0.45, 50]], [[0.55, 50]], 1);
  };
  /** Open shadow orders per side, each exchange order once (a client id of any version names it). */
  const openBySide = () => {
    const ids = new Set(out.filter((r) => r.type === 'order').map((r) => r.client_order_id as string));
    const seen = new Map<string, string>();
    for (const id of ids) {
      const o = v.order(id);
      if (o && o.status === 'open') seen.set(o.orderId, o.side);
    }
    return { bid: [...seen.values()].filter((s) => s === 'bid').length, ask: [...seen.values()].filter((s) => s === 'ask').length };
  };
  return { clock, venue: v, loop, out, warns, feed, kbook, oracle, open, openBySide };
}

t.test('loop: an oracle move reprices by amend: one order record chain, no cancel, never two quotes nor none', async (t) => {
  const r = rig({ repriceBy: 'amend', improveTicks: 3 });
  r.open(0.5);
  r.clock.advanceTo(T0 + 150);
  const bids = () => r.out.filter((x) => x.type === 'order' && x.action === 'buy');
  const first = bids()[0]!;
  t.equal(r.openBySide().bid, 1);
  r.oracle(T0 + 1000, 0.53);
  const worst = { two: 0, none: 0 };
  for (let now = T0 + 1001; now <= T0 + 1300; now++) {
    r.clock.advanceTo(now);
    const n = r.openBySide().bid;
    if (n > 1) worst.two++;
    if (n < 1) worst.none++;
  }
  t.same(worst, { two: 0, none: 0 }, 'at every millisecond of the reprice: exactly one bid at the venue');
  const chain = bids().map((x) => [x.client_order_id === first.client_order_id ? 'A' : 'B', x.status, x.reason, x.price, x.order_id ?? null]);
  const id = first.client_order_id as string;
  const orderId = bids()[1]!.order_id;
  t.ok(chain.length === 5, JSON.stringify(chain));
  t.same(chain.slice(2), [
    ['A', 'pending-amend', 'reprice', first.price, orderId],
    ['A', 'amended', 'amended', first.price, orderId],
    ['B', 'resting', 'amend', chain[4]![3], orderId],
  ]);
  t.ok((chain[4]![3] as number) > (first.price as number), `the bid moved up with the oracle (${String(first.price)} -> ${String(chain[4]![3])})`);
  t.notOk(
    r.out.some((x) => x.type === 'order' && x.action === 'buy' && (x.status === 'pending-cancel' || x.status === 'canceled')),
    'no cancel of the bid',
  );
  const lat = r.out.filter((x) => x.type === 'latency' && x.kind === 'reprice');
  t.same(
    lat.map((x) => x.ms),
    [100],
    'decided to resting: two one-way latencies (cancel-replace takes four)',
  );
  t.same([r.venue.order(id)?.status, r.venue.order(id)?.price], ['open', Math.round((chain[4]![3] as number) * 10_000)], 'the venue holds it at the new price');
  for (const x of r.out) {
    const val = validateRecord(x);
    if (!val.ok) t.fail(`invalid ${x.type}: ${val.detail}`);
  }
  t.same(r.warns, []);
  // Shutdown: the amended order is pulled like any other.
  r.loop.pullAll('shutdown');
  r.clock.advanceTo(T0 + 2000);
  t.same(r.loop.manager.workingOrders(), []);
  t.same(r.openBySide(), { bid: 0, ask: 0 });
});

t.test('loop: a fill at the venue while the amend is on its way: attributed to the old version, the rest amended', async (t) => {
  const r = rig({ repriceBy: 'amend', improveTicks: 3 });
  r.open(0.5);
  r.clock.advanceTo(T0 + 150);
  const bid = r.out.find((x) => x.type === 'order' && x.action === 'buy')!;
  r.oracle(T0 + 1000, 0.53);
  // The amend reaches the engine at +1050: a sale into our bid at +1020 comes first.
  r.feed({ type: 'kalshi.trade', ts: T0 + 1020, ticker: HOME, trade_id: 't1', price: bid.price, count: 4, taker_side: 'no' });
  r.clock.advanceTo(T0 + 1200);
  const fills = r.out.filter((x) => x.type === 'fill');
  t.same(
    fills.map((f) => [f.client_order_id, f.count, f.price]),
    [[bid.client_order_id, 4, bid.price]],
  );
  const next = r.out.filter((x) => x.type === 'order' && x.action === 'buy' && x.reason === 'amend');
  t.equal(next.length, 1);
  t.equal(next[0]!.remaining, 6, 'the total the amend asked for (10: nothing was known filled) less the 4 filled on its way');
  t.equal(next[0]!.count, 6);
  t.same(r.warns, []);
});

// ------------------------------------------------------------------ the command

const FIX = `${ROOT}test/fixtures/quote`;
const normalized = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l && !l.includes('"run.manifest"'))
    .map((l) => l.replace(/chs-[0-9a-f]{8}-/g, 'chs-FP-'))
    .join('\n') + '\n';

t.test('quote --reprice cancel-replace: the recorded session replays byte for byte as before amend existed', async (t) => {
  // The golden is the output of 06d581e (before amend) over the same session, with the run
  // manifest left out and the config fingerprint in client ids masked: adding the config key
  // quote.reprice changes every fingerprint, nothing else. Since then the protective
  // reaction is measured too (latency kind oracle-to-cancel, one record per protective
  // cancel): those records are the only addition, so they are left out of the comparison,
  // and counted.
  const golden = readFileSync(`${FIX}/cancel-replace.golden.ndjson`, 'utf8');
  const r = await run('quote', [
    '--config',
    `${FIX}/config.json`,
    '--shadow',
    '--replay',
    '--oracle',
    'boltodds/shin',
    '--reprice',
    'cancel-replace',
    `${FIX}/session.ndjson`,
  ]);
  t.equal(r.code, 0, r.stderr);
  const protective = r.stdout.split('\n').filter((l) => l.includes('"kind":"oracle-to-cancel"'));
  t.equal(protective.length, 4, 'one oracle-to-cancel record per protective cancel of the session');
  t.equal(
    normalized(
      r.stdout
        .split('\n')
        .filter((l) => !l.includes('"kind":"oracle-to-cancel"'))
        .join('\n'),
    ),
    golden,
  );
  const bad = await run('quote', [
    '--config',
    `${FIX}/config.json`,
    '--shadow',
    '--replay',
    '--oracle',
    'boltodds/shin',
    '--reprice',
    'decrease',
    `${FIX}/session.ndjson`,
  ]);
  t.equal(bad.code, 2, 'an unknown --reprice is a usage error');
});

t.test('quote: amend is the default; the same session reprices by amend, every record valid', async (t) => {
  const r = await run('quote', ['--config', `${FIX}/config.json`, '--shadow', '--replay', '--oracle', 'boltodds/shin', `${FIX}/session.ndjson`]);
  t.equal(r.code, 0, r.stderr);
  const orders = ofType(r.records, 'order');
  t.ok(
    orders.some((o) => o.status === 'amended'),
    'a quote amended in place',
  );
  t.notOk(
    orders.some((o) => o.status === 'pending-cancel' && o.reason === 'reprice'),
    'no reprice by cancel',
  );
  for (const x of r.records) {
    const v = validateRecord(x);
    if (!v.ok && x.type !== 'run.manifest') t.fail(`invalid ${String(x.type)}: ${v.detail}`);
  }
  t.match(r.stderr, /"reprice":"amend"/, 'the log says how it reprices');
  const again = await run('quote', ['--config', `${FIX}/config.json`, '--shadow', '--replay', '--oracle', 'boltodds/shin', `${FIX}/session.ndjson`]);
  t.equal(again.stdout, r.stdout, 'byte-identical on a second replay');
});

t.test('loop: random books, trades and oracle moves, repriced by amend: never two bids or asks at the venue, no anomaly, all final at the end', async (t) => {
  const { seededRandom } = await import('../../src/core/prng.js');
  for (let run = 0; run < 12; run++) {
    const rnd = seededRandom(20260607 + run);
    const r = rig({ repriceBy: 'amend', improveTicks: 2 });
    r.open(0.5);
    let now = T0;
    let seq = 1;
    let worst = 0;
    for (let step = 0; step < 400; step++) {
      now += 1 + Math.floor(rnd() * 40);
      const x = rnd();
      if (x < 0.3) r.oracle(now, Math.round((0.45 + rnd() * 0.1) * 1e4) / 1e4);
      else if (x < 0.6) {
        const bb = 40 + Math.floor(rnd() * 8);
        r.kbook(now, [[bb / 100, 1 + Math.floor(rnd() * 30)]], [[(bb + 3 + Math.floor(rnd() * 5)) / 100, 1 + Math.floor(rnd() * 30)]], ++seq);
      } else if (x < 0.85) {
        const p = (40 + Math.floor(rnd() * 20)) / 100;
        r.feed({
          type: 'kalshi.trade',
          ts: now,
          ticker: HOME,
          trade_id: `t${step}`,
          price: p,
          count: 1 + Math.floor(rnd() * 8),
          taker_side: rnd() < 0.5 ? 'yes' : 'no',
        });
      } else r.clock.advanceTo(now);
      const o = r.openBySide();
      worst = Math.max(worst, o.bid, o.ask);
    }
    r.loop.pullAll('shutdown');
    r.clock.advanceTo(now + 5_000);
    t.ok(worst <= 1, `run ${run}: at most one order per side at the venue (saw ${worst})`);
    t.same(r.warns, [], `run ${run}: no anomaly`);
    t.same(r.loop.manager.workingOrders(), [], `run ${run}: every order final after the shutdown`);
    const amendedN = r.out.filter((y) => y.type === 'order' && y.status === 'amended').length;
    t.ok(amendedN > 0, `run ${run}: it amended (${amendedN})`);
    for (const y of r.out) {
      const v = validateRecord(y);
      if (!v.ok) t.fail(`run ${run}: invalid ${y.type}: ${v.detail}`);
    }
    // Fills are booked once: the position equals the signed sum of the fills.
    const fills = r.out.filter((y) => y.type === 'fill');
    const net = fills.reduce((a, f) => a + (f.action === 'buy' ? 1 : -1) * (f.count as number), 0);
    const pos = r.out.filter((y) => y.type === 'position').at(-1);
    t.equal(pos ? pos.position : 0, Math.round(net * 100) / 100, `run ${run}: position = fills`);
  }
});
