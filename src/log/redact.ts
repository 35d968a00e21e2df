// Secrets never leave the process. One Redactor per run holds every secret value (env
// keys, key files, keys found in URLs of flags and config); every boundary where bytes
// leave (stdout records, the log, raw recordings, metrics and reject files, the run dir)
// passes its text through it. A secret is masked wherever it appears, in every form a
// server could echo it in: as is, JSON-escaped, percent-encoded (both hex cases, form and
// URI component style, and twice over), lower- and upper-cased; and a piece of one next to
// a cut mark (an excerpt's "…") is masked too. In logs, credentials in URL query strings
// (`?key=`, `apiKey=`, ...) and values of secret-named keys are masked even if nobody
// registered them.
//
// The record writer checks every line, so the check must be cheap: a secret of at least
// LONG_MIN characters is found by sampling the line every (shortest long secret - Q + 1)
// characters and looking each sampled Q-gram up in a bitmap of every Q-gram of every long
// secret. Any occurrence of such a secret covers a sampled Q-gram, so a line with no
// sampled hit cannot hold one (no false negatives); a hit is confirmed with includes().
// A 300-byte record with a Kalshi key id and private key registered costs ~10 lookups.

export const REDACTED = '[REDACTED]';

const SECRET_KEY_RE =
  /^(key|apikey|api_key|api-key|key_id|secret|client_secret|token|access_token|password|passphrase|private_key|privatekey|signature|authorization|cookie|kalshi-access-signature|kalshi-access-key)$/i;
const SECRET_SUFFIX_RE = /(_|-)(api_?key|secret|token|password|private_?key|signature)$/i;
/** Query parameters that carry credentials: masked in logs, registered as secrets when found in flags or config. */
const URL_CRED = '(?:api_?key|api-key|apikey|key|token|access_token|auth_token|signature|secret|client_secret|password)';
const URL_CRED_RE = new RegExp(`([?&;]${URL_CRED}=)[^&#\\s"']+`, 'gi');
/** `scheme://user:password@host`: the password. */
const URL_USERINFO_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^/?#\s:@"']*:([^/?#\s@"']+)@/gi;

/** Where text was cut short: our excerpt()'s ellipsis, and the three dots of JSON.parse's message window. */
const CUT_RE = /…|\.\.\./g;

function hasCut(s: string): boolean {
  return s.includes('…') || s.includes('...');
}

/** Values shorter than this are not registered: they would mangle ordinary text. */
const MIN_SECRET = 4;
/** Secrets at least this long go through the sampled Q-gram check; shorter ones through includes(). */
const LONG_MIN = 12;
const Q = 4;
const BITS = 20;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key) || SECRET_SUFFIX_RE.test(key);
}

export interface AddOptions {
  /**
   * Also register the forms a server echoing it would use (percent-encoded, JSON-escaped).
   * Default true; false for text that never goes over the wire (lines of a private key).
   */
  encoded?: boolean;
}

export class Redactor {
  private readonly values = new Set<string>();
  /** Forms, longest first (replacement order), and the guard's state; rebuilt on add(). */
  private forms: string[] = [];
  private short: string[] = [];
  private long: string[] = [];
  private bitmap: Uint32Array | undefined;
  private step = 1;
  private dirty = false;

