#!/usr/bin/env bash
# Builds dist/ (what the quick start, systemd and the `cowsnap` command run: one minified bundle,
# dist/src/cli/main.js, made by scripts/build-dist.ts) and the web console
# (web/dist, served at /ui/), each when one of its sources is newer than its last build, then links
# `cowsnap` into /usr/local/bin when run as root (not when COWSNAP_NO_LINK=1: tests build but leave
# the machine's PATH alone).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src storage-drivers package-lock.json scripts/build-dist.ts -newer "$stamp" -print -quit)" ]; then
  echo "building dist/"
  node_modules/.bin/tsx scripts/build-dist.ts
  touch "$stamp"
fi
web_stamp=web/dist/.build-stamp
if [ ! -f "$web_stamp" ] || [ -n "$(find web package-lock.json -path web/dist -prune -o -newer "$web_stamp" -print -quit)" ]; then
  echo "building the web console (web/dist/)"
  node_modules/.bin/vite build --config web/vite.config.ts
  touch "$web_stamp"
fi
chmod +x dist/src/cli/main.js
if [ "$(id -u)" = 0 ] && [ -d /usr/local/bin ] && [ "${COWSNAP_NO_LINK:-0}" != 1 ]; then
  ln -sfn "$PWD/dist/src/cli/main.js" /usr/local/bin/cowsnap
fi
