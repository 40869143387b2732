#!/usr/bin/env bash
# `npm run bench`: every benchmark on real components (as root). Each sets up its own loop btrfs pool,
# zfs-fuse pool and private dockerd and tears them down. Figures go to stdout and bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
tsx=node_modules/.bin/tsx
echo "== storage drivers: btrfs" && $tsx bench/storage-drivers.ts --driver btrfs --sizes "${BENCH_SIZES:-0.1,1,5}"
echo "== storage drivers: zfs-fuse" && $tsx bench/storage-drivers.ts --driver zfs --sizes 0.1,1
echo "== API against docker commit / export / cp" && $tsx bench/api-bench.ts --sizes "${BENCH_SIZES:-0.1,1,5}"
echo "== API under load (autocannon)" && $tsx bench/api-load.ts
echo "== API on a zfs-fuse bind mount" && $tsx bench/zfs-mount-bench.ts --sizes 0.1,1
echo "== reaper: 1,000 expired snapshots while the API serves" && $tsx bench/reaper.ts --count 1000
echo "== replicas: push to a Ceph RGW next to btrfs send | zstd" && $tsx bench/replicas.ts --gib "${BENCH_REPLICA_GIB:-1}"
