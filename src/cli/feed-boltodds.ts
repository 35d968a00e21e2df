// feed-boltodds: the BoltOdds odds stream as odds.line and oracle.status records. Wiring
// only: the protocol is src/feeds/boltodds.ts, the socket src/feeds/boltodds-client.ts,
// partial-line assembly src/core/partial-lines.ts, event times src/core/eventtime.ts.
import type { Config } from '../config/schema.js';
import { applyRaw, BoltOddsClient, type RawEntry } from '../feeds/boltodds-client.js';
import { BoltOddsEngine, type EngineSettings } from '../feeds/boltodds.js';
import { openRawRecording, replayRaw, type RawRecorder } from '../feeds/raw.js';
import { intOption, listOption, runCommand, UsageError, type CommandSpec, type Ctx } from './kit.js';

interface Opts {
  url?: string;
  sideStalenessMs?: number;
  partialTtlMs?: number;
  books?: string[];
  sports?: string[];
  raw?: string;
  fromRaw?: string;
}

export const RAW_VERSION = 1;

export function engineSettings(c: Config['boltodds']): EngineSettings {
  return {
    sports: c.sports,
    books: c.books,
    bookAliases: c.book_aliases,
    market: c.market,
    sideStalenessMs: c.side_staleness_ms,
    partialTtlMs: c.partial_ttl_ms,
    appPong: c.app_pong,
  };
}

export const spec: CommandSpec<Opts> = {
  name: 'feed-boltodds',
  description: `Connects to the BoltOdds odds stream (one persistent WebSocket; the key comes from
BOLTODDS_API_KEY and goes in the ?key= query, never in a log), subscribes to the
configured sports, books and the Moneyline market, and writes one odds.line record per
(game, book) each time a complete, fresh two-way moneyline can be formed, plus
oracle.status records on every availability change: per sport for the stream, and per
game and book when a published line is withdrawn (a side pulled, the game removed, the
book cleared, a partial expired, a stale leg) or comes back.

BoltOdds sends one-sided deltas. A pair is published only when both sides are present
and neither side's price is older than side_staleness_ms (config boltodds.*) at decision
time; a one-sided state expires partial_ttl_ms after it became one-sided, on the clock;
a null, "" or "None" price pulls its side. Counters distinguish full pairs, partials
waiting, partials expired and stale legs (partial_lines_total{outcome}).

Event ids are <sport>-<Eastern date>-<away>-<home>: the start time is info.when, US
Eastern wall time (America/New_York rules: a time in the spring-forward gap is refused, a
time in the repeated fall-back hour takes the earlier instant); the label's hour suffix
is never read. A game whose teams are not in the team table, or that has no usable start
time, is reported once, counted, and not published.

Disconnects reconnect with exponential backoff and jitter, resubscribe, and rebuild every
line from the fresh initial_state burst. Malformed frames are counted by reason and
reported with their connection:frame number; they never publish a price. With --raw FILE
every input (frame, connect, disconnect) is recorded with its receive time; --from-raw
FILE replays such a recording, offline, to the same records.`,
  examples: [
    { cmd: 'feed-boltodds > boltodds.ndjson', what: 'Stream NBA and NHL moneylines from the configured books (BOLTODDS_API_KEY set).' },
    {
      cmd: 'feed-boltodds --books pinnacle,draftkings --sports nba | arbitrate | devig --method shin',
      what: 'Two books, NBA only, into the pricing pipeline.',
    },
    { cmd: 'feed-boltodds --raw frames.ndjson | tee boltodds.ndjson | devig', what: 'Record every raw frame with its receive time while pricing.' },
    {
      cmd: 'feed-boltodds --from-raw frames.ndjson --side-staleness-ms 5000 > replay.ndjson',
      what: 'Replay a recording offline, here with a tighter staleness rule.',
    },
    {
      cmd: 'sim boltodds --scenario examples/feeds/boltodds.scenario.ndjson --port 8765 & BOLTODDS_API_KEY=demo feed-boltodds --url ws://127.0.0.1:8765/api',
      what: 'Run against the loopback simulator.',
    },
  ],
  output: 'ndjson',
  secrets: ['BOLTODDS_API_KEY'],
  sections: {
    'Raw recordings': `--raw FILE writes a header line {"kind":"header","source":"boltodds","version":1,
"settings":{...}} and then one line per engine input: {"kind":"open"|"frame"|"ack-timeout"|"close",
"recv_ts":ms,"conn":n, "data":"<frame text>" for frames, "cause"/"detail" for closes}. The key is
never recorded: a frame or close reason that echoes it (or any secret) is recorded with it as
[REDACTED]. --from-raw drives a replay clock from recv_ts, so partial expiry and every
record come out as in the live run; it uses the current config and flags and warns where
they differ from the recorded settings.`,
  },
  replays: (o) => o.fromRaw !== undefined,
  inputFiles: (o) => [o.fromRaw],
  options(cmd) {
    cmd.option('--url <url>', 'WebSocket URL of the stream (config boltodds.url)');
    cmd.option('--side-staleness-ms <n>', 'a side older than this makes a stale leg (config boltodds.side_staleness_ms)', intOption(1));
    cmd.option('--partial-ttl-ms <n>', 'a one-sided state expires after this (config boltodds.partial_ttl_ms)', intOption(1));
    cmd.option('--books <list>', 'comma list of book keys; "all" for every book (config boltodds.books)', listOption);
    cmd.option('--sports <list>', 'comma list: nba, nhl (config boltodds.sports)', listOption);
    cmd.option('--raw <file>', 'record every raw frame with its receive time to FILE');
    cmd.option('--from-raw <file>', 'replay a --raw recording instead of connecting');
  },
  overrides(o) {
    const b: Record<string, unknown> = {};
    if (o.url !== undefined) b.url = o.url;
    if (o.sideStalenessMs !== undefined) b.side_staleness_ms = o.sideStalenessMs;
    if (o.partialTtlMs !== undefined) b.partial_ttl_ms = o.partialTtlMs;
    if (o.books !== undefined) b.books = o.books.length === 1 && o.books[0] === 'all' ? [] : o.books;
    if (o.sports !== undefined) b.sports = o.sports.map((s) => s.toLowerCase());
    return Object.keys(b).length ? { boltodds: b } : {};
  },
  async run(ctx) {
    const o = ctx.opts;
    if (o.raw !== undefined && o.fromRaw !== undefined) throw new UsageError('--raw and --from-raw do not go together');
    const cfg = ctx.config.boltodds;
    const settings = engineSettings(cfg);
    const engine = new BoltOddsEngine({ settings, clock: ctx.clock, log: ctx.log, metrics: ctx.metrics, emit: (r) => ctx.out.record(r) });
    if (o.fromRaw !== undefined) {
      await replay(ctx, engine, o.fromRaw, settings);
      summarize(ctx, engine);
      return 0;
    }
    const key = ctx.secrets.require('BOLTODDS_API_KEY');
    let rawWriter: RawRecorder | undefined;
    let tap: ((e: RawEntry) => void) | undefined;
    if (o.raw !== undefined) {
      // redact: a frame or close reason echoing a key is recorded as [REDACTED].
      const w = openRawRecording(o.raw, { source: 'boltodds', version: RAW_VERSION, settings, recvTs: ctx.clock.now(), redact: ctx.redactor, log: ctx.log });
      rawWriter = w;
      tap = (e) => w.write(e);
    }
    const client = new BoltOddsClient({
      url: cfg.url,
      key,
      engine,
      clock: ctx.clock,
      log: ctx.log,
      metrics: ctx.metrics,
      random: Math.random,
      signal: ctx.signal,
      reconnectMinMs: cfg.reconnect_min_ms,
      reconnectMaxMs: cfg.reconnect_max_ms,
      stableAfterMs: cfg.stable_after_ms,
      staleAfterMs: cfg.stale_after_ms,
      pingEveryMs: cfg.ping_every_ms,
      ackTimeoutMs: cfg.ack_timeout_ms,
      handshakeTimeoutMs: cfg.handshake_timeout_ms,
      maxFrameBytes: cfg.max_frame_bytes,
      ...(tap ? { tap } : {}),
      flow: { blocked: () => ctx.out.writer.backpressured, ready: () => ctx.out.writer.ready() },
    });
    await client.run();
    if (rawWriter) await rawWriter.close();
    summarize(ctx, engine);
    ctx.summary.connects = client.connects;
    ctx.summary.reconnects = client.reconnects;
    if (client.reconnects) ctx.summary.reconnect_causes = client.causes;
    return 0;
  },
};

