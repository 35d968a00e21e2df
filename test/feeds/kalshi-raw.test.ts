// The Kalshi raw format (src/feeds/kalshi-raw.ts): every KalshiInput kind read back as
// written, anything else refused with a reason; recorded settings read strictly.
import t from 'tap';
import type { KalshiInput } from '../../src/feeds/kalshi-engine.js';
import { parseKalshiInput, recordedSettings } from '../../src/feeds/kalshi-raw.js';

const p = (e: Record<string, unknown>): KalshiInput | string => parseKalshiInput(e as Record<string, unknown> & { kind: string; recv_ts: number });

t.test('every input kind round-trips through JSON', async (t) => {
  const inputs: KalshiInput[] = [
    { kind: 'start', recv_ts: 1 },
    { kind: 'connect', recv_ts: 2, conn: 1 },
    { kind: 'open', recv_ts: 3, conn: 1 },
    { kind: 'frame', recv_ts: 4, conn: 1, data: '{"type":"fill"}' },
    { kind: 'close', recv_ts: 5, conn: 1, cause: 'close', detail: { code: 1000, reason: 'bye' } },
    { kind: 'close', recv_ts: 5, conn: 2, cause: 'error', detail: { error: 'ECONNREFUSED' } },
    {
      kind: 'rest',
      recv_ts: 6,
      answer: { fee_types: { KXNBAGAME: 'quadratic' }, markets: [{ ticker: 'T', status: 'active' }], not_found: ['U'], exchange: { trading_active: true } },
    },
    { kind: 'rest', recv_ts: 6, answer: { fee_types: {}, markets: [], not_found: [], error: 'timeout' } },
    { kind: 'tick', recv_ts: 7 },
    { kind: 'status', recv_ts: 8 },
    { kind: 'flush', recv_ts: 9 },
    { kind: 'stop', recv_ts: 10 },
  ];
  for (const e of inputs) t.same(p(JSON.parse(JSON.stringify(e)) as Record<string, unknown>), e, e.kind);
  t.same(
    p({ kind: 'close', recv_ts: 1, conn: 1, cause: 'close' }),
    { kind: 'close', recv_ts: 1, conn: 1, cause: 'close', detail: {} },
    'a close without detail',
  );
});

t.test('refused with a reason', async (t) => {
  for (const [e, why] of [
    [{ kind: 'frame', recv_ts: 1, conn: 1 }, /text/],
    [{ kind: 'frame', recv_ts: 1, data: 'x' }, /conn/],
    [{ kind: 'open', recv_ts: 1, conn: -1 }, /conn/],
    [{ kind: 'close', recv_ts: 1, conn: 1 }, /cause/],
    [{ kind: 'close', recv_ts: 1, conn: 1, cause: 'x', detail: 'y' }, /detail/],
    [{ kind: 'rest', recv_ts: 1, answer: { markets: [] } }, /fee_types/],
    [{ kind: 'rest', recv_ts: 1, answer: { fee_types: {}, markets: [{}], not_found: [] } }, /tickers/],
    [{ kind: 'rest', recv_ts: 1, answer: { fee_types: {}, markets: [], not_found: [1] } }, /not_found/],
    [{ kind: 'teleport', recv_ts: 1 }, /unknown kind/],
  ] as const)
    t.match(p(e), why, JSON.stringify(e));
});

t.test('recorded settings: read when whole, undefined otherwise', async (t) => {
  const s = { tickers: ['A'], series: [], rest: false, private: true, depth: 3, useYesPrice: true, resyncTimeoutMs: 800 };
  t.same(recordedSettings({ kind: 'header', settings: s }), s);
  t.equal(recordedSettings({ kind: 'header', settings: { ...s, depth: '3' } }), undefined);
  t.equal(recordedSettings({ kind: 'header' }), undefined);
  t.equal(recordedSettings(undefined), undefined);
});
