#!/usr/bin/env bash
# Stage 70: the shadow pipeline end to end, live, against the three simulators at once.
#
#   experiment  feed-boltodds | tee | arbitrate | devig     --profile shadow-experiment (Shin)
#   control     feed-oddsapi --scores | arbitrate | devig   --profile shadow-control (proportional)
#   exchange    feed-kalshi: books, trades, results, connection status
#
# The experiment runs through a FIFO and tee, as a long-running production pipeline would;
# each path freezes its manifests and resolved config in its own run dir; the three
# streams are merged by receipt time into one session file (what a replay or a report
# reads), which is then validated record by record. Outputs under $OUT/shadow/.
set -euo pipefail
. "$EXAMPLES/demo-lib.sh"
CONFIG="$EXAMPLES/chimera.config.json"
S="$OUT/shadow"
mkdir -p "$S"
key=demo-key-not-a-secret
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
kalshi_keys "$tmp"

# The three loopback services. The scenarios (three games of 2026-01-25, epoch a quarter of
# an hour before the first one) are moved to now, all three by the same offset: one target
# time, taken once, so the session is tonight's games and every source agrees on them
# (--shift-to-now in each simulator could differ by a minute if they started either side
# of one).
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sim kalshi --public-key "$tmp/kalshi.pub.pem" --key-id demo-key --scenario "$EXAMPLES/kalshi/scenario.ndjson" --speed 2 --shift-to "$now" \
  > "$S/sim-kalshi.ndjson" 2> "$S/sim-kalshi.log" &
pids+=($!)
ws_url=$(listening "$S/sim-kalshi.ndjson" ws_url)
rest_url=$(listening "$S/sim-kalshi.ndjson" rest_url)

# Exchange first: one persistent WebSocket for the whole session, live (its first book
# recorded) before the sportsbooks are read, so every fair price has a book to be set beside.
KALSHI_API_KEY_ID=demo-key KALSHI_PRIVATE_KEY_PATH="$tmp/kalshi.key.pem" \
  feed-kalshi --config "$CONFIG" --profile shadow-experiment --run-dir "$S/run-exchange" \
  --url "$ws_url" --rest-url "$rest_url" --series KXNBAGAME,KXNHLGAME --depth 5 \
  > "$S/kalshi.ndjson" 2> "$S/feed-kalshi.log" &
kalshi_feed=$!
pids+=("$kalshi_feed")
await_records "$S/kalshi.ndjson" kalshi.book 1

# The sportsbooks. BoltOdds plays its scenario once and exits; The Odds API serves until stopped.
sim oddsapi --scenario "$EXAMPLES/feeds/oddsapi.scenario.ndjson" --key "$key" --shift-to "$now" \
  > "$S/sim-oddsapi.ndjson" 2> "$S/sim-oddsapi.log" &
pids+=($!)
sim boltodds --scenario "$EXAMPLES/feeds/boltodds.scenario.ndjson" --key "$key" --exit-when-done --shift-to "$now" \
  > "$S/sim-boltodds.ndjson" 2> "$S/sim-boltodds.log" &
bolt_sim=$!
odds_url=$(listening "$S/sim-oddsapi.ndjson" url)
bolt_url=$(listening "$S/sim-boltodds.ndjson" url)

# Experiment: BoltOdds into a FIFO; tee keeps the raw feed; arbitrate and devig price it.
exp=(--config "$CONFIG" --profile shadow-experiment --run-dir "$S/run-experiment")
mkfifo "$tmp/boltodds"
BOLTODDS_API_KEY=$key feed-boltodds "${exp[@]}" --url "$bolt_url" --partial-ttl-ms 2000 \
  > "$tmp/boltodds" 2> "$S/feed-boltodds.log" &
bolt_feed=$!
tee "$S/boltodds.ndjson" < "$tmp/boltodds" \
  | arbitrate "${exp[@]}" 2> "$S/arbitrate-experiment.log" \
  | devig "${exp[@]}" > "$S/experiment.ndjson" 2> "$S/devig-experiment.log" &
exp_pipeline=$!

# Control: one poll of each sport and the completed games' results (a cron line).
ctl=(--config "$CONFIG" --profile shadow-control --run-dir "$S/run-control")
ODDS_API_KEY=$key feed-oddsapi "${ctl[@]}" --url "$odds_url" --once --scores 2> "$S/feed-oddsapi.log" \
  | tee "$S/oddsapi.ndjson" \
  | arbitrate "${ctl[@]}" 2> "$S/arbitrate-control.log" \
  | devig "${ctl[@]}" > "$S/control.ndjson" 2> "$S/devig-control.log"

# The BoltOdds scenario ends; SIGTERM makes the feed flush and exit 0, and the pipeline
# behind it drains to the end of its input.
wait "$bolt_sim"
kill -TERM "$bolt_feed"
wait "$bolt_feed"
wait "$exp_pipeline"

# The exchange runs on to the scenario's end (every market determined), then SIGTERM: it
# closes the socket, flushes and exits 0.
await_records "$S/kalshi.ndjson" kalshi.result 6
kill -TERM "$kalshi_feed"
wait "$kalshi_feed"

# One session file, ordered by receipt time (a stage stamps its decisions with its own
# clock while passing on records received a moment earlier: --slack 1000 reorders them);
# every record checked against its schema.
ndcat --merge --slack 1000 "$S/experiment.ndjson" "$S/control.ndjson" "$S/kalshi.ndjson" > "$S/session.ndjson" 2> "$S/ndcat.log"
validate --quiet "$S/session.ndjson" 2> "$S/session-validate.log"

echo "experiment (BoltOdds, Shin): $(count "$S/boltodds.ndjson" odds.line) odds.line -> $(count "$S/experiment.ndjson" oracle.line) oracle.line -> $(count "$S/experiment.ndjson" oracle.prob) oracle.prob"
echo "control (The Odds API, proportional): $(count "$S/oddsapi.ndjson" odds.line) odds.line -> $(count "$S/control.ndjson" oracle.prob) oracle.prob, $(count "$S/control.ndjson" result) results"
echo "exchange (Kalshi): $(count "$S/kalshi.ndjson" kalshi.book) books, $(count "$S/kalshi.ndjson" kalshi.trade) trades, $(count "$S/kalshi.ndjson" kalshi.result) results"
echo "session: $(grep -c . "$S/session.ndjson") records in receipt order, all valid; run dirs: $(ls -d "$S"/run-* | xargs -n1 basename | tr '\n' ' ')"
