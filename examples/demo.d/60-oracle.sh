#!/usr/bin/env bash
# Oracle: choose each game's line from three books (arbitrate), then remove the margin
# (devig). The bundled evening (examples/oracle/odds.ndjson) has Pinnacle going quiet on
# one game, a game Pinnacle does not offer, ties across books, an under-round promo line
# and a 90 s NBA feed outage, so every branch of the policy shows up in the output.
set -euo pipefail
ODDS="$EXAMPLES/oracle/odds.ndjson"

# Pinnacle first, then DraftKings, then FanDuel; a line is usable for 2 minutes.
arbitrate --replay --books pinnacle,draftkings,fanduel "$ODDS" > "$OUT/oracle-line.ndjson" 2> "$OUT/arbitrate.log"

# Fair probabilities of the chosen lines by Shin's method.
devig --replay --method shin "$OUT/oracle-line.ndjson" > "$OUT/oracle-prob.ndjson" 2> "$OUT/devig.log"

# A 70/30 Pinnacle/DraftKings blend, de-vigged by the power method, in one pipeline.
arbitrate --replay --policy weighted-blend --weights pinnacle=0.7,draftkings=0.3 "$ODDS" 2> /dev/null \
  | devig --method power > "$OUT/oracle-prob-blend.ndjson" 2> /dev/null

# Every method side by side on every book's line (Shin refuses the under-round promo).
devig --compare "$ODDS" > "$OUT/devig-compare.ndjson" 2> "$OUT/devig-compare.log"

count() { grep -c "\"type\":\"$1\"" "$2" || true; }
echo "arbitrate: $(count oracle.line "$OUT/oracle-line.ndjson") oracle.line, $(count oracle.status "$OUT/oracle-line.ndjson") oracle.status -> out/demo/oracle-line.ndjson"
echo "  den-mem, Pinnacle quiet 17:20-17:27 ET: $(grep '"type":"oracle.line"' "$OUT/oracle-line.ndjson" | grep -c 'den-mem.*"books":\["draftkings"\]') lines from DraftKings in between"
echo "  NBA feed outage 17:40 ET: $(grep '"type":"oracle.status"' "$OUT/oracle-line.ndjson" | grep -c '"event":.*"state":"unavailable","reason":"disconnected"') games unavailable, then available again"
echo "devig --method shin: $(count oracle.prob "$OUT/oracle-prob.ndjson") oracle.prob -> out/demo/oracle-prob.ndjson"
echo "weighted-blend | devig --method power: $(count oracle.prob "$OUT/oracle-prob-blend.ndjson") oracle.prob -> out/demo/oracle-prob-blend.ndjson"
echo "devig --compare: $(count devig.compare "$OUT/devig-compare.ndjson") devig.compare, $(grep -c '"shin":{"error":"booksum-below-1"' "$OUT/devig-compare.ndjson" || true) with Shin refused (under-round) -> out/demo/devig-compare.ndjson"
