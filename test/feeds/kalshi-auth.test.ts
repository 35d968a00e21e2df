import t from 'tap';
import { generateKeyPairSync, constants, verify } from 'node:crypto';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

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
  const qsig = Buffer.from(q['KALSHI-ACCESS-SIGNATURE']!, 'base64');
  t.ok(
    verify('sha256', Buffer.from('1703123456789GET/trade-api/v2/markets'), { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, qsig),
    'the query string is not signed',
  );
});

t.test('a non-RSA or broken key is refused at load', async (t) => {
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  t.throws(() => makeSigner('k', ec.privateKey), /RSA/);
  t.throws(() => makeSigner('k', '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n'));
});
