#!/usr/bin/env bash
# Tests of deploy-stacks.sh, image.sh, image-test.sh and smoke.sh with the fake AWS CLI, podman,
# uname and curl.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

export DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/hello-prod-deploy
export CFN_EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/hello-prod-cloudformation
sha=0123456789abcdef0123456789abcdef01234567
uri=123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-prod
tag_role=arn:aws:iam::123456789012:role/hello-prod-image-tag

test_deploy_runs_the_remaining_stacks_in_order_with_the_execution_role() {
  given_stack hello-prod-alb UPDATE_COMPLETE LoadBalancerUrl=http://hello-prod-123.us-east-1.elb.amazonaws.com
  given_stack hello-prod-service UPDATE_COMPLETE ClusterName=hello-prod ServiceName=hello-prod
  run_script deploy-stacks.sh --except ecr --dotenv deploy.env
  assert_status 0
  deploys=$(grep ' deploy ' "$FAKE_AWS_STATE/calls.log")
  assert_eq "$(awk '{print $6}' <<<"$deploys" | tr '\n' ' ')" "hello-prod-network hello-prod-alb hello-prod-service "
  assert_contains "$(calls)" "sts assume-role-with-web-identity --role-arn $DEPLOY_ROLE_ARN"
  service=$(grep -- '--stack-name hello-prod-service --template-file templates/service.yaml' <<<"$deploys") \
    || fail "no deploy of the service stack"
  assert_contains "$service" "--no-fail-on-empty-changeset --role-arn $CFN_EXECUTION_ROLE_ARN --capabilities CAPABILITY_NAMED_IAM --parameter-overrides ImageTag=$sha"
  assert_not_contains "$(grep hello-prod-network <<<"$deploys")" "--parameter-overrides"
  assert_eq "$(cat deploy.env)" "SERVICE_URL=http://hello-prod-123.us-east-1.elb.amazonaws.com"
}

test_prod_needs_its_certificate_and_protects_every_stack() {
  DEPLOY_ENV=prod run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "environment prod needs CFN_PARAM_CertificateArn for stack alb"
  assert_not_contains "$(calls)" " deploy "

  given_stack hello-prod-alb UPDATE_COMPLETE LoadBalancerUrl=https://hello-prod-123.us-east-1.elb.amazonaws.com
  given_stack hello-prod-service UPDATE_COMPLETE ClusterName=hello-prod ServiceName=hello-prod
  DEPLOY_ENV=prod CFN_PARAM_CertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/abc \
    run_script deploy-stacks.sh --except ecr
  assert_status 0
  deploys=$(grep ' deploy ' "$FAKE_AWS_STATE/calls.log")
  assert_contains "$(grep hello-prod-alb <<<"$deploys")" "--parameter-overrides EnvName=prod CertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/abc"
  assert_contains "$(grep hello-prod-service <<<"$deploys")" "--parameter-overrides EnvName=prod ImageTag=$sha DesiredCount=3"
  for stack in hello-prod-network hello-prod-alb hello-prod-service; do
    assert_contains "$(calls)" "update-termination-protection --enable-termination-protection --stack-name $stack"
    assert_eq "$(cat "$FAKE_AWS_STATE/stacks/$stack/termination-protection")" true
  done
}

test_dev_deploys_its_own_stacks_with_its_values_and_no_termination_protection() {
  given_stack hello-dev-service UPDATE_COMPLETE ClusterName=hello-dev ServiceName=hello-dev
  DEPLOY_ENV=dev run_script deploy-stacks.sh --except ecr
  assert_status 0
  deploys=$(grep ' deploy ' "$FAKE_AWS_STATE/calls.log")
  assert_eq "$(awk '{print $6}' <<<"$deploys" | tr '\n' ' ')" "hello-dev-network hello-dev-alb hello-dev-service "
  assert_contains "$(grep hello-dev-network <<<"$deploys")" "--parameter-overrides EnvName=dev VpcCidr=10.1.0.0/16"
  assert_not_contains "$(calls)" "update-termination-protection"
}

