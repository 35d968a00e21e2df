// The signed Kalshi REST client: market discovery (paginated), one market, a series' fee
// type, the exchange status (the feeder), and the order path (the create helper). Every
// request is signed (reference §0). Retries follow src/core/kalshi-requests.ts: a 429 (no
// Retry-After, reference §2.3) is retried for any request; a 5xx, timeout or network
// error only for reads and for writes that are idempotent by their nature (cancels,
// amends); a create is never resent blindly (createOrder finds out what the
// first attempt did by client_order_id first). Backoff is the one jittered backoff. 4xx
// other than 429 are returned as RestError with Kalshi's `code` (reference §2.4); a 401
// for an expired request timestamp is a ClockSkewError, never retried.
import type { Clock } from '../clock/clock.js';
import { jitteredBackoff } from '../core/backoff.js';
import { classifyRequest, type RequestClass } from '../core/kalshi-requests.js';
import { excerpt } from '../core/text.js';
import type { Signer } from './kalshi-auth.js';

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string,
  ) {
    super(`${path}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`);
    this.name = 'RestError';
  }
}

/**
 * The exchange refused the request's timestamp (401 `header_timestamp_expired`): the host
 * clock is off. Not retried: every request would fail the same way until the clock is fixed.
 */
export class ClockSkewError extends RestError {
  constructor(
    readonly hostNowMs: number,
    message: string,
    path: string,
  ) {
    super(401, 'clock-skew', `request timestamp refused (${message}); the host clock (${new Date(hostNowMs).toISOString()}) is probably off: check NTP`, path);
    this.name = 'ClockSkewError';
  }
}

/** A write whose outcome is unknown (timeout, network error or 5xx) and that may not be resent blindly. */
export const OUTCOME_UNKNOWN = 'outcome-unknown';

/** Waits for tokens before each attempt and hears of each 429 (src/feeds/kalshi-throttle.ts). */
export interface Throttle {
  /** Resolves when the request may go; rejects (RestError `over-budget`) when it never could. */
  acquire(c: RequestClass, path: string): Promise<void>;
  refused(c: RequestClass): void;
}

/** The body of a V2 create (reference §2.1); `client_order_id` is required here: it makes a resend idempotent. */
export interface CreateOrderBody {
  ticker: string;
  client_order_id: string;
  side: 'bid' | 'ask';
  count: string;
  price: string;
  time_in_force: 'good_till_canceled' | 'immediate_or_cancel' | 'fill_or_kill';
  self_trade_prevention_type: 'taker_at_cross' | 'maker';
  [k: string]: unknown;
}

export interface CreateOutcome {
  order_id: string;
  client_order_id: string;
  fill_count: string;
  remaining_count: string;
  /** True when the order was found by client_order_id after an attempt with no usable answer. */
  recovered: boolean;
  /** POST attempts sent. */
  attempts: number;
  /** The create response, or the Order found (reference §2.2) when recovered. */
  body: Record<string, unknown>;
}

export interface RestOptions {
  baseUrl: string;
  signer: Signer;
  clock: Clock;
  random: () => number;
  timeoutMs: number;
  /** Attempts per request for retryable failures (429, 5xx, network). */
  attempts?: number;
  /** First retry delay, ms (doubles per attempt, with jitter). */
  retryMs?: number;
  signal?: AbortSignal;
  /** Told about each retry (for logs and metrics). */
  onRetry?: (info: { path: string; status: number | null; error: string; attempt: number; delayMs: number }) => void;
  fetchImpl?: typeof fetch;
  /** Token buckets (rate limits); none: requests go out at once. */
  throttle?: Throttle;
}

/** The fields of a REST Market the feeder reads (reference §5); others pass through untyped. */
export interface RestMarket {
  ticker: string;
  event_ticker?: string;
  status?: string;
  close_time?: string;
  price_ranges?: unknown;
  price_level_structure?: string;
  yes_sub_title?: string;
  result?: string;
  [k: string]: unknown;
}

