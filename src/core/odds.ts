// Prices as sources send them, checked and converted to decimal odds (records.md: odds are
// decimal, > 1.0). Nothing here invents a price: a value that is not a valid price is
// reported as bad (reason named), and a suspension marker removes the side.
//
// American odds: an integer (or a number with decimals) as a string or a JSON number, with
// an optional leading "+": "-148" -> 1 + 100/148 = 1.67567…, "+124" -> 2.24, "+100" and
// "-100" -> 2.0. |odds| must be in [100, 100000]; anything else ("EVEN", "PK", "+50", "0",
// "1e3", 10^20) is bad. `null`, "" and "None" mean suspended or pulled (BoltOdds).
// Decimal odds: a finite number in (1, 1001].
import { excerpt } from './text.js';

export const MAX_AMERICAN = 100_000;
export const MAX_DECIMAL = 1 + MAX_AMERICAN / 100;

export type PriceParse =
  | { kind: 'price'; decimal: number; raw: string }
  | { kind: 'removed'; raw: string }
  | { kind: 'bad'; reason: 'bad-odds' | 'odds-out-of-range'; raw: string; detail: string };

const AMERICAN_RE = /^[+-]?\d{1,12}(?:\.\d{1,6})?$/;

/** True for the markers that mean "this side is suspended or pulled". */
export function isRemovalMarker(v: unknown): boolean {
  return v === null || v === undefined || v === '' || v === 'None';
}

/**
 * American odds -> decimal odds, |a| >= 100: one division, so the result is the double
 * nearest the exact value ((124 + 100) / 100 = 2.24; 1 + 103 / 100 would round twice and
 * give 2.0300000000000002).
 */
export function americanToDecimal(a: number): number {
  return a > 0 ? (a + 100) / 100 : (100 - a) / -a;
}

/** A BoltOdds `odds` value: American odds as a string (or number), or a removal marker. */
export function parseAmericanOdds(v: unknown): PriceParse {
  if (isRemovalMarker(v)) return { kind: 'removed', raw: v === undefined ? 'null' : String(v) };
  let a: number;
  let raw: string;
  if (typeof v === 'number') {
    raw = String(v);
    a = v;
  } else if (typeof v === 'string') {
    raw = v;
    const t = v.trim();
    if (!AMERICAN_RE.test(t)) return { kind: 'bad', reason: 'bad-odds', raw, detail: `"${excerpt(v, 40)}" is not American odds` };
    a = Number(t);
  } else {
    raw = excerpt(JSON.stringify(v) ?? String(v), 40);
    return { kind: 'bad', reason: 'bad-odds', raw, detail: `odds of type ${Array.isArray(v) ? 'array' : typeof v}` };
  }
  if (!Number.isFinite(a)) return { kind: 'bad', reason: 'bad-odds', raw, detail: `"${excerpt(raw, 40)}" is not a finite number` };
  const abs = Math.abs(a);
  if (abs < 100 || abs > MAX_AMERICAN) {
    return { kind: 'bad', reason: 'odds-out-of-range', raw, detail: `American odds ${excerpt(raw, 40)} outside ±[100, ${MAX_AMERICAN}]` };
  }
  return { kind: 'price', decimal: americanToDecimal(a), raw };
}

/** A decimal price as The Odds API sends it (oddsFormat=decimal). */
export function parseDecimalOdds(v: unknown): PriceParse {
  if (typeof v !== 'number') {
    if (isRemovalMarker(v)) return { kind: 'removed', raw: String(v) };
    return { kind: 'bad', reason: 'bad-odds', raw: excerpt(JSON.stringify(v) ?? String(v), 40), detail: `price of type ${typeof v}` };
  }
  const raw = String(v);
  if (!Number.isFinite(v) || v <= 1 || v > MAX_DECIMAL) {
    return { kind: 'bad', reason: 'odds-out-of-range', raw, detail: `decimal odds ${raw} outside (1, ${MAX_DECIMAL}]` };
  }
  return { kind: 'price', decimal: v, raw };
}
