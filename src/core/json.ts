// Parsed JSON as it arrives from a network or a file, before a schema has looked at it.

export type Obj = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
