// Review (issue 10): the quote loop with the real shadow venue (what `quote --shadow`
// runs), driven by records on the replay clock: races the manager-level scenario tests
// cannot show because they come from the venue's latency.
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { QuoteLoop } from '../../src/cli/quote-loop.js';
import { KALSHI_FEES } from '../../src/core/fees.js';
import { PositionBook } from '../../src/core/position-book.js';
import { QuoteManager, type ManagerOptions } from '../../src/core/quote-manager.js';
import { ShadowVenue } from '../../src/core/shadow-venue.js';
import { validateRecord, type AnyRecord } from '../../src/schema/index.js';
import { COMMENCE, DEFAULTS, EVENT, HOME, NO_KILLS, T0 } from '../helpers/quote.js';

function rig(over: Partial<ManagerOptions> = {}, maxDailyNotionalDollars = 100_000) {
  const clock = new ReplayClock();
  const venue = new ShadowVenue({ latencyMs: 50, queueModel: 'risk-averse', fees: KALSHI_FEES });
  const out: Array<Record<string, unknown> & { type: string }> = [];
  const warns: string[] = [];
  const loop = new QuoteLoop(
    clock,
    venue,
    { mode: 'shadow', source: 'boltodds', method: 'shin', defaultFeeType: 'quadratic_with_maker_fees', queueModel: 'risk-averse' },
    {
      record: (r) => {
        out.push(r);
      },
      warn: (m) => {
        warns.push(m);
      },
      count: () => undefined,
    },
  );
  const exposure = new PositionBook({ maxPositionContracts: 1000, maxGameLossDollars: 1000, maxDailyNotionalDollars });
  loop.manager = new QuoteManager({ ...DEFAULTS, ...over }, NO_KILLS, exposure, () => ({ ok: true, count: 1000 }), loop.sink());
  const feed = (r: Record<string, unknown>) => {
    const v = validateRecord(r);
    if (!v.ok) throw new Error(`test record invalid: ${v.reason} ${v.detail}`);
    clock.advanceTo(r.ts as number);
    loop.onRecord(v.record as AnyRecord);
  };
  const open = (pHome: number, asks: Array<[number, number]>) => {
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
    feed({
      type: 'oracle.prob',
      ts: T0,
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
    feed({ type: 'kalshi.book', ts: T0, recv_ts: T0, ticker: HOME, seq: 1, bids: [[0.45, 50]], asks });
  };
  return { clock, venue, loop, out, warns, feed, open };
}

t.test('review (loop): a shadow fill still in flight when kalshi.result arrives ends up in the settled position', async (t) => {
  const r = rig();
  r.open(0.5, [[0.55, 50]]);
  r.clock.advanceTo(T0 + 150); // bid 0.45 and ask 0.55 accepted at T0+100
  // 60 sold into the bid at 0.45: 50 ahead of us, 10 fill our bid at T0+200 (reported T0+250).
  r.feed({ type: 'kalshi.trade', ts: T0 + 200, ticker: HOME, trade_id: 'x1', price: 0.45, count: 60, taker_side: 'no' });
  r.feed({ type: 'kalshi.result', ts: T0 + 220, ticker: HOME, result: 'yes', settlement_value: 1 });
  r.clock.advanceTo(T0 + 10_000);
  const fills = r.out.filter((x) => x.type === 'fill');
  t.equal(fills.length, 1, 'the venue filled 10 at 0.45 before the result');
  const positions = r.out.filter((x) => x.type === 'position' && x.ticker === HOME);
  const last = positions.at(-1);
  t.equal(last?.state, 'settled', `the last position of a settled market is settled (records: ${JSON.stringify(positions.map((p) => p.state))})`);
  t.equal(last?.position, 0);
  t.ok(
    typeof last?.realized_pnl === 'number' && (last.realized_pnl as number) > 5,
    `bought 10 at 0.45, YES: about +$5.50 less the fee (got ${String(last?.realized_pnl)})`,
  );
});

t.test('review (loop): taker IOCs on a book that does not change are bounded (not one per round trip)', async (t) => {
  const r = rig({ takerEdge: 0.01 });
  r.open(0.6, [[0.55, 5]]); // 5 contracts at 0.55 with ~0.03 taker edge at fair 0.6
  r.clock.advanceTo(T0 + 10_000); // ten seconds, no new book
  const iocs = r.out.filter((x) => x.type === 'order' && x.tif === 'ioc' && x.status === 'submitted');
  const fills = r.out.filter((x) => x.type === 'fill' && x.liquidity === 'taker');
  t.equal(fills.length, 1, 'the displayed 5 taken once');
  t.ok(iocs.length <= 2, `IOCs sent in 10 s on one book: ${iocs.length}`);
});

t.test("review (loop): IOCs that cannot fill do not use up the day's notional and stop all quoting", async (t) => {
  const r = rig({ takerEdge: 0.01 }, 1000); // the default quote.max_daily_notional
  r.open(0.6, [[0.55, 5]]);
  r.clock.advanceTo(T0 + 300_000); // five quiet minutes on one book
  const notionalSkips = r.out.filter((x) => x.type === 'skip' && x.reason === 'limit-daily-notional');
  t.same(
    notionalSkips.map((x) => x.detail),
    [],
    'with $2.75 taken and two $4.50 quotes resting, the $1,000 daily notional is not reached',
  );
});
