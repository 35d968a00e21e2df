// Config sections of the oracle commands: `devig` (which margin-removal method each
// source gets) and `arbitrate` (which sportsbook's line becomes the oracle line).
import { z } from 'zod';
import { devigMethod } from '../../schema/records.js';
import { bookName, sourceName } from '../../schema/common.js';

export const devigSection = z
  .strictObject({
    /**
     * The method: one for every source ("shin"), or one per oracle source
     * ({"boltodds": "shin", "oddsapi": "proportional"}). --method M sets it to M.
     */
    method: z.union([devigMethod, z.record(sourceName, devigMethod)]).default({}),
    /**
     * Method for a source missing from a per-source `method` map. null (the default):
     * no guess; that source's records get no oracle.prob and are reported (reason
     * no-method). With no method at all (and no --method, no --compare) devig refuses to
     * start (exit 2).
     */
    default: devigMethod.nullable().default(null),
    /**
     * Sanity bound on a line's margin: a line whose overround (booksum - 1, e.g. 0.045 for a
     * 4.5 % margin) is above this or below its negative is not priced, whatever the method
     * (reason margin-out-of-bounds). Real two-way moneylines sit within a few percent (the
     * bundled NBA history: -0.04 to 0.08, plus 8 rows quoting both sides as favourites,
     * 0.29 to 0.73); 1.0000001 on both sides is 1 (100 %), 1e300 on both is -1.
     */
    max_margin: z.number().positive().max(1).default(0.2),
  })
  .prefault({});

export const ARBITRATE_POLICIES = ['pinnacle-only', 'primary-fallback', 'weighted-blend'] as const;
export type ArbitratePolicyName = (typeof ARBITRATE_POLICIES)[number];

export const arbitrateSection = z
  .strictObject({
    /**
     * pinnacle-only: Pinnacle's line or nothing. primary-fallback: the first book of
     * `books` whose line is fresh. weighted-blend: the fresh books of `books`, blended in
     * implied-probability space with `weights`.
     */
    policy: z.enum(ARBITRATE_POLICIES).default('primary-fallback'),
    /** Books the policy may use; for primary-fallback in priority order. Unused by pinnacle-only. */
    books: z.array(bookName).min(1).default(['pinnacle', 'draftkings']),
    /**
     * A book's line is usable while its age (clock time - line ts) is at most this, ms;
     * after that it is stale: primary-fallback moves to the next book, the others drop it.
     */
    fallback_after_ms: z.number().int().min(0).default(120_000),
    /** weighted-blend: relative weight per book, normalised over the fresh books used. */
    weights: z.record(bookName, z.number().positive().finite()).default({}),
    /** weighted-blend: fewest fresh books needed to publish a blend. */
    min_books: z.number().int().min(1).default(1),
    /** An event with no fresh line for this long (ms) is forgotten: memory stays bounded over weeks. */
    forget_after_ms: z
      .number()
      .int()
      .min(1)
      .default(6 * 3_600_000),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    for (const b of a.books) {
      if (seen.has(b)) ctx.addIssue({ code: 'custom', path: ['books'], message: `book "${b}" listed twice` });
      seen.add(b);
    }
    if (a.policy === 'weighted-blend') {
      for (const b of a.books) {
        if (a.weights[b] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['weights'],
            message: `weighted-blend needs a weight for every book in books; none for "${b}" (set arbitrate.weights or --weights)`,
          });
        }
      }
      if (a.min_books > a.books.length) {
        ctx.addIssue({ code: 'custom', path: ['min_books'], message: `min_books ${a.min_books} exceeds the ${a.books.length} books listed` });
      }
    }
    if (a.forget_after_ms <= a.fallback_after_ms) {
      ctx.addIssue({ code: 'custom', path: ['forget_after_ms'], message: 'must be greater than fallback_after_ms' });
    }
  })
  .prefault({});
