// feed-kalshi: the persistent Kalshi feeder. Options and wiring only: the protocol
// (subscriptions, sequence checks, resyncs, books) is src/feeds/kalshi-engine.ts, the
// socket src/feeds/kalshi-session.ts, REST discovery src/feeds/kalshi-discovery.ts, the
// records src/feeds/kalshi-records.ts, the book itself src/core/kalshi-book.ts.
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { seededRandom } from '../core/prng.js';
import { DEMO_REST_URL, DEMO_WS_URL, signerFromSecrets } from '../feeds/kalshi-auth.js';
import { KalshiDiscovery } from '../feeds/kalshi-discovery.js';
import { KalshiEngine, applyInput, type EngineSettings, type KalshiInput } from '../feeds/kalshi-engine.js';
import { KALSHI_RAW_SOURCE, KALSHI_RAW_VERSION, parseKalshiInput, recordedSettings } from '../feeds/kalshi-raw.js';
import { openRawRecording, readRawHeader, replayRaw, type RawRecorder } from '../feeds/raw.js';
import { KalshiRest } from '../feeds/kalshi-rest.js';
import { KalshiSession } from '../feeds/kalshi-session.js';
import { EXIT, UsageError, intOption, listOption, runCommand, type CommandSpec, type Ctx } from './kit.js';

interface Opts {
  tickers?: string[];
  series?: string[];
  url?: string;
  restUrl?: string;
  demo?: boolean;
  rest?: boolean;
  private?: boolean;
  depth?: number;
  useYesPrice?: boolean;
  statusEvery?: number;
  silenceTimeout?: number;
  resyncTimeout?: number;
  refreshEvery?: number;
  seed?: number;
  raw?: string;
  fromRaw?: string;
}

/** What shapes the engine's output, from the kalshi config section (recorded in a --raw header). */
export function engineSettings(c: Config['kalshi']): EngineSettings {
  return {
    tickers: c.tickers,
    series: c.series,
    rest: c.rest,
    private: c.private,
    depth: c.depth,
    useYesPrice: c.use_yes_price,
    resyncTimeoutMs: c.resync_timeout_ms,
  };
}

