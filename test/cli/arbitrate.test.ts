import t from 'tap';
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { BIN, ROOT, ndjson, ofType, parseLines, run, summary } from '../helpers/run.js';
import { SCHEMAS } from '../../src/schema/records.js';

const T0 = 1769380000000;
const EVENT = 'nba-2026-01-25-den-mem';

function line(book: string, ts: number, home: number, away: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'odds.line',
    ts,
    recv_ts: ts + 3,
    source: 'boltodds',
    book,
    sport: 'nba',
    event: EVENT,
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

function allValid(t: Test, recs: Array<Record<string, unknown>>): void {
  for (const r of recs) {
    const s = SCHEMAS[r.type as keyof typeof SCHEMAS];
    if (!s?.safeParse(r).success) t.fail(`invalid ${String(r.type)}: ${JSON.stringify(r)}`);
  }
}

const brief = (r: Record<string, unknown>): string =>
  r.type === 'oracle.line'
    ? `line ${(r.books as string[]).join('+')} ${String(r.home_odds)} @${(r.ts as number) - T0}`
    : r.type === 'oracle.status'
      ? `${r.event ? '' : 'upstream '}status ${String(r.state)}${r.reason ? ` ${String(r.reason)}` : ''} @${(r.ts as number) - T0}`
      : String(r.type);

t.test('--replay primary-fallback: the story of one game', async (t) => {
  const input = ndjson([
    line('pinnacle', T0, 2.24, 1.6757),
    line('draftkings', T0 + 1000, 2.3, 1.62), // Pinnacle fresh: not used
    line('pinnacle', T0 + 5000, 2.2, 1.7),
    { type: 'kalshi.trade', ts: T0 + 200_000, ticker: 'KXNBAGAME-26JAN25DENMEM-DEN', trade_id: '1', price: 0.4, count: 1, taker_side: 'yes' },
    line('draftkings', T0 + 250_000, 2.25, 1.65),
    line('pinnacle', T0 + 300_000, 2.1, 1.75),
  ]);
  const r = await run('arbitrate', ['--replay', '--fallback-after-ms', '60000'], { input });
  t.equal(r.code, 0, r.stderr);
  allValid(t, r.records);
  // Decisions happen at receipt time (the lines arrive 3 ms after their ts, as they did
  // live); staleness is judged on each line's own ts.
  t.same(r.records.slice(1).map(brief), [
    'line pinnacle 2.24 @3',
    'line pinnacle 2.2 @5003',
    // The silent feed is noticed by the clock at the expiry, before the next record.
    'status unavailable stale @65004', // 60 s after the line was received (5003) + 1
    'kalshi.trade',
    'status available @250003',
    'line draftkings 2.25 @250003',
    'line pinnacle 2.1 @300003',
  ]);
  const first = ofType(r.records, 'oracle.line')[0]!;
  t.same(first, {
    type: 'oracle.line',
    ts: T0 + 3,
    source: 'boltodds',
    sport: 'nba',
    event: EVENT,
    home: 'Memphis Grizzlies',
    away: 'Denver Nuggets',
    commence_ts: T0 + 3_600_000,
    policy: 'primary-fallback:pinnacle>draftkings',
    books: ['pinnacle'],
    line_ts: T0,
    home_odds: 2.24,
    away_odds: 1.6757,
  });
  const start = r.logs.find((l) => l.msg === 'arbitrate policy')!;
  t.same(
    [start.policy, start.books, start.fallback_after_ms, start.clock],
    ['primary-fallback:pinnacle>draftkings', ['pinnacle', 'draftkings'], 60000, 'replay'],
  );
  const s = summary(r.logs)!;
  t.same(s.out_by_type, { 'run.manifest': 1, 'oracle.line': 4, 'oracle.status': 2, 'kalshi.trade': 1 });
  t.equal((s.arbitrate as Record<string, number>).lines, 5);
  // Two replays of one file are byte-identical.
  const again = await run('arbitrate', ['--replay', '--fallback-after-ms', '60000'], { input });
  t.equal(again.stdout, r.stdout);
});

t.test('flags override the config, and the manifest fingerprint reflects what ran', async (t) => {
  const input = ndjson([line('pinnacle', T0, 2.24, 1.6757), line('draftkings', T0 + 10, 2.3, 1.62)]);
  const blend = await run('arbitrate', ['--replay', '--policy', 'weighted-blend', '--weights', 'pinnacle=0.7,draftkings=0.3'], { input });
  t.equal(blend.code, 0, blend.stderr);
  const l = ofType(blend.records, 'oracle.line');
  t.same(
    l.map((x) => [x.books, x.weights]),
    [
      [['pinnacle'], { pinnacle: 1 }],
      [['pinnacle', 'draftkings'], { pinnacle: 0.7, draftkings: 0.3 }],
    ],
  );
  t.ok(Math.abs(1 / (l[1]!.home_odds as number) - (0.7 / 2.24 + 0.3 / 2.3)) < 1e-15, 'blend in implied-probability space');
  t.equal(l[1]!.policy, 'weighted-blend:pinnacle=0.7,draftkings=0.3');
  const only = await run('arbitrate', ['--replay', '--policy', 'pinnacle-only'], { input });
  t.same(
    ofType(only.records, 'oracle.line').map((x) => x.books),
    [['pinnacle']],
  );
  const order = await run('arbitrate', ['--replay', '--books', 'draftkings,pinnacle'], { input });
  t.same(
    ofType(order.records, 'oracle.line').map((x) => x.books),
    [['pinnacle'], ['draftkings']],
    'draftkings first: it replaces pinnacle',
  );
  const fps = new Set([blend, only, order].map((x) => x.records[0]!.config_fingerprint));
  t.equal(fps.size, 3);
});

t.test('usage and config errors exit 2 with a message', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--policy', 'weighted-blend'], /weighted-blend needs a weight for every book/],
    [['--weights', 'pinnacle=0.7'], /--weights applies to --policy weighted-blend only/],
    [['--policy', 'pinnacle-only', '--books', 'draftkings'], /--books does not apply to --policy pinnacle-only/],
    [['--policy', 'best-odds'], /expected one of pinnacle-only, primary-fallback, weighted-blend/],
    [['--policy', 'weighted-blend', '--weights', 'pinnacle=-1'], /must be a positive number/],
    [['--books', 'pinnacle,pinnacle'], /listed twice/],
  ];
  for (const [args, msg] of cases) {
    const r = await run('arbitrate', args, { input: '' });
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, msg);
  }
});

