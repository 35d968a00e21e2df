import t from 'tap';
import { KalshiBook } from '../../src/core/kalshi-book.js';
import { LINEAR_CENT, formatCount, formatPrice } from '../../src/core/kalshi-fixed.js';
import { seededRandom } from '../../src/core/prng.js';

const yesNoBook = (useYesPrice: boolean, depth = 10): KalshiBook => new KalshiBook('T', { useYesPrice, depth, grid: LINEAR_CENT });

t.test('snapshot in NO prices (use_yes_price=false): YES ask = 1 - NO bid, best first', async (t) => {
  const b = yesNoBook(false);
  const r = b.snapshot(
    [
      ['0.4000', '300.00'],
      ['0.4100', '120.00'],
    ],
    [
      ['0.5500', '10.00'],
      ['0.5600', '75.50'],
    ],
  );
  t.same(r, { ok: true, visible: true });
  t.ok(b.valid);
  t.same(b.topNumbers(), {
    bids: [
      [0.41, 120],
      [0.4, 300],
    ],
    asks: [
      [0.44, 75.5],
      [0.45, 10],
    ],
  });
});

t.test('snapshot in YES prices (use_yes_price=true): NO levels are already asks', async (t) => {
  const b = yesNoBook(true);
  b.snapshot(
    [
      ['0.4000', '300.00'],
      ['0.4100', '120.00'],
    ],
    [
      ['0.4400', '75.50'],
      ['0.4500', '10.00'],
    ],
  );
  t.same(b.topNumbers(), {
    bids: [
      [0.41, 120],
      [0.4, 300],
    ],
    asks: [
      [0.44, 75.5],
      [0.45, 10],
    ],
  });
});

t.test('both conventions give the same book from the same orders', async (t) => {
  const a = yesNoBook(false);
  const y = yesNoBook(true);
  a.snapshot([['0.3000', '1.00']], [['0.6500', '2.00']]);
  y.snapshot([['0.3000', '1.00']], [['0.3500', '2.00']]);
  a.delta('no', '0.6600', '5.00');
  y.delta('no', '0.3400', '5.00');
  a.delta('yes', '0.3000', '-1.00');
  y.delta('yes', '0.3000', '-1.00');
  t.same(a.top(), y.top());
  t.same(a.topNumbers(), {
    bids: [],
    asks: [
      [0.34, 5],
      [0.35, 2],
    ],
  });
});

t.test('absent sides are empty; signed deltas add, reduce and remove levels exactly', async (t) => {
  const b = yesNoBook(true);
  t.same(b.snapshot(undefined, undefined), { ok: true, visible: true });
  t.same(b.topNumbers(), { bids: [], asks: [] });
  b.delta('yes', '0.4200', '0.10');
  b.delta('yes', '0.4200', '0.20');
  t.same(b.topNumbers().bids, [[0.42, 0.3]], '0.1 + 0.2 is exactly 0.3 (no float drift)');
  b.delta('yes', '0.4200', '-0.30');
  t.same(b.topNumbers().bids, [], 'a level at zero is removed, no phantom level');
  t.equal(b.levelCount, 0);
});

t.test('untrusted input invalidates the book, which then refuses deltas until a snapshot', async (t) => {
  const cases: Array<[string, unknown, unknown, unknown, string]> = [
    ['negative size', 'yes', '0.4000', '-301.00', 'negative-size'],
    ['removing an absent level', 'yes', '0.3900', '-1.00', 'missing-level'],
    ['off the cent grid', 'yes', '0.4050', '1.00', 'off-grid'],
    ['outside (0, 1)', 'no', '1.0000', '1.00', 'off-grid'],
    ['malformed price', 'yes', '0.40001', '1.00', 'bad-price'],
    ['number for delta_fp', 'yes', '0.4000', 12, 'bad-size'],
    ['bad side', 'maybe', '0.4000', '1.00', 'bad-side'],
  ];
  for (const [name, side, price, delta, fault] of cases) {
    const b = yesNoBook(true);
    b.snapshot([['0.4000', '300.00']], undefined);
    const r = b.delta(side, price, delta);
    t.same(r.ok ? r : { ok: r.ok, fault: r.fault }, { ok: false, fault }, name);
    t.notOk(b.valid, `${name}: invalid`);
    t.same(b.topNumbers(), { bids: [], asks: [] }, `${name}: nothing readable`);
    const again = b.delta('yes', '0.4000', '1.00');
    t.equal(again.ok ? 'ok' : again.fault, 'invalid', `${name}: deltas refused while invalid`);
    b.snapshot([['0.4000', '1.00']], undefined);
    t.ok(b.valid, `${name}: a snapshot restores it`);
  }
});

t.test('a zero delta changes nothing and does not invalidate', async (t) => {
  const b = yesNoBook(true);
  b.snapshot([['0.4000', '3.00']], undefined);
  const r = b.delta('yes', '0.4000', '0.00');
  t.equal(r.ok ? 'ok' : r.fault, 'zero-delta');
  t.ok(b.valid);
});

t.test('bad snapshots: duplicate price, zero size, malformed level', async (t) => {
  for (const [name, yes] of [
    [
      'duplicate',
      [
        ['0.4000', '1.00'],
        ['0.4000', '2.00'],
      ],
    ],
    ['zero size', [['0.4000', '0.00']]],
    ['short level', [['0.4000']]],
    ['not an array', '0.40'],
  ] as Array<[string, unknown]>) {
    const b = yesNoBook(true);
    const r = b.snapshot(yes, undefined);
    t.notOk(r.ok, name);
    t.notOk(b.valid, name);
  }
});

