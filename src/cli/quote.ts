// quote: the quote manager. Reads oracle and Kalshi records (live in arrival order, or
// --replay merged by time), passes every input record through, and writes order, fill,
// skip, latency, killswitch, position and metric records. --shadow trades against the
// paper venue (src/core/shadow-venue.ts) on the injected clock; --live against Kalshi
// (src/core/exec-venue.ts behind src/cli/quote-live.ts), after the live-capital gate.
import { InvalidArgumentError } from 'commander';
import { KALSHI_FEES, type FeeSchedule } from '../core/fees.js';
import { COUNT_ONE, PRICE_ONE } from '../core/kalshi-fixed.js';
import { kellyGate, pathLabel } from '../core/kelly.js';
import { QuoteManager, type ManagerOptions, type Sizer } from '../core/quote-manager.js';
import { quantileNearestRank } from '../core/quantile.js';
import { ShadowVenue } from '../core/shadow-venue.js';
import { KillSwitches } from '../core/killswitch.js';
import { PositionBook } from '../core/position-book.js';
import { QUEUE_MODELS, type QueueModelName } from '../core/trading.js';
import { DEVIG_METHODS, type DevigMethod, type RecordType } from '../schema/records.js';
import { SOURCE_RE } from '../schema/common.js';
import type { MetricName } from '../log/metrics.js';
import { requireGateVerdict } from './gate-verdict.js';
import { KellySizer } from './kelly-gate.js';
import { EXIT, RefusedError, UsageError, enumOption, intOption, numberOption, runCommand, type CommandSpec, type Ctx } from './kit.js';
import { QuoteLoop, type MarketVenue } from './quote-loop.js';
import { seedDailyNotional, seedPositions, startLive, type LiveSession } from './quote-live.js';
import { ExecCore } from '../core/exec-venue.js';
import type { KalshiLiveEdge } from '../feeds/kalshi-live.js';

interface Opts {
  shadow?: boolean;
  live?: boolean;
  oracle?: string;
  edge?: number;
  takerEdge?: number;
  size?: number;
  kelly?: boolean;
  queueModel?: QueueModelName;
  latencyMs?: number;
  reprice?: RepriceBy;
  maxOrderAgeMs?: number;
  oracleStaleMs?: number;
  bookStaleMs?: number;
  pullBeforeStartMs?: number;
  inPlay?: boolean;
  resumeAfterMs?: number;
  drainMs?: number;
  slack?: number;
}

type RepriceBy = 'amend' | 'cancel-replace';
const REPRICE_BY: readonly RepriceBy[] = ['amend', 'cancel-replace'];

const CONSUME: ReadonlySet<RecordType> = new Set<RecordType>([
  'oracle.prob',
  'oracle.status',
  'kalshi.book',
  'kalshi.trade',
  'kalshi.status',
  'kalshi.market',
  'kalshi.result',
  'market.link',
]);

/** Live: also what the exchange said (kalshi.exec), recorded by a live session and read again by its replay. */
const CONSUME_LIVE: ReadonlySet<RecordType> = new Set<RecordType>([...CONSUME, 'kalshi.exec']);
/** What quote writes: a replay of a live session writes them afresh instead of passing the old ones through. */
const PRODUCED: ReadonlySet<string> = new Set(['order', 'fill', 'position', 'skip', 'latency', 'killswitch', 'reconcile', 'run.manifest']);

function parseOracle(v: string): { source: string; method: DevigMethod } {
  const [source, method, extra] = v.split('/');
  if (extra !== undefined || !source || !SOURCE_RE.test(source) || !method || !(DEVIG_METHODS as readonly string[]).includes(method)) {
    throw new InvalidArgumentError(`expected SOURCE/METHOD, e.g. boltodds/shin (methods: ${DEVIG_METHODS.join(', ')})`);
  }
  return { source, method: method as DevigMethod };
}