test_unknown_environment_or_a_different_env_name_is_refused() {
  DEPLOY_ENV=staging run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "DEPLOY_ENV 'staging' is not an environment in templates/stacks.json (known: dev, prod)"
  DEPLOY_ENV=dev ENV_NAME=prod run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "ENV_NAME 'prod' differs from DEPLOY_ENV 'dev'"
  assert_not_contains "$(calls)" " deploy "
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

test_a_pipeline_that_may_not_delete_stacks_hands_a_failed_first_create_to_an_administrator() {
  given_stack hello-prod-ecr ROLLBACK_COMPLETE
  echo "An error occurred (AccessDenied) when calling the DeleteStack operation: User is not authorized to perform: cloudformation:DeleteStack" \
    >"$FAKE_AWS_STATE/fail/delete-stack-hello-prod-ecr"
  run_script deploy-stacks.sh --only ecr
  assert_status 1
  assert_contains "$err" "could not delete hello-prod-ecr (ROLLBACK_COMPLETE after a failed first create)"
  assert_contains "$err" "PipelineMayDeleteStacks=false), an administrator runs: aws cloudformation delete-stack --stack-name hello-prod-ecr"
  assert_not_contains "$(calls)" " deploy "
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
  given_service "$sha" "$taskdef COMPLETED 2 2"
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

# build_image ARCH : the build-image job of that architecture, on a runner of that architecture.
build_image() {
  local machine=x86_64
  [[ $1 == arm64 ]] && machine=aarch64
  IMAGE_ARCH=$1 FAKE_UNAME_M=$machine CI_PROJECT_URL=https://gitlab.example.com/group/project \
    FAKE_CURL_BODY="Hello world" run_script image.sh build
}

test_each_architecture_is_built_natively_tested_and_pushed_once() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  build_image arm64
  assert_status 0
  assert_eq "$out" "$uri:$sha-arm64"
  assert_contains "$(calls)" "podman login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com"
  assert_contains "$(calls)" "podman build --platform linux/arm64 --tag $uri:$sha-arm64 --file ./Dockerfile --build-arg REVISION=$sha"
  assert_contains "$(calls)" "--build-arg SOURCE=https://gitlab.example.com/group/project ."
  # Tested before it is pushed.
  assert_contains "$(calls)" "podman run --detach --name image-test-"
  assert_contains "$(calls)" "--read-only --read-only-tmpfs=false"
  assert_contains "$(calls)" "podman kill --signal TERM"
  [[ $(grep -n 'podman kill --signal TERM' "$FAKE_AWS_STATE/calls.log" | cut -d: -f1) -lt \
     $(grep -n 'podman push' "$FAKE_AWS_STATE/calls.log" | cut -d: -f1) ]] || fail "pushed before the test ran"
  assert_contains "$err" "SIGTERM -> exit status 0; $uri:$sha-arm64 can ship"
  assert_contains "$(calls)" "podman push $uri:$sha-arm64"
  assert_eq "$(cat "$FAKE_AWS_STATE/images/$sha-arm64")" $'mediaType application/vnd.oci.image.manifest.v1+json\narch arm64'
  : >"$FAKE_AWS_STATE/calls.log"
  build_image arm64
  assert_status 0
  assert_not_contains "$(calls)" "podman"
  assert_contains "$err" "$uri:$sha-arm64 is already in ECR: not building it again"
}

test_image_that_fails_its_test_is_not_pushed() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  IMAGE_ARCH=amd64 FAKE_CURL_BODY="Hello world" FAKE_PODMAN_EXIT=143 run_script image.sh build
  assert_status 1
  assert_contains "$err" "image test of $uri:$sha-amd64: exit status 143 after SIGTERM, expected 0"
  assert_not_contains "$(calls)" "podman push"
  [[ ! -e "$FAKE_AWS_STATE/images/$sha-amd64" ]] || fail "the image was pushed"
}

test_a_runner_of_another_architecture_does_not_build() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  IMAGE_ARCH=arm64 FAKE_UNAME_M=x86_64 run_script image.sh build
  assert_status 1
  assert_contains "$err" "this runner is amd64 but the job builds arm64"
  assert_not_contains "$(calls)" "podman"
  IMAGE_ARCH=s390x FAKE_UNAME_M=s390x run_script image.sh build
  assert_status 1
  assert_contains "$err" "IMAGE_ARCH=s390x is not one of: amd64 arm64"
  run_script image.sh
  assert_status 1
  assert_contains "$err" "usage:"
}

