// What the quote manager needs of positions and limits, in one place: the fills booked
// (src/core/positions.ts), the limits checked before every order and the day's notional
// counted (src/core/risk-limits.ts).
import { Positions, type PositionSnapshot } from './positions.js';
import { DailyNotional, checkOrder, type Limits } from './risk-limits.js';
import type { Exposure, LimitCheck, PositionView } from './quote-manager.js';
import type { BookSide } from './trading.js';

function view(ticker: string, p: PositionSnapshot): PositionView {
  return { ticker, position: p.position, cost: p.costBasis, fees: p.fees, realized: p.realizedPnl - p.fees, settled: p.settled !== undefined, ...(p.settled ? { result: p.settled } : {}) };
}

export class PositionBook implements Exposure {
  readonly positions = new Positions();
  private readonly notional = new DailyNotional();
  /** Fills the position book refused (malformed, or after settlement): the caller reports them. */
  refused: string[] = [];

  constructor(private readonly limits: Limits) {}

  onFill(f: { ticker: string; side: BookSide; price: number; count: number; fee: number }): PositionView {
    const r = this.positions.onFill(f);
    if (!r.ok) {
      this.refused.push(r.detail);
      const cur = this.positions.get(f.ticker);
      return cur ? view(f.ticker, cur) : { ticker: f.ticker, position: 0, cost: 0, fees: 0, realized: 0, settled: false };
    }
    return view(f.ticker, r.position);
  }

  settle(ticker: string, result: 'yes' | 'no', now: number): PositionView | undefined {
    const r = this.positions.settle(ticker, result, now);
    if (!r.ok) return undefined;
    const s = r.settlement;
    return { ticker, position: s.position, cost: s.costBasis, fees: s.fees, realized: s.netPnl, settled: true, result };
  }

  check(
    candidate: { ticker: string; event: string; side: BookSide; price: number; count: number; replaces?: { side: BookSide; price: number; remaining: number; placedTs: number } },
    working: ReadonlyArray<{ ticker: string; side: BookSide; price: number; count: number }>,
    gameTickers: readonly string[],
    now: number,
  ): LimitCheck {
    const { event: _event, ...c } = candidate;
    const r = checkOrder({ candidate: c, positions: this.positions, working, gameTickers, notional: this.notional, now }, this.limits);
    return r.ok ? { ok: true } : { ok: false, reason: r.reason, detail: r.detail };
  }

  placed(o: { ticker: string; side: BookSide; price: number; count: number; replaces?: { side: BookSide; price: number; remaining: number; placedTs: number } }, now: number): void {
    this.notional.onPlace(now, o, o.replaces);
  }

  forget(ticker: string): void {
    this.positions.forget(ticker);
  }
}
