// The executable form of ../shared/design/records.md. Keep the two in step: a change of
// meaning bumps the record's version and is said in the README. Objects are "loose": a
// command may add fields, and fields a stage does not know travel through untouched.
import { z } from 'zod';
import {
  PROB_SUM_TOLERANCE,
  bookLevels,
  bookName,
  contracts,
  contractsOrZero,
  decimalOdds,
  dollars,
  epochMs,
  eventId,
  homeAway,
  kalshiEventTicker,
  kalshiTicker,
  nonEmpty,
  onGrid,
  price,
  probability,
  sourceName,
  sport,
  teamCode,
  timeAssumed,
  yesNo,
} from './common.js';
import { eventIdProblem, sportOfEventId } from '../core/event-id.js';
import { GAME_SERIES, marketTickerProblem, parseMarketTickerMemo, seriesOf } from '../core/kalshi-ticker.js';
import { teamByCode } from '../core/teams.js';

const base = { ts: epochMs, recv_ts: epochMs.optional() };

// ---------------------------------------------------------------- cross-field rules
// Each adds an issue whose path names the field at fault. They run after the fields'
// own checks, and say nothing about a field that already failed its own (no echo).

type Ctx = z.core.$RefinementCtx<unknown>;
const issue = (ctx: Ctx, path: Array<string | number>, message: string): void => {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
};
const goodEvent = (e: unknown): e is string => typeof e === 'string' && eventIdProblem(e) === undefined;
const goodTicker = (t: unknown): t is string => typeof t === 'string' && marketTickerProblem(t) === undefined;

/** `sport` is the sport of the event id (`nhl-...` with sport "nba" means nothing). */
function sportOfEvent(r: { sport?: unknown; event?: unknown }, ctx: Ctx): void {
  if (typeof r.sport !== 'string' || !goodEvent(r.event)) return;
  const s = sportOfEventId(r.event);
  if (s !== r.sport) issue(ctx, ['sport'], `sport "${r.sport}" contradicts the event id ${r.event} (${s})`);
}

/**
 * A record naming both a market ticker and our event: the ticker must map to that very
 * game (src/core/kalshi-ticker.ts), else the record joins a price to the wrong game.
 * Returns the mapping when it holds.
 */
function tickerOfEvent(ticker: unknown, event: unknown, ctx: Ctx): ReturnType<typeof parseMarketTickerMemo> | undefined {
  if (!goodTicker(ticker) || !goodEvent(event)) return undefined;
  const p = parseMarketTickerMemo(ticker);
  if (!p.ok) {
    issue(ctx, ['ticker'], `${p.problem}: ${p.detail}; a record naming an event needs a ticker that maps to it`);
    return undefined;
  }
  if (p.value.event !== event) issue(ctx, ['event'], `${event} is not the game of ticker ${ticker} (${p.value.event})`);
  return p;
}

/** p_home + p_away within PROB_SUM_TOLERANCE of 1. */
function probSum(p: { p_home?: unknown; p_away?: unknown }, ctx: Ctx, path: Array<string | number> = []): void {
  if (typeof p.p_home !== 'number' || typeof p.p_away !== 'number') return;
  const sum = p.p_home + p.p_away;
  if (!(Math.abs(sum - 1) <= PROB_SUM_TOLERANCE)) {
    issue(ctx, [...path, 'p_away'], `p_home + p_away = ${sum}: a two-way fair price sums to 1 (tolerance ${PROB_SUM_TOLERANCE})`);
  }
}

// ---------------------------------------------------------------- odds and oracle

export const DEVIG_METHODS = ['proportional', 'additive', 'power', 'shin', 'odds-ratio'] as const;
export const devigMethod = z.enum(DEVIG_METHODS);
export type DevigMethod = z.infer<typeof devigMethod>;

const game = {
  sport,
  event: eventId,
  home: nonEmpty,
  away: nonEmpty,
  commence_ts: epochMs,
};

/**
 * Which of the record's times are assumed, not observed (optional, last in the shape so
 * ledger columns only grow at the end; import-history sets it: its file has dates only).
 */
const assumed = { time_assumed: timeAssumed.optional() };

export const oddsLine = z
  .looseObject({
    type: z.literal('odds.line'),
    ...base,
    source: sourceName,
    book: bookName,
    ...game,
    home_odds: decimalOdds,
    away_odds: decimalOdds,
    home_ts: epochMs,
    away_ts: epochMs,
    raw: z.unknown().optional(),
    ...assumed,
  })
  .superRefine(sportOfEvent);

