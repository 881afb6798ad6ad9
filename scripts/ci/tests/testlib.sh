# shellcheck shell=bash
# A small test harness for the pipeline scripts (no bats needed). A test file defines functions
# named test_*, sources this file and calls run_tests; each test runs in a subshell, in a fresh
# directory laid out like the repository (templates/ with stacks.json from fixtures/), with the
# fakes in fakes/ first on PATH and AWS_ENDPOINT_URL set, so a call that ignores it fails.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
TESTS_DIR=$REPO_ROOT/scripts/ci/tests
CI_DIR=$REPO_ROOT/scripts/ci
export CHANGESET_SAMPLES=$REPO_ROOT/cfn-gen/src/test/resources/changeset

setup() {
  WORK=$(mktemp -d)
  export FAKE_AWS_STATE=$WORK/aws
  mkdir -p "$FAKE_AWS_STATE"/{stacks,changesets,fail,images,ecs} "$WORK/repo/templates"
  : >"$FAKE_AWS_STATE/calls.log"
  cp "$TESTS_DIR/fixtures/stacks.json" "$WORK/repo/templates/stacks.json"
  # Each template declares the parameters stacks.json lists for it (the fake aws rejects others).
  local t params
  for t in gitlab-oidc ecr network alb service; do
    mapfile -t params < <(jq -r --arg t "$t" '.stacks[] | select(.name == $t) | .parameters[].name' \
      "$WORK/repo/templates/stacks.json")
    given_template_parameters "$t" "${params[@]}"
  done
  cd "$WORK/repo"
  export PATH="$TESTS_DIR/fakes:$PATH"
  export AWS_ENDPOINT_URL=http://127.0.0.1:4566 FAKE_AWS_ENDPOINT=http://127.0.0.1:4566
  export AWS_REGION=us-east-1 AWS_ID_TOKEN=fake-id-token
  unset AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN APP_NAME ENV_NAME DEPLOY_ENV \
    IMAGE_TAG SERVICE_URL CI_COMMIT_TAG CI_MERGE_REQUEST_IID GITLAB_API_TOKEN STACKS_FILE IMAGE_ARCH \
    FAKE_UNAME_M
  export CI_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 CI_COMMIT_SHORT_SHA=01234567
  export CI_PIPELINE_ID=1001 CI_PROJECT_ID=42 CI_JOB_ID=7
}

# given_template_parameters NAME [PARAMETER]... : templates/NAME.yaml declares these parameters.
given_template_parameters() {
  local file="$WORK/repo/templates/$1.yaml" p
  shift
  {
    if (($#)); then
      echo "Parameters:"
      for p in "$@"; do printf '  %s:\n    Type: String\n' "$p"; done
    fi
    echo "Resources: {}"
  } >"$file"
}

# given_stack STACK_NAME STATUS [Key=Value output]... : an existing stack. STATUS may hold several
# lines: one per status check, the last one repeats.
given_stack() {
  local dir="$FAKE_AWS_STATE/stacks/$1" kv
  mkdir -p "$dir/outputs"
  echo "$2" >"$dir/status"
  shift 2
  for kv in "$@"; do printf '%s\n' "${kv#*=}" >"$dir/outputs/${kv%%=*}"; done
}

# run_script NAME [ARG]... : runs scripts/ci/NAME; sets $status, $out and $err (file contents).
run_script() {
  status=0
  "$CI_DIR/$1" "${@:2}" >"$WORK/out" 2>"$WORK/err" || status=$?
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}

calls() { cat "$FAKE_AWS_STATE/calls.log"; }

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  printf -- '--- stdout:\n%s\n--- stderr:\n%s\n--- calls:\n%s\n' "${out:-}" "${err:-}" "$(calls 2>/dev/null)" >&2
  exit 1
}
assert_status() { [[ "$status" == "$1" ]] || fail "exit status $status, expected $1"; }
assert_contains() { [[ "$1" == *"$2"* ]] || fail "expected to find [$2] in [$1]"; }
assert_not_contains() { [[ "$1" != *"$2"* ]] || fail "did not expect [$2] in [$1]"; }
assert_eq() { [[ "$1" == "$2" ]] || fail "expected [$2], got [$1]"; }

run_tests() {
  local fn failed=0 count=0
  for fn in $(declare -F | awk '$3 ~ /^test_/ {print $3}'); do
    count=$((count + 1))
    if (setup && "$fn"); then
      printf 'ok   %s\n' "$fn"
    else
      printf 'FAIL %s\n' "$fn"
      failed=$((failed + 1))
    fi
  done
  printf '%d tests, %d failed\n' "$count" "$failed"
  ((count > 0 && failed == 0))
}
