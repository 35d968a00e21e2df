import t from 'tap';
import { FAST_CHECKS } from '../../src/schema/fast.js';
import { SCHEMAS, type RecordType } from '../../src/schema/records.js';
import { seededRandom } from '../../src/core/prng.js';

// The decoder trusts these checks instead of zod: they must never accept what zod rejects,
// and should accept the valid records of the hot path (or there is no point).

const T0 = 1769380000000;
const VALID: Record<string, Array<Record<string, unknown>>> = {
  'kalshi.book': [
    {
      type: 'kalshi.book',
      ts: T0,
      recv_ts: T0 + 1,
      ticker: 'KXNBAGAME-26JAN25DENMEM-DEN',
      seq: 812,
      sid: 3,
      bids: [
        [0.41, 120],
        [0.4, 300],
      ],
      asks: [
        [0.44, 75.5],
        [0.45, 10],
      ],
      exch_ts: T0 - 2,
    },
    {
      type: 'kalshi.book',
      ts: T0,
      ticker: 'KXNHLGAME-26JAN25TORNYR-NYR',
      seq: 0,
      bids: [],
      asks: [
        [0.0001, 0.01],
        [0.9999, 1e6],
      ],
    },
  ],
  'kalshi.trade': [
    { type: 'kalshi.trade', ts: T0, ticker: 'KXNBAGAME-26JAN25DENMEM-DEN', trade_id: 'd91bc706', price: 0.36, count: 136, taker_side: 'no' },
    {
      type: 'kalshi.trade',
      ts: T0,
      recv_ts: T0,
      ticker: 'KXNBAGAME-26JAN252000DENMEM-MEM',
      trade_id: 'x',
      price: 0.0001,
      count: 0.01,
      taker_side: 'yes',
      exch_ts: 0,
    },
  ],
  'odds.line': [
    {
      type: 'odds.line',
      ts: T0,
      recv_ts: T0 + 3,
      source: 'boltodds',
      book: 'pinnacle',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'Memphis Grizzlies',
      away: 'Denver Nuggets',
      commence_ts: T0 + 1,
      home_odds: 2.24,
      away_odds: 1.6757,
      home_ts: T0,
      away_ts: T0,
    },
    {
      type: 'odds.line',
      ts: 0,
      source: 'history',
      book: 'consensus',
      sport: 'nhl',
      event: 'nhl-2019-10-02-ott-tor',
      home: 'Toronto Maple Leafs',
      away: 'Ottawa Senators',
      commence_ts: 0,
      home_odds: 1.0001,
      away_odds: 10000,
      home_ts: 0,
      away_ts: 0,
      raw: { anything: [1, null] },
      extra: 'kept',
    },
    {
      type: 'odds.line',
      ts: T0,
      source: 'history',
      book: 'consensus',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'H',
      away: 'A',
      commence_ts: T0,
      home_odds: 2,
      away_odds: 2,
      home_ts: T0,
      away_ts: T0,
      time_assumed: ['ts', 'commence_ts', 'home_ts', 'away_ts'],
    },
  ],
  'oracle.line': [
    {
      type: 'oracle.line',
      ts: T0,
      source: 'boltodds',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'H',
      away: 'A',
      commence_ts: T0,
      policy: 'primary-fallback:pinnacle>draftkings',
      books: ['pinnacle'],
      line_ts: T0,
      home_odds: 2.24,
      away_odds: 1.6757,
    },
    {
      type: 'oracle.line',
      ts: T0,
      source: 'boltodds',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'H',
      away: 'A',
      commence_ts: T0,
      policy: 'weighted-blend:pinnacle=0.7,draftkings=0.3',
      books: ['pinnacle', 'draftkings'],
      weights: { pinnacle: 0.7, draftkings: 0.3 },
      home_odds: 2.25,
      away_odds: 1.66,
    },
  ],
  'oracle.prob': [
    {
      type: 'oracle.prob',
      ts: T0,
      source: 'boltodds',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'H',
      away: 'A',
      commence_ts: T0,
      books: ['pinnacle'],
      method: 'shin',
      p_home: 0.4386,
      p_away: 0.5614,
      overround: 0.043,
      param: 0.0215,
    },
    {
      type: 'oracle.prob',
      ts: T0,
      source: 'oddsapi',
      sport: 'nhl',
      event: 'nhl-2026-01-25-bos-nyr',
      home: 'H',
      away: 'A',
      commence_ts: T0,
      policy: 'p',
      books: ['a', 'b'],
      weights: { a: 1 },
      line_ts: 5,
      method: 'proportional',
      p_home: 0,
      p_away: 1,
      overround: -0.02,
    },
    {
      type: 'oracle.prob',
      ts: T0,
      source: 'history',
      sport: 'nba',
      event: 'nba-2026-01-25-den-mem',
      home: 'H',
      away: 'A',
      commence_ts: T0,
      books: ['consensus'],
      method: 'shin',
      p_home: 0.5,
      p_away: 0.5,
      overround: 0,
      time_assumed: ['ts', 'commence_ts'],
    },
  ],
};