export const ORACLE_REASONS = ['auth', 'quota', 'empty', 'denied', 'stale', 'disconnected', 'parse'] as const;
export const oracleStatus = z
  .looseObject({
    type: z.literal('oracle.status'),
    ...base,
    source: sourceName,
    sport: sport.optional(),
    /** Set when the status concerns one game only (e.g. arbitrate found no qualifying book). */
    event: eventId.optional(),
    book: bookName.optional(),
    state: z.enum(['available', 'unavailable']),
    reason: z.enum(ORACLE_REASONS).optional(),
    detail: z.string().optional(),
  })
  .refine((r) => r.state === 'available' || r.reason !== undefined, {
    message: 'an unavailable status needs a reason',
    path: ['reason'],
  })
  .superRefine(sportOfEvent);

const weights = z.record(bookName, z.number().positive().max(1));

export const oracleLine = z
  .looseObject({
    type: z.literal('oracle.line'),
    ...base,
    source: sourceName,
    ...game,
    policy: nonEmpty,
    books: z.array(bookName).min(1),
    weights: weights.optional(),
    /** Newest ts of the book lines used (ts is when arbitrate decided; optional, added by issue 3). */
    line_ts: epochMs.optional(),
    home_odds: decimalOdds,
    away_odds: decimalOdds,
    ...assumed,
  })
  .superRefine(sportOfEvent);

export const oracleProb = z
  .looseObject({
    type: z.literal('oracle.prob'),
    ...base,
    source: sourceName,
    ...game,
    policy: nonEmpty.optional(),
    books: z.array(bookName).min(1),
    weights: weights.optional(),
    /** Carried from the oracle.line (optional, added by issue 3). */
    line_ts: epochMs.optional(),
    method: devigMethod,
    p_home: probability,
    p_away: probability,
    overround: z.number(),
    param: z.number().optional(),
    ...assumed,
  })
  .superRefine((r, ctx) => {
    sportOfEvent(r, ctx);
    probSum(r, ctx);
  });

const compareCell = z.union([z.looseObject({ p_home: probability, p_away: probability, param: z.number().optional() }), z.looseObject({ error: nonEmpty })]);
export const devigCompare = z
  .looseObject({
    type: z.literal('devig.compare'),
    ...base,
    source: sourceName,
    ...game,
    policy: nonEmpty.optional(),
    books: z.array(bookName).min(1),
    /** Carried from the oracle.line (optional, added by issue 3). */
    line_ts: epochMs.optional(),
    home_odds: decimalOdds,
    away_odds: decimalOdds,
    overround: z.number(),
    methods: z.partialRecord(devigMethod, compareCell),
    ...assumed,
  })
  .superRefine((r, ctx) => {
    sportOfEvent(r, ctx);
    for (const [m, cell] of Object.entries(r.methods)) if (cell && 'p_home' in cell) probSum(cell as { p_home: unknown; p_away: unknown }, ctx, ['methods', m]);
  });

// ---------------------------------------------------------------- Kalshi

export const priceRange = z.looseObject({ start: dollars, end: dollars, step: dollars.refine((s) => s > 0, 'step > 0') });

export const kalshiMarket = z
  .looseObject({
    type: z.literal('kalshi.market'),
    ...base,
    ticker: kalshiTicker,
    event_ticker: kalshiEventTicker,
    series: nonEmpty,
    sport,
    event: eventId.optional(),
    team: teamCode.optional(),
    status: nonEmpty,
    close_ts: epochMs.optional(),
    price_ranges: z.array(priceRange).optional(),
    fee_type: z.string().optional(),
  })
  .superRefine((r, ctx) => {
    sportOfEvent(r, ctx);
    if (!goodTicker(r.ticker)) return;
    const series = seriesOf(r.ticker);
    if (r.series !== series) issue(ctx, ['series'], `series "${r.series}" is not the series of ticker ${r.ticker} (${series})`);
    const tickerSport = GAME_SERIES[series];
    if (tickerSport !== undefined && r.sport !== tickerSport) issue(ctx, ['sport'], `sport "${r.sport}" contradicts ticker ${r.ticker} (${tickerSport})`);
    if (!r.ticker.startsWith(`${r.event_ticker}-`)) issue(ctx, ['event_ticker'], `${r.event_ticker} is not the event of ticker ${r.ticker}`);
    if (r.team !== undefined && teamByCode(r.sport, r.team)?.code !== r.team) {
      issue(ctx, ['team'], `"${r.team}" is not a ${r.sport.toUpperCase()} team code (see the team table)`);
      return;
    }
    if (r.event === undefined && r.team === undefined) return; // unmapped: reported by feed-kalshi
    if (r.event === undefined) {
      issue(ctx, ['event'], 'a market with a team names its event too');
      return;
    }
    const p = tickerOfEvent(r.ticker, r.event, ctx);
    if (p?.ok && r.team !== undefined && p.value.yesTeam.code !== r.team) {
      issue(ctx, ['team'], `"${r.team}" is not the YES team of ticker ${r.ticker} (${p.value.yesTeam.code})`);
    }
  });