export const spec: CommandSpec<Opts> = {
  name: 'feed-kalshi',
  description: `Keeps one authenticated WebSocket to Kalshi open for the whole run and writes the
order books of the chosen markets as kalshi.book records (YES terms, best first, --depth
levels per side) every time their top changes, plus kalshi.trade, kalshi.result (from
market determinations) and kalshi.status (connection state and per-market freshness, on
every change and every --status-every ms). With --private it also passes on our own fills
and order updates (kalshi.fill, kalshi.user_order).

Markets come from --tickers and/or --series: the open markets of each series are found
over signed REST, refreshed every refresh_every_ms, and added to or removed from the live
subscription as they open and close. Each market is described by a kalshi.market record
(REST mode) and linked to our game id by a market.link record derived from its ticker; a
ticker that does not map to one game is reported (a skip record with reason unmapped) and
never guessed. --no-rest runs on the WebSocket alone, for --tickers.

Books are rebuilt from a snapshot plus signed deltas in exact integers. Sequence numbers
are checked per subscription: on a gap, a terminal error (10, 17, 25), a reconnect, or
a message that cannot be trusted, the affected books are invalid (no kalshi.book is
written for them) until a fresh snapshot arrives: first by get_snapshot, then by
resubscribing, then by reconnecting. A socket silent for silence_timeout_ms is dead;
reconnects back off exponentially with jitter, and each one is logged with its cause
(close code, error, heartbeat-timeout, resync-timeout, ...). The Thursday 03:00-05:00 ET
maintenance window and market pauses show as state (maintenance, market_status), not as
errors.

With --raw FILE every input of the protocol engine (connects, frames, REST answers,
closes, timer beats) is recorded with its receive time; --from-raw FILE replays such a
recording offline, without keys or network, to the same records, or with another --depth
or --resync-timeout to see what those would have published.

Authentication: KALSHI_API_KEY_ID and the RSA private key in the PEM file named by
KALSHI_PRIVATE_KEY_PATH (refused if group or others can read it). SIGTERM or SIGINT
closes the socket, flushes, and exits 0.`,
  examples: [
    {
      cmd: 'feed-kalshi --series KXNBAGAME,KXNHLGAME > kalshi.ndjson',
      what: 'Follow every open NBA and NHL game-winner market; record books, trades, results and status.',
    },
    {
      cmd: 'feed-kalshi --tickers KXNBAGAME-26JAN25DENMEM-DEN,KXNBAGAME-26JAN25DENMEM-MEM --no-rest --depth 3',
      what: 'Two markets over the WebSocket alone, three levels a side.',
    },
    {
      cmd: 'feed-kalshi --demo --series KXNBAGAME --private > kalshi.ndjson',
      what: 'Against the demo exchange, with our own fills and order updates (to watch an account; quote --live opens its own).',
    },
    {
      cmd: 'sim kalshi --public-key pub.pem | head -2 > sim.ndjson; feed-kalshi --url ws://127.0.0.1:PORT/trade-api/ws/v2 --rest-url http://127.0.0.1:PORT/trade-api/v2 --series KXNBAGAME',
      what: 'Against the loopback simulator (sim kalshi prints its URLs).',
    },
    { cmd: 'feed-kalshi --series KXNBAGAME | ndcat --validate | grep \'"kalshi.status"\'', what: 'Watch the connection state and per-market freshness.' },
    {
      cmd: 'feed-kalshi --series KXNBAGAME,KXNHLGAME --raw kalshi.raw.ndjson > kalshi.ndjson',
      what: 'Record every engine input with its receive time while following the markets.',
    },
    { cmd: 'feed-kalshi --from-raw kalshi.raw.ndjson --depth 2 > replay.ndjson', what: 'Replay the recording offline, here with two levels a side.' },
  ],
  output: 'ndjson',
  secrets: ['KALSHI_API_KEY_ID', 'KALSHI_PRIVATE_KEY_PATH'],
  sections: {
    'Raw recordings': `--raw FILE writes a header line {"kind":"header","source":"kalshi","version":1,
"recv_ts":ms,"settings":{tickers, series, rest, private, depth, useYesPrice,
resyncTimeoutMs}} and then one line per engine input, each with "kind" and "recv_ts":
start; connect, open {"conn":n}; frame {"conn","data":"<frame text>"}; close {"conn",
"cause","detail":{code, reason, error, detail}}; rest {"answer":{fee_types, markets,
not_found, exchange, error}}; tick, status, flush, stop. Frames of the private channels
(fill, user_orders) are recorded like any other. The file passes through the redactor:
a secret the exchange echoes is recorded as [REDACTED].

--from-raw replays on a clock driven by recv_ts. The market set, REST mode, --private and
use_yes_price are the recording's; --depth and --resync-timeout, when given, replace the
recorded values (a warning says the output will differ from the live run). Timer beats
come from the recording, so a timeout is checked at the recorded ticks. Bad lines are
reported with FILE:LINE, counted (raw_rejected) and skipped; a file without a kalshi
header is refused (exit 2).`,
  },
  options(cmd: Command) {
    cmd.option('--tickers <list>', 'market tickers to follow, comma-separated (repeatable)', listOption);
    cmd.option('--series <list>', 'series whose open markets are discovered over REST, e.g. KXNBAGAME,KXNHLGAME', listOption);
    cmd.option('--url <ws-url>', 'WebSocket URL (config kalshi.ws_url; default: production)');
    cmd.option('--rest-url <url>', 'REST base URL up to /trade-api/v2 (config kalshi.rest_url; default: production)');
    cmd.option('--demo', 'use the demo exchange hosts (for the URLs not given by --url/--rest-url)');
    cmd.option('--no-rest', 'WebSocket only: no discovery and no kalshi.market records (needs --tickers)');
    cmd.option('--private', 'also subscribe to our fills and order updates (kalshi.fill, kalshi.user_order)');
    cmd.option('--depth <n>', 'levels per side in kalshi.book (config kalshi.depth, default 10)', intOption(1, 1000));
    cmd.option('--use-yes-price', 'subscribe with use_yes_price=true: NO levels on the YES scale (default)');
    cmd.option('--no-use-yes-price', 'subscribe with use_yes_price=false: NO levels at NO prices (the wire default)');
    cmd.option('--status-every <ms>', 'kalshi.status at least every MS (config kalshi.status_every_ms, default 5000)', intOption(100));
    cmd.option('--silence-timeout <ms>', 'silence that marks the socket dead (config kalshi.silence_timeout_ms, default 25000)', intOption(100));
    cmd.option('--resync-timeout <ms>', 'time a recovery step gets before the next one (config kalshi.resync_timeout_ms, default 5000)', intOption(100));
    cmd.option('--refresh-every <ms>', 'market discovery refresh period (config kalshi.refresh_every_ms, default 60000)', intOption(1000));
    cmd.option('--raw <file>', 'record every input of the engine (frames, REST answers, connects, closes, timer beats) with its receive time to FILE');
    cmd.option('--from-raw <file>', 'replay a --raw recording offline instead of connecting');
    cmd.option('--seed <n>', 'seed the reconnect jitter (reproducible runs); default: unseeded', intOption(0, 2 ** 31));
  },
  overrides(o) {
    const f: Record<string, unknown> = {};
    if (o.tickers) f.tickers = o.tickers;
    if (o.series) f.series = o.series;
    if (o.demo) {
      f.ws_url = DEMO_WS_URL;
      f.rest_url = DEMO_REST_URL;
    }
    if (o.url !== undefined) f.ws_url = o.url;
    if (o.restUrl !== undefined) f.rest_url = o.restUrl;
    if (o.rest === false) f.rest = false;
    if (o.private) f.private = true;
    if (o.depth !== undefined) f.depth = o.depth;
    if (o.useYesPrice !== undefined) f.use_yes_price = o.useYesPrice;
    if (o.statusEvery !== undefined) f.status_every_ms = o.statusEvery;
    if (o.silenceTimeout !== undefined) f.silence_timeout_ms = o.silenceTimeout;
    if (o.resyncTimeout !== undefined) f.resync_timeout_ms = o.resyncTimeout;
    if (o.refreshEvery !== undefined) f.refresh_every_ms = o.refreshEvery;
    return Object.keys(f).length ? { kalshi: f } : {};
  },
  replays: (o) => o.fromRaw !== undefined,
  inputFiles: (o) => [o.fromRaw],
  async run(ctx) {
    const c = ctx.config.kalshi;
    if (ctx.opts.raw !== undefined && ctx.opts.fromRaw !== undefined) throw new UsageError('--raw and --from-raw do not go together');
    if (ctx.opts.fromRaw !== undefined) return replay(ctx, ctx.opts.fromRaw);
    if (!c.rest && c.tickers.length === 0) throw new UsageError('--no-rest needs --tickers (there is no discovery without REST)');
    if (c.tickers.length === 0 && c.series.length === 0) throw new UsageError('name markets with --tickers and/or --series');
    if (!c.rest && c.series.length) throw new UsageError('--series needs REST discovery; drop --no-rest or use --tickers');
    for (const [flag, url] of [
      ['--url', c.ws_url],
      ['--rest-url', c.rest_url],
    ] as const) {
      try {
        new URL(url);
      } catch {
        throw new UsageError(`${flag}: not a URL: ${url}`);
      }
    }
    const signer = signerFromSecrets(ctx.secrets);
    const settings = engineSettings(c);
    const engine = new KalshiEngine({
      settings,
      log: ctx.log,
      metrics: ctx.metrics,
      emit: (r) => ctx.out.record(r),
      emitLine: (line, type) => ctx.out.passThrough(line, type),
    });
    const random = ctx.opts.seed !== undefined ? seededRandom(ctx.opts.seed) : Math.random;
    const abort = new AbortController();
    ctx.signal.addEventListener('abort', () => abort.abort(), { once: true });
    let discovery: KalshiDiscovery | undefined;
    if (c.rest) {
      const rest = new KalshiRest({
        baseUrl: c.rest_url,
        signer,
        clock: ctx.clock,
        random,
        timeoutMs: c.rest_timeout_ms,
        signal: abort.signal,
        onRetry: (r) => {
          engine.noteRestRetry(r.status);
          ctx.log.limited('warn', `rest-retry:${r.status ?? 'net'}`, 'REST request retried', {
            path: r.path,
            status: r.status,
            error: r.error,
            attempt: r.attempt,
            retry_in_ms: r.delayMs,
          });
        },
      });
      discovery = new KalshiDiscovery({ rest, series: c.series, lookupsNeeded: (listed) => engine.lookupsNeeded(listed), log: ctx.log });
    }
    let recorder: RawRecorder | undefined;
    if (ctx.opts.raw !== undefined) {
      // redact: a frame, REST answer or close reason echoing a secret is recorded as [REDACTED].
      recorder = openRawRecording(ctx.opts.raw, {
        source: KALSHI_RAW_SOURCE,
        version: KALSHI_RAW_VERSION,
        settings,
        recvTs: ctx.clock.now(),
        redact: ctx.redactor,
        log: ctx.log,
      });
    }
    const session = new KalshiSession({
      wsUrl: c.ws_url,
      signer,
      engine,
      ...(discovery ? { discovery } : {}),
      statusEveryMs: c.status_every_ms,
      silenceTimeoutMs: c.silence_timeout_ms,
      resyncTimeoutMs: c.resync_timeout_ms,
      refreshEveryMs: c.refresh_every_ms,
      handshakeTimeoutMs: c.handshake_timeout_ms,
      backoff: { initialMs: c.backoff.initial_ms, maxMs: c.backoff.max_ms, stableMs: c.backoff.stable_ms },
      clock: ctx.clock,
      random,
      log: ctx.log,
      metrics: ctx.metrics,
      ...(recorder ? { tap: (e: KalshiInput) => recorder.write(e) } : {}),
    });
    const summary = await session.run(ctx.signal);
    if (recorder) await recorder.close();
    Object.assign(ctx.summary, summary);
    return EXIT.OK;
  },
};

