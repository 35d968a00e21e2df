// The quote manager's view of positions and limits (its `Exposure`): Positions,
// checkOrder and DailyNotional behind five calls. Pure; time comes in as `now`.
//
// Limits come from configuration in contracts and dollars (quote.max_position,
// max_game_loss, max_daily_notional) and are converted to integer units once, exactly
// (limitsFromConfig); a value that is not a whole number of units is refused at
// construction (RangeError with the reason), never rounded.
import { PRICE_ONE } from './kalshi-fixed.js';
import { Positions, type PositionSnapshot } from './positions.js';
import { DailyNotional, checkOrder, limitsFromConfig, type Limits, type ReplacedOrder } from './risk-limits.js';
import type { BookSide } from './trading.js';
import type { Exposure, LimitCheck, PositionView } from './quote-manager.js';

function view(p: PositionSnapshot | undefined, ticker: string): PositionView {
  if (!p) return { ticker, position: 0, cost: 0, fees: 0, realized: 0, settled: false };
  return {
    ticker,
    position: p.position,
    cost: p.costBasis,
    fees: p.fees,
    realized: p.realizedPnl - p.fees,
    settled: p.settled !== undefined,
    ...(p.settled ? { result: p.settled } : {}),
  };
}

export class PositionBook implements Exposure {
  readonly limits: Limits;
  readonly positions = new Positions();
  readonly notional = new DailyNotional();
  /** placed() calls whose side was missing: counted at the larger possible commitment. */
  sideMissing = 0;

  constructor(cfg: { maxPositionContracts: number; maxGameLossDollars: number; maxDailyNotionalDollars: number }) {
    const r = limitsFromConfig(cfg);
    if (!r.ok) throw new RangeError(`quote limits: ${r.detail}`);
    this.limits = r.limits;
  }

  /** Book a fill; the ticker's position after it (with `refused` when it was not booked). */
  onFill(f: { ticker: string; side: BookSide; price: number; count: number; fee: number }, _now: number): PositionView {
    const r = this.positions.onFill(f);
    if (r.ok) return view(r.position, f.ticker);
    return { ...view(this.positions.get(f.ticker), f.ticker), refused: r.detail };
  }

  /** Settle a ticker; undefined when we never traded it or it was settled already (no second record). */
  settle(ticker: string, result: 'yes' | 'no', now: number): PositionView | undefined {
    const r = this.positions.settle(ticker, result, now);
    return r.ok ? view(this.positions.get(ticker), ticker) : undefined;
  }

  /** The limits before an order; `working` holds every order that may still fill (the candidate excluded). */
  check(
    candidate: { ticker: string; event?: string; side: BookSide; price: number; count: number; replaces?: ReplacedOrder },
    working: ReadonlyArray<{ ticker: string; side: BookSide; price: number; count: number }>,
    gameTickers: readonly string[],
    now: number,
  ): LimitCheck {
    const { event: _event, ...c } = candidate;
    return checkOrder({ candidate: c, positions: this.positions, working, gameTickers, notional: this.notional, now }, this.limits);
  }

  /**
   * An order was placed: it counts toward today's notional. `side` is required for the
   * notional of an ask (1 - price); when it is missing the larger of the two is counted,
   * so the limit is never under-counted, and `sideMissing` says so.
   */
  placed(o: { ticker: string; side?: BookSide; price: number; count: number; replaces?: ReplacedOrder }, now: number): void {
    if (o.side === 'bid' || o.side === 'ask') {
      this.notional.onPlace(now, { side: o.side, price: o.price, count: o.count }, o.replaces);
      return;
    }
    this.sideMissing++;
    const side: BookSide = o.price >= PRICE_ONE - o.price ? 'bid' : 'ask';
    this.notional.onPlace(now, { side, price: o.price, count: o.count });
  }

  /** Drop a settled ticker (an open position is never dropped). */
  forget(ticker: string): void {
    this.positions.forget(ticker);
  }

  get(ticker: string): PositionView | undefined {
    const p = this.positions.get(ticker);
    return p ? view(p, ticker) : undefined;
  }
}
