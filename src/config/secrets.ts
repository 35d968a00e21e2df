// Secrets come from the environment (NAME) or from a file named by NAME_FILE, never from
// the config file, argv or records. Every secret read is registered with the run's
// redactor (src/log/redact.ts) before anything else can see it, and a command's secrets
// are read at start (preload) so that even its first output, the run manifest, is
// checked against them. Key files readable by group or others are refused, as ssh does.
import { readFileSync, statSync } from 'node:fs';
import type { Redactor } from '../log/redact.js';
import { ConfigError } from './load.js';

export const SECRET_ENV = {
  BOLTODDS_API_KEY: 'BoltOdds stream key (feed-boltodds)',
  ODDS_API_KEY: 'The Odds API key (feed-oddsapi)',
  KALSHI_API_KEY_ID: 'Kalshi API key id (feed-kalshi, live orders)',
  KALSHI_PRIVATE_KEY_PATH: 'path of the Kalshi RSA private key, PEM, mode 0600 (feed-kalshi)',
} as const;
export type SecretName = keyof typeof SECRET_ENV;
/** Secrets given as the path of a key file: the file's contents are the secret. */
const PATH_SECRETS: ReadonlySet<SecretName> = new Set(['KALSHI_PRIVATE_KEY_PATH']);

export class Secrets {
  constructor(
    private readonly redactor: Redactor,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The secret from NAME, or from the file NAME_FILE names; undefined if neither is set. */
  get(name: SecretName): string | undefined {
    const direct = this.env[name];
    if (direct !== undefined && direct !== '') {
      this.redactor.add(direct);
      return direct;
    }
    const file = this.env[`${name}_FILE`];
    if (file !== undefined && file !== '') {
      const value = readPrivateFile(file, `${name}_FILE`).trim();
      this.redactor.add(value);
      return value;
    }
    return undefined;
  }

  /** Like get(), but a missing secret is a configuration error naming the variable. */
  require(name: SecretName): string {
    const v = this.get(name);
    if (v === undefined) throw new ConfigError(`${name} is not set (${SECRET_ENV[name]}); set it, or ${name}_FILE, in the environment`);
    return v;
  }

  /**
   * A PEM private key from the path in env `name`; refused if group/others can read it.
   * The key, its base64 body and each body line are secrets (the lines as they are: the
   * key is never sent anywhere, so no server can echo it percent-encoded).
   */
  privateKey(name: SecretName): string {
    const path = this.env[name];
    if (path === undefined || path === '') throw new ConfigError(`${name} is not set (${SECRET_ENV[name]})`);
    const pem = readPrivateFile(path, name);
    this.redactor.add(pem);
    this.redactor.add(pem.trim());
    const body = pem
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith('-----'));
    this.redactor.add(body.join(''), { encoded: false });
    for (const line of body) if (line.length >= 16) this.redactor.add(line, { encoded: false });
    return pem;
  }

  /**
   * Register every one of `names` that is set, now (at start, before any output). A
   * secret that cannot be read is left for get()/require()/privateKey() to report when
   * the command asks for it.
   */
  preload(names: readonly SecretName[]): void {
    for (const name of names) {
      try {
        if (PATH_SECRETS.has(name)) {
          if (this.env[name]) this.privateKey(name);
        } else {
          this.get(name);
        }
      } catch {
        // reported when the command reads it
      }
    }
  }
}

function readPrivateFile(path: string, what: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new ConfigError(`${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(`${what}: ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`);
  }
  return readFileSync(path, 'utf8');
}
