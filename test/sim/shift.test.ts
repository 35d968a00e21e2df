// Moving simulator scenarios in time (src/sim/shift.ts and the three simulators' shift
// functions; issue 14 part 5): one offset for every absolute time, whole minutes, and the
// three demo scenarios still tell one story (the same Eastern date for each game in every
// source) wherever the target falls, Eastern midnight included.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { easternDate, parseBoltWhen, parseInstant } from '../../src/core/eventtime.js';
import { parseEventTicker } from '../../src/core/kalshi-ticker.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { parseBoltScenario, shiftBoltScenario, boltEpoch } from '../../src/sim/boltodds.js';
import { readScenario, shiftKalshiScenario } from '../../src/sim/kalshi/activity.js';
import { parseOddsScenario, shiftOddsScenario } from '../../src/sim/oddsapi.js';
import { redateEventTickers, shiftBoltLabel, shiftBoltWhen, shiftIso, shiftOffset, ShiftError } from '../../src/sim/shift.js';
import { ROOT, run } from '../helpers/run.js';
import { makeKeys, Proc } from '../helpers/kalshi.js';
import { startSim } from '../helpers/sim.js';

const MIN = 60_000;
const DAY = 86_400_000;
const EPOCH = Date.parse('2026-01-25T23:45:00Z');

t.test('the offset is whole minutes and never takes the epoch past the target', async (t) => {
  t.equal(shiftOffset(EPOCH, EPOCH + 10 * DAY + 59_999), 10 * DAY);
  t.equal(shiftOffset(EPOCH, EPOCH + 10 * DAY + 60_000), 10 * DAY + MIN);
  t.equal(shiftOffset(EPOCH, EPOCH - 30_000), -MIN, 'backwards too');
});

t.test('instants keep their shape; info.when and labels follow the game across Eastern midnight and DST', async (t) => {
  t.equal(shiftIso('2026-01-26T00:30:00Z', DAY), '2026-01-27T00:30:00Z');
  t.equal(shiftIso('2026-01-25T23:41:07.118+00:00', MIN), '2026-01-25T23:42:07.118Z');
  // 8:00 PM EST moved 4 h 30 min: 00:30 the next Eastern day.
  t.equal(shiftBoltWhen('2026-01-25, 08:00 PM', 270 * MIN), '2026-01-26, 12:30 AM');
  // Into summer time: the instant moves by the offset; the wall clock shows EDT.
  const summer = 160 * DAY;
  const w = parseBoltWhen(shiftBoltWhen('2026-01-25, 08:00 PM', summer));
  t.equal(w.ok && w.ms, (parseBoltWhen('2026-01-25, 08:00 PM') as { ms: number }).ms + summer, 'exactly the offset');
  t.equal(
    shiftBoltLabel('Memphis Grizzlies vs Denver Nuggets, 2026-01-25, 08', Date.parse('2026-01-26T05:30:00Z')),
    'Memphis Grizzlies vs Denver Nuggets, 2026-01-26, 12',
  );
  t.equal(shiftBoltLabel('no date here', 0), 'no date here');
});

t.test("Kalshi event tickers are re-dated from the game's start; without a start nothing is guessed", async (t) => {
  const start = Date.parse('2026-01-26T01:00:00Z'); // 8:00 PM ET on the 25th
  const m = redateEventTickers(
    ['KXNBAGAME-26JAN25DENMEM', 'KXNBAGAME-26JAN251930LALBOS', 'NOTDATED'],
    new Map([
      ['KXNBAGAME-26JAN25DENMEM', start],
      ['KXNBAGAME-26JAN251930LALBOS', start - 30 * MIN],
    ]),
    300 * DAY + 4 * 3_600_000,
  );
  t.same(
    [...m],
    [
      ['KXNBAGAME-26JAN25DENMEM', 'KXNBAGAME-26NOV22DENMEM'], // 2026-11-21 20:00 EST + 4 h: 00:00 on the 22nd
      ['KXNBAGAME-26JAN251930LALBOS', 'KXNBAGAME-26NOV212330LALBOS'],
    ],
  );
  let err: unknown;
  try {
    redateEventTickers(['KXNHLGAME-26JAN25TORNYR'], new Map(), DAY);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof ShiftError, "a dated ticker without its game's start is refused");
  t.match((err as Error).message, /no sim.game record/);
});

const log = (): Logger => new Logger({ cmd: 'test', clock: new SystemClock(), sink: new MemorySink() });

