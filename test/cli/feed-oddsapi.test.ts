// feed-oddsapi as a user runs it: the built command against The Odds API simulator over
// HTTP on 127.0.0.1. Every failure of roadmap item 3 through the real binary.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SystemClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { OddsApiSim, parseOddsScenario } from '../../src/sim/oddsapi.js';
import { SCHEMAS } from '../../src/schema/records.js';
import { ROOT, ofType, run, summary } from '../helpers/run.js';
import { NBA_BODY, NHL_BODY, oddsScenario } from '../helpers/oddsapi.js';
import { readFileSync } from 'node:fs';

const KEY = 'cli-oddsapi-key-31f0';
const dir = mkdtempSync(`${tmpdir()}/feed-oddsapi-`);
const config = `${dir}/chimera.config.json`;
writeFileSync(config, JSON.stringify({ oddsapi: { retry_base_ms: 5, retry_max_ms: 20, request_timeout_ms: 500 } }));

async function sim(scen: string) {
  const clock = new SystemClock();
  const s = new OddsApiSim({ scenario: parseOddsScenario(scen, 'scenario'), clock, log: new Logger({ cmd: 'sim', clock, sink: new MemorySink() }), key: KEY });
  const url = await s.start();
  t.teardown(() => s.stop());
  return { s, url };
}

const nba = (e: object) => ({ sport: 'basketball_nba', endpoint: 'odds', ...e });

t.test('each failure through the command: unavailable + reason, one critical line, no odds, exit 1', async (t) => {
  // Every failure is driven in process in test/feeds/oddsapi-feed.test.ts; here one per
  // reason family through the real binary (exit status, stdout, stderr).
  const cases: Array<[string, string, string]> = [
    ['MISSING_KEY', oddsScenario(undefined, [nba({ status: 401, error_code: 'MISSING_KEY' })]), 'auth'],
    ['OUT_OF_USAGE_CREDITS', oddsScenario({ quota: { remaining: 0, used: 500 } }, [nba({ body: NBA_BODY })]), 'quota'],
    ['403', oddsScenario(undefined, [nba({ status: 403 })]), 'denied'],
    ['429 after retries', oddsScenario(undefined, [nba({ status: 429, error_code: 'EXCEEDED_FREQ_LIMIT' })]), 'quota'],
  ];
  await Promise.all(
    cases.map(async ([name, scen, reason]) => {
      const { url } = await sim(scen);
      const r = await run('feed-oddsapi', ['--config', config, '--url', url, '--sport', 'nba', '--once'], { env: { ODDS_API_KEY: KEY } });
      t.equal(r.code, 1, `${name}: exit 1`);
      t.equal(ofType(r.records, 'odds.line').length + ofType(r.records, 'oracle.prob').length, 0, `${name}: no odds.line, no oracle.prob`);
      t.same(
        ofType(r.records, 'oracle.status').map((x) => [x.source, x.sport, x.state, x.reason]),
        [['oddsapi', 'nba', 'unavailable', reason]],
        `${name}: ${reason}`,
      );
      t.equal(r.logs.filter((l) => l.critical === true).length, 1, `${name}: one critical line`);
      t.notOk(r.stderr.includes(KEY) || r.stdout.includes(KEY), `${name}: the key is not in any output`);
    }),
  );
});

t.test('an empty payload: unavailable (empty), no odds, but exit 0 (no games is not an error)', async (t) => {
  const { url } = await sim(oddsScenario(undefined, [nba({ raw: '' })]));
  const r = await run('feed-oddsapi', ['--config', config, '--url', url, '--sport', 'nba', '--once'], { env: { ODDS_API_KEY: KEY } });
  t.equal(r.code, 0);
  t.same(
    ofType(r.records, 'oracle.status').map((x) => x.reason),
    ['empty'],
  );
  t.equal(ofType(r.records, 'odds.line').length, 0);
  t.equal(r.logs.filter((l) => l.critical === true).length, 1);
});

t.test('the demo scenario: both sports, a retried 503, scores, valid records', async (t) => {
  const { s, url } = await sim(readFileSync(`${ROOT}examples/feeds/oddsapi.scenario.ndjson`, 'utf8'));
  const r = await run('feed-oddsapi', ['--config', config, '--url', url, '--once', '--scores'], { env: { ODDS_API_KEY: KEY } });
  t.equal(r.code, 0, r.stderr.slice(0, 400));
  for (const rec of r.records.slice(1)) t.ok(SCHEMAS[rec.type as 'odds.line'].safeParse(rec).success, `valid ${rec.type}`);
  t.equal(ofType(r.records, 'odds.line').length, 9, '3 games x 3 books (kalshi excluded)');
  t.same(
    ofType(r.records, 'result').map((x) => `${x.event}:${x.winner}`),
    ['nba-2026-01-25-lal-bos:home', 'nba-2026-01-25-den-mem:home', 'nhl-2026-01-25-tor-nyr:away'],
  );
  t.same(
    ofType(r.records, 'oracle.status').map((x) => `${x.sport}:${x.state}`),
    ['nba:available', 'nhl:available'],
  );
  t.same(summary(r.logs)?.failures, { SERVICE_UNAVAILABLE: 1 });
  const odds = s.requests.filter((q) => q.endpoint === 'odds');
  t.equal(odds.length, 3, 'one NBA call, the NHL call retried once');
});

t.test('flags: --regions instead of books, a missing key', async (t) => {
  const { s, url } = await sim(oddsScenario(undefined, [{ sport: 'icehockey_nhl', endpoint: 'odds', body: NHL_BODY }]));
  const r = await run('feed-oddsapi', ['--config', config, '--url', url, '--sport', 'nhl', '--regions', 'us,eu', '--once'], { env: { ODDS_API_KEY: KEY } });
  t.equal(r.code, 0);
  t.equal(s.requests[0]?.cost, 2, 'two regions: two credits');
  const noKey = await run('feed-oddsapi', ['--url', url, '--once'], { env: { ODDS_API_KEY: '' } });
  t.equal(noKey.code, 2);
  t.match(noKey.stderr, /ODDS_API_KEY is not set/);
});
