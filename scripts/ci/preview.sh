#!/usr/bin/env bash
# Merge-request preview. For every stack the pipeline deploys, in deploy order: create a change set
# from the merge request's template (never executed), wait for it and describe it; render all of
# them as one Markdown note with cfn-gen changeset-summary; post it on the merge request, or update
# the note an earlier push posted. The change sets are deleted on exit, also when something failed.
#
# A change set for a stack that does not exist yet leaves an empty stack in REVIEW_IN_PROGRESS. It is
# left there on purpose: it holds no resources and costs nothing, the next preview creates a CREATE
# change set on it again, and "aws cloudformation deploy" treats it as a stack to create. Deleting it
# would need cloudformation:DeleteStack, which the change-set role (any branch) must not have.
#
# Parameters: like "aws cloudformation deploy", the values the pipeline passes, else the stack's current
# value (UsePreviousValue), but only for parameters the new template declares: a merge request that
# removes or renames a parameter would otherwise get "Parameters: [X] do not exist in the template".
#
# A stack that is *_IN_PROGRESS (the default branch is deploying it) is waited for, up to
# PREVIEW_STACK_WAIT_ATTEMPTS checks PREVIEW_STACK_POLL_SECONDS apart (default 120 x 15 s), with a
# progress line per check.
#
# A change set that fails with "No export named X found" only waits for a new stack earlier in the
# preview that exports X (templates/stacks.json says which stack exports what); otherwise the preview
# fails and names the export and the stack that should provide it.
#
# ImageTag: the image of a merge request is never built, so for an existing service stack the
# preview keeps the image that runs now (UsePreviousValue): the note then shows only what the merge
# request changes in the infrastructure, not the new image every deploy brings. A new service stack
# gets the commit SHA (the change set is never executed, so the image need not exist).
#
# Environment: CHANGESET_ROLE_ARN and AWS_ID_TOKEN (or AWS credentials), AWS_REGION, optional
# AWS_ENDPOINT_URL, APP_NAME, ENV_NAME, CFN_PARAM_<Name>; GITLAB_API_TOKEN in merge-request
# pipelines; PREVIEW_DIR (default preview) receives the change-set JSON and note.md;
# CFN_GEN_CMD (default "java -jar cfn-gen/target/cfn-gen.jar"; the tests point it at the build's classes).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

preview_dir=${PREVIEW_DIR:-preview}
read -ra cfn_gen <<<"${CFN_GEN_CMD:-java -jar cfn-gen/target/cfn-gen.jar}"
poll_seconds=${PREVIEW_POLL_SECONDS:-5}
poll_attempts=${PREVIEW_POLL_ATTEMPTS:-120}
stack_poll_seconds=${PREVIEW_STACK_POLL_SECONDS:-15}
stack_wait_attempts=${PREVIEW_STACK_WAIT_ATTEMPTS:-120}
change_set_name="preview-mr-${CI_MERGE_REQUEST_IID:-local}-pipeline-${CI_PIPELINE_ID:-$$}"

if [[ -n "${CI_MERGE_REQUEST_IID:-}" ]]; then
  require_env GITLAB_API_TOKEN CI_API_V4_URL CI_PROJECT_ID
fi
aws_assume_role CHANGESET_ROLE_ARN
mkdir -p "$preview_dir"

stacks=$("$CI_SCRIPTS_DIR/stack-list.sh")
mapfile -t lines <<<"$stacks"

created_stacks=() # stack names with a change set to delete

cleanup() {
  local stack
  for stack in "${created_stacks[@]+"${created_stacks[@]}"}"; do
    aws_cli cloudformation delete-change-set --stack-name "$stack" --change-set-name "$change_set_name" \
      || log "warning: could not delete change set $change_set_name of $stack"
  done
}
trap cleanup EXIT

# parameters_json NAME STACK_NAME EXISTING IMAGE_TAG : the --parameters JSON for create-change-set,
# with the semantics of "aws cloudformation deploy": values we pass, else the stack's current value
# for the parameters the new template declares (templates/stacks.json).
parameters_json() {
  local name=$1 stack_name=$2 existing=$3 current='[]' passed declared
  passed=$(IMAGE_TAG=$4 "$CI_SCRIPTS_DIR/stack-params.sh" "$name")
  declared=$(jq -c --arg name "$name" '[.stacks[] | select(.name == $name) | (.parameters // [])[] | .name]' "$STACKS_FILE")
  if [[ "$existing" == true ]]; then
    current=$(aws_cli cloudformation describe-stacks --stack-name "$stack_name" \
      --query 'Stacks[0].Parameters[].ParameterKey' --output json)
    [[ "$current" != null ]] || current='[]'
  fi
  jq -n --arg passed "$passed" --argjson current "$current" --argjson declared "$declared" '
    ($passed | split("\n") | map(select(. != "") | capture("^(?<k>[^=]+)=(?<v>.*)$"))) as $p
    | ($p | map(.k)) as $keys
    | ($p | map({ParameterKey: .k, ParameterValue: .v}))
      + ($current | map(select(. as $c | ($keys | index($c) | not) and ($declared | index($c))))
                  | map({ParameterKey: ., UsePreviousValue: true}))'
}

