import t from 'tap';
import { KillSwitches, type KillSwitchOptions, type KillTransition } from '../../src/core/killswitch.js';
import type { KalshiStatus, OracleStatus } from '../../src/schema/records.js';

// Three games: two NBA (A with both tickers, B with one), one NHL.
const EV_A = 'nba-2026-01-25-den-mem';
const EV_B = 'nba-2026-01-25-bos-nyk';
const EV_C = 'nhl-2026-01-25-bos-tor';
const A_HOME = 'KXNBAGAME-26JAN25DENMEM-MEM';
const A_AWAY = 'KXNBAGAME-26JAN25DENMEM-DEN';
const B_HOME = 'KXNBAGAME-26JAN25BOSNYK-NYK';
const C_HOME = 'KXNHLGAME-26JAN25BOSTOR-TOR';
const TICKERS: Record<string, [event: string, sport: string]> = {
  [A_HOME]: [EV_A, 'nba'],
  [A_AWAY]: [EV_A, 'nba'],
  [B_HOME]: [EV_B, 'nba'],
  [C_HOME]: [EV_C, 'nhl'],
};
const GAMES: Record<string, string> = { [EV_A]: 'nba', [EV_B]: 'nba', [EV_C]: 'nhl' };
const ALL = Object.keys(TICKERS);

const R = 1_000; // resume_after_ms
const RESUME = R;
const OPTS: KillSwitchOptions = {
  oracleSource: 'boltodds/shin',
  oracleStaleMs: 5_000,
  bookStaleMs: 5_000,
  resumeAfterMs: R,
  reconnectMax: 3,
  reconnectWindowMs: 10_000,
};

function ostatus(o: Partial<OracleStatus> & Pick<OracleStatus, 'state'>): OracleStatus {
  return { type: 'oracle.status', ts: 0, source: 'boltodds', ...o } as OracleStatus;
}

interface Ctx {
  ks: KillSwitches;
  starveProb: Set<string>;
  starveBook: Set<string>;
  reconnects: number;
  invalid: Set<string>;
  /** When the last reconnect burst began. */
  stormStart?: number;
}

function kstatus(ctx: Ctx, state: KalshiStatus['state'], ts: number): KalshiStatus {
  const tickers: KalshiStatus['tickers'] = {};
  for (const tk of ALL) tickers[tk] = { valid: !ctx.invalid.has(tk), age_ms: null, seq: 1 };
  return {
    type: 'kalshi.status',
    ts,
    state,
    connects: 1 + ctx.reconnects,
    reconnects: ctx.reconnects,
    disconnects: ctx.reconnects,
    gaps: 0,
    last_msg_ts: ts,
    tickers,
  };
}

/** Everything healthy from t = 0, fed every 500 ms up to `until`; all switches clear by resume_after_ms. */
function healthy(opts: Partial<KillSwitchOptions> = {}, until = 9_500): { ctx: Ctx; first: KillTransition[] } {
  const ctx: Ctx = { ks: new KillSwitches({ ...OPTS, ...opts }), starveProb: new Set(), starveBook: new Set(), reconnects: 0, invalid: new Set() };
  const first: KillTransition[] = [];
  first.push(...ctx.ks.onKalshiStatus(kstatus(ctx, 'live', 0), 0));
  for (const [tk, [ev, sport]] of Object.entries(TICKERS)) first.push(...ctx.ks.onLink(tk, ev, sport, 0));
  for (const ev of Object.keys(GAMES)) {
    first.push(...ctx.ks.onCommence(ev, 1_000_000, 0));
    first.push(...ctx.ks.onOracleProb(ev, GAMES[ev]!, 0));
  }
  for (const tk of ALL) first.push(...ctx.ks.onBook(tk, 0));
  first.push(...drive(ctx, 0, until));
  return { ctx, first };
}

/** Advance from `from` (exclusive) to `to` (inclusive): probabilities and books every 500 ms except starved ones. */
function drive(ctx: Ctx, from: number, to: number): KillTransition[] {
  const out: KillTransition[] = [];
  const feed = (x: number): void => {
    for (const ev of Object.keys(GAMES)) if (!ctx.starveProb.has(ev)) out.push(...ctx.ks.onOracleProb(ev, GAMES[ev]!, x));
    for (const tk of ALL) if (!ctx.starveBook.has(tk)) out.push(...ctx.ks.onBook(tk, x));
    out.push(...ctx.ks.tick(x));
  };
  let x = from + 500;
  for (; x < to; x += 500) feed(x);
  if (to > from) feed(to);
  return out;
}

