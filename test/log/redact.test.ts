// The Redactor: every registered secret masked in every form a server can echo it in,
// the sampled guard never misses one, lines stay valid JSON, URL credentials registered.
import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { seededRandom } from '../../src/core/prng.js';
import { excerpt } from '../../src/core/text.js';
import { REDACTED, Redactor, formsOf } from '../../src/log/redact.js';

const SECRET = 'k3y/with+odd=chars&more 0123';

t.test('a secret is masked as is, JSON-escaped and percent-encoded in every style', async (t) => {
  const r = new Redactor();
  r.add(SECRET);
  const forms = [
    SECRET,
    encodeURIComponent(SECRET), // k3y%2Fwith%2Bodd%3Dchars%26more%200123
    encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), // lowercase hex
    new URLSearchParams({ a: SECRET }).toString().slice(2), // form style: space as +
    encodeURIComponent(encodeURIComponent(SECRET)), // encoded twice (an echoed URL, encoded again)
    JSON.stringify(SECRET).slice(1, -1).replaceAll('/', '\\/'), // a JSON encoder escaping the solidus
  ];
  for (const f of forms) {
    t.ok(r.has(`before ${f} after`), `found: ${f}`);
    t.equal(r.text(`before ${f} after`), `before ${REDACTED} after`, `masked: ${f}`);
  }
  t.notOk(r.has('k3y/with+odd=chars'), 'a part of a secret is not the secret');
  t.equal(r.text('nothing here'), 'nothing here');
});

t.test('short values are not registered; without secrets every check is a no-op', async (t) => {
  const r = new Redactor();
  r.add('abc');
  r.add('');
  r.add(undefined);
  t.equal(r.size, 0);
  const line = '{"type":"odds.line","book":"abc"}';
  t.equal(r.line(line), line);
  t.equal(r.has(line), false);
});

t.test('the sampled guard never misses a secret (randomized, against includes())', async (t) => {
  const rnd = seededRandom(14);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=-_.:"{},[] ';
  const str = (n: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  let planted = 0;
  let absent = 0;
  for (let round = 0; round < 200; round++) {
    const r = new Redactor();
    const secrets: string[] = [];
    const k = 1 + Math.floor(rnd() * 5);
    for (let i = 0; i < k; i++) {
      const s = str(4 + Math.floor(rnd() * 70)); // both sides of the short/long split
      secrets.push(s);
      r.add(s, { encoded: rnd() < 0.5 });
    }
    for (let j = 0; j < 50; j++) {
      const base = str(Math.floor(rnd() * 400));
      const s = secrets[Math.floor(rnd() * secrets.length)]!;
      const at = Math.floor(rnd() * (base.length + 1));
      const line = base.slice(0, at) + s + base.slice(at);
      if (!r.has(line)) t.fail(`missed ${JSON.stringify(s)} at ${at} of ${line.length}`);
      if (r.text(line).includes(s)) t.fail(`left ${JSON.stringify(s)} in the text`);
      planted++;
      const expect = secrets.some((x) => base.includes(x));
      if (r.has(base) !== expect) t.fail(`has() disagrees with includes() on ${JSON.stringify(base)}`);
      absent++;
    }
  }
  t.pass(`${planted} planted secrets all found; ${absent} other lines agree with includes()`);
});

t.test('a private key: the whole PEM, its body and each line, in a JSON line too', async (t) => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const r = new Redactor();
  r.add(privateKey);
  const body = privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const l of body) if (l.length >= 16) r.add(l, { encoded: false });
  const out = r.line(JSON.stringify({ msg: 'oops', pem: privateKey, one: body[3] }));
  for (const l of body) if (l.length >= 16) t.notOk(out.includes(l), 'no line of the key survives');
  t.same(JSON.parse(out), { msg: 'oops', pem: REDACTED, one: REDACTED });
});

t.test('line(): a line without a secret is returned as is; with one, every string (keys too) is masked and the line stays JSON', async (t) => {
  const r = new Redactor();
  r.add('SeCr3t-0123456789');
  r.add('4242'); // a short secret that also occurs inside numbers
  const clean = '{"type":"odds.line","ts":1769370000123,"home_odds":2.24}';
  t.equal(r.line(clean), clean);
  const dirty = JSON.stringify({
    type: 'oracle.status',
    ts: 1769370004242,
    detail: 'HTTP 401: bad key SeCr3t-0123456789 (SeCr3t-0123456789)',
    labels: { 'SeCr3t-0123456789': 1, code: 'x4242y' },
  });
  const out = r.line(dirty);
  t.same(
    JSON.parse(out),
    { type: 'oracle.status', ts: 1769370004242, detail: `HTTP 401: bad key ${REDACTED} (${REDACTED})`, labels: { [REDACTED]: 1, code: `x${REDACTED}y` } },
    'numbers are data, not text: left alone',
  );
  t.equal(r.line('not json SeCr3t-0123456789'), `not json ${REDACTED}`, 'a line that is not JSON is masked as text');
  const quoted = 'q"uote\\d-secret';
  r.add(quoted);
  const q = r.line(JSON.stringify({ detail: `x${quoted}y` }));
  t.same(JSON.parse(q), { detail: `x${REDACTED}y` }, 'a secret that JSON escapes is found in the serialized line');
});

