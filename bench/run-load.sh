#!/usr/bin/env bash
# Load test of a single-node Tessera on loopback against two baselines, for 4 KiB and 8 MiB objects:
#   PUT vs "disk": the same-size files written with fsync + rename over 6 directories of the same filesystem;
#   GET vs nginx:  Debian's nginx (sendfile on) serving a file of the same size, loaded by the same generator.
# Every run is bounded by DURATION seconds; the script stops the server and nginx on exit.
# Usage: bench/run-load.sh            (env: DURATION=8 WARMUP=3 SMALL_CONCURRENCY=8 LARGE_CONCURRENCY=4 RESULTS=file.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-8}
WARMUP=${WARMUP:-3}
SMALL_CONCURRENCY=${SMALL_CONCURRENCY:-8}
LARGE_CONCURRENCY=${LARGE_CONCURRENCY:-4}

for tool in jq curl python3; do
  command -v "$tool" >/dev/null || { echo "run-load.sh needs $tool" >&2; exit 1; }
done
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "installing Debian's nginx for the GET baseline"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

echo "building (Release)"
dotnet build src/Tessera.Server -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
dotnet build bench/Tessera.LoadGen -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
LOADGEN=(dotnet bench/Tessera.LoadGen/bin/Release/net10.0/tessera-loadgen.dll)
SERVER=src/Tessera.Server/bin/Release/net10.0/tessera.dll

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-load.XXXXXX")
chmod 755 "$work"   # nginx workers run as nobody
server_pid=
nginx_pid=
stop() {
  for pid in $server_pid $nginx_pid; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $server_pid $nginx_pid; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop EXIT INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Tessera over six disk directories in a temporary data directory.
export TESSERA_ROOT_USER=loadgen-admin
TESSERA_ROOT_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
export TESSERA_ROOT_PASSWORD
tessera_port=$(free_port)
dotnet "$SERVER" server "$work/data" --address "127.0.0.1:$tessera_port" --quiet >"$work/server.log" 2>&1 &
server_pid=$!
endpoint="http://127.0.0.1:$tessera_port"

# nginx in the foreground (background job) with its own config, root and temp paths.
nginx_port=$(free_port)
mkdir -p "$work/www" "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
EOF
"$NGINX" -p "$work/nginx" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" 2>"$work/nginx/stderr.log" &
nginx_pid=$!

ready() { curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null | grep -q 200; }
for _ in $(seq 1 300); do
  ready "$endpoint/health/ready" && break
  kill -0 "$server_pid" 2>/dev/null || { echo "tessera exited:"; cat "$work/server.log"; exit 1; }
  sleep 0.2
done
ready "$endpoint/health/ready" || { echo "tessera not ready after 60 s"; cat "$work/server.log"; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tessera on $endpoint, nginx on 127.0.0.1:$nginx_port, data in $work ($(df -T "$work" | awk 'NR==2 {print $2}'))"
results="$work/results.jsonl"
: >"$results"

# run LABEL ARGS...: one bounded load run after an unrecorded warm-up of WARMUP seconds (the JIT's tiering, the
# page cache and the connection pool settle first, for the baselines as for Tessera); prints the text line, appends
# {label, result} to $results.
run() {
  local label=$1
  shift
  local json
  if [ "$WARMUP" -gt 0 ]; then
    timeout $((WARMUP + 180)) "${LOADGEN[@]}" --duration "$WARMUP" "$@" >/dev/null || true
  fi
  json=$(timeout $((DURATION + 180)) "${LOADGEN[@]}" --duration "$DURATION" --json "$@") || true
  if [ -z "$json" ]; then
    echo "run $label produced no result" >&2
    exit 1
  fi
  jq -c --arg name "$label" '{"label": $name} + .' <<<"$json" >>"$results"
}

for spec in "4KiB:$SMALL_CONCURRENCY" "8MiB:$LARGE_CONCURRENCY"; do
  size=${spec%%:*}
  concurrency=${spec##*:}
  bucket="load-$(tr 'A-Z' 'a-z' <<<"$size")"
  common=(--size "$size" --concurrency "$concurrency")
  echo "== $size, concurrency $concurrency"

  dirs=$(for i in 1 2 3 4 5 6; do printf '%s/disk-baseline/d%s,' "$work" "$i"; done)
  run "disk-$size" --op disk --dir "${dirs%,}" "${common[@]}"
  rm -rf "$work/disk-baseline"

  "${LOADGEN[@]}" --op mkbucket --endpoint "$endpoint" --bucket "$bucket"
  run "put-$size" --op put --endpoint "$endpoint" --bucket "$bucket" "${common[@]}"
  written=$(jq -r "select(.label == \"put-$size\") | .ops" "$results")
  objects=$((written < 1000 ? written : 1000))
  if [ "$objects" -lt 1 ]; then echo "no object was written" >&2; exit 1; fi
  run "get-$size" --op get --endpoint "$endpoint" --bucket "$bucket" --objects "$objects" "${common[@]}"

  head -c "$(jq -r "select(.label == \"put-$size\") | .size" "$results")" /dev/urandom >"$work/www/obj-$size"
  chmod 644 "$work/www/obj-$size"
  run "httpget-$size" --op httpget --url "http://127.0.0.1:$nginx_port/obj-$size" "${common[@]}"
done

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| size | conc | Tessera | ops/s | MiB/s | p50 ms | p99 ms | baseline | ops/s | MiB/s | p50 ms | p99 ms | Tessera / baseline |"
echo "| --- | --: | --- | --: | --: | --: | --: | --- | --: | --: | --: | --: | --: |"
jq -rs '
  def r(x): (x * 10 | round) / 10;
  (map({key: .label, value: .}) | from_entries) as $by
  | ["4KiB", "8MiB"][] as $size
  | (["put", "disk"], ["get", "httpget"]) as [$op, $base]
  | $by["\($op)-\($size)"] as $t | $by["\($base)-\($size)"] as $b
  | "| \($size) | \($t.concurrency) | \($op | ascii_upcase)\(if $t.errors > 0 then " (\($t.errors) errors)" else "" end) | \(r($t.opsPerSecond)) | \(r($t.mibPerSecond)) | \(r($t.p50Ms)) | \(r($t.p99Ms)) | \(if $base == "disk" then "disk fsync+rename" else "nginx sendfile" end) | \(r($b.opsPerSecond)) | \(r($b.mibPerSecond)) | \(r($b.p50Ms)) | \(r($b.p99Ms)) | \(($t.opsPerSecond / $b.opsPerSecond * 100 | round) / 100) |"
' "$results"
if [ -n "${RESULTS:-}" ]; then
  cp "$results" "$RESULTS"
fi
