import t from 'tap';
import { generateKeyPairSync, constants, verify } from 'node:crypto';
import { makeSigner, publicKeyOf, verifySignature } from '../../src/feeds/kalshi-auth.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const other = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

t.test('headers: key id, ms timestamp, RSA-PSS SHA-256 salt 32 over ts + METHOD + path', async (t) => {
  const s = makeSigner('key-1', privateKey);
  const h = s.headers(1703123456789, 'get', '/trade-api/ws/v2');
  t.equal(h['KALSHI-ACCESS-KEY'], 'key-1');
  t.equal(h['KALSHI-ACCESS-TIMESTAMP'], '1703123456789');
  const sig = Buffer.from(h['KALSHI-ACCESS-SIGNATURE']!, 'base64');
  t.equal(sig.length, 256);
  const msg = Buffer.from('1703123456789GET/trade-api/ws/v2');
  t.ok(verify('sha256', msg, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig), 'verifies with salt length 32');
  t.notOk(verify('sha256', msg, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, sig), 'not with another salt length');
  const q = s.headers(1703123456789, 'GET', '/trade-api/v2/markets?series_ticker=KXNBAGAME');
  const nq = verifySignature(lower(q), 'GET', '/trade-api/v2/markets', publicKeyOf(publicKey), 1703123456789);
  t.ok(nq.ok, 'the query string is not signed');
});

t.test('verification refuses what a real exchange would', async (t) => {
  const s = makeSigner('key-1', privateKey);
  const pub = publicKeyOf(publicKey);
  const now = 1_800_000_000_000;
  const h = lower(s.headers(now, 'GET', '/trade-api/ws/v2'));
  t.same(verifySignature(h, 'GET', '/trade-api/ws/v2', pub, now), { ok: true, keyId: 'key-1', tsMs: now });
  t.match(verifySignature(h, 'POST', '/trade-api/ws/v2', pub, now), { ok: false, reason: 'bad signature' }, 'another method');
  t.match(verifySignature(h, 'GET', '/trade-api/v2/markets', pub, now), { ok: false, reason: 'bad signature' }, 'another path');
  t.match(verifySignature(h, 'GET', '/trade-api/ws/v2', pub, now + 120_000), { ok: false, reason: /skew/ }, 'a stale timestamp');
  t.match(verifySignature(h, 'GET', '/trade-api/ws/v2', pub, now, { keyId: 'key-2' }), { ok: false, reason: 'unknown key id' });
  t.match(verifySignature(h, 'GET', '/trade-api/ws/v2', publicKeyOf(other.publicKey), now), { ok: false, reason: 'bad signature' }, 'another key');
  t.match(verifySignature({}, 'GET', '/trade-api/ws/v2', pub, now), { ok: false, reason: /missing/ });
});

t.test('a non-RSA or broken key is refused at load', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  t.throws(() => makeSigner('k', ec.privateKey), /RSA/);
  t.throws(() => makeSigner('k', '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n'));
});

function lower(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
