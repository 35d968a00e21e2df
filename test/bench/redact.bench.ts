// The cost of checking every output line for secrets (issue 14): Redactor.line() over
// 200 k odds.line records of the bench file, in process, with nothing registered (what
// devig and ndcat pay: one comparison), with a feed's key, and with a Kalshi key id and
// a 2048-bit private key (the most forms); beside it the obvious alternative, includes()
// for every registered form. Shown in ns a record and as a share of one JSON.parse +
// JSON.stringify of the same record (the limit measured in this run).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { Secrets } from '../../src/config/secrets.js';
import { Redactor, formsOf } from '../../src/log/redact.js';
import type { Bench, BenchRow } from './lib.js';

function sample(file: string, n: number): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  let pos = 0;
  while (out.length < n && pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    if (end > pos) out.push(text.slice(pos, end));
    pos = end + 1;
  }
  return out;
}

/** ns a line of check(line), best of 3 passes after a warm-up. */
function nsPerLine(lines: string[], check: (l: string) => unknown): number {
  let acc = 0;
  for (let i = 0; i < Math.min(lines.length, 50_000); i++) if (check(lines[i]!) !== lines[i]) acc++;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    for (const l of lines) if (check(l) !== l) acc++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / lines.length);
  }
  if (acc !== 0) throw new Error('a bench line was redacted: the secrets must not occur in the data');
  return best;
}

const bench: Bench = async (env) => {
  const lines = sample(env.oddsFile, 200_000);
  const limitNs = 1e9 / env.limit;
  const none = new Redactor();
  const feed = new Redactor();
  feed.add('2f6c0f4e9a8b4d1e8c3b7a6f5e4d3c2b'); // an Odds API key: 32 hex characters
  const kalshi = new Redactor();
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const pemFile = `${env.tmp}/bench-kalshi.pem`;
  writeFileSync(pemFile, privateKey, { mode: 0o600 });
  chmodSync(pemFile, 0o600);
  new Secrets(kalshi, { KALSHI_API_KEY_ID: '6f1d2c3e-4a5b-4c6d-8e7f-0123456789ab', KALSHI_PRIVATE_KEY_PATH: pemFile }).preload([
    'KALSHI_API_KEY_ID',
    'KALSHI_PRIVATE_KEY_PATH',
  ]);
  // The alternative: every form the Kalshi redactor holds, looked for with includes().
  const forms = [
    ...new Set([
      ...formsOf('6f1d2c3e-4a5b-4c6d-8e7f-0123456789ab'),
      ...formsOf(privateKey),
      ...privateKey.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')),
    ]),
  ];
  const naive = (l: string): string => {
    for (const f of forms) if (l.includes(f)) return '';
    return l;
  };
  const row = (name: string, ns: number, target?: number): BenchRow => ({
    group: 'redact',
    name,
    value: ns,
    unit: 'ns/record',
    note: `${((ns / limitNs) * 100).toFixed(1)} % of a parse+stringify (${limitNs.toFixed(0)} ns)`,
    ...(target !== undefined ? { target: `< ${target * 100} % of a parse+stringify`, ok: ns / limitNs < target } : {}),
  });
  return [
    row(
      'Redactor.line, nothing registered (devig, ndcat)',
      nsPerLine(lines, (l) => none.line(l)),
    ),
    row(
      'Redactor.line, one feed key',
      nsPerLine(lines, (l) => feed.line(l)),
    ),
    row(
      `Redactor.line, Kalshi key id + 2048-bit private key (${kalshi.size} forms)`,
      nsPerLine(lines, (l) => kalshi.line(l)),
      0.1,
    ),
    row(`includes() of each of the ${forms.length} forms (the alternative)`, nsPerLine(lines, naive)),
  ];
};

export default bench;
