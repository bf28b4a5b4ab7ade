#!/usr/bin/env bash
# Lifecycle transition throughput of a single-node Tessera on this machine, against a plain PUT of the same bytes in
# the same run, and the raw disk bytes before and after.
#   Store: 12 disk directories on one filesystem, STANDARD RS(4,2) and STANDARD_IA RS(8,4) over disks, 256 KiB shards.
#   PUT:   the load generator PUTs TOTAL_MIB as OBJECT_MIB objects, one at a time (STANDARD, 4+2): the baseline.
#   Transition: `POST admin/v1/transition` of each object to STANDARD_IA, one at a time: read 4 of 6 fragments,
#          re-encode 8+4, write and fsync 12 new fragments, swap the manifest in one index write. MiB/s of object bytes.
#   Raw bytes: the sum of the fragment files' sizes on the disks after the PUTs, and after the transitions once the
#          garbage collector removed the old fragments (grace 1 s).
#   TIER=1: the target is a remote tier instead: a second Tessera (6 disk directories, 4+2) holds bucket `tier`, and
#          GLACIER_IR is placed in it (--tier COLD=..., --storage-class GLACIER_IR=tier:COLD): each transition reads 4 of
#          6 fragments and PUTs the object to the tier over HTTP (AWS SDK, Content-MD5), then swaps the manifest. The
#          raw bytes after are the local disks' (the tier's own disks are printed beside them).
# Usage: bench/run-transition.sh     (env: TOTAL_MIB=1024 OBJECT_MIB=64 TIER=0)
set -euo pipefail
cd "$(dirname "$0")/.."

TOTAL_MIB=${TOTAL_MIB:-1024}
TIER=${TIER:-0}
OBJECT_MIB=${OBJECT_MIB:-64}
COUNT=$((TOTAL_MIB / OBJECT_MIB))
for tool in jq curl python3 bc; do
  command -v "$tool" >/dev/null || { echo "run-transition.sh needs $tool" >&2; exit 1; }
done