export const kalshiBook = z.looseObject({
  type: z.literal('kalshi.book'),
  ...base,
  ticker: kalshiTicker,
  seq: z.number().int().nonnegative(),
  /** The subscription `seq` counts in (seq is per sid, not per market). */
  sid: z.number().int().nonnegative().optional(),
  bids: bookLevels,
  asks: bookLevels,
  /** The exchange's ts_ms of the delta behind this book, when it sent one. */
  exch_ts: epochMs.optional(),
});

export const kalshiTrade = z.looseObject({
  type: z.literal('kalshi.trade'),
  ...base,
  ticker: kalshiTicker,
  trade_id: nonEmpty,
  price,
  count: contracts,
  taker_side: yesNo,
  exch_ts: epochMs.optional(),
});

export const KALSHI_FEED_STATES = ['connecting', 'live', 'resyncing', 'down'] as const;
export const kalshiStatus = z.looseObject({
  type: z.literal('kalshi.status'),
  ...base,
  state: z.enum(KALSHI_FEED_STATES),
  connects: z.number().int().nonnegative(),
  reconnects: z.number().int().nonnegative(),
  disconnects: z.number().int().nonnegative(),
  gaps: z.number().int().nonnegative(),
  last_msg_ts: epochMs.nullable(),
  tickers: z.record(
    kalshiTicker,
    z.looseObject({
      valid: z.boolean(),
      age_ms: z.number().int().nonnegative().nullable(),
      seq: z.number().int().nonnegative().nullable(),
      /** Kalshi's market status (`active`, `inactive` = paused, ...), when known. */
      market_status: z.string().optional(),
    }),
  ),
  /** Why the connection was last lost (`close`, `error`, `heartbeat-timeout`, ...), or `shutdown`. */
  cause: z.string().nullable().optional(),
  /** Inside the Thursday 03:00-05:00 ET maintenance window. */
  maintenance: z.boolean().optional(),
  /** The orderbook subscription's use_yes_price. */
  use_yes_price: z.boolean().optional(),
  exchange_active: z.boolean().optional(),
  trading_active: z.boolean().optional(),
});

export const kalshiResult = z.looseObject({
  type: z.literal('kalshi.result'),
  ...base,
  ticker: kalshiTicker,
  result: yesNo,
  settlement_value: dollars.optional(),
});

/** One of our orders as the exchange reports it (`user_orders` channel), in YES terms. */
export const kalshiUserOrder = z.looseObject({
  type: z.literal('kalshi.user_order'),
  ...base,
  order_id: nonEmpty,
  client_order_id: z.string().optional(),
  ticker: kalshiTicker,
  status: z.enum(['resting', 'canceled', 'executed']),
  outcome_side: yesNo,
  book_side: z.enum(['bid', 'ask']),
  price,
  fill_count: contractsOrZero,
  remaining_count: contractsOrZero,
  initial_count: contractsOrZero,
  exch_ts: epochMs.optional(),
});

/** One of our fills as the exchange reports it (`fill` channel), price in YES terms. */
export const kalshiFill = z.looseObject({
  type: z.literal('kalshi.fill'),
  ...base,
  trade_id: nonEmpty,
  order_id: nonEmpty,
  client_order_id: z.string().optional(),
  ticker: kalshiTicker,
  price,
  count: contracts,
  fee: dollars.refine((x) => x >= 0, 'fee >= 0'),
  is_taker: z.boolean(),
  outcome_side: yesNo,
  book_side: z.enum(['bid', 'ask']),
  post_position: z.number().optional(),
  exch_ts: epochMs.optional(),
});

/**
 * What the exchange told `quote --live` (reference §1.3, §2): one record per REST answer
 * (create, cancel, order reads, reconciliation lists) and per private WebSocket message
 * (user_order, fill, order_group), with `body` exactly as received; and `session`, the
 * session's own stop (body {event: 'stop', reason}), the moment every quote was pulled. The live venue's core
 * (src/core/exec-venue.ts) reads nothing else, so a recorded live session replays through
 * `quote --live --replay` to the same decisions.
 */
