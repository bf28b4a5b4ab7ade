#!/usr/bin/env bash
# Smoke test with real S3 clients from Debian: awscli, rclone and s3cmd each make a bucket, copy a directory tree
# up and down, list with a delimiter, read a range, and delete; boto3 (scripts/smoke_boto3.py) and the AWS SDK for
# JavaScript v3 (scripts/smoke-js, pinned in its package-lock.json and installed with npm ci) do the same at their
# default settings and add multipart, versioning, presigned URLs and S3 errors. Installs the clients if they are missing, starts
# a Tessera server on a free loopback port over a temporary data directory, and ends with "N passed, N failed".
# SMOKE_CLUSTER=1 runs the same checks against a 3-node cluster (scripts/cluster.sh), each client through another node.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@" >/tmp/smoke-check.log 2>&1; then ok "$what"; else bad "$what"; sed 's/^/       /' /tmp/smoke-check.log | tail -15; fi; }

# Debian's packages, not whatever else is on PATH (a pip awscli v1, say): the smoke test is about the clients
# people install from the distribution.
need=()
[ -x /usr/bin/aws ] || need+=(awscli)
[ -x /usr/bin/rclone ] || need+=(rclone)
[ -x /usr/bin/s3cmd ] || need+=(s3cmd)
command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || need+=(python3-boto3)
/usr/bin/python3 -c 'import requests' 2>/dev/null || need+=(python3-requests)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== installing the AWS SDK for JavaScript (npm ci)"
(cd scripts/smoke-js && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "npm ci failed"

echo "== building the server"
dotnet build src/Tessera.Server -c Release -nologo -v q >/dev/null || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

work=$(mktemp -d /tmp/tessera-smoke.XXXXXX)
export TESSERA_ROOT_USER=SMOKEROOTACCESSKEY01
export TESSERA_ROOT_PASSWORD=smoke-root-secret-key-0123456789
if [ "${SMOKE_CLUSTER:-0}" = 1 ]; then
  # SMOKE_CLUSTER=1: the same clients against a 3-node cluster (scripts/cluster.sh), each through another gateway:
  # awscli and the admin commands through n1, rclone and boto3 through n2, s3cmd and the JavaScript SDK through n3.
  echo "== starting a 3-node cluster"
  export TESSERA_CLUSTER_S3_BASE=29000 TESSERA_CLUSTER_STORAGE_BASE=29100 TESSERA_CLUSTER_ETCD_BASE=26790
  scripts/cluster.sh up 3 "$work/cluster" >"$work/cluster.log" 2>&1 || { cat "$work/cluster.log"; echo "0 passed, 1 failed"; exit 1; }
  ports=(29001 29002 29003)
  cleanup() { scripts/cluster.sh down "$work/cluster" >/dev/null 2>&1; rm -rf "$work"; }
  disks=12
  disk_pattern='n[1-3]-disk[1-4]'
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  ports=("$port" "$port" "$port")
  dotnet src/Tessera.Server/bin/Release/net10.0/tessera.dll server "$work/data" --address "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  server=$!
  cleanup() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"; }
  disks=6
  disk_pattern='disk[1-6]'
fi
trap cleanup EXIT
endpoint="http://127.0.0.1:${ports[0]}"
endpoint2="http://127.0.0.1:${ports[1]}"
endpoint3="http://127.0.0.1:${ports[2]}"
for _ in $(seq 1 100); do curl -fs "$endpoint/health/ready" >/dev/null && break; sleep 0.2; done
check "server answers /health/ready" curl -fs "$endpoint/health/ready"

# A tree with nested directories, spaces, unicode, an empty file and files of 1 B to ~3 MiB (below every client's multipart threshold).
tree="$work/tree"
mkdir -p "$tree/docs/deep/er" "$tree/photos 2024" "$tree/ünïcødé"
head -c 1 /dev/urandom >"$tree/one-byte"
: >"$tree/empty"
head -c 4096 /dev/urandom >"$tree/docs/page.bin"
head -c 1048577 /dev/urandom >"$tree/docs/deep/er/mib+1.bin"
head -c 3000000 /dev/urandom >"$tree/photos 2024/big photo.jpg"
echo "hello from tessera" >"$tree/ünïcødé/grüße.txt"
head -c 200000 /dev/urandom >"$tree/range.bin"
# Above every client's multipart threshold (awscli 8 MiB; rclone and s3cmd are told 5 MiB parts below).
big="$work/big.bin"
head -c 20000000 /dev/urandom >"$big"

# Plain HTTP on loopback: a CA bundle from the environment only confuses the clients (rclone refuses to start).
unset AWS_CA_BUNDLE
export PATH="/usr/bin:$PATH"
export AWS_ACCESS_KEY_ID=$TESSERA_ROOT_USER AWS_SECRET_ACCESS_KEY=$TESSERA_ROOT_PASSWORD AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
awscmd() { aws --endpoint-url "$endpoint" "$@"; }

echo "== awscli $(aws --version 2>&1 | cut -d' ' -f1)"
check "aws s3 mb" awscmd s3 mb s3://smoke-aws
check "aws s3 cp --recursive (up)" awscmd s3 cp --recursive "$tree" s3://smoke-aws/tree
check "aws s3 ls (delimiter)" bash -c "aws --endpoint-url $endpoint s3 ls s3://smoke-aws/tree/ | grep -q 'PRE photos 2024/' && aws --endpoint-url $endpoint s3 ls s3://smoke-aws/tree/ | grep -q ' range.bin'"
check "aws s3 cp --recursive (down) is identical" bash -c "aws --endpoint-url $endpoint s3 cp --recursive s3://smoke-aws/tree '$work/aws-down' >/dev/null && diff -r '$tree' '$work/aws-down'"
check "aws s3 presign + curl" bash -c "url=\$(aws --endpoint-url $endpoint s3 presign s3://smoke-aws/tree/docs/page.bin --expires-in 300) && curl -fs \"\$url\" -o '$work/presigned' && cmp '$work/presigned' '$tree/docs/page.bin'"
check "aws s3api get-object --range" bash -c "aws --endpoint-url $endpoint s3api get-object --bucket smoke-aws --key tree/range.bin --range bytes=1000-1999 '$work/aws-range' >/dev/null && cmp '$work/aws-range' <(tail -c +1001 '$tree/range.bin' | head -c 1000)"
check "aws s3api put/get of a key with a leading slash" bash -c "aws --endpoint-url $endpoint s3api put-object --bucket smoke-aws --key /leading//slash --body '$tree/one-byte' >/dev/null && aws --endpoint-url $endpoint s3api get-object --bucket smoke-aws --key /leading//slash '$work/slash' >/dev/null && cmp '$work/slash' '$tree/one-byte' && aws --endpoint-url $endpoint s3api delete-object --bucket smoke-aws --key /leading//slash"
check "aws s3 cp multipart (20 MB) round trip" bash -c "aws --endpoint-url $endpoint s3 cp '$big' s3://smoke-aws/big.bin >/dev/null && aws --endpoint-url $endpoint s3api head-object --bucket smoke-aws --key big.bin | grep -q 'ETag.*-[0-9]' && aws --endpoint-url $endpoint s3 cp s3://smoke-aws/big.bin '$work/aws-big' >/dev/null && cmp '$big' '$work/aws-big' && aws --endpoint-url $endpoint s3 rm s3://smoke-aws/big.bin >/dev/null"
# An archived object: GET refused until restore-object brings its copy; head-object shows Restore (ongoing, then the expiry).
restore_smoke() {
  awscmd s3api put-object --bucket smoke-aws --key cold/x --body "$tree/range.bin" --storage-class GLACIER >/dev/null || return 1
  if awscmd s3api get-object --bucket smoke-aws --key cold/x "$work/cold" 2>"$work/cold.err" >/dev/null; then return 1; fi
  grep -q InvalidObjectState "$work/cold.err" || return 1
  awscmd s3api restore-object --bucket smoke-aws --key cold/x --restore-request '{"Days":1,"GlacierJobParameters":{"Tier":"Standard"}}' || return 1
  awscmd s3api head-object --bucket smoke-aws --key cold/x | grep -q '"Restore": "ongoing-request' || return 1
  for _ in $(seq 1 100); do
    awscmd s3api head-object --bucket smoke-aws --key cold/x >"$work/cold.json" || return 1
    grep -q 'ongoing-request=.*false.*expiry-date=' "$work/cold.json" && break
    sleep 0.2
  done
  grep -q 'ongoing-request=.*false.*expiry-date=' "$work/cold.json" && grep -q '"StorageClass": "GLACIER"' "$work/cold.json" || return 1
  awscmd s3api get-object --bucket smoke-aws --key cold/x "$work/cold" >/dev/null && cmp "$work/cold" "$tree/range.bin" || return 1
  awscmd s3api delete-object --bucket smoke-aws --key cold/x
}
check "aws s3api restore-object of a GLACIER object, Restore on head-object, then get-object" restore_smoke
tessera_admin() { dotnet src/Tessera.Server/bin/Release/net10.0/tessera.dll admin "$@" --endpoint "$endpoint" --access-key "$TESSERA_ROOT_USER" --secret-key "$TESSERA_ROOT_PASSWORD"; }
# admin_object KEY N: the object's fragments listed as N on distinct active disks, all present.
admin_object() {
  local out
  out=$(tessera_admin object smoke-aws "$1") && echo "$out" &&
    [ "$(grep -cE "^ +[0-9]+  (data|parity) +$disk_pattern .* active +yes\$" <<<"$out")" -eq "$2" ] &&
    [ "$(grep -oE "^ +[0-9]+  (data|parity) +$disk_pattern" <<<"$out" | awk '{print $3}' | sort -u | wc -l)" -eq "$2" ]
}
admin_status() {
  local out
  out=$(tessera_admin status) && echo "$out" &&
    [ "$(grep -cE "^  $disk_pattern *active " <<<"$out")" -eq "$disks" ] && grep -q '^Repair: 0 segments queued' <<<"$out"
}
check "tessera admin object: 1 MiB + 1 as RS(4,2), 6 fragments on 6 active disks" admin_object tree/docs/deep/er/mib+1.bin 6
check "tessera admin object: 4 KiB as 3 copies on 3 active disks" admin_object tree/docs/page.bin 3
check "tessera admin status: $disks active disks, repair queue empty" admin_status
check "aws s3api get-bucket-acl (owner FULL_CONTROL), get-bucket-cors (NoSuchCORSConfiguration)" bash -c "aws --endpoint-url $endpoint s3api get-bucket-acl --bucket smoke-aws | grep -q FULL_CONTROL && ! aws --endpoint-url $endpoint s3api get-bucket-cors --bucket smoke-aws 2>'$work/cors.err' && grep -q NoSuchCORSConfiguration '$work/cors.err'"
lifecycle='{"Rules":[{"ID":"expire-tmp","Filter":{"Prefix":"tmp/"},"Status":"Enabled","Expiration":{"Days":3}},{"ID":"cold","Filter":{"And":{"Prefix":"logs/","Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}]}},"Status":"Enabled","Transitions":[{"Days":30,"StorageClass":"STANDARD_IA"}],"NoncurrentVersionExpiration":{"NoncurrentDays":10}}]}'
check "aws s3api put/get/delete-bucket-lifecycle-configuration, x-amz-expiration on head-object" bash -c "aws --endpoint-url $endpoint s3api put-bucket-lifecycle-configuration --bucket smoke-aws --lifecycle-configuration '$lifecycle' >/dev/null && aws --endpoint-url $endpoint s3api get-bucket-lifecycle-configuration --bucket smoke-aws > '$work/lc.json' && grep -q expire-tmp '$work/lc.json' && grep -q STANDARD_IA '$work/lc.json' && aws --endpoint-url $endpoint s3api put-object --bucket smoke-aws --key tmp/x --body '$tree/one-byte' >/dev/null && aws --endpoint-url $endpoint s3api head-object --bucket smoke-aws --key tmp/x | grep -q 'rule-id=.*expire-tmp' && aws --endpoint-url $endpoint s3api delete-object --bucket smoke-aws --key tmp/x && aws --endpoint-url $endpoint s3api delete-bucket-lifecycle --bucket smoke-aws && ! aws --endpoint-url $endpoint s3api get-bucket-lifecycle-configuration --bucket smoke-aws 2>'$work/lc.err' && grep -q NoSuchLifecycleConfiguration '$work/lc.err'"
check "aws s3 rm --recursive" awscmd s3 rm --recursive s3://smoke-aws/tree
check "aws s3 rb" awscmd s3 rb s3://smoke-aws

echo "== rclone $(rclone version 2>/dev/null | head -1)"
export RCLONE_CONFIG_TESSERA_TYPE=s3 RCLONE_CONFIG_TESSERA_PROVIDER=Other RCLONE_CONFIG_TESSERA_ENV_AUTH=false \
  RCLONE_CONFIG_TESSERA_ACCESS_KEY_ID=$TESSERA_ROOT_USER RCLONE_CONFIG_TESSERA_SECRET_ACCESS_KEY=$TESSERA_ROOT_PASSWORD \
  RCLONE_CONFIG_TESSERA_ENDPOINT=$endpoint2 RCLONE_CONFIG_TESSERA_REGION=us-east-1
check "rclone mkdir" rclone mkdir tessera:smoke-rclone
check "rclone copy (up)" rclone copy "$tree" tessera:smoke-rclone/tree
check "rclone lsf (delimiter)" bash -c "rclone lsf tessera:smoke-rclone/tree | grep -qx 'photos 2024/' && rclone lsf tessera:smoke-rclone/tree | grep -qx 'range.bin'"
check "rclone check (hashes)" rclone check "$tree" tessera:smoke-rclone/tree
check "rclone copy (down) is identical" bash -c "rclone copy tessera:smoke-rclone/tree '$work/rclone-down' && diff -r '$tree' '$work/rclone-down'"
check "rclone cat --offset --count" bash -c "cmp <(rclone cat --offset 5000 --count 777 tessera:smoke-rclone/tree/range.bin) <(tail -c +5001 '$tree/range.bin' | head -c 777)"
check "rclone multipart (5 MiB chunks) round trip" bash -c "rclone copyto --s3-upload-cutoff 5M --s3-chunk-size 5M '$big' tessera:smoke-rclone/big.bin && rclone copyto tessera:smoke-rclone/big.bin '$work/rclone-big' && cmp '$big' '$work/rclone-big'"
check "rclone purge" rclone purge tessera:smoke-rclone

echo "== s3cmd $(s3cmd --version 2>&1)"
cat >"$work/s3cfg" <<CFG
[default]
access_key = $TESSERA_ROOT_USER
secret_key = $TESSERA_ROOT_PASSWORD
host_base = 127.0.0.1:${ports[2]}
host_bucket = 127.0.0.1:${ports[2]}
use_https = False
signature_v2 = False
bucket_location = us-east-1
CFG
s3() { s3cmd -c "$work/s3cfg" "$@"; }
check "s3cmd mb" s3 mb s3://smoke-s3cmd
check "s3cmd put --recursive" s3 put --recursive "$tree/" s3://smoke-s3cmd/tree/
check "s3cmd ls (delimiter)" bash -c "s3cmd -c '$work/s3cfg' ls s3://smoke-s3cmd/tree/ | grep -q 'DIR *s3://smoke-s3cmd/tree/photos 2024/'"
check "s3cmd get --recursive is identical" bash -c "mkdir -p '$work/s3cmd-down' && s3cmd -c '$work/s3cfg' get --recursive s3://smoke-s3cmd/tree/ '$work/s3cmd-down/' >/dev/null && diff -r '$tree' '$work/s3cmd-down'"
check "s3cmd info" s3 info s3://smoke-s3cmd/tree/range.bin
check "s3cmd multipart (5 MiB chunks) round trip" bash -c "s3cmd -c '$work/s3cfg' put --multipart-chunk-size-mb=5 '$big' s3://smoke-s3cmd/big.bin >/dev/null && s3cmd -c '$work/s3cfg' get s3://smoke-s3cmd/big.bin '$work/s3cmd-big' >/dev/null && cmp '$big' '$work/s3cmd-big' && s3cmd -c '$work/s3cfg' del s3://smoke-s3cmd/big.bin >/dev/null"
check "s3cmd expire, getlifecycle, info, dellifecycle" bash -c "s3cmd -c '$work/s3cfg' expire s3://smoke-s3cmd --expiry-days=2 --expiry-prefix=tmp/ >/dev/null && s3cmd -c '$work/s3cfg' getlifecycle s3://smoke-s3cmd | grep -q '<Prefix>tmp/</Prefix>' && s3cmd -c '$work/s3cfg' info s3://smoke-s3cmd | grep -q \"Expiration Rule: objects with key prefix 'tmp/' will expire in '2' day\" && s3cmd -c '$work/s3cfg' dellifecycle s3://smoke-s3cmd >/dev/null && ! s3cmd -c '$work/s3cfg' getlifecycle s3://smoke-s3cmd 2>&1 | grep -q '<Rule>'"
check "s3cmd del --recursive" s3 del --recursive --force s3://smoke-s3cmd/tree/
check "s3cmd rb" s3 rb s3://smoke-s3cmd

echo "== boto3 $(/usr/bin/python3 -c 'import boto3; print(boto3.__version__)')"
/usr/bin/python3 scripts/smoke_boto3.py "$endpoint2" "$work" >"$work/boto3.log" 2>&1
cat "$work/boto3.log"
passed=$((passed + $(grep -c '^  ok   ' "$work/boto3.log")))
failed=$((failed + $(grep -c '^  FAIL ' "$work/boto3.log")))
# A crash before or between checks prints neither line: count it as a failure of its own.
if ! grep -qE '^  (ok  |FAIL) boto3 delete_objects' "$work/boto3.log"; then bad "boto3 checks ran to the end"; fi

echo "== AWS SDK for JavaScript $(node -p 'require("./scripts/smoke-js/node_modules/@aws-sdk/client-s3/package.json").version' 2>/dev/null), node $(node --version)"
node scripts/smoke-js/smoke.mjs "$endpoint3" >"$work/js.log" 2>"$work/js.err"
cat "$work/js.log"
passed=$((passed + $(grep -c '^  ok   ' "$work/js.log")))
failed=$((failed + $(grep -c '^  FAIL ' "$work/js.log")))
if ! grep -qE '^  (ok  |FAIL) js DeleteObjects' "$work/js.log"; then bad "js checks ran to the end"; sed 's/^/       /' "$work/js.err" | tail -15; fi

if [ "$failed" -gt 0 ]; then
  echo "== server log (tail)"
  tail -30 "$work/server.log" "$work/cluster/n1.log" "$work/cluster/n2.log" "$work/cluster/n3.log" 2>/dev/null
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
