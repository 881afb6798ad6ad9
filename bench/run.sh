#!/usr/bin/env bash
# The benchmark: hello-server vs nginx vs the original Flask app under gunicorn,
# on loopback, side by side. Builds the server jar when it is missing or older
# than the sources, then runs bench.py (all its options pass through, e.g.
# --quick for a smoke run, --java-home DIR to pick the JDK).
#
# Needs the Debian packages wrk, nginx, python3-flask and gunicorn (it names
# them if missing). Takes about 9 minutes with the defaults.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
cd "$(dirname "$0")/.."

require_tools wrk nginx gunicorn
build_jar_if_stale
exec python3 bench/bench.py "$@"