function blockedSet(ks: KillSwitches): string[] {
  return ALL.filter((tk) => ks.blocked(tk, TICKERS[tk]![0], TICKERS[tk]![1]) !== undefined);
}

interface Case {
  name: string;
  condition: KillTransition['condition'];
  scope: KillTransition['scope'];
  key: string;
  blocked: string[];
  opts?: Partial<KillSwitchOptions>;
  /** Make the condition true at `at`; transitions of the call. */
  trip(ctx: Ctx, at: number): KillTransition[];
  /** Make it false from `at`; returns the transitions and when the condition stopped holding. */
  clear(ctx: Ctx, at: number): { out: KillTransition[]; since: number };
  /** How long after trip() the trip shows (timers): drive this far. */
  settle?: number;
}

const now = (out: KillTransition[], at: number): { out: KillTransition[]; since: number } => ({ out, since: at });

const CASES: Case[] = [
  {
    name: 'oracle.status unavailable, no sport or event',
    condition: 'oracle-stale',
    scope: 'global',
    key: '*',
    blocked: ALL,
    trip: (c, at) => c.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'disconnected' }), at),
    clear: (c, at) => now(c.ks.onOracleStatus(ostatus({ state: 'available' }), at), at),
  },
  {
    name: 'oracle.status unavailable for a sport',
    condition: 'oracle-stale',
    scope: 'sport',
    key: 'nba',
    blocked: [A_HOME, A_AWAY, B_HOME],
    trip: (c, at) => c.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'quota', sport: 'nba' }), at),
    clear: (c, at) => now(c.ks.onOracleStatus(ostatus({ state: 'available', sport: 'nba' }), at), at),
  },
  {
    name: 'oracle.status unavailable (stale) for a game',
    condition: 'oracle-stale',
    scope: 'game',
    key: EV_A,
    blocked: [A_HOME, A_AWAY],
    trip: (c, at) => c.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'stale', sport: 'nba', event: EV_A }), at),
    clear: (c, at) => now(c.ks.onOracleStatus(ostatus({ state: 'available', sport: 'nba', event: EV_A }), at), at),
  },
  {
    name: 'no oracle.prob for oracle_stale_ms',
    condition: 'oracle-stale',
    scope: 'game',
    key: EV_A,
    blocked: [A_HOME, A_AWAY],
    settle: 5_000,
    opts: { resumeAfterMs: 12_000 },
    trip: (c) => {
      c.starveProb.add(EV_A);
      return [];
    },
    clear: (c, at) => {
      c.starveProb.delete(EV_A);
      return now(c.ks.onOracleProb(EV_A, 'nba', at), at);
    },
  },
  {
    name: 'arbitrate: no book allowed by the policy (denied)',
    condition: 'arbitration-unresolved',
    scope: 'game',
    key: EV_A,
    blocked: [A_HOME, A_AWAY],
    trip: (c, at) =>
      c.ks.onOracleStatus(
        ostatus({ state: 'unavailable', reason: 'denied', sport: 'nba', event: EV_A, policy: 'pinnacle-only' } as Partial<OracleStatus> & {
          state: 'unavailable';
        }),
        at,
      ),
    clear: (c, at) => now(c.ks.onOracleStatus(ostatus({ state: 'available', sport: 'nba', event: EV_A }), at), at),
  },
  {
    name: 'arbitrate: no line held (empty)',
    condition: 'arbitration-unresolved',
    scope: 'game',
    key: EV_B,
    blocked: [B_HOME],
    trip: (c, at) => c.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'empty', sport: 'nba', event: EV_B }), at),
    clear: (c, at) => now(c.ks.onOracleStatus(ostatus({ state: 'available', sport: 'nba', event: EV_B }), at), at),
  },
  {
    name: 'kalshi.status not live',
    condition: 'kalshi-feed-down',
    scope: 'global',
    key: '*',
    blocked: ALL,
    trip: (c, at) => c.ks.onKalshiStatus(kstatus(c, 'resyncing', at), at),
    clear: (c, at) => now(c.ks.onKalshiStatus(kstatus(c, 'live', at), at), at),
  },
  {
    name: 'reconnects within the window',
    condition: 'reconnect-storm',
    scope: 'global',
    key: '*',
    blocked: ALL,
    trip: (c, at) => {
      const out: KillTransition[] = [];
      c.stormStart = at;
      for (let i = 0; i < 3; i++) {
        c.reconnects++;
        out.push(...c.ks.onKalshiStatus(kstatus(c, 'live', at + i), at + i));
      }
      return out;
    },
    // The first of the three leaves the 10 s window at (trip + 10 s): the storm is over then.
    clear: (c) => now([], c.stormStart! + 10_000),
  },
  {
    name: 'a linked game without commence time',
    condition: 'missing-commence',
    scope: 'game',
    key: EV_C,
    blocked: [C_HOME],
    trip: (c, at) => c.ks.onCommence(EV_C, undefined, at),
    clear: (c, at) => now(c.ks.onCommence(EV_C, 2_000_000, at), at),
  },
  {
    name: 'kalshi.status: ticker book invalid',
    condition: 'ticker-stale',
    scope: 'ticker',
    key: A_HOME,
    blocked: [A_HOME],
    trip: (c, at) => {
      c.invalid.add(A_HOME);
      return c.ks.onKalshiStatus(kstatus(c, 'live', at), at);
    },
    clear: (c, at) => {
      c.invalid.delete(A_HOME);
      return now(c.ks.onKalshiStatus(kstatus(c, 'live', at), at), at);
    },
  },
  {
    name: 'no book for book_stale_ms',
    condition: 'ticker-stale',
    scope: 'ticker',
    key: A_AWAY,
    blocked: [A_AWAY],
    settle: 5_000,
    opts: { resumeAfterMs: 12_000 },
    trip: (c) => {
      c.starveBook.add(A_AWAY);
      return [];
    },
    clear: (c, at) => {
      c.starveBook.delete(A_AWAY);
      return now(c.ks.onBook(A_AWAY, at), at);
    },
  },
];

