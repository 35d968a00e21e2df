// Market activity for the simulator: a seeded random walk (background liquidity that
// follows a wandering fair value, cancels, and takers that trade through the book), or a
// scenario file played at a chosen speed. Both act through the matching engine, so the
// messages clients see (deltas, trades, lifecycle) are consistent with the true book.
import { readFileSync } from 'node:fs';
import type { Clock, TimerHandle } from '../../clock/clock.js';
import { PRICE_ONE, parsePriceRanges, unitsOfCount, unitsOfDollars, type PriceGrid } from '../../core/kalshi-fixed.js';
import type { FeeType } from '../../core/fees.js';
import type { Logger } from '../../log/logger.js';
import { parseEpoch, redateEventTickers, renameTicker } from '../shift.js';
import { LIQUIDITY, SimError, TAKER, type BookSide, type Engine, type MarketStatus, type SimMarket } from './engine.js';

// ------------------------------------------------------------ random walk

export interface WalkOptions {
  engine: Engine;
  clock: Clock;
  random: () => number;
  /** Activity events per second across all markets. */
  rate: number;
  /** Levels per side the liquidity aims for. */
  levels: number;
}

/** The tick of a grid at price p (the step of the band holding it). */
function tickAt(grid: PriceGrid, p: number): number {
  for (const b of grid.bands) if (p >= b.start && p <= b.end) return b.step;
  return grid.bands[0]?.step ?? 100;
}

function snap(grid: PriceGrid, p: number): number {
  const t = tickAt(grid, p);
  return Math.round(p / t) * t;
}

export class RandomWalk {
  private readonly fv = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private owed = 0;
  steps = 0;

  constructor(private readonly opts: WalkOptions) {}

  /** Put an initial book on every active market (fair value drawn in 0.25..0.75). */
  seedBooks(): void {
    for (const m of this.opts.engine.markets.values()) {
      if (m.status !== 'active') continue;
      const t = tickAt(m.grid, PRICE_ONE / 2);
      const fv = snap(m.grid, 2500 + Math.floor(this.opts.random() * 5000));
      this.fv.set(m.ticker, fv);
      for (let k = 1; k <= this.opts.levels; k++) {
        this.add(m, 'bid', fv - k * t);
        this.add(m, 'ask', fv + k * t);
      }
    }
  }

  start(): void {
    const every = 20;
    this.timer = this.opts.clock.setInterval(() => {
      this.owed += (this.opts.rate * every) / 1000;
      while (this.owed >= 1) {
        this.owed--;
        this.step();
      }
    }, every);
  }

  stop(): void {
    this.opts.clock.clear(this.timer);
  }

  /** One event on a random active market. */
  step(): void {
    const ms = [...this.opts.engine.markets.values()].filter((m) => m.status === 'active');
    if (ms.length === 0) return;
    const m = ms[Math.floor(this.opts.random() * ms.length)]!;
    this.steps++;
    const r = this.opts.random;
    const t = tickAt(m.grid, PRICE_ONE / 2);
    let fv = this.fv.get(m.ticker) ?? PRICE_ONE / 2;
    if (r() < 0.1) fv = Math.min(PRICE_ONE - 10 * t, Math.max(10 * t, fv + (r() < 0.5 ? -t : t)));
    this.fv.set(m.ticker, fv);
    // Liquidity is kept to about four orders a level: past that, cancels win.
    let resting = 0;
    for (const l of m.bids.levels.values()) resting += l.orders.length;
    for (const l of m.asks.levels.values()) resting += l.orders.length;
    const x = resting > this.opts.levels * 8 ? 0.5 + r() * 0.3 : r();
    try {
      if (x < 0.45) {
        const side: BookSide = r() < 0.5 ? 'bid' : 'ask';
        const k = 1 + Math.floor(r() * this.opts.levels);
        this.add(m, side, side === 'bid' ? fv - k * t : fv + k * t);
      } else if (x < 0.8) {
        this.cancelSome(m);
      } else if (x < 0.93) {
        this.take(m);
      } else {
        this.trim(m);
      }
    } catch (e) {
      if (!(e instanceof SimError)) throw e; // a paused market: nothing to do this step
    }
  }

