// The simulator's own signature check (src/sim/kalshi/signature.ts): it accepts what the
// reference describes, signed here with node:crypto directly (not with the client's
// signer), accepts the client's signer too, and refuses every way a request can be
// signed wrongly, so that a signing bug in the client fails against the simulator.
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import t from 'tap';
import { makeSigner } from '../../src/feeds/kalshi-auth.js';
import { checkSignature, simPublicKey } from '../../src/sim/kalshi/signature.js';

const pair = (): { privateKey: string; publicKey: string } =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const mine = pair();
const other = pair();
const pub = simPublicKey(mine.publicKey);
const now = 1_800_000_000_000;
const PATH = '/trade-api/ws/v2';

/** Headers as node hands them to a server (lower-case names), signed by hand. */
function signed(ts: number, message: string, o: { key?: string; saltLength?: number; padding?: number; keyId?: string } = {}): Record<string, string> {
  const sig = sign('sha256', Buffer.from(message), {
    key: o.key ?? mine.privateKey,
    padding: o.padding ?? constants.RSA_PKCS1_PSS_PADDING,
    saltLength: o.saltLength ?? 32,
  });
  return { 'kalshi-access-key': o.keyId ?? 'key-1', 'kalshi-access-timestamp': String(ts), 'kalshi-access-signature': sig.toString('base64') };
}

t.test("accepts a request signed as the reference says, and the client signer's", async (t) => {
  t.same(checkSignature(signed(now, `${now}GET${PATH}`), 'GET', PATH, pub, now), { ok: true, keyId: 'key-1', tsMs: now });
  t.ok(checkSignature(signed(now, `${now}GET/trade-api/v2/markets`), 'GET', '/trade-api/v2/markets?limit=5', pub, now).ok, 'the query is not signed');
  const client = makeSigner('key-1', mine.privateKey).headers(now, 'GET', PATH);
  const lower = Object.fromEntries(Object.entries(client).map(([k, v]) => [k.toLowerCase(), v]));
  t.ok(checkSignature(lower, 'GET', PATH, pub, now).ok, 'the client signer passes an independent check');
});

t.test('refuses a wrongly signed request', async (t) => {
  const bad = { ok: false, reason: 'bad signature' };
  t.match(checkSignature(signed(now, `${now}GET${PATH}`), 'POST', PATH, pub, now), bad, 'signed for another method');
  t.match(checkSignature(signed(now, `${now}GET/trade-api/v2/markets`), 'GET', PATH, pub, now), bad, 'signed for another path');
  t.match(checkSignature(signed(now, `${now}GET${PATH}?x=1`), 'GET', PATH, pub, now), bad, 'the query included in the signed text');
  t.match(checkSignature(signed(now, `${now - 1}GET${PATH}`), 'GET', PATH, pub, now), bad, 'another timestamp in the signed text');
  t.match(checkSignature(signed(now, `${now}get${PATH}`), 'GET', PATH, pub, now), bad, 'the method not upper-cased');
  t.match(checkSignature(signed(now, `${now}GET${PATH}`, { saltLength: 20 }), 'GET', PATH, pub, now), bad, 'PSS with another salt length');
  t.match(checkSignature(signed(now, `${now}GET${PATH}`, { padding: constants.RSA_PKCS1_PADDING }), 'GET', PATH, pub, now), bad, 'PKCS#1 v1.5 instead of PSS');
  t.match(checkSignature(signed(now, `${now}GET${PATH}`, { key: other.privateKey }), 'GET', PATH, pub, now), bad, 'another key');
  t.match(checkSignature(signed(now, `${now}GET${PATH}`), 'GET', PATH, pub, now + 120_000), { ok: false, reason: /skew/ }, 'a stale timestamp');
  t.match(checkSignature(signed(now, `${now}GET${PATH}`), 'GET', PATH, pub, now, { keyId: 'key-2' }), { ok: false, reason: 'unknown key id' });
  const secs = Math.floor(now / 1000);
  t.match(checkSignature(signed(secs, `${secs}GET${PATH}`), 'GET', PATH, pub, now), { ok: false, reason: /milliseconds/ }, 'a timestamp in seconds');
  t.match(checkSignature({}, 'GET', PATH, pub, now), { ok: false, reason: /missing/ });
});

t.test('a non-RSA public key is refused at load', async (t) => {
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  t.throws(() => simPublicKey(ec.publicKey), /RSA/);
});