export const EXEC_OPS = [
  'create',
  'cancel',
  'amend',
  'order',
  'lookup',
  'orders',
  'fills',
  'positions',
  'group',
  'user_order',
  'fill',
  'order_group',
  'feed',
  'cancel-all',
  'session',
] as const;
export const kalshiExec = z.looseObject({
  type: z.literal('kalshi.exec'),
  ...base,
  op: z.enum(EXEC_OPS),
  client_order_id: z.string().optional(),
  order_id: z.string().optional(),
  ok: z.boolean().optional(),
  status: z.number().int().nonnegative().optional(),
  code: z.string().optional(),
  error: z.string().optional(),
  body: z.record(z.string(), z.unknown()).optional(),
  conn: z.number().int().nonnegative().optional(),
});

export const RECONCILE_KINDS = ['orphan', 'lost', 'missed-fill', 'group-triggered', 'group-reset', 'startup', 'shutdown'] as const;
/** What reconciling with the exchange found: orders we did not know, orders it did not know, fills we had missed. */
export const reconcile = z.looseObject({
  type: z.literal('reconcile'),
  ...base,
  kind: z.enum(RECONCILE_KINDS),
  client_order_id: z.string().optional(),
  order_id: z.string().optional(),
  ticker: z.string().optional(),
  trade_id: z.string().optional(),
  detail: z.string().optional(),
});

// ---------------------------------------------------------------- mapping, orders, fills

export const marketLink = z
  .looseObject({
    type: z.literal('market.link'),
    ...base,
    event: eventId,
    sport,
    side: homeAway,
    ticker: kalshiTicker,
  })
  .superRefine((r, ctx) => {
    sportOfEvent(r, ctx);
    const p = tickerOfEvent(r.ticker, r.event, ctx);
    if (p?.ok && p.value.event === r.event && p.value.side !== r.side) {
      issue(ctx, ['side'], `ticker ${r.ticker} is the ${p.value.side} team's market (${p.value.yesTeam.code}), not the ${r.side} team's`);
    }
  });

/** Appended, never reordered: `pending-amend` (an amend on its way) and `amended` (final: superseded by its amendment, a new client id on the same order_id). */
export const ORDER_STATUSES = [
  'new',
  'submitted',
  'resting',
  'partial',
  'filled',
  'pending-cancel',
  'canceled',
  'rejected',
  'pending-amend',
  'amended',
] as const;
export const order = z
  .looseObject({
    type: z.literal('order'),
    ...base,
    mode: z.enum(['shadow', 'live']),
    client_order_id: nonEmpty,
    order_id: z.string().optional(),
    ticker: kalshiTicker,
    side: yesNo,
    action: z.enum(['buy', 'sell']),
    price,
    count: contracts,
    tif: z.enum(['gtc', 'ioc', 'fok']),
    post_only: z.boolean(),
    status: z.enum(ORDER_STATUSES),
    filled: contractsOrZero,
    remaining: contractsOrZero,
    reason: nonEmpty,
    fair_p: probability.optional(),
    edge: z.number().optional(),
    /** The game the ticker belongs to (quote). */
    event: eventId.optional(),
    liquidity: z.enum(['maker', 'taker']).optional(),
    /** ts of the oracle.prob the order was priced from. */
    oracle_ts: epochMs.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.event !== undefined) tickerOfEvent(r.ticker, r.event, ctx);
  });

export const fill = z
  .looseObject({
    type: z.literal('fill'),
    ...base,
    order_id: nonEmpty,
    client_order_id: nonEmpty,
    trade_id: nonEmpty,
    ticker: kalshiTicker,
    side: yesNo,
    action: z.enum(['buy', 'sell']),
    price,
    count: contracts,
    fee: dollars.refine((x) => x >= 0, 'fee >= 0'),
    liquidity: z.enum(['maker', 'taker']),
    mode: z.enum(['shadow', 'live']),
    fair_p: probability,
    source: sourceName,
    method: devigMethod,
    event: eventId,
    /** Shadow fills: the queue model that produced the fill. */
    queue_model: z.enum(['risk-averse', 'prob']).optional(),
    /** The fair probability (YES) the order was priced at (fair_p is the one at fill time), and when it was sent. */
    quote_fair_p: probability.optional(),
    quote_ts: epochMs.optional(),
  })
  .superRefine((r, ctx) => {
    tickerOfEvent(r.ticker, r.event, ctx);
  });

