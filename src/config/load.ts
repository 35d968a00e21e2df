// Loading the config: file (--config, or ./chimera.config.json if present), then the
// chosen profile's overlay, then flags; validated at each step with messages that name
// the bad key. Keys starting with "//" are comments. Secrets are refused: they come from
// env or key files only (see secrets.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { isSecretKey } from '../log/redact.js';
import { findDuplicateKey } from '../core/json-keys.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'chimera.config.json';
export const DEFAULT_PROFILE = 'default';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Plain = Record<string, unknown>;

export interface LoadOptions {
  /** --config FILE; when absent, ./chimera.config.json is used if it exists. */
  file?: string;
  /** --profile NAME; 'default' (or absent) means no overlay. */
  profile?: string;
  /** Flags mapped onto config keys by the command; applied last. */
  overrides?: Plain;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  profile: string;
  /** The file read, or null when running on defaults. */
  file: string | null;
  /** sha256 of the canonical resolved config (which never holds secrets). */
  fingerprint: string;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const cwd = opts.cwd ?? process.cwd();
  let file: string | null = null;
  let raw: Plain = {};
  if (opts.file !== undefined) {
    if (!existsSync(opts.file)) throw new ConfigError(`config file not found: ${opts.file}`);
    file = opts.file;
  } else if (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`)) {
    file = `${cwd}/${DEFAULT_CONFIG_FILE}`;
  }
  if (file !== null) raw = readJson(file);

  const { profiles: profilesRaw, ...baseRaw } = stripComments(raw) as Plain;
  refuseSecrets(baseRaw, '');
  const profiles = profilesRaw === undefined ? {} : profilesRaw;
  if (!isPlain(profiles)) throw new ConfigError(`${where(file)}profiles: expected an object of profile name -> overrides`);
  for (const [name, overlay] of Object.entries(profiles)) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ConfigError(`${where(file)}profiles.${name}: profile names are lowercase words joined by "-"`);
    if (!isPlain(overlay)) throw new ConfigError(`${where(file)}profiles.${name}: expected an object`);
    refuseSecrets(overlay, `profiles.${name}.`);
  }

  // Validate the base, then every profile (a typo in "live" is found by a shadow run too).
  check(baseRaw, `${where(file)}`);
  for (const [name, overlay] of Object.entries(profiles)) {
    check(deepMerge(baseRaw, overlay as Plain), `${where(file)}profiles.${name}: `);
  }

  const profile = opts.profile ?? DEFAULT_PROFILE;
  let merged = baseRaw;
  if (profile !== DEFAULT_PROFILE) {
    const overlay = (profiles as Plain)[profile];
    if (overlay === undefined) {
      const known = Object.keys(profiles);
      throw new ConfigError(`profile "${profile}" is not defined in ${file ?? '(no config file)'}${known.length ? `; defined: ${known.join(', ')}` : ''}`);
    }
    merged = deepMerge(merged, overlay as Plain);
  }
  if (opts.overrides) merged = deepMerge(merged, opts.overrides);
  const config = check(merged, 'flags: ');
  return { config, profile, file, fingerprint: fingerprint(config) };
}

/** sha256 of the canonical JSON (sorted keys) of a resolved config. */
export function fingerprint(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(v as Plain)
    .filter((k) => (v as Plain)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Plain)[k])}`).join(',')}}`;
}

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const cur = out[k];
    out[k] = isPlain(cur) && isPlain(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

function check(value: Plain, prefix: string): Config {
  const r = configSchema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.slice(0, 5).map((i) => `${prefix}${describeIssue(i)}`);
  throw new ConfigError(`invalid config:\n  ${lines.join('\n  ')}`);
}

function describeIssue(i: z.core.$ZodIssue): string {
  const path = i.path.join('.');
  if (i.code === 'unrecognized_keys') {
    const keys = i.keys.map((k) => (path ? `${path}.${k}` : k));
    return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''}`;
  }
  return `${path || '(top level)'}: ${i.message}`;
}

function readJson(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`);
  }
  let v: unknown;
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlain(v)) throw new ConfigError(`config ${file}: expected a JSON object at the top level`);
  // JSON.parse would silently keep the last of two equal keys: which one did the author mean?
  const dup = findDuplicateKey(json, (k) => k.startsWith('//'));
  if (dup !== undefined) {
    const at = dup.path ? `${dup.path}.${dup.key}` : dup.key;
    throw new ConfigError(`config ${file}: ${at}: duplicate key ${JSON.stringify(dup.key)} (JSON keeps only the last; say it once)`);
  }
  return v;
}

/** Drop "//" comment keys at every depth. */
export function stripComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripComments);
  if (!isPlain(v)) return v;
  const out: Plain = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('//')) out[k] = stripComments(x);
  return out;
}

function refuseSecrets(v: unknown, path: string): void {
  if (!isPlain(v)) return;
  for (const [k, x] of Object.entries(v)) {
    if (isSecretKey(k)) {
      throw new ConfigError(`${path}${k}: secrets do not belong in the config file; set them in the environment (see chimera(7), ENVIRONMENT)`);
    }
    refuseSecrets(x, `${path}${k}.`);
  }
}

function isPlain(v: unknown): v is Plain {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function where(file: string | null): string {
  return file ? `${file}: ` : '';
}
