#!/usr/bin/env bash
# PUT and GET throughput of a 3-node cluster (scripts/cluster.sh: 3 etcd members, 3 nodes of 4 disks, RS(4,2) over
# nodes) against a single-node store of the same 12 disks and code (RS(4,2) over disks), on this machine, with the same
# load generator in the same run. The cluster is loaded through all three gateways at once (one generator per node,
# the concurrency split evenly); the single node through its one gateway with the same total concurrency.
# Usage: bench/run-cluster-load.sh   (env: DURATION=8 WARMUP=2 CONCURRENCY=6 SIZES="4KiB 1MiB")
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-6}
SIZES=${SIZES:-"4KiB 1MiB"}
for tool in jq curl python3; do
  command -v "$tool" >/dev/null || { echo "run-cluster-load.sh needs $tool" >&2; exit 1; }
done
dotnet build src/Tessera.Server -c Release -v q -nologo >/dev/null
dotnet build bench/Tessera.LoadGen -c Release -v q -nologo >/dev/null
LOADGEN=(dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll)
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-cluster-load.XXXXXX")
export TESSERA_ROOT_USER=tessera-admin TESSERA_ROOT_PASSWORD=tessera-cluster-password
single_pid=
stop() {
  [ -n "$single_pid" ] && { kill "$single_pid" 2>/dev/null || true; sleep 1; kill -9 "$single_pid" 2>/dev/null || true; }
  scripts/cluster.sh down "$work/cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT INT TERM
results="$work/results.jsonl"
: >"$results"

# load LABEL OP SIZE ENDPOINT... : one generator per endpoint, CONCURRENCY split over them, run together after a
# warm-up; appends {label, ops, seconds, opsPerSecond, bytesPerSecond} summed over the generators.
load() {
  local label=$1 op=$2 size=$3
  shift 3
  local n=$# per=$((CONCURRENCY / $#)) pids=() i=0 extra=()
  [ "$op" = get ] && extra=(--objects 200)
  for endpoint in "$@"; do
    timeout $((WARMUP + 120)) "${LOADGEN[@]}" --op "$op" --endpoint "$endpoint" --bucket "b-${size,,}" --size "$size" --concurrency "$per" --duration "$WARMUP" "${extra[@]}" >/dev/null 2>&1 || true
  done
  for endpoint in "$@"; do
    i=$((i + 1))
    timeout $((DURATION + 120)) "${LOADGEN[@]}" --op "$op" --endpoint "$endpoint" --bucket "b-${size,,}" --size "$size" --concurrency "$per" --duration "$DURATION" "${extra[@]}" --json >"$work/$label.$i.json" 2>/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  jq -s -c --arg name "$label" --argjson n "$n" '{"label": $name, generators: $n, ops: (map(.ops) | add), errors: (map(.errors) | add), opsPerSecond: (map(.opsPerSecond) | add), mibPerSecond: (map(.mibPerSecond) | add), p99Ms: (map(.p99Ms) | max)}' "$work/$label".*.json >>"$results"
  jq -r 'select(.label == "'"$label"'") | "  \(.label): \(.opsPerSecond | floor) ops/s, \(.mibPerSecond * 10 | floor / 10) MiB/s, p99 \(.p99Ms * 10 | floor / 10) ms, \(.errors) errors"' "$results"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"

# The single node: the same 12 disks and RS(4,2), spread over disks.
mkdir -p "$work/single"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet src/Tessera.Server/bin/Release/net10.0/tessera.dll server "$work/single/disk{1...12}" --address "127.0.0.1:$port" --ec 4+2 --quiet >"$work/single.log" 2>&1 &
single_pid=$!
until curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; do sleep 0.2; done
echo "== single node (12 disks, RS(4,2)), concurrency $CONCURRENCY"
for size in $SIZES; do
  "${LOADGEN[@]}" --op mkbucket --endpoint "http://127.0.0.1:$port" --bucket "b-${size,,}" >/dev/null
  load "single-put-$size" put "$size" "http://127.0.0.1:$port"
  load "single-get-$size" get "$size" "http://127.0.0.1:$port"
done
kill "$single_pid"; wait "$single_pid" 2>/dev/null || true; single_pid=

echo "== 3-node cluster (3 x 4 disks, RS(4,2) over nodes), concurrency $CONCURRENCY over 3 gateways"
TESSERA_CLUSTER_S3_BASE=${TESSERA_CLUSTER_S3_BASE:-19000} TESSERA_CLUSTER_STORAGE_BASE=${TESSERA_CLUSTER_STORAGE_BASE:-19100} \
  TESSERA_CLUSTER_ETCD_BASE=${TESSERA_CLUSTER_ETCD_BASE:-24790} scripts/cluster.sh up 3 "$work/cluster" >/dev/null
base=${TESSERA_CLUSTER_S3_BASE:-19000}
gateways=("http://127.0.0.1:$((base + 1))" "http://127.0.0.1:$((base + 2))" "http://127.0.0.1:$((base + 3))")
for size in $SIZES; do
  "${LOADGEN[@]}" --op mkbucket --endpoint "${gateways[0]}" --bucket "b-${size,,}" >/dev/null
  load "cluster-put-$size" put "$size" "${gateways[@]}"
  load "cluster-get-$size" get "$size" "${gateways[@]}"
done

echo "== ratios (cluster / single node), load now $(cut -d' ' -f1-3 /proc/loadavg)"
for size in $SIZES; do
  for op in put get; do
    jq -s -r --arg s "$size" --arg o "$op" '
      (map(select(.label == "single-\($o)-\($s)"))[0].opsPerSecond) as $a |
      (map(select(.label == "cluster-\($o)-\($s)"))[0].opsPerSecond) as $b |
      "  \($o) \($s): \($b | floor) / \($a | floor) ops/s = \(($b / $a * 100 | floor) / 100)"' "$results"
  done
done
[ -n "${RESULTS:-}" ] && cp "$results" "$RESULTS"
exit 0