export const spec: CommandSpec<Opts> = {
  name: 'quote',
  args: '[files...]',
  description: `The quote manager. Reads oracle.prob and oracle.status (from devig and the feeds),
kalshi.market, kalshi.book, kalshi.trade, kalshi.status and kalshi.result (from feed-kalshi)
and market.link from FILES or stdin, passes every input record through unchanged, and
writes order records (every state change of every order), fill, skip, latency,
killswitch and position records.

Pricing: the fair YES probability of a ticker is the latest oracle.prob of the one
configured oracle path (--oracle SOURCE/METHOD) for the game side its market.link names.
A maker bid rests at the highest price on the market's price grid whose edge after the
maker fee is at least --edge, never crossing the book and never paying more than
joining the best bid (or improving it by quote.improve_ticks); the ask (selling YES,
i.e. buying NO) likewise. With --taker-edge, IOC orders take displayed depth whose edge
after the taker fee is at least that. Limits before every order: position per ticker,
worst-case loss per game across both of its tickers, notional per day; a limit reached
is a skip record, not an error.

Protection: resting quotes are cancelled, event-driven, when the oracle moves through
them, their edge falls below --edge, they are older than --max-order-age-ms, a feed goes
stale, a kill switch trips, the game is --pull-before-start-ms from its start, or the
market pauses or closes. At most one order per ticker side is ever working or in flight.

Reprice (--reprice): a resting quote whose price should move is amended in place by
default (amend: one round trip; the order is never absent nor doubled; each version gets
a new client order id on the same order id, the old one ends "amended"). A price change
loses queue priority either way; only a smaller size at the same price keeps it. An amend
refused as post-only-cross leaves the side empty until the next book; one refused as
invalid falls back to cancel-replace. With cancel-replace, the quote is cancelled and the
new one placed only after the cancel's acknowledgement.

Kill switches (one policy, shadow and live): stale oracle, Kalshi feed not live, stale or
invalid ticker, repeated reconnects, missing commence time, unresolved arbitration. Each
writes a killswitch record, refuses orders in its scope and pulls quotes there; it clears
after its condition has been clear for quote.resume_after_ms.

--shadow trades against a paper venue fed by the real Kalshi book: orders and cancels
take --latency-ms to arrive and as long to be answered, resting orders queue behind the
displayed size at their price (--queue-model), and fills carry the exchange's fees.
Under --replay, a recording replays to the byte.

--live trades on Kalshi, after the live-capital gate (the latest verdict of gate
--evidence, config gate.verdict_file, passed and younger than gate.max_verdict_age_ms;
exit 3 otherwise). Keys from KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH; endpoints,
timeouts and backoff from config section kalshi. At start: rate limits from
/account/limits, the private channels (user_orders, fill, order_group_updates) live,
every resting order with this process's client id prefix (chl-SOURCE-METHOD-, or
quote.live.client_prefix) canceled and verified gone (exit 3 if not), positions booked into
the limits, one order group with quote.live.group_contracts_limit. Quotes are post-only,
self-trade-protected, canceled on pause, idempotent by client_order_id; a create is never
resent blindly. Order state comes from the private channels; anything not confirmed in
quote.live.ack_timeout_ms is read again over REST. After a reconnect (ours, or the
feeder's) fills and orders are reconciled once over REST (reconcile records). SIGTERM,
SIGINT or end of input: quotes pulled, everything of ours canceled and verified over REST
(exit 0; 1 naming what is left); a second signal exits at once. Everything the exchange
says is written as kalshi.exec records, so --live --replay SESSION replays a recorded
live session offline, sending nothing, to the same decisions.

At the end of input every quote is pulled and the answers awaited.`,
  examples: [
    {
      cmd: 'feed-boltodds | arbitrate | devig --method shin | ndcat --merge - kalshi.ndjson | quote --shadow --oracle boltodds/shin',
      what: 'Shadow quoting from the experiment path against a recorded or live Kalshi stream.',
    },
    {
      cmd: 'quote --shadow --replay --oracle oddsapi/proportional session.ndjson > quoted.ndjson',
      what: 'Replay a recorded session through the quote manager: byte-identical on every run.',
    },
    {
      cmd: 'quote --shadow --replay --oracle boltodds/shin session.ndjson | ledger append fills.csv --type fill > quoted.ndjson',
      what: 'Paper fills into a locked ledger; every record goes on to quoted.ndjson.',
    },
    {
      cmd: 'quote --live --profile live fair.fifo kalshi.fifo | ledger append fills.csv --type fill > live-session.ndjson',
      what: 'Live quoting on Kalshi (after gate --evidence passed); every exchange answer is recorded.',
    },
    {
      cmd: 'quote --live --replay live-session.ndjson > replayed.ndjson',
      what: 'Replay a recorded live session offline: nothing is sent, the same decisions come out.',
    },
    {
      cmd: 'quote --shadow --replay --queue-model prob --latency-ms 150 session.ndjson',
      what: 'The same session under the probabilistic queue model and a slower link.',
    },
  ],
  output: 'ndjson',
  input: true,
  secrets: ['KALSHI_API_KEY_ID', 'KALSHI_PRIVATE_KEY_PATH'],
  inputFiles: (_o, args) => args.filter((a) => a !== '-'),
  options(cmd) {
    cmd.option('--shadow', 'paper trading against the simulated venue fed by the real book');
    cmd.option('--live', 'trade on Kalshi behind the live-capital gate; with --replay: replay a recorded live session, sending nothing');
    cmd.option('--oracle <source/method>', 'the oracle path that prices this process (config quote.oracle), e.g. boltodds/shin', parseOracle);
    cmd.option('--edge <p>', 'minimum maker edge after fees, probability (config quote.edge)', numberOption(0, 0.5));
    cmd.option(
      '--taker-edge <p>',
      'take displayed depth with at least this edge after the taker fee (config quote.taker_edge; off when unset)',
      numberOption(0, 0.5),
    );
    cmd.option('--size <n>', 'contracts per quote (config quote.size)', intOption(1));
    cmd.option('--kelly', 'size by fractional Kelly behind the calibration sign-off of this path (exit 3 without one)');
    cmd.option('--queue-model <model>', `shadow queue model: ${QUEUE_MODELS.join(', ')} (config quote.queue_model)`, enumOption(QUEUE_MODELS));
    cmd.option('--reprice <how>', `how a resting quote moves to a new price: ${REPRICE_BY.join(', ')} (config quote.reprice)`, enumOption(REPRICE_BY));
    cmd.option('--latency-ms <n>', 'shadow one-way latency: order entry, and the answer back, each (config quote.latency_ms)', intOption(0));
    cmd.option('--max-order-age-ms <n>', 'cancel and replace a quote older than this; 0: no limit (config quote.max_order_age_ms)', intOption(0));
    cmd.option('--oracle-stale-ms <n>', 'no probability for a game this long trips oracle-stale (config quote.oracle_stale_ms)', intOption(1));
    cmd.option('--book-stale-ms <n>', 'no book for a ticker this long trips ticker-stale (config quote.book_stale_ms)', intOption(1));
    cmd.option('--pull-before-start-ms <n>', 'pull every quote of a game this long before its start (config quote.pull_before_start_ms)', intOption(0));
    cmd.option('--in-play', 'keep quoting after the pregame cutoff (config quote.in_play)');
    cmd.option('--resume-after-ms <n>', 'a kill switch clears only after its condition has been clear this long (config quote.resume_after_ms)', intOption(0));
    cmd.option('--slack <ms>', 'with --replay: let an input run this late and put it back in time order, as ndcat --merge --slack does', intOption(0));
    cmd.option(
      '--drain-ms <n>',
      'at end of input, wait at most this long (clock time) for the answers to the final cancels (default: 10 x latency + 1000)',
      intOption(0),
    );
  },
  overrides(o) {
    const q: Record<string, unknown> = {};
    if (o.oracle) q.oracle = o.oracle;
    if (o.edge !== undefined) q.edge = o.edge;
    if (o.takerEdge !== undefined) q.taker_edge = o.takerEdge;
    if (o.size !== undefined) q.size = o.size;
    if (o.kelly) q.kelly = true;
    if (o.queueModel) q.queue_model = o.queueModel;
    if (o.latencyMs !== undefined) q.latency_ms = o.latencyMs;
    if (o.reprice) q.reprice = o.reprice;
    if (o.maxOrderAgeMs !== undefined) q.max_order_age_ms = o.maxOrderAgeMs;
    if (o.oracleStaleMs !== undefined) q.oracle_stale_ms = o.oracleStaleMs;
    if (o.bookStaleMs !== undefined) q.book_stale_ms = o.bookStaleMs;
    if (o.pullBeforeStartMs !== undefined) q.pull_before_start_ms = o.pullBeforeStartMs;
    if (o.inPlay) q.in_play = true;
    if (o.resumeAfterMs !== undefined) q.resume_after_ms = o.resumeAfterMs;
    return Object.keys(q).length ? { quote: q } : {};
  },
  async run(ctx) {
    return runQuote(ctx);
  },
};

