#!/usr/bin/env bash
# Runs the codec benchmarks with Intel ISA-L (Debian's libisal2, 2.30) as the in-run baseline.
# Usage: bench/run-erasure.sh [extra BenchmarkDotNet arguments, e.g. --filter '*Encode*']
#        bench/run-erasure.sh --paired [PATH [CODES [SHARD_SIZES]]]   (alternating batches, see PairedErasureRun.cs)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ldconfig -p | grep -q 'libisal.so.2'; then
  echo "installing libisal-dev (Intel ISA-L) for the baseline"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libisal-dev
fi
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
filter='*ErasureBenchmarks*'
if [ "${1:-}" = "--paired" ]; then
  shift
  exec dotnet run -c Release --project bench/Tessera.Benchmarks -- paired "$@"
fi
if [ $# -gt 0 ]; then
  exec dotnet run -c Release --project bench/Tessera.Benchmarks -- "$@"
fi
exec dotnet run -c Release --project bench/Tessera.Benchmarks -- --filter "$filter"
