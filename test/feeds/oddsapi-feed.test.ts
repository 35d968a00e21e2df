// The real Odds API client against the simulator over HTTP on 127.0.0.1: every failure,
// retries, the credit budget, quota, probes, phases, per-game statuses, scores.
import t, { type Test } from 'tap';
import { SystemClock } from '../../src/clock/clock.js';
import { oddsapiSection } from '../../src/config/sections/feeds.js';
import { OddsApiFeed, type FeedRecord } from '../../src/feeds/oddsapi.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Redactor } from '../../src/log/redact.js';
import { Metrics } from '../../src/log/metrics.js';
import { OddsApiSim, parseOddsScenario } from '../../src/sim/oddsapi.js';
import { book, event, NBA_BODY, ODDS_GAMES, oddsScenario } from '../helpers/oddsapi.js';

const KEY = 'oddsapi-test-key-77aa';

interface H {
  sim: OddsApiSim;
  out: FeedRecord[];
  sink: MemorySink;
  metrics: Metrics;
  feed: OddsApiFeed;
  run(): Promise<void>;
  stop(): void;
  lines(): FeedRecord[];
  statuses(): string[];
  criticals(): number;
}

/** The system clock moved to another date (timers stay real). */
class ShiftedClock extends SystemClock {
  constructor(private readonly shift: number) {
    super();
  }
  override now(): number {
    return super.now() + this.shift;
  }
}

async function harness(
  t: Test,
  scen: string,
  cfg: Record<string, unknown> = {},
  mode: { once?: boolean; scores?: boolean; at?: number } = { once: true },
): Promise<H> {
  const clock = mode.at === undefined ? new SystemClock() : new ShiftedClock(mode.at - Date.now());
  const sink = new MemorySink();
  const redactor = new Redactor();
  redactor.add(KEY);
  const log = new Logger({ cmd: 'test', clock, sink, redactor, level: 'debug' });
  const sim = new OddsApiSim({
    scenario: parseOddsScenario(scen, 'scenario'),
    clock,
    log: new Logger({ cmd: 'sim', clock, sink: new MemorySink() }),
    key: KEY,
  });
  const url = await sim.start();
  t.teardown(() => sim.stop());
  const metrics = new Metrics();
  const out: FeedRecord[] = [];
  const ac = new AbortController();
  const feed = new OddsApiFeed({
    cfg: oddsapiSection.parse({ url, sports: ['nba'], retry_base_ms: 5, retry_max_ms: 20, request_timeout_ms: 300, ...cfg }),
    key: KEY,
    clock,
    log,
    metrics,
    emit: (r) => out.push(r),
    random: () => 0.5,
    signal: ac.signal,
    once: mode.once === true,
    scores: mode.scores === true,
  });
  t.teardown(() => ac.abort());
  return {
    sim,
    out,
    sink,
    metrics,
    feed,
    run: () => feed.run(),
    stop: () => ac.abort(),
    lines: () => out.filter((r) => r.type === 'odds.line'),
    statuses: () =>
      out
        .filter((r) => r.type === 'oracle.status' && !r.event)
        .map((r) => (r.type === 'oracle.status' ? `${r.sport}:${r.state}${r.reason ? `:${r.reason}` : ''}` : '')),
    criticals: () => sink.records().filter((l) => l.critical === true).length,
  };
}

const nba = (e: object) => ({ sport: 'basketball_nba', endpoint: 'odds', ...e });

