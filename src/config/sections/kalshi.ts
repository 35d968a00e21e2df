// feed-kalshi's section (`kalshi`): where to connect, which markets, and the
// timings of connection health and book recovery. Flags of feed-kalshi override these
// keys, so the run manifest's fingerprint states what ran.
import { z } from 'zod';
import { PROD_REST_URL, PROD_WS_URL } from '../../core/kalshi-endpoints.js';
import { kalshiTicker } from '../../schema/common.js';
import { GAME_SERIES } from '../../core/kalshi-ticker.js';

const ms = (min: number, def: number) => z.number().int().min(min).default(def);

export const feedKalshiSection = z
  .strictObject({
    /** WebSocket URL (production by default; --demo or --url change it). */
    ws_url: z
      .string()
      .regex(/^wss?:\/\//, 'a ws:// or wss:// URL')
      .default(PROD_WS_URL),
    /** REST base URL, up to and including /trade-api/v2. */
    rest_url: z
      .string()
      .regex(/^https?:\/\//, 'an http:// or https:// URL')
      .default(PROD_REST_URL),
    /**
     * Market tickers to follow (KXNBAGAME-26JAN25DENMEM-DEN, ...): NBA/NHL game-winner
     * markets only, as every record's ticker (roadmap 16 gates other sports).
     */
    tickers: z.array(kalshiTicker).default([]),
    /** Series whose open markets are discovered over REST: KXNBAGAME and/or KXNHLGAME. */
    series: z
      .array(
        z.string().refine((s) => Object.prototype.hasOwnProperty.call(GAME_SERIES, s), {
          message: `a game-winner series we trade (${Object.keys(GAME_SERIES).join(', ')}); other sports are gated (roadmap 16)`,
        }),
      )
      .default([]),
    /** false: WebSocket only (needs tickers; no discovery, no kalshi.market records). */
    rest: z.boolean().default(true),
    /** Also subscribe to fill and user_orders (our own orders). */
    private: z.boolean().default(false),
    /** Levels per side in kalshi.book. */
    depth: z.number().int().min(1).max(1000).default(10),
    /**
     * The orderbook subscription's use_yes_price, always sent explicitly: true puts NO
     * levels on the YES scale. Kalshi plans to make true the default; books come out in
     * YES terms either way.
     */
    use_yes_price: z.boolean().default(true),
    /** kalshi.status at least this often, ms. */
    status_every_ms: ms(100, 5000),
    /** No frame and no ping for this long = dead socket, ms (Kalshi pings every 10 s). */
    silence_timeout_ms: ms(100, 25_000),
    /** A recovery step (get_snapshot, resubscribe) not done in this long escalates, ms. */
    resync_timeout_ms: ms(100, 5000),
    /** Market discovery, exchange status and metadata refresh period, ms. */
    refresh_every_ms: ms(1000, 60_000),
    /** WebSocket opening handshake timeout, ms. */
    handshake_timeout_ms: ms(100, 10_000),
    /** REST request timeout, ms. */
    rest_timeout_ms: ms(100, 10_000),
    backoff: z
      .strictObject({
        /** First reconnect delay, ms (doubles per failure, with jitter in [50%, 100%]). */
        initial_ms: ms(10, 500),
        /** Reconnect delay cap, ms. */
        max_ms: ms(10, 30_000),
        /** A connection up this long resets the backoff, ms. */
        stable_ms: ms(0, 10_000),
      })
      .prefault({}),
  })
  .prefault({});