t.test("the three demo scenarios, shifted to any target, agree on every game's Eastern date", async (t) => {
  const bolt = parseBoltScenario(readFileSync(`${ROOT}examples/feeds/boltodds.scenario.ndjson`, 'utf8'), 'b');
  const odds = parseOddsScenario(readFileSync(`${ROOT}examples/feeds/oddsapi.scenario.ndjson`, 'utf8'), 'o');
  const kalshi = readScenario(`${ROOT}examples/kalshi/scenario.ndjson`, log());
  t.equal(boltEpoch(bolt), EPOCH);
  t.equal(odds.epoch, EPOCH);
  t.equal(kalshi.epoch, EPOCH, 'one moment for the three scenarios');
  // A target in the summer, and one where the shifted games straddle Eastern midnight.
  for (const target of [Date.parse('2026-07-04T16:20:31Z'), Date.parse('2026-12-08T04:15:00Z')]) {
    const off = shiftOffset(EPOCH, target);
    const b = shiftBoltScenario(bolt, off);
    const o = shiftOddsScenario(odds, off);
    const k = shiftKalshiScenario(kalshi, off);
    t.equal(o.epoch, EPOCH + off);
    const dates = new Map<string, Set<string>>(); // home team code -> Eastern dates seen
    const see = (home: string, date: string): void => {
      (dates.get(home) ?? dates.set(home, new Set()).get(home)!).add(date);
    };
    const TEAM: Record<string, string> = { 'Memphis Grizzlies': 'MEM', 'Boston Celtics': 'BOS', 'New York Rangers': 'NYR' };
    for (const e of o.entries) {
      for (const ev of (e.body as Array<{ home_team: string; commence_time: string; bookmakers?: Array<{ last_update: string }> }> | undefined) ?? []) {
        const c = parseInstant(ev.commence_time);
        if (c.ok && TEAM[ev.home_team]) see(TEAM[ev.home_team]!, easternDate(c.ms));
        for (const bk of ev.bookmakers ?? []) {
          const lu = parseInstant(bk.last_update);
          t.ok(lu.ok && lu.ms <= target, 'no odds from the future');
        }
      }
    }
    for (const step of b.steps) {
      for (const m of Array.isArray(step.send) ? step.send : [step.send]) {
        const d = (m as { data?: { home_team?: string; info?: { when?: string } } } | undefined)?.data;
        if (!d?.info?.when || !d.home_team || !TEAM[d.home_team]) continue;
        const w = parseBoltWhen(d.info.when);
        if (w.ok) see(TEAM[d.home_team]!, easternDate(w.ms));
      }
    }
    for (const { rec } of k.lines) {
      if (rec.type !== 'kalshi.market') continue;
      const p = parseEventTicker(rec.event_ticker as string);
      t.ok(p.ok, String(rec.event_ticker));
      if (p.ok) see(p.value.home.code.toUpperCase(), p.value.date);
    }
    t.equal(dates.size, 3);
    for (const [home, ds] of dates) t.equal(ds.size, 1, `${new Date(target).toISOString()}: ${home} has one date in every source (${[...ds].join(', ')})`);
  }
});

t.test("sim oddsapi and sim kalshi --shift-to: the served times and tickers are the target's, not January's", async (t) => {
  const target = '2026-12-08T04:15:00Z'; // 23:15 ET on Dec 7: the 7 PM game starts at 23:30 ET, the 7:30 and 8 PM games at 00:00 and 00:30 ET on the 8th
  const s = await startSim(['oddsapi', '--scenario', 'examples/feeds/oddsapi.scenario.ndjson', '--shift-to', target]);
  const body = (await (await fetch(`${s.url}/v4/sports/basketball_nba/odds?regions=us&apiKey=k`)).json()) as Array<{
    home_team: string;
    commence_time: string;
  }>;
  t.same(
    body.map((e) => [e.home_team, e.commence_time]),
    [
      ['Boston Celtics', '2026-12-08T05:00:00Z'],
      ['Memphis Grizzlies', '2026-12-08T05:30:00Z'],
    ],
  );
  const so = await s.stop();
  t.match(
    so.logs.find((l) => l.msg === 'scenario shifted'),
    { to: '2026-12-08T04:15:00.000Z' },
  );

  const keys = makeKeys();
  t.teardown(() => keys.cleanup());
  const p = new Proc('sim', ['kalshi', '--public-key', keys.pubPath, '--scenario', 'examples/kalshi/scenario.ndjson', '--speed', '0', '--shift-to', target]);
  t.teardown(() => p.stop());
  const l = await p.waitFor((r) => r.type === 'sim.listening', 20_000, 'sim.listening');
  const state = (await (await fetch(`${String(l.admin_url)}/state`)).json()) as { markets: Record<string, unknown> };
  t.same(
    Object.keys(state.markets).sort(),
    [
      'KXNBAGAME-26DEC08DENMEM-DEN',
      'KXNBAGAME-26DEC08DENMEM-MEM',
      'KXNBAGAME-26DEC08LALBOS-BOS',
      'KXNBAGAME-26DEC08LALBOS-LAL',
      'KXNHLGAME-26DEC07TORNYR-NYR',
      'KXNHLGAME-26DEC07TORNYR-TOR',
    ],
    "each ticker carries its game's shifted Eastern date (the NHL game on the 7th, the NBA games after midnight)",
  );
  t.equal((await p.stop()).code, 0);

  const both = await run('sim', ['oddsapi', '--scenario', 'examples/feeds/oddsapi.scenario.ndjson', '--shift-to-now', '--shift-to', target]);
  t.equal(both.code, 2, '--shift-to-now and --shift-to do not go together');
});
