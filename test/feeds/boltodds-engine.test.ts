// The BoltOdds engine, in process, on a replay clock: frames in, records out.
import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { BoltOddsEngine, subscribeMessage, type EngineRecord, type EngineSettings } from '../../src/feeds/boltodds.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Metrics } from '../../src/log/metrics.js';
import { SCHEMAS } from '../../src/schema/records.js';
import { boltTimestamp } from '../../src/sim/boltodds.js';

const T0 = Date.UTC(2026, 0, 25, 22, 0, 0);
const DEN_MEM = {
  home: 'Memphis Grizzlies',
  away: 'Denver Nuggets',
  label: 'Memphis Grizzlies vs Denver Nuggets, 2026-01-25, 08',
  when: '2026-01-25, 08:00 PM',
};
const LAL_BOS = {
  home: 'Boston Celtics',
  away: 'Los Angeles Lakers',
  label: 'Boston Celtics vs Los Angeles Lakers, 2026-01-25, 07',
  when: '2026-01-25, 07:30 PM',
};

interface Game {
  home: string;
  away: string;
  label: string;
  when?: string;
}

function setup(over: Partial<EngineSettings> = {}) {
  const clock = new ReplayClock(T0);
  const sink = new MemorySink();
  const log = new Logger({ cmd: 'test', clock, sink, level: 'debug' });
  const metrics = new Metrics();
  const out: EngineRecord[] = [];
  const sent: object[] = [];
  const settings: EngineSettings = {
    sports: ['nba', 'nhl'],
    books: ['pinnacle', 'draftkings', 'fanduel'],
    bookAliases: { ps3838: 'pinnacle' },
    market: 'Moneyline',
    sideStalenessMs: 60_000,
    partialTtlMs: 30_000,
    appPong: true,
    ...over,
  };
  const engine = new BoltOddsEngine({ settings, clock, log, metrics, emit: (r) => out.push(r) });
  engine.send = (m) => sent.push(m);
  /** Feed a frame at clock time `at` (advancing the clock first, as the replay does). */
  const frame = (at: number, f: unknown): void => {
    clock.advanceTo(at);
    engine.frame(typeof f === 'string' ? f : JSON.stringify(f), clock.now());
  };
  const open = (at = T0): void => {
    clock.advanceTo(at);
    engine.opened(1, at);
    frame(at, { action: 'socket_connected' });
  };
  const lines = () => out.filter((r) => r.type === 'odds.line');
  const statuses = () => out.filter((r) => r.type === 'oracle.status');
  const logs = () => sink.records();
  return { clock, engine, out, sent, frame, open, lines, statuses, logs, metrics, settings };
}

function ml(team: string, odds: unknown, name = 'Moneyline') {
  return { odds, outcome_name: name, outcome_line: null, outcome_over_under: null, outcome_target: team };
}

function odds(action: string, g: Game, book: string, sides: { home?: unknown; away?: unknown }, ts: number, info = true, sport = 'NBA') {
  const outcomes: Record<string, unknown> = {};
  if ('home' in sides) outcomes[`${g.home} Moneyline`] = ml(g.home, sides.home);
  if ('away' in sides) outcomes[`${g.away} Moneyline`] = ml(g.away, sides.away);
  const data: Record<string, unknown> = { sport, sportsbook: book, game: g.label, home_team: g.home, away_team: g.away, outcomes };
  if (info && g.when) data.info = { game_id: '1', when: g.when };
  return { timestamp: boltTimestamp(ts), action, data };
}

t.test('subscribe: documented filters, exact strings, aliases added', async (t) => {
  const s = setup();
  t.same(subscribeMessage(s.settings), {
    action: 'subscribe',
    filters: { sports: ['NBA', 'NHL'], sportsbooks: ['pinnacle', 'draftkings', 'fanduel', 'ps3838'], markets: ['Moneyline'] },
  });
  t.same(subscribeMessage({ ...s.settings, books: [] }).filters, { sports: ['NBA', 'NHL'], markets: ['Moneyline'] }, 'no book filter = every book');
  s.open();
  t.same(s.sent, [subscribeMessage(s.settings)], 'subscribes on socket_connected');
  t.same(
    s.statuses().map((r) => [r.sport, r.state]),
    [
      ['nba', 'available'],
      ['nhl', 'available'],
    ],
  );
});

