import t from 'tap';
import type { Test } from 'tap';
import { Arbiter, type ArbitrateOutput, type ArbitratePolicy } from '../../src/core/arbitrate.js';
import type { OddsLine, OracleLine, OracleStatus } from '../../src/schema/records.js';
import { SCHEMAS } from '../../src/schema/records.js';
import { seededRandom } from '../../src/core/prng.js';

const T0 = 1769380000000;
const MAX_AGE = 60_000;

function line(book: string, ts: number, home: number, away: number, over: Partial<OddsLine> = {}): OddsLine {
  return {
    type: 'odds.line',
    ts,
    source: 'boltodds',
    book,
    sport: 'nba',
    event: 'nba-2026-01-25-den-mem',
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: T0 + 3_600_000,
    home_odds: home,
    away_odds: away,
    home_ts: ts,
    away_ts: ts,
    ...over,
  };
}

function status(state: 'available' | 'unavailable', over: Partial<OracleStatus> = {}): OracleStatus {
  return { type: 'oracle.status', ts: T0, source: 'boltodds', state, ...(state === 'unavailable' ? { reason: 'disconnected' } : {}), ...over } as OracleStatus;
}

function policy(over: Partial<ArbitratePolicy> = {}): ArbitratePolicy {
  return { name: 'primary-fallback', books: ['pinnacle', 'draftkings'], maxAgeMs: MAX_AGE, forgetAfterMs: 3_600_000, ...over };
}

const lines = (out: ArbitrateOutput[]): OracleLine[] => out.filter((r): r is OracleLine => r.type === 'oracle.line');
const statuses = (out: ArbitrateOutput[]): OracleStatus[] => out.filter((r): r is OracleStatus => r.type === 'oracle.status');

/** Every record the arbiter writes is valid against its schema. */
function valid(t: Test, out: ArbitrateOutput[]): void {
  for (const r of out) {
    const v = SCHEMAS[r.type].safeParse(JSON.parse(JSON.stringify(r)));
    if (!v.success) t.fail(`${r.type} invalid: ${JSON.stringify(v.error.issues)}`);
  }
}

t.test('primary-fallback: a DraftKings update never replaces a fresh Pinnacle line', async (t) => {
  const a = new Arbiter(policy());
  t.equal(a.label, 'primary-fallback:pinnacle>draftkings');
  let out = a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  valid(t, out);
  t.same(
    lines(out).map((l) => [l.books, l.home_odds, l.away_odds, l.ts, l.line_ts]),
    [[['pinnacle'], 2.24, 1.6757, T0, T0]],
  );
  t.equal(lines(out)[0]!.policy, 'primary-fallback:pinnacle>draftkings');
  t.equal(lines(out)[0]!.weights, undefined);
  out = a.line(line('draftkings', T0 + 1000, 2.3, 1.62), T0 + 1000);
  t.same(out, [], 'DraftKings update while Pinnacle is fresh: nothing published');
  t.same(a.inForce('boltodds', 'nba-2026-01-25-den-mem')?.books, ['pinnacle']);
  // Pinnacle goes stale at T0 + MAX_AGE + 1: the clock notices, not the next record.
  t.equal(a.nextDeadline(), T0 + MAX_AGE + 1);
  t.same(a.tick(T0 + MAX_AGE), [], 'still fresh at exactly MAX_AGE');
  out = a.tick(T0 + MAX_AGE + 1);
  valid(t, out);
  t.same(
    lines(out).map((l) => [l.books, l.home_odds, l.ts, l.line_ts]),
    [[['draftkings'], 2.3, T0 + MAX_AGE + 1, T0 + 1000]],
  );
  // A fresh Pinnacle line takes over again.
  out = a.line(line('pinnacle', T0 + 70_000, 2.2, 1.7), T0 + 70_000);
  t.same(
    lines(out).map((l) => l.books),
    [['pinnacle']],
  );
  // A new Pinnacle update is a new line in force, even at the same prices (it is fresher).
  out = a.line(line('pinnacle', T0 + 71_000, 2.2, 1.7), T0 + 71_000);
  t.same(
    lines(out).map((l) => l.line_ts),
    [T0 + 71_000],
  );
});