t.test('the matrix: every condition x scope trips, refuses in scope only, resumes only after resume_after_ms clear', async (t) => {
  const scopes = new Set(CASES.map((c) => `${c.condition}/${c.scope}`));
  t.same(
    [...scopes].sort(),
    [
      'arbitration-unresolved/game',
      'kalshi-feed-down/global',
      'missing-commence/game',
      'oracle-stale/game',
      'oracle-stale/global',
      'oracle-stale/sport',
      'reconnect-storm/global',
      'ticker-stale/ticker',
    ],
    'every condition and each of its scopes',
  );

  for (const c of CASES) {
    t.test(`${c.condition}/${c.scope}: ${c.name}`, async (t) => {
      const T0 = 30_000;
      const { ctx } = healthy(c.opts, T0 - 500);
      const R = c.opts?.resumeAfterMs ?? RESUME;
      t.same(blockedSet(ctx.ks), [], 'healthy before');
      const id = { condition: c.condition, scope: c.scope, key: c.key };
      const tripped = [...c.trip(ctx, T0), ...drive(ctx, T0, T0 + (c.settle ?? 0) + 100)];
      t.same(
        tripped.map(({ state, condition, scope, key }) => ({ state, condition, scope, key })),
        [{ state: 'tripped', ...id }],
        'one tripped transition',
      );
      // Silence counts from the last feed (T0 - 500); the third reconnect comes at T0 + 2.
      t.equal(tripped[0]!.at, c.settle ? T0 - 500 + c.settle : T0 + (c.condition === 'reconnect-storm' ? 2 : 0), 'at the exact trip time');
      t.ok(tripped[0]!.detail.length > 0);
      // In scope only.
      t.same(blockedSet(ctx.ks), c.blocked, 'refuses exactly its scope');
      for (const tk of c.blocked) t.same(ctx.ks.blocked(tk, TICKERS[tk]![0], TICKERS[tk]![1]), id);
      t.same(
        ctx.ks.active().map((a) => `${a.condition}/${a.scope}/${a.key}`),
        [`${c.condition}/${c.scope}/${c.key}`],
      );
      // Clear: nothing before resume_after_ms of continuous clearance.
      const T1 = T0 + (c.settle ?? 0) + 1_000;
      const cl = c.clear(ctx, T1);
      const upToClear = [...cl.out, ...drive(ctx, T1, cl.since)];
      t.same(upToClear, [], 'no transition when the condition goes away');
      t.same(drive(ctx, cl.since, cl.since + R - 1), [], 'still tripped 1 ms before resume_after_ms');
      t.same(blockedSet(ctx.ks), c.blocked, 'still refusing during the wait');
      t.same(ctx.ks.active()[0]!.clearSince, cl.since);
      t.equal(ctx.ks.next()! <= cl.since + R, true, 'next() due by the resume time');
      const cleared = ctx.ks.tick(cl.since + R);
      t.same(
        cleared.map(({ state, condition, scope, key, at }) => ({ state, condition, scope, key, at })),
        [{ state: 'cleared', ...id, at: cl.since + R }],
      );
      t.same(blockedSet(ctx.ks), [], 'orders allowed again');
      t.same(drive(ctx, cl.since + R, cl.since + R + 12_000), [], 'quiet afterwards');
    });

    t.test(`${c.condition}/${c.scope}: a re-trip during the resume wait restarts it`, async (t) => {
      const T0 = 30_000;
      const { ctx } = healthy(c.opts, T0 - 500);
      const R = c.opts?.resumeAfterMs ?? RESUME;
      c.trip(ctx, T0);
      drive(ctx, T0, T0 + (c.settle ?? 0) + 100);
      const T1 = T0 + (c.settle ?? 0) + 1_000;
      const cl = c.clear(ctx, T1);
      drive(ctx, T1, cl.since + R / 2);
      // Back before the wait is over: no new `tripped` (it never cleared), no `cleared` either.
      const again = [...c.trip(ctx, cl.since + R / 2), ...drive(ctx, cl.since + R / 2, cl.since + R / 2 + (c.settle ?? 0) + 100)];
      t.same(again, [], 'no transition on the re-trip');
      t.same(ctx.ks.active()[0]!.clearSince, undefined, 'the wait is cancelled');
      const T2 = cl.since + R / 2 + (c.settle ?? 0) + 1_000;
      const cl2 = c.clear(ctx, T2);
      t.ok(cl2.since >= cl.since + R, 'the second clearance starts after the first wait would have ended');
      t.same([...cl2.out, ...drive(ctx, T2, cl2.since + R - 1)], [], "not cleared at the first wait's end nor before the second's");
      t.same(blockedSet(ctx.ks), c.blocked);
      const cleared = ctx.ks.tick(cl2.since + R);
      t.same(
        cleared.map((x) => [x.state, x.condition, x.scope, x.key, x.at]),
        [['cleared', c.condition, c.scope, c.key, cl2.since + R]],
      );
      t.same(blockedSet(ctx.ks), []);
    });
  }
});

