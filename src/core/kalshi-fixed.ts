// Kalshi's fixed-point strings as exact integers. Prices and money are `*_dollars`
// strings with up to 4 decimals (we count in 1/10000 USD, "units"); counts are `*_fp`
// strings with up to 2 decimals (we count in 1/100 contract, "cents of a contract").
// A string with more significant decimals than the unit can hold is not rounded: it is
// refused (null), because a price we would have to round is a price we do not understand.

/** 1 USD in price units (1/10000 USD). */
export const PRICE_ONE = 10_000;
/** 1 contract in count units (1/100 contract). */
export const COUNT_ONE = 100;

/**
 * An exact decimal string to an integer number of 10^-dp units; null when it is not a
 * plain decimal (digits, optionally a dot and digits; a leading minus when `signed`), has
 * more than `dp` significant decimals, or exceeds 2^53. Hand-written rather than a regex:
 * it runs for every order-book delta and must not allocate.
 */
export function parseFixed(s: unknown, dp: number, signed = false): number | null {
  if (typeof s !== 'string') return null;
  const n = s.length;
  if (n === 0 || n > 64) return null;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (!signed) return null;
    neg = true;
    i = 1;
  }
  let int = 0;
  let digits = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return null;
    int = int * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || digits > 15) return null;
  let frac = 0;
  let fd = 0;
  if (i < n) {
    i++; // the dot
    if (i === n) return null; // "1." is not a number here
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      if (fd < dp) {
        frac = frac * 10 + (c - 48);
        fd++;
      } else if (c !== 48) {
        return null; // a significant digit beyond the unit: refused, not rounded
      }
    }
  }
  for (; fd < dp; fd++) frac *= 10;
  const v = int * POW10[dp]! + frac;
  if (!Number.isSafeInteger(v)) return null;
  return neg && v !== 0 ? -v : v;
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/** A `*_dollars` price string ("0.4200", "0.42", "0.960") in units; null when malformed. */
export function parsePrice(s: unknown): number | null {
  return parseFixed(s, 4);
}

/** A `*_fp` count string in 1/100 contract; `signed` allows a leading minus (deltas). */
export function parseCount(s: unknown, signed = false): number | null {
  return parseFixed(s, 2, signed);
}

/** Units to the 4-decimal dollar string Kalshi writes ("0.4200"). */
export function formatPrice(units: number): string {
  return formatFixed(units, 4);
}

/** Count units to the 2-decimal `_fp` string ("120.00", "-54.00"). */
export function formatCount(units: number): string {
  return formatFixed(units, 2);
}

export function formatFixed(units: number, dp: number): string {
  const neg = units < 0;
  const a = Math.abs(units);
  const scale = 10 ** dp;
  const int = Math.floor(a / scale);
  const frac = String(a - int * scale).padStart(dp, '0');
  return `${neg ? '-' : ''}${int}.${frac}`;
}

/**
 * Units to a JSON number of dollars. An integer divided by a power of ten is the double
 * nearest the decimal, so it prints as the short decimal (4200 -> 0.42).
 */
export function priceNumber(units: number): number {
  return units / PRICE_ONE;
}

export function countNumber(units: number): number {
  return units / COUNT_ONE;
}

/** A record's dollars number (at most 4 decimals, see records.md) back to units. */
export function unitsOfDollars(x: number): number {
  return Math.round(x * PRICE_ONE);
}

export function unitsOfCount(x: number): number {
  return Math.round(x * COUNT_ONE);
}

// ---------------------------------------------------------------- price grids

/** One band of a market's `price_ranges`, in units: start <= p <= end, (p - start) % step == 0. */
export interface PriceBand {
  start: number;
  end: number;
  step: number;
}

/** A market's tick structure; a price is valid when it lies on any band, strictly inside (0, 1). */
export interface PriceGrid {
  bands: readonly PriceBand[];
  /** Where it came from: `price_ranges` of the market, or a stated default. */
  source: string;
}

/** The classic linear_cent structure: $0.01 to $0.99 in 1-cent steps. */
export const LINEAR_CENT: PriceGrid = { bands: [{ start: 0, end: PRICE_ONE, step: 100 }], source: 'linear_cent' };

/**
 * The finest grid the API can express (4 decimals). Used while a market's `price_ranges`
 * is unknown (--no-rest): since 2026 ticks are per market and sub-cent structures exist,
 * assuming 1-cent ticks would reject valid prices, so only the unit grid is enforced.
 */