# settled_status STACK_NAME : the stack's status once no operation runs on it (REVIEW_IN_PROGRESS,
# an empty stack left by an earlier preview, counts as settled).
settled_status() {
  local stack_name=$1 status attempt
  for ((attempt = 1; ; attempt++)); do
    status=$(stack_status "$stack_name")
    [[ "$status" == *_IN_PROGRESS && "$status" != REVIEW_IN_PROGRESS ]] || break
    ((attempt <= stack_wait_attempts)) \
      || die "stack $stack_name is still $status after $((stack_wait_attempts * stack_poll_seconds)) s; retry the job when that has finished"
    log "stack $stack_name is $status (a deploy is running): waiting for it, check $attempt of $stack_wait_attempts, every ${stack_poll_seconds}s"
    sleep "$stack_poll_seconds"
  done
  printf '%s\n' "$status"
}

# The export names of every stack (also those an administrator deploys), resolved like the stack
# names in stack-list.sh, for changeset-summary --exports.
# shellcheck disable=SC2016 # $s, $a, $e are jq variables
jq --arg app "${APP_NAME:-}" --arg env "${ENV_NAME:-}" '
  def default_of($s; $p): [($s.parameters // [])[] | select(.name == $p) | .default // ""][0] // "";
  [.stacks[] | . as $s
   | (if $app != "" then $app else default_of($s; "AppName") end) as $a
   | (if $env != "" then $env else default_of($s; "EnvName") end) as $e
   | {key: .name,
      value: [(.exports // [])[] | gsub("\\$\\{AppName\\}"; $a) | gsub("\\$\\{EnvName\\}"; $e)]}]
  | from_entries' "$STACKS_FILE" >"$preview_dir/exports.json"

# 1. Create every change set first: CloudFormation computes them in parallel.
summary_args=()
for line in "${lines[@]}"; do
  read -r name stack_name template capabilities <<<"$line"
  check_template "$template" "$name"
  status=$(settled_status "$stack_name")
  case $status in
    NONE | REVIEW_IN_PROGRESS) type=CREATE existing=false image_tag=${CI_COMMIT_SHA:-preview} ;;
    *) type=UPDATE existing=true image_tag="" ;;
  esac
  params=$(parameters_json "$name" "$stack_name" "$existing" "$image_tag")
  capability_args "$capabilities"
  log "$name: creating $type change set $change_set_name for $stack_name"
  if error=$(aws_cli cloudformation create-change-set \
    --stack-name "$stack_name" \
    --change-set-name "$change_set_name" \
    --change-set-type "$type" \
    --template-body "file://$template" \
    --parameters "$params" \
    ${caps[@]+"${caps[@]}"} \
    --description "Preview for merge request !${CI_MERGE_REQUEST_IID:-local}, pipeline ${CI_PIPELINE_ID:-local}" \
    --output text --query Id 2>&1 >/dev/null); then
    created_stacks+=("$stack_name")
  else
    # A template CloudFormation rejects outright (bad syntax, unknown parameter, ...): show it in
    # the note like a failed change set.
    log "$name: create-change-set failed: $error"
    jq -n --arg stack "$stack_name" --arg reason "$error" \
      '{StackName: $stack, Status: "FAILED", StatusReason: $reason, Changes: []}' >"$preview_dir/$name.json"
  fi
  if [[ "$type" == CREATE ]]; then
    summary_args+=(--new-stack "$name=$preview_dir/$name.json")
  else
    summary_args+=(--stack "$name=$preview_dir/$name.json")
  fi
done

# 2. Wait for each (polling: "aws cloudformation wait" checks only every 30 s) and describe it.
for line in "${lines[@]}"; do
  read -r name stack_name _ <<<"$line"
  [[ " ${created_stacks[*]+"${created_stacks[*]}"} " == *" $stack_name "* ]] || continue
  for ((attempt = 1; ; attempt++)); do
    status=$(aws_cli cloudformation describe-change-set --stack-name "$stack_name" \
      --change-set-name "$change_set_name" --query Status --output text)
    [[ "$status" == CREATE_PENDING || "$status" == CREATE_IN_PROGRESS ]] || break
    ((attempt < poll_attempts)) || die "change set of $stack_name still $status after $((poll_attempts * poll_seconds)) s"
    sleep "$poll_seconds"
  done
  log "$name: change set $status"
  aws_cli cloudformation describe-change-set --stack-name "$stack_name" \
    --change-set-name "$change_set_name" --output json >"$preview_dir/$name.json"
done

# 3. Render the note; exit status 1 means a change set failed (the note says why).
context="Commit ${CI_COMMIT_SHORT_SHA:-local}"
[[ -z "${CI_PIPELINE_URL:-}" ]] || context+=", pipeline ${CI_PIPELINE_URL}"
context+=". Change sets are deleted after the preview; nothing was deployed."
summary_status=0
"${cfn_gen[@]}" changeset-summary --context "$context" --exports "$preview_dir/exports.json" "${summary_args[@]}" >"$preview_dir/note.md" \
  || summary_status=$?
((summary_status <= 1)) || die "cfn-gen changeset-summary failed with status $summary_status"
cat "$preview_dir/note.md"

if [[ -n "${CI_MERGE_REQUEST_IID:-}" ]]; then
  "$CI_SCRIPTS_DIR/mr-note.sh" "$preview_dir/note.md"
fi
((summary_status == 0)) || die "at least one change set could not be created; see the note above"