export class KalshiRest {
  private readonly base: URL;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: RestOptions) {
    this.base = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  /** Rate-limit every request from now on (src/feeds/kalshi-throttle.ts loadThrottle). */
  setThrottle(t: Throttle | undefined): void {
    this.opts.throttle = t;
  }

  /** GET path (relative to the API root, e.g. `/markets`) with query; the parsed JSON body. */
  async get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    return this.request('GET', path, query, undefined);
  }

  /**
   * One request with the retry rule of its class (src/core/kalshi-requests.ts): a write
   * that may not be resent and got no usable answer throws RestError code
   * `outcome-unknown` (its status the 5xx, or 0 for a timeout or network error).
   */
  async request(method: string, path: string, query: Record<string, string | number | undefined>, body: unknown): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const attempts = this.opts.attempts ?? 4;
    const retryMs = this.opts.retryMs ?? 500;
    const cls = classifyRequest(method, path, body);
    for (let attempt = 1; ; attempt++) {
      let status: number | null = null;
      let error: string;
      if (this.opts.throttle) await this.opts.throttle.acquire(cls, url.pathname);
      // The request timeout runs on the injected clock, like every other timer here.
      const ac = new AbortController();
      let timedOut = false;
      const timer = this.opts.clock.setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, this.opts.timeoutMs);
      const onAbort = (): void => ac.abort();
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const headers: Record<string, string> = { ...this.opts.signer.headers(this.opts.clock.now(), method, url.pathname), accept: 'application/json' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await this.fetchImpl(url, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: ac.signal,
        });
        status = res.status;
        const text = await res.text();
        let json: unknown;
        try {
          json = text.length ? JSON.parse(text) : {};
        } catch {
          json = undefined;
        }
        if (res.ok) {
          if (json === undefined) throw new RestError(res.status, 'bad-json', `response is not JSON: ${excerpt(text, 80)}`, url.pathname);
          return json;
        }
        const j = (json ?? {}) as { code?: unknown; message?: unknown; error?: unknown };
        const code = typeof j.code === 'string' ? j.code : '';
        const message = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : excerpt(text, 120);
        if (res.status === 401 && (code === 'header_timestamp_expired' || /timestamp.*(expired|skew)/i.test(message))) {
          throw new ClockSkewError(this.opts.clock.now(), code || message, url.pathname);
        }
        if (res.status !== 429 && res.status < 500) throw new RestError(res.status, code, message, url.pathname);
        if (res.status === 429) this.opts.throttle?.refused(cls);
        error = `HTTP ${res.status}${message ? `: ${message}` : ''}`;
      } catch (e) {
        if (e instanceof RestError) throw e;
        if (this.opts.signal?.aborted) throw e;
        error = timedOut ? `no answer within ${this.opts.timeoutMs} ms` : (e as Error).message;
      } finally {
        this.opts.clock.clear(timer);
        this.opts.signal?.removeEventListener('abort', onAbort);
      }
      if (status !== 429 && cls.retry === 'refused') {
        throw new RestError(status ?? 0, OUTCOME_UNKNOWN, `${cls.kind} not resent (its outcome is unknown): ${error}`, url.pathname);
      }
      if (attempt >= attempts) throw new RestError(status ?? 0, status === 429 ? 'rate-limited' : 'unavailable', error, url.pathname);
      const wait = jitteredBackoff(attempt - 1, retryMs, Infinity, this.opts.random);
      this.opts.onRetry?.({ path: url.pathname, status, error, attempt, delayMs: wait });
      await this.sleep(wait);
    }
  }

  /**
   * Create an order so that it exists at most once. An attempt with no usable answer
   * (timeout, network error, 5xx), or a 409 on a resend, is followed by a look-up of the
   * order by its client_order_id (GET /portfolio/orders for the ticker since just before
   * the first attempt): found, it is the outcome (`recovered`); not found, the create is
   * resent with the same client_order_id, which the exchange refuses (409) if the first
   * attempt lands after all. A 409 on the first attempt (the id was used before), or on a
   * resend with no order to be found, is thrown.
   */
  async createOrder(body: CreateOrderBody): Promise<CreateOutcome> {
    if (typeof body.client_order_id !== 'string' || body.client_order_id === '') throw new Error('createOrder needs a client_order_id');
    const attempts = this.opts.attempts ?? 4;
    const sinceS = Math.floor(this.opts.clock.now() / 1000) - 60;
    const path = '/portfolio/events/orders';
    /** An earlier attempt's outcome is unknown: that order may still land, whatever a resend is told. */
    let firstUnknown: RestError | undefined;
    for (let attempt = 1; ; attempt++) {
      let err: RestError;
      try {
        const r = (await this.request('POST', path, {}, body)) as Record<string, unknown>;
        return {
          order_id: String(r.order_id),
          client_order_id: body.client_order_id,
          fill_count: String(r.fill_count ?? '0.00'),
          remaining_count: String(r.remaining_count ?? '0.00'),
          recovered: false,
          attempts: attempt,
          body: r,
        };
      } catch (e) {
        if (!(e instanceof RestError)) throw e;
        if (firstUnknown && e.status !== 409 && e.code !== OUTCOME_UNKNOWN && e.code !== 'bad-json' && !(e instanceof ClockSkewError)) {
          // A resend refused outright (429 after its retries, over budget, a 4xx) says nothing
          // of the first attempt: still unknown, never a refusal the caller takes as "no order".
          throw new RestError(
            firstUnknown.status,
            OUTCOME_UNKNOWN,
            `create ${body.client_order_id}: ${firstUnknown.message}; its resend refused: ${e.message}`,
            firstUnknown.path,
          );
        }
        err = e;
      }
      // A 2xx whose body is unreadable is as unknown as no answer: the order may exist.
      const unknown = err.code === OUTCOME_UNKNOWN || err.code === 'bad-json';
      if (unknown) firstUnknown ??= err;
      if (!unknown && !(err.status === 409 && attempt > 1)) throw err;
      let found: Record<string, unknown> | undefined;
      try {
        found = await this.findOrderByClientId(body.ticker, body.client_order_id, sinceS);
      } catch (e) {
        if (!(e instanceof RestError) || e instanceof ClockSkewError) throw e;
        // Still unknown: the caller must reconcile (the order may exist), not place again.
        throw new RestError(
          err.status,
          OUTCOME_UNKNOWN,
          `create ${body.client_order_id}: ${err.message}; and the look-up by client_order_id failed: ${e.message}`,
          err.path,
        );
      }
      if (found) {
        return {
          order_id: String(found.order_id),
          client_order_id: body.client_order_id,
          fill_count: String(found.fill_count_fp ?? '0.00'),
          remaining_count: String(found.remaining_count_fp ?? '0.00'),
          recovered: true,
          attempts: attempt,
          body: found,
        };
      }
      if (!unknown)
        throw new RestError(409, err.code, `client_order_id ${body.client_order_id} refused as used, yet no such order is listed: ${err.message}`, err.path);
      if (attempt >= attempts) throw err;
      const wait = jitteredBackoff(attempt - 1, this.opts.retryMs ?? 500, Infinity, this.opts.random);
      this.opts.onRetry?.({
        path: err.path,
        status: err.status || null,
        error: `${err.message}; not found by client_order_id, resending it`,
        attempt,
        delayMs: wait,
      });
      await this.sleep(wait);
    }
  }

  /** The order with this client_order_id among the ticker's orders created since `sinceS` (unix seconds), if any. */
  async findOrderByClientId(ticker: string, clientOrderId: string, sinceS?: number): Promise<Record<string, unknown> | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const body = (await this.get('/portfolio/orders', { ticker, min_ts: sinceS, limit: 1000, cursor })) as { orders?: unknown; cursor?: unknown };
      if (!Array.isArray(body.orders)) throw new RestError(200, 'bad-shape', 'GET /portfolio/orders without an orders array', '/portfolio/orders');
      for (const o of body.orders as Array<Record<string, unknown>>) if (o && o.client_order_id === clientOrderId) return o;
      cursor = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : undefined;
      if (!cursor) return undefined;
    }
    throw new RestError(200, 'pagination', 'more than 1000 pages of orders: stopping', '/portfolio/orders');
  }

  /** Every market of a series in a status (`open`, `paused`, ...), following the cursor. */
  async listMarkets(seriesTicker: string, status: string): Promise<RestMarket[]> {
    const out: RestMarket[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const body = (await this.get('/markets', { series_ticker: seriesTicker, status, limit: 1000, cursor })) as { markets?: unknown; cursor?: unknown };
      if (!Array.isArray(body.markets)) throw new RestError(200, 'bad-shape', 'GET /markets without a markets array', '/markets');
      for (const m of body.markets) if (m && typeof (m as RestMarket).ticker === 'string') out.push(m as RestMarket);
      cursor = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : undefined;
      if (!cursor) return out;
    }
    throw new RestError(200, 'pagination', 'more than 1000 pages of markets: stopping', '/markets');
  }

  async getMarket(ticker: string): Promise<RestMarket> {
    const body = (await this.get(`/markets/${encodeURIComponent(ticker)}`)) as { market?: RestMarket };
    if (!body.market || typeof body.market.ticker !== 'string')
      throw new RestError(200, 'bad-shape', 'GET /markets/{ticker} without a market', `/markets/${ticker}`);
    return body.market;
  }

  /** `fee_type` and `fee_multiplier` of a series. */
  async getSeries(seriesTicker: string): Promise<{ fee_type?: string; fee_multiplier?: number; [k: string]: unknown }> {
    const body = (await this.get(`/series/${encodeURIComponent(seriesTicker)}`)) as { series?: Record<string, unknown> };
    if (!body.series) throw new RestError(200, 'bad-shape', 'GET /series/{ticker} without a series', `/series/${seriesTicker}`);
    return body.series as { fee_type?: string; fee_multiplier?: number };
  }

  async exchangeStatus(): Promise<{ exchange_active?: boolean; trading_active?: boolean }> {
    return (await this.get('/exchange/status')) as { exchange_active?: boolean; trading_active?: boolean };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = this.opts.clock.setTimeout(() => {
        this.opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        this.opts.clock.clear(t);
        reject(new Error('aborted'));
      };
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
