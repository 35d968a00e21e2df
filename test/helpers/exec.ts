// The live venue's core alone (src/core/exec-venue.ts): one core with its actions, side
// records, warnings and counts collected, and the wire shapes the tests feed it.
import { ExecCore, type ExecAction, type ExecEvent } from '../../src/core/exec-venue.js';
import type { OrderSpec, VenueReply } from '../../src/core/trading.js';

export const TK = 'KXNBAGAME-26JAN25DENMEM-DEN';

export function rig(o: { ackTimeoutMs?: number } = {}) {
  const actions: ExecAction[] = [];
  const records: Array<Record<string, unknown>> = [];
  const warns: string[] = [];
  const counts: Record<string, number> = {};
  const core = new ExecCore(
    { prefix: 'chl-x-', orderGroupId: 'og-1', ackTimeoutMs: o.ackTimeoutMs ?? 1000, overlapMs: 60_000, keepFinishedMs: 600_000 },
    {
      action: (a) => actions.push(a),
      record: (r) => records.push(r),
      warn: (m) => warns.push(m),
      count: (m) => (counts[m] = (counts[m] ?? 0) + 1),
    },
  );
  const replies = (now: number): VenueReply[] => core.replies(now);
  /** Hand the core one exchange event at `now`; the replies it makes. */
  const ev = (e: ExecEvent, now: number): VenueReply[] => {
    core.onExec(e, now);
    return replies(now);
  };
  return { core, actions, records, warns, counts, replies, ev };
}

/** Our order `n`: client id chl-x-run-N, a 5-contract post-only bid at 0.48. */
export const spec = (n: number, over: Partial<OrderSpec> = {}): OrderSpec => ({
  clientOrderId: `chl-x-run-${n}`,
  ticker: TK,
  side: 'bid',
  price: 4800,
  count: 500,
  tif: 'gtc',
  postOnly: true,
  ...over,
});

/** A user_order (or REST Order) of order `n`. */
export const userOrder = (n: number, status: string, extra: Record<string, unknown> = {}) => ({
  order_id: `o${n}`,
  client_order_id: `chl-x-run-${n}`,
  ticker: TK,
  status,
  fill_count_fp: '0.00',
  remaining_count_fp: status === 'resting' ? '5.00' : '0.00',
  ...extra,
});

/** A fill message of order `n`. */
export const fill = (n: number, trade: string, count = '5.00', extra: Record<string, unknown> = {}) => ({
  trade_id: trade,
  order_id: `o${n}`,
  market_ticker: TK,
  is_taker: false,
  yes_price_dollars: '0.4800',
  count_fp: count,
  fee_cost: '0.0200',
  book_side: 'bid',
  ts_ms: 1_000,
  ...extra,
});
