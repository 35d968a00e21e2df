#!/usr/bin/env bash
# Stage 40: both sportsbook feeds against their loopback simulators on the bundled
# scenario (three games of 2026-01-25, three books), moved to tonight (--shift-to-now:
# the games start in the next hour). Writes to $OUT:
#   boltodds.ndjson         feed-boltodds records (odds.line, oracle.status)
#   boltodds.raw.ndjson     every raw frame with its receive time (--raw)
#   boltodds.replay.ndjson  the same records again, offline, from the recording
#   oddsapi.ndjson          feed-oddsapi --once --scores (odds.line, oracle.status, result)
#   oddsapi-quota.ndjson    feed-oddsapi against a spent quota: unavailable, no odds
#   *.log                   each process's stderr
set -euo pipefail
key=demo-key-not-a-secret

. "$EXAMPLES/demo-lib.sh"

# BoltOdds: the simulator plays the scenario once (one-sided updates, a stale leg, a
# suspended side that expires, bad frames, a disconnect) and exits; the feed reconnects,
# rebuilds, and is stopped with SIGTERM (flush, exit 0).
sim boltodds --scenario "$EXAMPLES/feeds/boltodds.scenario.ndjson" --key "$key" --exit-when-done --shift-to-now \
  > "$OUT/sim-boltodds.out" 2> "$OUT/sim-boltodds.log" &
sim_pid=$!
url=$(listening "$OUT/sim-boltodds.out" url)
BOLTODDS_API_KEY=$key feed-boltodds --url "$url" --partial-ttl-ms 2000 --raw "$OUT/boltodds.raw.ndjson" \
  > "$OUT/boltodds.ndjson" 2> "$OUT/feed-boltodds.log" &
feed_pid=$!
wait "$sim_pid"
kill -TERM "$feed_pid"
wait "$feed_pid"

# The recording replays offline, through the same engine, to the same records.
feed-boltodds --partial-ttl-ms 2000 --from-raw "$OUT/boltodds.raw.ndjson" \
  > "$OUT/boltodds.replay.ndjson" 2> "$OUT/feed-boltodds.replay.log"
if diff <(grep -v '"run.manifest"' "$OUT/boltodds.ndjson") <(grep -v '"run.manifest"' "$OUT/boltodds.replay.ndjson") > /dev/null; then
  echo "feed-boltodds --from-raw: the same records as the live run"
else
  echo "feed-boltodds --from-raw: records differ from the live run" >&2
  exit 1
fi

# The Odds API: one poll of each sport (the NHL call answers 503 once and is retried) and
# the results of the completed games.
sim oddsapi --scenario "$EXAMPLES/feeds/oddsapi.scenario.ndjson" --key "$key" --requests --shift-to-now \
  > "$OUT/sim-oddsapi.out" 2> "$OUT/sim-oddsapi.log" &
sim_pid=$!
url=$(listening "$OUT/sim-oddsapi.out" url)
ODDS_API_KEY=$key feed-oddsapi --url "$url" --once --scores > "$OUT/oddsapi.ndjson" 2> "$OUT/feed-oddsapi.log"
kill -TERM "$sim_pid"
wait "$sim_pid"

# A spent quota: 401 OUT_OF_USAGE_CREDITS -> oracle.status unavailable (quota), one
# critical log line, no odds, exit status 1.
sim oddsapi --scenario "$EXAMPLES/feeds/oddsapi-quota.scenario.ndjson" --key "$key" --shift-to-now \
  > "$OUT/sim-oddsapi-quota.out" 2> "$OUT/sim-oddsapi-quota.log" &
sim_pid=$!
url=$(listening "$OUT/sim-oddsapi-quota.out" url)
status=0
ODDS_API_KEY=$key feed-oddsapi --url "$url" --once > "$OUT/oddsapi-quota.ndjson" 2> "$OUT/feed-oddsapi-quota.log" || status=$?
kill -TERM "$sim_pid"
wait "$sim_pid"
if [ "$status" -ne 1 ]; then
  echo "feed-oddsapi on a spent quota exited $status, expected 1" >&2
  exit 1
fi

for f in boltodds.ndjson oddsapi.ndjson oddsapi-quota.ndjson; do
  echo "$f: $(count "$OUT/$f" odds.line) odds.line, $(count "$OUT/$f" oracle.status) oracle.status, $(count "$OUT/$f" result) result"
done