test_manifest_list_of_both_architectures_is_pushed_under_the_commit_sha() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  build_image amd64
  build_image arm64
  : >"$FAKE_AWS_STATE/calls.log"
  run_script image.sh manifest
  assert_status 0
  assert_eq "$out" "$uri:$sha"
  assert_not_contains "$(calls)" "podman build"
  assert_contains "$(calls)" "podman manifest create $uri:$sha"
  assert_contains "$(calls)" "podman manifest add $uri:$sha docker://$uri:$sha-amd64"
  assert_contains "$(calls)" "podman manifest add $uri:$sha docker://$uri:$sha-arm64"
  assert_contains "$(calls)" "podman manifest push --all $uri:$sha docker://$uri:$sha"
  # What ECS pulls for ImageTag=<sha>: an image index with an entry per architecture.
  assert_eq "$(cat "$FAKE_AWS_STATE/images/$sha")" \
    $'mediaType application/vnd.oci.image.index.v1+json\nmanifest amd64\nmanifest arm64'
  : >"$FAKE_AWS_STATE/calls.log"
  run_script image.sh manifest
  assert_status 0
  assert_not_contains "$(calls)" "podman"
  assert_contains "$err" "is already in ECR: not creating the manifest list again"
}

test_manifest_list_waits_for_every_architecture() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  build_image amd64
  : >"$FAKE_AWS_STATE/calls.log"
  run_script image.sh manifest
  assert_status 1
  assert_contains "$err" "not in ECR: $uri:$sha-arm64;"
  assert_not_contains "$(calls)" "podman"
  [[ ! -f "$FAKE_AWS_STATE/images/$sha" ]] || fail "a manifest list was pushed without arm64"
}

test_image_test_refuses_a_root_jvm() {
  FAKE_CURL_BODY="Hello world" FAKE_PODMAN_UID=0 run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "the JVM runs with uids '0 0 0 0' and gids '0 0 0 0', expected 10001"
}

test_image_test_refuses_a_root_user_in_the_image() {
  FAKE_PODMAN_USER=root run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "USER is 'root', expected 10001:10001"
  assert_not_contains "$(calls)" "podman run"
}

test_image_test_refuses_a_wrong_answer() {
  FAKE_CURL_BODY="Hello" run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "GET /hello answered 200 'Hello', expected 'Hello world'"
}

test_image_test_gives_up_when_the_server_never_answers() {
  IMAGE_TEST_START_SECONDS=1 run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "no 200 on /hello within 1s"
  assert_contains "$err" "fake container log"
}

test_image_test_fails_when_sigterm_does_not_stop_the_server() {
  FAKE_CURL_BODY="Hello world" FAKE_PODMAN_IGNORE_TERM=1 run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "still running 10 s after SIGTERM"
}

test_tag_pipeline_adds_the_git_tag_to_the_manifest_list_without_rebuilding() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  build_image amd64
  build_image arm64
  run_script image.sh manifest
  : >"$FAKE_AWS_STATE/calls.log"
  CI_COMMIT_TAG=v1.2.0 IMAGE_TAG_ROLE_ARN=$tag_role run_script image.sh manifest
  assert_status 0
  assert_contains "$(calls)" "sts assume-role-with-web-identity --role-arn $tag_role"
  assert_not_contains "$(calls)" "$DEPLOY_ROLE_ARN"
  assert_not_contains "$(calls)" "podman"
  assert_contains "$(calls)" "ecr batch-get-image --repository-name hello-prod --image-ids imageTag=$sha"
  assert_contains "$(calls)" "ecr put-image --repository-name hello-prod --image-tag v1.2.0"
  assert_contains "$(calls)" "--image-manifest-media-type application/vnd.oci.image.index.v1+json"
  assert_eq "$(cat "$FAKE_AWS_STATE/images/v1.2.0")" "mediaType application/vnd.oci.image.index.v1+json"
}