t.test('initial_state pair -> one odds.line with decimal odds, Eastern-date event id, per-side times', async (t) => {
  const s = setup();
  s.open();
  s.frame(T0 + 10, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 5));
  const [l] = s.lines();
  t.ok(l);
  if (!l || l.type !== 'odds.line') return;
  t.same(l, {
    type: 'odds.line',
    ts: T0 + 5,
    recv_ts: T0 + 10,
    source: 'boltodds',
    book: 'pinnacle',
    sport: 'nba',
    event: 'nba-2026-01-25-den-mem',
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: Date.UTC(2026, 0, 26, 1, 0),
    home_odds: 2.24,
    away_odds: 1 + 100 / 148,
    home_ts: T0 + 5,
    away_ts: T0 + 5,
    raw: { home: '+124', away: '-148' },
  });
  t.ok(SCHEMAS['odds.line'].safeParse(l).success, 'valid against the record schema');
  t.equal(s.metrics.value('partial_lines_total', { source: 'boltodds', outcome: 'full' }), 1);
});

t.test('array frames; one-sided updates merge; a null/""/"None" side is pulled', async (t) => {
  const s = setup();
  s.open();
  s.frame(T0 + 10, [
    odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 5),
    odds('initial_state', LAL_BOS, 'pinnacle', { home: '-245', away: '+205' }, T0 + 5),
  ]);
  t.equal(s.lines().length, 2, 'both messages of the array frame');
  s.frame(T0 + 1000, odds('line_update', DEN_MEM, 'pinnacle', { home: '+130' }, T0 + 999, false));
  const l = s.lines()[2];
  t.ok(
    l && l.type === 'odds.line' && l.home_odds === 2.3 && l.away_odds === 1 + 100 / 148 && l.home_ts === T0 + 999 && l.away_ts === T0 + 5 && l.ts === T0 + 999,
    'the new home price with the remembered away price, each with its own time; ts is the latest',
  );
  for (const marker of [null, '', 'None']) {
    const before = s.out.length;
    s.frame(T0 + 2000, odds('line_update', DEN_MEM, 'pinnacle', { away: marker }, T0 + 2000, false));
    t.equal(s.lines().length, 3, `${JSON.stringify(marker)} publishes nothing`);
    s.frame(T0 + 2001, odds('line_update', DEN_MEM, 'pinnacle', { away: '-150' }, T0 + 2001, false));
    t.equal(s.lines().length, 4, 'the side comes back: the pair publishes again');
    const st = s.out.slice(before).filter((r) => r.type === 'oracle.status');
    t.same(
      st.map((r) => r.type === 'oracle.status' && [r.state, r.reason, r.event, r.book]),
      [
        ['unavailable', 'empty', 'nba-2026-01-25-den-mem', 'pinnacle'],
        ['available', undefined, 'nba-2026-01-25-den-mem', 'pinnacle'],
      ],
      'withdrawn, then available again, per game and book',
    );
    s.out.splice(s.out.indexOf(s.lines()[3]!), 1);
  }
});

t.test('a timestamp ahead of the clock is taken as the receive time: the side still goes stale', async (t) => {
  const s = setup();
  s.open();
  const future = Date.UTC(2099, 0, 1);
  s.frame(T0 + 10, odds('line_update', DEN_MEM, 'fanduel', { home: '+126', away: '-148' }, future));
  t.equal(s.lines().length, 1);
  const first = s.lines()[0]!;
  t.ok(first.type === 'odds.line' && first.home_ts === T0 + 10 && first.ts === T0 + 10, 'stamped at receipt, not in 2099');
  t.equal(s.engine.counts.futureTimestamps, 1);
  t.ok(
    s.logs().some((l) => l.msg === 'frame timestamp ahead of the clock: the receive time is used'),
    'reported',
  );
  // An hour later a lone away update must not pair with the hour-old home price.
  s.frame(T0 + 3_600_000, odds('line_update', DEN_MEM, 'fanduel', { away: '-150' }, T0 + 3_600_000, false));
  t.equal(s.lines().length, 1, 'stale leg: not published');
  // A stamp a little ahead (skew within 5 s) is clamped without a report.
  s.frame(T0 + 3_600_010, odds('line_update', DEN_MEM, 'fanduel', { home: '+120' }, T0 + 3_602_000, false));
  t.equal(s.lines().length, 2);
  t.equal(s.engine.counts.futureTimestamps, 1);
});