function feeSchedule(ctx: Ctx<Opts>): FeeSchedule {
  const f = ctx.config.fees;
  return {
    ...KALSHI_FEES,
    taker_rate: f.taker_rate,
    maker_rate: f.maker_rate,
    combo_maker_rate: f.combo_maker_rate,
    rounding: f.rounding,
    balance_precision: f.balance_precision,
    default_fee_type: f.default_fee_type,
    multiplier_scales_maker: f.multiplier_scales_maker,
  };
}

async function runQuote(ctx: Ctx<Opts>): Promise<number> {
  const live = ctx.opts.live === true;
  if (live && ctx.opts.shadow) throw new UsageError('choose one venue: --shadow or --live');
  if (!live && !ctx.opts.shadow) throw new UsageError('choose a venue: --shadow (paper orders against the simulated venue) or --live');
  // The live-capital gate first: its latest verdict must have passed and be young enough.
  // A replay of a recorded live session (--live --replay) sends nothing and needs no gate.
  if (live && !ctx.replayClock) requireGateVerdict(ctx.config, ctx.clock.now());
  const q = ctx.config.quote;
  if (ctx.opts.slack !== undefined && !ctx.replayClock) throw new UsageError('--slack applies to --replay only (live inputs are read in arrival order)');
  if (ctx.opts.slack !== undefined && live)
    throw new UsageError('--slack does not apply to --live --replay (a live session replays in the order it was handled)');
  if (!q.oracle) throw new UsageError('no oracle path: give --oracle SOURCE/METHOD (e.g. boltodds/shin) or set config quote.oracle');
  const oracle = q.oracle;
  const fees = feeSchedule(ctx);
  const sizer = makeSizer(ctx, oracle);
  const mode = live ? 'live' : 'shadow';
  // Shadow: the config's fingerprint tells apart processes quoting side by side (control and
  // experiment). Live: the oracle path (or quote.live.client_prefix), stable across config
  // changes, so a restarted process finds and cancels its predecessor's orders. The time of
  // the first order (base 36), appended by the manager, tells apart runs. Deterministic
  // under replay, where the clock follows the data.
  const prefix = live ? (q.live.client_prefix ?? `chl-${oracle.source}-${oracle.method}`) + '-' : `chs-${ctx.fingerprint.slice(0, 8)}-`;

  const clock = ctx.clock;
  const counters = new Map<string, ReturnType<typeof ctx.metrics.counter>>();
  const count = (m: string, labels?: Record<string, string>): void => {
    const key = labels ? `${m}${JSON.stringify(labels)}` : m;
    let c = counters.get(key);
    if (!c) counters.set(key, (c = ctx.metrics.counter(m as MetricName, labels)));
    c.inc();
  };
  // The last CANCEL_WINDOW cancel latencies (request to confirmation), for the quantile gauges.
  const cancelMs = new LatencyWindow(CANCEL_WINDOW);
  const exposure = new PositionBook({
    maxPositionContracts: q.max_position,
    maxGameLossDollars: q.max_game_loss,
    maxDailyNotionalDollars: q.max_daily_notional,
  });

  // The venue: the paper venue, or the live core (whose actions the network edge carries
  // out; under --replay nothing is sent and the answers come from the recording).
  let edge: KalshiLiveEdge | undefined;
  let core: ExecCore | undefined;
  let shadow: ShadowVenue | undefined;
  let venue: MarketVenue;
  if (live) {
    core = new ExecCore(
      { prefix, orderGroupId: undefined, ackTimeoutMs: q.live.ack_timeout_ms, overlapMs: q.live.reconcile_overlap_ms, keepFinishedMs: q.keep_finished_ms },
      {
        action: (a) => edge?.execute(a),
        record: (r) => ctx.out.record(r),
        warn: (msg, fields) => ctx.log.warn(msg, fields),
        count,
      },
    );
    venue = core;
  } else {
    shadow = new ShadowVenue({ latencyMs: q.latency_ms, queueModel: q.queue_model, fees, orderIdPrefix: 'shadow' });
    venue = shadow;
  }
  const loop = new QuoteLoop(
    clock,
    venue,
    {
      mode,
      source: oracle.source,
      method: oracle.method,
      defaultFeeType: fees.default_fee_type,
      queueModel: live ? undefined : q.queue_model,
      onPositions: (body, now) => seedPositions(body, exposure, now, (r) => ctx.out.record(r), ctx.log),
      onTodayOrders: (body, now) => seedDailyNotional(body, exposure, now, (r) => ctx.out.record(r), ctx.log),
    },
    {
      record: (r) => {
        if (r.type === 'latency' && r.kind === 'cancel') cancelMs.push(r.ms as number);
        ctx.out.record(r);
      },
      warn: (msg, fields) => ctx.log.warn(msg, fields),
      count,
    },
  );
  const mopt: ManagerOptions = {
    mode,
    source: oracle.source,
    method: oracle.method,
    edge: q.edge,
    takerEdge: q.taker_edge ?? undefined,
    improveTicks: q.improve_ticks,
    refreshToleranceTicks: q.refresh_tolerance_ticks,
    minRestMs: q.min_rest_ms,
    maxOrderAgeMs: q.max_order_age_ms,
    pullBeforeStartMs: q.pull_before_start_ms,
    inPlay: q.in_play,
    cancelRetryMs: q.cancel_retry_ms,
    cancelRetryMax: q.cancel_retry_max,
    keepFinishedMs: q.keep_finished_ms,
    echoWindowMs: q.echo_window_ms,
    forgetAfterMs: q.forget_after_ms,
    // Live books show our own resting orders: prices are judged against the others' only.
    bookIncludesOwn: live,
    fees,
    queueModel: live ? undefined : q.queue_model,
    clientOrderIdPrefix: prefix,
    repriceBy: q.reprice,
  };
  const kill = new KillSwitches({
    oracleSource: oracle.source,
    oracleStaleMs: q.oracle_stale_ms,
    bookStaleMs: q.book_stale_ms,
    resumeAfterMs: q.resume_after_ms,
    reconnectMax: q.reconnect_max,
    reconnectWindowMs: q.reconnect_window_ms,
    // A game linked before its first oracle.prob (which carries commence_ts) is not yet
    // missing its commence time: it has until the oracle is due to be stale.
    commenceGraceMs: q.oracle_stale_ms,
  });
  loop.manager = new QuoteManager(mopt, kill, exposure, sizer, loop.sink());
  ctx.log.info('quote', {
    mode,
    oracle: `${oracle.source}/${oracle.method}`,
    edge: q.edge,
    taker_edge: q.taker_edge,
    sizing: q.kelly ? 'kelly' : `${q.size} contracts`,
    reprice: q.reprice,
    ...(live ? { client_prefix: prefix } : { queue_model: q.queue_model, latency_ms: q.latency_ms }),
    clock: ctx.replayClock ? 'replay' : 'system',
  });

  // Live (not a replay): connect, clean up what an earlier run left, then quote.
  const fatal = new AbortController();
  let session: LiveSession | undefined;
  if (live && !ctx.replayClock) {
    // The edge is bound before start-up: the cancels of an earlier run's orders are sent during it.
    session = await startLive(
      ctx,
      prefix,
      loop,
      count,
      (e) => {
        // Once: every request after a refused clock fails the same way.
        if (fatal.signal.aborted) return;
        ctx.log.error('live venue: fatal, stopping', { error: e.message });
        fatal.abort(e);
      },
      (e) => (edge = e),
    );
  }

  // Gauges, at most once a second of clock time: orders believed working, and resting
  // quotes past max_order_age_ms (0 unless cancels are not getting through).
  const workingGauge = ctx.metrics.gauge('working_orders');
  const staleGauge = ctx.metrics.gauge('stale_quotes');
  const cancelP50 = ctx.metrics.gauge('cancel_latency_ms', { q: '0.5' });
  const cancelP99 = ctx.metrics.gauge('cancel_latency_ms', { q: '0.99' });
  let gaugedAt = -Infinity;
  const gauges = (now: number): void => {
    if (now - gaugedAt < 1000) return;
    gaugedAt = now;
    const working = loop.manager.workingOrders();
    workingGauge.set(working.length);
    staleGauge.set(q.max_order_age_ms > 0 ? working.filter((o) => o.restingSince !== undefined && now - o.restingSince > q.max_order_age_ms).length : 0);
    if (cancelMs.size > 0) {
      cancelP50.set(cancelMs.quantile(0.5));
      cancelP99.set(cancelMs.quantile(0.99));
    }
  };

  // A replay of a live session reads the session's own output: what quote wrote then is
  // written afresh now (never passed through twice).
  const replayingLive = live && ctx.replayClock !== undefined;
  try {
    await ctx.readRecords(
      ctx.args,
      {
        consume: live ? CONSUME_LIVE : CONSUME,
        onRecord(rec, where) {
          if (replayingLive && PRODUCED.has(rec.type)) return;
          ctx.out.passThrough(where.raw, rec.type);
          loop.onRecord(rec);
          gauges(clock.now());
        },
        ...(replayingLive
          ? {
              onOther(d, where) {
                if (!PRODUCED.has(d.type as RecordType)) ctx.out.passThrough(where.raw, d.type);
              },
            }
          : {}),
      },
      {
        // Live: every input at once, each record as it arrives (a quiet oracle never holds back
        // the books). Replay: merged by time exactly as ndcat --merge does; a recorded live
        // session in the order it was handled.
        order: ctx.replayClock && !live ? 'time' : 'arrival',
        ...(ctx.opts.slack !== undefined ? { slackMs: ctx.opts.slack } : {}),
        signal: fatal.signal,
      },
    );
  } catch (e) {
    if (session) await session.close();
    throw e;
  }

  // End of input (or a signal): pull every quote and wait (on the clock) for the answers,
  // so the output says how every order ended. Live, the stop is a recorded event (a
  // replay of the session pulls its quotes at the same point).
  if (session) session.edge.mark({ event: 'stop', reason: fatal.signal.aborted ? 'fatal' : ctx.signal.aborted ? String(ctx.signal.reason) : 'end-of-input' });
  loop.pullAll('shutdown');
  const drainMs = ctx.opts.drainMs ?? (live ? q.live.shutdown_timeout_ms : 10 * q.latency_ms + 1000);
  const until = clock.now() + drainMs;
  if (ctx.replayClock) {
    for (let due = loop.next(); due !== undefined && due <= until && loop.manager.workingOrders().length > 0; due = loop.next()) {
      ctx.replayClock.advanceTo(Math.max(due, clock.now()));
    }
  } else {
    while (loop.manager.workingOrders().length > 0 && clock.now() < until) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(50, Math.max(1, until - clock.now()))));
    }
  }
  // Live: whatever the manager believes, nothing of ours may be left resting: cancel all
  // of it and verify over REST.
  let leftOnExchange: string[] = [];
  if (session) leftOnExchange = await session.shutdown();
  loop.stop();
  gaugedAt = -Infinity;
  gauges(clock.now());
  const left = loop.manager.workingOrders();
  if (left.length > 0) ctx.log.error('orders still working at exit: their final state is unknown', { orders: left.map((o) => o.clientOrderId) });
  if (leftOnExchange.length > 0)
    ctx.log.error('orders of ours still resting on the exchange at exit: cancel them by hand (man chimera-runbook)', { orders: leftOnExchange });
  const summary: Record<string, unknown> = { ...loop.manager.counts, working_at_exit: left.length };
  if (shadow) {
    // Book levels and trades the paper venue could not use (counted there, never silently dropped).
    const venueFaults = shadow.faults();
    if (Object.keys(venueFaults).length > 0) ctx.log.warn('market data the shadow venue could not use', { faults: venueFaults });
    summary.venue_faults = venueFaults;
  }
  if (core) summary.exec = { ...core.counts, resting_at_exit: leftOnExchange.length };
  ctx.summary.quote = summary;
  if (fatal.signal.aborted) return EXIT.REFUSED;
  return left.length > 0 || leftOnExchange.length > 0 ? EXIT.RUNTIME : EXIT.OK;
}