test_tag_pipeline_never_builds_an_image_of_its_own() {
  given_stack hello-prod-ecr UPDATE_COMPLETE "RepositoryUri=$uri"
  CI_COMMIT_TAG=v1.2.0 IMAGE_TAG_ROLE_ARN=$tag_role run_script image.sh manifest
  assert_status 1
  assert_contains "$err" "$uri:$sha is not in ECR: a tag pipeline only tags the image a default-branch pipeline built"
  assert_not_contains "$(calls)" "podman"
  assert_not_contains "$(calls)" "put-image"
  CI_COMMIT_TAG=v1.2.0 IMAGE_TAG_ROLE_ARN=$tag_role IMAGE_ARCH=amd64 run_script image.sh build
  assert_status 1
  assert_contains "$err" "a tag pipeline only tags the manifest list"
  assert_not_contains "$(calls)" "podman"
}

test_tag_pipeline_needs_the_image_tag_role() {
  CI_COMMIT_TAG=v1.2.0 run_script image.sh manifest
  assert_status 1
  assert_contains "$err" "missing CI/CD variable(s): IMAGE_TAG_ROLE_ARN"
}

test_image_needs_the_ecr_stack() {
  build_image amd64
  assert_status 1
  assert_contains "$err" "describe-stacks hello-prod-ecr failed" # the stack does not exist: no output to read
}

taskdef=arn:aws:ecs:us-east-1:123456789012:task-definition/hello-prod:7

# given_service IMAGE_TAG [DEPLOYMENT]... : the service stack deployed with ImageTag IMAGE_TAG and
# output TaskDefinitionArn $taskdef; each DEPLOYMENT ("taskDefinitionArn rolloutState running
# desired") is what one describe-services call reports (the last one repeats).
given_service() {
  given_stack hello-prod-service UPDATE_COMPLETE ClusterName=hello-prod ServiceName=hello-prod \
    ServiceUrl=http://hello.example.test TaskDefinitionArn=$taskdef
  mkdir -p "$FAKE_AWS_STATE/stacks/hello-prod-service/parameters"
  echo "$1" >"$FAKE_AWS_STATE/stacks/hello-prod-service/parameters/ImageTag"
  shift
  printf '%s\n' "$@" | tr ' ' '\t' >"$FAKE_AWS_STATE/ecs/state"
}

test_smoke_passes_when_the_new_image_answers_hello_world() {
  given_service "$sha" "$taskdef COMPLETED 2 2"
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 0
  assert_contains "$(calls)" "ecs describe-services --cluster hello-prod --services hello-prod"
  assert_not_contains "$(calls)" "describe-task-definition" # the deploy role may not call it
  assert_contains "$(calls)" "curl --silent --show-error --max-time 5 --output"
  assert_contains "$(calls)" "--write-out %{http_code}"
  assert_contains "$(calls)" "http://hello.example.test/hello"
  assert_contains "$err" "runs $taskdef (image tag $sha), 2 of 2 tasks, rollout COMPLETED"
}

test_smoke_accepts_a_blue_green_service_without_a_rollout_state() {
  given_service "$sha" "$taskdef None 1 2" "$taskdef None 2 2"
  FAKE_CURL_BODY="Hello world" SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 0
  assert_eq "$(grep -c 'ecs describe-services' "$FAKE_AWS_STATE/calls.log")" 2
  assert_contains "$err" "2 of 2 tasks, rollout None"
}

test_smoke_waits_for_the_rollout_and_all_tasks() {
  given_service "$sha" "$taskdef IN_PROGRESS 1 2" "$taskdef COMPLETED 1 2" "$taskdef COMPLETED 2 2"
  FAKE_CURL_BODY="Hello world" SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 0
  assert_eq "$(grep -c 'ecs describe-services' "$FAKE_AWS_STATE/calls.log")" 3
}

test_smoke_gives_up_on_a_rollout_that_never_completes() {
  given_service "$sha" "$taskdef IN_PROGRESS 1 2"
  FAKE_CURL_BODY="Hello world" SMOKE_ATTEMPTS=2 SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "deployment IN_PROGRESS with 1 of 2 tasks running after 2 checks"
  assert_not_contains "$(calls)" "curl"
}

test_smoke_fails_when_the_circuit_breaker_rolled_back() {
  given_service "$sha" "arn:aws:ecs:us-east-1:123456789012:task-definition/hello-prod:6 COMPLETED 2 2"
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 1
  assert_contains "$err" "runs arn:aws:ecs:us-east-1:123456789012:task-definition/hello-prod:6, not $taskdef"
  assert_contains "$err" "the deployment was rolled back"
}

