import t from 'tap';
import { probDecreaseAhead, queueOnArrival, queueOnLevelChange, queueOnTrade, type QueueState } from '../../src/core/queue-model.js';

// All quantities in COUNT_ONE units (100 = one contract).

t.test('arrival: everything displayed on the level is ahead of us', async (t) => {
  t.same(queueOnArrival(1000), { ahead: 1000, traded: 0 });
  t.same(queueOnArrival(0), { ahead: 0, traded: 0 });
  t.same(queueOnArrival(-5), { ahead: 0, traded: 0 }, 'never negative');
});

t.test('a trade at our price eats the queue ahead first, then reaches us', async (t) => {
  let q = queueOnArrival(1000);
  let r = queueOnTrade(q, 300);
  t.same(r, { state: { ahead: 700, traded: 300 }, past: 0 }, '3 of 10 ahead traded, nothing reaches us');
  q = r.state;
  r = queueOnTrade(q, 900);
  t.same(r, { state: { ahead: 0, traded: 1200 }, past: 200 }, '7 ahead filled, 2 contracts left over for us');
  r = queueOnTrade(r.state, 150);
  t.same(r, { state: { ahead: 0, traded: 1350 }, past: 150 }, 'at the front, the whole trade reaches us');
  t.same(queueOnTrade(queueOnArrival(100), -50), { state: { ahead: 100, traded: 0 }, past: 0 }, 'a negative trade is nothing');
});

t.test('risk-averse: decreases come off the back', async (t) => {
  const q: QueueState = { ahead: 700, traded: 0 };
  t.same(queueOnLevelChange('risk-averse', q, 1000, 800), { ahead: 700, traded: 0 }, '2 canceled behind us: still 7 ahead');
  t.same(queueOnLevelChange('risk-averse', q, 1000, 600), { ahead: 600, traded: 0 }, 'the level is smaller than our queue: capped');
  t.same(queueOnLevelChange('risk-averse', q, 1000, 0), { ahead: 0, traded: 0 }, 'level emptied: at the front');
  t.same(queueOnLevelChange('risk-averse', q, 1000, 2000), { ahead: 700, traded: 0 }, 'growth joins behind us');
  t.same(queueOnLevelChange('risk-averse', q, 1000, -10), { ahead: 0, traded: 0 }, 'never negative');
});

t.test('prob (x^2): a share of each decrease is ahead of us', async (t) => {
  // ahead 10, behind 10, 10 canceled: share ahead = 100/(100+100) = 1/2 -> 5 from ahead.
  t.same(queueOnLevelChange('prob', { ahead: 1000, traded: 0 }, 2000, 1000), { ahead: 500, traded: 0 });
  // ahead 3, behind 7, 5 canceled: 500 x 9 / (9 + 49) = 77.58 -> 77 (rounded down: we stay further back).
  t.same(queueOnLevelChange('prob', { ahead: 300, traded: 0 }, 1000, 500), { ahead: 223, traded: 0 });
  t.equal(probDecreaseAhead(300, 700, 500), 77);
  // nobody ahead: nothing comes from ahead
  t.same(queueOnLevelChange('prob', { ahead: 0, traded: 0 }, 1000, 500), { ahead: 0, traded: 0 });
  // growth: no change ahead
  t.same(queueOnLevelChange('prob', { ahead: 300, traded: 0 }, 1000, 1500), { ahead: 300, traded: 0 });
  // the same event under risk-averse keeps us at 300
  t.same(queueOnLevelChange('risk-averse', { ahead: 300, traded: 0 }, 1000, 500), { ahead: 300, traded: 0 });
});

t.test('prob: trades since the last change are not counted twice', async (t) => {
  // ahead 6, behind 4 on a level of 10. A trade of 2 eats 2 ahead, then the book shows 5:
  // 10 - 5 - 2 traded = 3 canceled; behind is 10 - 2 - 4 = 4, ahead 4: half (1.5 -> 1) ahead.
  let q = queueOnArrival(600);
  const r = queueOnTrade(q, 200);
  q = r.state;
  t.same(q, { ahead: 400, traded: 200 });
  q = queueOnLevelChange('prob', q, 1000, 500);
  t.same(q, { ahead: 250, traded: 0 }, '400 - floor(300 x 16/32) = 250');
  // A decrease fully explained by the trade moves nothing.
  q = queueOnTrade(q, 100).state;
  t.same(queueOnLevelChange('prob', q, 500, 400), { ahead: 150, traded: 0 });
  // A trade followed by growth: only the cap applies, and the trade memory resets.
  const g = queueOnLevelChange('prob', queueOnTrade({ ahead: 300, traded: 0 }, 100).state, 1000, 1200);
  t.same(g, { ahead: 200, traded: 0 });
});

t.test('prob: what cannot come from behind comes from ahead', async (t) => {
  // ahead 1, behind 3, level 4 -> 0.6: 3.4 canceled; ahead share floor(340 x 1/10) = 34,
  // behind would lose 306 > 300, so 6 more come from ahead: 100 - 34 - 6 = 60 = the new size.
  t.same(queueOnLevelChange('prob', { ahead: 100, traded: 0 }, 400, 60), { ahead: 60, traded: 0 });
  t.same(queueOnLevelChange('prob', { ahead: 100, traded: 0 }, 400, 0), { ahead: 0, traded: 0 }, 'level emptied');
});

t.test('prob: integer arithmetic stays exact past 2^53 and rounds down', async (t) => {
  t.equal(probDecreaseAhead(1, 1, 1), 0, '1/2 -> 0');
  t.equal(probDecreaseAhead(1, 1, 3), 1, '3/2 -> 1');
  t.equal(probDecreaseAhead(1_000_000_000, 1_000_000_000, 3), 1, 'ahead^2 = 1e18 in BigInt');
  t.equal(probDecreaseAhead(1_000_000_000, 0, 7), 7, 'nobody behind: all of it ahead');
  t.equal(probDecreaseAhead(0, 1000, 7), 0);
  t.equal(probDecreaseAhead(500, 500, 0), 0);
});

t.test('ahead is never negative, whatever the sequence', async (t) => {
  for (const model of ['risk-averse', 'prob'] as const) {
    let q = queueOnArrival(2000);
    let level = 2000;
    const steps: Array<['trade' | 'level', number]> = [
      ['trade', 300],
      ['level', 1500],
      ['level', 2500],
      ['trade', 50],
      ['level', 2100],
      ['trade', 5000],
      ['level', 100],
      ['level', 0],
      ['trade', 10],
    ];
    for (const [k, v] of steps) {
      if (k === 'trade') q = queueOnTrade(q, v).state;
      else {
        q = queueOnLevelChange(model, q, level, v);
        level = v;
      }
      t.ok(q.ahead >= 0 && Number.isInteger(q.ahead), `${model} ${k} ${v}: ahead ${q.ahead}`);
    }
  }
});
