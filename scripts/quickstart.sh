#!/usr/bin/env bash
# The README's first command: installs what cowsnap needs (Debian 12, as root), then `cowsnap up` —
# its own btrfs pool in a sparse file, a private dockerd and a demo container under the state dir
# (/var/lib/cowsnap by default; COWSNAP_STATE_DIR to move it), and the service on 127.0.0.1:7878.
# Ctrl-C stops it all and unmounts the pool; running this again resumes with the same data.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "quickstart needs root: cowsnap mounts a btrfs pool and runs dockerd (try: sudo $0)" >&2
  exit 1
fi
# Debian packages, then `npm ci` (skipped when node_modules already matches the lock file), then the
# built JavaScript (dist/ and the web console, rebuilt only when sources changed) with `cowsnap` linked
# into /usr/local/bin.
# The web console needs no browser on this machine (only its tests do): chromium is not installed here.
COWSNAP_SKIP_TEST_BROWSER=1 bash scripts/install-deps.sh
bash scripts/build.sh
# Node's flags and malloc settings for the service, the same file the systemd unit reads.
set -a
. systemd/node-memory.env
set +a
# shellcheck disable=SC2086 # the flags are separate words
exec node $COWSNAP_NODE_FLAGS dist/src/cli/main.js up "$@"