t.test('each failure: one unavailable status with its reason, one critical line, no odds', async (t) => {
  const cases: Array<[string, string, string, number]> = [
    ['401 MISSING_KEY', oddsScenario(undefined, [nba({ status: 401, error_code: 'MISSING_KEY' })]), 'auth', 1],
    ['401 INVALID_KEY', oddsScenario(undefined, [nba({ status: 401, error_code: 'INVALID_KEY' })]), 'auth', 1],
    ['401 DEACTIVATED_KEY', oddsScenario(undefined, [nba({ status: 401, error_code: 'DEACTIVATED_KEY' })]), 'auth', 1],
    ['401 OUT_OF_USAGE_CREDITS (quota spent)', oddsScenario({ quota: { remaining: 0, used: 500 } }, [nba({ body: NBA_BODY })]), 'quota', 1],
    ['403', oddsScenario(undefined, [nba({ status: 403, message: 'Forbidden' })]), 'denied', 1],
    ['an empty body', oddsScenario(undefined, [nba({ raw: '' })]), 'empty', 1],
    ['an empty array', oddsScenario(undefined, [nba({ body: [] })]), 'empty', 1],
    [
      'no h2h market',
      oddsScenario(undefined, [nba({ body: [event(ODDS_GAMES.lalbos, [book('pinnacle', ODDS_GAMES.lalbos, 1.9, 1.9, undefined, 'totals')])] })]),
      'parse',
      1,
    ],
    ['not JSON', oddsScenario(undefined, [nba({ raw: '<html>oops</html>' })]), 'parse', 1],
    ['429 after retries', oddsScenario(undefined, [nba({ status: 429, error_code: 'EXCEEDED_FREQ_LIMIT' })]), 'quota', 4],
    ['500 after retries', oddsScenario(undefined, [nba({ status: 500 })]), 'disconnected', 4],
    ['503 after retries', oddsScenario(undefined, [nba({ status: 503 })]), 'disconnected', 4],
    ['a dropped connection after retries', oddsScenario(undefined, [nba({ drop: true })]), 'disconnected', 4],
    ['no answer (timeout) after retries', oddsScenario(undefined, [nba({ hang: true })]), 'disconnected', 4],
  ];
  await Promise.all(
    cases.map(async ([name, scen, reason, requests]) => {
      const h = await harness(t, scen);
      await h.run();
      t.equal(h.lines().length, 0, `${name}: no odds.line`);
      t.notOk(
        h.out.some((r) => (r as { type: string }).type === 'oracle.prob'),
        `${name}: no oracle.prob`,
      );
      t.same(h.statuses(), [`nba:unavailable:${reason}`], `${name}: unavailable, ${reason}`);
      t.equal(h.criticals(), 1, `${name}: one critical log line`);
      t.equal(h.sim.requests.length, requests, `${name}: ${requests} request(s)${requests > 1 ? ' (retried)' : ''}`);
      t.same(h.feed.unavailable(), [{ sport: 'nba', reason }]);
      t.notOk(h.sink.lines.join('').includes(KEY), `${name}: the key is never logged`);
    }),
  );
});

t.test('a 503 then a good answer: retried, available, priced', async (t) => {
  const h = await harness(t, oddsScenario(undefined, [nba({ status: 503 }), nba({ body: NBA_BODY })]));
  await h.run();
  t.equal(h.sim.requests.length, 2);
  t.same(h.statuses(), ['nba:available']);
  t.equal(h.lines().length, 3);
  t.equal(h.criticals(), 0);
  t.equal(h.metrics.value('credits_remaining', { source: 'oddsapi' }), 499, 'x-requests-remaining into metrics');
  t.equal(h.metrics.value('credits_used', { source: 'oddsapi' }), 1);
  t.equal(h.metrics.value('credits_last', { source: 'oddsapi' }), 1);
  t.equal(h.metrics.value('polls_total', { source: 'oddsapi', sport: 'nba', endpoint: 'odds', outcome: 'http_503' }), 1);
});

t.test('the daily credit budget is never exceeded', async (t) => {
  const h = await harness(t, oddsScenario(undefined, [nba({ body: NBA_BODY })]), { credits_per_day: 2, live_interval_ms: 10 }, { once: false });
  const running = h.run();
  await new Promise((r) => setTimeout(r, 400));
  h.stop();
  await running;
  t.equal(h.sim.requests.length, 2, 'two credits a day: two calls, then none');
  t.ok(h.sink.records().some((l) => l.msg === 'daily credit budget spent: next poll delayed'));
  t.equal(h.metrics.value('credits_spent_24h', { source: 'oddsapi' }), 2);
});

t.test('retries stay within the budget; an unanswered call is booked at its full cost', async (t) => {
  const h = await harness(t, oddsScenario(undefined, [nba({ hang: true })]), { credits_per_day: 2 });
  await h.run();
  t.equal(h.sim.requests.length, 2, 'two credits a day: the first call and one retry, not max_retries');
  t.same(h.statuses(), ['nba:unavailable:disconnected']);
  t.equal(h.lines().length, 0);
  t.equal(h.metrics.value('credits_spent_24h', { source: 'oddsapi' }), 2, 'each timed-out call booked at 1 credit');
  t.equal(h.feed.counts.failures.BUDGET, 1);
  t.ok(
    h.sink.records().some((l) => typeof l.detail === 'string' && /1 retries; no more: daily credit budget \(2\) spent/.test(l.detail)),
    'the status detail says why retrying stopped',
  );
});