t.test('visibility: a change deeper than depth is applied but not visible', async (t) => {
  const b = yesNoBook(true, 2);
  b.snapshot(
    [
      ['0.4000', '1.00'],
      ['0.4100', '1.00'],
      ['0.4200', '1.00'],
    ],
    [['0.4500', '1.00']],
  );
  const deep = b.delta('yes', '0.4000', '1.00');
  t.same(deep, { ok: true, visible: false }, 'third bid level');
  const top = b.delta('yes', '0.4100', '1.00');
  t.same(top, { ok: true, visible: true }, 'second bid level');
  const newBest = b.delta('yes', '0.4300', '1.00');
  t.same(newBest, { ok: true, visible: true });
  const removedDeep = b.delta('yes', '0.4000', '-2.00');
  t.same(removedDeep, { ok: true, visible: false }, 'removing the 4th level');
  const ask = b.delta('no', '0.5000', '1.00');
  t.same(ask, { ok: true, visible: true }, 'second ask level');
  t.same(b.topNumbers(), {
    bids: [
      [0.43, 1],
      [0.42, 1],
    ],
    asks: [
      [0.45, 1],
      [0.5, 1],
    ],
  });
});

t.test('random deltas against a plain model: identical books, both conventions', async (t) => {
  for (const useYes of [false, true]) {
    const rand = seededRandom(useYes ? 7 : 11);
    const b = new KalshiBook('T', { useYesPrice: useYes, depth: 1000 });
    const model = { bid: new Map<number, number>(), ask: new Map<number, number>() };
    b.snapshot(undefined, undefined);
    for (let i = 0; i < 20000; i++) {
      const bid = rand() < 0.5;
      const p = bid ? 1 + Math.floor(rand() * 4999) : 5000 + Math.floor(rand() * 4999);
      const m = bid ? model.bid : model.ask;
      const cur = m.get(p) ?? 0;
      const d = cur > 0 && rand() < 0.5 ? -Math.min(cur, 1 + Math.floor(rand() * cur)) : 1 + Math.floor(rand() * 10000);
      const wire = bid || useYes ? p : 10000 - p;
      const r = b.delta(bid ? 'yes' : 'no', formatPrice(wire), formatCount(d));
      if (!r.ok) throw new Error(`step ${i}: ${r.fault} ${r.detail}`);
      if (cur + d === 0) m.delete(p);
      else m.set(p, cur + d);
    }
    const want = {
      bids: [...model.bid].sort((x, y) => y[0] - x[0]),
      asks: [...model.ask].sort((x, y) => x[0] - y[0]),
    };
    t.same(b.top(1e9), want, `use_yes_price=${useYes}`);
  }
});

t.test('crossed is reported by the book, not hidden', async (t) => {
  const b = yesNoBook(true);
  b.snapshot([['0.4500', '1.00']], [['0.4400', '1.00']]);
  t.ok(b.crossed);
  t.ok(b.valid, "crossing is the caller's call to report");
});

t.test('topJson is exactly JSON.stringify of topNumbers', async (t) => {
  const b = new KalshiBook('T', { useYesPrice: true, depth: 3 });
  b.snapshot(
    [
      ['0.0001', '0.01'],
      ['0.4150', '120.50'],
      ['0.4200', '3.00'],
      ['0.4300', '1000000.00'],
    ],
    [['0.9999', '7.25']],
  );
  const n = b.topNumbers();
  t.equal(`{${b.topJson()}}`, JSON.stringify({ bids: n.bids, asks: n.asks }));
  b.snapshot(undefined, undefined);
  t.equal(b.topJson(), '"bids":[],"asks":[]');
});

t.test('count text matches JSON for every 2-decimal value', async (t) => {
  const { countText } = await import('../../src/core/kalshi-book.js');
  let bad = 0;
  for (let u = 0; u < 200_000; u += 7) if (countText(u) !== JSON.stringify(u / 100)) bad++;
  for (const u of [1, 10, 99, 100, 101, 110, 1_000_000_000, 123_456_789_01]) if (countText(u) !== JSON.stringify(u / 100)) bad++;
  t.equal(bad, 0);
});

t.test('the cached top text follows every visible change and only those', async (t) => {
  const rand = seededRandom(5);
  const b = new KalshiBook('T', { useYesPrice: true, depth: 3 });
  b.snapshot(undefined, undefined);
  for (let i = 0; i < 5000; i++) {
    const p = 4000 + Math.floor(rand() * 20) * 10;
    const side = rand() < 0.5 ? 'yes' : 'no';
    const r = b.delta(side, formatPrice(side === 'yes' ? p - 2000 : p), formatCount(1 + Math.floor(rand() * 5)));
    if (!r.ok) throw new Error(r.detail);
    if (rand() < 0.3) {
      const top = b.top(10);
      const l = (side === 'yes' ? top.bids : top.asks)[Math.floor(rand() * 4)];
      if (l) b.delta(side, formatPrice(l[0]), formatCount(-l[1]));
    }
    const n = b.topNumbers(3);
    if (`{${b.topJson()}}` !== JSON.stringify({ bids: n.bids, asks: n.asks })) throw new Error(`stale cache at step ${i}`);
  }
  const deeper = b.topNumbers(6);
  t.equal(`{${b.topJson(6)}}`, JSON.stringify({ bids: deeper.bids, asks: deeper.asks }), 'a deeper top is never served from the cache');
});

t.test('sizes stay exact: a sum past 2^53 hundredths of a contract invalidates the book', async (t) => {
  const b = yesNoBook(true);
  b.snapshot([['0.4000', '300.00']], undefined);
  t.ok(b.delta('yes', '0.4000', '46000000000000.00').ok, 'still exact');
  const r = b.delta('yes', '0.4000', '46000000000000.00');
  t.same(r.ok ? r : { ok: r.ok, fault: r.fault }, { ok: false, fault: 'bad-size' });
  t.notOk(b.valid);
});
