// Evidence documents that are not stream records: what the live-capital gate reads from
// an evidence directory beside the records (gate --evidence DIR; README "### gate").
import { z } from 'zod';
import { epochMs, nonEmpty } from './common.js';

/**
 * A soak report (`make soak` writes one to SOAK_REPORT, default out/soak/feed-kalshi.json):
 * one JSON object saying which component soaked for how long and whether every check of
 * its table held. The gate accepts a passing report of `component` "feed-kalshi" that
 * lasted at least config gate.soak_min_seconds.
 */
export const soakReport = z
  .looseObject({
    type: z.literal('soak.report'),
    /** The command soaked: "feed-kalshi". */
    component: nonEmpty,
    /** When the soak started and ended (wall clock, epoch ms). */
    started_ts: epochMs,
    ended_ts: epochMs,
    /** The duration asked for (SOAK_SECONDS). */
    seconds: z.number().int().positive(),
    fault_every_ms: z.number().int().positive(),
    /** True exactly when every check passed. */
    ok: z.boolean(),
    checks: z.array(z.looseObject({ check: z.string(), expected: z.string(), observed: z.string(), ok: z.boolean() })).min(1),
    injected: z.record(z.string(), z.number().int().nonnegative()),
    /** The checkout the soaked build came from. */
    branch: z.string().nullable(),
    commit: z.string().nullable(),
    dirty: z.boolean().nullable(),
  })
  .refine((r) => r.ok === r.checks.every((c) => c.ok), { message: 'ok is true exactly when every check passed', path: ['ok'] })
  .refine((r) => r.ended_ts >= r.started_ts, { message: 'ended before it started', path: ['ended_ts'] });

export type SoakReport = z.infer<typeof soakReport>;
