import { mkdtempSync, rmSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { metrics } from '../../src/core/calibration.js';
import { validateRecord } from '../../src/schema/index.js';
import { teams } from '../../src/core/teams.js';
import { ndjson, ofType, run, summary } from '../helpers/run.js';

const C = 1_769_385_600_000; // a commence_ts
const tmp = mkdtempSync(`${tmpdir()}/chimera-cal-`);
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));

function prob(i: number, p: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'oracle.prob',
    ts: C - 60_000,
    source: 'history',
    sport: 'nba',
    event: event(i),
    home: 'H',
    away: 'A',
    commence_ts: C,
    books: ['consensus'],
    method: 'proportional',
    p_home: p,
    p_away: 1 - p,
    overround: 0.04,
    ...over,
  };
}
function result(i: number, homeWins: boolean): Record<string, unknown> {
  return { type: 'result', ts: C + 3 * 3_600_000, sport: 'nba', event: event(i), winner: homeWins ? 'home' : 'away' };
}
const NBA = teams('nba').map((x) => x.code);
/** A distinct real game per i: every ordered pair of NBA teams, then the next day. */
function event(i: number): string {
  const pairs = NBA.length * (NBA.length - 1);
  const k = i % pairs;
  const away = NBA[Math.floor(k / (NBA.length - 1))]!;
  const others = NBA.filter((c) => c !== away);
  const home = others[k % (NBA.length - 1)]!;
  const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / pairs) * 86_400_000).toISOString().slice(0, 10);
  return `nba-${day}-${away}-${home}`;
}

// scikit-learn's example as records: y=[0,0,0,0,1,1,1,1,1], p=[.1,.2,.3,.4,.65,.7,.8,.9,1]
const Y = [0, 0, 0, 0, 1, 1, 1, 1, 1];
const P = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1];
const sk = [...P.map((p, i) => prob(i, p)), ...Y.map((y, i) => result(i, y === 1))];

t.test("scikit-learn's example through the command (--bins 3), results before probabilities", async (t) => {
  const r = await run('calibrate', ['--bins', '3'], { input: ndjson([...sk].reverse()) });
  t.equal(r.code, 0, r.stderr);
  const cal = ofType(r.records, 'calibration');
  t.equal(cal.length, 1);
  const c = cal[0]!;
  t.ok(validateRecord(c).ok, 'a valid calibration record');
  t.same(c.group, { source: 'history', sport: 'nba', phase: 'pregame', method: 'proportional' });
  t.same(
    (c.buckets as Array<{ win_rate: number }>).map((b) => b.win_rate),
    [0, 0.5, 1],
  );
  t.same(
    (c.buckets as Array<{ mean_p: number }>).map((b) => b.mean_p),
    [0.20000000000000004, 0.525, 0.85],
  );
  const m = metrics(Y, P, 3);
  t.match(c, {
    n: 9,
    brier: m.brier,
    log_loss: m.log_loss,
    ece: m.ece,
    mce: m.mce,
    at: 'close',
    bins: 3,
    scored: 'p_home',
    tolerance: 0.02,
    within_tolerance: false,
  });
  // 10 uniform bins: .1 .2 .3 .4 in bins 0-3, .65 and .7 share bin 6, .8 bin 7, .9 bin 8, 1 bin 9: 8 non-empty.
  t.equal((c.deciles_fixed as unknown[]).length, 8);
  t.equal((c.deciles_quantile as unknown[]).length, 9);
  t.match(summary(r.logs), { probs_scored: 9, results_in: 9, groups: 1, exit: 0 });
});

t.test('at close vs at all; other record types are counted, not passed on', async (t) => {
  const input = ndjson([
    { type: 'odds.line', ts: 1, source: 'x' },
    prob(1, 0.6, { ts: C - 120_000 }),
    prob(1, 0.7, { ts: C - 60_000 }),
    prob(1, 0.95, { ts: C + 60_000 }),
    result(1, true),
  ]);
  const close = await run('calibrate', [], { input });
  const c = ofType(close.records, 'calibration');
  t.equal(c.length, 1);
  t.match(c[0], { n: 1, group: { phase: 'pregame' } });
  t.ok(Math.abs((c[0]!.brier as number) - 0.09) < 1e-15, 'the close, 0.7, is scored');
  t.equal(ofType(close.records, 'odds.line').length, 0);
  t.match(summary(close.logs), { probs_after_commence: 1, probs_superseded: 1, in_by_type: { 'odds.line': 1 } });
  const all = await run('calibrate', ['--at', 'all'], { input });
  t.same(
    ofType(all.records, 'calibration').map((x) => [(x.group as { phase: string }).phase, x.n]),
    [
      ['live', 1],
      ['pregame', 2],
    ],
  );
});

