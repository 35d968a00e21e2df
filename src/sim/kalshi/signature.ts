// How the simulator checks a signed request (reference §0), written from the reference
// on its own with node:crypto, sharing no code with the client's signer
// (src/feeds/kalshi-auth.ts): a signing bug in the client must be refused here, not
// pass because both sides run the same function.
//
//   KALSHI-ACCESS-KEY        the key id
//   KALSHI-ACCESS-TIMESTAMP  epoch milliseconds, as decimal digits
//   KALSHI-ACCESS-SIGNATURE  base64 RSA-PSS (SHA-256, MGF1 SHA-256, salt length 32) over
//                            timestamp + HTTP method + path (from /trade-api, no host, no query)
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The exchange's paths, as the reference gives them (the simulator's own copy). */
export const SIM_WS_PATH = '/trade-api/ws/v2';
export const SIM_REST_PREFIX = '/trade-api/v2';

export type SignatureCheck = { ok: true; keyId: string; tsMs: number } | { ok: false; reason: string };

export function simPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the public key must be RSA, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/**
 * Check the KALSHI-ACCESS-* headers of one request against the public key: all three
 * present, the key id the expected one (when given), the timestamp within maxSkewMs of
 * now, the signature valid for exactly timestamp + METHOD + path.
 */
export function checkSignature(
  headers: Record<string, string | string[] | undefined>,
  method: string,
  pathAndQuery: string,
  publicKey: KeyObject,
  nowMs: number,
  opts: { keyId?: string; maxSkewMs?: number } = {},
): SignatureCheck {
  const header = (name: string): string | undefined => {
    const v = headers[name];
    return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
  };
  // Node lower-cases incoming header names.
  const keyId = header('kalshi-access-key');
  const stamp = header('kalshi-access-timestamp');
  const signature = header('kalshi-access-signature');
  if (keyId === undefined || stamp === undefined || signature === undefined || !keyId || !stamp || !signature) {
    return { ok: false, reason: 'missing KALSHI-ACCESS-* headers' };
  }
  if (opts.keyId !== undefined && keyId !== opts.keyId) return { ok: false, reason: 'unknown key id' };
  if (!/^[0-9]{13}$/.test(stamp)) return { ok: false, reason: 'timestamp is not epoch milliseconds' };
  const tsMs = Number.parseInt(stamp, 10);
  if (Math.abs(nowMs - tsMs) > (opts.maxSkewMs ?? 60_000)) return { ok: false, reason: 'timestamp outside the allowed skew' };
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.substring(0, q);
  const message = Buffer.concat([Buffer.from(stamp, 'utf8'), Buffer.from(method.toUpperCase(), 'utf8'), Buffer.from(path, 'utf8')]);
  let valid: boolean;
  try {
    // MGF1 takes the digest's hash (SHA-256) unless told otherwise.
    valid = verify('sha256', message, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? { ok: true, keyId, tsMs } : { ok: false, reason: 'bad signature' };
}
