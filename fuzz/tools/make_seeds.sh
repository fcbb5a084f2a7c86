#!/usr/bin/env bash
# Regenerates fuzz/seeds/<target>/ from the project's own payloads in
# tests/fixtures (never from elsewhere) and a few made-up inputs for the
# structure-aware targets. Run from anywhere; commit the result.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
seeds="$root/fuzz/seeds"
fixtures="$root/tests/fixtures"
rm -rf "$seeds"
for p in xero xpm qbo qbtime; do
    mkdir -p "$seeds/wire_$p" "$seeds/decode_any"
    for f in "$fixtures/$p"/*; do
        cp "$f" "$seeds/wire_$p/"
        cp "$f" "$seeds/decode_any/$p-$(basename "$f")"
    done
done
# Structure-aware targets: a few byte patterns (arbitrary reads any bytes).
for t in normalize matching sync fields billing qbtime; do
    mkdir -p "$seeds/$t"
    printf '' > "$seeds/$t/empty"
    head -c 512 /dev/zero | tr '\0' '\001' > "$seeds/$t/ones"
    seq 0 255 | awk '{printf "%c", $1}' LC_ALL=C > "$seeds/$t/ramp" 2>/dev/null || true
done
printf 'Jose\xcc\x81 Garci\xcc\x81a\nJOSÉ@GARCÍA.test' > "$seeds/normalize/nfd"
printf 'Stra\xc3\x9fe AG\n  ACME   Ltd ' > "$seeds/normalize/fold"
# sync_state: mode byte, then JSON or counters.
mkdir -p "$seeds/sync_state"
printf '\x00{"connection":"connected","run":3,"initial_sync_done":true,"links":{},"issues":{},"in_flight":{},"local_seen":{},"taken_names":[]}' > "$seeds/sync_state/plain"
printf '\x01\xff\xff\xff\xff\xff\xff\xff\x7f\x00\x00\x00\x10' > "$seeds/sync_state/counters"
printf '\x03\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00' > "$seeds/sync_state/small"
find "$seeds" -type f | wc -l
