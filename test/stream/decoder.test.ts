import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { Decoder, StrictModeError } from '../../src/stream/decoder.js';
import { VALID } from '../fixtures/records.js';

function setup(consume: 'all' | Set<string>, extra: { strict?: boolean; burst?: number } = {}) {
  const sink = new MemorySink();
  const log = new Logger({ cmd: 'test', clock: new ReplayClock(1000), sink });
  const rejected: string[] = [];
  const d = new Decoder({
    log,
    consume,
    strict: extra.strict,
    rejectSink: { reject: (raw) => rejected.push(raw) },
    ...(extra.burst !== undefined ? { diagnosticsBurst: extra.burst } : {}),
  });
  return { d, sink, rejected };
}

const line = JSON.stringify(VALID['odds.line']);

t.test('a valid consumed record comes back typed, with its raw line and ts', async (t) => {
  const { d } = setup(new Set(['odds.line']));
  const r = d.decode(line, 'f', 1);
  t.equal(r?.kind, 'record');
  t.equal(r?.raw, line);
  t.equal(r?.ts, VALID['odds.line'].ts);
  t.equal(r?.time, VALID['odds.line'].recv_ts, 'replay time: recv_ts');
  t.same(Object.fromEntries(d.counts.byType), { 'odds.line': 1 });
});

t.test('types not consumed pass as "other" with only the JSON/type check, unknown types included', async (t) => {
  const { d } = setup(new Set(['odds.line']));
  const bad = JSON.stringify({ ...VALID['kalshi.book'], seq: -5 });
  t.equal(d.decode(bad, 'f', 1)?.kind, 'other', 'not validated: not consumed');
  const unknown = d.decode('{"type":"future.thing","ts":5}', 'f', 2);
  t.same(unknown, { kind: 'other', type: 'future.thing', raw: '{"type":"future.thing","ts":5}', ts: 5, time: 5 });
  t.equal(d.decode('{"type":"x","ts":5,"recv_ts":9}', 'f', 3)?.time, 9, 'replay time is the receipt time when there is one');
  t.equal(d.rejectedTotal, 0);
});

t.test('each kind of bad line: a diagnostic with source:line, reason, excerpt; counted; kept verbatim', async (t) => {
  const { d, sink, rejected } = setup('all');
  const bad = [
    ['{"type":', 'not-json'],
    ['[1,2]', 'not-object'],
    ['{"ts":1}', 'no-type'],
    ['{"type":"nope","ts":1}', 'unknown-type'],
    [JSON.stringify({ ...VALID['odds.line'], home_odds: 0.9 }), 'schema'],
  ] as const;
  bad.forEach(([raw], i) => t.equal(d.decode(raw, 'in.ndjson', i + 1), undefined));
  t.same(Object.fromEntries(d.counts.rejected), { 'not-json': 1, 'not-object': 1, 'no-type': 1, 'unknown-type': 1, schema: 1 });
  t.same(
    rejected,
    bad.map(([raw]) => raw),
  );
  const logs = sink.records();
  t.equal(logs.length, 5);
  t.match(logs[4], { level: 40, msg: 'bad input line', src: 'in.ndjson:5', reason: 'schema', detail: /home_odds/ });
  t.match(String(logs[4]!.excerpt), /^\{"type":"odds.line"/);
  t.ok(String(logs[4]!.excerpt).length <= 81, 'excerpt is short');
});

t.test('a duplicate key is a bad line (duplicate-key) naming the key, consumed or passed through', async (t) => {
  const { d, sink, rejected } = setup(new Set(['odds.line']));
  const dupOdds = line.replace('"home_odds":2.24', '"home_odds":9,"home_odds":2.24');
  t.not(dupOdds, line);
  t.equal((JSON.parse(dupOdds) as { home_odds: number }).home_odds, 2.24, 'JSON.parse alone keeps the last, silently');
  t.equal(d.decode(dupOdds, 'in.ndjson', 1), undefined, 'a consumed type');
  const other = '{"type":"future.thing","ts":5,"x":{"a":1,"a":2}}';
  t.equal(d.decode(other, 'in.ndjson', 2), undefined, 'a passed-through type too');
  const spaced = '{"type" : "odds.line", "type":"metric"}';
  t.equal(d.decode(spaced, 'in.ndjson', 3), undefined, 'whitespace around the colon');
  t.equal(d.counts.rejected.get('duplicate-key'), 3);
  t.same(rejected, [dupOdds, other, spaced]);
  const logs = sink.records();
  t.match(logs[0], { msg: 'bad input line', src: 'in.ndjson:1', reason: 'duplicate-key', detail: /duplicate key "home_odds"/ });
  t.match(logs[1], { src: 'in.ndjson:2', detail: /duplicate key "a" in x/ });
  t.equal(d.decode(line, 'in.ndjson', 4)?.kind, 'record', 'the same record without the duplicate is fine');
  t.equal(d.decode('{"type":"x","s":"\\"a\\":1,\\"a\\":2"}', 'in.ndjson', 5)?.kind, 'other', 'keys inside a string are not keys');
});

t.test('records that mean nothing are schema errors naming the field', async (t) => {
  const { d, sink } = setup('all');
  const nhlEvent = JSON.stringify({ ...VALID['odds.line'], event: 'nhl-2026-01-25-tor-nyr' });
  const feb30 = JSON.stringify({ ...VALID['odds.line'], event: 'nba-2026-02-30-den-mem' });
  const nfl = JSON.stringify({ ...VALID['fill'], ticker: 'KXNFLGAME-26JAN25DENKC-KC' });
  for (const [i, raw] of [nhlEvent, feb30, nfl].entries()) t.equal(d.decode(raw, 'f', i + 1), undefined);
  const details = sink.records().map((l) => String(l.detail));
  t.match(details[0], /^odds\.line: sport: sport "nba" contradicts the event id nhl-2026-01-25-tor-nyr/);
  t.match(details[1], /^odds\.line: event: no date 2026-02-30/);
  t.match(details[2], /^fill: ticker: .*KXNFLGAME is not a game-winner series we trade/);
  t.equal(d.counts.rejected.get('schema'), 3);
});

t.test('blank lines are counted, not reported', async (t) => {
  const { d, sink } = setup('all');
  t.equal(d.decode('', 'f', 1), undefined);
  t.equal(d.decode('  \t', 'f', 2), undefined);
  t.equal(d.counts.blank, 2);
  t.equal(d.counts.in, 0);
  t.equal(sink.lines.length, 0);
});

t.test('--strict: the first bad line throws with its location', async (t) => {
  const { d } = setup('all', { strict: true });
  let caught: unknown;
  try {
    d.decode('oops', 'stdin', 7);
  } catch (e) {
    caught = e;
  }
  t.ok(caught instanceof StrictModeError);
  t.match(caught, { where: 'stdin:7', reason: 'not-json' });
});

t.test('a flood of one reason is throttled in the log after the first N, never in the counts', async (t) => {
  const { d, sink } = setup('all', { burst: 3 });
  for (let i = 1; i <= 50; i++) d.decode('x', 'f', i);
  t.equal(d.counts.rejected.get('not-json'), 50);
  t.equal(sink.lines.length, 4, '3 full diagnostics, then one throttled line for the rest');
  t.match(sink.records()[3], { src: 'f:4' });
});
