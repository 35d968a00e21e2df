import t from 'tap';
import { KALSHI_FEES, orderFee } from '../../src/core/fees.js';
import { KalshiBook } from '../../src/core/kalshi-book.js';
import { LINEAR_CENT } from '../../src/core/kalshi-fixed.js';
import { ShadowVenue, type ShadowVenueOptions } from '../../src/core/shadow-venue.js';
import type { BookView, MarketInfo, OrderSpec, VenueReply, VenueRequest } from '../../src/core/trading.js';

// Prices in PRICE_ONE units (4500 = $0.45), counts in COUNT_ONE units (100 = 1 contract).
const T = 'KXNBAGAME-26DEC07LALBOS-BOS';
const L = 50;

const info = (status = 'active', feeType: MarketInfo['feeType'] = 'quadratic_with_maker_fees', ticker = T): MarketInfo => ({
  ticker,
  status,
  feeType,
  grid: LINEAR_CENT,
});
const book = (bids: Array<[number, number]>, asks: Array<[number, number]>, ticker = T): BookView => ({ ticker, bids, asks });
const venue = (o: Partial<ShadowVenueOptions> = {}) => new ShadowVenue({ latencyMs: L, queueModel: 'risk-averse', fees: KALSHI_FEES, ...o });
const place = (
  id: string,
  side: 'bid' | 'ask',
  price: number,
  count: number,
  tif: 'gtc' | 'ioc' = 'gtc',
  postOnly = tif === 'gtc',
  ticker = T,
): VenueRequest => ({
  kind: 'place',
  order: { clientOrderId: id, ticker, side, price, count, tif, postOnly } satisfies OrderSpec,
});
const cancel = (id: string, ticker = T): VenueRequest => ({ kind: 'cancel', clientOrderId: id, ticker });
const tradeNo = (price: number, count: number, id = 'x') => ({ ticker: T, tradeId: id, price, count, takerSide: 'no' as const });
const tradeYes = (price: number, count: number, id = 'x') => ({ ticker: T, tradeId: id, price, count, takerSide: 'yes' as const });
/** A fill's fee in PRICE_ONE units of one order filled at once (fees.ts). */
const oneOrderFee = (price: number, count: number, liquidity: 'maker' | 'taker') => {
  const r = orderFee(KALSHI_FEES, { price: price / 10_000, count: count / 100, liquidity, fee_type: 'quadratic_with_maker_fees' });
  if (!r.ok) throw new Error(r.detail);
  return r.micro / 100;
};
const fills = (rs: VenueReply[]) => rs.filter((r): r is Extract<VenueReply, { kind: 'fill' }> => r.kind === 'fill');
const brief = (rs: VenueReply[]) =>
  rs.map((r) => {
    switch (r.kind) {
      case 'fill':
        return `${r.ts} fill ${r.clientOrderId} ${r.side} ${r.count}@${r.price} rem ${r.remaining} ${r.liquidity} fee ${r.fee}`;
      case 'accepted':
        return `${r.ts} accepted ${r.clientOrderId} rem ${r.remaining}`;
      case 'canceled':
        return `${r.ts} canceled ${r.clientOrderId} ${r.cause}`;
      case 'rejected':
        return `${r.ts} rejected ${r.clientOrderId} ${r.reason}`;
      case 'cancel-rejected':
        return `${r.ts} cancel-rejected ${r.clientOrderId} ${r.reason}`;
      case 'amended':
        return `${r.ts} amended ${r.clientOrderId} -> ${r.newClientOrderId} ${r.count}@${r.price} rem ${r.remaining}`;
      case 'amend-rejected':
        return `${r.ts} amend-rejected ${r.clientOrderId} ${r.reason}`;
    }
  });

/** A venue with the market open and a book: bids 45c x10, asks 47c x5. */
function setup(o: Partial<ShadowVenueOptions> = {}) {
  const v = venue(o);
  v.onMarket(info(), 0);
  v.onBook(book([[4500, 1000]], [[4700, 500]]), 0);
  return v;
}

