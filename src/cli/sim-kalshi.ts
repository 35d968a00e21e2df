// `sim kalshi`: the loopback Kalshi exchange (src/sim/kalshi) as a command. Options and
// wiring only. Prints its URLs as the first record after the manifest (and in the log).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import type { FeeType } from '../core/fees.js';
import { seededRandom } from '../core/prng.js';
import { RandomWalk, ScenarioPlayer, readScenario, shiftKalshiScenario } from '../sim/kalshi/activity.js';
import { shiftFor, shiftOptions, shifted, type ShiftOpts } from './sim-common.js';
import { Engine } from '../sim/kalshi/engine.js';
import { FAULT_KINDS, isFaultKind, scheduleFaults, type FaultKind } from '../sim/kalshi/faults.js';
import type { Tier } from '../sim/kalshi/rest.js';
import { KalshiSim } from '../sim/kalshi/server.js';
import { EXIT, UsageError, enumOption, intOption, listOption, numberOption, type CommandSpec } from './kit.js';

/** The bundled demo games: NBA Denver at Memphis, Lakers at Boston; NHL Toronto at NY Rangers. */
export const DEMO_MARKETS = [
  'KXNBAGAME-26JAN25DENMEM-DEN',
  'KXNBAGAME-26JAN25DENMEM-MEM',
  'KXNBAGAME-26JAN25LALBOS-LAL',
  'KXNBAGAME-26JAN25LALBOS-BOS',
  'KXNHLGAME-26JAN25TORNYR-TOR',
  'KXNHLGAME-26JAN25TORNYR-NYR',
];

interface Opts extends ShiftOpts {
  host: string;
  port: number;
  publicKey?: string;
  keyId?: string;
  markets?: string[];
  scenario?: string;
  speed: number;
  seed: number;
  rate?: number;
  levels: number;
  pingEvery: number;
  faults?: string[];
  faultEvery: number;
  stallMs: number;
  sameChannel: 'error' | 'allow';
  postOnlyCross: 'cancel' | 'reject';
  cancelDone: '404' | 'zero';
  tradeSeq?: boolean;
  tier: Tier;
  orderLatencyMs: number;
  maxSkewMs: number;
  feeType: FeeType;
  duration?: number;
}