  private add(m: SimMarket, side: BookSide, price: number): void {
    const t = tickAt(m.grid, price);
    let p = snap(m.grid, price);
    // Liquidity never crosses: it rests behind the other side's best.
    if (side === 'bid' && m.asks.lowest !== undefined) p = Math.min(p, m.asks.lowest - t);
    if (side === 'ask' && m.bids.highest !== undefined) p = Math.max(p, m.bids.highest + t);
    if (p <= 0 || p >= PRICE_ONE) return;
    const size = (1 + Math.floor(this.opts.random() * 300)) * 100 + (this.opts.random() < 0.1 ? 50 : 0);
    this.opts.engine.place(LIQUIDITY, { ticker: m.ticker, side, price: p, count: size, tif: 'good_till_canceled', stp: 'maker' });
  }

  private cancelSome(m: SimMarket): void {
    const ladder = this.opts.random() < 0.5 ? m.bids : m.asks;
    if (ladder.prices.length === 0) return;
    const p = ladder.prices[Math.floor(this.opts.random() * ladder.prices.length)]!;
    const orders = ladder.get(p)!.orders.filter((o) => o.owner === LIQUIDITY);
    const o = orders[Math.floor(this.opts.random() * orders.length)];
    if (!o) return;
    if (o.remaining > 200 && this.opts.random() < 0.4) this.opts.engine.decrease(LIQUIDITY, o.id, Math.floor(o.remaining / 2), undefined);
    else this.opts.engine.cancel(LIQUIDITY, o.id);
  }

  private take(m: SimMarket): void {
    const side: BookSide = this.opts.random() < 0.5 ? 'bid' : 'ask';
    const best = side === 'bid' ? m.asks.lowest : m.bids.highest;
    if (best === undefined) return;
    const size = (1 + Math.floor(this.opts.random() * 50)) * 100;
    this.opts.engine.place(TAKER, { ticker: m.ticker, side, price: best, count: size, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  }

  private trim(m: SimMarket): void {
    const max = this.opts.levels * 2;
    while (m.bids.prices.length > max) {
      const o = m.bids.get(m.bids.prices[0]!)!.orders.find((x) => x.owner === LIQUIDITY);
      if (!o) break;
      this.opts.engine.cancel(LIQUIDITY, o.id);
    }
    while (m.asks.prices.length > max) {
      const o = m.asks.get(m.asks.prices[m.asks.prices.length - 1]!)!.orders.find((x) => x.owner === LIQUIDITY);
      if (!o) break;
      this.opts.engine.cancel(LIQUIDITY, o.id);
    }
  }
}

// ------------------------------------------------------------ scenario

/**
 * A scenario is NDJSON, one record per line, in ts order (a recorded feed-kalshi file
 * works as is):
 *   kalshi.market   define or update a market (ticker, status, price_ranges, close_ts, fee_type)
 *   kalshi.book     set the background book to these levels (YES terms)
 *   kalshi.trade    print a public trade
 *   kalshi.result   determine the market
 *   sim.lifecycle   {ticker, action: pause|activate|close|settle}
 *   sim.order       {ticker, side: bid|ask, price, count, tif?} placed by a background taker
 *   sim.game        {event_ticker, start_ts}: when the game starts (what a time shift
 *                   re-dates the event's tickers by; nothing is played)
 * Other types (run.manifest, kalshi.status, ...) are skipped; bad lines are reported.
 * An optional header line {"sim":"kalshi","epoch":TIME} names the scenario's moment (ISO
 * with offset, or epoch ms) for --shift-to; without one it is the first record's ts.
 */
export interface ScenarioLine {
  ts: number;
  rec: Record<string, unknown>;
  where: string;
}

export interface KalshiScenario {
  lines: ScenarioLine[];
  /** The header's epoch, else the first record's ts (undefined for an empty scenario). */
  epoch: number | undefined;
}

export function readScenario(file: string, log: Logger): KalshiScenario {
  const text = readFileSync(file, 'utf8');
  const out: ScenarioLine[] = [];
  let epoch: number | undefined;
  let bad = 0;
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      bad++;
      log.warn('bad scenario line', { src: where, reason: 'not-json', detail: (e as Error).message });
      return;
    }
    const r = rec as Record<string, unknown> | null;
    if (r && typeof r === 'object' && r.sim === 'kalshi') {
      if (r.epoch !== undefined) epoch = parseEpoch(r.epoch, `${where}: header`);
      return;
    }
    if (!r || typeof r !== 'object' || typeof r.type !== 'string' || typeof r.ts !== 'number') {
      bad++;
      log.warn('bad scenario line', { src: where, reason: 'no-type-or-ts' });
      return;
    }
    out.push({ ts: r.ts, rec: r, where });
  });
  if (bad) log.warn('scenario lines skipped', { file, bad });
  return { lines: out, epoch: epoch ?? out[0]?.ts };
}

