#!/usr/bin/env bash
# A local Tessera cluster on 127.0.0.1, in one command: 3 etcd members and N nodes with 4 disk directories each.
#   scripts/cluster.sh up [N=3] [DIR=.cluster]
#       Builds the server, starts etcd (scripts/etcd-cluster.sh) and N nodes n1..nN: node i serves S3 on 127.0.0.1:900i
#       (9000+i) and its disks to the other nodes on 127.0.0.1:910i (9100+i), with its disks in DIR/ni/disk{1...4}. n1
#       holds the index. The code is RS(4,2) spread over nodes (two fragments per node at most with 3 nodes). Prints
#       the endpoints and the root credentials; logs go to DIR/ni.log.
#   scripts/cluster.sh down [DIR=.cluster]
#       Stops the nodes (SIGTERM, then SIGKILL after 5 s) and etcd.
#   scripts/cluster.sh status [DIR=.cluster]
#       One line per node and etcd member.
#   scripts/cluster.sh kill I [DIR] / start I [DIR]
#       SIGKILLs node nI (a crash), or starts it again over its directories.
# Ports: override the bases with TESSERA_CLUSTER_S3_BASE (9000), TESSERA_CLUSTER_STORAGE_BASE (9100) and
# TESSERA_CLUSTER_ETCD_BASE (23790). TESSERA_CLUSTER_NODE_ARGS adds flags to every node (e.g. --down-out-interval 10).
# The index: TESSERA_CLUSTER_INDEX=node (the default: n1 holds it in its RocksDB, --index-node n1) or etcd (the
# range-sharded index, --index-groups control: one index group on the cluster's etcd, no index node). `up` records the
# choice in DIR/index, which `start` reuses.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cmd=${1:-}
s3_base=${TESSERA_CLUSTER_S3_BASE:-9000}
storage_base=${TESSERA_CLUSTER_STORAGE_BASE:-9100}
etcd_base=${TESSERA_CLUSTER_ETCD_BASE:-23790}
user=${TESSERA_ROOT_USER:-tessera-admin}
password=${TESSERA_ROOT_PASSWORD:-tessera-cluster-password}
secret=${TESSERA_CLUSTER_SECRET:-local-cluster-secret-change-me}

node_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$dir/" && echo "$pid"
}

# The flags naming the cluster's index: DIR/index (written by `up`) or TESSERA_CLUSTER_INDEX, default node.
index_args() {
  local mode
  mode=$(cat "$dir/index" 2>/dev/null || echo "${TESSERA_CLUSTER_INDEX:-node}")
  case "$mode" in
    node) echo "--index-node n1" ;;
    etcd) echo "--index-groups control" ;;
    *) echo "cluster: TESSERA_CLUSTER_INDEX must be node or etcd, not '$mode'" >&2; exit 2 ;;
  esac
}

# Starts node n$1 over DIR/n$1 (its disks and index survive a restart) against the etcd endpoints $2.
start_node() {
  local i=$1 index
  index=$(index_args)
  mkdir -p "$dir/n$i"
  TESSERA_ROOT_USER=$user TESSERA_ROOT_PASSWORD=$password TESSERA_CLUSTER_SECRET=$secret \
    setsid dotnet "$root/src/Tessera.Server/bin/Release/net10.0/tessera.dll" server "$dir/n$i/disk{1...4}" --meta-dir "$dir/n$i/meta" \
    --node-id "n$i" --address "127.0.0.1:$((s3_base + i))" --storage-address "127.0.0.1:$((storage_base + i))" \
    --etcd "$2" $index --ec 4+2@node --lease-ttl 5 --quiet ${TESSERA_CLUSTER_NODE_ARGS:-} \
    </dev/null >>"$dir/n$i.log" 2>&1 &
  echo $! >"$dir/n$i.pid"
}