/** A ticker's position after a fill, and at settlement with its realized PnL (quote). */
export const position = z
  .looseObject({
    type: z.literal('position'),
    ...base,
    mode: z.enum(['shadow', 'live']),
    ticker: kalshiTicker,
    event: eventId.optional(),
    /** Net YES contracts: negative is a NO position. */
    position: z.number().refine((x) => onGrid(x, 2), 'at most 2 decimals'),
    /** Dollars paid for the open position (negative: received). */
    cost: z.number(),
    /** Fees paid on this ticker, dollars. */
    fees: dollars.refine((x) => x >= 0, 'fee >= 0'),
    /** Realized PnL in dollars after fees (set at settlement). */
    realized_pnl: z.number().nullable(),
    state: z.enum(['open', 'settled']),
    result: yesNo.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.event !== undefined) tickerOfEvent(r.ticker, r.event, ctx);
  });

export const skip = z
  .looseObject({
    type: z.literal('skip'),
    ...base,
    ticker: kalshiTicker.optional(),
    event: eventId.optional(),
    reason: z.string().regex(/^[a-z][a-z0-9-]*$/, 'kebab-case reason'),
    detail: z.string().optional(),
  })
  .refine((r) => r.ticker !== undefined || r.event !== undefined, { message: 'a skip names a ticker or an event' })
  .superRefine((r, ctx) => {
    // An unmapped ticker is what some skips are about; a mapped one must be the skip's game.
    if (r.ticker === undefined || r.event === undefined || !goodTicker(r.ticker)) return;
    const p = parseMarketTickerMemo(r.ticker);
    if (p.ok && p.value.event !== r.event) issue(ctx, ['event'], `${r.event} is not the game of ticker ${r.ticker} (${p.value.event})`);
  });

export const LATENCY_KINDS = ['quote-to-action', 'oracle-to-order', 'oracle-to-cancel', 'cancel', 'reprice', 'fill'] as const;
export const latency = z.looseObject({
  type: z.literal('latency'),
  ...base,
  kind: z.enum(LATENCY_KINDS),
  ms: z.number().nonnegative(),
  ticker: kalshiTicker.optional(),
  client_order_id: z.string().optional(),
});

export const killswitch = z.looseObject({
  type: z.literal('killswitch'),
  ...base,
  state: z.enum(['tripped', 'cleared']),
  condition: nonEmpty,
  detail: z.string().optional(),
  /** Where it applies: everything, one sport, one game (key: event id) or one ticker. */
  scope: z.enum(['global', 'sport', 'game', 'ticker']).optional(),
  key: z.string().optional(),
});

// ---------------------------------------------------------------- results and analytics

export const result = z
  .looseObject({
    type: z.literal('result'),
    ...base,
    sport,
    event: eventId,
    winner: homeAway,
    home_score: z.number().int().nonnegative().optional(),
    away_score: z.number().int().nonnegative().optional(),
    ...assumed,
  })
  .superRefine((r, ctx) => {
    sportOfEvent(r, ctx);
    const h = r.home_score;
    const a = r.away_score;
    if (h === undefined && a === undefined) return;
    if (h === undefined || a === undefined) {
      issue(ctx, [h === undefined ? 'home_score' : 'away_score'], 'home_score and away_score come together (or neither)');
      return;
    }
    // NBA and NHL games do not end level (overtime, shootout): a tie has no winner.
    if (h === a) issue(ctx, ['home_score'], `a tied score (${h}-${a}) has no winner`);
    else if ((h > a ? 'home' : 'away') !== r.winner) issue(ctx, ['winner'], `winner "${r.winner}" contradicts the score (home ${h}, away ${a})`);
  });

const bucket = z.looseObject({
  lo: probability,
  hi: probability,
  n: z.number().int().positive(),
  mean_p: probability,
  win_rate: probability,
});

export const calibration = z.looseObject({
  type: z.literal('calibration'),
  ...base,
  group: z.record(z.string(), z.string()),
  n: z.number().int().nonnegative(),
  brier: z.number().nonnegative(),
  log_loss: z.number().nonnegative(),
  ece: z.number().nonnegative(),
  mce: z.number().nonnegative(),
  buckets: z.array(bucket),
  deciles_fixed: z.array(bucket).optional(),
  deciles_quantile: z.array(bucket).optional(),
  within_tolerance: z.boolean(),
  tolerance: z.number().nonnegative(),
  /** Which probability per game was scored: the close or every record (calibrate --at). */
  at: z.enum(['close', 'all']).optional(),
  /** Number of uniform bins of `buckets`. */
  bins: z.number().int().min(2).optional(),
  /** The forecast scored: p_home against a home win. */
  scored: z.literal('p_home').optional(),
  /** Share of home wins among the scored games. */
  base_rate: probability.optional(),
  /** Mean forecast. */
  mean_p: probability.optional(),
  /** Game-by-game comparison with another method on the same games (this minus baseline; negative is better). */
  vs_baseline: z
    .looseObject({
      baseline: nonEmpty,
      n: z.number().int().positive(),
      brier_diff: z.number(),
      brier_diff_se: z.number().nullable(),
      log_loss_diff: z.number(),
      log_loss_diff_se: z.number().nullable(),
    })
    .optional(),
});