test_smoke_fails_when_the_stack_does_not_run_this_commit() {
  given_service fedcba9876543210 "$taskdef COMPLETED 2 2"
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 1
  assert_contains "$err" "stack hello-prod-service has ImageTag=fedcba9876543210, not $sha"
}

test_smoke_fails_on_a_wrong_answer_after_retries() {
  given_service "$sha" "$taskdef COMPLETED 2 2"
  FAKE_CURL_BODY="Hello world!" SMOKE_ATTEMPTS=3 SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 1
  assert_eq "$(grep -c '^curl ' "$FAKE_AWS_STATE/calls.log")" 3
  assert_contains "$err" "did not answer 200 'Hello world' after 3 attempts"
}

test_smoke_fails_on_the_right_body_with_an_error_status() {
  given_service "$sha" "$taskdef COMPLETED 2 2"
  FAKE_CURL_BODY="Hello world" FAKE_CURL_STATUS=503 SMOKE_ATTEMPTS=2 SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "answered HTTP 503 'Hello world'"
  assert_contains "$err" "did not answer 200 'Hello world' after 2 attempts"
}

test_smoke_fails_fast_with_a_clear_line_when_the_name_does_not_resolve() {
  given_service "$sha" "$taskdef COMPLETED 2 2"
  FAKE_CURL_FAILURE=resolve SERVICE_URL=http://hello.invalid SMOKE_ATTEMPTS=30 SMOKE_DELAY_SECONDS=1 \
    SMOKE_DNS_SECONDS=2 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "the host of http://hello.invalid does not resolve (curl: (6) Could not resolve host: hello.invalid) for 2s"
  calls_made=$(grep -c '^curl ' "$FAKE_AWS_STATE/calls.log")
  ((calls_made >= 2 && calls_made <= 4)) || fail "expected about 3 curl calls within the DNS window, got $calls_made"
}

test_smoke_retries_a_refused_connection_until_the_budget_ends() {
  given_service "$sha" "$taskdef COMPLETED 2 2"
  SMOKE_ATTEMPTS=3 SMOKE_DELAY_SECONDS=0 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "attempt 1/3: http://hello.example.test/hello did not answer: curl: (7) Failed to connect"
  assert_eq "$(grep -c '^curl ' "$FAKE_AWS_STATE/calls.log")" 3
}

test_smoke_fails_on_a_failed_rollout() {
  given_service "$sha" "$taskdef FAILED 0 2"
  FAKE_CURL_BODY="Hello world" run_script smoke.sh
  assert_status 1
  assert_contains "$err" "last deployment FAILED"
}

test_stack_whose_failed_create_could_not_be_cleaned_up_stops_the_deploy_with_instructions() {
  given_stack hello-prod-alb ROLLBACK_FAILED
  run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "hello-prod-alb is ROLLBACK_FAILED: CloudFormation could not delete some of its resources"
  assert_contains "$err" "aws cloudformation delete-stack --stack-name hello-prod-alb --role-arn"
  assert_not_contains "$(calls)" "delete-stack"
  assert_not_contains "$(calls)" "deploy --stack-name hello-prod-alb"
}

test_failed_update_rollback_stops_the_deploy_with_instructions() {
  given_stack hello-prod-service UPDATE_ROLLBACK_FAILED
  run_script deploy-stacks.sh --only service
  assert_status 1
  assert_contains "$err" "continue-update-rollback --stack-name hello-prod-service"
}

test_deploy_rejected_before_the_stack_exists_asks_for_no_events() {
  echo "An error occurred (ValidationError) when calling the CreateChangeSet operation: Template format error: Unresolved resource dependencies [Vpc] in the Resources block of the template" \
    >"$FAKE_AWS_STATE/fail/deploy-hello-prod-network"
  run_script deploy-stacks.sh --except ecr
  assert_status 1
  assert_contains "$err" "deploying hello-prod-network failed before CloudFormation created the stack: see the message above"
  assert_contains "$err" "Unresolved resource dependencies [Vpc]"
  assert_not_contains "$(calls)" "describe-stack-events"
}

