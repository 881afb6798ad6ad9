# shellcheck shell=bash
# The test harness of the pipeline scripts (no bats needed). A test file defines functions named
# test_*, sources this file and calls run_tests. The scripts run with the real AWS CLI against the AWS
# emulator (aws_emulator.py: moto, and a documented shim for the ECS service-deployments API moto lacks),
# started once per file; each test runs in a subshell, in a fresh directory that sees the repository's
# templates/ (the committed, generated ones: what the pipeline deploys), after a reset of the emulator.
# Only podman and uname are stand-ins (fakes/), for the image build; curl is real, against
# hello_server.py playing the service.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
TESTS_DIR=$REPO_ROOT/scripts/ci/tests
CI_DIR=$REPO_ROOT/scripts/ci
export CFN_GEN_CMD=${CFN_GEN_CMD:-java -jar $REPO_ROOT/cfn-gen/target/cfn-gen.jar}
sha=0123456789abcdef0123456789abcdef01234567
# pyenv's shims cost 0.4 s a call; the scripts make many AWS CLI calls, so call the CLI itself.
if command -v pyenv >/dev/null && aws_bin=$(pyenv which aws 2>/dev/null); then
  PATH="$(dirname "$aws_bin"):$PATH"
fi
export DOMAIN=hello.example.org

# start_emulator : runs aws_emulator.py on a free port; sets AWS_ENDPOINT_URL and EMULATOR_STATE.
start_emulator() {
  EMULATOR_STATE=$(mktemp -d)
  # moto reports every service as running as many tasks as it wants: it runs none (moto's
  # MOTO_ECS_SERVICE_RUNNING); ECS starts them.
  MOTO_ECS_SERVICE_RUNNING=1 python3 "$TESTS_DIR/aws_emulator.py" --port 0 --state "$EMULATOR_STATE" \
    >"$EMULATOR_STATE/emulator.out" 2>"$EMULATOR_STATE/emulator.log" &
  EMULATOR_PID=$!
  local line="" waited
  for ((waited = 0; waited < 600; waited++)); do
    line=$(grep -m1 '^aws-emulator ready on ' "$EMULATOR_STATE/emulator.out" || true)
    [[ -z "$line" ]] || break
    kill -0 "$EMULATOR_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$line" ]] || { cat "$EMULATOR_STATE/emulator.log" >&2; echo "the AWS emulator did not start" >&2; exit 1; }
  export AWS_ENDPOINT_URL=${line##* }
  export EMULATOR_STATE
}

stop_emulator() {
  [[ -z "${EMULATOR_PID:-}" ]] || kill "$EMULATOR_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "${EMULATOR_STATE:?}"
}

# aws_ ARGS : the real AWS CLI against the emulator, as an administrator would call it.
aws_() { aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }

