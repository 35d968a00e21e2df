// Secrets never reach a log line: values of secret-named keys are replaced, every
// registered secret value is replaced wherever it appears in a string, and credentials
// in URL query strings (`?key=`, `apiKey=`, ...) are masked even if nobody registered them.

export const REDACTED = '[REDACTED]';

const SECRET_KEY_RE = /^(key|apikey|api_key|api-key|key_id|secret|client_secret|token|access_token|password|passphrase|private_key|privatekey|signature|authorization|cookie|kalshi-access-signature|kalshi-access-key)$/i;
const SECRET_SUFFIX_RE = /(_|-)(api_?key|secret|token|password|private_?key|signature)$/i;
const URL_CRED_RE = /([?&](?:api_?key|apikey|key|token|access_token|signature)=)[^&#\s"']+/gi;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key) || SECRET_SUFFIX_RE.test(key);
}

export class Redactor {
  private readonly values = new Set<string>();

  /** Register a secret value; every later log line has it masked. */
  add(value: string | undefined | null): void {
    if (typeof value === 'string' && value.length >= 4) this.values.add(value);
  }

  get size(): number {
    return this.values.size;
  }

  string(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    if (out.includes('=')) out = out.replace(URL_CRED_RE, `$1${REDACTED}`);
    return out;
  }

  /** A redacted deep copy of a log payload (bounded depth; cycles cut). */
  value(v: unknown, depth = 0, seen?: WeakSet<object>): unknown {
    if (typeof v === 'string') return this.string(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > 8) return '[depth]';
    const s = seen ?? new WeakSet<object>();
    if (s.has(v)) return '[cycle]';
    s.add(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1, s));
    if (v instanceof Error) return this.value(serializeError(v), depth + 1, s);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[k] = isSecretKey(k) && x !== undefined && x !== null && x !== '' ? REDACTED : this.value(x, depth + 1, s);
    }
    return out;
  }
}

/** pino's err shape: type, message, stack, and a code where there is one. */
export function serializeError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { type: typeof e, message: String(e) };
  const out: Record<string, unknown> = { type: e.name, message: e.message };
  const code = (e as NodeJS.ErrnoException).code;
  if (code !== undefined) out.code = code;
  if (e.stack) out.stack = e.stack;
  if (e.cause !== undefined) out.cause = serializeError(e.cause);
  return out;
}
