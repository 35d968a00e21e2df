// Duplicate JSON keys (issue 14 section 3): JSON.parse keeps the last of two equal keys
// silently. The decoder compares two counts on every line and tokenizes only when they
// differ; both must be exact, or a duplicate slips through (or a good line is refused).
import t from 'tap';
import { countKeysInText, countKeysInValue, describeDuplicate, duplicateKeyOf, findDuplicateKey } from '../../src/core/json-keys.js';
import { seededRandom } from '../../src/core/prng.js';

t.test('JSON.parse keeps the last of two equal keys without a word (the defect)', async (t) => {
  const v = JSON.parse('{"type":"odds.line","home_odds":1.5,"home_odds":9}') as Record<string, unknown>;
  t.equal(v.home_odds, 9);
  t.equal(Object.keys(v).length, 2, 'three keys written, two kept');
});

t.test('duplicates are found and named, at any depth', async (t) => {
  const cases: Array<[string, string | undefined, string]> = [
    ['{"a":1,"b":2}', undefined, ''],
    ['{"a":1,"a":2}', 'a', ''],
    ['{"a" :1, "a"\t: 2}', 'a', ''],
    ['{"x":{"a":1},"y":{"a":2}}', undefined, ''],
    ['{"methods":{"shin":{"p_home":0.4,"p_home":0.6}}}', 'p_home', 'methods.shin'],
    ['{"raw":[{"k":1},{"k":1,"k":2}]}', 'k', 'raw.1'],
    ['{"s":"a\\":b","s":1}', 's', ''],
    ['{"s":"\\\\","t":"\\\\\\"","s":2}', 's', ''],
    ['{"\\u0061":1,"a":2}', 'a', ''],
    ['{"x":":","y":":"}', undefined, ''],
    ['{"x":[":",{"z":1}],"z":2}', undefined, ''],
    ['{"__proto__":1,"__proto__":2}', '__proto__', ''],
    ['{"ticker":"A","tickers":{"A":{"seq":1},"A":{"seq":2}}}', 'A', 'tickers'],
    ['[{"a":1,"a":1}]', 'a', '0'],
    ['{"policy":"primary-fallback:pinnacle>draftkings","p":1}', undefined, ''],
    ['{"policy":"a:b","policy":"a:b"}', 'policy', ''],
    ['{"a":1,"a":2,"b":"\\u003a"}', 'a', ''],
    ['{"a\\u003a":1,"a:":2}', 'a:', ''],
    ['{"t":"12:00:00","a":{"u":"http://x"}}', undefined, ''],
  ];
  for (const [text, key, path] of cases) {
    const v = JSON.parse(text) as unknown;
    const d = findDuplicateKey(text);
    t.equal(d?.key, key, `${text}: tokenizer`);
    if (key !== undefined) t.equal(d?.path, path, `${text}: path`);
    t.same(duplicateKeyOf(text, v), d, `${text}: the counted path agrees`);
  }
  t.equal(describeDuplicate({ key: 'p_home', path: 'methods.shin' }), 'duplicate key "p_home" in methods.shin');
  t.equal(describeDuplicate({ key: 'home_odds', path: '' }), 'duplicate key "home_odds"');
});

t.test('keys a caller allows to repeat (config comments)', async (t) => {
  const text = '{"//":"one","//":"two","a":{"//x":1,"//x":2}}';
  t.equal(
    findDuplicateKey(text, (k) => k.startsWith('//')),
    undefined,
  );
  t.equal(findDuplicateKey(text)?.key, '//');
});

t.test('deep nesting is walked without recursion', async (t) => {
  const depth = 200_000;
  const text = '['.repeat(depth) + '{"a":1}' + ']'.repeat(depth);
  const v = JSON.parse(text) as unknown;
  t.equal(countKeysInValue(v), 1);
  t.equal(countKeysInText(text), 1);
  t.equal(duplicateKeyOf(text, v), undefined);
});

t.test('the counts are exact on random JSON (seeded), so the fast path never misses a duplicate', async (t) => {
  const rnd = seededRandom(14);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const KEYS = ['a', 'b', 'type', 'a"', 'a\\', ':', '"', '', 'é', '\\"', 'x y', 'a:', 'b:c'];
  const STR = ['', ':', '":', '\\', '"', ' : ', '{', '}', '[', ']', ',', 'plain', 'a:b', '::'];
  const ws = (): string => pick(['', '', '', ' ', '\t', '\n', ' \r\n ']);
  // Sometimes a colon is written as its \u escape: the same string to JSON.parse.
  const enc = (x: string): string => (rnd() < 0.2 ? JSON.stringify(x).replace(/:/g, '\\u003a') : JSON.stringify(x));
  const gen = (d: number): string => {
    const r = rnd();
    if (d > 4 || r < 0.3) return pick(['1', '-2.5e3', 'true', 'null', enc(pick(STR))]);
    if (r < 0.5) return `[${ws()}${Array.from({ length: Math.floor(rnd() * 4) }, () => gen(d + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
    const n = Math.floor(rnd() * 5);
    const parts = Array.from({ length: n }, () => `${enc(pick(KEYS))}${ws()}:${ws()}${gen(d + 1)}`);
    return `{${ws()}${parts.join(`${ws()},${ws()}`)}${ws()}}`;
  };
  let dups = 0;
  let mismatches = 0;
  for (let i = 0; i < 5000; i++) {
    const text = gen(0);
    const v = JSON.parse(text) as unknown;
    const exact = findDuplicateKey(text);
    if (exact) dups++;
    const fast = duplicateKeyOf(text, v);
    if ((fast === undefined) !== (exact === undefined)) {
      mismatches++;
      if (mismatches < 5) t.fail(`fast and exact disagree on ${text}`);
    }
    if (exact === undefined && countKeysInText(text) !== countKeysInValue(v)) {
      mismatches++;
      if (mismatches < 5) t.fail(`counts differ without a duplicate: ${text}`);
    }
  }
  t.equal(mismatches, 0);
  t.ok(dups > 200, `the generator makes duplicates (${dups})`);
});
