// Kalshi market discovery over signed REST: one round asks for each series' fee type,
// lists the open markets of each series, looks up the followed markets the listing did
// not name (closed, paused, or named on the command line), and reads the exchange status.
// The answers go to the engine as one DiscoveryAnswer (an input, so a --raw recording
// replays discovery without the network).
import type { Logger } from '../log/logger.js';
import type { DiscoveryAnswer } from './kalshi-engine.js';
import { RestError, type KalshiRest, type RestMarket } from './kalshi-rest.js';

export interface DiscoveryOptions {
  rest: KalshiRest;
  series: readonly string[];
  /** The followed markets the listing did not name (the engine knows which those are). */
  lookupsNeeded: (listed: ReadonlySet<string>) => string[];
  log: Logger;
}

export class KalshiDiscovery {
  private running = false;

  constructor(private readonly opts: DiscoveryOptions) {}

  /** One round; undefined when one is already running (the refresh timer outran it). */
  async round(): Promise<DiscoveryAnswer | undefined> {
    if (this.running) return undefined;
    this.running = true;
    const answer: DiscoveryAnswer = { fee_types: {}, markets: [], not_found: [] };
    try {
      const rest = this.opts.rest;
      for (const s of this.opts.series) {
        try {
          const series = await rest.getSeries(s);
          if (typeof series.fee_type === 'string') answer.fee_types[s] = series.fee_type;
        } catch (e) {
          this.opts.log.limited('warn', `series:${s}`, 'series lookup failed', { series: s, err: errText(e) });
        }
      }
      const found = new Map<string, RestMarket>();
      for (const s of this.opts.series) for (const rm of await rest.listMarkets(s, 'open')) found.set(rm.ticker, rm);
      for (const ticker of this.opts.lookupsNeeded(new Set(found.keys()))) {
        try {
          found.set(ticker, await rest.getMarket(ticker));
        } catch (e) {
          if (e instanceof RestError && e.status === 404) {
            answer.not_found.push(ticker);
            continue;
          }
          throw e;
        }
      }
      answer.markets = [...found.values()].map(engineFields);
      try {
        const ex = await rest.exchangeStatus();
        answer.exchange = {
          ...(typeof ex.exchange_active === 'boolean' ? { exchange_active: ex.exchange_active } : {}),
          ...(typeof ex.trading_active === 'boolean' ? { trading_active: ex.trading_active } : {}),
        };
      } catch (e) {
        this.opts.log.limited('warn', 'exchange-status', 'exchange status failed', { err: errText(e) });
      }
    } catch (e) {
      answer.markets = [];
      answer.error = errText(e);
    } finally {
      this.running = false;
    }
    return answer;
  }
}

/**
 * The fields of a REST market the engine reads (reference §5): the answer keeps only
 * these, so that a --raw recording holds the engine's input and not kilobytes of rules
 * text per market per refresh.
 */
function engineFields(m: RestMarket): RestMarket {
  const out: RestMarket = { ticker: m.ticker };
  for (const k of ['event_ticker', 'status', 'close_time', 'price_ranges'] as const) if (m[k] !== undefined) (out as Record<string, unknown>)[k] = m[k];
  return out;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
