#!/usr/bin/env bash
# Stage 90: the demo's report, out/demo/REPORT.md, from the records the stages wrote:
# what ran (manifests, profiles, config fingerprints), each game as the shadow session saw
# it (each path's fair probability beside the Kalshi book in force at the same moment, both
# times, the edge, and the results), the sources' availability incidents, and the calibration of each de-vig method
# on the NBA history.
set -euo pipefail
node - "$OUT" > "$OUT/REPORT.md" <<'EOF'
const fs = require('fs');
const out = process.argv[2];
const read = (f) => fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
const session = read(`${out}/shadow/session.ndjson`);
const pct = (p) => (p === undefined ? '-' : `${(100 * p).toFixed(1)}%`);
const lines = [];
const say = (s = '') => lines.push(s);

say('# Chimera demo report');
say();
say('Everything below was produced by `make demo` from the bundled scenarios, with the real');
say('commands talking to the loopback simulators (sim kalshi, sim boltodds, sim oddsapi).');
say();

say('## What ran (stage 70, the shadow session)');
say();
say('| path | command | profile | config fingerprint | commit |');
say('|---|---|---|---|---|');
for (const run of ['experiment', 'control', 'exchange']) {
  const dir = `${out}/shadow/run-${run}`;
  if (!fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.manifest.json')).sort()) {
    const m = JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
    say(`| ${run} | ${m.cmd} | ${m.profile} | \`${m.config_fingerprint.slice(0, 12)}\` | \`${(m.commit ?? 'none').slice(0, 10)}\`${m.dirty ? ' (dirty)' : ''} |`);
  }
}
say();
say('Each path froze its manifests and resolved config, read-only, in `out/demo/shadow/run-<path>/`.');
say();

