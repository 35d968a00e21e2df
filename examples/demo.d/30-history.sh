#!/usr/bin/env bash
# Stage 30: 23,118 real NBA games (2007-08 to 2024-25) -> closing lines and results ->
# every de-vig method -> calibration per method, a report with reliability diagrams,
# and the Kelly sign-off file. Outputs under $OUT/history/.
set -euo pipefail
dir="$OUT/history"
mkdir -p "$dir"

import-history nba "$EXAMPLES/history/nba-moneylines-2008-2025.csv" \
  > "$dir/nba-history.ndjson" 2> "$dir/import-history.log"

for method in proportional additive power shin odds-ratio; do
  devig --method "$method" < "$dir/nba-history.ndjson" 2>> "$dir/devig.log"
done | calibrate --report "$dir/calibration" --signoff "$dir/signoff.ndjson" \
  > "$dir/calibration.ndjson" 2> "$dir/calibrate.log"

echo "history: $(grep -c '"odds.line"' "$dir/nba-history.ndjson") closing lines, $(grep -c '"result"' "$dir/nba-history.ndjson") results"
sed -n '/^| source /,/^$/p' "$dir/calibration/report.md"
echo "report: $dir/calibration/report.md ($(ls "$dir/calibration"/*.svg | wc -l) reliability diagrams); sign-offs: $(grep -c '"calibration.signoff"' "$dir/signoff.ndjson" || true)"