t.test('latency on both legs: arrival after latencyMs, every reply latencyMs after its engine event', async (t) => {
  const v = setup();
  t.equal(v.next(), undefined, 'idle');
  v.submit(place('a', 'bid', 4500, 500), 1000);
  t.equal(v.next(), 1050, 'the place reaches the engine at 1050');
  t.same(v.replies(1049), []);
  t.same(v.replies(1050), [], 'accepted at the engine at 1050, not yet back');
  t.equal(v.next(), 1100);
  t.same(v.replies(1100), [{ kind: 'accepted', ts: 1100, clientOrderId: 'a', orderId: 'shadow-1', ticker: T, remaining: 500 }]);
  t.equal(v.order('a')?.ahead, 1000, 'the 10 displayed contracts at 45c are ahead of us');
  t.equal(v.next(), undefined);

  // 12 sold into the bid at 45c: 10 ahead, 2 reach us. The fill is known 50 ms later.
  v.onTrade(tradeNo(4500, 1200), 2000);
  t.equal(v.next(), 2050);
  t.same(v.replies(2049), []);
  const f1 = v.replies(2050);
  t.same(
    f1,
    [
      {
        kind: 'fill',
        ts: 2050,
        clientOrderId: 'a',
        orderId: 'shadow-1',
        ticker: T,
        tradeId: 'shadow-1-1',
        side: 'bid',
        price: 4500,
        count: 200,
        remaining: 300,
        liquidity: 'maker',
        fee: 100,
        queueModel: 'risk-averse',
      },
    ],
    'maker fee of 2 @ 0.45: 0.0175 x 2 x 0.2475 = 0.0087 -> $0.01',
  );
  v.onTrade(tradeNo(4500, 400), 2100);
  const f2 = fills(v.replies(2150));
  t.equal(f2.length, 1);
  t.match(f2[0], { tradeId: 'shadow-1-2', count: 300, remaining: 0, fee: 200 });
  t.equal(200 + 300, 500, 'partial fills sum to the order');
  t.equal(
    f1[0]!.kind === 'fill' ? f1[0]!.fee + f2[0]!.fee : -1,
    oneOrderFee(4500, 500, 'maker'),
    'fees of the fills sum to the fee of one order (rounded per order)',
  );
  t.equal(v.order('a')?.status, 'filled');
});

t.test('zero latency: the reply is there at the time of the request', async (t) => {
  const v = setup({ latencyMs: 0 });
  v.submit(place('a', 'bid', 4600, 100), 100);
  t.equal(v.next(), 100);
  t.same(brief(v.replies(100)), ['100 accepted a rem 100']);
  v.onTrade(tradeNo(4600, 100), 150);
  t.same(brief(v.replies(150)), ['150 fill a bid 100@4600 rem 0 maker fee 100']);
});

t.test('internal events due by now run before a book at now', async (t) => {
  const v = setup();
  v.submit(place('a', 'bid', 4500, 100), 0); // arrives at 50
  v.onBook(book([[4500, 3000]], [[4700, 500]]), 50);
  t.equal(v.order('a')?.ahead, 1000, 'the order arrived first and saw 10 ahead; 20 more joined behind it');
  v.submit(place('b', 'bid', 4500, 100), 60); // arrives at 110
  v.onBook(book([[4500, 3500]], [[4700, 500]]), 109);
  t.equal(v.order('b'), undefined, 'not arrived yet at 109');
  v.onBook(book([[4500, 3500]], [[4700, 500]]), 110);
  t.equal(v.order('b')?.ahead, 3500);
});

t.test('a trade not on our side, or not at or through our price, does not move or fill us', async (t) => {
  const v = setup();
  v.submit(place('a', 'bid', 4500, 500), 0);
  v.replies(100);
  v.onTrade(tradeYes(4500, 5000), 200); // a taker bought YES: it lifted asks, not our bid
  v.onTrade(tradeNo(4600, 5000), 210); // sold at 46c: above our bid
  t.same(v.replies(1000), []);
  t.equal(v.order('a')?.ahead, 1000);
});

t.test('a trade through our price fills up to its size whatever the queue', async (t) => {
  const v = setup();
  v.submit(place('a', 'bid', 4500, 500), 0);
  v.replies(100);
  v.onTrade(tradeNo(4400, 300), 200);
  t.same(brief(v.replies(250)), ['250 fill a bid 300@4500 rem 200 maker fee 200']);
  v.onTrade(tradeNo(4400, 1000), 300);
  t.same(brief(v.replies(350)), ['350 fill a bid 200@4500 rem 0 maker fee 100']);
});