test_failed_delete_of_a_rolled_back_first_create_stops_with_its_own_message() {
  given_stack hello-prod-ecr ROLLBACK_COMPLETE
  echo 'Waiter StackDeleteComplete failed: Waiter encountered a terminal failure state: For expression "Stacks[].StackStatus" we matched expected path: "DELETE_FAILED" at least once' \
    >"$FAKE_AWS_STATE/fail/wait-hello-prod-ecr"
  run_script deploy-stacks.sh --only ecr
  assert_status 1
  assert_contains "$err" "deleting hello-prod-ecr (ROLLBACK_COMPLETE after a failed first create) failed: it is now DELETE_FAILED"
  assert_contains "$err" "--retain-resources"
  assert_not_contains "$(calls)" "deploy --stack-name hello-prod-ecr"
}

test_id_token_is_read_from_a_file_never_passed_on_the_command_line() {
  run_script deploy-stacks.sh --only ecr
  assert_status 0
  assert_contains "$(calls)" "--web-identity-token file://"
  assert_not_contains "$(calls)" "fake-id-token"
  # The file is removed once the credentials are read.
  token_file=$(grep -o 'file://[^ ]*' "$FAKE_AWS_STATE/calls.log" | head -n 1)
  [[ ! -e "${token_file#file://}" ]] || fail "token file ${token_file#file://} left behind"
}

test_refused_token_points_at_the_trust_policy() {
  echo '254 An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience' \
    >"$FAKE_AWS_STATE/fail/sts"
  run_script deploy-stacks.sh --only ecr
  assert_status 1
  assert_contains "$err" "AWS refused to let this job assume $DEPLOY_ROLE_ARN: An error occurred (InvalidIdentityToken)"
  assert_contains "$err" "Check the role's trust policy"
}

test_access_denied_points_at_the_trust_policy() {
  echo '254 An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity' \
    >"$FAKE_AWS_STATE/fail/sts"
  run_script deploy-stacks.sh --only ecr
  assert_status 1
  assert_contains "$err" "Check the role's trust policy"
}

test_unreachable_sts_is_reported_as_a_network_problem() {
  echo '255 Could not connect to the endpoint URL: "https://sts.us-east-1.amazonaws.com/"' >"$FAKE_AWS_STATE/fail/sts"
  run_script deploy-stacks.sh --only ecr
  assert_status 1
  assert_contains "$err" "could not reach AWS STS from this runner (a network or DNS problem, not a permissions one)"
  assert_not_contains "$err" "trust policy"
}

test_other_sts_failure_is_shown_as_it_is() {
  echo '254 An error occurred (RegionDisabledException) when calling the AssumeRoleWithWebIdentity operation: STS is not activated in this region' \
    >"$FAKE_AWS_STATE/fail/sts"
  run_script deploy-stacks.sh --only ecr
  assert_status 1
  assert_contains "$err" "could not assume $DEPLOY_ROLE_ARN: An error occurred (RegionDisabledException)"
  assert_not_contains "$err" "trust policy"
}

# --- release-wait.sh: the ECS release after the service stack's deploy ---------------------------
# The answers below follow the ECS API Reference. ListServiceDeployments: "serviceDeployments": an
# array of ServiceDeploymentBrief ("serviceDeploymentArn", "serviceArn", "clusterArn", "createdAt",
# "startedAt", "finishedAt", "targetServiceRevisionArn", "status", "statusReason"). DescribeServiceDeployments:
# "serviceDeployments": ServiceDeployment objects ("status", "statusReason", "lifecycleStage",
# "targetServiceRevision" {"arn", ...}, "deploymentConfiguration" {"strategy", "bakeTimeInMinutes", ...},
# "rollback" {"reason", "startedAt", "serviceRevisionArn"}, "alarms" {"status", "alarmNames",
# "triggeredAlarmNames"}), and "failures" [{"arn", "reason", "detail"}]. lifecycleStage values include
# POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME and CLEAN_UP. The AWS CLI v2 prints
# timestamps in ISO 8601 with --output json.
dep_arn=arn:aws:ecs:us-east-1:123456789012:service-deployment/hello-prod/hello-prod/EZe5RNVLH6PPzHXINuP28
old_dep_arn=arn:aws:ecs:us-east-1:123456789012:service-deployment/hello-prod/hello-prod/AAAAAAAAAAAAAAAAAAAAA
green_rev=arn:aws:ecs:us-east-1:123456789012:service-revision/hello-prod/hello-prod/9313423515462893900
blue_rev=arn:aws:ecs:us-east-1:123456789012:service-revision/hello-prod/hello-prod/1111111111111111111

