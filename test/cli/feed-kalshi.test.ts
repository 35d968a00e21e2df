// feed-kalshi, the built command, against the simulator over loopback: books equal the
// simulator's true books in both use_yes_price conventions, REST discovery and lifecycle,
// private channels, secrets and usage errors. Faults: feed-kalshi-faults.test.ts.
import { KALSHI_FEES, orderFee } from '../../src/core/fees.js';
import t, { type Test } from 'tap';
import { chmodSync, copyFileSync } from 'node:fs';
import { SystemClock } from '../../src/clock/clock.js';
import { seededRandom } from '../../src/core/prng.js';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { KalshiRest } from '../../src/feeds/kalshi-rest.js';
import { SCHEMAS, isRecordType } from '../../src/schema/records.js';
import { LIQUIDITY, TAKER } from '../../src/sim/kalshi/engine.js';
import { readFileSync } from 'node:fs';
import { BookChecker, TruthRecorder } from '../soak/kalshi-soak.js';
import { DEMO, Proc, fastConfig, feedEnv, lastBooks, makeKeys, startSim, truth, type Rec } from '../helpers/kalshi.js';
import { run, summary } from '../helpers/run.js';

const keys = makeKeys();
t.teardown(() => keys.cleanup());

const live = (r: Rec): boolean => r.type === 'kalshi.status' && r.state === 'live';

function validateAll(t: Test, records: Rec[]): void {
  let bad = 0;
  for (const r of records) {
    const type = r.type as string;
    if (!isRecordType(type)) continue;
    const res = SCHEMAS[type].safeParse(r);
    if (!res.success) {
      bad++;
      if (bad < 4) t.fail(`${type} fails its schema: ${JSON.stringify(res.error.issues).slice(0, 300)}`);
    }
  }
  t.equal(bad, 0, `all ${records.length} records valid against their schemas`);
}

