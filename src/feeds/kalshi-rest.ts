// The signed Kalshi REST client the feeder needs: market discovery (paginated), one
// market, a series' fee type, the exchange status. Every request is signed (reference
// §0); 429 (no Retry-After, reference §2.3), 5xx and network errors are retried with
// exponential backoff and jitter; 4xx other than 429 are returned as RestError with
// Kalshi's `code` (reference §2.4).
import type { Clock } from '../clock/clock.js';
import { jitteredBackoff } from '../core/backoff.js';
import { excerpt } from '../core/text.js';
import type { Signer } from './kalshi-auth.js';

export class RestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly path: string) {
    super(`${path}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`);
    this.name = 'RestError';
  }
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

  /** GET path (relative to the API root, e.g. `/markets`) with query; the parsed JSON body. */
  async get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    return this.request('GET', path, query, undefined);
  }

  async request(method: string, path: string, query: Record<string, string | number | undefined>, body: unknown): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const attempts = this.opts.attempts ?? 4;
    const retryMs = this.opts.retryMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      let status: number | null = null;
      let error: string;
      // The request timeout runs on the injected clock, like every other timer here.
      const ac = new AbortController();
      let timedOut = false;
      const timer = this.opts.clock.setTimeout(() => { timedOut = true; ac.abort(); }, this.opts.timeoutMs);
      const onAbort = (): void => ac.abort();
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const headers: Record<string, string> = { ...this.opts.signer.headers(this.opts.clock.now(), method, url.pathname), accept: 'application/json' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        const res = await this.fetchImpl(url, {
          method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
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
        if (res.status !== 429 && res.status < 500) throw new RestError(res.status, code, message, url.pathname);
        error = `HTTP ${res.status}${message ? `: ${message}` : ''}`;
      } catch (e) {
        if (e instanceof RestError) throw e;
        if (this.opts.signal?.aborted) throw e;
        error = timedOut ? `no answer within ${this.opts.timeoutMs} ms` : (e as Error).message;
      } finally {
        this.opts.clock.clear(timer);
        this.opts.signal?.removeEventListener('abort', onAbort);
      }
      if (attempt >= attempts) throw new RestError(status ?? 0, status === 429 ? 'rate-limited' : 'unavailable', error, url.pathname);
      const wait = jitteredBackoff(attempt - 1, retryMs, Infinity, this.opts.random);
      this.opts.onRetry?.({ path: url.pathname, status, error, attempt, delayMs: wait });
      await this.sleep(wait);
    }
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
    if (!body.market || typeof body.market.ticker !== 'string') throw new RestError(200, 'bad-shape', 'GET /markets/{ticker} without a market', `/markets/${ticker}`);
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
