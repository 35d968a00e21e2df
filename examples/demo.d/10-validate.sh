#!/usr/bin/env bash
# The stream layer: check a sample stream holding two bad lines. Valid records pass
# through (manifest first), bad lines are reported with source:line and kept verbatim,
# and the summary counts records by type and bad lines by reason. Exit status 1 = bad lines.
set -euo pipefail
status=0
validate --reject "$OUT/sample.rejected.ndjson" "$EXAMPLES/sample/records.ndjson" \
  > "$OUT/sample.valid.ndjson" 2> "$OUT/sample.validate.log" || status=$?
[ "$status" -eq 1 ] || { echo "validate: expected exit 1 (two bad lines), got $status" >&2; exit 1; }
echo "manifest:  $(head -n 1 "$OUT/sample.valid.ndjson")"
echo "rejected:  $(wc -l < "$OUT/sample.rejected.ndjson") lines kept in out/demo/sample.rejected.ndjson"
grep '"bad input line"' "$OUT/sample.validate.log" | sed 's/^/diagnostic: /'
echo "summary:   $(grep '"msg":"summary"' "$OUT/sample.validate.log")"
