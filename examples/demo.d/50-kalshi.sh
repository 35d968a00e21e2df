#!/usr/bin/env bash
# Kalshi: the loopback exchange (sim kalshi) serves the bundled scenario, three games of
# 2026-01-25 (NBA Denver at Memphis, Lakers at Boston; NHL Toronto at NY Rangers), moved
# to tonight (--shift-to-now re-dates the tickers from the games' starts), ten times
# faster than recorded; feed-kalshi discovers the open markets over signed REST,
# keeps their books over one WebSocket and records everything to $OUT/kalshi.ndjson.
# A throwaway RSA key pair is made for the run (the simulator checks every signature).
set -euo pipefail
keys=$(mktemp -d)
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$keys"
}
trap cleanup EXIT

. "$EXAMPLES/demo-lib.sh"
kalshi_keys "$keys"

# The simulator prints its URLs as the record after the run manifest.
sim kalshi --public-key "$keys/kalshi.pub.pem" --key-id demo-key \
  --scenario "$EXAMPLES/kalshi/scenario.ndjson" --speed 10 --shift-to-now \
  > "$OUT/kalshi-sim.ndjson" 2> "$OUT/kalshi-sim.log" &
sim_pid=$!
ws_url=$(listening "$OUT/kalshi-sim.ndjson" ws_url)
rest_url=$(listening "$OUT/kalshi-sim.ndjson" rest_url)
echo "sim kalshi at $ws_url"

# 15 s of the feed (the scenario takes 12 s at --speed 10, ending with the results);
# SIGTERM makes it close the socket, flush and exit 0.
status=0
KALSHI_API_KEY_ID=demo-key KALSHI_PRIVATE_KEY_PATH="$keys/kalshi.key.pem" \
  timeout -s TERM 15 feed-kalshi --url "$ws_url" --rest-url "$rest_url" \
  --series KXNBAGAME,KXNHLGAME --depth 5 --status-every 2000 \
  > "$OUT/kalshi.ndjson" 2> "$OUT/feed-kalshi.log" || status=$?
[ "$status" = 0 ] || [ "$status" = 124 ] || { echo "feed-kalshi failed ($status)"; tail -5 "$OUT/feed-kalshi.log"; exit 1; }

validate --quiet "$OUT/kalshi.ndjson" > /dev/null 2> "$OUT/kalshi-validate.log" || { echo "invalid records, see $OUT/kalshi-validate.log"; exit 1; }
for t in kalshi.market market.link kalshi.book kalshi.trade kalshi.result kalshi.status; do
  printf '  %-14s %6s records\n' "$t" "$(grep -c "\"type\":\"$t\"" "$OUT/kalshi.ndjson" || true)"
done
echo "  last two-sided book of each market, then its result:"
node -e '
  const last = new Map(), result = new Map();
  for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
    if (l.includes("\"kalshi.book\"")) { const r = JSON.parse(l); if (r.bids.length && r.asks.length) last.set(r.ticker, r); }
    if (l.includes("\"kalshi.result\"")) { const r = JSON.parse(l); result.set(r.ticker, r.result); }
  }
  for (const [t, r] of last)
    console.log(`    ${t.padEnd(30)} ${r.bids[0][0].toFixed(2)} x ${r.asks[0][0].toFixed(2)}  ->  ${result.get(t) ?? "open"}`);' "$OUT/kalshi.ndjson"