/** The Kelly gate: a calibration sign-off for one oracle path (calibrate --signoff). */
export const calibrationSignoff = z.looseObject({
  type: z.literal('calibration.signoff'),
  ...base,
  group: z.record(z.string(), z.string()),
  n: z.number().int().positive(),
  brier: z.number().nonnegative(),
  log_loss: z.number().nonnegative(),
  ece: z.number().nonnegative(),
  mce: z.number().nonnegative(),
  tolerance: z.number().nonnegative(),
  within_tolerance: z.literal(true),
  config_fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.enum(['close', 'all']).optional(),
  bins: z.number().int().min(2).optional(),
  /** The fewest games the sign-off required. */
  min_n: z.number().int().positive().optional(),
  /** Latest ts of the data the sign-off rests on (ts is when it was signed). */
  data_ts: epochMs.optional(),
});

export const clv = z
  .looseObject({
    type: z.literal('clv'),
    ...base,
    order_id: nonEmpty,
    trade_id: nonEmpty,
    ticker: kalshiTicker,
    event: eventId,
    side: yesNo,
    action: z.enum(['buy', 'sell']),
    liquidity: z.enum(['maker', 'taker']),
    count: contracts,
    quote_ts: epochMs,
    fill_price: price,
    fee: dollars,
    fair_p: probability,
    ref_p: probability.nullable(),
    close_p: probability.nullable(),
    outcome: z.union([z.literal(0), z.literal(1)]).nullable(),
    clv: z.number().nullable(),
    pnl: z.number().nullable(),
    model_error: z.number().nullable(),
    execution_error: z.number().nullable(),
    fee_drag: z.number().nullable(),
    source: sourceName,
    method: devigMethod,
    // Optional (issue 12, clv-report writes them all). Prices and probabilities are YES
    // terms; pnl and its terms are dollars per contract.
    /** The reference path the closes come from, SOURCE/METHOD. */
    reference: nonEmpty.optional(),
    sport: sport.optional(),
    mode: z.enum(['shadow', 'live']).optional(),
    /** The fill's fair_p (at fill time); fair_p here is the one at the decision. */
    fill_fair_p: probability.optional(),
    /** The reference probability at the decision (last at or before quote_ts): P_ref. */
    decision_ref_p: probability.nullable().optional(),
    /** ref_p is the reference probability this long after the fill (capped at commence_ts). */
    ref_after_ms: z.number().int().nonnegative().optional(),
    ref_late_p: probability.nullable().optional(),
    ref_late_after_ms: z.number().int().nonnegative().optional(),
    commence_ts: epochMs.nullable().optional(),
    /** CLV as expected ROI before fees. */
    clv_roi: z.number().nullable().optional(),
    /** The rest of pricing.md's split: pnl = edge_claimed + execution_error + fee_drag + model_error + outcome_noise. */
    edge_claimed: z.number().nullable().optional(),
    outcome_noise: z.number().nullable().optional(),
    /** Why the fill is not scored (no-reference, no-close); null when scored. */
    unscored: z.enum(['no-reference', 'no-close']).nullable().optional(),
  })
  .superRefine((r, ctx) => {
    tickerOfEvent(r.ticker, r.event, ctx);
  });

/**
 * The CLV verdict over a group of fills (clv-report): the live-capital gate reads the
 * overall one (group {}). Mean CLV in probability points with a game-clustered bootstrap
 * interval at `confidence` and a one-sided p-value (H0: mean CLV <= 0); `positive` only
 * when the interval's lower bound is above 0 over at least `min_games` games.
 */
