#!/usr/bin/env bash
# Stage 85: what an operator reads every morning, over stage 80's quoting of the session:
#
#   clv-report    every fill's closing line value against the experiment's close
#                 (BoltOdds, Shin), the PnL split, and the game-clustered verdict
#   exec-gap      latency quantiles and the edge lost between decision and fill
#   compare       control against experiment, side by side, from the two runs
#   report daily  the day's folder (Markdown, CSV, SVG charts, HTML), as the cron line in
#                 examples/cron/chimera.crontab writes it
#
# Outputs under $OUT/analytics/. All of it reads records only, so it runs the same on a
# shadow session, a live one or a replay; --replay (and --seed for the bootstrap) make
# every file the same bytes on every run.
set -euo pipefail
. "$EXAMPLES/demo-lib.sh"
Q="$OUT/quote"
A="$OUT/analytics"
rm -rf "$A"
mkdir -p "$A"
runs=("$Q/control.ndjson" "$Q/experiment.ndjson")

clv-report --replay --reference boltodds/shin --seed 1 --markdown "$A/clv.md" "${runs[@]}" > "$A/clv.ndjson" 2> "$A/clv-report.log"
exec-gap --replay --markdown "$A/exec-gap.md" --csv "$A/exec-gap.csv" --svg "$A/exec-gap.svg" "${runs[@]}" > /dev/null 2> "$A/exec-gap.log"
compare --replay --markdown "$A/compare.md" "${runs[@]}" > "$A/compare.ndjson" 2> "$A/compare.log"

# The session's day in US Eastern time (the simulators moved tonight's games to now).
first_ts=$(grep -m1 -o '"ts":[0-9]*' "$OUT/shadow/session.ndjson" | cut -d: -f2)
day=$(TZ=America/New_York date -d "@$((first_ts / 1000))" +%F)
report daily --replay --date "$day" --out "$A/reports" "${runs[@]}" "$A/clv.ndjson" > "$A/report-daily.txt" 2> "$A/report-daily.log"

overall=$(grep '"type":"clv.summary"' "$A/clv.ndjson" | grep -m1 '"group":{}' || true)
echo "clv-report: $(count "$A/clv.ndjson" clv) fills scored or listed; overall: $(node -e 'const s=JSON.parse(process.argv[1]||"{}");console.log(s.n_fills===undefined?"no summary":`${s.n_fills} fills over ${s.n_games} games, mean CLV ${s.mean_clv===null?"-":(100*s.mean_clv).toFixed(2)+" points"}, ${(100*s.confidence).toFixed(0)}% interval [${s.ci_low===null?"-":(100*s.ci_low).toFixed(2)}, ${s.ci_high===null?"-":(100*s.ci_high).toFixed(2)}], positive: ${s.positive}`)' "$overall")"
echo "exec-gap: $A/exec-gap.md, .csv, .svg; compare: $A/compare.md; report daily: $A/reports/$day/ (report.md, index.html)"