t.test('books from snapshot + deltas equal the true books, in both use_yes_price conventions', async (t) => {
  const unmapped = 'KXNBAGAME-26JAN25DENXYZ-DEN';
  const sim = await startSim({ keys, markets: [...DEMO, unmapped], rate: 400, seed: 3 });
  t.teardown(() => sim.stop());
  const rec = new TruthRecorder(sim.engine, 4);
  sim.sim.observe((o) => rec.add(o));
  const cfg = fastConfig(keys.dir);
  const args = ['--url', sim.urls.wsUrl, '--tickers', [...DEMO, unmapped].join(','), '--no-rest', '--depth', '4', '--status-every', '300', '--config', cfg];
  // The second feeder connects once the first is live, so its session is the simulator's 2nd.
  const checkers = [new BookChecker(rec), new BookChecker(rec, 1)];
  const metricsFile = `${keys.dir}/metrics.ndjson`;
  const yes = new Proc('feed-kalshi', [...args, '--metrics', metricsFile, '--metrics-every', '200'], feedEnv(keys), {
    onRecord: (r) => checkers[0]!.onRecord(r),
  });
  await yes.waitFor(live, 10_000, 'live (yes)');
  const no = new Proc('feed-kalshi', [...args, '--no-use-yes-price'], feedEnv(keys), { onRecord: (r) => checkers[1]!.onRecord(r) });
  await no.waitFor(live, 10_000, 'live (no)');
  // Books move for a while (a few hundred of them on each feeder), then the market is
  // still; each feeder's last book per market must come to equal the true one.
  for (const p of [yes, no]) {
    const from = p.records.length;
    await p.waitFor(() => p.records.length - from >= 300, 15_000, '300 more records', from);
  }
  sim.walk.stop();
  const settled = (p: Proc) => (): boolean => {
    const books = lastBooks(p.records);
    return [...DEMO, unmapped].every(
      (tk) => JSON.stringify({ bids: books.get(tk)?.bids, asks: books.get(tk)?.asks }) === JSON.stringify(truth(sim.engine, tk, 4)),
    );
  };
  for (const p of [yes, no])
    await p.waitFor(settled(p), 10_000, 'every last book equal to the true one', Math.max(0, p.records.length - 1)).catch(() => undefined);
  for (const [name, p] of [
    ['use_yes_price=true', yes],
    ['use_yes_price=false', no],
  ] as const) {
    const books = lastBooks(p.records);
    for (const tk of [...DEMO, unmapped]) {
      const b = books.get(tk);
      t.ok(b, `${name}: a book for ${tk}`);
      t.same({ bids: b?.bids, asks: b?.asks }, truth(sim.engine, tk, 4), `${name}: ${tk} equals the true book`);
    }
  }
  const subscribed = yes.logs.find((l) => l.msg === 'subscribed' && l.channel === 'orderbook_delta');
  t.equal(subscribed?.use_yes_price, true, 'the convention is recorded in the log');
  const st = yes.ofType('kalshi.status').at(-1)!;
  t.equal(st.use_yes_price, true, 'and in kalshi.status');
  t.equal(no.ofType('kalshi.status').at(-1)!.use_yes_price, false);
  const links = yes.ofType('market.link');
  t.same(links.map((l) => [l.ticker, l.event, l.side]).sort(), [
    ['KXNBAGAME-26JAN25DENMEM-DEN', 'nba-2026-01-25-den-mem', 'away'],
    ['KXNBAGAME-26JAN25DENMEM-MEM', 'nba-2026-01-25-den-mem', 'home'],
    ['KXNBAGAME-26JAN25LALBOS-BOS', 'nba-2026-01-25-lal-bos', 'home'],
    ['KXNBAGAME-26JAN25LALBOS-LAL', 'nba-2026-01-25-lal-bos', 'away'],
    ['KXNHLGAME-26JAN25TORNYR-NYR', 'nhl-2026-01-25-tor-nyr', 'home'],
    ['KXNHLGAME-26JAN25TORNYR-TOR', 'nhl-2026-01-25-tor-nyr', 'away'],
  ]);
  const skip = yes.ofType('skip');
  t.same(
    skip.map((s) => [s.ticker, s.reason]),
    [[unmapped, 'unmapped']],
    'the unmappable ticker is reported, not linked',
  );
  t.match(String(skip[0]?.detail), /unknown-team/);
  t.equal(yes.ofType('kalshi.market').length, 0, '--no-rest: no metadata records');
  t.ok(yes.ofType('kalshi.trade').length > 0, 'trades');
  for (const c of checkers) {
    t.ok(c.compared > 100, `every book checked against the truth at its seq (${c.compared})`);
    t.same([c.mismatches, c.whileInvalid, c.unmatched], [[], [], []]);
  }
  const stopped = await Promise.all([yes.stop(), no.stop()]);
  t.same(
    stopped.map((s) => s.code),
    [0, 0],
    'SIGTERM: exit 0',
  );
  const last = yes.records.at(-1)!;
  t.match(last, { type: 'kalshi.status', state: 'down', cause: 'shutdown' }, 'a last status on the way out');
  const sum = summary(yes.logs);
  t.ok(sum && (sum.books as number) > 0 && sum.disconnects === 0 && sum.gaps === 0, 'summary counts');
  validateAll(t, yes.records);
  const metrics = readFileSync(metricsFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);
  const names = new Set(metrics.map((m) => m.name));
  for (const n of ['messages_total', 'feed_message_rate', 'feed_freshness_ms', 'feed_state', 'kalshi_books_invalid']) t.ok(names.has(n), `metric ${n}`);
  t.ok(
    metrics.some((m) => m.name === 'messages_total' && (m.labels as Rec).kind === 'orderbook_delta' && (m.value as number) > 0),
    'message counts by kind',
  );
  validateAll(t, no.records);
  t.notOk(
    yes.logs.some((l) => JSON.stringify(l).includes(keys.keyId)),
    'the key id never reaches a log line',
  );
});