t.test('what is kept per game is forgotten once the game is over two days past', async (t) => {
  const onDay = await harness(t, oddsScenario(undefined, [nba({ body: NBA_BODY })]), {}, { once: true, at: Date.parse('2026-01-25T20:00:00Z') });
  await onDay.run();
  t.equal(onDay.lines().length, 3);
  t.same(onDay.feed.retained, { statuses: 4, resulted: 0 }, 'the sport and each published (event, book) on game day');
  const later = await harness(t, oddsScenario(undefined, [nba({ body: NBA_BODY })]), {}, { once: true, at: Date.parse('2026-01-28T20:00:00Z') });
  await later.run();
  t.equal(later.lines().length, 3, 'still published while listed');
  t.same(later.feed.retained, { statuses: 1, resulted: 0 }, "three days on: only the sport's status is kept");
});

t.test('the quota reserve stops polling before the quota runs out; probes stay free', async (t) => {
  const h = await harness(
    t,
    oddsScenario({ quota: { remaining: 3, used: 497 } }, [nba({ body: NBA_BODY })]),
    { reserve_credits: 1, live_interval_ms: 10, quota_retry_ms: 30, slow_below_remaining: 0 },
    { once: false },
  );
  const running = h.run();
  await new Promise((r) => setTimeout(r, 400));
  h.stop();
  await running;
  const odds = h.sim.requests.filter((r) => r.endpoint === 'odds');
  t.equal(odds.length, 2, 'remaining 3, reserve 1: two calls');
  t.equal(h.sim.quota.remaining, 1, 'the reserve is left');
  t.same(h.statuses(), ['nba:available', 'nba:unavailable:quota']);
  t.ok(
    h.sim.requests.some((r) => r.endpoint === 'sports' && r.cost === 0),
    'probed with the free /v4/sports',
  );
  t.equal(h.criticals(), 1);
});

