// Config section `kelly`: fractional Kelly sizing and its calibration gate (roadmap item 6).
import { z } from 'zod';

export const kellySection = z
  .strictObject({
    /** Fractional Kelly λ in (0, 1]: size as full Kelly on λ x bankroll. 0.25 is quarter Kelly. */
    fraction: z.number().gt(0).max(1).default(0.25),
    /** The calibration.signoff file (written by calibrate --signoff) that sizing checks; none: Kelly is refused. */
    signoff_file: z.string().min(1).nullable().default(null),
    /** Largest expected calibration error (ECE, 10 uniform bins) a path may have to be sized by Kelly. */
    tolerance: z.number().min(0).max(1).default(0.02),
    /** Fewest scored games a sign-off must rest on. */
    signoff_min_n: z.number().int().min(1).default(1000),
  })
  .prefault({});
