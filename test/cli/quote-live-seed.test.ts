// What a live start books from the exchange before its first quote: the account's
// positions (into the limits, at their average cost) and today's earlier orders of ours
// (into the daily notional, at their full size: never less than they committed).
import t from 'tap';
import { SystemClock } from '../../src/clock/clock.js';
import { seedDailyNotional, seedPositions } from '../../src/cli/quote-live.js';
import { PositionBook } from '../../src/core/position-book.js';
import { Logger, MemorySink } from '../../src/log/logger.js';

const TK = 'KXNBAGAME-26JAN25DENMEM-DEN';
const NOW = Date.UTC(2026, 0, 25, 20, 0, 0); // 15:00 Eastern
const book = () => new PositionBook({ maxPositionContracts: 100, maxGameLossDollars: 100, maxDailyNotionalDollars: 1000 });
const log = () => {
  const sink = new MemorySink();
  return { sink, log: new Logger({ cmd: 'quote', clock: new SystemClock(), sink, level: 'warn' }) };
};

t.test('positions: long YES and long NO at their average cost; unreadable ones are reported, not guessed', async (t) => {
  const b = book();
  const out: Array<Record<string, unknown>> = [];
  const l = log();
  seedPositions(
    {
      market_positions: [
        { ticker: TK, position_fp: '10.00', market_exposure_dollars: '4.2000', fees_paid_dollars: '0.0700' },
        { ticker: 'KXNBAGAME-26JAN25DENMEM-MEM', position_fp: '-4.00', market_exposure_dollars: '2.4000', fees_paid_dollars: '0' },
        { ticker: 'KXNBAGAME-26JAN25LALBOS-LAL', position_fp: '0.00', market_exposure_dollars: '0' },
        { ticker: 'KXNBAGAME-26JAN25LALBOS-BOS', position_fp: 'many' },
      ],
    },
    b,
    NOW,
    (r) => out.push(r),
    l.log,
  );
  t.match(b.get(TK), { position: 1000, cost: 4200 * 10, fees: 700 }, '10 YES at $0.42');
  t.match(b.get('KXNBAGAME-26JAN25DENMEM-MEM'), { position: -400 }, '4 NO');
  t.equal(b.get('KXNBAGAME-26JAN25LALBOS-LAL'), undefined, 'flat: nothing booked');
  t.equal(out.filter((r) => r.type === 'position').length, 2);
  t.match(
    out.filter((r) => r.type === 'reconcile'),
    [{ kind: 'startup', ticker: TK }, { kind: 'startup' }],
  );
  t.match(l.sink.lines.join('\n'), /position unreadable/);
});

t.test("today's earlier orders count toward the daily notional; yesterday's do not", async (t) => {
  const b = book();
  const out: Array<Record<string, unknown>> = [];
  const order = (created: number, side: string, price: string, count: string) => ({
    client_order_id: 'chl-x-1',
    ticker: TK,
    book_side: side,
    yes_price_dollars: price,
    initial_count_fp: count,
    created_time: new Date(created).toISOString(),
  });
  seedDailyNotional(
    {
      orders: [
        order(NOW - 3_600_000, 'bid', '0.4000', '10.00'), // $4.00
        order(NOW - 60_000, 'ask', '0.7000', '5.00'), // NO at 0.30: $1.50
        order(NOW - 20 * 3_600_000, 'bid', '0.5000', '100.00'), // yesterday (Eastern)
      ],
    },
    b,
    NOW,
    (r) => out.push(r),
    log().log,
  );
  t.equal(b.notional.total(NOW), 5.5 * 10_000, '$5.50 of today');
  t.match(out, [{ type: 'reconcile', kind: 'startup', detail: /2 order\(s\).*\$5\.50/ }]);
});
