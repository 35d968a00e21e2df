import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../../src/config/load.js';
import { Secrets } from '../../src/config/secrets.js';
import { Redactor } from '../../src/log/redact.js';

t.test('from env, or from NAME_FILE; every value registered for redaction', async (t) => {
  const dir = t.testdir({});
  writeFileSync(`${dir}/k`, 'file-secret-value\n', { mode: 0o600 });
  const r = new Redactor();
  const s = new Secrets(r, { ODDS_API_KEY: 'env-secret-value', BOLTODDS_API_KEY_FILE: `${dir}/k` });
  t.equal(s.get('ODDS_API_KEY'), 'env-secret-value');
  t.equal(s.get('BOLTODDS_API_KEY'), 'file-secret-value');
  t.equal(s.get('KALSHI_API_KEY_ID'), undefined);
  t.equal(r.string('a env-secret-value b file-secret-value'), 'a [REDACTED] b [REDACTED]');
});

t.test('a missing required secret names the variable; a readable key file is refused', async (t) => {
  const dir = t.testdir({});
  const s = new Secrets(new Redactor(), { KALSHI_PRIVATE_KEY_PATH: `${dir}/key.pem` });
  t.throws(() => s.require('ODDS_API_KEY'), ConfigError);
  try {
    s.require('ODDS_API_KEY');
  } catch (e) {
    t.match((e as Error).message, /ODDS_API_KEY is not set/);
  }
  writeFileSync(`${dir}/key.pem`, '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n');
  chmodSync(`${dir}/key.pem`, 0o644);
  try {
    s.privateKey('KALSHI_PRIVATE_KEY_PATH');
    t.fail('a 0644 key must be refused');
  } catch (e) {
    t.match((e as Error).message, /readable by group or others \(mode 644\); run chmod 600/);
  }
  chmodSync(`${dir}/key.pem`, 0o600);
  t.match(s.privateKey('KALSHI_PRIVATE_KEY_PATH'), /BEGIN PRIVATE KEY/);
});
