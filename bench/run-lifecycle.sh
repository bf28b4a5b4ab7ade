#!/usr/bin/env bash
# The lifecycle worker's scan rate on one RocksDB index, against a PUT of the same objects in the same run:
#   PUT:    N 0-byte objects, one writer, one synced index commit each.
#   scan:   one pass where nothing is due (listing pages of 1,000 and evaluation only).
#   expire: one pass where everything is due (one synced conditional delete per object).
# Objects/s for each and the ratio to PUT, then the machine's load average.
# Usage: bench/run-lifecycle.sh [N]    (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "building (Release)"
dotnet build bench/Tessera.Benchmarks -c Release -v q -nologo | grep -E 'error|Warn|Elapsed' || true
dotnet bench/Tessera.Benchmarks/bin/Release/net10.0/Tessera.Benchmarks.dll lifecycle "${1:-20000}"
