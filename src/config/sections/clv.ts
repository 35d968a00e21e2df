// Config section `clv`: the defaults of clv-report (closing line value and its verdict).
import { z } from 'zod';
import { SOURCE_RE } from '../../schema/common.js';
import { DEVIG_METHODS } from '../../schema/records.js';

const REFERENCE_RE = new RegExp(`^${SOURCE_RE.source.replace(/^\^|\$$/g, '')}(/(${DEVIG_METHODS.join('|')}))?$`);

export const clvSection = z
  .strictObject({
    /** The reference path the closes come from, SOURCE or SOURCE/METHOD (e.g. boltodds/shin); null: --reference is required. */
    reference: z.string().regex(REFERENCE_RE, 'SOURCE or SOURCE/METHOD, e.g. boltodds/shin').nullable().default(null),
    /** The first "later" reference probability: this long after each fill (ms). */
    ref_after_ms: z.number().int().min(0).default(300_000),
    /** The second "later" reference probability (ms after the fill). */
    ref_late_after_ms: z.number().int().min(0).default(1_800_000),
    /** Two-sided confidence of the bootstrap interval; the verdict needs its lower bound above 0. */
    confidence: z.number().gt(0).lt(1).default(0.95),
    /** Fewest games (with scored fills) before a group's CLV can be called positive. */
    min_games: z.number().int().min(1).default(50),
    /** Bootstrap resamples (of whole games). */
    resamples: z.number().int().min(100).max(1_000_000).default(10_000),
    /** Seed of the bootstrap's generator (src/core/prng.ts). */
    seed: z.number().int().default(1),
  })
  .prefault({});