setup() {
  curl --silent --fail --request POST "$AWS_ENDPOINT_URL/moto-api/reset" >/dev/null
  rm -f "$EMULATOR_STATE"/*.json
  WORK=$(mktemp -d)
  cd "$WORK"
  ln -s "$REPO_ROOT/templates" templates
  export PATH="$TESTS_DIR/fakes:$PATH" FAKE_STATE=$WORK/fake
  mkdir -p "$FAKE_STATE"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 DEPLOY_ENV=dev
  # The administrator's CLI (aws_) has its region configured; the scripts set it from AWS_REGION.
  export AWS_DEFAULT_REGION=us-east-1
  unset AWS_SESSION_TOKEN AWS_ID_TOKEN IMAGE_TAG SERVICE_URL CI_COMMIT_TAG CI_MERGE_REQUEST_IID \
    GITLAB_API_TOKEN STACKS_FILE IMAGE_ARCH FAKE_UNAME_M CFN_EXECUTION_ROLE_ARN DEPLOY_ROLE_ARN CHANGESET_ROLE_ARN \
    CFN_PARAM_CertificateArn CFN_PARAM_DomainName CFN_PARAM_AlarmTopicArn SMOKE_LB_ADDRESS
  export CI_COMMIT_SHA=$sha CI_COMMIT_SHORT_SHA=${sha:0:8} CI_PIPELINE_ID=1001 CI_PROJECT_ID=42 CI_JOB_ID=7
  export RELEASE_WAIT_DELAY_SECONDS=0 STACK_POLL_SECONDS=0 PREVIEW_POLL_SECONDS=0 SMOKE_DELAY_SECONDS=0
}

# admin_bootstrap ENV : what an administrator deploys once: the image repository and the environment's
# gitlab-oidc stack; exports the role ARNs the pipeline's CI/CD variables hold. For an HTTPS environment
# also a certificate for DOMAIN in ACM (imported: ISSUED) and an SNS topic, as CFN_PARAM_* variables.
admin_bootstrap() {
  local env=$1 outputs
  aws_ cloudformation deploy --stack-name hello-ecr --template-file templates/ecr.yaml >/dev/null
  aws_ cloudformation deploy --stack-name "gitlab-oidc-hello-$env" --template-file "templates/$env/gitlab-oidc.yaml" \
    --capabilities CAPABILITY_IAM --parameter-overrides ProjectPath=my-group/hello-stack >/dev/null
  outputs=$(aws_ cloudformation describe-stacks --stack-name "gitlab-oidc-hello-$env" --query 'Stacks[0].Outputs' --output json)
  output() { jq -r --arg k "$1" '.[] | select(.OutputKey == $k) | .OutputValue' <<<"$outputs"; }
  CFN_EXECUTION_ROLE_ARN=$(output CloudFormationExecutionRoleArn)
  DEPLOY_ROLE_ARN=$(output DeployRoleArn)
  CHANGESET_ROLE_ARN=$(output ChangeSetRoleArn)
  export CFN_EXECUTION_ROLE_ARN DEPLOY_ROLE_ARN CHANGESET_ROLE_ARN
  if [[ "$env" == prod ]]; then
    built_image "$sha"
    certificate "$DOMAIN"
    CFN_PARAM_CertificateArn=$(aws_ acm import-certificate --certificate "fileb://$WORK/tls.crt" \
      --private-key "fileb://$WORK/tls.key" --query CertificateArn --output text)
    CFN_PARAM_AlarmTopicArn=$(aws_ sns create-topic --name hello-prod-alarms --query TopicArn --output text)
    export CFN_PARAM_CertificateArn CFN_PARAM_AlarmTopicArn CFN_PARAM_DomainName=$DOMAIN
  fi
}

# built_image TAG : what the default branch's image jobs leave in ECR for a commit: one image per
# architecture (TAG-amd64, TAG-arm64) and the manifest list of both (TAG), as image.sh pushes them.
built_image() {
  local arch
  for arch in amd64 arm64; do
    aws_ ecr put-image --repository-name hello --image-tag "$1-$arch" --image-manifest-media-type application/vnd.oci.image.manifest.v1+json \
      --image-manifest "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":2,\"digest\":\"sha256:$(printf '%s' "$1$arch" | sha256sum | cut -c1-64)\"},\"layers\":[]}" >/dev/null
  done
  aws_ ecr put-image --repository-name hello --image-tag "$1" --image-manifest-media-type application/vnd.oci.image.index.v1+json \
    --image-manifest "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}" >/dev/null
}

# certificate NAME : a self-signed certificate for NAME in $WORK/tls.crt and $WORK/tls.key.
certificate() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 2 \
    -subj "/CN=$1" -addext "subjectAltName=DNS:$1" 2>/dev/null
}

# serve [hello_server.py ARGS] : starts the stand-in service; sets SERVED_PORT.
# shellcheck disable=SC2034 # SERVED_PORT is for the test files
serve() {
  local fifo=$WORK/served
  mkfifo "$fifo"
  python3 "$TESTS_DIR/hello_server.py" "$@" >"$fifo" &
  echo $! >>"$WORK/servers"
  read -r -t 10 SERVED_PORT <"$fifo"
  rm -f "$fifo"
}

stop_servers() {
  if [[ -f "$WORK/servers" ]]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$WORK/servers"
  fi
}

# fail_alb_create : deploys dev's network, then an alb stack whose first create fails and rolls back
# (ROLLBACK_COMPLETE), because another workload holds its alternate target group's name.
fail_alb_create() {
  run_script deploy-stacks.sh --only network
  local vpc
  vpc=$(output_of hello-dev-network VpcId)
  aws_ elbv2 create-target-group --name hello-dev-alt --protocol HTTP --port 8888 --vpc-id "$vpc" --target-type ip >/dev/null
  run_script deploy-stacks.sh --only alb
}

# stack_status_of STACK : the status CloudFormation reports.
stack_status_of() { aws_ cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' --output text; }

# output_of STACK KEY
output_of() {
  aws_ cloudformation describe-stacks --stack-name "$1" --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text
}

# run_script NAME [ARG]... : runs scripts/ci/NAME; sets $status, $out and $err (file contents).
run_script() {
  status=0
  "$CI_DIR/$1" "${@:2}" >"$WORK/out" 2>"$WORK/err" </dev/null || status=$?
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  printf -- '--- stdout:\n%s\n--- stderr:\n%s\n' "${out:-}" "${err:-}" >&2
  exit 1
}
assert_status() { [[ "$status" == "$1" ]] || fail "exit status $status, expected $1"; }
assert_contains() { [[ "$1" == *"$2"* ]] || fail "expected to find [$2] in [$1]"; }
assert_not_contains() { [[ "$1" != *"$2"* ]] || fail "did not expect [$2] in [$1]"; }
assert_eq() { [[ "$1" == "$2" ]] || fail "expected [$2], got [$1]"; }

run_tests() {
  local fn failed=0 count=0 started
  start_emulator
  trap stop_emulator EXIT
  for fn in $(declare -F | awk '$3 ~ /^test_/ {print $3}'); do
    # TEST_FILTER=text runs only the tests whose names contain it.
    [[ -z "${TEST_FILTER:-}" || "$fn" == *"$TEST_FILTER"* ]] || continue
    count=$((count + 1))
    started=$SECONDS
    if (setup && trap stop_servers EXIT && "$fn"); then
      printf 'ok   %s (%d s)\n' "$fn" $((SECONDS - started))
    else
      printf 'FAIL %s\n' "$fn"
      grep -v "UserWarning\|parse_resource(\|^No Moto" "$EMULATOR_STATE/emulator.log" | tail -n 30 >&2 || true
      failed=$((failed + 1))
    fi
  done
  printf '%d tests, %d failed\n' "$count" "$failed"
  ((count > 0 && failed == 0))
}
