// quote --live: the session around the live venue. Start: the signed REST client with the
// account's rate limits (GET /account/limits), the private WebSocket (user_orders, fill,
// order_group_updates) live, an earlier run's resting orders canceled and verified gone,
// positions read into the limits, the order group created. Stop: every resting order of
// ours canceled and verified over REST. Everything the exchange says becomes a
// kalshi.exec record, written and then handled by the quote loop in that one order.
import { randomInt } from 'node:crypto';
import { easternDate } from '../core/eventtime.js';
import { COUNT_ONE, PRICE_ONE, parseCount, parsePrice } from '../core/kalshi-fixed.js';
import type { PositionBook } from '../core/position-book.js';
import { signerFromSecrets } from '../feeds/kalshi-auth.js';
import { KalshiLiveEdge } from '../feeds/kalshi-live.js';
import { KalshiPrivateFeed } from '../feeds/kalshi-private.js';
import { ClockSkewError, KalshiRest, RestError } from '../feeds/kalshi-rest.js';
import { loadThrottle, type KalshiThrottle } from '../feeds/kalshi-throttle.js';
import type { Logger } from '../log/logger.js';
import type { KalshiExec } from '../schema/records.js';
import { RefusedError, type Ctx } from './kit.js';
import { positionRecord, type QuoteLoop } from './quote-loop.js';

export interface LiveSession {
  edge: KalshiLiveEdge;
  /** Cancel everything of ours and verify; the client ids still resting (empty: clean). */
  shutdown(): Promise<string[]>;
  /** Close sockets and timers (after a failure). */
  close(): Promise<void>;
}

// Backoff jitter in [0, 1). randomInt's range (max - min) must stay below 2^48: 2^48 itself throws.
const random = (): number => randomInt(0, 2 ** 47) / 2 ** 47;

export async function startLive<O extends object>(
  ctx: Ctx<O>,
  prefix: string,
  loop: QuoteLoop,
  count: (m: string, labels?: Record<string, string>) => void,
  onFatal: (e: Error) => void,
  /** Given the edge as soon as it exists: the core's actions (the start-up cancels of an earlier run's orders among them) go to it. */
  onEdge: (edge: KalshiLiveEdge) => void,
): Promise<LiveSession> {
  const k = ctx.config.kalshi;
  const live = ctx.config.quote.live;
  const clock = ctx.clock;
  const signer = signerFromSecrets(ctx.secrets);
  const log = ctx.log.child({ component: 'live' });
  const rest = new KalshiRest({
    baseUrl: k.rest_url,
    signer,
    clock,
    random,
    timeoutMs: k.rest_timeout_ms,
    onRetry: (i) => {
      log.warn('exchange request retried', { path: i.path, status: i.status, error: i.error, attempt: i.attempt, delay_ms: i.delayMs });
      count('exec_retries_total', { status: String(i.status ?? 0) });
    },
  });
  const edge = new KalshiLiveEdge({
    rest,
    clock,
    log,
    prefix,
    emit: (r) => {
      const rec: KalshiExec = { ...r, ts: clock.now() };
      ctx.out.record(rec);
      try {
        loop.onRecord(rec, rec.ts);
      } catch (e) {
        // A bug must not leave orders resting behind a dead process: stop the session the
        // orderly way (every quote pulled, everything canceled and verified), exit 3.
        log.error('the quote loop failed on an exchange message: stopping the session', { op: rec.op, error: (e as Error).stack ?? String(e) });
        count('order_anomalies_total', { kind: 'loop-failure' });
        onFatal(e as Error);
      }
    },
    onFatal,
    count,
  });
  let throttle: KalshiThrottle | undefined;
  const feed = new KalshiPrivateFeed({
    wsUrl: k.ws_url,
    signer,
    clock,
    random,
    log,
    silenceTimeoutMs: k.silence_timeout_ms,
    handshakeTimeoutMs: k.handshake_timeout_ms,
    backoff: { initialMs: k.backoff.initial_ms, maxMs: k.backoff.max_ms, stableMs: k.backoff.stable_ms },
    ...edge.feedHandlers(),
    onBad: (reason, excerpt) => {
      log.warn('private message unreadable: skipped', { reason, excerpt });
      count('exec_bad_messages_total', { op: 'ws' });
    },
  });
  edge.attachFeed(feed);
  onEdge(edge);
  const close = async (): Promise<void> => {
    await edge.stop();
    throttle?.close();
  };
  try {
    // Rate limits from the account (never a hard-coded tier).
    const t = await loadThrottle(rest, clock);
    throttle = t.throttle;
    log.info('rate limits', { tier: t.tier });
    feed.start();
    try {
      await feed.whenLive(live.startup_timeout_ms);
    } catch {
      throw new RefusedError(`live refused: the private channels (user_orders, fill, order_group_updates) were not live within ${live.startup_timeout_ms} ms`);
    }
    const s = await edge.startup(live.group_contracts_limit);
    log.info('live venue ready', { orphans_canceled: s.orphans, order_group_id: s.groupId, contracts_limit: live.group_contracts_limit });
  } catch (e) {
    await close();
    if (e instanceof RefusedError) throw e;
    if (e instanceof ClockSkewError) throw new RefusedError(`live refused: ${e.message}`);
    if (e instanceof RestError && e.code === 'startup-mismatch') throw new RefusedError(`live refused: ${e.message}`);
    throw e;
  }
  return {
    edge,
    close,
    async shutdown(): Promise<string[]> {
      try {
        const left = await edge.cancelAll();
        // The cancels' confirmations reach the manager through the loop; give them a moment.
        await edge.settle(live.ack_timeout_ms);
        return left;
      } catch (e) {
        log.error('cancel-all at stop failed', { error: (e as Error).message });
        return ['(unknown: the verification failed)'];
      } finally {
        await close();
      }
    },
  };
}