const CANCEL_WINDOW = 1000;

/** The last `cap` values, for quantile gauges (nearest rank: a value that was observed). */
class LatencyWindow {
  private readonly buf: number[] = [];
  private i = 0;
  constructor(private readonly cap: number) {}
  push(v: number): void {
    if (this.buf.length < this.cap) this.buf.push(v);
    else this.buf[this.i++ % this.cap] = v;
  }
  get size(): number {
    return this.buf.length;
  }
  quantile(q: number): number {
    return quantileNearestRank(this.buf, q);
  }
}

/** Fixed size, or Kelly behind the sign-off of this exact path (checked now, for every sport quoted). */
function makeSizer(ctx: Ctx<Opts>, oracle: { source: string; method: DevigMethod }): Sizer {
  const q = ctx.config.quote;
  if (!q.kelly) {
    const count = q.size * COUNT_ONE;
    return () => ({ ok: true, count });
  }
  // A missing sign-off refuses the run, never a single order.
  const k = KellySizer.load(ctx.config);
  for (const sport of ['nba', 'nhl'] as const) {
    const path = { source: oracle.source, sport, phase: 'pregame' as const, method: oracle.method };
    const g = kellyGate(path, k.signoffs, { tolerance: ctx.config.kelly.tolerance, min_n: ctx.config.kelly.signoff_min_n });
    if (!g.ok) throw new RefusedError(`Kelly refused for ${pathLabel(path)} (${g.reason}): ${g.detail}`);
  }
  return (s) => {
    const sport = s.event.slice(0, 3);
    const buyYes = s.side === 'bid';
    const r = k.sizing({
      path: { source: oracle.source, sport, phase: 'pregame' as const, method: oracle.method },
      side: buyYes ? 'yes' : 'no',
      q: s.fair,
      price: (buyYes ? s.price : PRICE_ONE - s.price) / PRICE_ONE,
      bankroll: q.bankroll,
      liquidity: s.liquidity,
      fee_type: s.feeType,
      max_contracts: q.max_position,
    });
    if (!r.ok) return { ok: false, reason: r.refused ? 'kelly-refused' : 'kelly-bad-input', detail: r.detail };
    if (r.contracts <= 0) return { ok: false, reason: 'kelly-zero', detail: `Kelly sizes 0 contracts at ${s.price / PRICE_ONE}` };
    return { ok: true, count: r.contracts * COUNT_ONE };
  };
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