t.test('tripped from the start until the first live kalshi.status, then resume_after_ms', async (t) => {
  const ks = new KillSwitches(OPTS);
  t.same(ks.blocked(A_HOME, EV_A, 'nba'), { condition: 'kalshi-feed-down', scope: 'global', key: '*' }, 'refuses before any call');
  const first = ks.tick(100);
  t.same(first, [{ state: 'tripped', condition: 'kalshi-feed-down', scope: 'global', key: '*', detail: 'no live kalshi.status yet', at: 100 }]);
  t.same(ks.tick(200), [], 'reported once');
  const ctx: Ctx = { ks, starveProb: new Set(), starveBook: new Set(), reconnects: 5, invalid: new Set() };
  t.same(ks.onKalshiStatus(kstatus(ctx, 'connecting', 300), 300), []);
  t.same(ks.onKalshiStatus(kstatus(ctx, 'live', 400), 400), []);
  t.equal(ks.next(), 400 + R);
  t.same(
    ks.tick(400 + R).map((x) => x.state),
    ['cleared'],
  );
  t.equal(ks.blocked(A_HOME, EV_A, 'nba'), undefined);
});

t.test('the transitions do not depend on how often tick() runs', async (t) => {
  const run = (step: number): KillTransition[] => {
    const { ctx } = healthy();
    const out: KillTransition[] = [];
    for (let x = 9_501; x <= 30_000; x++) {
      if (x === 12_000) out.push(...ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'auth', sport: 'nhl' }), x));
      if (x === 12_500) out.push(...ctx.ks.onOracleStatus(ostatus({ state: 'available', sport: 'nhl' }), x));
      if (x % 500 === 0) {
        for (const ev of [EV_B, EV_C]) out.push(...ctx.ks.onOracleProb(ev, GAMES[ev]!, x));
        for (const tk of [A_HOME, A_AWAY, C_HOME]) out.push(...ctx.ks.onBook(tk, x));
      }
      if ((x - 9_500) % step === 0) out.push(...ctx.ks.tick(x));
    }
    return out;
  };
  const everyMs = run(1);
  t.same(run(7_500), everyMs);
  t.same(
    everyMs.map((x) => [x.state, x.condition, x.key, x.at]),
    [
      ['tripped', 'oracle-stale', 'nhl', 12_000],
      ['cleared', 'oracle-stale', 'nhl', 13_500],
      ['tripped', 'ticker-stale', B_HOME, 14_500], // last book at 9500; 'book|' sorts before 'prob|'
      ['tripped', 'oracle-stale', EV_A, 14_500], // last prob at 9500
    ],
    'ordered by time, then by name',
  );
});

