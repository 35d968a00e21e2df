// Config section `quote`: the quote manager, its shadow venue, limits and kill switches
// (roadmap items 5, 6's gate and 15). Every key has a flag of the same name; flags win.
import { z } from 'zod';
import { devigMethod } from '../../schema/records.js';
import { sourceName } from '../../schema/common.js';

const ms = z.number().int().min(0);

export const quoteSection = z
  .strictObject({
    /** The one oracle path that prices this process ({source, method}); null: --oracle is required. */
    oracle: z.strictObject({ source: sourceName, method: devigMethod }).nullable().default(null),
    /** Minimum maker edge after the maker fee, in probability (0.02 = 2 cents on a $1 contract). */
    edge: z.number().min(0).max(0.5).default(0.02),
    /** Taker (IOC) orders only when set: minimum edge after the taker fee. */
    taker_edge: z.number().min(0).max(0.5).nullable().default(null),
    /** Contracts per quote (whole contracts); ignored with kelly: true. */
    size: z.number().int().min(1).default(10),
    /** Size by fractional Kelly (section kelly) behind the calibration sign-off of this exact path. */
    kelly: z.boolean().default(false),
    /** Bankroll in dollars that Kelly sizes against. */
    bankroll: z.number().positive().default(1000),
    /** How far the quote may improve on the best price of its side, in grid ticks (0: join). */
    improve_ticks: z.number().int().min(0).default(0),
    /**
     * How a resting quote moves to a new price: `amend` (Kalshi V2 amend in place: one round
     * trip, never a moment with no quote or two) or `cancel-replace` (cancel, wait for the
     * acknowledgement, then place). Shadow and live alike, so the paper venue measures what
     * live does.
     */
    reprice: z.enum(['amend', 'cancel-replace']).default('amend'),
    /** Reprice only when the desired price moved at least this many grid ticks. */
    refresh_tolerance_ticks: z.number().int().min(1).default(1),
    /** A quote rests at least this long before a reprice (adverse moves do not wait). */
    min_rest_ms: ms.default(2_000),
    /** A quote older than this is cancelled and placed again (0: no limit). */
    max_order_age_ms: ms.default(300_000),
    /** No oracle.prob for a game for this long trips oracle-stale. */
    oracle_stale_ms: z.number().int().min(1).default(180_000),
    /** No book for a ticker for this long trips ticker-stale. */
    book_stale_ms: z.number().int().min(1).default(120_000),
    /** Every quote of a game is pulled this long before its commence time. */
    pull_before_start_ms: ms.default(300_000),
    /** Quote during the game too (pregame only when false). */
    in_play: z.boolean().default(false),
    /** A kill switch clears only after its condition has been clear this long. */
    resume_after_ms: ms.default(30_000),
    /** This many reconnects of the Kalshi feed within reconnect_window_ms trips reconnect-storm. */
    reconnect_max: z.number().int().min(1).default(5),
    reconnect_window_ms: z.number().int().min(1).default(300_000),
    /** A cancel not acknowledged within this is sent again (repeats in between are suppressed). */
    cancel_retry_ms: z.number().int().min(1).default(5_000),
    /** How many times an unanswered cancel is sent again before it is reported and left blocking its side. */
    cancel_retry_max: z.number().int().min(0).default(3),
    /** Finished orders are kept this long so late fills still map to them. */
    keep_finished_ms: z.number().int().min(1).default(600_000),
    /** Live: a level we just left is taken out of the book this long (its echo until the feed's delta comes). */
    echo_window_ms: z.number().int().min(0).default(2_000),
    /** A settled market's state is dropped this long after its result. */
    forget_after_ms: z.number().int().min(1).default(3_600_000),
    /** Limits checked before every order. */
    max_position: z.number().int().min(1).default(100),
    max_game_loss: z.number().positive().default(100),
    max_daily_notional: z.number().positive().default(1000),
    /** Shadow venue: queue model and one-way latency (order entry, and the answer back, each). */
    queue_model: z.enum(['risk-averse', 'prob']).default('risk-averse'),
    latency_ms: ms.default(50),
    /** quote --live: the Kalshi order path (connection settings come from section kalshi). */
    live: z
      .strictObject({
        /**
         * Client order ids start with this; at start and at stop every resting order with it
         * is canceled. null: `chl-SOURCE-METHOD-` of the oracle path (stable across config
         * changes, distinct for control and experiment processes on one account).
         */
        client_prefix: z
          .string()
          .regex(/^[A-Za-z0-9-]{3,24}$/, '3-24 letters, digits or dashes')
          .nullable()
          .default(null),
        /** The order group's contracts_limit: the exchange cancels our orders when fills pass it in a rolling 15 s. */
        group_contracts_limit: z.number().int().min(1).max(1_000_000).default(200),
        /** A cancel or an order's end not confirmed over the WebSocket this long after REST answered is read again, ms. */
        ack_timeout_ms: z.number().int().min(10).default(2_000),
        /** After a reconnect, fills are read from this long before the last one seen, ms. */
        reconcile_overlap_ms: z.number().int().min(0).default(60_000),
        /** The private channels must be live and our old orders canceled within this, or the run refuses, ms. */
        startup_timeout_ms: z.number().int().min(100).default(15_000),
        /** At stop, how long cancels may take before the run exits 1 naming what is left, ms. */
        shutdown_timeout_ms: z.number().int().min(100).default(15_000),
      })
      .prefault({}),
  })
  .prefault({});