function summarize(ctx: Ctx<Opts>, engine: BoltOddsEngine): void {
  const c = engine.counts;
  ctx.summary.frames = c.frames;
  ctx.summary.messages = c.messages;
  ctx.summary.published = c.published;
  ctx.summary.partial_lines = c.outcomes;
  ctx.summary.sides_pulled = c.sidesPulled;
  if (c.futureTimestamps) ctx.summary.future_timestamps = c.futureTimestamps;
  if (Object.keys(c.bad).length) ctx.summary.bad_frames = c.bad;
  if (Object.keys(c.unmapped).length) ctx.summary.unmapped = c.unmapped;
  if (Object.keys(c.ignored).length) ctx.summary.ignored = c.ignored;
  if (Object.keys(c.unknownActions).length) ctx.summary.unknown_actions = c.unknownActions;
}

const RAW_KINDS = new Set(['open', 'frame', 'ack-timeout', 'close']);

/** Replay a --raw recording through the engine, the clock following recv_ts. */
async function replay(ctx: Ctx<Opts>, engine: BoltOddsEngine, file: string, settings: EngineSettings): Promise<void> {
  const bad = await replayRaw<RawEntry>(file, {
    source: 'boltodds',
    version: RAW_VERSION,
    settings,
    clock: ctx.replayClock!,
    log: ctx.log,
    signal: ctx.signal,
    maxLineBytes: ctx.config.stream.max_line_bytes,
    flow: { blocked: () => ctx.out.writer.backpressured, ready: () => ctx.out.writer.ready() },
    parse(e) {
      if (
        !RAW_KINDS.has(e.kind) ||
        typeof e.conn !== 'number' ||
        (e.kind === 'frame' && typeof e.data !== 'string') ||
        (e.kind === 'close' && (typeof e.cause !== 'string' || typeof e.detail !== 'string'))
      ) {
        return 'expected {kind, recv_ts, conn, ...} as --raw writes';
      }
      return e as unknown as RawEntry;
    },
    apply: (e) => applyRaw(engine, e),
  });
  engine.stop();
  if (Object.keys(bad).length) ctx.summary.raw_rejected = bad;
}

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
