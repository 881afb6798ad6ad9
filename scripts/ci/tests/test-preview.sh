#!/usr/bin/env bash
# Tests of preview.sh and mr-note.sh: the real AWS CLI against the AWS emulator, the committed templates
# (or an edited copy, as a merge request would change them), the real cfn-gen changeset-summary, and the
# stand-in GitLab API (gitlab_api.py) for the note.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

note() { cat preview/note.md; }
# The change sets the preview left on a stack (it deletes its own; the deploy's CLI leaves its empty ones).
change_sets() {
  aws_ cloudformation list-change-sets --stack-name "$1" \
    --query "length(Summaries[?starts_with(ChangeSetName, 'preview-')])" --output text
}

# edit_templates JQ_PROGRAM_FOR_STACKS_JSON : templates/ becomes a copy a merge request may change.
copy_templates() {
  rm templates
  cp -r "$REPO_ROOT/templates" templates
}

# gitlab : starts the stand-in GitLab API; sets CI_API_V4_URL.
gitlab() {
  local fifo=$WORK/gitlab
  mkfifo "$fifo"
  python3 "$TESTS_DIR/gitlab_api.py" --token glpat-test >"$fifo" &
  echo $! >>"$WORK/servers"
  read -r -t 10 line <"$fifo"
  export CI_API_V4_URL=${line##* } CI_PROJECT_ID=1 CI_MERGE_REQUEST_IID=5
}

test_the_first_preview_of_an_environment_creates_every_stack_and_leaves_them_for_the_deploy() {
  admin_bootstrap dev
  run_script preview.sh
  assert_status 0
  assert_contains "$(note)" "<!-- hello-stack:changeset-preview -->"
  assert_contains "$(note)" "| \`network\` | \`hello-dev-network\` | new stack: "
  # The alb stack imports what the new network stack exports: it waits for it, it does not fail.
  assert_contains "$(note)" "| \`alb\` | \`hello-dev-alb\` | cannot be previewed until \`network\` (earlier in this preview) is deployed"
  assert_eq "$(stack_status_of hello-dev-network)" REVIEW_IN_PROGRESS
  assert_eq "$(change_sets hello-dev-network)" 0
  assert_contains "$out" "### CloudFormation preview"
}

test_an_unchanged_environment_previews_as_no_changes_and_posts_nothing_without_a_token() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  CI_MERGE_REQUEST_IID=5 run_script preview.sh
  assert_status 0
  assert_contains "$(note)" "No changes: deploying this merge request leaves every stack as it is."
  assert_contains "$err" "no GITLAB_API_TOKEN: the note is above and in the job's artifact preview/note.md"
  for stack in network alb service; do
    assert_eq "$(change_sets "hello-dev-$stack")" 0
  done
}

test_the_note_is_posted_once_and_updated_on_the_next_push() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  gitlab
  GITLAB_API_TOKEN=glpat-test run_script preview.sh
  assert_status 0
  notes=$(curl -s "$CI_API_V4_URL/../../_state" | jq '.notes["5"]')
  assert_eq "$(jq length <<<"$notes")" 1
  assert_contains "$(jq -r '.[0].body' <<<"$notes")" "No changes"
  GITLAB_API_TOKEN=glpat-test CI_PIPELINE_ID=1002 run_script preview.sh
  assert_status 0
  assert_eq "$(curl -s "$CI_API_V4_URL/../../_state" | jq '.notes["5"] | length')" 1
  assert_contains "$(curl -s "$CI_API_V4_URL/../../_state" | jq -r '.requests | join(" ")')" "PUT /api/v4/projects/1/merge_requests/5/notes/"
  GITLAB_API_TOKEN=wrong run_script preview.sh
  assert_status 1
  assert_contains "$err" "GitLab API request failed"
}

