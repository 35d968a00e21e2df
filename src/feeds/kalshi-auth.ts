// Kalshi request signing (reference §0), the same for REST and the WebSocket handshake:
// KALSHI-ACCESS-SIGNATURE = base64(RSA-PSS(SHA-256, MGF1(SHA-256), salt 32)) over
// timestamp_ms + METHOD + path, the path from the API root without host or query string.
// The simulator checks signatures with its own code (src/sim/kalshi/signature.ts), not this.
import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { ConfigError } from '../config/load.js';
import type { Secrets } from '../config/secrets.js';

export { WS_PATH, REST_PREFIX, PROD_WS_URL, PROD_REST_URL, DEMO_WS_URL, DEMO_REST_URL } from '../core/kalshi-endpoints.js';

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

export interface Signer {
  readonly keyId: string;
  /** The three KALSHI-ACCESS-* headers for one request. */
  headers(tsMs: number, method: string, path: string): Record<string, string>;
}

/** A signer from a key id and a PEM private key (PKCS#1 or PKCS#8). Throws on a bad key. */
export function makeSigner(keyId: string, privateKeyPem: string): Signer {
  const key: KeyObject = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error(`the Kalshi private key must be RSA, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return {
    keyId,
    headers(tsMs, method, path) {
      const ts = String(tsMs);
      const sig = sign('sha256', Buffer.from(ts + method.toUpperCase() + stripQuery(path)), { key, ...PSS });
      return { 'KALSHI-ACCESS-KEY': keyId, 'KALSHI-ACCESS-TIMESTAMP': ts, 'KALSHI-ACCESS-SIGNATURE': sig.toString('base64') };
    },
  };
}

/** The signer of this run's Kalshi key: KALSHI_API_KEY_ID and the PEM file KALSHI_PRIVATE_KEY_PATH names (a ConfigError otherwise). */
export function signerFromSecrets(secrets: Secrets): Signer {
  const keyId = secrets.require('KALSHI_API_KEY_ID');
  const pem = secrets.privateKey('KALSHI_PRIVATE_KEY_PATH');
  try {
    return makeSigner(keyId, pem);
  } catch (e) {
    throw new ConfigError(`KALSHI_PRIVATE_KEY_PATH: not a usable RSA private key (${(e as Error).message})`);
  }
}

function stripQuery(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}
