// Short excerpts of untrusted text for diagnostics: a bad line or frame is quoted, never
// in full.

/** The first `max` characters of `s`, with "…" when cut. */
export function excerpt(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
