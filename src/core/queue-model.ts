// Where a shadow order stands in the queue of its (side, price) level, estimated from an
// L2 book and trade prints (Kalshi has no L3 data: we see level sizes and trades only).
//
// Everything is an integer in COUNT_ONE units (1/100 contract). The displayed book never
// contains our own (shadow) order, so a level's displayed size is everything ahead of us
// plus everything behind us.
//
//   arrival       ahead = the displayed size of the level (everything there is ahead).
//   trade at our  ahead -= min(ahead, qty). What the trade had left after those ahead
//   price, our    (`past`) is what could have reached us; the venue caps it at what is
//   side          left of the order and of the trade.
//   level change  `risk-averse`: ahead = min(ahead, new size): every decrease comes off
//                 the back of the queue (the most conservative model; hftbacktest's
//                 RiskAdverseQueueModel).
//                 `prob`: hftbacktest's ProbQueueModel with the power function
//                 f(x) = x^2 (PowerProbQueueFunc, n = 2). The decrease not explained by
//                 trades since the last level change, chg = prev - new - traded, is split
//                 between the orders ahead and behind us:
//                   share ahead = f(ahead) / (f(ahead) + f(behind))
//                   (hftbacktest: p = f(back)/(f(back)+f(front)) behind, 1 - p ahead)
//                 and whatever the part behind cannot absorb (more than `behind`) comes
//                 from ahead too. A net increase (chg < 0) only caps ahead at the new size.
//                 Then ahead = min(ahead, new size), never below 0.
//
// Rounding (deterministic, no floats): the decrease ahead is
//   floor(chg x ahead^2 / (ahead^2 + behind^2))
// computed in BigInt, i.e. rounded toward keeping us further back (the conservative side).
// Deliberate difference from hftbacktest: `behind` is the level size before the change
// minus the quantity traded since the last change minus ahead (what really stands behind
// us); hftbacktest takes prev - front, which still counts contracts that already traded.
import type { QueueModelName } from './trading.js';

/** Queue state of one order (COUNT_ONE units). */
export interface QueueState {
  /** Displayed quantity estimated ahead of us on our level; >= 0. */
  readonly ahead: number;
  /** Quantity traded at our level since the last level change (the prob model subtracts it). */
  readonly traded: number;
}

/** Our queue at arrival: everything displayed on the level is ahead of us. */
export function queueOnArrival(levelSize: number): QueueState {
  return { ahead: Math.max(0, levelSize), traded: 0 };
}

/**
 * A trade of `qty` at our price on our side (the taker hit our level). Returns the new
 * state and `past`: the part of the trade left once everyone ahead of us was filled.
 */
export function queueOnTrade(q: QueueState, qty: number): { state: QueueState; past: number } {
  const n = Math.max(0, qty);
  const eaten = Math.min(q.ahead, n);
  return { state: { ahead: q.ahead - eaten, traded: q.traded + n }, past: n - eaten };
}

/**
 * The displayed size of our level changed from `prev` to `next` (both excluding us).
 * Call it only when the size actually changed: an unchanged level keeps the traded
 * quantity pending until the book shows it.
 */
export function queueOnLevelChange(model: QueueModelName, q: QueueState, prev: number, next: number): QueueState {
  const nxt = Math.max(0, next);
  if (model === 'risk-averse') return { ahead: Math.min(q.ahead, nxt), traded: 0 };
  const chg = prev - nxt - q.traded;
  if (chg <= 0) return { ahead: Math.min(q.ahead, nxt), traded: 0 };
  const ahead = q.ahead;
  const behind = Math.max(0, prev - q.traded - ahead);
  const fromAhead = probDecreaseAhead(ahead, behind, chg);
  const overflow = Math.max(0, chg - fromAhead - behind);
  const est = ahead - fromAhead - overflow;
  return { ahead: Math.max(0, Math.min(est, nxt)), traded: 0 };
}

/**
 * The part of a decrease `chg` that came from ahead of us under f(x) = x^2:
 * floor(chg x ahead^2 / (ahead^2 + behind^2)); 0 when nobody is ahead.
 */
export function probDecreaseAhead(ahead: number, behind: number, chg: number): number {
  if (ahead <= 0 || chg <= 0) return 0;
  const a = BigInt(ahead);
  const b = BigInt(Math.max(0, behind));
  const fa = a * a;
  const den = fa + b * b;
  return Number((BigInt(chg) * fa) / den);
}
