#!/usr/bin/env bash
# Every test, in order; the README's test command, and what .ci/run runs:
#   scripts/install-deps.sh     the tools the tests use, when missing (Debian packages need root)
#   mvn -B -ntp verify          the server's and cfn-gen's tests; the committed templates/ must equal
#                               what the generator writes
#   scripts/lint.sh             yamllint, shellcheck, cfn-lint, cfn-guard, the AWS CLI command check
#   scripts/test-scripts.sh     the pipeline scripts with the real AWS CLI against moto, .gitlab-ci.yml
#                               with gitlab-ci-local, the release check with boto3 against moto
#   scripts/container-test.sh   the image, built and run with podman (root)
# Stops at the first step that fails. Prints each step's time: figures, not conditions.
set -euo pipefail
cd "$(dirname "$0")/.."

times=()
step() {
  local started=$SECONDS
  echo "==> $*"
  "$@"
  times+=("$(printf '%5d s  %s' $((SECONDS - started)) "$*")")
}
step scripts/install-deps.sh
step mvn -B -ntp verify
step scripts/lint.sh
step scripts/test-scripts.sh
step scripts/container-test.sh
echo "==> all tests passed; time per step:"
printf '%s\n' "${times[@]}"
