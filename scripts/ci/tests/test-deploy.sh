#!/usr/bin/env bash
# Tests of deploy-stacks.sh, image.sh and smoke.sh with the fake AWS CLI, buildah and curl.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

export DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/hello-prod-deploy
export CFN_EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/hello-prod-cloudformation
sha=0123456789abcdef0123456789abcdef01234567
uri=123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-prod

test_deploy_runs_the_remaining_stacks_in_order_with_the_execution_role() {
  given_stack hello-prod-alb UPDATE_COMPLETE LoadBalancerUrl=http://hello-prod-123.us-east-1.elb.amazonaws.com
  run_script deploy-stacks.sh --except ecr --dotenv deploy.env
  assert_status 0
  deploys=$(grep ' deploy ' "$FAKE_AWS_STATE/calls.log")
  assert_eq "$(awk '{print $6}' <<<"$deploys" | tr '\n' ' ')" "hello-prod-network hello-prod-alb hello-prod-service "
  assert_contains "$(calls)" "sts assume-role-with-web-identity --role-arn $DEPLOY_ROLE_ARN"
  service=$(grep -- '--stack-name hello-prod-service --template-file templates/service.yaml' <<<"$deploys") \
    || fail "no deploy of the service stack"
  assert_contains "$service" "--no-fail-on-empty-changeset --role-arn $CFN_EXECUTION_ROLE_ARN --capabilities CAPABILITY_IAM --parameter-overrides ImageTag=$sha"
  assert_not_contains "$(grep hello-prod-network <<<"$deploys")" "--parameter-overrides"
  assert_eq "$(cat deploy.env)" "SERVICE_URL=http://hello-prod-123.us-east-1.elb.amazonaws.com"
}

test_ecr_job_deploys_only_the_ecr_stack() {
  run_script deploy-stacks.sh --only ecr
  assert_status 0
  assert_eq "$(grep -c ' deploy ' "$FAKE_AWS_STATE/calls.log")" 1
  assert_contains "$(calls)" "deploy --stack-name hello-prod-ecr --template-file templates/ecr.yaml"
}

test_stack_left_by_a_failed_first_create_is_deleted_first() {
  given_stack hello-prod-ecr ROLLBACK_COMPLETE
  run_script deploy-stacks.sh --only ecr
  assert_status 0
  assert_contains "$(calls)" "delete-stack --stack-name hello-prod-ecr --role-arn $CFN_EXECUTION_ROLE_ARN"
  assert_contains "$(calls)" "wait stack-delete-complete --stack-name hello-prod-ecr"
}

test_failed_deploy_shows_the_failed_events_and_stops() {
  echo "Waiter StackCreateComplete failed: Waiter encountered a terminal failure state" \
    >"$FAKE_AWS_STATE/fail/deploy-hello-prod-alb"
  run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "deploying hello-prod-alb failed; its latest failed events"
  assert_contains "$out" "TargetGroup	CREATE_FAILED	Resource handler returned message"
  assert_not_contains "$(calls)" "deploy --stack-name hello-prod-service"
}

test_smoke_url_from_a_variable_without_trailing_slash() {
  given_service COMPLETED "$sha"
  SERVICE_URL=https://hello.example.org/ FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 0
  assert_contains "$(calls)" "https://hello.example.org/hello"
}

test_template_too_large_for_an_api_call_is_refused() {
  head -c 51201 /dev/zero | tr '\0' '#' >templates/alb.yaml
  run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "template templates/alb.yaml of stack alb is 51201 bytes; CloudFormation accepts at most 51200"
  assert_not_contains "$(calls)" "hello-prod-alb --template-file"
}

test_deploy_without_execution_role_is_refused() {
  unset CFN_EXECUTION_ROLE_ARN
  run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "missing CI/CD variable(s): CFN_EXECUTION_ROLE_ARN"
}

test_image_is_built_and_pushed_once() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  run_script image.sh
  assert_status 0
  assert_contains "$(calls)" "buildah login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com"
  assert_contains "$(calls)" "buildah build --tag $uri:$sha --file ./Dockerfile ."
  assert_contains "$(calls)" "buildah push $uri:$sha"
  : >"$FAKE_AWS_STATE/calls.log"
  run_script image.sh
  assert_status 0
  assert_not_contains "$(calls)" "buildah"
  assert_contains "$err" "is already in ECR: not building it again"
}

test_tag_pipeline_adds_the_git_tag_without_rebuilding() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  touch "$FAKE_AWS_STATE/images/$sha"
  CI_COMMIT_TAG=v1.2.0 run_script image.sh
  assert_status 0
  assert_not_contains "$(calls)" "buildah"
  assert_contains "$(calls)" "ecr put-image --repository-name hello-prod --image-tag v1.2.0"
  [[ -f "$FAKE_AWS_STATE/images/v1.2.0" ]] || fail "tag v1.2.0 not pushed"
}

test_image_needs_the_ecr_stack() {
  run_script image.sh
  assert_status 1
  assert_contains "$err" "describe-stacks hello-prod-ecr failed" # the stack does not exist: no output to read
}

given_service() {
  given_stack hello-prod-service UPDATE_COMPLETE ClusterName=hello-prod ServiceName=hello-prod \
    ServiceUrl=http://hello.example.test
  printf 'arn:aws:ecs:us-east-1:123456789012:task-definition/hello-prod:7\t%s\n' "$1" >"$FAKE_AWS_STATE/ecs/state"
  echo "$uri:$2" >"$FAKE_AWS_STATE/ecs/image"
}

test_smoke_passes_when_the_new_image_answers_hello_world() {
  given_service COMPLETED "$sha"
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 0
  assert_contains "$(calls)" "curl --silent --show-error --max-time 5 --output"
  assert_contains "$(calls)" "http://hello.example.test/hello"
}

test_smoke_fails_when_the_circuit_breaker_rolled_back() {
  given_service COMPLETED fedcba9876543210
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 1
  assert_contains "$err" "runs $uri:fedcba9876543210, not tag $sha: the deployment was rolled back"
}

test_smoke_fails_on_a_wrong_answer_after_retries() {
  given_service COMPLETED "$sha"
  FAKE_CURL_BODY="Hello world!" SMOKE_ATTEMPTS=3 SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 1
  assert_eq "$(grep -c '^curl ' "$FAKE_AWS_STATE/calls.log")" 3
  assert_contains "$err" "did not answer 'Hello world' after 3 attempts"
}

test_smoke_fails_on_a_failed_rollout() {
  given_service FAILED "$sha"
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 1
  assert_contains "$err" "last deployment FAILED"
}

run_tests