t.test('bad input and conflicting results: diagnostics by source:line, counted, never fatal', async (t) => {
  const input =
    [
      ndjson([prob(1, 0.6), prob(2, 0.4), result(1, true), result(2, true)]).trim(),
      'not json',
      JSON.stringify(result(2, false)),
      JSON.stringify({ ...prob(3, 0.5), p_home: 1.5 }),
    ].join('\n') + '\n';
  const r = await run('calibrate', [], { input });
  t.equal(r.code, 0);
  t.match(summary(r.logs), { rejected_by_reason: { 'not-json': 1, 'conflicting-result': 1, schema: 1 }, games_conflicting: 1, probs_scored: 1 });
  t.ok(r.logs.some((l) => l.src === 'stdin:6' && l.reason === 'conflicting-result'));
  t.equal(ofType(r.records, 'calibration')[0]?.n, 1);
});

t.test('nothing to join: no calibration record, a warning, exit 0', async (t) => {
  const r = await run('calibrate', [], { input: ndjson([prob(1, 0.5)]) });
  t.equal(r.code, 0);
  t.equal(ofType(r.records, 'calibration').length, 0);
  t.ok(r.logs.some((l) => l.msg === 'no probability could be joined to a result: nothing to score'));
});

// Two methods on 1,200 games: proportional well calibrated, "shin" pushed away from it.
function twoMethods(): Array<Record<string, unknown>> {
  const recs: Array<Record<string, unknown>> = [];
  let seed = 11;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 1200; i++) {
    const p = 0.05 + 0.9 * rnd();
    recs.push(prob(i, p), prob(i, Math.min(0.999, p * 1.25), { method: 'shin' }), result(i, rnd() < p));
  }
  return recs;
}

