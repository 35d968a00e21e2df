// Short excerpts of untrusted text for diagnostics: a bad line or frame is quoted, never
// in full.

/** The first `max` characters of `s`, with "…" when cut. */
export function excerpt(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** The longest prefix of `s` whose UTF-8 fits in `maxBytes` (a WebSocket close reason: 123). */
export function utf8Prefix(s: string, maxBytes: number): string {
  const enc = new TextEncoder();
  if (enc.encode(s).length <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = enc.encode(ch).length;
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
