#!/usr/bin/env bash
# A local etcd cluster on 127.0.0.1 for tests and development (not for production: no TLS, no auth).
#   scripts/etcd-cluster.sh up DIR [MEMBERS=3] [BASE_PORT=23790]
#       Starts MEMBERS members: member i (1..MEMBERS) is named ei, listens for clients on BASE_PORT+i and for peers
#       on BASE_PORT+100+i, keeps its data in DIR/ei.data, its log in DIR/ei.log and its pid in DIR/ei.pid. Waits
#       (30 s at most) until `etcdctl endpoint health` passes on every member, then prints the client endpoints as
#       one comma-separated line (the form EtcdClient takes).
#   scripts/etcd-cluster.sh down DIR
#       Stops the members DIR's pid files name: SIGTERM, up to 3 s of grace, then SIGKILL (the last member of a cluster
#       without quorum may ignore SIGTERM). Only processes whose command line names DIR are signalled.
#   scripts/etcd-cluster.sh status DIR
#       One line per member: name, pid, running or not, and health.
set -euo pipefail

usage() {
  echo "usage: $0 up DIR [MEMBERS=3] [BASE_PORT=23790] | down DIR | status DIR" >&2
  exit 2
}

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
export ETCDCTL_API=3

# The pid in FILE when that process is alive and is an etcd started over DIR (guards against a reused pid).
live_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--data-dir $dir/" || return 1
  echo "$pid"
}

# True while PID runs (a zombie counts as stopped: whoever inherited it may never reap it).
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

endpoints_of() {
  cat "$dir/endpoints" 2>/dev/null
}

case "$cmd" in
  up)
    members=${3:-3}
    base=${4:-23790}
    [[ "$members" =~ ^[1-9][0-9]*$ ]] && [[ "$base" =~ ^[1-9][0-9]*$ ]] || usage
    "$here/deps.sh" etcd
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    for f in "$dir"/e*.pid; do
      if [ -e "$f" ] && live_pid "$f" >/dev/null; then
        echo "etcd-cluster: $dir already has running members; run 'down $dir' first" >&2
        exit 1
      fi
    done
    initial=
    endpoints=
    for i in $(seq 1 "$members"); do
      initial+="${initial:+,}e$i=http://127.0.0.1:$((base + 100 + i))"
      endpoints+="${endpoints:+,}http://127.0.0.1:$((base + i))"
    done
    echo "$endpoints" >"$dir/endpoints"
    for i in $(seq 1 "$members"); do
      client=http://127.0.0.1:$((base + i))
      peer=http://127.0.0.1:$((base + 100 + i))
      setsid /usr/bin/etcd --name "e$i" --data-dir "$dir/e$i.data" \
        --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
        --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token "tessera-$base" \
        --heartbeat-interval 100 --election-timeout 1000 \
        --auto-compaction-mode periodic --auto-compaction-retention 1h \
        </dev/null >"$dir/e$i.log" 2>&1 &
      echo $! >"$dir/e$i.pid"
    done
    deadline=$((SECONDS + 30))
    until /usr/bin/etcdctl --endpoints "$endpoints" --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1; do
      if [ $SECONDS -ge $deadline ]; then
        echo "etcd-cluster: not healthy after 30 s; logs in $dir" >&2
        /usr/bin/etcdctl --endpoints "$endpoints" --dial-timeout 1s endpoint health >&2 || true
        exit 1
      fi
      for i in $(seq 1 "$members"); do
        if ! live_pid "$dir/e$i.pid" >/dev/null; then
          echo "etcd-cluster: member e$i exited; last lines of $dir/e$i.log:" >&2
          tail -5 "$dir/e$i.log" >&2
          exit 1
        fi
      done
      sleep 0.2
    done
    echo "$endpoints"
    ;;
  down)
    dir=$(cd "$dir" 2>/dev/null && pwd) || { echo "etcd-cluster: no directory $2" >&2; exit 1; }
    pids=()
    for f in "$dir"/e*.pid; do
      [ -e "$f" ] || continue
      if pid=$(live_pid "$f"); then
        pids+=("$pid")
        kill -TERM "$pid" 2>/dev/null || true
      fi
      rm -f "$f"
    done
    for _ in $(seq 1 30); do
      alive=()
      for pid in "${pids[@]}"; do
        running "$pid" && alive+=("$pid")
      done
      [ ${#alive[@]} -eq 0 ] && break
      sleep 0.1
    done
    for pid in "${pids[@]}"; do
      if running "$pid"; then
        echo "etcd-cluster: pid $pid ignored SIGTERM for 3 s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    echo "stopped ${#pids[@]} members"
    ;;
  status)
    dir=$(cd "$dir" 2>/dev/null && pwd) || { echo "etcd-cluster: no directory $2" >&2; exit 1; }
    IFS=, read -r -a eps <<<"$(endpoints_of)"
    i=0
    for ep in "${eps[@]}"; do
      i=$((i + 1))
      if pid=$(live_pid "$dir/e$i.pid"); then
        if /usr/bin/etcdctl --endpoints "$ep" --dial-timeout 1s --command-timeout 2s endpoint health >/dev/null 2>&1; then
          health=healthy
        else
          health=unhealthy
        fi
        echo "e$i $ep pid $pid running $health"
      else
        echo "e$i $ep stopped"
      fi
    done
    ;;
  *)
    usage
    ;;
esac
