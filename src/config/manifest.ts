// The run manifest (roadmap item 11): the first record of every run, saying exactly what
// ran: command, version, branch, commit and whether the tree was dirty, profile, config
// fingerprint, argv, start time. Git state is read from the checkout the code runs from;
// outside a checkout it comes from dist/buildinfo.json, written at build time.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redactor } from '../log/redact.js';
import type { RunManifest } from '../schema/records.js';
import { ConfigError } from './load.js';

/** The package root (this file runs from dist/src/config/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface GitInfo {
  branch: string | null;
  commit: string | null;
  dirty: boolean | null;
}

export interface BuildInfo extends GitInfo {
  version: string;
  built_ts: number;
}

let cachedVersion: string | undefined;
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

/** Branch, commit and dirtiness of a git checkout, or null fields outside one. */
export function gitInfo(dir: string = PACKAGE_ROOT): GitInfo | null {
  const r = spawnSync('git', ['-C', dir, 'status', '--porcelain=v2', '--branch', '--untracked-files=no'], {
    encoding: 'utf8',
    timeout: 5000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  let branch: string | null = null;
  let commit: string | null = null;
  let dirty = false;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('# branch.oid ')) {
      const oid = line.slice(13).trim();
      commit = oid === '(initial)' ? null : oid;
    } else if (line.startsWith('# branch.head ')) {
      const head = line.slice(14).trim();
      branch = head === '(detached)' ? null : head;
    } else if (line.length > 0 && !line.startsWith('#')) {
      dirty = true;
    }
  }
  return { branch, commit, dirty };
}

export function readBuildInfo(): BuildInfo | null {
  const file = join(PACKAGE_ROOT, 'dist', 'buildinfo.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BuildInfo;
  } catch {
    return null;
  }
}

export interface ManifestInput {
  cmd: string;
  profile: string;
  fingerprint: string;
  argv: string[];
  startedTs: number;
}

export interface Provenance extends GitInfo {
  /** Where branch/commit came from. */
  from: 'git' | 'buildinfo' | 'none';
  /** The commit dist/ was built from, when known. */
  build_commit: string | null;
}

let cachedProvenance: Provenance | undefined;
export function provenance(): Provenance {
  if (cachedProvenance) return cachedProvenance;
  const build = readBuildInfo();
  const git = gitInfo();
  if (git && git.commit) {
    cachedProvenance = { ...git, from: 'git', build_commit: build?.commit ?? null };
  } else if (build) {
    cachedProvenance = {
      branch: build.branch ?? null,
      commit: build.commit ?? null,
      dirty: build.dirty ?? null,
      from: 'buildinfo',
      build_commit: build.commit ?? null,
    };
  } else {
    cachedProvenance = { branch: null, commit: null, dirty: null, from: 'none', build_commit: null };
  }
  return cachedProvenance;
}

export function buildManifest(m: ManifestInput): RunManifest {
  const p = provenance();
  return {
    type: 'run.manifest',
    ts: m.startedTs,
    cmd: m.cmd,
    version: packageVersion(),
    branch: p.branch,
    commit: p.commit,
    dirty: p.dirty,
    profile: m.profile,
    config_fingerprint: m.fingerprint,
    argv: m.argv,
    started_ts: m.startedTs,
    provenance: p.from,
    build_commit: p.build_commit,
  };
}

/**
 * --run-dir: freeze what this run used beside its outputs: <cmd>.manifest.json and a
 * read-only <cmd>.config.json. A run dir is written once per command; reusing one is an
 * error (a frozen snapshot that a later run overwrote would prove nothing).
 */
/** Refuse a run dir that already holds this command's files (checked at start, and again when writing). */
export function checkRunDir(dir: string, cmd: string): void {
  for (const f of [join(dir, `${cmd}.manifest.json`), join(dir, `${cmd}.config.json`)]) {
    if (existsSync(f)) throw new ConfigError(`--run-dir ${dir} already holds ${f}: each run gets a fresh run dir`);
  }
}

/** Mode of the frozen config: its owner may read it, nobody else (it names hosts, books, limits). */
export const FROZEN_CONFIG_MODE = 0o400;
/** Mode of the manifest file: the same text as the manifest record, readable by all. */
export const MANIFEST_MODE = 0o444;

/**
 * Both files go through the run's redactor: a key given inside a URL (--url
 * 'ws://h/x?key=...') is frozen as [REDACTED], like every other registered secret.
 */
export function writeRunDir(dir: string, manifest: RunManifest, resolvedConfig: unknown, redactor: Redactor): { manifestFile: string; configFile: string } {
  mkdirSync(dir, { recursive: true });
  const manifestFile = join(dir, `${manifest.cmd}.manifest.json`);
  const configFile = join(dir, `${manifest.cmd}.config.json`);
  checkRunDir(dir, manifest.cmd);
  writeFileSync(configFile, JSON.stringify(redactor.json(resolvedConfig), null, 2) + '\n', { mode: FROZEN_CONFIG_MODE, flag: 'wx' });
  chmodSync(configFile, FROZEN_CONFIG_MODE);
  writeFileSync(manifestFile, JSON.stringify(redactor.json(manifest), null, 2) + '\n', { mode: MANIFEST_MODE, flag: 'wx' });
  chmodSync(manifestFile, MANIFEST_MODE);
  return { manifestFile, configFile };
}
