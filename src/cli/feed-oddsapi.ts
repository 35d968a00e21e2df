// feed-oddsapi: The Odds API v4 as odds.line, oracle.status and (with --scores) result
// records. Wiring only: the client and its failure semantics are src/feeds/oddsapi.ts,
// the budget and phases src/core/polling.ts.
import { OddsApiFeed } from '../feeds/oddsapi.js';
import { EXIT, listOption, runCommand, type CommandSpec } from './kit.js';

interface Opts {
  url?: string;
  sport?: string[];
  once?: boolean;
  scores?: boolean;
  books?: string[];
  regions?: string[];
}

export const spec: CommandSpec<Opts> = {
  name: 'feed-oddsapi',
  description: `Polls The Odds API v4 (/v4/sports/basketball_nba/odds, /v4/sports/icehockey_nhl/odds;
markets=h2h, decimal odds, ISO dates, the configured bookmakers or regions; the key comes
from ODDS_API_KEY and is sent as apiKey, never logged) and writes one odds.line per event
and book, with home_ts and away_ts from the h2h market's last_update. Outcomes are matched
to home and away by name, never by position.

Polling adapts to each sport's phase: far (no game within near_window_ms), near, live (a
listed game has started), each with its own interval (config oddsapi.*). A credit budget
is never exceeded: at most credits_per_day over any rolling 24 h of this process, and
never below reserve_credits of the quota (x-requests-remaining); intervals stretch, up to
16x, as either runs low. x-requests-remaining, -used and -last go to the metrics.

Failures publish no odds: 401 (MISSING_KEY, INVALID_KEY, DEACTIVATED_KEY: auth;
OUT_OF_USAGE_CREDITS: quota), 403 (denied), an empty payload (empty), a payload without
the h2h market (parse), and 429 (quota) or 5xx/network errors (disconnected) after
max_retries retries each give one oracle.status unavailable for the sport, with the
reason, and one critical log line. After auth or quota failures the free /v4/sports
endpoint is probed (auth_retry_ms, quota_retry_ms) until the key works again. An event
or book whose teams, times or prices do not check out is reported once, counted and left
out. A book that stops listing a game gets a per-game oracle.status.

With --scores, /scores?daysFrom=N is polled while a started game awaits its result, and a
result record is written for each completed game. With --once each sport is polled once
and the command exits: status 1 if a sport ended unavailable for any reason but an empty
payload (no games), 0 otherwise.`,
  examples: [
    { cmd: 'feed-oddsapi > oddsapi.ndjson', what: 'Poll NBA and NHL moneylines from the configured books, adaptively, within the credit budget.' },
    { cmd: 'feed-oddsapi --once --sport nba | arbitrate | devig --method power', what: 'One poll of the NBA board into the pricing pipeline (a cron line).' },
    { cmd: 'feed-oddsapi --regions us,eu --sport nhl', what: 'Every book of two regions instead of the book list (2 credits a call).' },
    { cmd: 'feed-oddsapi --scores --once >> results.ndjson', what: 'Also write result records for games completed since yesterday.' },
    { cmd: 'ODDS_API_KEY=demo feed-oddsapi --url http://127.0.0.1:8766 --once', what: 'Against the loopback simulator (sim oddsapi).' },
  ],
  output: 'ndjson',
  secrets: ['ODDS_API_KEY'],
  options(cmd) {
    cmd.option('--url <url>', 'base URL of the API (config oddsapi.url)');
    cmd.option('--sport <list>', 'nba, nhl; repeatable or a comma list (config oddsapi.sports)', listOption);
    cmd.option('--once', 'poll each sport once and exit (cron lines, tests)');
    cmd.option('--scores', 'also poll /scores and write result records for completed games');
    cmd.option('--books <list>', 'bookmaker keys; "all" to use --regions instead (config oddsapi.books)', listOption);
    cmd.option('--regions <list>', 'poll these regions instead of books: us, us2, uk, eu, au (config oddsapi.regions)', listOption);
  },
  overrides(o) {
    const b: Record<string, unknown> = {};
    if (o.url !== undefined) b.url = o.url;
    if (o.sport !== undefined) b.sports = [...new Set(o.sport.map((s) => s.toLowerCase()))];
    if (o.books !== undefined) b.books = o.books.length === 1 && o.books[0] === 'all' ? [] : o.books;
    if (o.regions !== undefined) {
      b.regions = o.regions;
      if (o.books === undefined) b.books = []; // --regions alone means regions, not the configured books
    }
    return Object.keys(b).length ? { oddsapi: b } : {};
  },
  async run(ctx) {
    const key = ctx.secrets.require('ODDS_API_KEY');
    const feed = new OddsApiFeed({
      cfg: ctx.config.oddsapi,
      key,
      clock: ctx.clock,
      log: ctx.log,
      metrics: ctx.metrics,
      emit: (r) => ctx.out.record(r),
      random: Math.random,
      signal: ctx.signal,
      once: ctx.opts.once === true,
      scores: ctx.opts.scores === true,
    });
    await feed.run();
    ctx.summary.requests = feed.counts.polls;
    ctx.summary.lines = feed.counts.lines;
    ctx.summary.results = feed.counts.results;
    if (Object.keys(feed.counts.failures).length) ctx.summary.failures = feed.counts.failures;
    if (Object.keys(feed.counts.problems).length) ctx.summary.problems = feed.counts.problems;
    const down = feed.unavailable();
    if (down.length) ctx.summary.unavailable = Object.fromEntries(down.map((d) => [d.sport, d.reason]));
    if (ctx.opts.once && down.some((d) => d.reason !== 'empty')) return EXIT.RUNTIME;
    return EXIT.OK;
  },
};

export const main = (argv: string[]): Promise<never> => runCommand(spec, argv);