t.test('partial waiting, expiring on the clock alone, and the four counters', async (t) => {
  const s = setup({ partialTtlMs: 30_000 });
  s.open();
  s.frame(T0 + 10, odds('line_update', DEN_MEM, 'fanduel', { home: '+126' }, T0 + 10));
  t.equal(s.lines().length, 0, 'one side only: waiting');
  s.clock.advanceTo(T0 + 10 + 29_999);
  t.equal(s.engine.pairs, 1, 'not yet expired');
  s.clock.advanceTo(T0 + 10 + 30_000);
  t.equal(s.engine.pairs, 0, 'expired by the clock, with no further frame');
  s.frame(T0 + 40_000, odds('line_update', DEN_MEM, 'fanduel', { away: '-148' }, T0 + 40_000, false));
  t.equal(s.lines().length, 0, 'the lone home side was forgotten: the away side alone waits again');
  s.frame(T0 + 40_001, odds('line_update', DEN_MEM, 'fanduel', { home: '+120' }, T0 + 40_001, false));
  t.equal(s.lines().length, 1);
  // a published pair then a stale leg
  s.frame(T0 + 200_000, odds('line_update', DEN_MEM, 'fanduel', { home: '+118' }, T0 + 200_000, false));
  t.equal(s.lines().length, 1, 'the away side is 160 s old: stale leg, not published');
  const st = s.statuses().filter((r) => r.type === 'oracle.status' && r.event);
  t.same(
    st.map((r) => r.type === 'oracle.status' && [r.state, r.reason]),
    [['unavailable', 'stale']],
  );
  t.same(s.engine.counts.outcomes, { full: 1, waiting: 2, expired: 1, 'stale-leg': 1 });
  for (const o of ['full', 'waiting', 'expired', 'stale-leg']) {
    t.equal(s.metrics.value('partial_lines_total', { source: 'boltodds', outcome: o }), s.engine.counts.outcomes[o as 'full'], `metric ${o}`);
  }
});

t.test('an expired partial of a published pair is withdrawn at its deadline', async (t) => {
  const s = setup({ partialTtlMs: 5_000 });
  s.open();
  s.frame(T0 + 10, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 10));
  s.frame(T0 + 100, odds('line_update', DEN_MEM, 'pinnacle', { home: null }, T0 + 100, false));
  s.clock.advanceTo(T0 + 60_000);
  const st = s.statuses().filter((r) => r.type === 'oracle.status' && r.event);
  t.equal(st.length, 1, 'one withdrawal: when the side was pulled');
  t.equal(s.engine.counts.outcomes.expired, 1);
  const exp = s.logs().find((l) => l.msg === 'partial expired: the other side never came');
  t.ok(exp, 'the expiry is logged');
  t.equal(exp?.time, T0 + 5_100, 'at its deadline');
});

