// The simulators themselves: scenario errors, the real protocol shapes, cost rules.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SystemClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { boltTimestamp, filterFrame, parseBoltScenario } from '../../src/sim/boltodds.js';
import { ScenarioError } from '../../src/sim/scenario.js';
import { OddsApiSim, parseOddsScenario } from '../../src/sim/oddsapi.js';
import { parseInstant } from '../../src/core/eventtime.js';
import { run } from '../helpers/run.js';
import { NBA_BODY, oddsScenario } from '../helpers/oddsapi.js';
import { burst, scenario } from '../helpers/bolt.js';
import { startSim } from '../helpers/sim.js';

t.test('scenario errors name source:line and the reason', async (t) => {
  t.throws(
    () => parseBoltScenario('{"sim":"boltodds"}\n\n{"after_ms":1}\n', 's.ndjson'),
    new ScenarioError('s.ndjson:3: bad step: step: a step has exactly one of send, text, disconnect, protocol_ping, stall'),
  );
  t.throws(() => parseBoltScenario('{"send":{}}\nnope\n', 's.ndjson'), /^s\.ndjson:2: not JSON/);
  t.throws(() => parseBoltScenario('{"sim":"boltodds","connect_faults":[200]}\n', 'h'), /h:1: bad header: connect_faults\.0/);
  t.throws(() => parseOddsScenario('{"sport":"basketball_wnba","endpoint":"odds"}\n', 'o'), /^o:1: bad entry: sport/);
  t.equal(parseBoltScenario(scenario(undefined, [{ send: burst() }]), 'x').steps.length, 1);
});

t.test('BoltOdds timestamps and subscription filters', async (t) => {
  const ms = Date.UTC(2026, 0, 22, 23, 41, 7, 118);
  t.equal(boltTimestamp(ms), '2026-01-22T23:41:07.118000+00:00', 'microseconds and +00:00, as captured');
  const p = parseInstant(boltTimestamp(ms));
  t.ok(p.ok && p.ms === ms, 'and the feed parses it back exactly');
  const sub = { sports: new Set(['NBA']), books: new Set(['pinnacle']), markets: new Set(['Moneyline']) };
  const f = filterFrame(burst(), sub) as unknown[];
  t.equal(f.length, 2, 'the NBA games at pinnacle only');
  const mixed = { action: 'line_update', data: { sport: 'NBA', sportsbook: 'pinnacle', outcomes: { a: { outcome_name: 'Spread' } } } };
  t.equal(filterFrame(mixed, sub), undefined, 'a line_update left without outcomes is not sent');
  t.same(filterFrame({ action: 'ping' }, sub), { action: 'ping' });
});

t.test('The Odds API simulator: auth, parameters, cost rules, quota headers, formats', async (t) => {
  const clock = new SystemClock();
  const sim = new OddsApiSim({
    scenario: parseOddsScenario(oddsScenario({ quota: { remaining: 5, used: 0 } }, [{ sport: 'basketball_nba', endpoint: 'odds', body: NBA_BODY }]), 's'),
    clock,
    log: new Logger({ cmd: 'sim', clock, sink: new MemorySink() }),
    key: 'k1',
  });
  const base = await sim.start();
  t.teardown(() => sim.stop());
  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`);
    return {
      status: r.status,
      body: (await r.json()) as unknown,
      remaining: r.headers.get('x-requests-remaining'),
      used: r.headers.get('x-requests-used'),
      last: r.headers.get('x-requests-last'),
    };
  };
  t.match(await get('/v4/sports/basketball_nba/odds?regions=us'), { status: 401, body: { error_code: 'MISSING_KEY' } });
  t.match(await get('/v4/sports/basketball_nba/odds?regions=us&apiKey=zz'), { status: 401, body: { error_code: 'INVALID_KEY' } });
  t.match(await get('/v4/sports/basketball_nba/odds?apiKey=k1'), { status: 422, body: { error_code: 'MISSING_REGION' } });
  t.match(await get('/v4/sports/basketball_nba/odds?apiKey=k1&regions=us&markets=h2h_lay'), { status: 422, body: { error_code: 'INVALID_MARKET' } });
  t.match(await get('/v4/sports/soccer_epl/odds?apiKey=k1&regions=us'), { status: 404, body: { error_code: 'UNKNOWN_SPORT' } });
  t.match(await get('/v4/sports?apiKey=k1'), { status: 200, last: '0', remaining: '5' }, '/v4/sports is free');
  t.match(
    await get('/v4/sports/basketball_nba/odds?apiKey=k1&regions=us,eu&markets=h2h'),
    { status: 200, last: '2', remaining: '3', used: '2' },
    'markets x regions',
  );
  const am = await get('/v4/sports/basketball_nba/odds?api_key=k1&bookmakers=pinnacle&oddsFormat=american&dateFormat=unix');
  t.match(am, { status: 200, last: '1', remaining: '2' }, 'up to 10 books = one region; api_key accepted too');
  const ev = (am.body as Array<{ commence_time: unknown; bookmakers: Array<{ key: string; markets: Array<{ outcomes: Array<{ price: number }> }> }> }>)[0]!;
  t.equal(ev.commence_time, Date.UTC(2026, 0, 26, 0, 30) / 1000, 'dateFormat=unix');
  t.same(
    ev.bookmakers.map((b) => b.key),
    ['pinnacle'],
    'bookmakers= filters',
  );
  t.same(
    ev.bookmakers[0]!.markets[0]!.outcomes.map((o) => o.price),
    [205, -245],
    'oddsFormat=american',
  );
  t.match(
    await get('/v4/sports/basketball_nba/odds?apiKey=k1&regions=us,eu,uk'),
    { status: 401, body: { error_code: 'OUT_OF_USAGE_CREDITS' }, remaining: '2' },
    'the quota cannot pay for 3',
  );
});

t.test('sim commands: the URL first, a clean exit when done, a bad scenario exits 1', async (t) => {
  const dir = mkdtempSync(`${tmpdir()}/sim-`);
  writeFileSync(`${dir}/s.ndjson`, scenario(undefined, [{ send: burst() }]));
  const s = await startSim(['boltodds', '--scenario', `${dir}/s.ndjson`, '--exit-when-done', '--linger-ms', '0']);
  t.match(s.url, /^ws:\/\/127\.0\.0\.1:\d+\/api$/);
  const ws = new (await import('ws')).WebSocket(`${s.url}?key=any`);
  const got: string[] = [];
  ws.on('message', (d: Buffer) => {
    got.push(d.toString());
    if (got.length === 1) ws.send(JSON.stringify({ action: 'subscribe', filters: { sports: ['NBA'], markets: ['Moneyline'] } }));
  });
  const r = await s.done;
  t.equal(r.code, 0);
  t.equal(JSON.parse(got[0]!).action, 'socket_connected');
  t.ok(
    got.some((g) => g.startsWith('[')),
    'the burst arrived as an array frame',
  );
  t.equal(r.records.at(-1)?.type, 'sim.done');
  t.ok(
    r.logs.some((l) => l.msg === 'listening' && l.url === s.url),
    'the URL is also a log field',
  );
  writeFileSync(`${dir}/bad.ndjson`, '{"after_ms":"soon"}\n');
  const bad = await run('sim', ['boltodds', '--scenario', `${dir}/bad.ndjson`]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /bad\.ndjson:1: bad step/);
});