t.test('--signoff: only groups within the band, with the config fingerprint; --report: Markdown and SVGs, byte-identical reruns', async (t) => {
  const input = `${tmp}/two.ndjson`;
  writeFileSync(input, ndjson(twoMethods()));
  const signoff = `${tmp}/signoff.ndjson`;
  writeFileSync(signoff, 'stale content that must be replaced\n');
  const rep = `${tmp}/report`;
  const r = await run('calibrate', ['--signoff', signoff, '--tolerance', '0.03', '--min-n', '1000', '--report', rep, input]);
  t.equal(r.code, 0, r.stderr);
  const cal = ofType(r.records, 'calibration');
  t.same(
    cal.map((c) => [(c.group as { method: string }).method, c.within_tolerance]),
    [
      ['proportional', true],
      ['shin', false],
    ],
  );
  t.match(cal[1], { vs_baseline: { baseline: 'proportional', n: 1200 } });
  t.ok((cal[1]!.vs_baseline as { brier_diff: number }).brier_diff > 0, 'the distorted method scores worse than proportional');
  const lines = readFileSync(signoff, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.equal(lines[0]!.type, 'run.manifest');
  t.equal(lines.length, 2, 'one sign-off: proportional');
  const s = lines[1]!;
  t.ok(validateRecord(s).ok);
  t.match(s, {
    type: 'calibration.signoff',
    group: { source: 'history', sport: 'nba', phase: 'pregame', method: 'proportional' },
    n: 1200,
    tolerance: 0.03,
    within_tolerance: true,
    min_n: 1000,
  });
  t.equal(s.config_fingerprint, r.records[0]!.config_fingerprint, 'the fingerprint of the run that signed');
  t.equal(s.ece, cal[0]!.ece);
  t.ok(r.logs.some((l) => l.msg === 'not signed off: ECE above tolerance' && l.group === 'history/nba/pregame/shin'));

  const files = readdirSync(rep).sort();
  t.same(files, ['reliability-history-nba-pregame-proportional.svg', 'reliability-history-nba-pregame-shin.svg', 'report.md']);
  const md = readFileSync(`${rep}/report.md`, 'utf8');
  t.match(md, /# Calibration report/);
  t.match(md, /\| history \| nba \| pregame \| proportional \| 1,200 \|.*\| yes, signed off \|/);
  t.match(md, /\| history \| nba \| pregame \| shin \| 1,200 \|.*\| no \|/);
  t.match(md, /!\[reliability diagram for history\/nba\/pregame\/shin\]\(reliability-history-nba-pregame-shin\.svg\)/);
  t.match(md, /### Against proportional, game by game/);
  const svg = readFileSync(`${rep}/reliability-history-nba-pregame-shin.svg`, 'utf8');
  t.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.match(svg, /Reliability: history\/nba\/pregame\/shin/);
  t.notMatch(svg, /NaN/);

  // Same input, any order: the same report, byte for byte.
  const shuffled = `${tmp}/two-reversed.ndjson`;
  writeFileSync(shuffled, ndjson(twoMethods().reverse()));
  const rep2 = `${tmp}/report2`;
  const r2 = await run('calibrate', ['--tolerance', '0.03', '--min-n', '1000', '--signoff', `${tmp}/signoff2.ndjson`, '--report', rep2, shuffled]);
  t.equal(r2.code, 0);
  for (const f of files) t.equal(readFileSync(`${rep2}/${f}`, 'utf8'), readFileSync(`${rep}/${f}`, 'utf8'), `${f} identical`);
  t.same(ofType(r2.records, 'calibration'), cal);

  // Nobody within the band: the file is replaced by one without sign-offs (old ones revoked).
  const r3 = await run('calibrate', ['--signoff', signoff, '--tolerance', '0.0001', input]);
  t.equal(r3.code, 0);
  t.equal(readFileSync(signoff, 'utf8').trim().split('\n').length, 1, 'manifest only');
  t.ok(r3.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('no group within the band')));
});

t.test('flags land in the config (and so in the fingerprint)', async (t) => {
  const a = await run('calibrate', ['--tolerance', '0.01'], { input: '' });
  const b = await run('calibrate', ['--tolerance', '0.02'], { input: '' });
  t.not(a.records[0]!.config_fingerprint, b.records[0]!.config_fingerprint);
  const bad = await run('calibrate', ['--at', 'sometimes'], { input: '' });
  t.equal(bad.code, 2);
});

t.test('the sign-off bar at its boundaries: n == --min-n and ECE == --tolerance sign off; one game more or a hair less tolerance do not', async (t) => {
  const input = `${tmp}/sk.ndjson`;
  writeFileSync(input, ndjson(sk));
  const ece = metrics(Y, P).ece;
  const signed = async (minN: string, tol: string): Promise<{ n: number; logs: Array<Record<string, unknown>> }> => {
    const f = `${tmp}/bound-${minN}-${tol}.ndjson`;
    const r = await run('calibrate', ['--signoff', f, '--min-n', minN, '--tolerance', tol, input]);
    t.equal(r.code, 0, r.stderr);
    return { n: readFileSync(f, 'utf8').trim().split('\n').length - 1, logs: r.logs };
  };
  t.equal((await signed('9', String(ece))).n, 1, '9 games, --min-n 9, ECE == tolerance: signed off');
  const few = await signed('10', String(ece));
  t.equal(few.n, 0, '--min-n 10: not signed off');
  t.ok(few.logs.some((l) => l.msg === 'not signed off: too few games' && l.n === 9 && l.min_n === 10));
  const below = ece - ece * Number.EPSILON;
  t.ok(below < ece);
  const tight = await signed('9', String(below));
  t.equal(tight.n, 0, 'tolerance one ulp below the ECE: not signed off');
  t.ok(tight.logs.some((l) => l.msg === 'not signed off: ECE above tolerance'));
  // The flags' own bounds: --min-n >= 1, --tolerance in [0, 1].
  for (const args of [
    ['--min-n', '0'],
    ['--tolerance', '1.0001'],
    ['--tolerance', '-0.0001'],
  ]) {
    const r = await run('calibrate', [...args, input]);
    t.equal(r.code, 2, `${args.join(' ')}: a usage error`);
  }
  t.equal((await run('calibrate', ['--min-n', '1', '--tolerance', '1', input])).code, 0, '--min-n 1 and --tolerance 1 are accepted');
});
