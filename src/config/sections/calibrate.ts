// Config section `calibrate`: how calibrate scores probabilities against results.
import { z } from 'zod';

export const calibrateSection = z
  .strictObject({
    /** "close": per game and path, the last probability at or before commence_ts; "all": every probability record. */
    at: z.enum(['close', 'all']).default('close'),
    /** Uniform reliability bins for the table, ECE and MCE (deciles are always 10). */
    bins: z.number().int().min(2).max(100).default(10),
  })
  .prefault({});
