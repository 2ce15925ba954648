#!/usr/bin/env bash
# Builds the seed corpora from the fixtures. Run from anywhere.
# - corpus/prometheus_v3: every fixture (valid and invalid), each prefixed with every selector
#   byte 0-15 (options x content type);
# - corpus/adapters: each adapter's fixtures (.json and .form, valid and invalid), prefixed with
#   the adapter's byte (its place among the sorted folders of integrations/) and a shape byte:
#   the content type its extension implies, at the path its .headers request line names when
#   that is one the target knows, else "/".
set -euo pipefail
cd "$(dirname "$0")"
out=corpus/prometheus_v3
mkdir -p "$out" corpus/auth_guard corpus/adapters
for f in ../fixtures/*/*.json ../fixtures/*/invalid/*.json; do
  name=$(basename "$(dirname "$f")")-$(basename "$f" .json)
  for s in $(seq 0 15); do
    { printf "\\x$(printf %02x "$s")"; cat "$f"; } > "$out/$name-$s"
  done
done
echo "seeded $(ls "$out" | wc -l) inputs into $out"

paths=("/" "/v2/enqueue" "/generic/2010-04-15/create_event.json" "/v2/alerts" "/v2/alerts/a1/close?identifierType=alias" "/v2/alerts/a1/acknowledge")
index=0
for dir in $(ls -d ../integrations/*/ | sort); do
  slug=$(basename "$dir")
  for f in ../fixtures/"$slug"/*.json ../fixtures/"$slug"/*.form \
           ../fixtures/"$slug"/invalid/*.json ../fixtures/"$slug"/invalid/*.form; do
    [ -f "$f" ] || continue
    case "$f" in *.form) ct=1 ;; *) ct=0 ;; esac
    path=0
    headers="${f%.*}.headers"
    if [ -f "$headers" ]; then
      target=$(head -n1 "$headers" | awk '{print $2}')
      for i in "${!paths[@]}"; do
        [ "${paths[$i]}" = "$target" ] && path=$i
      done
    fi
    shape=$(( (path << 2) | ct ))
    name="$slug-$(basename "$(dirname "$f")")-$(basename "$f")"
    { printf "\\x$(printf %02x "$index")\\x$(printf %02x "$shape")"; cat "$f"; } > "corpus/adapters/$name"
  done
  index=$((index + 1))
done
echo "seeded $(ls corpus/adapters | wc -l) inputs into corpus/adapters"