  /** Register a secret value; from now on it is masked in everything that leaves. */
  add(value: string | undefined | null, opts: AddOptions = {}): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET) return;
    const before = this.values.size;
    for (const f of opts.encoded === false ? [value] : formsOf(value)) if (f.length >= MIN_SECRET) this.values.add(f);
    if (this.values.size !== before) this.dirty = true;
  }

  /**
   * Register the credentials a URL-ish string carries (`?key=...`, `&apiKey=...`,
   * `user:password@`), decoded; returns the parameter names found (never the values).
   */
  addFromUrl(s: string): string[] {
    const names: string[] = [];
    if (s.includes('=')) {
      for (const m of s.matchAll(URL_CRED_RE)) {
        const value = m[0].slice(m[1]!.length);
        names.push(m[1]!.slice(1, -1));
        for (const v of decoded(value)) this.add(v);
      }
    }
    if (s.includes('@')) {
      for (const m of s.matchAll(URL_USERINFO_RE)) {
        names.push('password');
        for (const v of decoded(m[1]!)) this.add(v);
      }
    }
    return names;
  }

  /** Distinct forms registered (0: nothing to mask, every check is one comparison). */
  get size(): number {
    return this.values.size;
  }

  /** True if s holds a registered secret in any registered form, or a piece of one at a cut. */
  has(s: string): boolean {
    if (this.values.size === 0) return false;
    if (this.dirty) this.rebuild();
    return this.hasForm(s) || (hasCut(s) && this.cutPieces(s).length > 0);
  }

  /** Registered secrets replaced by [REDACTED]; nothing else changed (records, recordings). */
  text(s: string): string {
    if (!this.has(s)) return s;
    let out = s;
    for (const v of this.forms) if (out.includes(v)) out = out.split(v).join(REDACTED);
    if (hasCut(out)) {
      // Right to left, so earlier ranges keep their offsets.
      for (const [a, b] of this.cutPieces(out).reverse()) out = out.slice(0, a) + REDACTED + out.slice(b);
    }
    return out;
  }

  /** text(), and URL query credentials masked even if unregistered (log text, argv). */
  string(s: string): string {
    const out = this.text(s);
    return out.includes('=') || out.includes('@') ? maskUrls(out) : out;
  }

  /**
   * One NDJSON line on its way out (stdout, a raw recording, metrics): returned as is
   * unless it holds a secret; then every string in it (keys included) is redacted and the
   * line re-serialized, so it stays valid JSON. A line that is not JSON is redacted as text.
   */
  line(line: string): string {
    if (!this.has(line)) return line;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      return this.text(line);
    }
    return JSON.stringify(this.tree(v, (s) => this.text(s)));
  }

  /** A redacted deep copy of JSON data (a frozen config): strings as string(), secret-named keys masked. */
  json<T>(v: T): T {
    return this.tree(v, (s) => this.string(s), true) as T;
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
      out[this.text(k)] = isSecretKey(k) && x !== undefined && x !== null && x !== '' ? REDACTED : this.value(x, depth + 1, s);
    }
    return out;
  }

  private hasForm(s: string): boolean {
    for (const v of this.short) if (s.includes(v)) return true;
    const bm = this.bitmap;
    if (bm === undefined) return false;
    const end = s.length - Q;
    for (let p = 0; p <= end; p += this.step) {
      const h = qgram(s, p);
      if ((bm[h >>> 5]! & (1 << (h & 31))) !== 0) {
        for (const v of this.long) if (s.includes(v)) return true;
        return false;
      }
    }
    return false;
  }

  /**
   * Text cut short (an excerpt ending in "…", JSON.parse's `"..."` window around an error)
   * can end, start or consist of a piece of a secret that no longer matches it whole.
   * Next to each cut mark (past one quote), the longest run of MIN_SECRET or more
   * characters found inside a registered form is such a piece: its [start, end) ranges,
   * in order, not overlapping.
   */
  private cutPieces(s: string): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const inForm = (a: number, b: number): boolean => {
      const piece = s.slice(a, b);
      for (const f of this.forms) if (f.includes(piece)) return true;
      return false;
    };
    for (const m of s.matchAll(CUT_RE)) {
      // Past a quote, JSON-escaped or not (a cut window quoted inside a serialized line).
      let end = m.index;
      if (end > 0 && (s[end - 1] === '"' || s[end - 1] === "'")) end--;
      if (end > 0 && s[end - 1] === '\\') end--;
      let k = MIN_SECRET;
      if (end - k >= 0 && inForm(end - k, end)) {
        while (end - k - 1 >= 0 && inForm(end - k - 1, end)) k++;
        out.push([end - k, end]);
      }
      let start = m.index + m[0].length;
      if (s[start] === '\\') start++;
      if (s[start] === '"' || s[start] === "'") start++;
      k = MIN_SECRET;
      if (start + k <= s.length && inForm(start, start + k)) {
        while (start + k + 1 <= s.length && inForm(start, start + k + 1)) k++;
        out.push([start, start + k]);
      }
    }
    out.sort((x, y) => x[0] - y[0]);
    const merged: Array<[number, number]> = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    return merged;
  }

  /** Deep copy of acyclic JSON data with f applied to every string and key. */
  private tree(v: unknown, f: (s: string) => string, maskKeys = false): unknown {
    if (typeof v === 'string') return f(v);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.tree(x, f, maskKeys));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      out[f(k)] = maskKeys && isSecretKey(k) && typeof x === 'string' && x !== '' ? REDACTED : this.tree(x, f, maskKeys);
    }
    return out;
  }

  private rebuild(): void {
    this.dirty = false;
    this.forms = [...this.values].sort((a, b) => b.length - a.length);
    this.short = this.forms.filter((v) => v.length < LONG_MIN);
    this.long = this.forms.filter((v) => v.length >= LONG_MIN);
    if (this.long.length === 0) {
      this.bitmap = undefined;
      return;
    }
    const bm = new Uint32Array(1 << (BITS - 5));
    for (const v of this.long) {
      for (let p = 0; p + Q <= v.length; p++) {
        const h = qgram(v, p);
        bm[h >>> 5]! |= 1 << (h & 31);
      }
    }
    this.bitmap = bm;
    // Any occurrence of a secret of length L >= m covers the window [a, a + m); the first
    // sample at or after a is at most a + step - 1, so its Q-gram lies inside it.
    this.step = this.long[this.long.length - 1]!.length - Q + 1;
  }
}

