#!/usr/bin/env bash
# Ledgers: three writers append the fills of a shadow run to one locked CSV at once;
# the same with per-process files and a rollup; then a writer "killed" in mid-write
# (a torn final row) is found by verify and repaired without losing a byte.
set -euo pipefail
in="$EXAMPLES/ledger/shadow-fills.ndjson"
d="$OUT/ledger"
mkdir -p "$d"
rm -f "$d"/fills*.csv* "$d"/*.ndjson

# Split the run into three streams and ledger them concurrently into one file. Each
# writer passes its records on once they are committed; keep that list.
for k in 0 1 2; do
  awk -v k="$k" 'NR % 3 == k' "$in" > "$d/part$k.ndjson"
done
for k in 0 1 2; do
  validate "$d/part$k.ndjson" 2>/dev/null | ledger append "$d/fills.csv" --type fill --batch-rows 4 \
    > "$d/committed$k.ndjson" 2> "$d/append$k.log" &
done
wait
ledger verify "$d/fills.csv" 2>/dev/null
echo "fills.csv: $(($(wc -l < "$d/fills.csv"))) lines (1 header + rows; one fill has a two-line note)"
echo "committed fill records passed on: $(cat "$d"/committed*.ndjson | grep -c '"type":"fill"')"

# Per-process ledgers, then a deterministic rollup (same bytes whatever the order).
for k in 0 1 2; do
  ledger append "$d/fills.csv" --per-process --type fill < "$d/part$k.ndjson" > /dev/null 2>&1 &
done
wait
ledger rollup "$d"/fills.*.*.csv > "$d/fills-rollup.csv" 2> "$d/rollup.log"
ledger rollup $(ls "$d"/fills.*.*.csv | sort -r) 2>/dev/null | cmp - "$d/fills-rollup.csv"
echo "rollup of $(ls "$d"/fills.*.*.csv | wc -l) per-process files: identical for any argument order"
ledger verify "$d/fills-rollup.csv" 2>/dev/null

# A writer killed in mid-write leaves a torn final row: verify finds it, --repair moves
# it to FILE.torn, and the ledger verifies again.
cp "$d/fills-rollup.csv" "$d/fills-crashed.csv"
printf 'fill,1769383000000,,o-99,c-99,tr-1099,KXNBAGAME-26JAN25DENMEM-DEN,yes,buy,0.5' >> "$d/fills-crashed.csv"
if ledger verify "$d/fills-crashed.csv" 2>/dev/null; then echo "expected a torn row" >&2; exit 1; fi
ledger verify --repair "$d/fills-crashed.csv" 2>/dev/null
echo "moved aside: $(cat "$d/fills-crashed.csv.torn")"

echo "manifest of one append run:"
head -1 "$d/committed0.ndjson"
grep '"msg":"summary"' "$d/append0.log"