echo "building (Release)"
dotnet build src/Tessera.Server -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
dotnet build bench/Tessera.LoadGen -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
LOADGEN=(dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll)
TESSERA=(dotnet src/Tessera.Server/bin/Release/net10.0/tessera.dll)

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-transition.XXXXXX")
server_pid=
tier_pid=
stop() {
  for pid in $server_pid $tier_pid; do
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop EXIT INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export TESSERA_ROOT_USER=transition-admin
TESSERA_ROOT_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
export TESSERA_ROOT_PASSWORD
ready() { curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null | grep -q 200; }
wait_ready() {
  for _ in $(seq 1 300); do
    ready "$1/health/ready" && return 0
    sleep 0.2
  done
  echo "tessera at $1 not ready after 60 s"; cat "$2"; exit 1
}
target=STANDARD_IA
target_args=(--storage-class STANDARD_IA=8+4)
if [ "$TIER" = 1 ]; then
  tier_port=$(free_port)
  "${TESSERA[@]}" server "$work/tier/disk{1...6}" --meta-dir "$work/tier/meta" --ec 4+2 \
    --address "127.0.0.1:$tier_port" --scrub-interval 0 --quiet >"$work/tier.log" 2>&1 &
  tier_pid=$!
  wait_ready "http://127.0.0.1:$tier_port" "$work/tier.log"
  "${LOADGEN[@]}" --op mkbucket --endpoint "http://127.0.0.1:$tier_port" --bucket tier >/dev/null
  target=GLACIER_IR
  target_args=(--tier "COLD=http://$TESSERA_ROOT_USER:$TESSERA_ROOT_PASSWORD@127.0.0.1:$tier_port/tier/bench/" --storage-class GLACIER_IR=tier:COLD)
fi
port=$(free_port)
endpoint="http://127.0.0.1:$port"
"${TESSERA[@]}" server "$work/disk{1...12}" --meta-dir "$work/meta" --ec 4+2 "${target_args[@]}" \
  --address "127.0.0.1:$port" --gc-grace 1 --scrub-interval 0 --quiet >"$work/server.log" 2>&1 &
server_pid=$!
wait_ready "$endpoint" "$work/server.log"
raw_bytes() { find "$work"/disk*/fragments -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%d\n", s }'; }
tier_bytes() { find "$work"/tier/disk*/fragments -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%d\n", s }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
"${LOADGEN[@]}" --op mkbucket --endpoint "$endpoint" --bucket tiers >/dev/null
echo "PUT: $COUNT objects of $OBJECT_MIB MiB, one at a time"
"${LOADGEN[@]}" --op put --endpoint "$endpoint" --bucket tiers --size "${OBJECT_MIB}MiB" --concurrency 1 --count "$COUNT" --json >"$work/put.json"
put_mibs=$(jq -r '.mibPerSecond' "$work/put.json")
sync
before=$(raw_bytes)

echo "transition: the same $COUNT objects to $target ($([ "$TIER" = 1 ] && echo "remote tier" || echo "8+4")), one at a time; load $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
# One CLI process moves them all (its start, ~0.3 s, is counted); each call waits for its move.
"${TESSERA[@]}" admin transition tiers "$target" $(seq -f 'obj-%g' 0 $((COUNT - 1))) --endpoint "$endpoint" \
  --access-key "$TESSERA_ROOT_USER" --secret-key "$TESSERA_ROOT_PASSWORD" >"$work/transition.out"
moved=$(grep -c '"Moved"' "$work/transition.out" || true)
[ "$moved" -eq "$COUNT" ] || { echo "$moved of $COUNT moved:"; cat "$work/transition.out"; tail -20 "$work/server.log"; exit 1; }
seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
transition_mibs=$(echo "$TOTAL_MIB / $seconds" | bc -l)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The old fragments are garbage after 1 s; the collector runs every second: wait until the raw bytes stop shrinking.
previous=0
for _ in $(seq 1 60); do
  sleep 2
  now=$(raw_bytes)
  [ "$now" = "$previous" ] && break
  previous=$now
done
after=$(raw_bytes)

printf 'PUT (4+2):               %8.1f MiB/s\n' "$put_mibs"
printf 'transition (4+2 -> %s): %8.1f MiB/s  (%.2f of PUT)\n' "$([ "$TIER" = 1 ] && echo "tier" || echo "8+4")" "$transition_mibs" "$(echo "$transition_mibs / $put_mibs" | bc -l)"
printf 'raw bytes before: %d (%.3f x the %d MiB of data)\n' "$before" "$(echo "$before / ($TOTAL_MIB * 1048576)" | bc -l)" "$TOTAL_MIB"
printf 'raw bytes after:  %d (%.3f x)\n' "$after" "$(echo "$after / ($TOTAL_MIB * 1048576)" | bc -l)"
if [ "$TIER" = 1 ]; then
  printf 'raw bytes on the tier (its own 4+2): %d (%.3f x)\n' "$(tier_bytes)" "$(echo "$(tier_bytes) / ($TOTAL_MIB * 1048576)" | bc -l)"
  # The second baseline: the same bytes PUT straight to the tier (what its own write path costs on these cores).
  "${LOADGEN[@]}" --op mkbucket --endpoint "http://127.0.0.1:$tier_port" --bucket direct >/dev/null
  "${LOADGEN[@]}" --op put --endpoint "http://127.0.0.1:$tier_port" --bucket direct --size "${OBJECT_MIB}MiB" --concurrency 1 --count "$COUNT" --json >"$work/direct.json"
  direct_mibs=$(jq -r '.mibPerSecond' "$work/direct.json")
  printf 'PUT straight to the tier:  %8.1f MiB/s  (transition %.2f of it)\n' "$direct_mibs" "$(echo "$transition_mibs / $direct_mibs" | bc -l)"
fi
echo "load after the transitions: $load_after; now: $(cut -d' ' -f1-3 /proc/loadavg)"