export const clvSummary = z.looseObject({
  type: z.literal('clv.summary'),
  ...base,
  /** What the fills have in common: {} for all, or e.g. {"sport":"nba"}, {"source":"boltodds","method":"shin"}, {"liquidity":"maker"}. */
  group: z.record(z.string(), z.string()),
  /** The reference path the closes come from, SOURCE/METHOD. */
  reference: nonEmpty,
  n_fills: z.number().int().nonnegative(),
  n_games: z.number().int().nonnegative(),
  /** Fills left out for want of a closing line (counted, never scored). */
  n_unscored: z.number().int().nonnegative(),
  mean_clv: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
  p_value: z.number().min(0).max(1).nullable(),
  positive: z.boolean(),
  confidence: z.number().gt(0).lt(1),
  min_games: z.number().int().positive(),
  bootstrap_resamples: z.number().int().positive(),
  seed: z.number().int(),
  /** The fills' time span (fill ts), null when there are none. */
  from_ts: epochMs.nullable(),
  to_ts: epochMs.nullable(),
});

const count = z.number().int().nonnegative();
const compareSide = z.looseObject({
  probs: count,
  oracle_unavailable: count,
  oracle_unavailable_ms: z.number().nonnegative(),
  orders: count,
  maker_orders: count,
  taker_orders: count,
  contracts_ordered: z.number().nonnegative(),
  fills: count,
  maker_fills: count,
  taker_fills: count,
  contracts_filled: z.number().nonnegative(),
  skips: z.record(z.string(), count),
  edge_decision_usd: z.number(),
  edge_fill_usd: z.number(),
  pnl_usd: z.number(),
  settled_tickers: count,
  open_tickers: count,
});
const compareRun = z.looseObject({
  /** SOURCE/METHOD the run quoted from, or "unknown". */
  path: nonEmpty,
  path_from: z.enum(['argv', 'fills', 'unknown']),
  profile: z.string().nullable(),
  config_fingerprint: z.string().nullable(),
  commit: z.string().nullable(),
});

/**
 * Two quote runs over one recording side by side (compare): one record per game and one
 * for the total (game null). p_home_mad: mean |p_home control - experiment| over the
 * moments both paths have a probability; leads: which path moved first on the same move.
 */
export const compare = z.looseObject({
  type: z.literal('compare'),
  ...base,
  game: eventId.nullable(),
  sport: sport.optional(),
  runs: z.looseObject({ control: compareRun, experiment: compareRun }),
  control: compareSide,
  experiment: compareSide,
  p_home_mad: z.number().nonnegative().nullable(),
  p_moments: count,
  leads: z.looseObject({
    control: count,
    experiment: count,
    tie: count,
    unmatched_control: count,
    unmatched_experiment: count,
    median_lead_ms_control: z.number().nonnegative().nullable(),
    median_lead_ms_experiment: z.number().nonnegative().nullable(),
  }),
  /** The move threshold (probability) and the matching window (ms) the leads were counted with. */
  move: z.number().positive().max(1),
  lead_window_ms: z.number().int().nonnegative(),
  /** Recording record types whose counts differ between the runs (empty: the same recording). */
  recording_mismatch: z.array(z.string()),
});

/** The conditions of the live-capital gate, in the order they are printed (gate). */
export const GATE_CONDITIONS = [
  'soak',
  'arbitration',
  'partial-line-freshness',
  'failure-mode-tests',
  'quote-reaction',
  'calibration-signoff',
  'clv',
  'cancel-latency',
  'release-checkout',
  'runbook',
] as const;

const gateCondition = z.looseObject({
  id: z.enum(GATE_CONDITIONS),
  /** Which instance (calibration-signoff: the path SOURCE/SPORT/PHASE/METHOD). */
  key: z.string().optional(),
  /** What the evidence shows, e.g. "p99 212 ms over 1840 cancels", or what is missing. */
  figure: z.string(),
  /** What it must be, e.g. "<= 500 ms over >= 100 records". */
  bound: z.string(),
  pass: z.boolean(),
});

/**
 * The live-capital gate's verdict over one evidence directory (gate --evidence DIR):
 * every condition with its figure and bound; `pass` only when every condition passes.
 * quote --live reads the latest from config gate.verdict_file.
 */
export const gate = z
  .looseObject({
    type: z.literal('gate'),
    ...base,
    pass: z.boolean(),
    /** The evidence directory judged. */
    evidence: nonEmpty,
    /** The checkout judged (release-checkout): its branch, commit and whether it was dirty. */
    branch: z.string().nullable(),
    commit: z.string().nullable(),
    dirty: z.boolean().nullable(),
    config_fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    conditions: z.array(gateCondition).min(1),
    /** The ids of the failed conditions (with :key where there is one), in order. */
    failed: z.array(z.string()),
  })
  .refine((r) => r.pass === r.conditions.every((c) => c.pass), { message: 'pass is true exactly when every condition passes', path: ['pass'] })
  .refine((r) => r.failed.length === r.conditions.filter((c) => !c.pass).length, { message: 'failed lists every failed condition', path: ['failed'] });