/**
 * The account's positions read at start seed the limits (a restarted process knows what it
 * holds): one booking per ticker at its average cost (market_exposure_dollars / position).
 */
export function seedPositions(
  body: Record<string, unknown>,
  exposure: PositionBook,
  now: number,
  record: (r: Record<string, unknown> & { type: string }) => void,
  log: Logger,
): void {
  const list = Array.isArray(body.market_positions) ? (body.market_positions as Array<Record<string, unknown>>) : [];
  for (const p of list) {
    const ticker = typeof p.ticker === 'string' ? p.ticker : undefined;
    const pos = parseCount(p.position_fp, true);
    const cost = parseDollars(p.market_exposure_dollars);
    const fees = parseDollars(p.fees_paid_dollars) ?? 0;
    if (ticker === undefined || pos === null || cost === undefined) {
      log.warn('position unreadable: not booked (the limits do not see it)', { ticker, position_fp: p.position_fp });
      continue;
    }
    if (pos === 0) continue;
    const n = Math.abs(pos);
    const avg = Math.round((cost * 100) / n);
    const view = exposure.onFill({ ticker, side: pos > 0 ? 'bid' : 'ask', price: pos > 0 ? avg : PRICE_ONE - avg, count: n, fee: fees }, now);
    record({
      type: 'reconcile',
      ts: now,
      kind: 'startup',
      ticker,
      detail: `position ${pos / 100} at an average cost of ${avg / PRICE_ONE} booked from GET /portfolio/positions`,
    });
    record(positionRecord('live', view, undefined, now));
  }
}

/**
 * Today's orders of ours placed before this process started (an earlier run's) count
 * toward the daily notional limit, each at its full initial size: a chain of reprices is
 * counted more than once, never less (the limit errs on the safe side after a restart).
 */
export function seedDailyNotional(
  body: Record<string, unknown>,
  exposure: PositionBook,
  now: number,
  record: (r: Record<string, unknown> & { type: string }) => void,
  log: Logger,
): void {
  const list = Array.isArray(body.orders) ? (body.orders as Array<Record<string, unknown>>) : [];
  const today = easternDate(now);
  let n = 0;
  let micro = 0;
  for (const o of list) {
    const created = typeof o.created_time === 'string' ? Date.parse(o.created_time) : typeof o.created_ts_ms === 'number' ? o.created_ts_ms : NaN;
    const side = o.book_side;
    const price = parsePrice(o.yes_price_dollars);
    const count = parseCount(o.initial_count_fp);
    const ticker = typeof o.ticker === 'string' ? o.ticker : undefined;
    if (!Number.isFinite(created) || (side !== 'bid' && side !== 'ask') || price === null || count === null || ticker === undefined) {
      log.warn('an earlier order unreadable: not counted toward the daily notional', { client_order_id: o.client_order_id });
      continue;
    }
    if (easternDate(created) !== today) continue;
    exposure.placed({ ticker, side, price, count }, now);
    micro += (side === 'bid' ? price : PRICE_ONE - price) * count;
    n++;
  }
  if (n > 0)
    record({
      type: 'reconcile',
      ts: now,
      kind: 'startup',
      detail: `${n} order(s) of ours placed earlier today count toward the daily notional: $${(micro / COUNT_ONE / PRICE_ONE).toFixed(2)}`,
    });
}

/** A dollars string of any precision, in PRICE_ONE units (undefined when unreadable). */
function parseDollars(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const x = Number(v);
  return Number.isFinite(x) && x >= 0 ? Math.round(x * PRICE_ONE) : undefined;
}