/**
 * The scenario moved by `offset` ms (see src/sim/shift.ts): close times, sim.game starts,
 * and every ticker of a dated event re-dated from its game's shifted start. The play
 * times (record ts) are relative and stay as they are.
 */
export function shiftKalshiScenario(s: KalshiScenario, offset: number): KalshiScenario {
  const starts = new Map<string, number>();
  const events = new Set<string>();
  for (const { rec } of s.lines) {
    if (rec.type === 'sim.game' && typeof rec.event_ticker === 'string' && typeof rec.start_ts === 'number') starts.set(rec.event_ticker, rec.start_ts);
    if (typeof rec.event_ticker === 'string') events.add(rec.event_ticker);
    else if (typeof rec.ticker === 'string' && rec.ticker.includes('-', rec.ticker.indexOf('-') + 1))
      events.add(rec.ticker.slice(0, rec.ticker.lastIndexOf('-')));
  }
  const renamed = redateEventTickers(events, starts, offset);
  const lines = s.lines.map((l) => {
    const rec: Record<string, unknown> = { ...l.rec };
    if (typeof rec.ticker === 'string') rec.ticker = renameTicker(rec.ticker, renamed);
    if (typeof rec.event_ticker === 'string') rec.event_ticker = renameTicker(rec.event_ticker, renamed);
    if (typeof rec.close_ts === 'number') rec.close_ts += offset;
    if (rec.type === 'sim.game' && typeof rec.start_ts === 'number') rec.start_ts += offset;
    return { ...l, rec };
  });
  return { lines, epoch: s.epoch === undefined ? undefined : s.epoch + offset };
}

export interface PlayerOptions {
  engine: Engine;
  clock: Clock;
  log: Logger;
  /** 1 = real time, 10 = ten times faster; 0 = as fast as the event loop allows. */
  speed: number;
  onEnd?: () => void;
}

export class ScenarioPlayer {
  private i = 0;
  private timer: TimerHandle | undefined;
  private t0 = 0;
  private start0 = 0;
  applied = 0;
  /** Lines of other types (run.manifest, kalshi.status, market.link, ...). */
  ignored = 0;
  /** Lines that could not be applied (reported in the log). */
  failed = 0;

  constructor(
    private readonly lines: ScenarioLine[],
    private readonly opts: PlayerOptions,
  ) {}

  /** Apply the market definitions at ts 0 at once (so clients can subscribe), then play. */
  start(): void {
    if (this.lines.length === 0) {
      this.opts.onEnd?.();
      return;
    }
    this.t0 = this.lines[0]!.ts;
    this.start0 = this.opts.clock.now();
    while (this.i < this.lines.length && this.lines[this.i]!.ts === this.t0 && this.lines[this.i]!.rec.type === 'kalshi.market')
      this.apply(this.lines[this.i++]!);
    this.schedule();
  }

  stop(): void {
    this.opts.clock.clear(this.timer);
  }

  private schedule(): void {
    if (this.i >= this.lines.length) {
      this.opts.log.info('scenario finished', { applied: this.applied, ignored: this.ignored, failed: this.failed });
      this.opts.onEnd?.();
      return;
    }
    const next = this.lines[this.i]!;
    const due = this.opts.speed > 0 ? this.start0 + (next.ts - this.t0) / this.opts.speed : this.opts.clock.now();
    this.timer = this.opts.clock.setTimeout(
      () => {
        const now = this.opts.clock.now();
        while (this.i < this.lines.length) {
          const l = this.lines[this.i]!;
          if (this.opts.speed > 0 && this.start0 + (l.ts - this.t0) / this.opts.speed > now) break;
          this.i++;
          this.apply(l);
          if (this.opts.speed === 0) break;
        }
        this.schedule();
      },
      Math.max(0, due - this.opts.clock.now()),
    );
  }

