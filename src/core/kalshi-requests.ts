// What a Kalshi REST request is, for retrying and rate limiting (reference §2.1, §2.3):
// which token bucket it draws on, what it costs, which lane it waits in, and when a
// failed attempt may be sent again.
//
// Retry rules (a write is never retried blindly):
//   - a 429 is a refusal before anything happened (no penalty, reference §2.3): any
//     request may be sent again after a backoff;
//   - a timeout, network error or 5xx leaves the outcome unknown. Reads are retried.
//     Writes are retried only when sending them twice ends in the same state as once:
//       cancel (one order, batch, cancel-all): a second cancel finds nothing to reduce
//         (404 or reduced_by 0);
//       amend: `price` and `count` (the new total) are absolute targets (a resend of an
//         amend that took effect changes nothing);
//     and never otherwise:
//       create and batch create: a second send would place a second order; the create
//         helper (KalshiRest.createOrder) first finds out what the first attempt did, by
//         client_order_id, and resends only with the same client_order_id;
//       decrease with `reduce_by`: relative, a second send would reduce twice;
//       decrease with `reduce_to`: absolute, but a resend of one that took effect is
//         refused (nothing left to reduce), which would hide that the first one worked;
//       any other write (order groups, ...): unknown, so never.

export type Bucket = 'read' | 'write';
/** Cancels wait in their own lane, served before placements (never starved by them). */
export type Lane = 'read' | 'cancel' | 'place';
/** 'any': retried on 429, 5xx, timeout, network. 'refused': retried on 429 only. */
export type RetryRule = 'any' | 'refused';

export interface RequestClass {
  bucket: Bucket;
  lane: Lane;
  /** Tokens (reference §2.3: 10 by default, a V2 cancel 2 per order, batches per item). */
  cost: number;
  retry: RetryRule;
  /** Why, for logs and the README. */
  kind: 'read' | 'create' | 'batch-create' | 'cancel' | 'batch-cancel' | 'cancel-all' | 'amend' | 'decrease-to' | 'decrease-by' | 'write';
}

const ORDERS = '/portfolio/events/orders';

/** The class of one request; `path` from the API root (`/portfolio/...`), no query. */
export function classifyRequest(method: string, path: string, body: unknown): RequestClass {
  const m = method.toUpperCase();
  const p = path.replace(/^\/trade-api\/v2/, '');
  if (m === 'GET' || m === 'HEAD') return { bucket: 'read', lane: 'read', cost: 10, retry: 'any', kind: 'read' };
  const items = Array.isArray((body as { orders?: unknown } | undefined)?.orders) ? (body as { orders: unknown[] }).orders.length : 1;
  if (p === `${ORDERS}/batched`) {
    if (m === 'DELETE') return { bucket: 'write', lane: 'cancel', cost: 2 * Math.max(1, items), retry: 'any', kind: 'batch-cancel' };
    return { bucket: 'write', lane: 'place', cost: 10 * Math.max(1, items), retry: 'refused', kind: 'batch-create' };
  }
  if (p === ORDERS) {
    if (m === 'DELETE') return { bucket: 'write', lane: 'cancel', cost: 2, retry: 'any', kind: 'cancel-all' };
    return { bucket: 'write', lane: 'place', cost: 10, retry: 'refused', kind: 'create' };
  }
  if (p.startsWith(`${ORDERS}/`)) {
    const rest = p.slice(ORDERS.length + 1);
    if (m === 'DELETE' && !rest.includes('/')) return { bucket: 'write', lane: 'cancel', cost: 2, retry: 'any', kind: 'cancel' };
    if (m === 'POST' && rest.endsWith('/amend')) return { bucket: 'write', lane: 'place', cost: 10, retry: 'any', kind: 'amend' };
    if (m === 'POST' && rest.endsWith('/decrease')) {
      const to = (body as { reduce_to?: unknown } | undefined)?.reduce_to !== undefined;
      return { bucket: 'write', lane: 'cancel', cost: 10, retry: 'refused', kind: to ? 'decrease-to' : 'decrease-by' };
    }
  }
  return { bucket: 'write', lane: 'place', cost: 10, retry: 'refused', kind: 'write' };
}