t.test('an upstream oracle.status stops the use of a source until it is available again', async (t) => {
  const input = ndjson([
    line('pinnacle', T0, 2.24, 1.6757),
    { type: 'oracle.status', ts: T0 + 10, source: 'boltodds', state: 'unavailable', reason: 'disconnected', detail: 'ws closed' },
    line('pinnacle', T0 + 20, 2.2, 1.7),
    { type: 'oracle.status', ts: T0 + 30, source: 'boltodds', state: 'available' },
  ]);
  const r = await run('arbitrate', ['--replay'], { input });
  t.equal(r.code, 0);
  allValid(t, r.records);
  t.same(r.records.slice(1).map(brief), [
    'line pinnacle 2.24 @3', // decided at receipt (recv_ts = ts + 3)
    'upstream status unavailable disconnected @10', // passed through
    'status unavailable disconnected @10',
    'upstream status available @30',
    'status available @30',
    'line pinnacle 2.2 @30',
  ]);
  t.ok(r.logs.some((l) => l.msg === 'upstream source unavailable: its lines are not used' && l.source === 'boltodds'));
});

t.test('live clock: a silent feed is noticed by a timer while stdin stays open', async (t) => {
  const child = spawn(process.execPath, [`${BIN}/arbitrate`, '--fallback-after-ms', '1500'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  let err = '';
  const ready = new Promise<void>((resolve) => {
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('arbitrate policy')) resolve();
    });
  });
  await ready; // started (a loaded machine can take a while): now the line is fresh on arrival
  const now = Date.now();
  child.stdin.write(JSON.stringify(line('pinnacle', now, 2.24, 1.6757, { event: EVENT })) + '\n');
  const seen = await new Promise<boolean>((resolve) => {
    const start = Date.now();
    const iv = setInterval(() => {
      if (out.includes('"state":"unavailable"')) {
        clearInterval(iv);
        resolve(true);
      } else if (Date.now() - start > 20_000) {
        clearInterval(iv);
        resolve(false);
      }
    }, 50);
  });
  t.ok(seen, 'unavailable status written without any further input');
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, err);
  const recs = parseLines(out, true);
  const st = ofType(recs, 'oracle.status')[0]!;
  t.equal(st.reason, 'stale');
  t.ok((st.ts as number) >= now + 1501, 'stamped with the clock time of the expiry');
  t.same(ofType(recs, 'oracle.line').length, 1);
});

t.test('live clock on a recorded file: warned to use --replay', async (t) => {
  const r = await run('arbitrate', [], { input: ndjson([line('pinnacle', T0, 2.24, 1.6757)]) });
  t.equal(r.code, 0);
  t.ok(r.logs.some((l) => String(l.msg).includes('use --replay')));
  t.same(
    ofType(r.records, 'oracle.status').map((s) => s.reason),
    ['stale'],
  );
});