t.test('oracle.status: other sources and single books are not the oracle', async (t) => {
  const { ctx } = healthy();
  t.same(ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'disconnected', source: 'oddsapi' }), 10_000), []);
  t.same(ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'stale', sport: 'nba', event: EV_A, book: 'pinnacle' }), 10_000), []);
  t.same(blockedSet(ctx.ks), []);
});

t.test('oracle.status: a new status for a game moves the cause between conditions', async (t) => {
  const { ctx } = healthy();
  const a = ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'stale', sport: 'nba', event: EV_A }), 10_000);
  t.same(
    a.map((x) => [x.state, x.condition]),
    [['tripped', 'oracle-stale']],
  );
  const b = ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'denied', sport: 'nba', event: EV_A }), 10_100);
  t.same(
    b.map((x) => [x.state, x.condition]),
    [['tripped', 'arbitration-unresolved']],
  );
  t.same(
    ctx.ks.tick(10_100 + R).map((x) => [x.state, x.condition]),
    [['cleared', 'oracle-stale']],
    'stale no longer holds',
  );
  t.same(ctx.ks.blocked(A_HOME, EV_A, 'nba'), { condition: 'arbitration-unresolved', scope: 'game', key: EV_A });
});

t.test('reconnects: the first status is the baseline, a restarted counter is a new one', async (t) => {
  const ks = new KillSwitches(OPTS);
  const ctx: Ctx = { ks, starveProb: new Set(), starveBook: new Set(), reconnects: 50, invalid: new Set() };
  ks.onKalshiStatus(kstatus(ctx, 'live', 0), 0);
  ks.tick(R);
  ctx.reconnects = 52;
  t.same(ks.onKalshiStatus(kstatus(ctx, 'live', 100), 100 + R), [], 'two within the window: under the limit of 3');
  ctx.reconnects = 0;
  t.same(ks.onKalshiStatus(kstatus(ctx, 'live', 200), 200 + R), [], 'counter reset: baseline, not a reconnect');
  ctx.reconnects = 1;
  const out = ks.onKalshiStatus(kstatus(ctx, 'live', 300), 300 + R);
  t.same(
    out.map((x) => [x.state, x.condition, x.detail]),
    [['tripped', 'reconnect-storm', '3 reconnects within 10000 ms (limit 3)']],
  );
  // A jump of many reconnects in one status counts as that many at once.
  const ks2 = new KillSwitches(OPTS);
  const c2: Ctx = { ks: ks2, starveProb: new Set(), starveBook: new Set(), reconnects: 0, invalid: new Set() };
  ks2.onKalshiStatus(kstatus(c2, 'live', 0), 0);
  c2.reconnects = 10;
  t.same(
    ks2.onKalshiStatus(kstatus(c2, 'live', 5), 5).map((x) => x.condition),
    ['reconnect-storm'],
  );
});

t.test('kalshi.status age_ms keeps a quiet book fresh; an unlisted invalid ticker is no longer invalid', async (t) => {
  const { ctx } = healthy();
  ctx.starveBook.add(A_HOME);
  // The feed says A_HOME's book was updated 200 ms before each status: no kalshi.book needed.
  const out: KillTransition[] = [];
  for (let x = 10_000; x <= 22_000; x += 1_500) {
    const st = kstatus(ctx, 'live', x);
    st.tickers[A_HOME] = { valid: true, age_ms: 200, seq: 2 };
    out.push(...ctx.ks.onKalshiStatus(st, x));
    out.push(...drive(ctx, x, x + 1_499));
  }
  t.same(out, []);
  // Invalid, then the ticker drops out of the feed's list: the invalid cause goes.
  ctx.invalid.add(B_HOME);
  t.same(
    ctx.ks.onKalshiStatus(kstatus(ctx, 'live', 24_000), 24_000).map((x) => [x.state, x.key]),
    [['tripped', B_HOME]],
  );
  const st = kstatus(ctx, 'live', 24_100);
  delete st.tickers[B_HOME];
  ctx.ks.onKalshiStatus(st, 24_100);
  t.same(
    ctx.ks.tick(24_100 + R).map((x) => [x.state, x.key]),
    [['cleared', B_HOME]],
  );
});