t.test('snapshots replace the pair; game_removed, book_clear and sport_clear withdraw', async (t) => {
  const s = setup();
  s.open();
  for (const b of ['pinnacle', 'draftkings', 'fanduel']) s.frame(T0 + 10, odds('initial_state', DEN_MEM, b, { home: '+124', away: '-148' }, T0 + 10));
  s.frame(T0 + 10, odds('initial_state', LAL_BOS, 'fanduel', { home: '-245', away: '+205' }, T0 + 10));
  t.equal(s.lines().length, 4);
  s.frame(T0 + 20, odds('game_update', DEN_MEM, 'pinnacle', { home: '+125' }, T0 + 20));
  t.equal(s.lines().length, 4, 'a snapshot without the away side pulls it');
  s.frame(T0 + 30, {
    timestamp: boltTimestamp(T0 + 30),
    action: 'game_removed',
    data: { sport: 'NBA', sportsbook: 'draftkings', game: DEN_MEM.label, home_team: DEN_MEM.home, away_team: DEN_MEM.away },
  });
  s.frame(T0 + 40, { timestamp: boltTimestamp(T0 + 40), action: 'book_clear', data: { sportsbook: 'fanduel' } });
  const st = s
    .statuses()
    .filter((r) => r.type === 'oracle.status' && r.event)
    .map((r) => r.type === 'oracle.status' && `${r.book}:${r.event}:${r.detail}`);
  t.same(st, [
    'pinnacle:nba-2026-01-25-den-mem:away side missing',
    'draftkings:nba-2026-01-25-den-mem:game removed at draftkings',
    'fanduel:nba-2026-01-25-den-mem:book cleared',
    'fanduel:nba-2026-01-25-lal-bos:book cleared',
  ]);
  t.equal(s.engine.pairs, 1, 'only the waiting pinnacle partial is left');
  s.frame(T0 + 50, { action: 'sport_clear', data: { sport: 'NBA' } });
  t.equal(s.engine.pairs, 0);
  s.frame(T0 + 60, odds('line_update', DEN_MEM, 'draftkings', { home: '+124', away: '-148' }, T0 + 60, false));
  t.equal(s.lines().length, 5, 'a book-level game_removed keeps the game: later updates still price');
  s.frame(T0 + 70, { action: 'game_removed', data: { sport: 'NBA', game: DEN_MEM.label } });
  s.frame(T0 + 80, odds('line_update', DEN_MEM, 'draftkings', { home: '+124', away: '-148' }, T0 + 80, false));
  t.equal(s.lines().length, 5, 'after a game-wide removal the game needs info.when again');
});

t.test('bad input: counted by reason, reported with the frame id, never a price, never a crash', async (t) => {
  const s = setup();
  s.open();
  s.frame(T0 + 1, 'not json {');
  s.frame(T0 + 2, '[]');
  s.frame(T0 + 3, '42');
  s.frame(T0 + 4, JSON.stringify([1, null, { no: 'action' }]));
  s.frame(T0 + 5, { action: 'line_update', data: 'oops' });
  s.frame(T0 + 6, { action: 'line_update', data: { sport: 'NBA', sportsbook: 'pinnacle' } });
  s.frame(T0 + 7, {
    timestamp: boltTimestamp(T0 + 7),
    action: 'initial_state',
    data: { sport: 'NBA', sportsbook: 'pinnacle', game: DEN_MEM.label, home_team: DEN_MEM.home, away_team: DEN_MEM.away, outcomes: {} },
  });
  s.frame(T0 + 8, odds('initial_state', DEN_MEM, 'pinnacle', { home: 'EVEN', away: '-148' }, T0 + 8));
  s.frame(T0 + 9, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+99999999999', away: '-148' }, T0 + 9));
  s.frame(T0 + 10, odds('initial_state', DEN_MEM, 'pinnacle', { home: 1e308, away: '-148' }, T0 + 10));
  s.frame(T0 + 11, odds('initial_state', DEN_MEM, 'pinnacle', { home: { v: 1 }, away: '-148' }, T0 + 11));
  s.frame(T0 + 12, { ...odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 12), timestamp: '2026-01-25 22:00:00' });
  s.frame(T0 + 13, {
    ...odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 13),
    data: { ...odds('initial_state', DEN_MEM, 'pinnacle', {}, 0).data, outcomes: { x: ml('Somebody Else', '+100') } },
  });
  s.frame(T0 + 14, { action: 'initial_state', data: { sport: 'NBA', sportsbook: 'Bad Book!', game: 'x' } });
  s.frame(T0 + 15, {
    timestamp: boltTimestamp(T0 + 15),
    action: 'initial_state',
    data: { sport: 'NBA', sportsbook: 'pinnacle', game: DEN_MEM.label, outcomes: 'none' },
  });
  t.equal(s.lines().length, 0, 'no odds.line from any of it');
  t.same(s.engine.counts.bad, {
    'not-json': 1,
    'empty-array': 1,
    'not-object': 3,
    'no-action': 1,
    shape: 4,
    'bad-odds': 2,
    'odds-out-of-range': 2,
    'bad-timestamp': 1,
    'unknown-side': 1,
  });
  const diag = s.logs().filter((l) => l.msg === 'bad frame');
  t.ok(diag.length >= 10, 'each bad frame is reported');
  t.ok(
    diag.every((d) => typeof d.frame === 'string' && /^1:\d+$/.test(d.frame as string) && typeof d.reason === 'string'),
    'with conn:frame and reason',
  );
  t.equal(s.metrics.value('bad_frames_total', { source: 'boltodds', reason: 'bad-odds' }), 2);
  s.frame(T0 + 20, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 20));
  t.equal(s.lines().length, 1, 'good frames after bad ones still price');
  const parse = s.statuses();
  t.notOk(
    parse.some((r) => r.type === 'oracle.status' && r.event && r.state === 'unavailable'),
    'never published before: no withdrawal',
  );
  s.frame(T0 + 21, odds('line_update', DEN_MEM, 'pinnacle', { away: 'EVEN' }, T0 + 21, false));
  const w = s.statuses().at(-1);
  t.ok(
    w && w.type === 'oracle.status' && w.reason === 'parse' && w.detail === 'away side price unusable',
    'a published pair whose side turns unreadable is withdrawn as parse',
  );
});