t.test('the book crossing a resting order fills up to the crossed size, once', async (t) => {
  const v = setup();
  v.submit(place('a', 'bid', 4500, 500), 0);
  v.replies(100);
  // Asks at 44c x2 and 45c x1 appear: 3 crossed our bid at 45c. A maker fill at our price.
  v.onBook(
    book(
      [[4300, 1000]],
      [
        [4400, 200],
        [4500, 100],
        [4600, 1000],
      ],
    ),
    200,
  );
  t.same(brief(v.replies(250)), ['250 fill a bid 300@4500 rem 200 maker fee 200']);
  v.onBook(
    book(
      [[4300, 1000]],
      [
        [4400, 200],
        [4500, 100],
        [4600, 1000],
      ],
    ),
    300,
  );
  t.same(v.replies(350), [], 'the same crossing liquidity does not fill twice');
  // A taker lifts the 45c ask we already matched: its trade is on the ask side, not ours.
  v.onTrade(tradeYes(4500, 100), 400);
  t.same(v.replies(450), [], 'the trade of the crossed ask is not counted again');
  v.onBook(
    book(
      [[4300, 1000]],
      [
        [4400, 50],
        [4600, 1000],
      ],
    ),
    500,
  );
  t.same(v.replies(550), [], '44c shrank to 0.5 below what we took; 45c gone');
  v.onBook(
    book(
      [[4300, 1000]],
      [
        [4400, 600],
        [4600, 1000],
      ],
    ),
    600,
  );
  t.same(brief(v.replies(650)), ['650 fill a bid 200@4500 rem 0 maker fee 100'], '44c grew to 6: 5.5 new, 2 fill us');
});

t.test('post-only orders that would cross the displayed book are rejected, bid and ask', async (t) => {
  const v = setup();
  v.submit(place('b', 'bid', 4700, 100), 0);
  v.submit(place('a', 'ask', 4500, 100), 0);
  v.submit(place('ok1', 'bid', 4600, 100), 0);
  v.submit(place('ok2', 'ask', 4600, 100), 0);
  t.same(brief(v.replies(100)), ['100 rejected b post-only-cross', '100 rejected a post-only-cross', '100 accepted ok1 rem 100', '100 accepted ok2 rem 100']);
  t.equal(v.order('ok1')?.ahead, 0, 'an empty level: first in the queue');
});

t.test('ask side: a YES ask at p queues with the NO bids at 1 - p', async (t) => {
  // Kalshi's book: YES bids 45c x10, NO bids 53c x8. The NO bid at 53c is a YES ask at 47c.
  const kb = new KalshiBook(T, { useYesPrice: false, grid: LINEAR_CENT, depth: 10 });
  t.ok(kb.snapshot([['0.4500', '10.00']], [['0.5300', '8.00']]).ok);
  const view = (): BookView => ({ ticker: T, ...kb.top() });
  t.same(view(), { ticker: T, bids: [[4500, 1000]], asks: [[4700, 800]] });
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(view(), 0);
  v.submit(place('k', 'ask', 4700, 300), 0);
  v.submit(place('b', 'bid', 4500, 300), 0);
  v.replies(100);
  t.equal(v.order('k')?.ahead, 800, 'the 8 NO bids at 53c are ahead of our YES ask at 47c');
  t.equal(v.order('b')?.ahead, 1000, 'the 10 YES bids at 45c are ahead of our YES bid');
  v.onTrade(tradeNo(4700, 1000), 200);
  t.same(v.replies(250), [], 'a taker buying NO hits YES bids, never our ask');
  // A taker buys 10 YES at 47c (matching the NO bids at 53c): 8 ahead, 2 reach us.
  v.onTrade(tradeYes(4700, 1000), 300);
  t.same(brief(v.replies(350)), ['350 fill k ask 200@4700 rem 100 maker fee 100']);
  t.equal(v.order('b')?.ahead, 1000, 'the bid did not move');
  // 3 NO bids at 53c are canceled: the YES ask level shrinks; we are at the front already.
  t.ok(kb.delta('no', '0.5300', '-3.00').ok);
  v.onBook(view(), 400);
  t.equal(v.order('k')?.ahead, 0);
  v.onTrade(tradeYes(4700, 50), 500);
  t.same(brief(v.replies(550)), ['550 fill k ask 50@4700 rem 50 maker fee 100'], 'per-order cent rounding: 2.5 contracts owe 0.0109 -> 2c, 1c charged before');
  // A YES bid at 48c appears above our ask at 47c: the book crosses it.
  t.ok(kb.delta('yes', '0.4800', '4.00').ok);
  v.onBook(view(), 600);
  t.same(brief(v.replies(650)), ['650 fill k ask 50@4700 rem 0 maker fee 0'], '3 contracts owe 0.0131 -> still 2c');
  // And a NO bid at 56c (a YES ask at 44c) crosses our YES bid at 45c.
  t.ok(kb.delta('no', '0.5600', '1.50').ok);
  v.onBook(view(), 700);
  t.same(view().asks[0], [4400, 150]);
  t.same(brief(v.replies(750)), ['750 fill b bid 150@4500 rem 150 maker fee 100']);
});