  private apply(l: ScenarioLine): void {
    const r = l.rec;
    const e = this.opts.engine;
    try {
      switch (r.type) {
        case 'kalshi.market': {
          const grid = r.price_ranges === undefined ? undefined : parsePriceRanges(r.price_ranges);
          if (typeof grid === 'string') throw new SimError(400, 'bad_scenario', grid);
          e.addMarket({
            ticker: str(r.ticker),
            ...(typeof r.event_ticker === 'string' ? { eventTicker: r.event_ticker } : {}),
            ...(typeof r.series === 'string' ? { series: r.series } : {}),
            status: (typeof r.status === 'string' ? r.status : 'active') as MarketStatus,
            ...(grid ? { grid } : {}),
            ...(typeof r.close_ts === 'number' ? { closeTs: r.close_ts } : {}),
            ...(typeof r.fee_type === 'string' ? { feeType: r.fee_type as FeeType } : {}),
            ...(typeof r.yes_sub_title === 'string' ? { yesSubTitle: r.yes_sub_title } : {}),
          });
          break;
        }
        case 'kalshi.book':
          setBook(e, str(r.ticker), levelsOf(r.bids), levelsOf(r.asks));
          break;
        case 'kalshi.trade':
          e.printTrade(str(r.ticker), unitsOfDollars(num(r.price)), unitsOfCount(num(r.count)), r.taker_side === 'no' ? 'ask' : 'bid');
          break;
        case 'kalshi.result':
          if (r.result !== 'yes' && r.result !== 'no') throw new SimError(400, 'bad_scenario', 'result must be yes or no');
          e.determine(str(r.ticker), r.result);
          break;
        case 'sim.lifecycle': {
          const t = str(r.ticker);
          if (r.action === 'pause') e.setStatus(t, 'inactive');
          else if (r.action === 'activate') e.setStatus(t, 'active');
          else if (r.action === 'close') e.setStatus(t, 'closed');
          else if (r.action === 'settle') e.settle(t);
          else throw new SimError(400, 'bad_scenario', 'action must be pause, activate, close or settle');
          break;
        }
        case 'sim.game':
          break; // when the game starts: read by a shift, nothing to play
        case 'sim.order':
          e.place(TAKER, {
            ticker: str(r.ticker),
            side: r.side === 'ask' ? 'ask' : 'bid',
            price: unitsOfDollars(num(r.price)),
            count: unitsOfCount(num(r.count)),
            tif: r.tif === 'good_till_canceled' ? 'good_till_canceled' : 'immediate_or_cancel',
            stp: 'taker_at_cross',
          });
          break;
        default:
          this.ignored++;
          return;
      }
      this.applied++;
    } catch (err) {
      this.failed++;
      this.opts.log.limited('warn', 'scenario-line', 'scenario line not applied', { src: l.where, type: r.type, err: (err as Error).message }, 10);
    }
  }
}

/** Make the background book of a market exactly these levels (removals first, so it never crosses). */
export function setBook(e: Engine, ticker: string, bids: Array<[number, number]>, asks: Array<[number, number]>): void {
  const m = e.market(ticker);
  const want = { bid: new Map(bids), ask: new Map(asks) };
  for (const side of ['bid', 'ask'] as const) {
    const ladder = side === 'bid' ? m.bids : m.asks;
    for (const p of [...ladder.prices]) {
      const target = want[side].get(p) ?? 0;
      if (e.liquidityAt(ticker, side, p) > target) e.setLiquidity(ticker, side, p, target);
    }
  }
  for (const side of ['bid', 'ask'] as const) for (const [p, s] of want[side]) e.setLiquidity(ticker, side, p, s);
}

function levelsOf(v: unknown): Array<[number, number]> {
  if (!Array.isArray(v)) throw new SimError(400, 'bad_scenario', 'bids/asks must be arrays of [price, size]');
  return v.map((l) => {
    if (!Array.isArray(l) || typeof l[0] !== 'number' || typeof l[1] !== 'number') throw new SimError(400, 'bad_scenario', 'a level is [price, size]');
    return [unitsOfDollars(l[0]), unitsOfCount(l[1])] as [number, number];
  });
}

function str(v: unknown): string {
  if (typeof v !== 'string' || !v) throw new SimError(400, 'bad_scenario', 'ticker required');
  return v;
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SimError(400, 'bad_scenario', 'a number is required');
  return v;
}
