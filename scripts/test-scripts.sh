#!/usr/bin/env bash
# Runs the tests of the scripts and the pipeline: scripts/ci/tests/test-*.sh (the pipeline scripts with
# the real AWS CLI against moto), scripts/tests/test-*.sh (.gitlab-ci.yml with gitlab-ci-local, the
# docs' links, the cfn-lint silences) and cfn-gen/release-check/test.sh (the release check's Lambda code
# with boto3 against moto). Test files run TEST_JOBS at a time (default:
# the number of CPUs); each file's output is printed when it ends, with its time. Exit status 1 when a
# test failed. Needs what scripts/install-deps.sh installs, and cfn-gen's jar
# (mvn -B -ntp -pl cfn-gen -am package -DskipTests), which the preview writes its note with.
#
# usage: scripts/test-scripts.sh [FILE...]     (default: every test file)
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -f cfn-gen/target/cfn-gen.jar ]] ||
  { echo "error: cfn-gen/target/cfn-gen.jar is missing; build it: mvn -B -ntp -pl cfn-gen -am package -DskipTests" >&2; exit 1; }

if (($#)); then
  files=("$@")
else
  # The longest first, so that the others fill in beside them.
  files=(scripts/ci/tests/test-deploy.sh scripts/ci/tests/test-preview.sh)
  for file in scripts/ci/tests/test-*.sh scripts/tests/test-*.sh cfn-gen/release-check/test.sh; do
    [[ " ${files[*]} " == *" $file "* ]] || files+=("$file")
  done
fi
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "error: invalid TEST_JOBS=\"$jobs\": expected a positive integer" >&2; exit 2; }

logs=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$logs"' EXIT
declare -A pid_file=() pid_start=()
failed=()
started=$SECONDS

# reap : waits for one test file to end and prints its output.
reap() {
  local pid status=0 file
  wait -n -p pid || status=$?
  file=${pid_file[$pid]}
  printf '==> %s: %s (%d s)\n' "$file" "$( ((status == 0)) && echo passed || echo FAILED)" \
    $((SECONDS - pid_start[$pid]))
  sed 's/^/    /' "$logs/${file//\//_}.log"
  unset "pid_file[$pid]" "pid_start[$pid]"
  ((status == 0)) || failed+=("$file")
}

for file in "${files[@]}"; do
  ((${#pid_file[@]} < jobs)) || reap
  "$file" >"$logs/${file//\//_}.log" 2>&1 </dev/null &
  pid_file[$!]=$file
  pid_start[$!]=$SECONDS
done
while ((${#pid_file[@]})); do reap; done

printf '%d test files in %d s, %d failed%s\n' "${#files[@]}" $((SECONDS - started)) "${#failed[@]}" \
  "$( ((${#failed[@]})) && printf ': %s' "${failed[*]}")"
((${#failed[@]} == 0))
