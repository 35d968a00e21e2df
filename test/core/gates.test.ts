// Every safety gate at its boundary: the value exactly at the bar passes, the next one
// past it does not. (The Kelly sign-off's tolerance and min_n: test/core/kelly.test.ts;
// the sizer's config: test/cli/kelly-gate.test.ts; calibrate's flags: test/cli/calibrate.test.ts.)
import t from 'tap';
import { KALSHI_FEES } from '../../src/core/fees.js';
import { kellyFraction, sizeContracts, type OraclePath, type SizeQuery } from '../../src/core/kelly.js';
import { Arbiter, type ArbitratePolicy } from '../../src/core/arbitrate.js';
import { arbitrateSection } from '../../src/config/sections/oracle.js';
import { kellySection } from '../../src/config/sections/kelly.js';
import type { CalibrationSignoff, OddsLine } from '../../src/schema/records.js';

const T0 = 1769380000000;
const EVENT = 'nba-2026-01-25-den-mem';
const PATH: OraclePath = { source: 'boltodds', sport: 'nba', phase: 'pregame', method: 'shin' };
const SIGNOFF: CalibrationSignoff = {
  type: 'calibration.signoff',
  ts: 1_000,
  group: { ...PATH },
  n: 5000,
  brier: 0.2,
  log_loss: 0.59,
  ece: 0.01,
  mce: 0.03,
  tolerance: 0.02,
  within_tolerance: true,
  config_fingerprint: 'a'.repeat(64),
};
const Q: SizeQuery = { path: PATH, side: 'yes', q: 0.6, price: 0.5, bankroll: 100, fraction: 1, liquidity: 'taker' };
const size = (over: Partial<SizeQuery>) => sizeContracts({ ...Q, ...over }, KALSHI_FEES, SIGNOFF);

function line(book: string, ts: number): OddsLine {
  return {
    type: 'odds.line',
    ts,
    source: 'boltodds',
    book,
    sport: 'nba',
    event: EVENT,
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: T0 + 3_600_000,
    home_odds: 2.24,
    away_odds: 1.6757,
    home_ts: ts,
    away_ts: ts,
  };
}
const policy = (over: Partial<ArbitratePolicy> = {}): ArbitratePolicy => ({
  name: 'primary-fallback',
  books: ['pinnacle', 'draftkings'],
  maxAgeMs: 60_000,
  forgetAfterMs: 600_000,
  ...over,
});

t.test('Kelly fraction: no edge exactly at price + fee, an edge just above; a cost of 1 or more never bets', async (t) => {
  t.equal(kellyFraction(0.55, 0.5, 0.05), 0, 'q == P + f: zero');
  t.ok(kellyFraction(0.55 + 1e-12, 0.5, 0.05) > 0, 'q just above P + f: a bet');
  t.equal(kellyFraction(1, 0.95, 0.05), 0, 'P + f == 1: zero (never divide by zero)');
  t.equal(kellyFraction(1, 0.99, 0.02), 0, 'P + f > 1: zero');
});

t.test('sizing inputs at their bounds: q in [0, 1], price in (0, 1), bankroll > 0, fraction in (0, 1], max_contracts a whole number >= 0', async (t) => {
  const bad = (over: Partial<SizeQuery>, why: string) => {
    const r = size(over);
    t.ok(!r.ok && r.reason === 'bad-input', why);
  };
  t.ok(size({ q: 0 }).ok, 'q = 0 is a probability');
  t.ok(size({ q: 1 }).ok, 'q = 1 is a probability');
  bad({ q: -Number.MIN_VALUE }, 'q below 0');
  bad({ q: 1 + Number.EPSILON }, 'q above 1');
  bad({ q: NaN }, 'q NaN');
  t.ok(size({ price: 0.0001 }).ok, 'the lowest price');
  t.ok(size({ price: 0.9999 }).ok, 'the highest price');
  bad({ price: 0 }, 'price 0');
  bad({ price: 1 }, 'price 1');
  t.ok(size({ bankroll: Number.MIN_VALUE }).ok, 'any positive bankroll');
  bad({ bankroll: 0 }, 'bankroll 0');
  bad({ bankroll: Infinity }, 'bankroll infinite');
  t.ok(size({ fraction: 1 }).ok, 'full Kelly');
  t.ok(size({ fraction: Number.MIN_VALUE }).ok, 'any positive fraction');
  bad({ fraction: 0 }, 'fraction 0');
  bad({ fraction: 1 + Number.EPSILON }, 'fraction above 1');
  const zero = size({ max_contracts: 0 });
  t.ok(zero.ok && zero.contracts === 0, 'max_contracts 0: nothing');
  bad({ max_contracts: -1 }, 'max_contracts -1');
  bad({ max_contracts: 1.5 }, 'max_contracts not whole');
});