t.test('freshness is judged on when the source last confirmed a line (recv_ts), not when its price last changed', async (t) => {
  // A poll of The Odds API at T0 confirms a Pinnacle price last changed an hour earlier.
  const polled = (at: number): OddsLine => line('pinnacle', T0 - 3_600_000, 2.24, 1.6757, { source: 'oddsapi', recv_ts: at });
  const a = new Arbiter(policy());
  let out = a.line(polled(T0), T0);
  t.same(
    lines(out).map((l) => [l.books, l.line_ts]),
    [[['pinnacle'], T0 - 3_600_000]],
    'an old price just confirmed is fresh',
  );
  t.equal(a.nextDeadline(), T0 + MAX_AGE + 1, 'it goes stale MAX_AGE after the confirmation');
  out = a.line(polled(T0 + 50_000), T0 + 50_000);
  t.same(out, [], 'the next poll confirms the same line: nothing new to publish');
  t.same(a.tick(T0 + MAX_AGE + 1), [], 'the first deadline passes: the line was confirmed since');
  out = a.tick(T0 + 50_000 + MAX_AGE + 1);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'stale']],
    'no confirmation for MAX_AGE: stale',
  );
});

t.test('primary-fallback: no book qualifies -> one unavailable status per transition, nothing published', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  a.line(line('draftkings', T0 + 5000, 2.3, 1.62), T0 + 5000);
  let out = a.tick(T0 + MAX_AGE + 1);
  t.same(
    lines(out).map((l) => l.books),
    [['draftkings']],
  );
  out = a.tick(T0 + 5000 + MAX_AGE + 1);
  valid(t, out);
  t.equal(lines(out).length, 0);
  t.same(
    statuses(out).map((s) => [s.state, s.reason, s.event, s.ts]),
    [['unavailable', 'stale', 'nba-2026-01-25-den-mem', T0 + 5000 + MAX_AGE + 1]],
  );
  t.match(statuses(out)[0]!.detail, /pinnacle: stale \(age 65001 ms > 60000\); draftkings: stale/);
  t.equal(a.inForce('boltodds', 'nba-2026-01-25-den-mem'), undefined);
  t.equal(a.unavailableCount, 1);
  // A stale line arriving late (older than MAX_AGE) changes nothing and says nothing again.
  out = a.line(line('draftkings', T0 + 6000, 2.3, 1.62), T0 + 200_000);
  t.same(out, []);
  // Back: an available status first, then the line.
  out = a.line(line('draftkings', T0 + 300_000, 2.5, 1.55), T0 + 300_000);
  t.same(
    out.map((r) => (r.type === 'oracle.status' ? `status:${r.state}` : `line:${(r as OracleLine).books.join()}`)),
    ['status:available', 'line:draftkings'],
  );
  t.equal(a.unavailableCount, 0);
});

t.test('pinnacle-only: DraftKings alone is denied by policy; Pinnacle stale is stale', async (t) => {
  const a = new Arbiter(policy({ name: 'pinnacle-only', books: ['draftkings'] }));
  t.equal(a.label, 'pinnacle-only');
  let out = a.line(line('draftkings', T0, 2.3, 1.62), T0);
  valid(t, out);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'denied']],
  );
  t.match(statuses(out)[0]!.detail, /lines only from draftkings/);
  out = a.line(line('draftkings', T0 + 1000, 2.31, 1.61), T0 + 1000);
  t.same(out, [], 'once per transition');
  out = a.line(line('pinnacle', T0 + 2000, 2.24, 1.6757), T0 + 2000);
  t.same(
    out.map((r) => r.type),
    ['oracle.status', 'oracle.line'],
  );
  out = a.tick(T0 + 2000 + MAX_AGE + 1);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'stale']],
  );
});

t.test('weighted-blend: blended in implied-probability space, weights renormalised over fresh books', async (t) => {
  const a = new Arbiter(policy({ name: 'weighted-blend', weights: { pinnacle: 7, draftkings: 3 } }));
  t.equal(a.label, 'weighted-blend:pinnacle=7,draftkings=3');
  a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  const out = a.line(line('draftkings', T0 + 1000, 2.3, 1.62), T0 + 1000);
  valid(t, out);
  const l = lines(out)[0]!;
  t.same(l.books, ['pinnacle', 'draftkings']);
  t.same(l.weights, { pinnacle: 0.7, draftkings: 0.3 });
  const ph = 0.7 / 2.24 + 0.3 / 2.3;
  const pa = 0.7 / 1.6757 + 0.3 / 1.62;
  t.ok(Math.abs(1 / l.home_odds - ph) < 1e-15 && Math.abs(1 / l.away_odds - pa) < 1e-15, 'odds = 1 / weighted mean of 1/odds');
  const booksum = (o: [number, number]): number => 1 / o[0] + 1 / o[1];
  t.ok(
    Math.abs(booksum([l.home_odds, l.away_odds]) - (0.7 * booksum([2.24, 1.6757]) + 0.3 * booksum([2.3, 1.62]))) < 1e-15,
    "the blend's booksum is the weighted mean of the books' booksums",
  );
  t.equal(l.line_ts, T0 + 1000);
  // Pinnacle stale: DraftKings alone, weight 1.
  const later = lines(a.tick(T0 + MAX_AGE + 1))[0]!;
  t.same(later.books, ['draftkings']);
  t.same(later.weights, { draftkings: 1 });
  t.equal(later.home_odds, 2.3);
});

