// make bench: every *.bench.js beside this file, one run, one table. Each records/s
// figure is shown with its ratio to the parse+stringify limit measured in the same run.
// BENCH_QUICK=1 uses 100 k records instead of 1 M; BENCH_ONLY=name runs one bench file.
import { mkdtempSync, readdirSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../helpers/run.js';
import { oddsLine, parseStringifyLimit, writeLines, type Bench, type BenchEnv, type BenchRow } from './lib.js';

const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY;
const n = quick ? 100_000 : 1_000_000;
const tmp = mkdtempSync(`${tmpdir()}/chimera-bench-`);
const oddsFile = `${tmp}/odds-${n}.ndjson`;
writeLines(oddsFile, n, oddsLine);
const limit = parseStringifyLimit(oddsFile);
const env: BenchEnv = { tmp, limit, oddsFile, oddsLines: n, quick };
const rows: BenchRow[] = [{ group: 'limit', name: 'in-process JSON.parse + JSON.stringify', value: Math.round(limit), unit: 'records/s', ratio: 1 }];

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') && (!only || f.startsWith(only)))
  .sort();
for (const f of files) {
  const mod = (await import(`${dir}${f}`)) as { default: Bench };
  process.stderr.write(`bench: ${f}\n`);
  try {
    rows.push(...(await mod.default(env)));
  } catch (e) {
    rows.push({ group: f.replace('.bench.js', ''), name: 'FAILED', value: NaN, unit: '', note: (e as Error).message.slice(0, 200), ok: false });
  }
}
rmSync(tmp, { recursive: true, force: true });

const fmt = (x: number): string => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3)) : '-');
const lines = [`Chimera bench (${n.toLocaleString('en-US')} records, node ${process.version}, ${new Date().toISOString()})`, ''];
const w = Math.max(...rows.map((r) => `${r.group}: ${r.name}`.length));
for (const r of rows) {
  const label = `${r.group}: ${r.name}`.padEnd(w);
  const ratio = r.ratio !== undefined && r.group !== 'limit' ? `${(r.ratio * 100).toFixed(0).padStart(4)}% of limit` : ''.padEnd(14);
  const verdict = r.ok === undefined ? '' : r.ok ? `  ok (${r.target})` : `  MISSED (${r.target ?? 'failed'})`;
  lines.push(`${label}  ${fmt(r.value).padStart(12)} ${r.unit.padEnd(10)} ${ratio}${verdict}${r.note ? `  ${r.note}` : ''}`);
}
process.stdout.write(lines.join('\n') + '\n');
mkdirSync(`${ROOT}out`, { recursive: true });
writeFileSync(`${ROOT}out/bench.json`, JSON.stringify({ n, node: process.version, rows }, null, 2) + '\n');