t.test('unknown actions counted, logged once, ignored; pings answered; error frames logged', async (t) => {
  const s = setup();
  s.open();
  for (let i = 0; i < 3; i++) s.frame(T0 + i, { action: 'odds_summary', data: {} });
  s.frame(T0 + 5, { action: 'ping' });
  s.frame(T0 + 6, 'ping');
  s.frame(T0 + 7, { action: 'error', message: 'plan does not include NHL' });
  s.frame(T0 + 8, { action: 'subscription_updated', data: {} });
  t.same(s.engine.counts.unknownActions, { odds_summary: 3 });
  t.equal(s.logs().filter((l) => l.msg === 'unknown action ignored (logged once per action)').length, 1);
  t.same(s.sent.slice(1), [{ action: 'pong' }, { action: 'pong' }], 'app-level and bare-text pings get a pong');
  t.ok(s.logs().some((l) => l.msg === 'BoltOdds sent an error' && String(l.payload).includes('plan does not include NHL')));
  t.equal(s.metrics.value('messages_total', { source: 'boltodds', kind: 'unknown' }), 3);
  const q = setup({ appPong: false });
  q.open();
  q.frame(T0 + 1, { action: 'ping' });
  t.equal(q.sent.length, 1, 'app_pong false: no pong');
});

t.test('teams, start times and event ids', async (t) => {
  const s = setup();
  s.open();
  const allStar = { home: 'Team LeBron', away: 'Team Giannis', label: 'Team LeBron vs Team Giannis, 2026-02-15, 08', when: '2026-02-15, 08:00 PM' };
  s.frame(T0 + 1, odds('initial_state', allStar, 'pinnacle', { home: '-110', away: '-110' }, T0 + 1));
  s.frame(T0 + 2, odds('initial_state', allStar, 'draftkings', { home: '-110', away: '-110' }, T0 + 2));
  t.equal(s.lines().length, 0, 'unmapped teams: not published');
  t.equal(s.logs().filter((l) => l.msg?.toString().startsWith('team name not in the team table')).length, 2, 'each unknown name reported once');
  t.equal(s.engine.counts.unmapped['unmapped-team'], 2, 'counted every time');
  const noTime = { home: 'Miami Heat', away: 'Chicago Bulls', label: 'Miami Heat vs Chicago Bulls, 2026-01-25, 07' };
  s.frame(T0 + 3, odds('line_update', noTime, 'pinnacle', { home: '-160', away: '+140' }, T0 + 3, false));
  t.equal(s.lines().length, 0, 'no info.when ever seen: not priced');
  t.equal(s.engine.counts.unmapped['no-commence-time'], 1);
  s.frame(T0 + 4, odds('initial_state', { ...noTime, when: 'tonight' }, 'pinnacle', { home: '-160', away: '+140' }, T0 + 4));
  t.equal(s.lines().length, 0, 'an unparseable start time: not priced');
  t.ok(s.logs().some((l) => l.msg === 'start time not usable: game not priced until a valid one arrives' && l.reason === 'unparseable'));
  s.frame(T0 + 5, odds('initial_state', { ...noTime, when: '2026-03-08, 02:30 AM' }, 'pinnacle', { home: '-160', away: '+140' }, T0 + 5));
  t.equal(s.lines().length, 0, 'a start time in the spring-forward gap is refused');
  s.frame(T0 + 6, odds('initial_state', { ...noTime, when: '2026-01-25, 07:00 PM' }, 'pinnacle', { home: '-160', away: '+140' }, T0 + 6));
  t.equal(s.lines().length, 1, 'a valid start time arrives: priced');
  s.frame(T0 + 7, odds('line_update', noTime, 'pinnacle', { home: '-165' }, T0 + 7, false));
  t.equal(s.lines().length, 2, 'updates without info use the remembered start time');
  const late = {
    home: 'Los Angeles Lakers',
    away: 'Los Angeles Clippers',
    label: 'Los Angeles Lakers vs Los Angeles Clippers, 2026-01-22, 22',
    when: '2026-01-22, 10:30 PM',
  };
  s.frame(T0 + 8, odds('initial_state', late, 'ps3838', { home: '-148', away: '+124' }, T0 + 8));
  const l = s.lines()[2];
  t.ok(l && l.type === 'odds.line');
  if (l && l.type === 'odds.line') {
    t.equal(l.commence_ts, Date.UTC(2026, 0, 23, 3, 30), '10:30 PM ET is 03:30Z the next day');
    t.equal(l.event, 'nba-2026-01-22-lac-lal', 'the event id keeps the Eastern date');
    t.equal(l.book, 'pinnacle', 'ps3838 is published as pinnacle');
  }
  const fallBack = {
    home: 'Vegas Golden Knights',
    away: 'Seattle Kraken',
    label: 'Vegas Golden Knights vs Seattle Kraken, 2026-11-01, 01',
    when: '2026-11-01, 01:30 AM',
  };
  s.frame(T0 + 9, odds('initial_state', fallBack, 'pinnacle', { home: '-130', away: '+110' }, T0 + 9, true, 'NHL'));
  const f = s.lines()[3];
  t.ok(
    f && f.type === 'odds.line' && f.commence_ts === Date.UTC(2026, 10, 1, 5, 30) && f.event === 'nhl-2026-11-01-sea-vgk',
    'the repeated hour maps to the earlier instant',
  );
  t.ok(s.logs().some((x) => String(x.msg).startsWith('start time falls in the repeated fall-back hour')));
  const swapped = {
    home: 'Denver Nuggets',
    away: 'Memphis Grizzlies',
    label: 'Denver Nuggets vs Memphis Grizzlies, 2026-01-25, 08',
    when: '2026-01-25, 08:00 PM',
  };
  s.frame(T0 + 10, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 10));
  s.frame(T0 + 11, odds('initial_state', swapped, 'fanduel', { home: '-148', away: '+124' }, T0 + 11));
  t.ok(
    s.logs().some((x) => String(x.msg).startsWith('the same game is listed with home and away swapped')),
    'a home/away-swapped duplicate is flagged',
  );
  s.frame(T0 + 12, odds('initial_state', DEN_MEM, 'caesars', { home: '+124', away: '-148' }, T0 + 12));
  s.frame(T0 + 13, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 13, true, 'NFL'));
  t.same(s.engine.counts.ignored, { 'other-book': 1, 'other-sport': 1 });
});

