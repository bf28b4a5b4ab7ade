#!/usr/bin/env bash
# Installs what Tessera's scripts and tests need from Debian, only when it is missing, so it is cheap to call first.
#   scripts/deps.sh etcd|nftables [more...]
#     etcd      etcd-server and etcd-client (etcd 3.4 at /usr/bin/etcd, etcdctl at /usr/bin/etcdctl)
#     nftables  nftables (nft at /usr/sbin/nft), for the fault tests that cut a port inside a network namespace
# apt-get runs non-interactively; `apt-get update` runs only when an install fails (stale package lists).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 etcd|nftables [more...]" >&2
  exit 2
fi

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

install() {
  echo "== deps: installing $*" >&2
  if ! $SUDO apt-get install -y -qq "$@" >/dev/null; then
    $SUDO apt-get update -qq >/dev/null
    $SUDO apt-get install -y -qq "$@" >/dev/null
  fi
}

for dep in "$@"; do
  case "$dep" in
    etcd)
      if [ ! -x /usr/bin/etcd ] || [ ! -x /usr/bin/etcdctl ]; then
        install etcd-server etcd-client
      fi
      ;;
    nftables)
      if [ ! -x /usr/sbin/nft ]; then
        install nftables
      fi
      ;;
    *)
      echo "deps: unknown dependency '$dep' (known: etcd, nftables)" >&2
      exit 2
      ;;
  esac
done