t.test('the position cap binds exactly: max_contracts k gives k when Kelly wants more, and never more', async (t) => {
  const free = size({});
  t.ok(free.ok && free.contracts === 32, 'uncapped: 32');
  const at = size({ max_contracts: 32 });
  t.ok(at.ok && at.contracts === 32, 'cap == optimum: the optimum');
  const below = size({ max_contracts: 31 });
  t.ok(below.ok && below.contracts === 31, 'cap one below: the cap');
  const one = size({ max_contracts: 1 });
  t.ok(one.ok && one.contracts === 1, 'cap 1: one contract');
});

t.test('arbitrate: a line is usable at exactly max age, stale one millisecond later', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0), T0);
  t.equal(a.stateOf('boltodds', EVENT), 'line');
  t.equal(a.nextDeadline(), T0 + 60_001, 'the next deadline is the first stale millisecond');
  t.same(a.tick(T0 + 60_000), [], 'age == maxAgeMs: still usable, nothing written');
  t.equal(a.stateOf('boltodds', EVENT), 'line');
  const out = a.tick(T0 + 60_001);
  t.same(
    out.map((r) => [r.type, (r as { state?: string }).state, (r as { reason?: string }).reason]),
    [['oracle.status', 'unavailable', 'stale']],
  );
  t.equal(a.stateOf('boltodds', EVENT), 'unavailable');
});

t.test('arbitrate: forgotten one millisecond after forgetAfterMs without a fresh line, not at it', async (t) => {
  const a = new Arbiter(policy());
  a.line(line('pinnacle', T0), T0);
  a.tick(T0 + 60_001);
  a.tick(T0 + 600_000);
  t.equal(a.eventCount, 1, 'now - last == forgetAfterMs: kept');
  a.tick(T0 + 600_001);
  t.equal(a.eventCount, 0, 'one millisecond later: forgotten');
});

t.test('arbitrate: min_books exactly met publishes, one fewer does not', async (t) => {
  const books = ['pinnacle', 'draftkings', 'fanduel'];
  const weights = { pinnacle: 1, draftkings: 1, fanduel: 1 };
  const a = new Arbiter(policy({ name: 'weighted-blend', books, weights, minBooks: 3 }));
  a.line(line('pinnacle', T0), T0);
  const two = a.line(line('draftkings', T0 + 1), T0 + 1);
  t.notOk(
    two.some((r) => r.type === 'oracle.line'),
    '2 of min_books 3: no line',
  );
  const three = a.line(line('fanduel', T0 + 2), T0 + 2);
  t.ok(
    three.some((r) => r.type === 'oracle.line'),
    '3 of min_books 3: a line',
  );
  t.same((three.find((r) => r.type === 'oracle.line') as { books: string[] }).books.slice().sort(), books.slice().sort());
  // Pinnacle ages out at T0 + 60_001: two fresh books again, below the bar.
  t.same(
    a.tick(T0 + 60_000).filter((r) => r.type === 'oracle.status'),
    [],
    'all three usable at exactly max age',
  );
  const after = a.tick(T0 + 60_001);
  t.ok(
    after.some((r) => r.type === 'oracle.status' && r.state === 'unavailable'),
    'one book stale: below min_books',
  );
});

t.test(
  'config gates at their bounds: min_books up to the books listed, forget_after_ms above fallback_after_ms, Kelly fraction in (0, 1], min_n >= 1',
  async (t) => {
    const arb = (over: Record<string, unknown>) =>
      arbitrateSection.safeParse({ policy: 'weighted-blend', books: ['pinnacle', 'draftkings'], weights: { pinnacle: 1, draftkings: 1 }, ...over }).success;
    t.ok(arb({ min_books: 2 }), 'min_books == books listed');
    t.notOk(arb({ min_books: 3 }), 'min_books one more than the books listed');
    t.notOk(arb({ min_books: 0 }), 'min_books 0');
    t.ok(arb({ fallback_after_ms: 1000, forget_after_ms: 1001 }), 'forget one ms after fallback');
    t.notOk(arb({ fallback_after_ms: 1000, forget_after_ms: 1000 }), 'forget == fallback');
    t.ok(arb({ fallback_after_ms: 0, forget_after_ms: 1 }), 'fallback 0');
    t.notOk(arb({ fallback_after_ms: -1 }), 'fallback negative');
    const k = (over: Record<string, unknown>) => kellySection.safeParse(over).success;
    t.ok(k({ fraction: 1 }), 'full Kelly');
    t.notOk(k({ fraction: 1.0000001 }), 'more than full Kelly');
    t.notOk(k({ fraction: 0 }), 'fraction 0');
    t.ok(k({ tolerance: 0 }) && k({ tolerance: 1 }), 'tolerance in [0, 1]');
    t.notOk(k({ tolerance: -0.0001 }) || k({ tolerance: 1.0001 }), 'tolerance outside [0, 1]');
    t.ok(k({ signoff_min_n: 1 }), 'min_n 1');
    t.notOk(k({ signoff_min_n: 0 }), 'min_n 0');
    t.notOk(k({ signoff_min_n: 1.5 }), 'min_n not whole');
  },
);