export const UNIT_GRID: PriceGrid = { bands: [{ start: 0, end: PRICE_ONE, step: 1 }], source: 'unit' };

export function onPriceGrid(grid: PriceGrid, p: number): boolean {
  if (!Number.isInteger(p) || p <= 0 || p >= PRICE_ONE) return false;
  for (const b of grid.bands) {
    if (p >= b.start && p <= b.end && (p - b.start) % b.step === 0) return true;
  }
  return false;
}

/**
 * `price_ranges` as Kalshi sends it (`[{start:"0.0000",end:"1.0000",step:"0.0100"}]`,
 * strings; numbers are accepted too since records carry them as numbers) to a grid;
 * a string naming the problem when it cannot be read.
 */
export function parsePriceRanges(ranges: unknown): PriceGrid | string {
  if (!Array.isArray(ranges) || ranges.length === 0) return 'price_ranges is not a non-empty array';
  const bands: PriceBand[] = [];
  for (const r of ranges) {
    if (r === null || typeof r !== 'object') return 'price_ranges entry is not an object';
    const o = r as Record<string, unknown>;
    const start = dollarsField(o.start);
    const end = dollarsField(o.end);
    const step = dollarsField(o.step);
    if (start === null || end === null || step === null) return 'price_ranges entry has a bad start/end/step';
    if (step <= 0 || start < 0 || end > PRICE_ONE || end < start)
      return `price_ranges entry out of range (${String(o.start)}..${String(o.end)} step ${String(o.step)})`;
    bands.push({ start, end, step });
  }
  return { bands, source: 'price_ranges' };
}

function dollarsField(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const u = Math.round(v * PRICE_ONE);
    return Math.abs(u - v * PRICE_ONE) < 1e-6 ? u : null;
  }
  return parsePrice(v);
}

/** The grid back to Kalshi's wire form (REST markets, lifecycle events). */
export function priceRangesWire(grid: PriceGrid): Array<{ start: string; end: string; step: string }> {
  return grid.bands.map((b) => ({ start: formatPrice(b.start), end: formatPrice(b.end), step: formatPrice(b.step) }));
}

/** The grid as record numbers (kalshi.market price_ranges). */
export function priceRangesNumbers(grid: PriceGrid): Array<{ start: number; end: number; step: number }> {
  return grid.bands.map((b) => ({ start: priceNumber(b.start), end: priceNumber(b.end), step: priceNumber(b.step) }));
}

// ---------------------------------------------------------------- walking a grid

/** The highest valid price <= p on the grid, or undefined (p below every band). */
export function gridFloor(grid: PriceGrid, p: number): number | undefined {
  let best: number | undefined;
  for (const b of grid.bands) {
    const top = Math.min(Math.floor(p), b.end, PRICE_ONE - 1);
    if (top < b.start) continue;
    const q = b.start + Math.floor((top - b.start) / b.step) * b.step;
    if (q > 0 && (best === undefined || q > best)) best = q;
  }
  return best;
}

/** The lowest valid price >= p on the grid, or undefined (p above every band). */
export function gridCeil(grid: PriceGrid, p: number): number | undefined {
  let best: number | undefined;
  for (const b of grid.bands) {
    const bottom = Math.max(Math.ceil(p), b.start, 1);
    if (bottom > b.end) continue;
    const q = b.start + Math.ceil((bottom - b.start) / b.step) * b.step;
    if (q > b.end || q >= PRICE_ONE) continue;
    if (best === undefined || q < best) best = q;
  }
  return best;
}

/** The valid price `ticks` steps above (ticks > 0) or below (ticks < 0) p, or undefined past the ends. */
export function gridStep(grid: PriceGrid, p: number, ticks: number): number | undefined {
  let q: number | undefined = p;
  for (let i = 0; i < Math.abs(ticks) && q !== undefined; i++) q = ticks > 0 ? gridCeil(grid, q + 1) : gridFloor(grid, q - 1);
  return q;
}

/** Grid steps from a to b (b > a positive); counts valid prices, so it is exact across bands. */
export function gridTicks(grid: PriceGrid, a: number, b: number): number {
  if (a === b) return 0;
  const [lo, hi, sign] = a < b ? [a, b, 1] : [b, a, -1];
  let n = 0;
  for (let q = gridCeil(grid, lo + 1); q !== undefined && q <= hi; q = gridCeil(grid, q + 1)) n++;
  return sign * n;
}