t.test('addFromUrl registers URL credentials by value, decoded, and names them', async (t) => {
  const r = new Redactor();
  t.same(r.addFromUrl('ws://h:1/api?x=1&key=ab%2Bcd%2F0123&z=2'), ['key']);
  t.same(r.addFromUrl('https://api.example/v4?apiKey=Plus+Space0123'), ['apiKey']);
  t.same(r.addFromUrl('wss://user:pa%40ss-0123@h/x'), ['password']);
  t.same(r.addFromUrl('http://127.0.0.1:8766'), []);
  for (const s of ['ab+cd/0123', 'ab%2Bcd%2F0123', 'ab%2bcd%2f0123', 'Plus Space0123', 'Plus+Space0123', 'pa@ss-0123', 'pa%40ss-0123']) {
    t.ok(r.has(`server said: ${s}.`), `registered: ${s}`);
  }
  t.equal(
    r.string('GET /v4?apiKey=unregistered99&x=1 from wss://u:pw123@h/'),
    `GET /v4?apiKey=${REDACTED}&x=1 from wss://u:${REDACTED}@h/`,
    'unregistered URL credentials are masked in log text',
  );
});

t.test('formsOf: a plain key has itself and its case-changed forms only', async (t) => {
  t.same(formsOf('0123456789abcdef0123456789abcdef'), ['0123456789abcdef0123456789abcdef', '0123456789ABCDEF0123456789ABCDEF']);
  t.same(formsOf('6f1d2c3e-aaaa-bbbb-cccc-0123456789ab'), ['6f1d2c3e-aaaa-bbbb-cccc-0123456789ab', '6F1D2C3E-AAAA-BBBB-CCCC-0123456789AB']);
  const r = new Redactor();
  r.add('MixedCase-Key-0123');
  t.equal(r.text('label outcome=mixedcase-key-0123 code=MIXEDCASE-KEY-0123'), `label outcome=${REDACTED} code=${REDACTED}`);
});

t.test('log payloads: keys holding a secret are masked too', async (t) => {
  const r = new Redactor();
  r.add('team-SeCr3t-0123');
  t.same(r.value({ unmapped: { 'team-SeCr3t-0123': 2 } }), { unmapped: { [REDACTED]: 2 } });
});

t.test('a secret cut in two by an excerpt or a JSON.parse message is still masked', async (t) => {
  const key = 'odds+Key/2026=ZQ-9f8e7d6c';
  const r = new Redactor();
  r.add(key);
  const cut = excerpt(`{"message":"API key ${key} is not valid"}`, 30); // ends inside the key
  t.notOk(cut.includes(key), 'the excerpt holds only the start of the key');
  t.equal(r.text(cut), `{"message":"API key ${REDACTED}…`);
  const errs: string[] = [];
  for (const text of [`not json: ${key} tail`, `[${'1,'.repeat(30)}${key}]`, `${'x'.repeat(5)}${key}`, `[1,2,${key}]`]) {
    try {
      JSON.parse(text);
    } catch (e) {
      errs.push((e as Error).message);
    }
  }
  const pieceOf = (text: string): string | undefined => {
    for (let k = key.length; k >= 4; k--) for (let a = 0; a + k <= key.length; a++) if (text.includes(key.slice(a, a + k))) return key.slice(a, a + k);
    return undefined;
  };
  t.ok(errs.filter((m) => pieceOf(m) !== undefined).length >= 3, `node quotes pieces of the key: ${JSON.stringify(errs)}`);
  for (const m of errs) {
    const out = r.text(`response is not JSON: ${m}`);
    t.equal(pieceOf(out), undefined, `no piece of 4 or more characters survives: ${out}`);
  }
  t.equal(r.text('an excerpt that ends in ordinary words…'), 'an excerpt that ends in ordinary words…', 'a cut without a piece of a secret is left alone');
  t.same(JSON.parse(r.line(JSON.stringify({ type: 'oracle.status', detail: cut }))), { type: 'oracle.status', detail: `{"message":"API key ${REDACTED}…` });
});