t.test('weighted-blend with min_books 2: one fresh book is not enough', async (t) => {
  const a = new Arbiter(policy({ name: 'weighted-blend', weights: { pinnacle: 1, draftkings: 1 }, minBooks: 2 }));
  let out = a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'stale']],
  );
  t.match(statuses(out)[0]!.detail, /1 usable book\(s\), fewer than min_books 2; draftkings: no line/);
  out = a.line(line('draftkings', T0 + 10, 2.3, 1.62), T0 + 10);
  t.same(
    out.map((r) => r.type),
    ['oracle.status', 'oracle.line'],
  );
  t.same(lines(out)[0]!.weights, { pinnacle: 0.5, draftkings: 0.5 });
});

t.test('upstream oracle.status: a source held unavailable is not used until available again', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  a.line(line('draftkings', T0 + 10, 2.3, 1.62), T0 + 10);
  // Only Pinnacle via this source is down: fall back to DraftKings.
  let out = a.status(status('unavailable', { book: 'pinnacle', reason: 'stale' }), T0 + 20);
  t.same(
    lines(out).map((l) => l.books),
    [['draftkings']],
  );
  // The whole source is down: nothing qualifies; the reason is upstream's.
  out = a.status(status('unavailable', { reason: 'auth', detail: 'HTTP 401' }), T0 + 30);
  valid(t, out);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'auth']],
  );
  t.match(statuses(out)[0]!.detail, /source unavailable \(auth: HTTP 401\)/);
  // A status for another source changes nothing here.
  t.same(a.status(status('available', { source: 'oddsapi' }), T0 + 40), []);
  // Updates while held: nothing published.
  t.same(a.line(line('pinnacle', T0 + 50, 2.2, 1.7), T0 + 50), []);
  // The source is back (a source-wide available clears the book-level hold too).
  out = a.status(status('available'), T0 + 60);
  t.same(
    out.map((r) => (r.type === 'oracle.status' ? r.state : (r as OracleLine).books.join())),
    ['available', 'pinnacle'],
  );
  t.equal(lines(out)[0]!.home_odds, 2.2);
  // A sport-scoped hold for NHL does not touch this NBA game.
  t.same(a.status(status('unavailable', { sport: 'nhl' }), T0 + 70), []);
});

t.test('an unavailable status withdraws the lines it covers: clearing it brings back only lines sent again', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0, 1.667, 2.3), T0);
  a.line(line('draftkings', T0 + 10, 1.7, 2.2), T0 + 10);
  // BoltOdds pulls Pinnacle's home side: that pair is gone; fall back to DraftKings.
  let out = a.status(status('unavailable', { ts: T0 + 1000, sport: 'nba', event: 'nba-2026-01-25-den-mem', book: 'pinnacle', reason: 'empty' }), T0 + 1000);
  t.same(
    lines(out).map((l) => l.books),
    [['draftkings']],
  );
  t.equal(a.counts.withdrawn, 1);
  // The stream drops, then is acknowledged again (sport-wide available) before any snapshot.
  out = a.status(status('unavailable', { ts: T0 + 2000, sport: 'nba' }), T0 + 2000);
  valid(t, out);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'disconnected']],
  );
  t.equal(a.counts.withdrawn, 2, 'the DraftKings line goes with the disconnect');
  out = a.status(status('available', { ts: T0 + 8000, sport: 'nba' }), T0 + 8000);
  t.same(lines(out), [], 'the withdrawn Pinnacle line (home 1.667) is not republished');
  t.equal(a.inForce('boltodds', 'nba-2026-01-25-den-mem'), undefined);
  t.equal(a.stateOf('boltodds', 'nba-2026-01-25-den-mem'), 'unavailable');
  // The fresh snapshot sends Pinnacle again: that line is published.
  out = a.line(line('pinnacle', T0 + 8100, 1.9, 1.95), T0 + 8100);
  t.same(
    out.map((r) => (r.type === 'oracle.status' ? r.state : (r as OracleLine).home_odds)),
    ['available', 1.9],
  );
  // A line received after the status that would withdraw its scope is kept (it was sent again).
  out = a.status(status('unavailable', { ts: T0 + 8050, sport: 'nba', event: 'nba-2026-01-25-den-mem', book: 'pinnacle', reason: 'empty' }), T0 + 8200);
  t.equal(a.counts.withdrawn, 2);
  t.same(
    statuses(out).map((s) => [s.state, s.reason]),
    [['unavailable', 'empty']],
    'held while the status holds',
  );
});

