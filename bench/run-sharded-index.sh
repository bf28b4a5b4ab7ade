#!/usr/bin/env bash
# The range-sharded index on real etcd (docs/design/sharded-index.md, "Measured"): bench/Tessera.Benchmarks'
# `sharded-index` measurements against single-member etcd 3.4 processes this script starts on loopback and stops on exit
# (their data directories removed).
#   capacity  one etcd (8 GiB quota): fill through EtcdIndexStore to each count, backend size as written, compacted and
#             defragmented, bytes per object and the extrapolation to 8 GiB; etcd's own put rate first as the baseline
#   list      ListObjects pages of 1,000 keys on that etcd (the capacity fill, topped up) against RocksDbIndexStore
#             holding the same keys, in one process (run after capacity: `all` runs both on one etcd)
#   prefix    three etcds (control plane, groups g1, g2): PUT/s on one prefix, across an automatic split and move, and
#             over prefixes in one or two groups, against etcd's own Txn rate
# Usage: bench/run-sharded-index.sh [all|capacity|list|prefix]   (env: SIZE=small|full THREADS=48 RESULTS=file.jsonl
#        WORK=dir, default under TMPDIR; BENCH_COUNTS, BENCH_LIST_KEYS, BENCH_PAGES, BENCH_SECONDS override the size's values). small runs in minutes; full is 100k–1M objects (the 1M fill alone is ~25 min on a loaded 2-core machine, and
#        LIST pages at 1M keys take seconds each on etcd 3.4: see docs/design/sharded-index.md).
# The backends are started like scripts/etcd-cluster.sh starts them (no --auto-compaction: our scripts set none),
# plus --quota-backend-bytes 8 GiB, etcd's suggested maximum; the benchmark compacts and defragments explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
SIZE=${SIZE:-small}
THREADS=${THREADS:-48}
case "$SIZE" in
  small) COUNTS=25000,50000,100000; LIST_KEYS=100000; PAGES=200; VERSIONED_KEYS=10000; SECONDS_=10; SPLIT_SECONDS=40 ;;
  full) COUNTS=100000,250000,500000,1000000; LIST_KEYS=1000000; PAGES=400; VERSIONED_KEYS=50000; SECONDS_=20; SPLIT_SECONDS=60 ;;
  *) echo "SIZE must be small or full" >&2; exit 2 ;;
esac
# Any of these overrides the size's value, e.g. COUNTS=100000,250000,500000 LIST_KEYS=500000.
COUNTS=${BENCH_COUNTS:-$COUNTS} LIST_KEYS=${BENCH_LIST_KEYS:-$LIST_KEYS} SECONDS_=${BENCH_SECONDS:-$SECONDS_} PAGES=${BENCH_PAGES:-$PAGES}
scripts/deps.sh etcd >/dev/null
command -v jq >/dev/null || { echo "run-sharded-index.sh needs jq" >&2; exit 1; }

work=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tessera-sharded-index.XXXXXX")}
mkdir -p "$work"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop EXIT INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# etcd_up NAME: starts a single-member etcd over $work/NAME, prints its client URL once it serves.
etcd_up() {
  local name=$1 client peer
  client=http://127.0.0.1:$(free_port)
  peer=http://127.0.0.1:$(free_port)
  setsid /usr/bin/etcd --name "$name" --data-dir "$work/$name.data" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "$name=$peer" \
    --initial-cluster-state new --heartbeat-interval 100 --election-timeout 1000 \
    --quota-backend-bytes $((8 * 1024 * 1024 * 1024)) </dev/null >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do
    ETCDCTL_API=3 /usr/bin/etcdctl --endpoints "$client" --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1 && { echo "$client"; return; }
    sleep 0.2
  done
  echo "etcd $name did not start: $(tail -3 "$work/$name.log")" >&2
  exit 1
}

dotnet build bench/Tessera.Benchmarks -c Release -v q -nologo >/dev/null
BENCH=(dotnet bench/Tessera.Benchmarks/bin/Release/net10.0/Tessera.Benchmarks.dll sharded-index)
export TESSERA_BENCH_RESULTS="$work/results.jsonl"
: >"$TESSERA_BENCH_RESULTS"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg); $(/usr/bin/etcd --version | head -1); data in $work ($(df -h "$work" | awk 'NR==2 {print $4}') free); SIZE=$SIZE THREADS=$THREADS"

if [ "$what" = all ] || [ "$what" = capacity ] || [ "$what" = list ]; then
  index=$(etcd_up index)
  if [ "$what" != list ]; then
    "${BENCH[@]}" capacity --etcd "$index" --counts "$COUNTS" --threads "$THREADS" --versioned-keys "$VERSIONED_KEYS"
    echo "etcdctl endpoint status (cross-check of the last point): $(ETCDCTL_API=3 /usr/bin/etcdctl --endpoints "$index" endpoint status -w json | jq -c '.[0].Status | {dbSize, dbSizeInUse, revision: .header.revision}')"
  fi
  if [ "$what" != capacity ]; then
    "${BENCH[@]}" list --etcd "$index" --keys "$LIST_KEYS" --pages "$PAGES" --threads "$THREADS" --rocksdb "$work/rocksdb"
    echo "RocksDB on disk: $(du -sb "$work/rocksdb" | cut -f1) B; etcd db: $(du -sb "$work/index.data" | cut -f1) B"
    echo "etcdctl endpoint status after the list fill (a capacity point): $(ETCDCTL_API=3 /usr/bin/etcdctl --endpoints "$index" endpoint status -w json | jq -c '.[0].Status | {dbSize, dbSizeInUse, revision: .header.revision}')"
  fi
fi

if [ "$what" = all ] || [ "$what" = prefix ]; then
  control=$(etcd_up control)
  g1=$(etcd_up g1)
  g2=$(etcd_up g2)
  "${BENCH[@]}" prefix --control "$control" --g1 "$g1" --g2 "$g2" --threads "$THREADS" --seconds "$SECONDS_" --split-seconds "$SPLIT_SECONDS"
fi

echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${RESULTS:-}" ]; then
  cp "$TESSERA_BENCH_RESULTS" "$RESULTS"
fi