const ODD_VALUES: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1,
  1.5,
  0.5,
  1e-9,
  2 ** 53,
  8.64e15,
  8.64e15 + 1,
  -0,
  NaN,
  Infinity,
  -Infinity,
  1.0000000001,
  '',
  'x',
  'X',
  'nba',
  'nhl',
  'mlb',
  'pinnacle',
  'Pinnacle',
  '_a',
  'a b',
  'nba-2026-01-25-den-mem',
  'nba-2026-1-25-den-mem',
  '1769380000000',
  [],
  ['pinnacle'],
  ['Pinnacle'],
  [1],
  {},
  { pinnacle: 0.5 },
  { pinnacle: 2 },
  { Pin: 0.5 },
  { a: 0 },
  'shin',
  'odds-ratio',
  'logarithmic',
  ['ts'],
  ['ts', 'commence_ts'],
  ['line_ts'],
  ['recv_ts'],
  ['ts', 1],
  ['when'],
  // issue 14 section 3: values right on and just past each cross-field rule
  'nhl-2026-01-25-bos-nyr',
  'nba-2026-02-30-den-mem',
  'nba-2025-02-29-den-mem',
  'nba-2028-02-29-den-mem',
  'nba-2026-01-25-den-xyz',
  'nba-2026-01-25-gs-mem',
  'nba-2026-01-25-mem-mem',
  'nhl-2019-10-02-ott-tor',
  'nhl-2026-13-01-bos-nyr',
  10000,
  10000.0001,
  1e300,
  1e-300,
  0.4386,
  0.5614,
  0.56140001,
  0.5615,
  0.4385,
  // kalshi.book and kalshi.trade: tickers, levels and prices right on and just past the rules
  'KXNBAGAME-26JAN25DENMEM-DEN',
  'KXNFLGAME-26JAN25DENMEM-DEN',
  'KXNBAGAME-26FEB30DENMEM-DEN',
  'KXNBAGAME-26JAN25DENMEM',
  'yes',
  'no',
  0.00001,
  0.9999,
  0.99995,
  1.005,
  [[0.5, 1]],
  [[0.5, 0]],
  [[0.5]],
  [[0.5, 1, 2]],
  [[1, 1]],
  [[0.41235, 10]],
  [['0.5', 1]],
  [null],
];

t.test('valid hot-path records pass the fast check and zod alike', async (t) => {
  for (const [type, recs] of Object.entries(VALID)) {
    const fast = FAST_CHECKS[type as RecordType]!;
    for (const r of recs) {
      t.ok(SCHEMAS[type as RecordType].safeParse(r).success, `${type} valid by zod`);
      t.ok(fast(r), `${type} valid by the fast check`);
    }
  }
});

t.test('the fast check never accepts what zod rejects (20,000 mutations per type)', async (t) => {
  const rnd = seededRandom(99);
  for (const [type, recs] of Object.entries(VALID)) {
    const fast = FAST_CHECKS[type as RecordType]!;
    const schema = SCHEMAS[type as RecordType];
    let unsafe = 0;
    let fastAccepted = 0;
    let zodAccepted = 0;
    for (let i = 0; i < 20000; i++) {
      const base = structuredClone(recs[Math.floor(rnd() * recs.length)]!);
      const keys = [...Object.keys(base), 'recv_ts', 'weights', 'line_ts', 'param', 'policy', 'time_assumed'];
      const nMut = 1 + Math.floor(rnd() * 2);
      for (let m = 0; m < nMut; m++) {
        const k = keys[Math.floor(rnd() * keys.length)]!;
        if (k === 'type') continue;
        const v = ODD_VALUES[Math.floor(rnd() * ODD_VALUES.length)];
        if (v === undefined) delete base[k];
        else base[k] = structuredClone(v);
      }
      const f = fast(base);
      const z = schema.safeParse(base).success;
      if (f) fastAccepted++;
      if (z) zodAccepted++;
      if (f && !z) {
        unsafe++;
        if (unsafe < 5) t.fail(`${type}: fast accepts what zod rejects: ${JSON.stringify(base)}`);
      }
    }
    t.equal(unsafe, 0, `${type}: fast accepted ${fastAccepted}, zod ${zodAccepted}`);
    t.ok(fastAccepted > 1000, `${type}: the mutations include many valid records`);
  }
});