t.test('withdrawal does not depend on arrival order: a line from before the hold arriving after it is withdrawn too', async (t) => {
  const ev = 'nba-2026-01-25-den-mem';
  const hold = status('unavailable', { ts: T0 + 1000, sport: 'nba', event: ev, book: 'pinnacle', reason: 'empty' });
  const early = line('pinnacle', T0, 1.667, 2.3);
  const dk = line('draftkings', T0 + 10, 1.7, 2.2);
  const play = (order: Array<'hold' | 'early' | 'dk'>): string | undefined => {
    const a = new Arbiter(policy());
    for (const x of order) {
      if (x === 'hold') a.status(hold, T0 + 1000);
      else a.line(x === 'early' ? early : dk, T0 + 1000);
    }
    a.status(status('available', { ts: T0 + 2000, sport: 'nba', event: ev, book: 'pinnacle' }), T0 + 2000);
    return a.inForce('boltodds', ev)?.books.join();
  };
  const orders: Array<Array<'hold' | 'early' | 'dk'>> = [
    ['early', 'dk', 'hold'],
    ['hold', 'early', 'dk'],
    ['dk', 'hold', 'early'],
    ['hold', 'dk', 'early'],
  ];
  for (const o of orders) t.equal(play(o), 'draftkings', o.join(' > '));
});

t.test('an event whose every line was withdrawn and whose hold was lifted says so', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0, 1.667, 2.3), T0);
  a.status(status('unavailable', { ts: T0 + 1000, reason: 'disconnected' }), T0 + 1000);
  // A tick after the hold was lifted (no fresh lines yet) explains the state plainly.
  a.status(status('available', { ts: T0 + 2000 }), T0 + 2000);
  const out = a.tick(T0 + 3_700_000);
  t.same(out, [], 'forgotten after forget_after_ms: nothing to say');
  t.equal(a.counts.forgotten, 1);
});

t.test('a forgotten game takes its own holds with it; source-wide holds stay', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0, 1.667, 2.3), T0);
  a.status(status('unavailable', { ts: T0 + 1000, sport: 'nba', event: 'nba-2026-01-25-den-mem', book: 'pinnacle', reason: 'empty' }), T0 + 1000);
  a.status(status('unavailable', { ts: T0 + 1000, source: 'oddsapi', reason: 'auth' }), T0 + 1000);
  t.equal(a.holdCount, 2);
  a.tick(T0 + 3_700_000);
  t.equal(a.counts.forgotten, 1);
  t.equal(a.holdCount, 1, "the game's hold is gone; the source-wide one is not");
});

t.test("a book's older line arriving late is superseded; an equal ts replaces (the book's own order)", async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0 + 100, 2.24, 1.6757), T0 + 100);
  t.same(a.line(line('pinnacle', T0 + 50, 3, 1.4), T0 + 100), []);
  t.equal(a.counts.superseded, 1);
  const out = a.line(line('pinnacle', T0 + 100, 2.25, 1.67), T0 + 100);
  t.same(
    lines(out).map((l) => l.home_odds),
    [2.25],
  );
});

t.test('each source is its own path; games are independent', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  const out = a.line(line('pinnacle', T0, 2.0, 1.8, { source: 'oddsapi' }), T0);
  t.same(
    lines(out).map((l) => [l.source, l.home_odds]),
    [['oddsapi', 2.0]],
  );
  a.line(line('pinnacle', T0, 1.5, 2.6, { event: 'nba-2026-01-25-bos-nyk', home: 'New York Knicks', away: 'Boston Celtics' }), T0);
  t.equal(a.eventCount, 3);
  t.equal(a.inForce('boltodds', 'nba-2026-01-25-den-mem')?.home_odds, 2.24);
  t.equal(a.inForce('boltodds', 'nba-2026-01-25-bos-nyk')?.home_odds, 1.5);
});

