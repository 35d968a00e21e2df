// The Kalshi feeder's record builders: what each kalshi.* record, market.link and skip
// looks like on the wire, from the engine's state. No state of their own, no I/O, no
// clock: the engine passes the times. kalshi.book is serialized by hand (the hot path):
// the same text JSON.stringify would give, at a fraction of the cost.
import { UNIT_GRID, countNumber, parsePrice, priceNumber, priceRangesNumbers, type PriceGrid } from '../core/kalshi-fixed.js';
import type { FillMsg, Msg, UserOrderMsg } from '../core/kalshi-messages.js';
import type { ParsedMarket } from '../core/kalshi-ticker.js';
import type { KalshiStatus } from '../schema/records.js';

export type FeedRecord = Record<string, unknown> & { type: string };

/**
 * Record `ts`: the receive time, never earlier than a ts already written, so the output
 * stays sorted even if the clock steps back.
 */
export class MonotonicTs {
  private last = 0;
  at(now: number): number {
    if (now > this.last) this.last = now;
    return this.last;
  }
}

export function bookLine(
  ts: number,
  recvTs: number,
  tickerJson: string,
  seq: number | null,
  sid: number | null,
  topJson: string,
  exchTs: number | undefined,
): string {
  return `{"type":"kalshi.book","ts":${ts},"recv_ts":${recvTs},"ticker":${tickerJson},"seq":${seq ?? 0}${sid !== null ? `,"sid":${sid}` : ''},${topJson}${exchTs !== undefined ? `,"exch_ts":${exchTs}` : ''}}`;
}

export function tradeRecord(ts: number, recvTs: number, t: Extract<Msg, { kind: 'trade' }>): FeedRecord {
  return {
    type: 'kalshi.trade',
    ts,
    recv_ts: recvTs,
    ticker: t.ticker,
    trade_id: t.tradeId,
    price: priceNumber(t.price),
    count: countNumber(t.count),
    taker_side: t.takerSide,
    ...(t.tsMs !== undefined ? { exch_ts: t.tsMs } : {}),
  };
}

/** kalshi.result from a determination's result and settlement_value. */
export function resultRecord(ts: number, recvTs: number, ticker: string, result: 'yes' | 'no', settlementValue: unknown): FeedRecord {
  const sv = parsePrice(settlementValue);
  return {
    type: 'kalshi.result',
    ts,
    recv_ts: recvTs,
    ticker,
    result,
    ...(sv !== null ? { settlement_value: priceNumber(sv) } : settlementValue === '1.0000' ? { settlement_value: 1 } : {}),
  };
}

export function fillRecord(ts: number, recvTs: number, f: FillMsg): FeedRecord {
  return {
    type: 'kalshi.fill',
    ts,
    recv_ts: recvTs,
    trade_id: f.tradeId,
    order_id: f.orderId,
    ...(f.clientOrderId !== undefined ? { client_order_id: f.clientOrderId } : {}),
    ticker: f.ticker,
    price: priceNumber(f.price),
    count: countNumber(f.count),
    fee: priceNumber(f.fee),
    is_taker: f.isTaker,
    outcome_side: f.outcomeSide,
    book_side: f.bookSide,
    ...(f.postPosition !== undefined ? { post_position: countNumber(f.postPosition) } : {}),
    ...(f.tsMs !== undefined ? { exch_ts: f.tsMs } : {}),
  };
}

export function userOrderRecord(ts: number, recvTs: number, u: UserOrderMsg): FeedRecord {
  return {
    type: 'kalshi.user_order',
    ts,
    recv_ts: recvTs,
    order_id: u.orderId,
    ...(u.clientOrderId !== undefined ? { client_order_id: u.clientOrderId } : {}),
    ticker: u.ticker,
    status: u.status,
    outcome_side: u.outcomeSide,
    book_side: u.bookSide,
    price: priceNumber(u.price),
    fill_count: countNumber(u.fillCount),
    remaining_count: countNumber(u.remainingCount),
    initial_count: countNumber(u.initialCount),
    ...(u.tsMs !== undefined ? { exch_ts: u.tsMs } : {}),
  };
}

export function linkRecord(ts: number, ticker: string, p: ParsedMarket): FeedRecord {
  return { type: 'market.link', ts, event: p.event, sport: p.sport, side: p.side, ticker };
}

export function unmappedRecord(ts: number, ticker: string, detail: string): FeedRecord {
  return { type: 'skip', ts, ticker, reason: 'unmapped', detail };
}

/** What kalshi.market describes about one market. */
export interface MarketFacts {
  ticker: string;
  eventTicker: string;
  series: string;
  sport: string;
  parsed: ParsedMarket | undefined;
  status: string | undefined;
  closeTs: number | undefined;
  grid: PriceGrid;
  feeType: string | undefined;
}

/** kalshi.market with ts 0 (the caller compares it with the last one, then stamps it). */
export function marketRecord(f: MarketFacts): FeedRecord {
  return {
    type: 'kalshi.market',
    ts: 0,
    ticker: f.ticker,
    event_ticker: f.eventTicker,
    series: f.series,
    sport: f.sport,
    ...(f.parsed ? { event: f.parsed.event, team: f.parsed.yesTeam.code } : {}),
    status: f.status ?? 'unknown',
    ...(f.closeTs !== undefined ? { close_ts: f.closeTs } : {}),
    ...(f.grid !== UNIT_GRID ? { price_ranges: priceRangesNumbers(f.grid) } : {}),
    ...(f.feeType !== undefined ? { fee_type: f.feeType } : {}),
  };
}

export type TickerStatus = KalshiStatus['tickers'][string];

export interface StatusFacts {
  state: KalshiStatus['state'];
  connects: number;
  reconnects: number;
  disconnects: number;
  gaps: number;
  lastMsgTs: number | null;
  tickers: Record<string, TickerStatus>;
  cause: string | null;
  maintenance: boolean;
  useYesPrice: boolean;
  exchange: { exchange_active?: boolean; trading_active?: boolean };
}

export function statusRecord(ts: number, s: StatusFacts): FeedRecord {
  return {
    type: 'kalshi.status',
    ts,
    state: s.state,
    connects: s.connects,
    reconnects: s.reconnects,
    disconnects: s.disconnects,
    gaps: s.gaps,
    last_msg_ts: s.lastMsgTs,
    tickers: s.tickers,
    cause: s.cause,
    maintenance: s.maintenance,
    use_yes_price: s.useYesPrice,
    ...(s.exchange.exchange_active !== undefined ? { exchange_active: s.exchange.exchange_active } : {}),
    ...(s.exchange.trading_active !== undefined ? { trading_active: s.exchange.trading_active } : {}),
  };
}
