// Kalshi request signing (reference §0), the same for REST and the WebSocket handshake:
// KALSHI-ACCESS-SIGNATURE = base64(RSA-PSS(SHA-256, MGF1(SHA-256), salt 32)) over
// timestamp_ms + METHOD + path, the path from the API root without host or query string.
// The simulator checks signatures with its own code (src/sim/kalshi/signature.ts), not this.
import { constants, createPrivateKey, sign, type KeyObject } from 'node:crypto';

export const WS_PATH = '/trade-api/ws/v2';
export const REST_PREFIX = '/trade-api/v2';

export const PROD_WS_URL = `wss://external-api-ws.kalshi.com${WS_PATH}`;
export const PROD_REST_URL = `https://external-api.kalshi.com${REST_PREFIX}`;
export const DEMO_WS_URL = `wss://external-api-ws.demo.kalshi.co${WS_PATH}`;
export const DEMO_REST_URL = `https://external-api.demo.kalshi.co${REST_PREFIX}`;

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

function stripQuery(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}