t.test('memory stays bounded: a game with no fresh line is forgotten after forgetAfterMs', async (t) => {
  const a = new Arbiter(policy({ forgetAfterMs: 600_000 }));
  a.line(line('pinnacle', T0, 2.24, 1.6757), T0);
  a.tick(T0 + MAX_AGE + 1);
  t.equal(a.stateOf('boltodds', 'nba-2026-01-25-den-mem'), 'unavailable');
  t.equal(a.nextDeadline(), T0 + 600_001);
  t.same(a.tick(T0 + 600_001), [], 'forgetting writes nothing');
  t.equal(a.eventCount, 0);
  t.equal(a.unavailableCount, 0);
  t.equal(a.nextDeadline(), undefined);
  t.equal(a.counts.forgotten, 1);
});

t.test('deadlines: a steady feed keeps few heap entries and no deadline is ever late', async (t) => {
  const a = new Arbiter(policy());
  let fired = 0;
  for (let i = 0; i < 10_000; i++) {
    const now = T0 + i * 100;
    const d = a.nextDeadline();
    if (d !== undefined && d <= now) {
      a.tick(now);
      fired++;
    }
    a.line(line(i % 2 ? 'pinnacle' : 'draftkings', now, 2 + (i % 7) / 100, 1.8), now);
  }
  t.ok(fired < 50, `the timer fired ${fired} times for 10,000 updates`);
  t.equal(a.inForce('boltodds', 'nba-2026-01-25-den-mem')?.books[0], 'pinnacle');
});

// ---------------------------------------------------------------- determinism

const BOOKS = ['pinnacle', 'draftkings', 'fanduel'];
const EVENTS = ['nba-2026-01-25-den-mem', 'nba-2026-01-25-bos-nyk'];

/** Per book, a sequence of updates in that book's order: ts non-decreasing, many ties. */
function updates(rnd: () => number): OddsLine[][] {
  return BOOKS.map((book) => {
    const n = 1 + Math.floor(rnd() * 8);
    let ts = T0 + Math.floor(rnd() * 5) * 10_000;
    const out: OddsLine[] = [];
    for (let i = 0; i < n; i++) {
      ts += Math.floor(rnd() * 4) * 20_000; // 0 (a tie), 20, 40 or 60 s: crosses MAX_AGE
      const ev = EVENTS[Math.floor(rnd() * EVENTS.length)]!;
      const h = 1.5 + Math.floor(rnd() * 100) / 100;
      out.push(line(book, ts, h, 1 / (1.04 - 1 / h), { event: ev }));
    }
    return out;
  });
}

/** A random interleaving that keeps each book's own order. */
function interleave(perBook: OddsLine[][], rnd: () => number): OddsLine[] {
  const idx = perBook.map(() => 0);
  const out: OddsLine[] = [];
  for (;;) {
    const open = perBook.map((s, b) => (idx[b]! < s.length ? b : -1)).filter((b) => b >= 0);
    if (!open.length) return out;
    const b = open[Math.floor(rnd() * open.length)]!;
    out.push(perBook[b]![idx[b]!++]!);
  }
}

/** Sorted by ts, ties across books in random order (what a merged recording looks like). */
function sortedWithShuffledTies(perBook: OddsLine[][], rnd: () => number): OddsLine[] {
  const all = interleave(perBook, rnd);
  // A stable sort keeps each book's own order among equal ts; the random interleaving
  // decides the order across books.
  return all
    .map((l, i) => ({ l, i }))
    .sort((a, b) => a.l.ts - b.l.ts || a.i - b.i)
    .map((x) => x.l);
}

/** What matters of the line in force (ts is when it was published, which may differ). */
function content(l: OracleLine | undefined): string {
  if (!l) return 'none';
  const { ts: _ts, ...rest } = l;
  return JSON.stringify(rest);
}

