#!/usr/bin/env bash
# Builds the server jar of another commit (default: the parent of HEAD) into
# bench/target/ref-<commit>/ and prints the jar's path, for a side-by-side run:
#
#   bench/run.sh --variant "raw:jar=$(bench/ref-jar.sh 0821f4c)" --variant again:
#
# measures that commit's server (here the raw request handler before the Router)
# and the same build twice (A/A, the run's noise) beside today's, against nginx.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
cd "$(dirname "$0")/.."

require_tools java mvn
rev=$(git rev-parse --short "${1:-HEAD~1}")
dir=bench/target/ref-$rev
jar=$dir/server/target/hello-server.jar
if [[ ! -f $jar ]]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  git archive "$rev" | tar -x -C "$dir"
  echo "==> building the server jar of $rev in $dir" >&2
  (cd "$dir" && mvn -B -ntp -q -pl server -am package -DskipTests) >&2
fi
echo "$PWD/$jar"