t.test('REST discovery, lifecycle, pauses and 429s', async (t) => {
  const sim = await startSim({ keys, markets: DEMO, rate: 300, seed: 5 });
  t.teardown(() => sim.stop());
  sim.sim.inject({ kind: 'rate-limit', n: 2 });
  const cfg = fastConfig(keys.dir);
  const p = new Proc(
    'feed-kalshi',
    ['--url', sim.urls.wsUrl, '--rest-url', sim.urls.restUrl, '--series', 'KXNBAGAME,KXNHLGAME', '--refresh-every', '1000', '--depth', '3', '--config', cfg],
    feedEnv(keys),
  );
  t.teardown(() => p.stop());
  await p.waitFor(live, 10_000, 'live');
  t.ok(
    p.logs.some((l) => l.msg === 'REST request retried' && l.status === 429),
    'a 429 is retried, not fatal',
  );
  const markets = p.ofType('kalshi.market');
  t.equal(new Set(markets.map((m) => m.ticker)).size, 6, 'a kalshi.market per open market');
  t.match(
    markets.find((m) => m.ticker === 'KXNHLGAME-26JAN25TORNYR-NYR'),
    {
      event_ticker: 'KXNHLGAME-26JAN25TORNYR',
      series: 'KXNHLGAME',
      sport: 'nhl',
      event: 'nhl-2026-01-25-tor-nyr',
      team: 'nyr',
      status: 'active',
      price_ranges: [{ start: 0, end: 1, step: 0.01 }],
      fee_type: 'quadratic_with_maker_fees',
    },
  );
  t.equal(p.ofType('market.link').length, 6);

  // A market opens: found at the next refresh, added to the live subscription.
  sim.walk.stop();
  const fresh = 'KXNBAGAME-26JAN26MIAORL-MIA';
  sim.engine.addMarket({ ticker: fresh });
  sim.engine.place(LIQUIDITY, { ticker: fresh, side: 'bid', price: 4000, count: 1000, tif: 'good_till_canceled', stp: 'maker' });
  sim.engine.place(LIQUIDITY, { ticker: fresh, side: 'ask', price: 4300, count: 700, tif: 'good_till_canceled', stp: 'maker' });
  await p.waitForLog((l) => l.msg === 'markets added' && (l.tickers as string[]).includes(fresh), 5000, 'add_markets');
  const fb = await p.waitFor((r) => r.type === 'kalshi.book' && r.ticker === fresh, 5000, 'a book for the new market');
  t.same({ bids: fb.bids, asks: fb.asks }, { bids: [[0.4, 10]], asks: [[0.43, 7]] });
  t.ok(p.ofType('market.link').some((l) => l.ticker === fresh && l.event === 'nba-2026-01-26-mia-orl'));
  // Its trades arrive too: the trade subscription was replaced (error 6 on a second trade
  // sid here, so unsubscribe-then-subscribe).
  await p.waitForLog((l) => l.msg === 'subscribed' && l.channel === 'trade' && l.tickers === 7, 5000, 'trade resubscribed with 7 markets');
  t.ok(
    p.logs.some((l) => l.msg === 'kalshi error' && l.code === 6),
    'the simulator refused a second trade sid (error 6)...',
  );
  sim.engine.place(TAKER, { ticker: fresh, side: 'bid', price: 4300, count: 200, tif: 'immediate_or_cancel', stp: 'taker_at_cross' });
  const tr = await p.waitFor((r) => r.type === 'kalshi.trade' && r.ticker === fresh, 5000, 'a trade on the new market');
  t.match(tr, { price: 0.43, count: 2, taker_side: 'yes' }, '...and the fallback works');

  // A pause is state, not an error.
  const tor = 'KXNHLGAME-26JAN25TORNYR-TOR';
  sim.engine.setStatus(tor, 'inactive');
  await p.waitFor((r) => r.type === 'kalshi.market' && r.ticker === tor && r.status === 'inactive', 5000, 'paused market');
  const ps = await p.waitFor(
    (r) => r.type === 'kalshi.status' && (r.tickers as Record<string, Rec>)[tor]?.market_status === 'inactive',
    5000,
    'status shows the pause',
  );
  t.equal(ps.state, 'live', 'still live while a market is paused');
  sim.engine.setStatus(tor, 'active');
  await p.waitFor((r) => r.type === 'kalshi.market' && r.ticker === tor && r.status === 'active', 5000, 'reactivated');

  // The game ends: a result, and the market leaves the subscription.
  const den = 'KXNBAGAME-26JAN25DENMEM-DEN';
  sim.engine.determine(den, 'yes');
  const res = await p.waitFor((r) => r.type === 'kalshi.result', 5000, 'kalshi.result');
  t.match(res, { ticker: den, result: 'yes', settlement_value: 1 });
  await p.waitForLog((l) => l.msg === 'markets removed' && (l.tickers as string[]).includes(den), 5000, 'delete_markets');
  await p.waitFor((r) => live(r) && !(den in (r.tickers as Rec)), 5000, 'live, without the finished market');
  const stop = await p.stop();
  t.equal(stop.code, 0);
  validateAll(t, p.records);
});

