#!/usr/bin/env bash
# How long a 3-node cluster takes to notice a dead node and start repairing it, and how fast it rebuilds across nodes.
# Starts scripts/cluster.sh with a short down-out interval (DOWN_OUT=10 s) and disk probes every 2 s, writes DATA_MIB
# of 1 MiB objects, SIGKILLs n3 and polls the index node's admin status every 0.2 s: when the lease lapsed (n3 out of
# placement), when its disks were declared failed, when the first fragment was rebuilt, when the queue was empty, and
# the repair rate. Repair bandwidth is left at its default limit (200 MiB/s).
# Usage: bench/run-cluster-repair.sh   (env: DATA_MIB=256 DOWN_OUT=10)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_MIB=${DATA_MIB:-256}
DOWN_OUT=${DOWN_OUT:-10}
dotnet build bench/Tessera.LoadGen -c Release -v q -nologo >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-cluster-repair.XXXXXX")
trap 'scripts/cluster.sh down "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT INT TERM
export TESSERA_CLUSTER_S3_BASE=${TESSERA_CLUSTER_S3_BASE:-19200} TESSERA_CLUSTER_STORAGE_BASE=${TESSERA_CLUSTER_STORAGE_BASE:-19300} \
  TESSERA_CLUSTER_ETCD_BASE=${TESSERA_CLUSTER_ETCD_BASE:-25790} \
  TESSERA_CLUSTER_NODE_ARGS="--down-out-interval $DOWN_OUT --disk-check-interval 2"
scripts/cluster.sh up 3 "$work/cluster" >/dev/null
n1="http://127.0.0.1:$((TESSERA_CLUSTER_S3_BASE + 1))"
export TESSERA_ROOT_USER=tessera-admin TESSERA_ROOT_PASSWORD=tessera-cluster-password
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll --op mkbucket --endpoint "$n1" --bucket repair >/dev/null
dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll --op put --endpoint "$n1" --bucket repair --size 1MiB --concurrency 4 --count "$DATA_MIB" >/dev/null 2>&1
status() { dotnet src/Tessera.Server/bin/Release/net10.0/tessera.dll admin status --json --endpoint "$n1" --access-key "$TESSERA_ROOT_USER" --secret-key "$TESSERA_ROOT_PASSWORD"; }
on_n3=$(find "$work/cluster/n3" -path '*fragments*' -type f | wc -l)
echo "wrote $DATA_MIB x 1 MiB objects; n3 holds $on_n3 fragment files"
scripts/cluster.sh kill 3 "$work/cluster" >/dev/null
t0=$(date +%s.%N)
absent= failed= started= done_at=
while [ -z "$done_at" ]; do
  s=$(status 2>/dev/null) || { sleep 0.2; continue; }
  now=$(date +%s.%N)
  [ -z "$absent" ] && jq -e '[.disks[] | select(.node == "n3" and .present == false)] | length > 0' <<<"$s" >/dev/null && absent=$now
  [ -z "$failed" ] && jq -e '[.disks[] | select(.node == "n3" and .state == "failed")] | length == 4' <<<"$s" >/dev/null && failed=$now
  [ -z "$started" ] && jq -e '.repair.fragmentsRebuilt > 0' <<<"$s" >/dev/null && started=$now
  [ -n "$started" ] && jq -e '.repair.queued == 0 and .repair.inProgress == 0' <<<"$s" >/dev/null && done_at=$now && final=$s
  if [ "$(echo "$now - $t0 > 600" | bc)" = 1 ]; then echo "repair not done after 600 s" >&2; exit 1; fi
  sleep 0.2
done
since() { echo "$1 - $t0" | bc | xargs printf '%.1f'; }
echo "n3 out of placement after $(since "$absent") s (lease TTL 5 s)"
echo "n3's disks declared failed after $(since "$failed") s (down-out interval $DOWN_OUT s, probes every 2 s)"
echo "first fragment rebuilt after $(since "$started") s; queue empty after $(since "$done_at") s"
jq -r '.repair | "rebuilt \(.fragmentsRebuilt) fragments, \(.bytesRebuilt / 1048576 | floor) MiB of fragment data in \(.busySeconds * 10 | floor / 10) s busy: \(.measuredBytesPerSecond / 1048576 * 10 | floor / 10) MiB/s while repairing; \(.blocked) blocked, \(.unrecoverable) unrecoverable"' <<<"$final"
echo "load now $(cut -d' ' -f1-3 /proc/loadavg)"
