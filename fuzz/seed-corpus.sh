#!/usr/bin/env bash
# Builds fuzz/corpus/prometheus_v3 from the fixtures: every fixture (valid and invalid), each
# prefixed with every selector byte 0-15 (options x content type). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/prometheus_v3
mkdir -p "$out" corpus/auth_guard
for f in ../fixtures/*/*.json ../fixtures/*/invalid/*.json; do
  name=$(basename "$(dirname "$f")")-$(basename "$f" .json)
  for s in $(seq 0 15); do
    { printf "\\x$(printf %02x "$s")"; cat "$f"; } > "$out/$name-$s"
  done
done
echo "seeded $(ls "$out" | wc -l) inputs into $out"