t.test('ioc: walks the displayed levels up to the limit, never more than displayed; remainder canceled', async (t) => {
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(
    book(
      [
        [4500, 1000],
        [4400, 200],
      ],
      [
        [4700, 500],
        [4800, 300],
        [5000, 1000],
      ],
    ),
    0,
  );
  v.submit(place('i', 'bid', 4800, 1000, 'ioc'), 0);
  const r = v.replies(100);
  t.same(
    brief(r),
    [
      '100 accepted i rem 1000',
      '100 fill i bid 500@4700 rem 500 taker fee 900',
      '100 fill i bid 300@4800 rem 200 taker fee 500',
      '100 canceled i ioc-remainder',
    ],
    'taker 5 @ .47 = 0.0872 -> 9c; with 3 @ .48 the order owes 0.1396 -> 14c, 5c more',
  );
  t.same(
    fills(r).map((f) => f.tradeId),
    ['shadow-1-1', 'shadow-1-2'],
  );
  t.match(r[3], { kind: 'canceled', remaining: 0 });
  t.equal(900 + 500, oneOrderFee(4700, 500, 'taker') + 500, 'first level alone rounds as one order');
  // The liquidity we took stays taken while the book still shows it.
  v.submit(place('j', 'bid', 4800, 1000, 'ioc'), 200);
  t.same(brief(v.replies(300)), ['300 accepted j rem 1000', '300 canceled j ioc-remainder']);
  v.onBook(
    book(
      [
        [4500, 1000],
        [4400, 200],
      ],
      [
        [4700, 500],
        [4800, 300],
        [5000, 1000],
      ],
    ),
    400,
  );
  v.submit(place('k', 'bid', 4800, 1000, 'ioc'), 400);
  t.same(brief(v.replies(500)), ['500 accepted k rem 1000', '500 canceled k ioc-remainder'], 'an unchanged book does not give it back');
  // 47c grows to 9: 4 new contracts.
  v.onBook(
    book(
      [
        [4500, 1000],
        [4400, 200],
      ],
      [
        [4700, 900],
        [4800, 300],
        [5000, 1000],
      ],
    ),
    600,
  );
  v.submit(place('l', 'bid', 4700, 1000, 'ioc'), 600);
  t.same(brief(v.replies(700)), ['700 accepted l rem 1000', '700 fill l bid 400@4700 rem 600 taker fee 700', '700 canceled l ioc-remainder']);
  // Selling: walks the bids down to the limit.
  v.submit(place('s', 'ask', 4400, 1500, 'ioc'), 800);
  t.same(brief(v.replies(900)), [
    '900 accepted s rem 1500',
    '900 fill s ask 1000@4500 rem 500 taker fee 1800',
    '900 fill s ask 200@4400 rem 300 taker fee 300',
    '900 canceled s ioc-remainder',
  ]);
});

t.test('a gtc that is not post-only takes what crosses, then rests', async (t) => {
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(book([[4500, 1000]], [[4700, 200]]), 0);
  v.submit(place('g', 'bid', 4700, 500, 'gtc', false), 0);
  t.same(brief(v.replies(100)), ['100 accepted g rem 500', '100 fill g bid 200@4700 rem 300 taker fee 400']);
  t.match(v.order('g'), { status: 'open', remaining: 300, ahead: 0 });
  v.onTrade(tradeNo(4700, 100), 200);
  t.same(brief(v.replies(250)), ['250 fill g bid 100@4700 rem 200 maker fee 0'], 'taker 0.0349 + maker 0.0044 on one order: still 4c');
});