/** The forms a secret can take in text that left the process or came back from a server. */
export function formsOf(v: string): string[] {
  const out = new Set<string>([v]);
  const json = JSON.stringify(v).slice(1, -1);
  out.add(json);
  out.add(json.replaceAll('/', '\\/')); // JSON encoders that escape the solidus
  const uri = encodeURIComponent(v);
  const form = new URLSearchParams({ x: v }).toString().slice(2);
  for (const e of [uri, form, encodeURIComponent(uri)]) {
    out.add(e);
    out.add(e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  // A server that normalizes case (an error code upper-cased, a label lower-cased).
  for (const f of [...out]) {
    out.add(f.toLowerCase());
    out.add(f.toUpperCase());
  }
  return [...out];
}

/** A 20-bit hash of the Q = 4 UTF-16 units at p. */
function qgram(s: string, p: number): number {
  let h = Math.imul(s.charCodeAt(p), 0x9e3779b1);
  h = Math.imul(h ^ s.charCodeAt(p + 1), 0x85ebca6b);
  h = Math.imul(h ^ s.charCodeAt(p + 2), 0xc2b2ae35);
  h = Math.imul(h ^ s.charCodeAt(p + 3), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> (32 - BITS);
}

/** A value as written in a URL, and as a server decodes it (URI-style, and form-style with + as space). */
function decoded(s: string): string[] {
  const out = [s];
  try {
    out.push(decodeURIComponent(s));
  } catch {
    // not valid percent-encoding: the value is what was written
  }
  out.push(new URLSearchParams(`x=${s}`).get('x') ?? s);
  return out;
}

function maskUrls(s: string): string {
  let out = s;
  if (out.includes('=')) out = out.replace(URL_CRED_RE, `$1${REDACTED}`);
  if (out.includes('@')) out = out.replace(URL_USERINFO_RE, (m, pw: string) => m.slice(0, m.length - pw.length - 1) + `${REDACTED}@`);
  return out;
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
