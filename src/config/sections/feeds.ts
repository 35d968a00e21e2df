// Config of the two sportsbook feeds (issue 4): feed-boltodds (WebSocket, the experiment
// oracle) and feed-oddsapi (REST, the control oracle). Keys are secrets and never live
// here: BOLTODDS_API_KEY and ODDS_API_KEY come from the environment.
import { z } from 'zod';
import { bookName, sport } from '../../schema/common.js';

const url = (protocols: string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    `expected a URL (${protocols.join(' or ')})`,
  );

const ms = (min: number) => z.number().int().min(min);

export const boltoddsSection = z
  .strictObject({
    /** The BoltOdds odds stream; the key is appended as ?key= from env BOLTODDS_API_KEY. */
    url: url(['ws:', 'wss:']).default('wss://spro.agency/api'),
    /** Sports subscribed to and published (sent to BoltOdds as "NBA", "NHL"). */
    sports: z.array(sport).min(1).default(['nba', 'nhl']),
    /** Sportsbook keys subscribed to, exactly as BoltOdds spells them; [] subscribes to every book. */
    books: z.array(bookName).default(['pinnacle', 'draftkings', 'fanduel']),
    /** Other keys a book may arrive under -> the key published (also added to the subscription). */
    book_aliases: z.record(bookName, bookName).default({ ps3838: 'pinnacle' }),
    /** The market subscribed to and the outcome_name of a full-game moneyline. */
    market: z.string().min(1).default('Moneyline'),
    /** A side older than this (source time) at decision time makes its pair a stale leg: not published. */
    side_staleness_ms: ms(1).default(60_000),
    /** A one-sided (partial) state is dropped this long after it became one-sided. */
    partial_ttl_ms: ms(1).default(30_000),
    /** First reconnect delay; doubles per failed attempt (with jitter) up to reconnect_max_ms. */
    reconnect_min_ms: ms(1).default(1_000),
    reconnect_max_ms: ms(1).default(60_000),
    /** A connection up this long resets the backoff to reconnect_min_ms. */
    stable_after_ms: ms(1).default(30_000),
    /** Nothing received (frame, ping, pong) for this long: the connection is dead, reconnect. */
    stale_after_ms: ms(100).default(60_000),
    /** Protocol-level (WebSocket) ping interval; also how often staleness is checked. */
    ping_every_ms: ms(50).default(20_000),
    /** Wait this long for the socket_connected ack before subscribing anyway. */
    ack_timeout_ms: ms(1).default(10_000),
    /** WebSocket opening handshake timeout (ws handshakeTimeout). */
    handshake_timeout_ms: ms(100).default(15_000),
    /** Answer an app-level {"action":"ping"} with {"action":"pong"}. */
    app_pong: z.boolean().default(true),
    /** Largest frame accepted (ws maxPayload): the initial burst can be tens of MB. */
    max_frame_bytes: z
      .number()
      .int()
      .min(1 << 20)
      .default(256 * 1024 * 1024),
  })
  .prefault({});

export const oddsapiSection = z
  .strictObject({
    /** Base URL of The Odds API; ODDS_API_KEY is sent as the apiKey query parameter. */
    url: url(['http:', 'https:']).default('https://api.the-odds-api.com'),
    /** Sports polled (basketball_nba, icehockey_nhl). */
    sports: z.array(sport).min(1).default(['nba', 'nhl']),
    /** Bookmaker keys (bookmakers=); up to 10 cost one region. [] uses regions instead. */
    books: z.array(bookName).default(['pinnacle', 'draftkings', 'fanduel']),
    /** Regions (regions=) when books is empty; each region costs one credit per call. */
    regions: z.array(z.enum(['us', 'us2', 'uk', 'eu', 'au'])).default(['us', 'eu']),
    /** Books never published even if the source lists them (Kalshi must not price Kalshi). */
    exclude_books: z.array(bookName).default(['kalshi', 'polymarket', 'prophetx', 'novig', 'betopenly']),
    /** Poll interval when no listed game starts within near_window_ms. */
    far_interval_ms: ms(1).default(900_000),
    /** Poll interval when a listed game starts within near_window_ms. */
    near_interval_ms: ms(1).default(120_000),
    /** Poll interval while a listed game is in play. */
    live_interval_ms: ms(1).default(60_000),
    near_window_ms: ms(0).default(3 * 3_600_000),
    /** --scores: how often /scores is polled while a game awaits its result. */
    scores_interval_ms: ms(1).default(600_000),
    /** daysFrom for /scores (1..3; costs 2 credits instead of 1). */
    scores_days_from: z.number().int().min(1).max(3).default(1),
    /** Credits that may be spent over any rolling 24 h. */
    credits_per_day: z.number().int().min(1).default(600),
    /** Below this fraction of the daily budget left, intervals stretch (up to 16x). */
    low_water_fraction: z.number().min(0).max(1).default(0.25),
    /** Also stretch when the quota (x-requests-remaining) has fewer credits than this. */
    slow_below_remaining: z.number().int().min(0).default(600),
    /** Stop polling odds before x-requests-remaining would fall below this. */
    reserve_credits: z.number().int().min(0).default(10),
    /** After a quota stop, probe the free /v4/sports endpoint this often. */
    quota_retry_ms: ms(1).default(3_600_000),
    /** After 401/403, probe the free /v4/sports endpoint this often. */
    auth_retry_ms: ms(1).default(600_000),
    /** Retries of a 429, 5xx or network failure before the source is reported unavailable. */
    max_retries: z.number().int().min(0).default(3),
    retry_base_ms: ms(1).default(1_000),
    retry_max_ms: ms(1).default(30_000),
    request_timeout_ms: ms(100).default(20_000),
  })
  .prefault({});