t.test('one trade is shared among our orders in price-time priority', async (t) => {
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(book([[4400, 1000]], [[4800, 500]]), 0);
  v.submit(place('a', 'bid', 4500, 300), 0);
  v.submit(place('b', 'bid', 4600, 200), 0);
  v.submit(place('c', 'bid', 4500, 300), 0);
  v.replies(100);
  v.onTrade(tradeNo(4500, 600), 200);
  t.same(
    brief(v.replies(250)),
    ['250 fill b bid 200@4600 rem 0 maker fee 100', '250 fill a bid 300@4500 rem 0 maker fee 200', '250 fill c bid 100@4500 rem 200 maker fee 100'],
    '6 traded: 2 to the better price, then 3 and 1 in arrival order',
  );
});

t.test('cancel/fill race: a fill lands while the cancel is in flight', async (t) => {
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(book([], [[4700, 500]]), 0);
  v.submit(place('a', 'bid', 4500, 500), 0);
  v.submit(place('p', 'bid', 4400, 500), 0);
  v.replies(100);
  v.submit(cancel('a'), 1000);
  v.submit(cancel('p'), 1000);
  v.onTrade(tradeNo(4500, 500), 1020); // fills a fully before its cancel arrives at 1050
  v.onTrade(tradeNo(4400, 200), 1030); // fills 2 of p before its cancel arrives
  t.same(brief(v.replies(1100)), [
    '1070 fill a bid 500@4500 rem 0 maker fee 300',
    '1080 fill p bid 200@4400 rem 300 maker fee 100',
    '1100 cancel-rejected a already-filled',
    '1100 canceled p requested',
  ]);
  t.match(v.order('p'), { status: 'canceled', remaining: 300 });
});

t.test('cancel/fill race: the cancel arrives first, later trades miss', async (t) => {
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(book([], [[4700, 500]]), 0);
  v.submit(place('a', 'bid', 4500, 500), 0);
  v.replies(100);
  v.submit(cancel('a'), 1000); // arrives 1050
  v.onTrade(tradeNo(4500, 500), 1050); // at the same time: the cancel (due by now) runs first
  v.onTrade(tradeNo(4400, 500), 1060);
  t.same(brief(v.replies(1200)), ['1100 canceled a requested']);
});

t.test('market pause and close: resting orders canceled, new orders rejected', async (t) => {
  const v = setup();
  v.submit(place('a', 'bid', 4500, 500), 0);
  v.submit(place('b', 'ask', 4800, 500), 0);
  v.replies(100);
  v.onMarket(info('inactive'), 500);
  t.same(brief(v.replies(550)), ['550 canceled a market-closed', '550 canceled b market-closed']);
  v.submit(place('c', 'bid', 4500, 100), 600);
  v.submit(cancel('a'), 600);
  const r = v.replies(700);
  t.same(brief(r), ['700 rejected c market-closed', '700 cancel-rejected a already-canceled']);
  t.match(r[0], { detail: 'status inactive' });
  v.onMarket(info('active'), 800);
  v.submit(place('d', 'bid', 4500, 100), 800);
  t.same(brief(v.replies(900)), ['900 accepted d rem 100']);
  v.submit(place('e', 'bid', 4400, 100), 900); // in flight when the market closes at 920
  v.onMarket(info('closed'), 920);
  t.same(brief(v.replies(1000)), ['970 canceled d market-closed', '1000 rejected e market-closed']);
  v.onTrade(tradeNo(4300, 10_000), 1100);
  t.same(v.replies(2000), [], 'nothing rests on a closed market');
});

t.test('orders the engine cannot take: unknown market, off grid, invalid, unsupported fee type', async (t) => {
  const v = setup();
  v.onMarket(info('active', 'flat', 'KXNHLGAME-FLAT'), 0);
  v.submit(place('u', 'bid', 4500, 100, 'gtc', true, 'KXNOPE'), 0);
  v.submit(place('g', 'bid', 4550, 100), 0);
  v.submit(place('z', 'bid', 4500, 0), 0);
  v.submit(place('f', 'bid', 4500, 100, 'gtc', true, 'KXNHLGAME-FLAT'), 0);
  const r = v.replies(100);
  t.same(brief(r), ['100 rejected u market-unknown', '100 rejected g off-grid', '100 rejected z invalid', '100 rejected f invalid']);
  t.match(r[1], { detail: /not on the linear_cent grid/ });
  t.match(r[3], { detail: /flat/ });
});