t.test('a disconnect makes every sport unavailable and forgets all state', async (t) => {
  const s = setup();
  s.open();
  s.frame(T0 + 10, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 10));
  s.engine.closed('close', 'code 1006', T0 + 20);
  t.same(
    s
      .statuses()
      .slice(-2)
      .map((r) => r.type === 'oracle.status' && [r.sport, r.state, r.reason]),
    [
      ['nba', 'unavailable', 'disconnected'],
      ['nhl', 'unavailable', 'disconnected'],
    ],
  );
  t.equal(s.engine.pairs, 0);
  s.engine.closed('heartbeat-timeout', 'nothing for 60 s', T0 + 30);
  t.same(
    s
      .statuses()
      .slice(-1)
      .map((r) => r.type === 'oracle.status' && r.reason),
    ['disconnected'].map(() => 'stale'),
    'a new reason is a change',
  );
  s.engine.closed('auth', 'HTTP 401 on upgrade', T0 + 40);
  t.ok(
    s.logs().some((l) => l.critical === true && l.cause === 'auth'),
    'auth failures are critical',
  );
  s.engine.opened(2, T0 + 50);
  s.frame(T0 + 51, odds('line_update', DEN_MEM, 'pinnacle', { home: '+124' }, T0 + 51, false));
  t.equal(s.lines().length, 1, 'nothing before the ack, and the old state is gone');
  s.engine.ackTimeout(T0 + 60);
  t.same(s.sent.at(-1), subscribeMessage(s.settings), 'no ack: subscribe anyway');
  t.equal(s.statuses().at(-1)?.type === 'oracle.status' && s.statuses().at(-1)?.state, 'available');
});

