// The Kalshi raw recording format: a header (source "kalshi", the engine settings), then
// one KalshiInput per line, exactly as the session handed it to the engine. The private
// channels (fill, user_orders) arrive as frames on the same socket and are recorded like
// every other frame, so a --private session replays too.
import type { CloseDetail, DiscoveryAnswer, EngineSettings, KalshiInput } from './kalshi-engine.js';

export const KALSHI_RAW_SOURCE = 'kalshi';
export const KALSHI_RAW_VERSION = 1;

const int = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A recorded line as a KalshiInput, or why it is not one. */
export function parseKalshiInput(e: Record<string, unknown> & { kind: string; recv_ts: number }): KalshiInput | string {
  const t = e.recv_ts;
  switch (e.kind) {
    case 'start':
    case 'tick':
    case 'status':
    case 'flush':
    case 'stop':
      return { kind: e.kind, recv_ts: t };
    case 'connect':
    case 'open':
      return int(e.conn) ? { kind: e.kind, recv_ts: t, conn: e.conn } : `${e.kind} without a conn number`;
    case 'frame':
      if (!int(e.conn)) return 'frame without a conn number';
      return typeof e.data === 'string' ? { kind: 'frame', recv_ts: t, conn: e.conn, data: e.data } : 'frame without its text (data)';
    case 'close': {
      if (!int(e.conn) || typeof e.cause !== 'string') return 'close without conn and cause';
      if (e.detail !== undefined && !isObj(e.detail)) return 'close detail is not an object';
      const d = (e.detail ?? {}) as Record<string, unknown>;
      const detail: CloseDetail = {
        ...(typeof d.code === 'number' ? { code: d.code } : {}),
        ...(typeof d.reason === 'string' ? { reason: d.reason } : {}),
        ...(typeof d.error === 'string' ? { error: d.error } : {}),
        ...(typeof d.detail === 'string' ? { detail: d.detail } : {}),
      };
      return { kind: 'close', recv_ts: t, conn: e.conn, cause: e.cause, detail };
    }
    case 'rest': {
      const a = e.answer;
      if (!isObj(a) || !isObj(a.fee_types) || !Array.isArray(a.markets) || !Array.isArray(a.not_found)) return 'rest without {fee_types, markets, not_found}';
      if (!a.markets.every((m) => isObj(m) && typeof m.ticker === 'string')) return 'rest markets without tickers';
      if (!a.not_found.every((x) => typeof x === 'string')) return 'rest not_found is not a list of tickers';
      return { kind: 'rest', recv_ts: t, answer: a as unknown as DiscoveryAnswer };
    }
    default:
      return `unknown kind ${JSON.stringify(e.kind).slice(0, 40)}`;
  }
}

/** The recorded settings, where the header has them in the right shape; undefined otherwise. */
export function recordedSettings(h: Record<string, unknown> | undefined): EngineSettings | undefined {
  const s = h?.settings;
  if (!isObj(s)) return undefined;
  const list = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (
    !list(s.tickers) ||
    !list(s.series) ||
    typeof s.rest !== 'boolean' ||
    typeof s.private !== 'boolean' ||
    !int(s.depth) ||
    typeof s.useYesPrice !== 'boolean' ||
    !int(s.resyncTimeoutMs)
  )
    return undefined;
  return {
    tickers: s.tickers,
    series: s.series,
    rest: s.rest,
    private: s.private,
    depth: s.depth,
    useYesPrice: s.useYesPrice,
    resyncTimeoutMs: s.resyncTimeoutMs,
  };
}