export const kalshiSim: CommandSpec<Opts> = {
  name: 'kalshi',
  summary: 'a loopback Kalshi exchange (WS v2 + signed REST + matching engine) with fault injection',
  description: `Serves a Kalshi exchange on 127.0.0.1 that speaks the real protocol shapes: the
WebSocket v2 (signed handshake checked against --public-key; subscribe, unsubscribe,
update_subscription add_markets/delete_markets/get_snapshot, list_subscriptions, with the
documented responses and error codes; order-book snapshots then deltas with seq per
subscription; trades; market lifecycle; fill and user_orders for orders placed on it;
pings every --ping-every ms) and the signed REST API (markets with series/status filters
and cursor pagination, market, orderbook, series fee_type, exchange status, and the V2
order endpoints create/cancel/amend/decrease/batch over a price-time-priority matching
engine with fees and positions; portfolio reads: orders (min_ts/max_ts in unix seconds),
one order, fills, positions, GET /portfolio/orders/{id}/queue_position and
/portfolio/orders/queue_positions (contracts ahead, zero-based); GET /account/limits from
--tier (tier none: usage_tier "unlimited", 1,000,000 tokens per second); order groups:
POST /portfolio/order_groups/create {contracts_limit}, GET /portfolio/order_groups and
/portfolio/order_groups/{id}, PUT .../{id}/reset|trigger|limit, DELETE .../{id}, with the
order_group_updates channel).

For execution testing: client_order_id is unique over every order of a key, finished ones
included (409 conflict: a resent create can never place a second order); expiration_time
(unix seconds, GTC only, not in the past) cancels the order with reason Expired; a cancel
carries its reason (SelfTradePrevention, MarketClosed, MarketReactivated,
MarketDetermined, OrderGroupTriggered, Expired) on its first user_order; an order group
triggers when its orders fill contracts_limit contracts within a rolling 15 s: its resting
orders are cancelled (OrderGroupTriggered) and new ones refused (400
order_group_triggered, an unconfirmed code) until a reset. --order-latency-ms delays every
order endpoint before it reaches the matching engine. A request timestamp further than
--max-skew-ms from the simulator's clock is refused 401 header_timestamp_expired.

Market activity comes from --scenario FILE (NDJSON: kalshi.market, kalshi.book,
kalshi.trade, kalshi.result, sim.lifecycle, sim.order records; a recorded feed-kalshi
file works) played at --speed, or from a seeded random walk over --markets at --rate
events per second. Faults are injected on a schedule (--faults KINDS --fault-every MS)
or on demand: POST {"kind":"stall","ms":3000} to ADMIN/fault. GET ADMIN/state shows
the true books.

--shift-to-now moves the scenario's absolute times by one offset so that its epoch (a
{"sim":"kalshi","epoch":...} header, else its first record's ts) is now: close times,
and the date in each dated event ticker (KXNBAGAME-26JAN25DENMEM), taken from the game's
shifted start, which the scenario gives in a sim.game record {event_ticker, start_ts}.
--shift-to TIME does the same to a fixed time. Play stays relative to the first record.

The first record after the run manifest is a sim.listening record with the fields
ws_url, rest_url, admin_url and port; the same URLs are in the log. It runs until SIGTERM
or SIGINT (or --duration).

Fault kinds: ${FAULT_KINDS.join(', ')}. error25 and error25-nosid take an optional
"code" (10 or 17: the other terminal errors); stall, delay-snapshot, pause and
maintenance an "ms"; refuse-auth and rate-limit an "n". echo-secrets plays a server
that quotes what it was sent: the client's key id, as is and percent-encoded, in an
error frame and the close reason (code 4001), and in the next "n" REST error bodies.
crossed sends a YES bid at the best ask: a well-formed delta that leaves the client's
book crossed (taking a seq; the market is tainted until its next snapshot).
The order-path faults (not for the soak rotation) take an "n": order-5xx applies the next
n order writes and answers them 500; fill-before-cancel lets a taker fill half of the
order (at least 0.01) just before each of the next n cancels; ack-drop drops, ack-dup
sends twice and ack-delay (with "ms") delays the next n user_order messages.

Where the reference is UNCERTAIN the variant is chosen: --same-channel (error 6 for a
second subscription to a channel), --trade-seq (seq on trades), --cancel-done (cancel of
a finished order: 404 or reduced_by 0), --post-only-cross (cancelled or rejected).`,
  examples: [
    { cmd: 'sim kalshi --public-key kalshi.pub.pem --port 8931', what: 'The six bundled demo markets under a random walk, on a fixed port.' },
    {
      cmd: 'sim kalshi --public-key pub.pem --scenario examples/kalshi/scenario.ndjson --speed 20',
      what: 'Play the bundled scenario twenty times faster than recorded.',
    },
    {
      cmd: 'sim kalshi --public-key pub.pem --faults close-clean,stall,skip-seq,error25 --fault-every 5000 --seed 7',
      what: 'A fault every ~5 s, in turn, reproducibly.',
    },
    { cmd: 'curl -s -XPOST localhost:8931/_sim/fault -d \'{"kind":"close-abrupt"}\'', what: 'Drop every client connection now (no close frame).' },
  ],
  output: 'ndjson',
  inputFiles: (o) => [o.publicKey, o.scenario],
  options(cmd: Command) {
    cmd.option('--host <addr>', 'address to bind', '127.0.0.1');
    cmd.option('--port <n>', 'port to bind (0: any free port)', intOption(0, 65535), 0);
    cmd.option('--public-key <file>', 'PEM public key (or private key) the signatures are checked against (required)');
    cmd.option('--key-id <id>', 'the KALSHI-ACCESS-KEY to accept (default: any)');
    cmd.option('--markets <list>', 'market tickers of the random walk (default: the six demo markets)', listOption);
    cmd.option('--scenario <file>', 'play this NDJSON scenario instead of a random walk');
    cmd.option('--speed <x>', 'scenario speed: 1 real time, 10 ten times faster, 0 as fast as possible', numberOption(0), 1);
    cmd.option('--seed <n>', 'random seed (walk, fault timing)', intOption(0, 2 ** 31), 1);
    cmd.option('--rate <n>', 'random-walk events per second across markets (default 20; with --scenario, 0)', numberOption(0, 1e6));
    cmd.option('--levels <n>', 'price levels per side the random walk aims for', intOption(1, 100), 8);
    cmd.option('--ping-every <ms>', 'WebSocket ping interval', intOption(10), 10_000);
    cmd.option('--faults <kinds>', 'fault kinds to inject in turn, comma-separated', listOption);
    cmd.option('--fault-every <ms>', 'mean interval between scheduled faults (0: none)', intOption(0), 0);
    cmd.option('--stall-ms <ms>', 'length of a scheduled stall, delay-snapshot, pause or maintenance', intOption(1), 30_000);
    cmd.option('--same-channel <mode>', 'a second subscription to a channel: error (code 6) or allow', enumOption(['error', 'allow'] as const), 'error');
    cmd.option(
      '--post-only-cross <mode>',
      'a post-only order that would cross: cancel (201, nothing rests) or reject (400)',
      enumOption(['cancel', 'reject'] as const),
      'cancel',
    );
    cmd.option('--cancel-done <mode>', 'cancelling an executed/cancelled order: 404 or zero (reduced_by 0.00)', enumOption(['404', 'zero'] as const), '404');
    cmd.option('--trade-seq', 'put seq on trade messages too (an unconfirmed variant)');
    cmd.option(
      '--tier <tier>',
      'REST rate-limit tier: none, basic, advanced, expert, premier',
      enumOption(['none', 'basic', 'advanced', 'expert', 'premier'] as const),
      'none',
    );
    cmd.option(
      '--order-latency-ms <ms>',
      'delay before an order endpoint (create, cancel, amend, decrease, batches, order groups) reaches the engine',
      intOption(0),
      0,
    );
    cmd.option('--max-skew-ms <ms>', 'allowed |now - KALSHI-ACCESS-TIMESTAMP| before a 401 header_timestamp_expired', intOption(1), 60_000);
    cmd.option(
      '--fee-type <type>',
      'series fee_type of the markets',
      enumOption(['quadratic', 'quadratic_with_maker_fees'] as const),
      'quadratic_with_maker_fees',
    );
    cmd.option('--duration <ms>', 'stop after MS', intOption(1));
    shiftOptions(cmd);
  },
  async run(ctx) {
    const o = ctx.opts;
    if (!o.publicKey) throw new UsageError('--public-key FILE is required: the simulator checks every signature');
    let pem: string;
    try {
      pem = readFileSync(o.publicKey, 'utf8');
    } catch (e) {
      throw new ConfigError(`--public-key: cannot read ${o.publicKey}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const kinds: FaultKind[] = [];
    for (const k of o.faults ?? []) {
      if (!isFaultKind(k)) throw new UsageError(`--faults: unknown kind ${k} (kinds: ${FAULT_KINDS.join(', ')})`);
      kinds.push(k);
    }
    const random = seededRandom(o.seed);
    const engine = new Engine({ clock: ctx.clock, postOnlyCross: o.postOnlyCross, fees: ctx.config.fees });
    let sim: KalshiSim;
    try {
      sim = new KalshiSim({
        host: o.host,
        port: o.port,
        publicKeyPem: pem,
        ...(o.keyId !== undefined ? { keyId: o.keyId } : {}),
        clock: ctx.clock,
        random,
        log: ctx.log,
        engine,
        pingEveryMs: o.pingEvery,
        sameChannel: o.sameChannel,
        tradeSeq: o.tradeSeq === true,
        maxSkewMs: o.maxSkewMs,
        rest: { cancelDone: o.cancelDone, tier: o.tier, orderLatencyMs: o.orderLatencyMs },
      });
    } catch (e) {
      throw new ConfigError(`--public-key: ${o.publicKey} is not a usable key (${(e as Error).message})`);
    }
    const origInject = sim.inject.bind(sim);
    sim.inject = (f) => {
      const rec = { type: 'sim.fault', ts: ctx.clock.now(), ...f };
      ctx.out.record(rec);
      origInject(f);
    };
    let player: ScenarioPlayer | undefined;
    if (o.scenario) {
      const read = readScenario(o.scenario, ctx.log);
      const { lines } = shifted(read, shiftFor(ctx, read.epoch, o.scenario), shiftKalshiScenario);
      player = new ScenarioPlayer(lines, { engine, clock: ctx.clock, log: ctx.log, speed: o.speed });
    } else {
      for (const t of o.markets ?? DEMO_MARKETS) engine.addMarket({ ticker: t, feeType: o.feeType });
    }
    const urls = await sim.start();
    ctx.log.info('listening', { ws_url: urls.wsUrl, rest_url: urls.restUrl, admin_url: urls.adminUrl, port: urls.port });
    const listening = {
      type: 'sim.listening',
      ts: ctx.clock.now(),
      sim: 'kalshi',
      ws_url: urls.wsUrl,
      rest_url: urls.restUrl,
      admin_url: urls.adminUrl,
      port: urls.port,
    };
    ctx.out.record(listening);
    player?.start();
    const rate = o.rate ?? (o.scenario ? 0 : 20);
    const walk = new RandomWalk({ engine, clock: ctx.clock, random, rate, levels: o.levels });
    if (!o.scenario) walk.seedBooks();
    if (rate > 0) walk.start();
    const faults = scheduleFaults({
      clock: ctx.clock,
      random,
      everyMs: o.faultEvery,
      kinds,
      stallMs: o.stallMs,
      delayMs: Math.min(o.stallMs, 1000),
      pauseMs: o.stallMs,
      inject: (f) => sim.inject(f),
    });
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      if (o.duration !== undefined) {
        const t = ctx.clock.setTimeout(() => resolve(), o.duration);
        ctx.clock.unref?.(t);
      }
    });
    faults.stop();
    walk.stop();
    player?.stop();
    await sim.stop();
    ctx.summary.injected = sim.injected;
    ctx.summary.refused = sim.refused;
    ctx.summary.walk_steps = walk.steps;
    if (player) Object.assign(ctx.summary, { scenario_applied: player.applied, scenario_ignored: player.ignored, scenario_failed: player.failed });
    return EXIT.OK;
  },
};
