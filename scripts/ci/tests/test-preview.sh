#!/usr/bin/env bash
# Tests of preview.sh with the fake AWS CLI. Needs CFN_GEN_CMD: a command that runs cfn-gen
# (the JUnit runner in cfn-gen sets it).
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"
: "${CFN_GEN_CMD:?CFN_GEN_CMD must name a command that runs cfn-gen}"

role=arn:aws:iam::123456789012:role/hello-prod-changeset
export CHANGESET_ROLE_ARN=$role PREVIEW_POLL_SECONDS=0

given_change_sets() {
  cp "$CHANGESET_SAMPLES/$1" "$FAKE_AWS_STATE/changesets/hello-prod-ecr.json"
  cp "$CHANGESET_SAMPLES/$2" "$FAKE_AWS_STATE/changesets/hello-prod-network.json"
  cp "$CHANGESET_SAMPLES/$3" "$FAKE_AWS_STATE/changesets/hello-prod-alb.json"
  cp "$CHANGESET_SAMPLES/$4" "$FAKE_AWS_STATE/changesets/hello-prod-service.json"
}

count() { grep -c -- "$1" "$FAKE_AWS_STATE/calls.log" || true; }

test_first_preview_creates_new_stacks_and_leaves_them_for_the_deploy() {
  given_change_sets new-ecr.json new-ecr.json new-ecr.json failed-service.json
  run_script preview.sh
  assert_status 0
  assert_contains "$(calls)" "sts assume-role-with-web-identity --role-arn $role"
  assert_eq "$(count 'create-change-set.*--change-set-type CREATE')" 4
  assert_eq "$(count 'delete-change-set --stack-name hello-prod-[a-z]* --change-set-name preview-mr-local-pipeline-1001')" 4
  # The change-set role may not delete stacks; the empty REVIEW_IN_PROGRESS stacks are harmless.
  assert_eq "$(count 'delete-stack')" 0
  assert_eq "$(cat "$FAKE_AWS_STATE/stacks/hello-prod-alb/status")" REVIEW_IN_PROGRESS
  assert_contains "$(calls)" "--capabilities CAPABILITY_NAMED_IAM"
  assert_contains "$(jq -c . "$FAKE_AWS_STATE/parameters-hello-prod-service.json")" \
    '{"ParameterKey":"ImageTag","ParameterValue":"0123456789abcdef0123456789abcdef01234567"}'
  note=$(cat preview/note.md)
  assert_contains "$note" "<!-- hello-stack:changeset-preview -->"
  assert_contains "$note" "| \`network\` | \`hello-prod-ecr\` | new stack: 2 Add |"
  # Only alb exports the TargetGroupArn the service imports.
  assert_contains "$note" "cannot be previewed until the new stack(s) \`alb\` are deployed"
  assert_contains "$out" "### CloudFormation preview"
}

test_existing_stacks_keep_their_current_values_like_deploy_does() {
  for s in ecr network alb service; do given_stack "hello-prod-$s" UPDATE_COMPLETE; done
  # RemovedParam: the deployed stack has it, the merge request's template no longer declares it.
  echo '["AppName","EnvName","RemovedParam","ImageTag","DesiredCount"]' >"$FAKE_AWS_STATE/stacks/hello-prod-service/params.json"
  given_change_sets empty-service.json modify-network.json remove-alb.json empty-service.json
  CFN_PARAM_DesiredCount=3 run_script preview.sh
  assert_status 0
  assert_eq "$(count 'create-change-set.*--change-set-type UPDATE')" 4
  assert_eq "$(count 'delete-stack')" 0
  assert_eq "$(jq -c . "$FAKE_AWS_STATE/parameters-hello-prod-service.json")" \
    '[{"ParameterKey":"DesiredCount","ParameterValue":"3"},{"ParameterKey":"AppName","UsePreviousValue":true},{"ParameterKey":"EnvName","UsePreviousValue":true},{"ParameterKey":"ImageTag","UsePreviousValue":true}]'
  assert_contains "$(cat preview/note.md)" "**REPLACE**"
  assert_contains "$(cat preview/note.md)" "| \`service\` | \`hello-prod-service\` | no changes |"
}

