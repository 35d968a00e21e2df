import t from 'tap';
import { CreditBudget, MAX_SLOW_FACTOR, WINDOW_MS, phaseOf } from '../../src/core/polling.js';

const T = 1_769_380_000_000;
const H = 3_600_000;

t.test('phase: live, near, far', async (t) => {
  t.equal(phaseOf([], T, 3 * H), 'far');
  t.equal(phaseOf([T + 5 * H], T, 3 * H), 'far');
  t.equal(phaseOf([T + 5 * H, T + 2 * H], T, 3 * H), 'near');
  t.equal(phaseOf([T + 2 * H, T - 60_000], T, 3 * H), 'live');
  t.equal(phaseOf([T], T, 3 * H), 'live', 'starting now is live');
});

t.test('the daily budget is never exceeded over any 24 h window', async (t) => {
  const b = new CreditBudget({ creditsPerDay: 3, lowWaterFraction: 0, reserveCredits: 0, slowBelowRemaining: 0 });
  t.same(b.gate(T, 1), { ok: true, at: T });
  b.record(T, 1);
  b.record(T + 10, 1);
  b.record(T + 20, 1);
  t.same(b.gate(T + 30, 1), { ok: true, at: T + WINDOW_MS }, 'the next credit frees when the first spend ages out');
  t.same(b.gate(T + 30, 2), { ok: true, at: T + 10 + WINDOW_MS });
  t.same(b.gate(T + WINDOW_MS, 1), { ok: true, at: T + WINDOW_MS });
  t.equal(b.spent(T + WINDOW_MS + 15), 1);
  const over = b.gate(T, 4);
  t.equal(over.ok, false);
});

t.test('the quota reserve stops polling', async (t) => {
  const b = new CreditBudget({ creditsPerDay: 100, lowWaterFraction: 0, reserveCredits: 10, slowBelowRemaining: 0 });
  b.observe({ remaining: 11, used: 489, last: 1 });
  t.same(b.gate(T, 1), { ok: true, at: T });
  b.observe({ remaining: 10 });
  const g = b.gate(T, 1);
  t.equal(g.ok, false);
  if (!g.ok) t.equal(g.reason, 'reserve');
  t.equal(b.used, 489);
  t.equal(b.last, 1);
});

t.test('polling slows down as the budget runs low', async (t) => {
  const b = new CreditBudget({ creditsPerDay: 100, lowWaterFraction: 0.2, reserveCredits: 0, slowBelowRemaining: 50 });
  t.equal(b.slowFactor(T), 1);
  b.record(T, 80);
  t.equal(b.slowFactor(T), 1, 'exactly at the low-water mark');
  b.record(T, 10);
  t.equal(b.slowFactor(T), 2, '10 left of a 20 low-water: twice the interval');
  b.record(T, 10);
  t.equal(b.slowFactor(T), MAX_SLOW_FACTOR, 'nothing left: the slowest');
  const q = new CreditBudget({ creditsPerDay: 100, lowWaterFraction: 0.2, reserveCredits: 0, slowBelowRemaining: 50 });
  q.observe({ remaining: 25 });
  t.equal(q.slowFactor(T), 2, 'the monthly quota running low slows too');
});
