#!/usr/bin/env bash
# Repair throughput of a single-node Tessera on this machine, against a baseline measured in the same run.
#   Store: 8 disk directories on one filesystem, RS(4,2) over disks, 256 KiB shards, repair bandwidth unlimited.
#   Data:  the load generator PUTs 8 MiB objects for FILL_SECONDS.
#   Fault: `tessera admin disk fail disk8`; repair rebuilds every fragment disk8 held onto the other disks
#          (read 4 fragments, decode, write with fsync, commit the new location in the index).
#   Baseline: copying the same bytes (disk8's fragment files) to another directory with cp and sync, the speed of a
#          naive replication repair on the same disk.
# Then `tessera durability --store` feeds the measured rate into the durability model.
# Usage: bench/run-repair.sh     (env: FILL_SECONDS=6)
set -euo pipefail
cd "$(dirname "$0")/.."

FILL_SECONDS=${FILL_SECONDS:-6}
for tool in jq curl python3; do
  command -v "$tool" >/dev/null || { echo "run-repair.sh needs $tool" >&2; exit 1; }
done

echo "building (Release)"
dotnet build src/Tessera.Server -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
dotnet build bench/Tessera.LoadGen -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
LOADGEN=(dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll)
TESSERA=(dotnet src/Tessera.Server/bin/Release/net10.0/tessera.dll)

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-repair.XXXXXX")
server_pid=
stop() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export TESSERA_ROOT_USER=repair-admin
TESSERA_ROOT_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
export TESSERA_ROOT_PASSWORD
port=$(free_port)
endpoint="http://127.0.0.1:$port"
"${TESSERA[@]}" server "$work/disk{1...8}" --meta-dir "$work/meta" --ec 4+2 --address "127.0.0.1:$port" \
  --repair-bandwidth 0 --scrub-interval 0 --quiet >"$work/server.log" 2>&1 &
server_pid=$!
ready() { curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null | grep -q 200; }
for _ in $(seq 1 300); do
  ready "$endpoint/health/ready" && break
  sleep 0.2
done
ready "$endpoint/health/ready" || { echo "tessera not ready after 60 s"; cat "$work/server.log"; exit 1; }
admin() { "${TESSERA[@]}" admin "$@" --endpoint "$endpoint" --access-key "$TESSERA_ROOT_USER" --secret-key "$TESSERA_ROOT_PASSWORD"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "filling for $FILL_SECONDS s with 8 MiB objects"
"${LOADGEN[@]}" --op mkbucket --endpoint "$endpoint" --bucket repair >/dev/null
"${LOADGEN[@]}" --op put --endpoint "$endpoint" --bucket repair --size 8MiB --concurrency 4 --duration "$FILL_SECONDS" --json >"$work/fill.json"
sync
lost_bytes=$(du -sb "$work/disk8/fragments" | cut -f1)
lost_files=$(find "$work/disk8/fragments" -type f | wc -l)
echo "disk8 holds $lost_files fragments, $((lost_bytes / 1048576)) MiB"

# Baseline: copy the lost disk's files with cp and sync (what replication would do), cold cache for both.
sync; echo 3 | sudo -n tee /proc/sys/vm/drop_caches >/dev/null 2>&1 || true
start=$(date +%s.%N)
cp -r "$work/disk8/fragments" "$work/copy"
sync
copy_seconds=$(echo "$(date +%s.%N) - $start" | bc -l)
rm -rf "$work/copy"
sync; echo 3 | sudo -n tee /proc/sys/vm/drop_caches >/dev/null 2>&1 || true

echo "load before repair: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
admin disk fail disk8 >/dev/null
while true; do
  status=$(admin status --json)
  busy=$(jq '.repair.queued + .repair.inProgress' <<<"$status")
  [ "$busy" -eq 0 ] && break
  sleep 0.2
done
wall=$(echo "$(date +%s.%N) - $start" | bc -l)
admin status
rebuilt=$(jq '.repair.bytesRebuilt' <<<"$status")
measured=$(jq '.repair.measuredBytesPerSecond' <<<"$status")
echo
printf 'repair: %d fragments, %.0f MiB rebuilt; %.1f MiB/s while repairing; %.1f MiB/s wall clock (%.2f s from `disk fail` to an empty queue)\n' \
  "$(jq '.repair.fragmentsRebuilt' <<<"$status")" "$(echo "$rebuilt / 1048576" | bc -l)" "$(echo "$measured / 1048576" | bc -l)" \
  "$(echo "$rebuilt / 1048576 / $wall" | bc -l)" "$wall"
printf 'baseline: cp + sync of the same disk: %.1f MiB/s (%.2f s)\n' "$(echo "$lost_bytes / 1048576 / $copy_seconds" | bc -l)" "$copy_seconds"
printf 'ratio (repair while repairing / copy): %.2f\n' "$(echo "$measured / ($lost_bytes / $copy_seconds)" | bc -l)"
echo "load after repair: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"${TESSERA[@]}" durability --store "$endpoint" --access-key "$TESSERA_ROOT_USER" --secret-key "$TESSERA_ROOT_PASSWORD" --no-sim