# given_release: the service stack's outputs and one deployment of this deploy (and an older one
# listed first, so the script must pick the newest by createdAt, not the first).
given_release() {
  given_stack hello-prod-service UPDATE_COMPLETE ClusterName=hello-prod ServiceName=hello-prod
  cat >"$FAKE_AWS_STATE/ecs/list.json" <<JSON
{"serviceDeployments": [
  {"serviceDeploymentArn": "$old_dep_arn", "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/hello-prod/hello-prod",
   "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/hello-prod", "createdAt": "2026-12-01T01:00:00.000000+00:00",
   "targetServiceRevisionArn": "$blue_rev", "status": "SUCCESSFUL"},
  {"serviceDeploymentArn": "$dep_arn", "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/hello-prod/hello-prod",
   "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/hello-prod", "createdAt": "2026-12-01T02:00:00.000000+00:00",
   "startedAt": "2026-12-01T02:00:01.000000+00:00", "targetServiceRevisionArn": "$green_rev", "status": "IN_PROGRESS"}
]}
JSON
  mkdir -p "$FAKE_AWS_STATE/ecs/describe"
}

# given_deployment_state N STATUS STAGE [EXTRA_JSON_FIELDS] : the Nth describe-service-deployments answer.
given_deployment_state() {
  cat >"$FAKE_AWS_STATE/ecs/describe/$1.json" <<JSON
{"serviceDeployments": [{"serviceDeploymentArn": "$dep_arn",
  "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/hello-prod/hello-prod",
  "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/hello-prod",
  "createdAt": "2026-12-01T02:00:00.000000+00:00", "updatedAt": "2026-12-01T02:05:00.000000+00:00",
  "sourceServiceRevisions": [{"arn": "$blue_rev", "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0}],
  "targetServiceRevision": {"arn": "$green_rev", "requestedTaskCount": 2, "runningTaskCount": 2, "pendingTaskCount": 0},
  "status": "$2", "lifecycleStage": "$3",
  "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 10, "maximumPercent": 200, "minimumHealthyPercent": 100,
    "alarms": {"alarmNames": ["hello-prod-Target5xx"], "enable": true, "rollback": true}}${4:+, $4}}],
 "failures": []}
JSON
}

test_deploy_waits_for_the_release_through_the_bake_time_and_reports_success() {
  given_release
  given_deployment_state 1 IN_PROGRESS POST_TEST_TRAFFIC_SHIFT
  given_deployment_state 2 IN_PROGRESS BAKE_TIME '"alarms": {"status": "MONITORING", "alarmNames": ["hello-prod-Target5xx"], "triggeredAlarmNames": []}'
  given_deployment_state 3 SUCCESSFUL CLEAN_UP '"finishedAt": "2026-12-01T02:16:00.000000+00:00"'
  RELEASE_WAIT_DELAY_SECONDS=0 run_script deploy-stacks.sh --only service
  assert_status 0
  assert_contains "$(calls)" "ecs list-service-deployments --cluster hello-prod --service hello-prod --created-at after="
  assert_contains "$(calls)" "ecs describe-service-deployments --service-deployment-arns $dep_arn --output json"
  assert_not_contains "$(calls)" "--service-deployment-arns $old_dep_arn"
  assert_eq "$(grep -c 'describe-service-deployments' "$FAKE_AWS_STATE/calls.log")" 3
  assert_contains "$err" "IN_PROGRESS, stage POST_TEST_TRAFFIC_SHIFT; checking again"
  assert_contains "$err" "IN_PROGRESS, stage BAKE_TIME; checking again"
  assert_contains "$err" "release SUCCESSFUL: service hello-prod runs $green_rev (strategy BLUE_GREEN, bake time 10 min)"
  # the deploy waits for the release before it prints the stack's outputs
  since=$(grep -o 'after=[0-9]*' "$FAKE_AWS_STATE/calls.log" | head -1)
  (( ${since#after=} <= $(date -u +%s) )) || fail "created-at filter in the future: $since"
}

test_a_release_that_failed_the_check_fails_the_deploy_with_the_reason() {
  given_release
  given_deployment_state 1 ROLLBACK_IN_PROGRESS POST_TEST_TRAFFIC_SHIFT
  given_deployment_state 2 ROLLBACK_SUCCESSFUL POST_TEST_TRAFFIC_SHIFT '"statusReason": "Service deployment rolled back because of lifecycle hook failure.", "rollback": {"reason": "Lifecycle hook target arn:aws:lambda:us-east-1:123456789012:function:hello-prod-release-check returned FAILED", "startedAt": "2026-12-01T02:03:00.000000+00:00", "serviceRevisionArn": "'"$blue_rev"'"}'
  RELEASE_WAIT_DELAY_SECONDS=0 run_script deploy-stacks.sh --only service
  assert_status 1
  assert_contains "$err" "release ROLLED BACK at stage POST_TEST_TRAFFIC_SHIFT: Lifecycle hook target arn:aws:lambda:us-east-1:123456789012:function:hello-prod-release-check returned FAILED"
  assert_contains "$err" "ECS says: Service deployment rolled back because of lifecycle hook failure."
  assert_contains "$err" "production runs $blue_rev"
  assert_contains "$err" "release check's log lines are in the log group"
  assert_contains "$err" "the release did not go live"
}

test_a_release_rolled_back_by_an_alarm_during_the_bake_names_the_alarm() {
  given_release
  given_deployment_state 1 ROLLBACK_SUCCESSFUL BAKE_TIME '"rollback": {"reason": "Rolling back because of alarm hello-prod-Target5xx", "serviceRevisionArn": "'"$blue_rev"'"}, "alarms": {"status": "TRIGGERED", "alarmNames": ["hello-prod-Target5xx", "hello-prod-UnhealthyHosts"], "triggeredAlarmNames": ["hello-prod-Target5xx"]}'
  RELEASE_WAIT_DELAY_SECONDS=0 run_script deploy-stacks.sh --only service
  assert_status 1
  assert_contains "$err" "release ROLLED BACK at stage BAKE_TIME: Rolling back because of alarm hello-prod-Target5xx"
  assert_contains "$err" "alarms that fired: hello-prod-Target5xx"
  assert_not_contains "$err" "release check's log lines"
}

test_a_failed_service_update_still_reports_the_rollback_reason() {
  given_release
  given_deployment_state 1 ROLLBACK_SUCCESSFUL POST_TEST_TRAFFIC_SHIFT '"rollback": {"reason": "Lifecycle hook returned FAILED", "serviceRevisionArn": "'"$blue_rev"'"}'
  echo 'Waiter StackUpdateComplete failed: Waiter encountered a terminal failure state: For expression "Stacks[].StackStatus" we matched expected path: "UPDATE_ROLLBACK_COMPLETE" at least once' \
    >"$FAKE_AWS_STATE/fail/deploy-hello-prod-service"
  RELEASE_WAIT_DELAY_SECONDS=0 run_script deploy-stacks.sh --only service
  assert_status 1
  assert_contains "$err" "release ROLLED BACK at stage POST_TEST_TRAFFIC_SHIFT: Lifecycle hook returned FAILED"
  assert_contains "$err" "deploying hello-prod-service failed"
}

test_a_release_that_never_finishes_fails_after_the_budget() {
  given_release
  given_deployment_state 1 IN_PROGRESS BAKE_TIME
  RELEASE_WAIT_ATTEMPTS=3 RELEASE_WAIT_DELAY_SECONDS=0 run_script deploy-stacks.sh --only service
  assert_status 1
  assert_contains "$err" "is still IN_PROGRESS at stage BAKE_TIME after 3 checks"
}

test_a_deploy_that_started_no_release_does_not_wait() {
  given_stack hello-prod-service UPDATE_COMPLETE ClusterName=hello-prod ServiceName=hello-prod
  run_script deploy-stacks.sh --only service
  assert_status 0
  assert_contains "$err" "this deploy started no service deployment (the service did not change)"
  assert_not_contains "$(calls)" "describe-service-deployments"
}

run_tests
