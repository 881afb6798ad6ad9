#!/usr/bin/env bash
# The abuse tests: soak, fuzz, connection exhaustion, stop under load (see
# bench/abuse.py for what each checks). Builds the server jar when it is stale,
# raises the open-file limit for the 5,000 idle connections, then runs
# abuse.py; arguments pass through (e.g. `bench/abuse.sh fuzz --seed 7`).
# About 3 minutes for all four. Needs the Debian package wrk.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
cd "$(dirname "$0")/.."

require_tools wrk java
build_jar_if_stale
# 5,000 client sockets here plus 5,000 in the server (the JVM raises its own soft
# limit to the hard one); fail early and clearly when the hard limit is too low.
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < 12000)); then
  echo "error: the open-file hard limit is $hard; the exhaustion test needs 12000 (run as root or raise it)" >&2
  exit 1
fi
ulimit -n "$hard"
exec python3 bench/abuse.py "$@"