# A merge request whose network stack adds an export that the alb stack imports: the alb change set
# fails on the missing export until network is deployed; the deploy runs network first.
test_an_export_the_merge_request_adds_is_waited_for_and_shown() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  copy_templates
  cat >>templates/dev/network.yaml <<'YAML'
  PublicRouteTableId:
    Value:
      Ref: PublicRouteTable
    Export:
      Name: hello-dev-PublicRouteTableId
YAML
  yq_edit() { jq "$1" templates/stacks.json >templates/stacks.json.new && mv templates/stacks.json.new templates/stacks.json; }
  yq_edit '(.environments[] | select(.name == "dev") | .stacks[] | select(.name == "network") | .exports) += ["hello-dev-PublicRouteTableId"]'
  sed -i 's|^Outputs:|Outputs:\n  ImportedRouteTable:\n    Value:\n      Fn::ImportValue: hello-dev-PublicRouteTableId|' templates/dev/alb.yaml
  run_script preview.sh
  assert_status 0
  assert_contains "$(note)" "outputs: \`+ output PublicRouteTableId\`, \`+ export hello-dev-PublicRouteTableId\`"
  assert_contains "$(note)" "(no resource changes; the change set is executable and the deploy runs it)"
  assert_contains "$(note)" "| \`alb\` | \`hello-dev-alb\` | cannot be previewed until \`network\` (earlier in this preview) is deployed"
  assert_not_contains "$(note)" "No changes: deploying"
}

test_an_import_no_stack_exports_fails_and_names_it() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  copy_templates
  sed -i 's|^Outputs:|Outputs:\n  Imported:\n    Value:\n      Fn::ImportValue: hello-dev-Nowhere|' templates/dev/alb.yaml
  run_script preview.sh
  assert_status 1
  assert_contains "$(note)" "**CHANGE SET FAILED**: No export named hello-dev-Nowhere found: no stack of templates/stacks.json exports hello-dev-Nowhere"
  assert_eq "$(change_sets hello-dev-alb)" 0
}

test_a_stack_left_rolled_back_is_previewed_as_created_again() {
  admin_bootstrap dev
  fail_alb_create
  assert_eq "$(stack_status_of hello-dev-alb)" ROLLBACK_COMPLETE
  run_script preview.sh
  assert_status 0
  assert_contains "$(note)" "| \`alb\` | \`hello-dev-alb\` | **ROLLBACK_COMPLETE** after a failed first create: the deploy deletes it and creates it again: "
  assert_contains "$(note)" "| Add | \`LoadBalancer\` | \`AWS::ElasticLoadBalancingV2::LoadBalancer\` |"
}

test_a_release_in_the_merge_request_is_marked_and_the_image_that_runs_is_kept() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  copy_templates
  sed -i 's/Value: INFO/Value: DEBUG/' templates/dev/service.yaml
  run_script preview.sh
  assert_status 0
  assert_contains "$(note)" "**BLUE/GREEN RELEASE:**"
  assert_contains "$err" "service: creating UPDATE change set"
}

test_a_busy_stack_is_waited_for_with_progress_lines() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  echo '{"hello-dev-alb": ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"]}' >"$EMULATOR_STATE/stack-statuses.json"
  run_script preview.sh
  assert_status 0
  assert_contains "$err" "stack hello-dev-alb is UPDATE_IN_PROGRESS"
}

test_a_template_cloudformation_rejects_is_in_the_note_and_fails_the_job_after_cleanup() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  copy_templates
  sed -i 's|      Ref: PublicRouteTable|      Ref: NoSuchThing|' templates/dev/network.yaml
  run_script preview.sh
  assert_status 1
  assert_contains "$(note)" "**CHANGE SET FAILED**"
  for stack in network alb service; do
    assert_eq "$(change_sets "hello-dev-$stack")" 0
  done
}

test_a_missing_role_variable_is_named() {
  AWS_ID_TOKEN=token run_script preview.sh
  assert_status 1
  assert_contains "$err" "missing CI/CD variable(s): CHANGESET_ROLE_ARN"
}

run_tests