t.test('unknown and duplicate cancels; duplicate client order ids; finished orders expire', async (t) => {
  const v = setup({ retainFinishedMs: 1000 });
  v.submit(cancel('nope'), 0);
  v.submit(place('a', 'bid', 4500, 100), 0);
  v.submit(place('a', 'bid', 4400, 100), 0);
  v.submit(cancel('a', 'KXOTHER'), 0);
  v.submit(cancel('a'), 0);
  v.submit(cancel('a'), 0);
  t.same(brief(v.replies(100)), [
    '100 cancel-rejected nope unknown-order',
    '100 accepted a rem 100',
    '100 rejected a duplicate-client-order-id',
    '100 cancel-rejected a unknown-order',
    '100 canceled a requested',
    '100 cancel-rejected a already-canceled',
  ]);
  v.submit(cancel('a'), 1100); // finished at 50, forgotten at 1050
  t.same(brief(v.replies(1200)), ['1200 cancel-rejected a unknown-order']);
});

t.test('prob model: fills name it, and it moves us up on cancels the risk-averse model puts behind us', async (t) => {
  const run = (queueModel: 'risk-averse' | 'prob') => {
    const v = setup({ queueModel });
    v.submit(place('a', 'bid', 4500, 500), 0); // 10 ahead
    v.onBook(book([[4500, 2000]], [[4700, 500]]), 100); // 10 join behind
    v.onBook(book([[4500, 1000]], [[4700, 500]]), 200); // 10 cancel
    const ahead = v.order('a')!.ahead;
    v.onTrade(tradeNo(4500, 800), 300);
    return { ahead, fills: fills(v.replies(1000)) };
  };
  const ra = run('risk-averse');
  const pr = run('prob');
  t.equal(ra.ahead, 1000, 'risk-averse: all 10 canceled were behind us');
  t.equal(pr.ahead, 500, 'prob: 10 ahead, 10 behind: half of the 10 canceled were ahead');
  t.same(ra.fills, [], '8 traded, 10 ahead');
  t.equal(pr.fills.length, 1);
  t.match(pr.fills[0], { count: 300, remaining: 200, queueModel: 'prob' }, '8 traded, 5 ahead: 3 reach us');
});

t.test('determinism: the same inputs give the same replies', async (t) => {
  const script = (queueModel: 'risk-averse' | 'prob') => {
    const v = setup({ queueModel, orderIdPrefix: 'sh' });
    const out: VenueReply[] = [];
    v.submit(place('a', 'bid', 4500, 700), 0);
    v.submit(place('b', 'ask', 4700, 400), 10);
    v.submit(place('c', 'bid', 4700, 300, 'ioc'), 20);
    out.push(...v.replies(100));
    v.onBook(
      book(
        [
          [4500, 1500],
          [4400, 300],
        ],
        [[4700, 900]],
      ),
      150,
    );
    v.onTrade(tradeNo(4500, 700), 160);
    v.onBook(
      book(
        [
          [4500, 600],
          [4400, 300],
        ],
        [[4700, 900]],
      ),
      170,
    );
    v.submit(cancel('a'), 180);
    v.onTrade(tradeNo(4500, 900), 200);
    v.onTrade(tradeYes(4700, 1200), 210);
    v.onBook(book([[4800, 100]], [[4900, 900]]), 220);
    out.push(...v.replies(230));
    out.push(...v.replies(10_000));
    return out;
  };
  for (const m of ['risk-averse', 'prob'] as const) {
    const a = script(m);
    const b = script(m);
    t.ok(a.length > 5, `${m}: ${a.length} replies`);
    t.equal(JSON.stringify(a), JSON.stringify(b), m);
    t.ok(fills(a).every((f) => f.queueModel === m && /^sh-\d+-\d+$/.test(f.tradeId)));
    const ts = a.map((r) => r.ts);
    t.same(
      ts,
      [...ts].sort((x, y) => x - y),
      'replies in time order',
    );
  }
});

t.test('time never goes backwards; next() is the earliest pending arrival or reply', async (t) => {
  const v = setup();
  v.submit(place('a', 'bid', 4500, 100), 1000);
  v.submit(place('b', 'bid', 4400, 100), 900); // an earlier now counts as 1000
  t.equal(v.next(), 1050);
  v.replies(1050);
  t.equal(v.next(), 1100);
  t.same(brief(v.replies(1100)), ['1100 accepted a rem 100', '1100 accepted b rem 100']);
  t.equal(v.next(), undefined);
});