test_rejected_template_is_in_the_note_and_fails_the_job_after_cleanup() {
  for s in ecr network alb service; do given_stack "hello-prod-$s" UPDATE_COMPLETE; done
  given_change_sets empty-service.json empty-service.json empty-service.json empty-service.json
  echo "An error occurred (ValidationError) when calling the CreateChangeSet operation: Template format error: Unresolved resource dependencies [Vpc] in the Resources block of the template" \
    >"$FAKE_AWS_STATE/fail/create-change-set-hello-prod-alb"
  run_script preview.sh
  assert_status 1
  assert_contains "$(cat preview/note.md)" "| \`alb\` | \`hello-prod-alb\` | **CHANGE SET FAILED**: An error occurred (ValidationError)"
  assert_contains "$err" "at least one change set could not be created"
  assert_eq "$(count 'delete-change-set')" 3
  assert_not_contains "$(calls)" "delete-change-set --stack-name hello-prod-alb"
}

test_busy_stack_is_waited_for_with_progress_lines() {
  for s in ecr alb service; do given_stack "hello-prod-$s" UPDATE_COMPLETE; done
  given_stack hello-prod-network $'UPDATE_IN_PROGRESS\nUPDATE_COMPLETE_CLEANUP_IN_PROGRESS\nUPDATE_COMPLETE'
  given_change_sets empty-service.json empty-service.json empty-service.json empty-service.json
  PREVIEW_STACK_POLL_SECONDS=0 run_script preview.sh
  assert_status 0
  assert_contains "$err" "stack hello-prod-network is UPDATE_IN_PROGRESS (a deploy is running): waiting for it, check 1 of 120"
  assert_contains "$err" "stack hello-prod-network is UPDATE_COMPLETE_CLEANUP_IN_PROGRESS (a deploy is running): waiting for it, check 2 of 120"
  assert_contains "$(calls)" "create-change-set --stack-name hello-prod-network --change-set-name preview-mr-local-pipeline-1001 --change-set-type UPDATE"
}

test_busy_stack_that_stays_busy_stops_the_preview_and_still_cleans_up() {
  given_stack hello-prod-network UPDATE_IN_PROGRESS
  given_change_sets new-ecr.json new-ecr.json new-ecr.json new-ecr.json
  PREVIEW_STACK_POLL_SECONDS=0 PREVIEW_STACK_WAIT_ATTEMPTS=2 run_script preview.sh
  assert_status 1
  assert_contains "$err" "stack hello-prod-network is still UPDATE_IN_PROGRESS after 0 s; retry the job when that has finished"
  assert_eq "$(grep -c 'describe-stacks --stack-name hello-prod-network --query Stacks.*StackStatus' "$FAKE_AWS_STATE/calls.log")" 3
  assert_contains "$(calls)" "delete-change-set --stack-name hello-prod-ecr"
  assert_not_contains "$(calls)" "delete-stack"
}

test_removed_parameter_is_not_kept_with_use_previous_value() {
  given_stack hello-prod-service UPDATE_COMPLETE
  echo '["AppName","EnvName","ImageTag","DesiredCount","MaxCapacity"]' >"$FAKE_AWS_STATE/stacks/hello-prod-service/params.json"
  given_change_sets new-ecr.json new-ecr.json new-ecr.json empty-service.json
  run_script preview.sh
  assert_status 0
  assert_not_contains "$(cat "$FAKE_AWS_STATE/parameters-hello-prod-service.json")" MaxCapacity
  assert_not_contains "$(cat preview/note.md)" "do not exist in the template"
}

