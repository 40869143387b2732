#!/usr/bin/env bash
# Installs what cowsnap and its tests need on Debian 12 (as root): btrfs-progs, libbtrfsutil1, zfs-fuse, docker.io,
# busybox-static, zstd, Ceph (mon, osd, radosgw: the S3 server the remote tests run against), chromium (the
# web console's browser tests drive it; skipped with COWSNAP_SKIP_TEST_BROWSER=1), then the
# npm packages. Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(btrfs-progs libbtrfsutil1 zfs-fuse docker.io busybox-static tar util-linux procps systemd zstd
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime attr)
# Only the browser tests need chromium (a large download): the quick start asks for the rest only.
[ "${COWSNAP_SKIP_TEST_BROWSER:-0}" = 1 ] || packages+=(chromium)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "cowsnap needs these Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  # Keep the packages' own services (a system dockerd, zfs-fuse) from starting: cowsnap runs its own.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