/** Drive an arbiter as the replay clock does: timers due at or before a record fire first. */
function replay(p: ArbitratePolicy, seq: OddsLine[], probes: number[] = []): { final: string[]; at: Map<number, string[]> } {
  const a = new Arbiter(p);
  let now = 0;
  const at = new Map<number, string[]>();
  const snapshot = (): string[] => EVENTS.map((e) => content(a.inForce('boltodds', e)));
  const advance = (to: number): void => {
    for (;;) {
      const d = a.nextDeadline();
      if (d === undefined || d > to) break;
      a.tick(Math.max(d, now));
      now = Math.max(d, now);
    }
    now = Math.max(now, to);
  };
  const pending = [...probes].sort((x, y) => x - y);
  for (const l of seq) {
    // A probe strictly before this record's time sees the state after everything earlier.
    while (pending.length && pending[0]! < l.ts) {
      const p0 = pending.shift()!;
      if (p0 >= now) {
        advance(p0);
        a.tick(p0);
        at.set(p0, snapshot());
      }
    }
    advance(l.ts);
    a.line(l, now);
  }
  const end = seq.reduce((m, l) => Math.max(m, l.ts), 0);
  advance(end);
  return { final: snapshot(), at };
}

const POLICIES: ArbitratePolicy[] = [
  policy({ name: 'pinnacle-only' }),
  policy({ books: ['pinnacle', 'draftkings', 'fanduel'] }),
  policy({ books: ['fanduel', 'pinnacle'] }),
  policy({ name: 'weighted-blend', books: BOOKS, weights: { pinnacle: 0.5, draftkings: 0.3, fanduel: 0.2 } }),
  policy({ name: 'weighted-blend', books: BOOKS, weights: { pinnacle: 1, draftkings: 1, fanduel: 1 }, minBooks: 2 }),
];

t.test('determinism: the line in force after the last update is the same for every arrival order across books', async (t) => {
  const rnd = seededRandom(42);
  let scenarios = 0;
  let differing = 0;
  for (let s = 0; s < 150; s++) {
    const perBook = updates(rnd);
    for (const p of POLICIES) {
      const want = replay(p, interleave(perBook, rnd)).final;
      for (let k = 0; k < 20; k++) {
        const got = replay(p, interleave(perBook, rnd)).final;
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          differing++;
          if (differing < 5) t.fail(`policy ${p.name} scenario ${s}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
        }
        scenarios++;
      }
    }
  }
  t.equal(differing, 0, `${scenarios} interleavings (unsorted across books) agree`);
});

t.test('determinism at any clock time: sorted streams with ties shuffled across books agree at every probe', async (t) => {
  const rnd = seededRandom(7);
  let probesChecked = 0;
  let nonTrivial = 0;
  let differing = 0;
  for (let s = 0; s < 100; s++) {
    const perBook = updates(rnd);
    const all = perBook.flat();
    const lo = Math.min(...all.map((l) => l.ts));
    const hi = Math.max(...all.map((l) => l.ts)) + 2 * MAX_AGE;
    // Probe at every record time (just after the group), at each expiry boundary, and at random times.
    const probes = new Set<number>();
    for (const l of all) {
      probes.add(l.ts + 1);
      probes.add(l.ts + MAX_AGE);
      probes.add(l.ts + MAX_AGE + 1);
    }
    for (let i = 0; i < 10; i++) probes.add(lo + Math.floor(rnd() * (hi - lo)));
    const list = [...probes];
    for (const p of POLICIES) {
      const ref = replay(p, sortedWithShuffledTies(perBook, rnd), list);
      for (let k = 0; k < 8; k++) {
        const got = replay(p, sortedWithShuffledTies(perBook, rnd), list);
        for (const [time, snap] of ref.at) {
          probesChecked++;
          if (snap.some((x) => x !== 'none')) nonTrivial++;
          if (JSON.stringify(got.at.get(time)) !== JSON.stringify(snap)) {
            differing++;
            if (differing < 5) t.fail(`policy ${p.name} scenario ${s} at ${time - T0}: ${JSON.stringify(got.at.get(time))} != ${JSON.stringify(snap)}`);
          }
        }
        if (JSON.stringify(got.final) !== JSON.stringify(ref.final)) differing++;
      }
    }
  }
  t.equal(differing, 0, `${probesChecked} probes agree (${nonTrivial} with a line in force)`);
  t.ok(nonTrivial > probesChecked / 4, 'the probes are not all empty');
});

t.test('the arbiter refuses an impossible policy', async (t) => {
  t.throws(() => new Arbiter(policy({ name: 'weighted-blend', weights: { pinnacle: 1 } })), /weight for draftkings/);
  t.throws(() => new Arbiter(policy({ forgetAfterMs: MAX_AGE })), /forgetAfterMs > maxAgeMs/);
  t.throws(() => new Arbiter(policy({ books: [] })), /no books/);
});
