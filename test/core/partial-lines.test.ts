import t from 'tap';
import { PartialLines, type SidePrice } from '../../src/core/partial-lines.js';

const cfg = { sideStalenessMs: 60_000, partialTtlMs: 30_000 };
const px = (odds: number, ts: number): SidePrice => ({ odds, raw: String(odds), ts });
const T = 1_769_380_000_000;

t.test('a full valid pair is published when both sides are present and fresh', async (t) => {
  const pl = new PartialLines<string>(cfg);
  const d = pl.apply('g|pinnacle', 'm', px(2.24, T), px(1.68, T), true, T + 5);
  t.equal(d.outcome, 'full');
  t.equal(d.pair.home?.odds, 2.24);
  t.equal(d.pair.away?.odds, 1.68);
  t.equal(pl.nextDeadline(), undefined, 'no partial');
});

t.test('one-sided updates wait for the partner, then publish', async (t) => {
  const pl = new PartialLines<string>(cfg);
  const w = pl.apply('k', 'm', px(2.1, T), undefined, false, T);
  t.equal(w.outcome, 'waiting');
  t.equal(w.missing, 'away');
  t.equal(w.pair.partialSince, T);
  t.equal(pl.nextDeadline(), T + 30_000);
  const again = pl.apply('k', 'm', px(2.2, T + 1000), undefined, false, T + 1000);
  t.equal(again.outcome, 'waiting');
  t.equal(again.pair.partialSince, T, 'updates of the same side do not extend the wait');
  const f = pl.apply('k', 'm', undefined, px(1.7, T + 2000), false, T + 2000);
  t.equal(f.outcome, 'full');
  t.equal(f.pair.home?.odds, 2.2);
  t.equal(f.pair.partialSince, undefined);
  t.equal(pl.nextDeadline(), undefined);
});

t.test('null removes a side; the pair waits; both removed drops the state', async (t) => {
  const pl = new PartialLines<string>(cfg);
  pl.apply('k', 'm', px(2.24, T), px(1.68, T), true, T);
  const r = pl.apply('k', 'm', null, undefined, false, T + 10);
  t.equal(r.outcome, 'waiting');
  t.equal(r.missing, 'home');
  t.equal(r.pair.away?.odds, 1.68, 'the other side is kept while it waits');
  const e = pl.apply('k', 'm', undefined, null, false, T + 20);
  t.equal(e.outcome, 'empty');
  t.equal(pl.size, 0);
});

t.test('a snapshot replaces the state: a side it does not carry is pulled', async (t) => {
  const pl = new PartialLines<string>(cfg);
  pl.apply('k', 'm', px(2.24, T), px(1.68, T), true, T);
  const d = pl.apply('k', 'm', px(2.3, T + 5), undefined, true, T + 5);
  t.equal(d.outcome, 'waiting');
  t.equal(d.pair.away, undefined);
});

t.test('stale leg: a fresh side next to an old partner is rejected', async (t) => {
  const pl = new PartialLines<string>(cfg);
  t.equal(pl.apply('k', 'm', px(2.24, T), px(1.68, T), true, T).outcome, 'full');
  const d = pl.apply('k', 'm', px(2.3, T + 61_000), undefined, false, T + 61_000);
  t.equal(d.outcome, 'stale-leg');
  t.equal(d.staleSide, 'away');
  t.equal(d.staleAgeMs, 61_000);
  const exactly = pl.apply('k2', 'm', px(2.24, T), px(1.68, T + 60_000), false, T + 60_000);
  t.equal(exactly.outcome, 'full', 'a side exactly side_staleness_ms old is still fresh');
  const both = pl.apply('k3', 'm', px(2.24, T), px(1.68, T), true, T + 90_000);
  t.equal(both.outcome, 'stale-leg', 'a snapshot that is itself old');
  const healed = pl.apply('k', 'm', undefined, px(1.66, T + 62_000), false, T + 62_000);
  t.equal(healed.outcome, 'full', 'a fresh partner heals the pair');
});

t.test('partials expire on the clock, not only when a pair publishes', async (t) => {
  const pl = new PartialLines<string>(cfg);
  pl.apply('a', 'm', px(2.1, T), undefined, false, T);
  pl.apply('b', 'm', undefined, px(1.9, T + 5000), false, T + 5000);
  pl.apply('c', 'm', px(2.1, T), px(1.8, T), false, T); // full: never expires
  t.same(pl.expire(T + 29_999), [], 'nothing due yet');
  const e1 = pl.expire(T + 30_000);
  t.equal(e1.length, 1);
  t.equal(e1[0]?.pair.key, 'a');
  t.equal(e1[0]?.at, T + 30_000, 'reported at its deadline');
  t.equal(e1[0]?.had, 'home');
  t.equal(pl.nextDeadline(), T + 35_000);
  const e2 = pl.expire(T + 100_000);
  t.same(
    e2.map((x) => [x.pair.key, x.at, x.had]),
    [['b', T + 35_000, 'away']],
  );
  t.equal(pl.size, 1, 'only the full pair is left');
  const again = pl.apply('a', 'm', undefined, px(1.9, T + 100_001), false, T + 100_001);
  t.equal(again.outcome, 'waiting', 'an expired lone side is forgotten: the partner alone is a new partial');
});

t.test('removeWhere and clear', async (t) => {
  const pl = new PartialLines<{ book: string }>(cfg);
  pl.apply('g1|pinnacle', { book: 'pinnacle' }, px(2, T), px(2, T), true, T);
  pl.apply('g1|fanduel', { book: 'fanduel' }, px(2, T), px(2, T), true, T);
  pl.apply('g2|fanduel', { book: 'fanduel' }, px(2, T), undefined, true, T);
  const gone = pl.removeWhere((p) => p.meta.book === 'fanduel');
  t.same(gone.map((p) => p.key).sort(), ['g1|fanduel', 'g2|fanduel']);
  t.equal(pl.size, 1);
  t.equal(pl.nextDeadline(), undefined, 'a removed partial does not expire later');
  pl.clear();
  t.equal(pl.size, 0);
  t.throws(() => new PartialLines({ sideStalenessMs: 0, partialTtlMs: 1 }));
});
