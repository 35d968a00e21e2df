// Config of `ledger` (locked, append-only CSV ledgers).
import { z } from 'zod';

export const ledgerSection = z
  .strictObject({
    /** Most rows committed per lock + write + fsync; a larger input chunk is split into batches. */
    batch_rows: z.number().int().min(1).max(100_000).default(1000),
    /**
     * A lock not refreshed for this long is stale: its holder is presumed dead (SIGKILL,
     * crash) and another writer takes it over, ms. Every writer of one ledger must use the
     * same value. Holders refresh every second, so 2000 is the floor.
     */
    lock_stale_ms: z.number().int().min(2000).max(600_000).default(5000),
    /** How long a writer waits for the lock before it gives up with exit 1, ms. */
    lock_wait_ms: z.number().int().min(1000).default(120_000),
  })
  .prefault({});