t.test('market data it cannot use is counted, never a crash; unsorted levels are sorted', async (t) => {
  const v = venue();
  v.onMarket(info(), 0);
  v.onBook(
    book(
      [
        [4400, 200],
        [4500, 100],
        [4500, 700],
        [4550.5, 100],
        [4300, -1],
        [4200, 0],
      ],
      [
        [4800, 300],
        [4700, 100],
        [10_000, 5],
      ],
    ),
    0,
  );
  t.same(v.faults(), { 'duplicate-book-level': 1, 'bad-book-level': 3 });
  v.onTrade({ ticker: T, tradeId: 'q', price: 4500, count: 1.5, takerSide: 'no' }, 0);
  v.onTrade({ ticker: T, tradeId: 'q', price: 4500, count: 100, takerSide: 'maybe' as never }, 0);
  t.same(v.faults(), { 'duplicate-book-level': 1, 'bad-book-level': 3, 'bad-trade': 2 });
  v.onTrade({ ticker: 'KXELSEWHERE', tradeId: 'q', price: 4500, count: 100, takerSide: 'no' }, 0);
  t.equal(v.faults()['bad-trade'], 2, 'a trade of a market we do not trade is not a fault');
  // The asks came worst first; the ioc still walks 47c before 48c.
  v.submit(place('i', 'bid', 4800, 200, 'ioc'), 0);
  v.submit(place('b', 'bid', 4500, 100), 0);
  t.same(brief(v.replies(100)), [
    '100 accepted i rem 200',
    '100 fill i bid 100@4700 rem 100 taker fee 200',
    '100 fill i bid 100@4800 rem 0 taker fee 200',
    '100 accepted b rem 100',
  ]);
  t.equal(v.order('b')?.ahead, 100, 'the first size of a duplicated level is kept');
});

t.test('an ioc order cannot be post-only', async (t) => {
  const v = setup();
  v.submit(place('i', 'bid', 4700, 100, 'ioc', true), 0);
  const r = v.replies(100);
  t.same(brief(r), ['100 rejected i invalid']);
  t.match(r[0], { detail: /ioc.*post-only/ });
});

t.test('constructor refuses a bad latency or queue model', async (t) => {
  t.throws(() => venue({ latencyMs: -1 }), /latencyMs/);
  t.throws(() => venue({ latencyMs: Number.NaN }), /latencyMs/);
  t.throws(() => venue({ queueModel: 'fifo' as never }), /queue model/);
});

t.test('a settled market: its open orders end market-closed and its state goes', async (t) => {
  const { ShadowVenue } = await import('../../src/core/shadow-venue.js');
  const { KALSHI_FEES } = await import('../../src/core/fees.js');
  const { LINEAR_CENT } = await import('../../src/core/kalshi-fixed.js');
  const v = new ShadowVenue({ latencyMs: 10, queueModel: 'risk-averse', fees: KALSHI_FEES });
  v.onMarket({ ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', status: 'active', feeType: 'quadratic_with_maker_fees', grid: LINEAR_CENT }, 0);
  v.onBook({ ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', bids: [[4500, 1000]], asks: [[5500, 1000]] }, 0);
  v.submit(
    { kind: 'place', order: { clientOrderId: 'c1', ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', side: 'bid', price: 4500, count: 100, tif: 'gtc', postOnly: true } },
    0,
  );
  t.same(
    v.replies(20).map((r) => r.kind),
    ['accepted'],
  );
  v.onResult('KXNBAGAME-26JAN25DENMEM-MEM', 30);
  t.equal(v.marketCount, 0);
  const r = v.replies(40);
  t.same(
    r.map((x) => [x.kind, x.kind === 'canceled' ? x.cause : '']),
    [['canceled', 'market-closed']],
  );
  v.submit(
    { kind: 'place', order: { clientOrderId: 'c2', ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', side: 'bid', price: 4500, count: 100, tif: 'gtc', postOnly: true } },
    50,
  );
  t.same(
    v.replies(80).map((x) => (x.kind === 'rejected' ? x.reason : x.kind)),
    ['market-unknown'],
  );
});
