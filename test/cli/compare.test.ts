// compare as a user runs it: two quote --replay runs of the fixture session (Odds API +
// proportional against BoltOdds + Shin), records and Markdown, byte-identical on rerun,
// bad input counted, a wrong number of runs refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { validateRecord } from '../../src/schema/index.js';
import { ofType, run, summary } from '../helpers/run.js';

const tmp = mkdtempSync(`${tmpdir()}/chimera-compare-`);
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

const quote = async (oracle: string): Promise<string> => {
  const r = await run('quote', [
    '--shadow',
    '--replay',
    '--config',
    'test/fixtures/quote/config.json',
    '--oracle',
    oracle,
    'test/fixtures/quote/session.ndjson',
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
  const file = `${tmp}/${oracle.replace('/', '-')}.ndjson`;
  writeFileSync(file, r.stdout);
  return file;
};

t.test('control against experiment over the fixture session', async (t) => {
  const control = await quote('oddsapi/proportional');
  const experiment = await quote('boltodds/shin');
  const once = async (tag: string): Promise<[string, string]> => {
    const r = await run('compare', ['--replay', '--markdown', `${tmp}/${tag}.md`, control, experiment]);
    t.equal(r.code, 0, r.stderr);
    t.match(summary(r.logs), { games: 1, control: 'oddsapi/proportional', experiment: 'boltodds/shin', same_recording: true, rejected: 0 });
    return [r.stdout, readFileSync(`${tmp}/${tag}.md`, 'utf8')];
  };
  const [out, md] = await once('a');
  const recs = (await run('validate', [], { input: out })).records;
  const cmp = ofType(recs, 'compare');
  t.equal(cmp.length, 2, 'one game and the total');
  for (const c of cmp) t.ok(validateRecord(c).ok, 'valid');
  const [game, total] = cmp as [Record<string, unknown>, Record<string, unknown>];
  t.match(game, {
    game: 'nba-2026-01-25-den-mem',
    sport: 'nba',
    p_moments: 3,
    recording_mismatch: [],
    runs: { control: { path: 'oddsapi/proportional', path_from: 'argv' }, experiment: { path: 'boltodds/shin', path_from: 'argv' } },
    leads: { control: 0, experiment: 0, tie: 1, unmatched_control: 0, unmatched_experiment: 1 },
    control: { probs: 2, orders: 8, fills: 1, contracts_filled: 10, pnl_usd: 5.45, settled_tickers: 1, skips: { 'no-book': 2, 'no-oracle': 2 } },
    experiment: { probs: 3, orders: 10, fills: 1, contracts_filled: 10, edge_decision_usd: 0.45, pnl_usd: 5.45 },
  });
  // p_home: oddsapi .52 then .58, boltodds .50, .60, .61: |.02| |.02| |.03| at the 3 moments
  t.ok(Math.abs((game.p_home_mad as number) - 0.07 / 3) < 1e-12, `mad ${String(game.p_home_mad)}`);
  t.match(total, { game: null, control: { skips: { unmapped: 2 } } });
  t.match(md, /^# Control against experiment\n/);
  t.match(md, /\| oracle path \| oddsapi\/proportional \(argv\) \| boltodds\/shin \(argv\) \|/);
  t.match(md, /Same recording/);
  t.match(md, /## nba-2026-01-25-den-mem\n\nProbabilities: mean \|Δp_home\| 2\.33 points over 3 moments/);
  t.same(await once('b'), [out.replace(`${tmp}/a.md`, `${tmp}/b.md`), md], 'byte-identical rerun (records and Markdown)');
});

t.test('bad input is counted; a different recording is flagged; two runs are required', async (t) => {
  const control = await quote('oddsapi/proportional');
  const lines = readFileSync(control, 'utf8').trim().split('\n');
  const fill = lines.find((l) => l.includes('"type":"fill"'))!;
  const book = lines.findIndex((l) => l.includes('"type":"kalshi.book"'));
  const other = [...lines.slice(0, book), ...lines.slice(book + 1), fill, 'not json'].join('\n') + '\n';
  const r = await run('compare', [control, '-'], { input: other });
  t.equal(r.code, 0, r.stderr);
  t.match(summary(r.logs), { rejected: 2, rejected_by_reason: { 'duplicate-fill': 1, 'not-json': 1 }, same_recording: false });
  t.ok(r.logs.some((l) => l.msg === 'the runs passed through different numbers of recording records: not the same recording?'));
  t.match(ofType(r.records, 'compare')[1], { recording_mismatch: ['kalshi.book'], experiment: { fills: 1 } });
  const one = await run('compare', [control]);
  t.equal(one.code, 2);
  t.match(one.stderr, /missing required argument 'experiment'/);
  const three = await run('compare', [control, control, control]);
  t.equal(three.code, 2, 'three runs: a usage error');
});