# Waits (120 s at most) until node n$1 answers /health/ready.
wait_ready() {
  local i=$1 deadline=$((SECONDS + 120))
  until curl -fsS "http://127.0.0.1:$((s3_base + i))/health/ready" >/dev/null 2>&1; do
    if ! node_pid "$dir/n$i.pid" >/dev/null; then
      echo "cluster: node n$i exited; last lines of $dir/n$i.log:" >&2
      tail -20 "$dir/n$i.log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster: node n$i not ready after 120 s; see $dir/n$i.log" >&2
      exit 1
    fi
    sleep 0.3
  done
}

case "$cmd" in
  kill)
    # scripts/cluster.sh kill I [DIR]: SIGKILL node nI (a crash: no clean leave, its registration lapses).
    dir=$(cd "${3:-.cluster}" && pwd)
    pid=$(node_pid "$dir/n$2.pid") || { echo "cluster: node n$2 is not running" >&2; exit 1; }
    kill -KILL "$pid"
    echo "cluster: killed n$2 (pid $pid)"
    ;;
  start)
    # scripts/cluster.sh start I [DIR]: starts node nI again over its directories and waits until it is ready.
    dir=$(cd "${3:-.cluster}" && pwd)
    if node_pid "$dir/n$2.pid" >/dev/null; then echo "cluster: node n$2 is running" >&2; exit 1; fi
    start_node "$2" "$(cat "$dir/etcd/endpoints")"
    wait_ready "$2"
    echo "cluster: n$2 is back"
    ;;
  up)
    n=${2:-3}
    dir=${3:-.cluster}
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 up [N] [DIR]" >&2; exit 2; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    rm -f "$dir/index"
    index_args >/dev/null
    echo "${TESSERA_CLUSTER_INDEX:-node}" >"$dir/index"
    dotnet build "$root/src/Tessera.Server" -c Release -nologo -v q >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
    endpoints=$("$here/etcd-cluster.sh" up "$dir/etcd" 3 "$etcd_base")
    for i in $(seq 1 "$n"); do
      start_node "$i" "$endpoints"
    done
    for i in $(seq 1 "$n"); do
      wait_ready "$i"
    done
    echo "etcd:     $endpoints"
    for i in $(seq 1 "$n"); do
      echo "node n$i:  S3 http://127.0.0.1:$((s3_base + i))  storage http://127.0.0.1:$((storage_base + i))$([ "$i" = 1 ] && [ "$(cat "$dir/index")" = node ] && echo '  (index node)')"
    done
    [ "$(cat "$dir/index")" = etcd ] && echo "index:    range-sharded on etcd (group g1 under /tessera/idx/g1/); tessera admin index --endpoint http://127.0.0.1:$((s3_base + 1))"
    echo "root:     $user / $password"
    echo "try:      AWS_ACCESS_KEY_ID=$user AWS_SECRET_ACCESS_KEY=$password aws --endpoint-url http://127.0.0.1:$((s3_base + 1)) s3 mb s3://demo"
    ;;
  down)
    dir=${2:-.cluster}
    [ -d "$dir" ] || { echo "cluster: no directory $dir" >&2; exit 1; }
    dir=$(cd "$dir" && pwd)
    pids=()
    for f in "$dir"/n*.pid; do
      [ -e "$f" ] || continue
      if pid=$(node_pid "$f"); then
        pids+=("$pid")
        kill -TERM "$pid" 2>/dev/null || true
      fi
      rm -f "$f"
    done
    for _ in $(seq 1 50); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ $alive -eq 0 ] && break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    [ -d "$dir/etcd" ] && "$here/etcd-cluster.sh" down "$dir/etcd"
    echo "cluster: stopped"
    ;;
  status)
    dir=${2:-.cluster}
    dir=$(cd "$dir" && pwd)
    for f in "$dir"/n*.pid; do
      [ -e "$f" ] || continue
      name=$(basename "$f" .pid)
      if pid=$(node_pid "$f"); then echo "$name pid $pid running"; else echo "$name stopped"; fi
    done
    "$here/etcd-cluster.sh" status "$dir/etcd"
    ;;
  *)
    echo "usage: $0 up [N=3] [DIR=.cluster] | down [DIR] | status [DIR] | kill I [DIR] | start I [DIR]" >&2
    exit 2
    ;;
esac
