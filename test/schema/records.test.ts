import t from 'tap';
import { RECORD_TYPES, SCHEMAS, anyRecord, fieldsOf, validateRecord } from '../../src/schema/index.js';
import { onGrid } from '../../src/schema/common.js';
import { INVALID, MEANINGLESS, VALID } from '../fixtures/records.js';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

t.test('every record type has a valid example that validates, and the union accepts it', async (t) => {
  t.same(Object.keys(VALID).sort(), [...RECORD_TYPES].sort(), 'one example per type');
  for (const type of RECORD_TYPES) {
    const r = validateRecord(clone(VALID[type]));
    t.ok(r.ok, `${type} valid${r.ok ? '' : `: ${r.detail}`}`);
    t.ok(anyRecord.safeParse(clone(VALID[type])).success, `${type} in the union`);
  }
});

t.test('every listed mutation is rejected, naming the field', async (t) => {
  const types = new Set(INVALID.map(([type]) => type));
  t.equal(types.size, RECORD_TYPES.length, 'an invalid example for every type');
  for (const [type, what, mutate] of INVALID) {
    const rec = clone(VALID[type]);
    mutate(rec);
    const r = validateRecord(rec);
    t.notOk(r.ok, `${type}: ${what} is rejected`);
    if (!r.ok) t.equal(r.reason, 'schema', `${type}: ${what}: reason`);
  }
});

t.test('records that mean nothing are rejected, the diagnostic naming the field (issue 14, section 3)', async (t) => {
  for (const [type, what, mutate, field] of MEANINGLESS) {
    const rec = clone(VALID[type]);
    t.ok(validateRecord(clone(rec)).ok, `${type}: the example is valid before "${what}"`);
    mutate(rec);
    const r = validateRecord(rec);
    t.notOk(r.ok, `${type}: ${what} is rejected`);
    if (!r.ok) {
      t.equal(r.reason, 'schema', `${type}: ${what}: reason`);
      t.ok(r.detail.startsWith(`${field}`), `${type}: ${what}: names ${field}: ${r.detail}`);
    }
  }
});

t.test('meaningful edge cases stay valid', async (t) => {
  const ok = (type: keyof typeof VALID, mutate: (r: Record<string, unknown>) => void, what: string): void => {
    const rec = clone(VALID[type]);
    mutate(rec);
    const r = validateRecord(rec);
    t.ok(r.ok, `${type}: ${what}${r.ok ? '' : `: ${r.detail}`}`);
  };
  ok(
    'odds.line',
    (r) => {
      r.event = 'nba-2028-02-29-den-mem';
    },
    'a leap day',
  );
  ok(
    'odds.line',
    (r) => {
      r.sport = 'nhl';
      r.event = 'nhl-2026-01-25-uta-vgk';
    },
    'an NHL game',
  );
  ok(
    'odds.line',
    (r) => {
      r.home_odds = 10000;
      r.away_odds = 1.0001;
    },
    'odds at the bound',
  );
  ok(
    'oracle.prob',
    (r) => {
      r.p_home = 0.43861234;
      r.p_away = 0.5613877;
    },
    'a sum 1e-7 from 1 (rounded by a producer)',
  );
  ok(
    'result',
    (r) => {
      delete r.home_score;
      delete r.away_score;
    },
    'no score at all',
  );
  ok(
    'result',
    (r) => {
      r.winner = 'away';
      r.home_score = 3;
      r.away_score = 4;
    },
    'an away win',
  );
  ok(
    'kalshi.book',
    (r) => {
      r.ticker = 'KXNBAGAME-26JAN25DENXYZ-DEN';
    },
    'an unmapped ticker of our series (feed-kalshi reports it, the book is real)',
  );
  ok(
    'kalshi.book',
    (r) => {
      r.ticker = 'KXNHLGAME-26JAN251930TORNYR-NYR';
    },
    'a ticker with a start time',
  );
  ok(
    'skip',
    (r) => {
      r.ticker = 'KXNBAGAME-26JAN25DENXYZ-DEN';
      r.reason = 'unmapped';
      r.event = 'nba-2026-01-25-den-mem';
    },
    'an unmapped ticker with an event',
  );
  ok(
    'kalshi.market',
    (r) => {
      delete r.event;
      delete r.team;
    },
    'a market not (yet) mapped',
  );
  ok(
    'market.link',
    (r) => {
      r.side = 'home';
      r.ticker = 'KXNBAGAME-26JAN25DENMEM-MEM';
    },
    'the home side',
  );
});

t.test('shape errors before the schema', async (t) => {
  t.match(validateRecord([1, 2]), { ok: false, reason: 'not-object' });
  t.match(validateRecord('x'), { ok: false, reason: 'not-object' });
  t.match(validateRecord({ ts: 1 }), { ok: false, reason: 'no-type' });
  t.match(validateRecord({ type: 'odds.lines', ts: 1 }), { ok: false, reason: 'unknown-type' });
});

t.test('fields a command added travel through validation unchanged', async (t) => {
  const r = validateRecord({ ...clone(VALID['odds.line']), extra: { a: 1 } });
  t.ok(r.ok);
  if (r.ok) t.same((r.record as Record<string, unknown>).extra, { a: 1 });
});

t.test('ledger columns follow the schema field order, refined schemas included', async (t) => {
  t.same(fieldsOf('skip'), ['type', 'ts', 'recv_ts', 'ticker', 'event', 'reason', 'detail']);
  t.equal(fieldsOf('odds.line')[0], 'type');
  for (const type of RECORD_TYPES) t.ok(fieldsOf(type).includes('ts'), `${type} has ts`);
  t.ok(SCHEMAS['fill']);
});

t.test('the decimal grid check is exact for money, prices and counts', async (t) => {
  for (const x of [0.41, 0.4125, 0.0001, 0.9999, 0.1 + 0.2 - 0.3 + 0.3, 1234.5678]) t.ok(onGrid(x, 4), `${x} has <= 4 dp`);
  for (const x of [0.41255, 0.00001, 0.123456]) t.notOk(onGrid(x, 4), `${x} has > 4 dp`);
  t.ok(onGrid(75.5, 2));
  t.ok(onGrid(0.07 * 3, 2), '0.21000000000000002 is 0.21');
  t.notOk(onGrid(1.005 + 0.0001, 2));
});