t.test('quota running out at the source: stop, probe, never spend', async (t) => {
  const h = await harness(
    t,
    oddsScenario({ quota: { remaining: 2, used: 498 } }, [nba({ body: NBA_BODY })]),
    { reserve_credits: 0, live_interval_ms: 10, quota_retry_ms: 40, slow_below_remaining: 0 },
    { once: false },
  );
  const running = h.run();
  await new Promise((r) => setTimeout(r, 300));
  h.stop();
  await running;
  const odds = h.sim.requests.filter((r) => r.endpoint === 'odds');
  t.equal(odds.length, 2, 'the reserve of 0 allows spending the last credit, then the gate closes');
  t.same(h.statuses(), ['nba:available', 'nba:unavailable:quota']);
  const h2 = await harness(
    t,
    oddsScenario({ quota: { remaining: 1, used: 499 } }, [nba({ body: NBA_BODY })]),
    { reserve_credits: 0, live_interval_ms: 10, quota_retry_ms: 40, slow_below_remaining: 0, books: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'] },
    { once: false },
  );
  const r2 = h2.run();
  await new Promise((r) => setTimeout(r, 300));
  h2.stop();
  await r2;
  t.same(h2.statuses(), ['nba:unavailable:quota'], 'a call costing 2 with 1 credit left is refused by the source: OUT_OF_USAGE_CREDITS');
  t.equal(h2.sim.requests.filter((r) => r.endpoint === 'odds').length, 1, 'and never retried');
});

t.test('after an auth failure, the free probe resumes polling once the key works', async (t) => {
  const h = await harness(
    t,
    oddsScenario(undefined, [nba({ status: 401, error_code: 'INVALID_KEY' }), nba({ body: NBA_BODY })]),
    { auth_retry_ms: 30, live_interval_ms: 1000 },
    { once: false },
  );
  const running = h.run();
  await new Promise((r) => setTimeout(r, 300));
  h.stop();
  await running;
  t.same(h.statuses(), ['nba:unavailable:auth', 'nba:available']);
  t.same(
    h.sim.requests.map((r) => r.endpoint),
    ['odds', 'sports', 'odds'],
  );
  t.equal(h.lines().length, 3);
});

t.test('poll intervals follow the phase and stretch as the budget runs low', async (t) => {
  const now = Date.now();
  const at = (ms: number) => new Date(now + ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const body = (commence: string) => [event(ODDS_GAMES.lalbos, [book('pinnacle', ODDS_GAMES.lalbos, 1.408, 3.05)], commence)];
  const cfg = { far_interval_ms: 900_000, near_interval_ms: 120_000, live_interval_ms: 60_000, near_window_ms: 3 * 3_600_000, slow_below_remaining: 0 };
  const phases: Array<[string, string, number]> = [
    ['far', at(10 * 3_600_000), 900_000],
    ['near', at(3_600_000), 120_000],
    ['live', at(-600_000), 60_000],
  ];
  for (const [phase, commence, want] of phases) {
    const h = await harness(t, oddsScenario(undefined, [nba({ body: body(commence) })]), cfg);
    await h.run();
    t.equal(h.metrics.value('poll_interval_ms', { source: 'oddsapi', sport: 'nba' }), want, `${phase}: ${want} ms`);
  }
  const low = await harness(t, oddsScenario({ quota: { remaining: 61, used: 439 } }, [nba({ body: body(at(-600_000)) })]), {
    ...cfg,
    reserve_credits: 10,
    slow_below_remaining: 100,
  });
  await low.run();
  t.equal(
    low.metrics.value('poll_interval_ms', { source: 'oddsapi', sport: 'nba' }),
    120_000,
    '50 credits above the reserve, slow-down below 100: twice the interval',
  );
});

t.test('per-game statuses when a book stops listing a game or its line turns bad', async (t) => {
  const g = ODDS_GAMES.lalbos;
  const full = [event(g, [book('pinnacle', g, 1.408, 3.05), book('draftkings', g, 1.4, 3.05)])];
  const noDk = [event(g, [book('pinnacle', g, 1.41, 3.0)])];
  const badDk = [event(g, [book('pinnacle', g, 1.41, 3.0), book('draftkings', g, 'x', 3.05)])];
  const h = await harness(
    t,
    oddsScenario(undefined, [nba({ body: full }), nba({ body: noDk }), nba({ body: full }), nba({ body: badDk })]),
    { live_interval_ms: 20 },
    { once: false },
  );
  const running = h.run();
  while (h.sim.requests.length < 4) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  h.stop();
  await running;
  const per = h.out
    .filter((r) => r.type === 'oracle.status' && r.event)
    .map((r) => (r.type === 'oracle.status' ? `${r.book}:${r.state}${r.reason ? `:${r.reason}` : ''}` : ''));
  t.same(per, ['draftkings:unavailable:empty', 'draftkings:available', 'draftkings:unavailable:parse']);
});

t.test('--scores: one result per completed game, polled while a started game awaits it', async (t) => {
  const g = ODDS_GAMES.denmem;
  const score = (completed: boolean) => [
    {
      id: g.id,
      sport_key: g.sport_key,
      commence_time: g.commence,
      completed,
      home_team: g.home,
      away_team: g.away,
      scores: completed
        ? [
            { name: g.away, score: '112' },
            { name: g.home, score: '118' },
          ]
        : [
            { name: g.away, score: '50' },
            { name: g.home, score: '48' },
          ],
      last_update: '2026-01-26T03:21:40Z',
    },
  ];
  const h = await harness(
    t,
    oddsScenario(undefined, [
      nba({ body: [event(g, [book('pinnacle', g, 2.24, 1.735)])] }),
      { sport: 'basketball_nba', endpoint: 'scores', body: score(false) },
      { sport: 'basketball_nba', endpoint: 'scores', body: score(true) },
    ]),
    { live_interval_ms: 10_000, scores_interval_ms: 20 },
    { once: false, scores: true },
  );
  const running = h.run();
  await new Promise((r) => setTimeout(r, 300));
  h.stop();
  await running;
  const results = h.out.filter((r) => r.type === 'result');
  t.same(
    results.map((r) => r.type === 'result' && [r.event, r.winner, r.home_score, r.away_score]),
    [['nba-2026-01-25-den-mem', 'home', 118, 112]],
    'the result once',
  );
  const scores = h.sim.requests.filter((r) => r.endpoint === 'scores');
  t.equal(scores.length, 2, 'polled until the result came, then no more');
  t.equal(scores[0]?.cost, 2, 'daysFrom costs 2');
});
