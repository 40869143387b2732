#!/usr/bin/env bash
# The whole test suite: installs what it needs, typecheck, lint, every test on real btrfs, zfs-fuse, Ceph RGW and
# dockerd, then a leak check. `scripts/test.sh unit` runs the unit tests alone (no root needed).
set -uo pipefail
cd "$(dirname "$0")/.."

scope=${1:-all}
if [ "$scope" = all ] && [ "$(id -u)" != 0 ]; then
  echo "the integration tests need root (mount, loop devices, zfs-fuse, dockerd); run as root" >&2
  exit 1
fi
[ "$scope" = all ] && { bash scripts/install-deps.sh || exit 1; }

echo "== typecheck" && node_modules/.bin/tsc -p tsconfig.json --noEmit && node_modules/.bin/tsc -p web/tsconfig.json || exit 1
echo "== lint" && node_modules/.bin/eslint . || exit 1

if [ "$scope" = unit ]; then
  # Every test that needs no root, no daemon and no pool: seconds, for the edit-test loop.
  mapfile -t files < <(find test/unit test/http test/store test/service/journal-retention.test.ts -name '*.test.ts' | sort)
else
  node_modules/.bin/tsx scripts/test-leftovers.ts sweep || exit 1
  # dist/ and the web console once, up front: the quick-start and browser tests run scripts/build.sh too, and
  # two of them rebuilding at once (files run two at a time) would remove each other's dist/.
  echo "== build" && { COWSNAP_NO_LINK=1 bash scripts/build.sh || exit 1; }
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi

mkdir -p .cache
results=.cache/test-results.tap
# The web console's rendering and logic tests compile with its own tsconfig (DOM, Preact's JSX).
echo "== console unit tests (web/test)"
web_status=0
TSX_TSCONFIG_PATH=web/tsconfig.json node --import tsx --test --test-reporter=spec web/test/*.test.ts web/test/*.test.tsx || web_status=1
[ "$web_status" = 0 ] || { echo "console unit tests failed" >&2; }
echo "== tests (${#files[@]} files)"
status=$web_status
# Ctrl-C: every test process tears down its own resources; then make sure and stop (no leak check).
interrupted=0
trap 'interrupted=1' INT TERM
# Two files at a time: each integration file brings its own pools and daemons.
node --import tsx --test --test-concurrency=2 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$results" \
  "${files[@]}" || status=$?

# The bounded chaos run (test/chaos/chaos-run.ts): alone, after the other files, so its kills-per-minute
# do not depend on what else runs; up to 52 SIGKILLs of the service in at most 3.5 min under the killer.
if [ "$scope" = all ] && [ "$interrupted" = 0 ]; then
  echo "== chaos (bounded)"
  # It prints its figures (kills, operations, restores cut and how they ended, restart times) and every
  # violation. A violation (exit 1) fails the suite; it never gates on throughput: a clean run that got
  # fewer than 50 kills on a slow machine (exit 2) passes. COWSNAP_CHAOS_GATE=0 reports a violation without
  # failing the suite (for a machine where the chaos step is known not to fit).
  chaos_status=0
  node --import tsx test/chaos/chaos-run.ts --ci || chaos_status=$?
  if [ "$chaos_status" = 2 ]; then
    echo "== chaos: 0 violations, fewer kills than asked for (slow machine; not a failure)"
  elif [ "$chaos_status" != 0 ]; then
    if [ "${COWSNAP_CHAOS_GATE:-1}" = 0 ]; then echo "== chaos did not pass (reported above; not gating: COWSNAP_CHAOS_GATE=0)"; else status=1; fi
  fi
fi

if [ "$interrupted" = 1 ]; then
  echo "== interrupted: sweeping what the test processes left"
  node_modules/.bin/tsx scripts/test-leftovers.ts sweep --wait
  exit 130
fi

if [ "$scope" = all ]; then
  echo "== leak check"
  node_modules/.bin/tsx scripts/test-leftovers.ts check || status=1
fi

pass=$(grep -E '^# pass ' "$results" | tail -1 | awk '{print $3}')
fail=$(grep -E '^# fail ' "$results" | tail -1 | awk '{print $3}')
skipped=$(grep -E '^# skipped ' "$results" | tail -1 | awk '{print $3}')
echo "${pass:-0} passed, ${fail:-0} failed, ${skipped:-0} skipped"
exit $status
