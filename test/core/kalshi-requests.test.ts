// Which bucket, lane, cost and retry rule each Kalshi REST request has (reference §2.1, §2.3).
import t from 'tap';
import { classifyRequest } from '../../src/core/kalshi-requests.js';

t.test('reads retry on anything; creates and decreases only on a refusal; cancels and amends on anything', async (t) => {
  t.match(classifyRequest('GET', '/portfolio/orders', undefined), { bucket: 'read', lane: 'read', cost: 10, retry: 'any', kind: 'read' });
  t.match(classifyRequest('GET', '/trade-api/v2/markets', undefined), { bucket: 'read', retry: 'any' }, 'the API prefix is ignored');
  t.match(classifyRequest('POST', '/portfolio/events/orders', { ticker: 'X' }), { bucket: 'write', lane: 'place', cost: 10, retry: 'refused', kind: 'create' });
  t.match(
    classifyRequest('POST', '/trade-api/v2/portfolio/events/orders/batched', { orders: [{}, {}, {}] }),
    { lane: 'place', cost: 30, retry: 'refused', kind: 'batch-create' },
    '10 per order',
  );
  t.match(classifyRequest('DELETE', '/portfolio/events/orders/abc', undefined), { bucket: 'write', lane: 'cancel', cost: 2, retry: 'any', kind: 'cancel' });
  t.match(
    classifyRequest('DELETE', '/portfolio/events/orders/batched', { orders: [{}, {}] }),
    { lane: 'cancel', cost: 4, retry: 'any', kind: 'batch-cancel' },
    '2 per order',
  );
  t.match(classifyRequest('DELETE', '/portfolio/events/orders', undefined), { lane: 'cancel', retry: 'any', kind: 'cancel-all' });
  t.match(classifyRequest('POST', '/portfolio/events/orders/abc/amend', { price: '0.40', count: '5.00' }), {
    lane: 'place',
    cost: 10,
    retry: 'any',
    kind: 'amend',
  });
  t.match(
    classifyRequest('POST', '/portfolio/events/orders/abc/decrease', { reduce_to: '1.00' }),
    { lane: 'cancel', retry: 'refused', kind: 'decrease-to' },
    'a resend that finds it done is refused: hidden success',
  );
  t.match(
    classifyRequest('POST', '/portfolio/events/orders/abc/decrease', { reduce_by: '1.00' }),
    { lane: 'cancel', retry: 'refused', kind: 'decrease-by' },
    'relative: twice would reduce twice',
  );
  t.match(
    classifyRequest('POST', '/portfolio/order_groups/create', { contracts_limit: 10 }),
    { bucket: 'write', retry: 'refused', kind: 'write' },
    'an unknown write is never resent blindly',
  );
});
