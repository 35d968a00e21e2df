#!/usr/bin/env bash
# Stage 80: the recorded shadow session (stage 70) through the quote manager, once per
# oracle path: the control (The Odds API, proportional) and the experiment (BoltOdds,
# Shin). Paper orders against the real Kalshi book of the session, fills into one locked
# ledger (both paths write to it; each row names its path), and a summary per path:
# orders, fills, cancels by reason, and PnL at settlement. Outputs under $OUT/quote/.
#
# --replay makes each run deterministic: run it twice and the outputs are the same bytes.
# The session is a minute of compressed exchange time (the simulators run at speed 2 and
# BoltOdds plays its scenario once, then disconnects: watch the experiment's oracle-stale
# kill switch pull every quote), so kill switches resume after 2 s instead of the 30 s a
# real session uses.
set -euo pipefail
. "$EXAMPLES/demo-lib.sh"
CONFIG="$EXAMPLES/chimera.config.json"
S="$OUT/shadow"
Q="$OUT/quote"
rm -rf "$Q"   # a run dir is never reused: each run of the stage starts clean
mkdir -p "$Q"

for path in control experiment; do
  quote --config "$CONFIG" --profile "shadow-$path" --shadow --replay --resume-after-ms 2000 --run-dir "$Q/run-$path" \
      "$S/session.ndjson" 2> "$Q/quote-$path.log" \
    | ledger append "$Q/fills.csv" --type fill > "$Q/$path.ndjson" 2> "$Q/ledger-$path.log"
done
ledger verify "$Q/fills.csv" > /dev/null 2> "$Q/ledger-verify.log"

node - "$Q" <<'JS'
const fs = require('fs');
const q = process.argv[2];
for (const path of ['control', 'experiment']) {
  const recs = fs.readFileSync(`${q}/${path}.ndjson`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const orders = recs.filter((r) => r.type === 'order');
  const placed = orders.filter((r) => r.status === 'submitted').length;
  const fills = recs.filter((r) => r.type === 'fill');
  const contracts = fills.reduce((a, f) => a + f.count, 0);
  const cancels = {};
  for (const o of orders.filter((r) => r.status === 'pending-cancel')) cancels[o.reason] = (cancels[o.reason] ?? 0) + 1;
  const settled = recs.filter((r) => r.type === 'position' && r.state === 'settled');
  const pnl = settled.reduce((a, p) => a + p.realized_pnl, 0);
  const kills = recs.filter((r) => r.type === 'killswitch' && r.state === 'tripped').map((r) => r.condition);
  const cancelText = Object.entries(cancels).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  console.log(`${path}: ${placed} orders, ${fills.length} fills (${contracts} contracts), cancels: ${cancelText}; ${settled.length} positions settled, PnL $${pnl.toFixed(2)}; kill switches tripped: ${kills.length ? [...new Set(kills)].join(', ') : 'none'}`);
}
JS
echo "fills ledger: $Q/fills.csv ($(($(wc -l < "$Q/fills.csv") - 1)) rows, verified)"
