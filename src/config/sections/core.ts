// Config sections every command shares: logging, metrics, the stream layer.
import { z } from 'zod';
import { LEVEL_NAMES } from '../../log/logger.js';

export const logSection = z
  .strictObject({
    /** Lowest level written to stderr. */
    level: z.enum(LEVEL_NAMES).default('info'),
    /** Interval of throttled (repeated) messages, ms: one line + one summary per interval. */
    throttle_ms: z.number().int().min(1000).default(60_000),
  })
  .prefault({});

export const metricsSection = z
  .strictObject({
    /** How often `metric` records are written to --metrics FILE, ms. */
    every_ms: z.number().int().min(100).default(10_000),
  })
  .prefault({});

export const streamSection = z
  .strictObject({
    /** Lines longer than this are rejected (reason too-long) instead of buffered. */
    max_line_bytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024 * 1024),
    /** Bad lines of one reason that each get a full diagnostic; then one line per throttle interval. */
    diagnostics_burst: z.number().int().min(1).default(100),
  })
  .prefault({});