t.test('weeks of uptime: games long over are forgotten; freshness is a gauge', async (t) => {
  const s = setup();
  s.open();
  s.frame(T0 + 10, odds('initial_state', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, T0 + 10));
  t.equal(s.metrics.value('feed_freshness_ms', { source: 'boltodds' }), 0);
  s.frame(T0 + 20, odds('line_update', DEN_MEM, 'pinnacle', { home: '+125' }, T0 + 15, false));
  t.equal(s.metrics.value('feed_freshness_ms', { source: 'boltodds' }), 5, 'receive time minus the frame timestamp');
  t.equal(s.engine.pairs, 1);
  const later = Date.UTC(2026, 0, 27, 2, 31);
  s.frame(later, odds('line_update', DEN_MEM, 'pinnacle', { home: '+124', away: '-148' }, later, false));
  t.ok(
    s.logs().some((l) => l.msg === 'forgot games that started over a day ago' && l.games === 1 && l.pairs === 1),
    'the game started over a day ago: forgotten at the next input',
  );
  t.equal(s.engine.pairs, 0);
  t.equal(s.engine.counts.unmapped['no-commence-time'], 1, 'an update for it now lacks a start time: not priced');
  s.engine.stop();
});

t.test('weeks of games leave nothing behind: per-book statuses and diagnostics go with the game', async (t) => {
  const s = setup();
  s.open();
  const DAY = 86_400_000;
  let at = T0;
  for (let d = 0; d < 60; d++) {
    const date = new Date(Date.UTC(2026, 0, 25 + d)).toISOString().slice(0, 10);
    const g: Game = { home: DEN_MEM.home, away: DEN_MEM.away, label: `${DEN_MEM.home} vs ${DEN_MEM.away}, ${date}, 08`, when: `${date}, 08:00 PM` };
    for (const book of ['pinnacle', 'draftkings', 'fanduel']) s.frame((at += 10), odds('line_update', g, book, { home: '+126', away: '-148' }, at));
    s.frame((at += 10), { timestamp: boltTimestamp(at), action: 'game_removed', data: { sport: 'NBA', game: g.label, home_team: g.home, away_team: g.away } });
    at = T0 + (d + 1) * DAY;
    s.clock.advanceTo(at);
    s.engine.prune(at);
  }
  t.equal(s.lines().length, 180, 'every game priced at every book');
  const kept = s.engine.retained;
  t.ok(kept.games <= 2 && kept.pairStatuses <= 6, `bounded after 60 days: ${JSON.stringify(kept)}`);
});