t.test('missing commence: a grace period when configured; a game linked later without one trips', async (t) => {
  const { ctx } = healthy({ commenceGraceMs: 2_000 });
  const ev = 'nba-2026-01-26-lal-bos';
  t.same(ctx.ks.onLink('KXNBAGAME-26JAN26LALBOS-BOS', ev, 'nba', 10_000), []);
  t.same(ctx.ks.tick(11_999), []);
  t.same(
    ctx.ks.tick(12_000).map((x) => [x.state, x.condition, x.key]),
    [['tripped', 'missing-commence', ev]],
  );
  // Commence known before the link: no trip.
  const { ctx: c2 } = healthy();
  const ev2 = 'nba-2026-01-27-lal-bos';
  c2.ks.onCommence(ev2, 9_000_000, 10_000);
  t.same(c2.ks.onLink('KXNBAGAME-26JAN27LALBOS-BOS', ev2, 'nba', 10_000), []);
});

t.test('forgetGame clears the game and its tickers; unlinked events are forgotten after a day', async (t) => {
  const { ctx } = healthy();
  ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'denied', sport: 'nba', event: EV_A }), 10_000);
  ctx.invalid.add(A_HOME);
  ctx.ks.onKalshiStatus(kstatus(ctx, 'live', 10_000), 10_000);
  const out = ctx.ks.forgetGame(EV_A, 10_500);
  t.same(
    out.map((x) => [x.state, x.condition, x.key, x.detail.startsWith('forgotten')]),
    [
      ['cleared', 'ticker-stale', A_HOME, true],
      ['cleared', 'arbitration-unresolved', EV_A, true],
    ],
  );
  t.equal(ctx.ks.blocked(A_HOME, EV_A, 'nba'), undefined);
  // An event the oracle prices but no market links: no switch, until a ticker links it.
  const lone = 'nba-2026-01-25-lal-phx';
  const loneTicker = 'KXNBAGAME-26JAN25LALPHX-PHX';
  t.same(ctx.ks.onOracleStatus(ostatus({ state: 'unavailable', reason: 'empty', sport: 'nba', event: lone }), 11_000), []);
  t.equal(ctx.ks.blocked(loneTicker, lone, 'nba'), undefined);
  ctx.ks.onCommence(lone, 9_000_000, 11_000);
  t.same(
    ctx.ks.onLink(loneTicker, lone, 'nba', 12_000).map((x) => [x.state, x.condition, x.key]),
    [['tripped', 'arbitration-unresolved', lone]],
  );
  // Unlinked again: the game cause goes (the status is still remembered).
  ctx.ks.onBook(loneTicker, 12_500);
  ctx.ks.onOracleProb(lone, 'nba', 12_500);
  const forgot = ctx.ks.forgetTicker(loneTicker, 13_000);
  t.same(forgot, []);
  t.same(
    ctx.ks.tick(13_000 + R).map((x) => [x.state, x.condition, x.key]),
    [['cleared', 'arbitration-unresolved', lone]],
  );
  // Forgotten a day after its last mention: a later link starts from nothing.
  t.same(
    ctx.ks.tick(13_000 + 86_400_000).filter((x) => x.key === lone),
    [],
  );
  const again = ctx.ks.onLink(loneTicker, lone, 'nba', 13_000 + 86_400_000);
  t.same(
    again.filter((x) => x.key === lone).map((x) => x.condition),
    ['missing-commence'],
    'status and commence both forgotten',
  );
});

t.test('memory: deadlines moved by every book and probability stay bounded', async (t) => {
  const { ctx } = healthy();
  for (let x = 9_501; x <= 60_000; x++) {
    for (const tk of ALL) ctx.ks.onBook(tk, x);
    for (const ev of Object.keys(GAMES)) ctx.ks.onOracleProb(ev, GAMES[ev]!, x);
    ctx.ks.onOracleProb('nba-2026-01-25-lal-phx', 'nba', x); // priced, never linked
  }
  t.ok(ctx.ks.timerEntries < 100, `heap entries ${ctx.ks.timerEntries}`);
  t.same(blockedSet(ctx.ks), []);
});