test_fake_aws_rejects_a_parameter_the_template_does_not_declare_like_cloudformation() {
  # The honesty of the fake the test above relies on: the same call with MaxCapacity kept fails.
  given_template_parameters service AppName EnvName ImageTag
  given_stack hello-prod-service UPDATE_COMPLETE
  echo '["AppName","EnvName","ImageTag","DesiredCount"]' >"$FAKE_AWS_STATE/stacks/hello-prod-service/params.json"
  given_change_sets new-ecr.json new-ecr.json new-ecr.json empty-service.json
  run_script preview.sh
  assert_status 1
  assert_contains "$(cat preview/note.md)" "Parameters: [DesiredCount] do not exist in the template"
}

test_second_preview_before_the_first_deploy_reuses_the_review_stacks() {
  for s in ecr network alb service; do given_stack "hello-prod-$s" REVIEW_IN_PROGRESS; done
  given_change_sets new-ecr.json new-ecr.json new-ecr.json failed-service.json
  run_script preview.sh
  assert_status 0
  assert_eq "$(count 'create-change-set.*--change-set-type CREATE')" 4
}

test_missing_export_rejected_at_once_on_a_first_merge_request_passes() {
  # CloudFormation may also reject the change set of a new stack right away when an import's
  # export does not exist yet; before the first deploy that is expected, not a failure.
  given_change_sets new-ecr.json new-ecr.json new-ecr.json failed-service.json
  echo "An error occurred (ValidationError) when calling the CreateChangeSet operation: No export named hello-prod-VpcId found" \
    >"$FAKE_AWS_STATE/fail/create-change-set-hello-prod-alb"
  run_script preview.sh
  assert_status 0
  assert_contains "$(cat preview/note.md)" "\`alb\`"
  assert_not_contains "$err" "at least one change set could not be created"
}

test_missing_export_of_a_stack_outside_the_preview_fails_and_names_it() {
  # gitlab-oidc is deployed by an administrator; a missing or misnamed one is not "waiting".
  given_change_sets new-ecr.json new-ecr.json new-ecr.json failed-service.json
  echo "An error occurred (ValidationError) when calling the CreateChangeSet operation: No export named hello-prod-PermissionsBoundaryArn found" \
    >"$FAKE_AWS_STATE/fail/create-change-set-hello-prod-alb"
  run_script preview.sh
  assert_status 1
  assert_contains "$err" "stack alb imports hello-prod-PermissionsBoundaryArn: stack gitlab-oidc should export it"
  assert_contains "$(cat preview/note.md)" "| \`alb\` | \`hello-prod-alb\` | **CHANGE SET FAILED**"
  assert_contains "$err" "at least one change set could not be created"
}

test_missing_export_of_an_existing_stack_is_not_waiting() {
  for s in ecr network alb service; do given_stack "hello-prod-$s" UPDATE_COMPLETE; done
  given_change_sets empty-service.json empty-service.json empty-service.json failed-service.json
  run_script preview.sh
  assert_status 1
  assert_contains "$err" "stack service imports hello-prod-TargetGroupArn: stack alb exports it in this template but not yet in AWS"
  assert_not_contains "$(cat preview/note.md)" "cannot be previewed until"
}

test_exports_follow_app_and_env_names() {
  given_change_sets new-ecr.json new-ecr.json new-ecr.json failed-service.json
  APP_NAME=shop ENV_NAME=dev run_script preview.sh
  assert_eq "$(jq -c .alb preview/exports.json)" '["shop-dev-LoadBalancerUrl","shop-dev-TargetGroupArn"]'
}

test_missing_role_variable_is_named() {
  unset CHANGESET_ROLE_ARN
  run_script preview.sh
  assert_status 1
  assert_contains "$err" "missing CI/CD variable(s): CHANGESET_ROLE_ARN"
}

test_merge_request_pipeline_needs_the_api_token_before_any_aws_call() {
  CI_MERGE_REQUEST_IID=7 CI_API_V4_URL=http://127.0.0.1:9/api/v4 run_script preview.sh
  assert_status 1
  assert_contains "$err" "missing CI/CD variable(s): GITLAB_API_TOKEN"
  assert_eq "$(calls)" ""
}

run_tests