/**
 * --from-raw: the engine fed the recorded inputs on a replay clock. The market set, REST
 * mode, private channels and use_yes_price are the recording's (they shaped what the
 * exchange sent); --depth and --resync-timeout, when given, replace the recorded ones.
 */
async function replay(ctx: Ctx<Opts>, file: string): Promise<number> {
  const header = await readRawHeader(file, ctx.config.stream.max_line_bytes);
  const recorded = recordedSettings(header);
  if (!recorded) throw new UsageError(`--from-raw ${file}: not a feed-kalshi --raw recording (no kalshi header line with its settings)`);
  const ignored = (['tickers', 'series', 'private', 'useYesPrice', 'url', 'restUrl', 'demo'] as const).filter((k) => ctx.opts[k] !== undefined);
  if (ctx.opts.rest === false) ignored.push('rest' as never);
  if (ignored.length) ctx.log.warn("ignored with --from-raw: the market set, REST mode, --private and use_yes_price are the recording's", { flags: ignored });
  const settings: EngineSettings = {
    ...recorded,
    ...(ctx.opts.depth !== undefined ? { depth: ctx.opts.depth } : {}),
    ...(ctx.opts.resyncTimeout !== undefined ? { resyncTimeoutMs: ctx.opts.resyncTimeout } : {}),
  };
  const engine = new KalshiEngine({
    settings,
    log: ctx.log,
    metrics: ctx.metrics,
    emit: (r) => ctx.out.record(r),
    emitLine: (line, type) => ctx.out.passThrough(line, type),
  });
  const bad = await replayRaw<KalshiInput>(file, {
    source: KALSHI_RAW_SOURCE,
    version: KALSHI_RAW_VERSION,
    settings,
    clock: ctx.replayClock!,
    log: ctx.log,
    signal: ctx.signal,
    maxLineBytes: ctx.config.stream.max_line_bytes,
    flow: { blocked: () => ctx.out.writer.backpressured, ready: () => ctx.out.writer.ready() },
    parse: parseKalshiInput,
    apply: (e) => applyInput(engine, e),
  });
  Object.assign(ctx.summary, engine.summary);
  if (Object.keys(bad).length) ctx.summary.raw_rejected = bad;
  return EXIT.OK;
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
