// Config section `gate`: the live-capital gate (roadmap "Live Capital Gate", issue 11 §3).
// The bounds each condition is judged by, the release branch, the oracle paths to be
// traded, and how old a passing verdict may be before quote --live stops trusting it.
import { z } from 'zod';
import { devigMethod } from '../../schema/records.js';
import { sourceName, sport } from '../../schema/common.js';

/** An oracle path as a calibration sign-off names it (src/core/kelly.ts OraclePath). */
export const gatePath = z.strictObject({
  source: sourceName,
  sport,
  phase: z.enum(['pregame', 'live']),
  method: devigMethod,
});

/**
 * The failure-mode tests that prove no source path invents a probability (roadmap
 * blockers 2-5): each must be reported passed in the TAP evidence.
 */
export const DEFAULT_FAILURE_MODE_TESTS = [
  'test/feeds/oddsapi-feed.test',
  'test/cli/feed-oddsapi.test',
  'test/core/partial-lines.test',
  'test/core/arbitrate.test',
  'test/cli/devig.test',
  'test/core/killswitch.test',
  'test/quote/kill-switches.test',
];

export const gateSection = z
  .strictObject({
    /** The one blessed release branch: the checkout must be on it, and clean. */
    release_branch: z.string().min(1).default('release'),
    /** The oracle paths to be traded; each needs a calibration sign-off. None configured: the gate fails. */
    paths: z.array(gatePath).default([]),
    /** Shortest passing feed-kalshi soak accepted, seconds (the roadmap's 6 hours). */
    soak_min_seconds: z.number().int().min(1).default(21_600),
    /** Partial-line freshness: feed-boltodds must run with boltodds.side_staleness_ms at most this. */
    max_side_staleness_ms: z.number().int().min(1).default(60_000),
    /** Quote reaction: p99 of oracle-to-order latency (oracle record in -> request sent) at most this, ms. */
    reaction_p99_ms: z.number().min(0).default(1_000),
    /** Maker cancel latency: p99 of cancel latency (request -> exchange confirmation) at most this, ms. */
    cancel_p99_ms: z.number().min(0).default(500),
    /** Fewest latency records of a kind for its p99 to count. */
    latency_min_samples: z.number().int().min(1).default(100),
    /** Fewest games the overall clv.summary must rest on (beside its own min_games). */
    clv_min_games: z.number().int().min(1).default(200),
    /** Test files (path without extension) that must be reported passed in the TAP evidence. */
    failure_mode_tests: z.array(z.string().min(1)).min(1).default(DEFAULT_FAILURE_MODE_TESTS),
    /** The gate record is appended here (quote --live reads the latest); null: not written to a file. */
    verdict_file: z.string().min(1).nullable().default(null),
    /** quote --live trusts a passing verdict for at most this long, ms. */
    max_verdict_age_ms: z.number().int().min(1).default(86_400_000),
  })
  .prefault({});

export type GateConfig = z.infer<typeof gateSection>;