t.test('--private: our own fills and order updates, from orders placed over REST', async (t) => {
  const den = 'KXNBAGAME-26JAN25DENMEM-DEN';
  const sim = await startSim({ keys, markets: [den], rate: 0 });
  t.teardown(() => sim.stop());
  const cfg = fastConfig(keys.dir);
  const p = new Proc('feed-kalshi', ['--url', sim.urls.wsUrl, '--tickers', den, '--no-rest', '--private', '--config', cfg], feedEnv(keys));
  t.teardown(() => p.stop());
  await p.waitFor(live, 10_000, 'live');
  const rest = new KalshiRest({
    baseUrl: sim.urls.restUrl,
    signer: makeSigner(keys.keyId, readFileSync(keys.privPath, 'utf8')),
    clock: new SystemClock(),
    random: seededRandom(1),
    timeoutMs: 5000,
  });
  const ask = sim.engine.market(den).asks.lowest!;
  const r = (await rest.request(
    'POST',
    '/portfolio/events/orders',
    {},
    {
      ticker: den,
      side: 'bid',
      count: '3.00',
      price: (ask / 10000).toFixed(4),
      time_in_force: 'immediate_or_cancel',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'q-1',
    },
  )) as Rec;
  t.equal(r.fill_count, '3.00', 'filled at once');
  const fill = await p.waitFor((x) => x.type === 'kalshi.fill', 5000, 'kalshi.fill');
  t.match(fill, {
    order_id: r.order_id,
    client_order_id: 'q-1',
    ticker: den,
    price: ask / 10000,
    count: 3,
    is_taker: true,
    outcome_side: 'yes',
    book_side: 'bid',
    post_position: 3,
  });
  const p35 = ask / 10000;
  // Reference §4, per order, to the cent: 0.07 x 3 x p x (1 - p) = 21 a (10000 - a) / 1e10 dollars.
  const num = 21 * ask * (10000 - ask);
  const cents = Math.floor((num + 1e8 - 1) / 1e8);
  t.equal(Math.round((fill.fee as number) * 100), cents, 'taker fee rounded up to the cent');
  const expected = orderFee(KALSHI_FEES, { price: p35, count: 3, liquidity: 'taker' });
  t.ok(expected.ok && expected.dollars === fill.fee, 'the fee src/core/fees.ts computes');
  const rest2 = (await rest.request(
    'POST',
    '/portfolio/events/orders',
    {},
    {
      ticker: den,
      side: 'bid',
      count: '5.00',
      price: '0.0500',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'maker',
      client_order_id: 'q-2',
    },
  )) as Rec;
  await p.waitFor((x) => x.type === 'kalshi.user_order' && x.order_id === rest2.order_id && x.status === 'resting', 5000, 'resting update');
  await rest.request('DELETE', `/portfolio/events/orders/${String(rest2.order_id)}`, {}, undefined);
  const canceled = await p.waitFor((x) => x.type === 'kalshi.user_order' && x.order_id === rest2.order_id && x.status === 'canceled', 5000, 'canceled update');
  t.match(canceled, { client_order_id: 'q-2', price: 0.05, fill_count: 0, remaining_count: 0, initial_count: 5, outcome_side: 'yes', book_side: 'bid' });
  t.equal((await p.stop()).code, 0);
  validateAll(t, p.records);
});

t.test('secrets and usage: refused with exit 2 and a message naming the problem', async (t) => {
  const loose = `${keys.dir}/loose.pem`;
  copyFileSync(keys.privPath, loose);
  chmodSync(loose, 0o644);
  const base = ['--tickers', DEMO[0]!, '--no-rest', '--url', 'ws://127.0.0.1:9/trade-api/ws/v2'];
  const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
    ['a key file readable by others', base, { KALSHI_API_KEY_ID: 'k', KALSHI_PRIVATE_KEY_PATH: loose }, /readable by group or others/],
    ['no key id', base, { KALSHI_API_KEY_ID: '', KALSHI_PRIVATE_KEY_PATH: keys.privPath }, /KALSHI_API_KEY_ID is not set/],
    ['no key path', base, { KALSHI_API_KEY_ID: 'k', KALSHI_PRIVATE_KEY_PATH: '' }, /KALSHI_PRIVATE_KEY_PATH is not set/],
    ['not a key', base, { KALSHI_API_KEY_ID: 'k', KALSHI_PRIVATE_KEY_PATH: keys.pubPath.replace('pub', 'nope') }, /cannot read/],
    ['--no-rest without --tickers', ['--no-rest'], feedEnv(keys), /--no-rest needs --tickers/],
    ['no markets', [], feedEnv(keys), /--tickers and\/or --series/],
    ['--series with --no-rest', ['--series', 'KXNBAGAME', '--no-rest', '--tickers', DEMO[0]!], feedEnv(keys), /--series needs REST/],
    ['a bad depth', [...base, '--depth', '0'], feedEnv(keys), /depth/],
  ];
  const results = await Promise.all(cases.map(([, args, env]) => run('feed-kalshi', args, { env })));
  cases.forEach(([name, , , re], i) => {
    t.equal(results[i]!.code, 2, `${name}: exit 2`);
    t.match(results[i]!.stderr, re, `${name}: says why`);
  });
});

