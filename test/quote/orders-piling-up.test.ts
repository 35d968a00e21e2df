// Orders piling up (hummingbot: "bot keeps creating orders without cancelling the old
// ones"): a storm of oracle moves while a place or a cancel is unanswered never puts a
// second order on a ticker side.
import t from 'tap';
import { seededRandom } from '../../src/core/prng.js';
import { FINAL } from '../../src/core/order-state.js';
import { HOME, T0, book, prob, session, standardOpen } from '../helpers/quote.js';

t.test('a storm of oracle updates during an unacknowledged place: one order, then one cancel', async (t) => {
  const s = session();
  standardOpen(s);
  t.equal(s.venue.requests.length, 2);
  for (let i = 1; i <= 100; i++) s.m.onOracleProb(prob(0.5 - i * 0.001, T0 + i), T0 + i);
  t.equal(s.venue.requests.length, 2, 'nothing sent while both places are unanswered');
  const bid = s.venue.place(0).order.clientOrderId;
  s.m.onReply(s.venue.accepted(bid, T0 + 200), T0 + 200);
  t.equal(s.venue.cancels().length, 1, 'the pull decided meanwhile goes out once the order is known');
  for (let i = 0; i < 50; i++) s.m.onOracleProb(prob(0.39, T0 + 300 + i), T0 + 300 + i);
  t.equal(s.venue.cancels().length, 1, 'repeats of the same decision are suppressed');
});

t.test('random interleavings of oracle moves, books and late answers: never two live orders on a side', async (t) => {
  const rnd = seededRandom(20261207);
  for (let run = 0; run < 40; run++) {
    const s = session({ minRestMs: 0 });
    standardOpen(s);
    let now = T0;
    const pending: Array<() => void> = [];
    let worst = 0;
    for (let step = 0; step < 300; step++) {
      now += 1 + Math.floor(rnd() * 50);
      const r = rnd();
      if (r < 0.35) s.m.onOracleProb(prob(0.4 + rnd() * 0.2, now), now);
      else if (r < 0.55) {
        const bb = 4000 + Math.floor(rnd() * 10) * 100;
        s.m.onBook(book(HOME, [[bb, 5000]], [[bb + 1000, 5000]]), now);
      } else if (pending.length > 0) {
        // Answer a random outstanding request (answers arrive out of order).
        const i = Math.floor(rnd() * pending.length);
        pending.splice(i, 1)[0]!();
      }
      // Queue answers for new requests.
      while (s.venue.requests.length > answered(s)) {
        const req = s.venue.requests[answered(s)]!;
        markAnswered(s);
        const at = () => now;
        if (req.kind === 'place') {
          const coid = req.order.clientOrderId;
          pending.push(() => s.m.onReply(rnd() < 0.2 ? s.venue.fill(coid, at(), req.order.count, 0) : s.venue.accepted(coid, at()), at()));
        } else {
          const coid = req.clientOrderId;
          pending.push(() => s.m.onReply(s.venue.canceled(coid, at()), at()));
        }
      }
      for (const side of ['bid', 'ask'] as const) {
        const live = s.working().filter((o) => o.side === side && o.tif === 'gtc' && !FINAL.has(o.status)).length;
        worst = Math.max(worst, live);
      }
    }
    t.ok(worst <= 1, `run ${run}: at most one working order per side (saw ${worst})`);
    t.same(s.w.anomalies, [], `run ${run}: no impossible transitions`);
  }
});

const answeredCount = new WeakMap<object, number>();
function answered(s: ReturnType<typeof session>): number {
  return answeredCount.get(s) ?? 0;
}
function markAnswered(s: ReturnType<typeof session>): void {
  answeredCount.set(s, answered(s) + 1);
}
