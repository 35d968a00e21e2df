#!/usr/bin/env bash
# make demo: run every stage in examples/demo.d/ in order against the bundled scenario
# and the loopback simulators; outputs land in out/demo/. Each stage is a short shell
# script that reads like the pipelines in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
export OUT="$PWD/out/demo"
export EXAMPLES="$PWD/examples"
rm -rf "$OUT"
mkdir -p "$OUT"
for stage in examples/demo.d/*.sh; do
  echo "== $(basename "$stage" .sh)"
  bash "$stage"
done
echo
echo "demo outputs in out/demo/:"
ls -1 "$OUT"
