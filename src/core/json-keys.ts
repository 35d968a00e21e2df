// Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word
// ({"home_odds":1.5,"home_odds":9} is 9 to us and may be 1.5 to another reader), so a
// line or a config file holding one is refused, naming the key.
//
// The decoder pays for this on every line, so the usual case costs two cheap counts:
//   T = every ':' in the text (indexOf, native), P = the keys JSON.parse kept (a walk of
//   the parsed value, iterative: deep nesting cannot overflow the stack).
// Outside strings a ':' only ever separates a key from its value, so T = K + S, with K the
// keys written and S the colons inside strings; and P = K - D, D the duplicates dropped.
// T === P holds exactly when S = 0 and D = 0: no duplicate. Otherwise (a string holding a
// colon, such as a policy "primary-fallback:pinnacle>draftkings"), when the text has no
// \u escape (so every colon of a parsed string was written as ':'), the colons of the
// parsed keys and strings are counted too (C): T = P + C + D + (colons of the dropped
// entries), so T === P + C again means no duplicate. Only when that fails, or the text
// has a \u escape, is it tokenized (findDuplicateKey), which also names the key.

/** Number of object keys written in `text`, a valid JSON text. */
export function countKeysInText(text: string): number {
  let n = 0;
  let pos = 0;
  const len = text.length;
  for (;;) {
    const open = text.indexOf('"', pos);
    if (open < 0) return n;
    let close = text.indexOf('"', open + 1);
    // An escaped quote is preceded by an odd number of backslashes.
    while (close > 0 && text.charCodeAt(close - 1) === 92 && oddBackslashes(text, close)) close = text.indexOf('"', close + 1);
    if (close < 0) return n; // not valid JSON; the parser has said so
    let i = close + 1;
    let c = text.charCodeAt(i);
    while (i < len && (c === 32 || c === 9 || c === 10 || c === 13)) c = text.charCodeAt(++i);
    if (c === 58) n++; // ':'
    pos = close + 1;
  }
}

function oddBackslashes(text: string, quote: number): boolean {
  let k = quote - 1;
  while (k >= 0 && text.charCodeAt(k) === 92) k--;
  return (quote - 1 - k) % 2 === 1;
}

/** Number of ':' characters in `text`. */
export function countColons(text: string): number {
  let n = 0;
  let p = text.indexOf(':');
  while (p >= 0) {
    n++;
    p = text.indexOf(':', p + 1);
  }
  return n;
}

/** Number of keys of every object in a parsed JSON value. */
export function countKeysInValue(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  let nested: object[] | undefined;
  // A flat record (the usual line) needs no stack.
  if (!Array.isArray(value)) {
    for (const k in value) {
      n++;
      const x = (value as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') (nested ??= []).push(x);
    }
    if (nested === undefined) return n;
  }
  const stack: object[] = nested ?? [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x as object);
    } else {
      for (const k in v) {
        n++;
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
  }
  return n;
}

/**
 * Colons in the keys and strings of a parsed JSON value; counting stops once `enough`
 * are found (the decoder needs to know whether there are that many, not how many more).
 * String values first: a colon is far likelier there (a policy, a time, a URL) than in a
 * key, so the keys are usually never looked at.
 */
export function countColonsInStrings(value: unknown, enough = Infinity): number {
  if (typeof value === 'string') return countColons(value);
  if (value === null || typeof value !== 'object') return 0;
  const n = colonsIn(value, false, enough);
  return n >= enough ? n : n + colonsIn(value, true, enough - n);
}

/** Colons in the string values (keys = false) or in the keys (keys = true) of a value. */
function colonsIn(value: object, keys: boolean, enough: number): number {
  let n = 0;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === 'string') {
          if (!keys) n += countColons(x);
        } else if (x !== null && typeof x === 'object') stack.push(x as object);
      }
    } else {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (keys) n += countColons(k);
        else if (typeof x === 'string') n += countColons(x);
        if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
    if (n >= enough) return n;
  }
  return n;
}

export interface DuplicateKey {
  /** The key as JSON.parse reads it (escapes resolved). */
  key: string;
  /** Dotted path of the object holding it (`""` for the top level, `methods.shin`, `a.0`). */
  path: string;
}

/**
 * The first key written twice in one object of `text` (a valid JSON text), or undefined.
 * A full tokenizer: slower than the counts, used when they disagree and for config files.
 * Keys for which `ignore` is true may repeat (the config's "//" comments).
 */
export function findDuplicateKey(text: string, ignore?: (key: string) => boolean): DuplicateKey | undefined {
  // One frame per open object/array: the keys seen so far (objects) or the next index (arrays).
  interface Frame {
    keys: Set<string> | null;
    index: number;
    name: string;
  }
  const stack: Frame[] = [];
  let pendingKey: string | null = null; // the key whose value comes next
  const len = text.length;
  const nameOfNext = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.keys === null) return String(top.index);
    return pendingKey ?? '';
  };
  const pathOf = (): string =>
    stack
      .slice(1)
      .map((f) => f.name)
      .join('.');
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // '"'
      let j = i + 1;
      while (j < len) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === 34) break;
        else j++;
      }
      const raw = text.slice(i, j + 1);
      let k = j + 1;
      while (k < len && isWs(text.charCodeAt(k))) k++;
      const top = stack[stack.length - 1];
      if (text.charCodeAt(k) === 58 && top && top.keys !== null) {
        let key: string;
        try {
          key = JSON.parse(raw) as string;
        } catch {
          return undefined; // not valid JSON: the parser reports it
        }
        if (top.keys.has(key) && !ignore?.(key)) return { key, path: pathOf() };
        top.keys.add(key);
        pendingKey = key;
        i = k; // the ':'
      } else {
        i = j;
      }
    } else if (c === 123 || c === 91) {
      // '{' '['
      const name = nameOfNext();
      stack.push({ keys: c === 123 ? new Set() : null, index: 0, name });
    } else if (c === 125 || c === 93) {
      // '}' ']'
      stack.pop();
    } else if (c === 44) {
      // ','
      const top = stack[stack.length - 1];
      if (top && top.keys === null) top.index++;
    }
  }
  return undefined;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * The duplicate key of `text`, given the value JSON.parse made of it; undefined when there
 * is none. Usually two counts (see the top of this file); the tokenizer runs only when
 * they cannot decide.
 */
export function duplicateKeyOf(text: string, parsed: unknown): DuplicateKey | undefined {
  if (parsed === null || typeof parsed !== 'object') return undefined;
  const colons = countColons(text);
  const kept = countKeysInValue(parsed);
  if (colons === kept) return undefined;
  // Found C = T - P colons in the parsed strings: no duplicate (C can never exceed T - P).
  if (text.indexOf('\\u') < 0 && countColonsInStrings(parsed, colons - kept) === colons - kept) return undefined;
  return findDuplicateKey(text);
}

/** `key "home_odds"` or `key "shin" in methods`, for diagnostics. */
export function describeDuplicate(d: DuplicateKey): string {
  return `duplicate key ${JSON.stringify(d.key)}${d.path ? ` in ${d.path}` : ''}`;
}