export const metric = z.looseObject({
  type: z.literal('metric'),
  ...base,
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  kind: z.enum(['counter', 'gauge']).optional(),
  value: z.number(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const runManifest = z.looseObject({
  type: z.literal('run.manifest'),
  ...base,
  cmd: nonEmpty,
  version: nonEmpty,
  branch: z.string().nullable(),
  commit: z.string().nullable(),
  dirty: z.boolean().nullable(),
  profile: nonEmpty,
  config_fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  argv: z.array(z.string()),
  started_ts: epochMs,
});

// ---------------------------------------------------------------- registry

/** Every record type, keyed by its `type`. */
export const SCHEMAS = {
  'odds.line': oddsLine,
  'oracle.status': oracleStatus,
  'oracle.line': oracleLine,
  'oracle.prob': oracleProb,
  'devig.compare': devigCompare,
  'kalshi.market': kalshiMarket,
  'kalshi.book': kalshiBook,
  'kalshi.trade': kalshiTrade,
  'kalshi.status': kalshiStatus,
  'kalshi.result': kalshiResult,
  'kalshi.user_order': kalshiUserOrder,
  'kalshi.fill': kalshiFill,
  'kalshi.exec': kalshiExec,
  reconcile: reconcile,
  'market.link': marketLink,
  order: order,
  fill: fill,
  position: position,
  skip: skip,
  latency: latency,
  killswitch: killswitch,
  result: result,
  calibration: calibration,
  'calibration.signoff': calibrationSignoff,
  clv: clv,
  'clv.summary': clvSummary,
  compare: compare,
  gate: gate,
  metric: metric,
  'run.manifest': runManifest,
} as const;

export type RecordType = keyof typeof SCHEMAS;
export const RECORD_TYPES = Object.keys(SCHEMAS) as RecordType[];
export type RecordOf<T extends RecordType> = z.infer<(typeof SCHEMAS)[T]>;

export type OddsLine = RecordOf<'odds.line'>;
export type OracleStatus = RecordOf<'oracle.status'>;
export type OracleLine = RecordOf<'oracle.line'>;
export type OracleProb = RecordOf<'oracle.prob'>;
export type DevigCompare = RecordOf<'devig.compare'>;
export type KalshiMarket = RecordOf<'kalshi.market'>;
export type KalshiBook = RecordOf<'kalshi.book'>;
export type KalshiTrade = RecordOf<'kalshi.trade'>;
export type KalshiStatus = RecordOf<'kalshi.status'>;
export type KalshiResult = RecordOf<'kalshi.result'>;
export type KalshiUserOrder = RecordOf<'kalshi.user_order'>;
export type KalshiFill = RecordOf<'kalshi.fill'>;
export type KalshiExec = RecordOf<'kalshi.exec'>;
export type MarketLink = RecordOf<'market.link'>;
export type Order = RecordOf<'order'>;
export type Fill = RecordOf<'fill'>;
export type Position = RecordOf<'position'>;
export type Skip = RecordOf<'skip'>;
export type Latency = RecordOf<'latency'>;
export type Killswitch = RecordOf<'killswitch'>;
export type Result = RecordOf<'result'>;
export type Calibration = RecordOf<'calibration'>;
export type CalibrationSignoff = RecordOf<'calibration.signoff'>;
export type Clv = RecordOf<'clv'>;
export type ClvSummary = RecordOf<'clv.summary'>;
export type Compare = RecordOf<'compare'>;
export type GateRecord = RecordOf<'gate'>;
export type GateConditionId = (typeof GATE_CONDITIONS)[number];
export type Metric = RecordOf<'metric'>;
export type RunManifest = RecordOf<'run.manifest'>;

/**
 * The discriminated union of every record. (The per-type map above is what the decoder
 * uses on the hot path: one lookup by `type`, then that schema alone.)
 */
export const anyRecord = z.union(Object.values(SCHEMAS) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
export type AnyRecord = { [T in RecordType]: RecordOf<T> }[RecordType];

export function isRecordType(t: string): t is RecordType {
  return Object.prototype.hasOwnProperty.call(SCHEMAS, t);
}

/** Field order of a record type, as the schema declares it (ledger CSV columns). */
export function fieldsOf(t: RecordType): string[] {
  // zod 4 keeps .refine() on the object schema itself, so every schema here has a shape.
  return Object.keys((SCHEMAS[t] as unknown as { shape: Record<string, unknown> }).shape);
}