t.test('an exchange that is not there yet: refused connections are retried until it comes up', async (t) => {
  const probe = await startSim({ keys, markets: [DEMO[0]!] });
  const port = probe.urls.port;
  await probe.stop();
  const cfg = fastConfig(keys.dir);
  const p = new Proc('feed-kalshi', ['--url', `ws://127.0.0.1:${port}/trade-api/ws/v2`, '--tickers', DEMO[0]!, '--no-rest', '--config', cfg], feedEnv(keys));
  t.teardown(() => p.stop());
  await p.waitForLog((l) => l.msg === 'connect failed', 5000, 'a failed connect');
  const down = await p.waitFor((r) => r.type === 'kalshi.status' && r.state === 'down', 5000, 'state down');
  t.equal(down.cause, 'error');
  const sim = await startSim({ keys, markets: [DEMO[0]!], port, rate: 50 });
  t.teardown(() => sim.stop());
  const l = await p.waitFor(live, 10_000, 'live once the exchange is up');
  t.equal(l.connects, 1);
  t.equal(l.reconnects, 0, 'a connection that never opened is not a reconnect');
  t.equal((await p.stop()).code, 0);
});

t.test('--demo picks the demo hosts; --url and --rest-url win over it; the resolved config says so', async (t) => {
  const { spec } = await import('../../src/cli/feed-kalshi.js');
  t.same(spec.overrides!({ demo: true } as never), {
    kalshi: { ws_url: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2', rest_url: 'https://external-api.demo.kalshi.co/trade-api/v2' },
  });
  t.same(spec.overrides!({} as never), {}, 'no flags: the config (production hosts by default)');
  // A run (never reaching a real exchange: the WebSocket is a closed local port, --no-rest).
  const dir = `${keys.dir}/run-demo`;
  const p = new Proc(
    'feed-kalshi',
    ['--tickers', DEMO[0]!, '--no-rest', '--run-dir', dir, '--demo', '--url', 'ws://127.0.0.1:9/trade-api/ws/v2'],
    feedEnv(keys),
  );
  await p.waitFor((r) => r.type === 'kalshi.status', 10_000, 'a first status');
  await p.stop();
  const cfg = JSON.parse(readFileSync(`${dir}/feed-kalshi.config.json`, 'utf8')) as { kalshi: { ws_url: string; rest_url: string } };
  t.same([cfg.kalshi.ws_url, cfg.kalshi.rest_url], ['ws://127.0.0.1:9/trade-api/ws/v2', 'https://external-api.demo.kalshi.co/trade-api/v2']);
});

t.test('a market the exchange does not know (error 16) is dropped, the others go on; --tickers with REST gets metadata', async (t) => {
  const [den, mem] = [DEMO[0]!, DEMO[1]!];
  const ghost = 'KXNBAGAME-26JAN25MIAORL-MIA';
  const sim = await startSim({ keys, markets: [den, mem], rate: 100 });
  t.teardown(() => sim.stop());
  const cfg = fastConfig(keys.dir);
  const ws = new Proc('feed-kalshi', ['--url', sim.urls.wsUrl, '--tickers', `${den},${ghost}`, '--no-rest', '--config', cfg], feedEnv(keys));
  t.teardown(() => ws.stop());
  await ws.waitForLog((l) => l.msg === 'market not found by the exchange: dropped' && l.ticker === ghost, 10_000, 'the unknown market dropped');
  const st = await ws.waitFor((r) => live(r) && Object.keys(r.tickers as Rec).length === 1, 10_000, 'live with the known market');
  t.ok(den in (st.tickers as Rec));
  t.ok(ws.ofType('kalshi.book').some((b) => b.ticker === den));
  t.equal((await ws.stop()).code, 0);

  const rest = new Proc('feed-kalshi', ['--url', sim.urls.wsUrl, '--rest-url', sim.urls.restUrl, '--tickers', mem, '--config', cfg], feedEnv(keys));
  t.teardown(() => rest.stop());
  await rest.waitFor(live, 10_000, 'live');
  const m = await rest.waitFor((r) => r.type === 'kalshi.market', 10_000, 'metadata for the named market');
  t.match(m, { ticker: mem, status: 'active', event: 'nba-2026-01-25-den-mem', team: 'mem' });
  t.same(
    rest.ofType('kalshi.market').map((r) => r.ticker),
    [mem],
    'and no other market (no --series)',
  );
  t.equal((await rest.stop()).code, 0);
});
