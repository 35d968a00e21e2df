import t from 'tap';
import { ReplayClock } from '../../src/clock/clock.js';
import { Logger, MemorySink } from '../../src/log/logger.js';
import { REDACTED, Redactor } from '../../src/log/redact.js';

function mk(level: 'trace' | 'info' | 'warn' = 'info', throttleMs = 60_000) {
  const clock = new ReplayClock(1_000);
  const sink = new MemorySink();
  const log = new Logger({ cmd: 'feed-x', clock, sink, level, throttleMs });
  return { clock, sink, log };
}

t.test('pino shape: numeric level, time from the clock, cmd, msg, fields; err serialised', async (t) => {
  const { sink, log, clock } = mk();
  clock.advanceTo(5_000);
  log.info('hello', { n: 1 });
  const e = Object.assign(new Error('boom'), { code: 'ECONNRESET' });
  log.error('failed', { err: e });
  const [a, b] = sink.records();
  t.same(a, { level: 30, time: 5_000, cmd: 'feed-x', msg: 'hello', n: 1 });
  t.match(b, { level: 50, msg: 'failed', err: { type: 'Error', message: 'boom', code: 'ECONNRESET', stack: /boom/ } });
});

t.test('levels below the threshold cost nothing and write nothing; critical is 60', async (t) => {
  const { sink, log } = mk('warn');
  log.debug('no');
  log.info('no');
  log.warn('yes');
  log.critical('source down', { source: 'oddsapi' });
  t.same(
    sink.records().map((r) => r.level),
    [40, 60],
  );
  t.equal(sink.records()[1]!.critical, true);
  t.notOk(log.enabled('info'));
  log.setLevel('silent');
  log.fatal('x');
  t.equal(sink.lines.length, 2);
});

t.test('secrets: by key name, by registered value anywhere, and in URL query strings', async (t) => {
  const { sink, log } = mk();
  log.redactor.add('sk-live-123456');
  log.info('connecting to wss://spro.agency/api?key=sk-live-123456&x=1', {
    apiKey: 'whatever',
    headers: { 'KALSHI-ACCESS-SIGNATURE': 'abc==', accept: 'json' },
    nested: [{ token: 't0k3n' }, 'prefix sk-live-123456 suffix'],
    url: 'https://api.the-odds-api.com/v4/sports?apiKey=unregistered99&regions=us',
    err: new Error('auth failed for sk-live-123456'),
  });
  const text = sink.lines.join('');
  t.notMatch(text, /sk-live-123456/);
  t.notMatch(text, /unregistered99/);
  t.notMatch(text, /t0k3n/);
  t.notMatch(text, /abc==/);
  const r = sink.records()[0]!;
  t.equal(r.apiKey, REDACTED);
  t.match(r.url, /apiKey=\[REDACTED\]&regions=us/);
  t.match(r.msg, /key=\[REDACTED\]&x=1/);
  t.match(r.headers, { accept: 'json' });
});

t.test('the redactor never mangles ordinary values and survives cycles', async (t) => {
  const r = new Redactor();
  const o: Record<string, unknown> = { keyboard: 'k', monkey: 1, key_count: 3 };
  o.self = o;
  t.same(r.value(o), { keyboard: 'k', monkey: 1, key_count: 3, self: '[cycle]' });
  r.add('abc'); // too short to register: would mangle ordinary text
  t.equal(r.string('abcdef'), 'abcdef');
});

t.test('throttling: one line, then a summary with the count held back, per key and interval', async (t) => {
  const { sink, log, clock } = mk('info', 10_000);
  for (let i = 0; i < 100; i++) {
    clock.advanceTo(1_000 + i * 100); // 10 s of a repeat every 100 ms
    log.limited('warn', 'reconnect', 'reconnecting', { attempt: i });
  }
  clock.advanceTo(11_000);
  const recs = sink.records();
  t.equal(recs.length, 2);
  t.match(recs[0], { msg: 'reconnecting', attempt: 0 });
  t.match(recs[1], { msg: 'reconnecting', attempt: 99, suppressed: 99, throttle_key: 'reconnect', window_ms: 10_000, time: 11_000 });
  log.limited('warn', 'reconnect', 'reconnecting', { attempt: 100 });
  t.equal(sink.lines.length, 3, 'a new window starts with a full line');
  log.limited('warn', 'other', 'other key');
  t.equal(sink.lines.length, 4, 'keys are independent');
});

t.test('throttling: held-back counts are flushed at exit', async (t) => {
  const { sink, log } = mk();
  for (let i = 0; i < 5; i++) log.limited('warn', 'k', 'm');
  log.flushHeld();
  t.match(sink.records()[1], { suppressed: 4, throttle_key: 'k' });
});

t.test('child loggers carry their bindings and throttle separately', async (t) => {
  const { sink, log } = mk();
  const a = log.child({ component: 'ws' });
  const b = log.child({ component: 'rest' });
  a.limited('warn', 'k', 'x');
  b.limited('warn', 'k', 'x');
  a.limited('warn', 'k', 'x');
  t.same(
    sink.records().map((r) => r.component),
    ['ws', 'rest'],
  );
});

t.test("caller fields named like the line's own (msg, cmd, time, level) are kept as field_<name>, never dropped", async (t) => {
  const { sink, log, clock } = mk();
  clock.advanceTo(7_000);
  // The Kalshi feeder logs the exchange's error text as `msg` and the failed command as `cmd`.
  log.warn('kalshi error', { code: 25, msg: 'Subscription not found', cmd: 'update_subscription', time: 42, level: 'x' });
  const [r] = sink.records();
  t.same(r, {
    level: 40,
    time: 7_000,
    cmd: 'feed-x',
    msg: 'kalshi error',
    code: 25,
    field_msg: 'Subscription not found',
    field_cmd: 'update_subscription',
    field_time: 42,
    field_level: 'x',
  });
});

t.test('a binding or field that collides is renamed, also when the renamed name is taken', async (t) => {
  const { sink, log } = mk();
  const c = log.child({ msg: 'bound', component: 'ws' });
  c.info('hello', { component: 'rest', field_msg: 'explicit', undef: undefined });
  const [r] = sink.records();
  t.equal(r!.msg, 'hello');
  t.equal(r!.field_msg, 'bound');
  t.equal(r!.field_field_msg, 'explicit');
  t.equal(r!.component, 'ws');
  t.equal(r!.field_component, 'rest');
  t.notOk('undef' in r!);
});