// Per game and path: the path's last fair p_home, beside the Kalshi book of the home
// team's market in force at the same moment (the last one received at or before it), with
// both times, the game's start and the edge. Receipt times throughout (recv_ts, else ts):
// the session as it saw it.
const at = (r) => r.recv_ts ?? r.ts;
const hms = (ms) => new Date(ms).toISOString().slice(11, 19);
const pts = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}`;
const games = new Map();
const game = (e) => games.get(e) ?? games.set(e, { paths: {} }).get(e);
const books = new Map(); // ticker -> two-sided books in receipt order
const kalshiResult = new Map();
for (const r of session) {
  if (r.type === 'oracle.prob') { const g = game(r.event); g.paths[r.source === 'boltodds' ? 'experiment' : 'control'] = r; g.start = r.commence_ts; }
  else if (r.type === 'result') game(r.event).result = r.winner;
  else if (r.type === 'market.link' && r.side === 'home') game(r.event).ticker = r.ticker;
  else if (r.type === 'kalshi.book' && r.bids.length && r.asks.length) (books.get(r.ticker) ?? books.set(r.ticker, []).get(r.ticker)).push(r);
  else if (r.type === 'kalshi.result') kalshiResult.set(r.ticker, r.result);
}
/** The moment to compare at: the fair price's time, or (no book yet) the first book after it, when the price is still the path's latest. */
const compare = (g, prob) => {
  const list = (g.ticker && books.get(g.ticker)) || [];
  let book;
  for (const b of list) { if (at(b) <= at(prob)) book = b; else break; }
  if (!book) book = list.find((b) => at(b) > at(prob)); // the price stays in force until the path's next one: it has none
  return { book, moment: book ? Math.max(at(prob), at(book)) : at(prob) };
};
const day = session.find((r) => r.type === 'oracle.prob');
say('## The games, as the shadow session saw them');
say();
say('Each path\'s last fair probability of a home win (the experiment: BoltOdds, arbitrated, Shin; the');
say('control: The Odds API, proportional) beside the Kalshi book of the home team\'s market in force at the');
say('same moment, with the time of each (UTC' + (day ? `, ${new Date(at(day)).toISOString().slice(0, 10)}` : '') + '), the game\'s start, and the edge before fees in');
say('percentage points: buying YES at the ask (p − ask) / selling YES at the bid (bid − p). Then the result');
say('The Odds API reported and Kalshi\'s determination. The Kalshi scenario compresses a game into two minutes');
say('of books that run towards the result (played at half speed), so the later a book in the session, the');
say('nearer it is to the result: the times say which.');
say();
say('| game | starts | path | fair p(home) | at | Kalshi home YES bid x ask | at | pregame | edge buy / sell | result | Kalshi |');
say('|---|---|---|---:|---|---|---|---|---:|---|---|');
for (const [event, g] of [...games].sort()) {
  const settled = g.ticker && kalshiResult.has(g.ticker) ? kalshiResult.get(g.ticker) : '-';
  for (const path of ['experiment', 'control']) {
    const p = g.paths[path];
    if (!p) continue;
    const { book, moment } = compare(g, p);
    const k = book ? `${book.bids[0][0].toFixed(2)} x ${book.asks[0][0].toFixed(2)}` : 'no book';
    const edge = book ? `${pts(p.p_home - book.asks[0][0])} / ${pts(book.bids[0][0] - p.p_home)}` : '-';
    const pre = moment < p.commence_ts ? `yes (${Math.round((p.commence_ts - moment) / 60000)} min to go)` : 'no: in play';
    say(`| ${event} | ${hms(p.commence_ts)} | ${path} | ${pct(p.p_home)} | ${hms(at(p))} | ${k} | ${book ? hms(at(book)) : '-'} | ${pre} | ${edge} | ${g.result ?? '-'} | ${settled} |`);
  }
}
say();
say('(No orders: the quote manager is the next roadmap item. This is what it would read.)');
say();

say('## Availability incidents');
say();
const incidents = new Map();
for (const r of session) {
  if (r.type === 'oracle.status' && r.state === 'unavailable') {
    const k = `${r.source} ${r.event ? 'game' : 'source'} ${r.reason}`;
    incidents.set(k, (incidents.get(k) ?? 0) + 1);
  }
}
const status = session.filter((r) => r.type === 'kalshi.status').pop();
say('| source | scope | reason | times |');
say('|---|---|---|---:|');
for (const [k, n] of [...incidents].sort()) { const [s, scope, why] = k.split(' '); say(`| ${s} | ${scope} | ${why} | ${n} |`); }
if (status) say(`| kalshi | feed | reconnects ${status.reconnects}, gaps ${status.gaps} | last state: ${status.state} |`);
say();
say('A source or game that is unavailable is not priced (roadmap items 3 and 15); every incident is a');
say('record in the session, with its reason.');
say();

say('## De-vig methods on 19,810 real NBA closing lines (stage 30)');
say();
const calib = read(`${out}/history/calibration.ndjson`).filter((r) => r.type === 'calibration');
if (calib.length) {
  say('| method | games | Brier | log loss | ECE | MCE |');
  say('|---|---:|---:|---:|---:|---:|');
  for (const c of calib) say(`| ${c.group.method} | ${c.n} | ${c.brier.toFixed(5)} | ${c.log_loss.toFixed(5)} | ${c.ece.toFixed(4)} | ${c.mce.toFixed(4)} |`);
  say();
  say('Reliability diagrams and the per-game comparison with proportional: `out/demo/history/calibration/report.md`.');
} else {
  say('(stage 30 did not run)');
}
say();
say('## Quoting the session (stage 80)');
say();
{
  const paths = ['control', 'experiment'].filter((p) => fs.existsSync(`${out}/quote/${p}.ndjson`));
  if (paths.length) {
    say('The recorded session replayed through `quote --shadow` once per oracle path: paper orders against the');
    say('session\'s Kalshi books (50 ms each way, risk-averse queue), 10 contracts a quote, limits and kill switches on.');
    say();
    say('| path | orders | fills | contracts | cancels by reason | kill switches tripped | settled | PnL after fees |');
    say('|---|---|---|---|---|---|---|---|');
    for (const p of paths) {
      const recs = read(`${out}/quote/${p}.ndjson`);
      const orders = recs.filter((r) => r.type === 'order');
      const fills = recs.filter((r) => r.type === 'fill');
      const cancels = {};
      for (const o of orders.filter((r) => r.status === 'pending-cancel')) cancels[o.reason] = (cancels[o.reason] ?? 0) + 1;
      const kills = [...new Set(recs.filter((r) => r.type === 'killswitch' && r.state === 'tripped').map((r) => r.condition))];
      const settled = recs.filter((r) => r.type === 'position' && r.state === 'settled');
      const pnl = settled.reduce((a, x) => a + x.realized_pnl, 0);
      say(`| ${p} | ${orders.filter((o) => o.status === 'submitted').length} | ${fills.length} | ${fills.reduce((a, f) => a + f.count, 0)} | ${Object.entries(cancels).map(([k, v]) => `${k} ${v}`).join(', ') || '-'} | ${kills.join(', ') || '-'} | ${settled.length} | $${pnl.toFixed(2)} |`);
    }
    say();
    say('Three games are too few to judge a path by its PnL: this shows the machinery, not an edge. Every fill is in');
    say('`out/demo/quote/fills.csv` (a locked ledger, verified), each row naming its oracle path.');
  } else say('(stage 80 did not run)');
}
say();
say('## The morning reports (stage 85)');
say();
{
  const a = `${out}/analytics`;
  if (fs.existsSync(`${a}/clv.ndjson`)) {
    const sums = read(`${a}/clv.ndjson`).filter((r) => r.type === 'clv.summary');
    say('Closing line value of every fill against the experiment\'s close (BoltOdds, Shin), by group, with a');
    say('bootstrap that resamples whole games (`out/demo/analytics/clv.md`):');
    say();
    say('| group | fills | games | unscored | mean CLV (points) | interval | p | positive |');
    say('|---|---|---|---|---|---|---|---|');
    const pts = (x) => (x === null ? '-' : (100 * x).toFixed(2));
    for (const s of sums) {
      const g = Object.entries(s.group).map(([k, v]) => `${k}=${v}`).join(', ') || 'all';
      say(`| ${g} | ${s.n_fills} | ${s.n_games} | ${s.n_unscored} | ${pts(s.mean_clv)} | [${pts(s.ci_low)}, ${pts(s.ci_high)}] | ${s.p_value === null ? '-' : s.p_value.toFixed(3)} | ${s.positive} |`);
    }
    say();
    say(`With ${sums[0]?.n_games ?? 0} games no verdict can be positive (the minimum is ${sums[0]?.min_games ?? '-'}): the gate reads exactly this record.`);
    say('Also: `exec-gap.md` (latency quantiles, edge lost between decision and fill, with CSV and SVG),');
    say('`compare.md` (control against experiment) and `reports/<day>/` (the daily report a cron line writes).');
  } else say('(stage 85 did not run)');
}
say();
say('## Other outputs');
say();
say('- `out/demo/sample.*`: validate on a stream with two bad lines (stage 10)');
say('- `out/demo/ledger/`: concurrent ledger writers, rollup, a torn row repaired (stage 20)');
say('- `out/demo/boltodds*.ndjson`, `oddsapi*.ndjson`: the feeds, a raw recording and its offline replay, a spent quota (stage 40)');
say('- `out/demo/kalshi.ndjson`: the Kalshi feeder (stage 50)');
say('- `out/demo/oracle-*.ndjson`, `devig-compare.ndjson`: arbitration policies and de-vig methods (stage 60)');
say('- `out/demo/shadow/session.ndjson`: the whole shadow session in receipt order (stage 70)');
say('- `out/demo/quote/`: each oracle path\'s quoting of the session, its run dir, and the fills ledger (stage 80)');
say('- `out/demo/analytics/`: clv-report, exec-gap, compare and report daily over that quoting (stage 85)');
process.stdout.write(lines.join('\n') + '\n');
EOF
echo "report: out/demo/REPORT.md"
sed -n '/^| game | starts/,/^$/p' "$OUT/REPORT.md"
