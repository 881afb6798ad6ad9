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
# Parameters: like "aws cloudformation deploy", the values the pipeline passes (stack-params.sh: the
# image, the live traffic weights, CFN_PARAM_<Name>), else the stack's current value (UsePreviousValue),
# but only for parameters the new template declares: a merge request that removes or renames a parameter
# would otherwise get "Parameters: [X] do not exist in the template".
#
# A stack that is *_IN_PROGRESS (the default branch is deploying it) is waited for (lib.sh,
# settled_status). A stack in ROLLBACK_COMPLETE after a failed first create cannot take a change set
# (CloudFormation can only delete it); the deploy deletes it and creates it again, so the note shows the
# template's resources as added. Outputs and exports the merge request adds or removes are shown too:
# describe-change-set lists resource changes only, and a change set that only adds an export is
# executable, not "no changes".
#
# A change set that fails with "No export named X found" waits for a stack earlier in the preview whose
# new template exports X (templates/stacks.json says which stack exports what): the deploy runs that
# stack first. Otherwise the preview fails and names the export and the stack that should provide it.
#
# ImageTag: the image of a merge request is never built, so for an existing service stack the preview
# keeps the image that runs now (UsePreviousValue): the note shows what the merge request changes in the
# infrastructure, not the new image every deploy brings. A new service stack gets the commit SHA.
#
# The note: posted on the merge request (or the note an earlier push posted is updated) when
# GITLAB_API_TOKEN is set; always printed in the job log and kept as the artifact preview/note.md. On
# gitlab.com, project access tokens exist only on Premium and Ultimate; on Free, use a personal access
# token of a bot user (docs/deploying.md), or none.
#
# Environment: CHANGESET_ROLE_ARN and AWS_ID_TOKEN (or AWS credentials), AWS_REGION, optional
# AWS_ENDPOINT_URL, DEPLOY_ENV, CFN_PARAM_<Name>; optional GITLAB_API_TOKEN (with CI_API_V4_URL,
# CI_PROJECT_ID, CI_MERGE_REQUEST_IID); PREVIEW_DIR (default preview) receives the change-set JSON and
# note.md; CFN_GEN_CMD (default "java -jar cfn-gen/target/cfn-gen.jar").
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

preview_dir=${PREVIEW_DIR:-preview}
read -ra cfn_gen <<<"${CFN_GEN_CMD:-java -jar cfn-gen/target/cfn-gen.jar}"
poll_seconds=${PREVIEW_POLL_SECONDS:-5}
poll_attempts=${PREVIEW_POLL_ATTEMPTS:-120}
change_set_name="preview-mr-${CI_MERGE_REQUEST_IID:-local}-pipeline-${CI_PIPELINE_ID:-$$}"

env_check
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
# with the semantics of "aws cloudformation deploy": values we pass, else the stack's current value for
# the parameters the new template declares (templates/stacks.json).
parameters_json() {
  local name=$1 stack_name=$2 existing=$3 current='[]' passed declared
  passed=$(IMAGE_TAG=$4 "$CI_SCRIPTS_DIR/stack-params.sh" "$name")
  declared=$(stack_json "$name" | jq -c '[.parameters[].name]')
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

# The export names of every stack of the environment, for changeset-summary --exports.
env_value '[.stacks[] | {key: .name, value: .exports}] | from_entries' >"$preview_dir/exports.json"

# 1. Create every change set first: CloudFormation computes them in parallel.
summary_args=()
for line in "${lines[@]}"; do
  read -r name stack_name template capabilities <<<"$line"
  check_template "$template" "$name"
  status=$(settled_status "$stack_name")
  if [[ "$status" == ROLLBACK_COMPLETE ]]; then
    log "$name: $stack_name is ROLLBACK_COMPLETE after a failed first create: no change set (the deploy deletes and recreates it)"
    jq -n --arg stack "$stack_name" --arg template "$template" \
      '{StackName: $stack, Status: "RECREATE", StatusReason: "ROLLBACK_COMPLETE", Changes: [], TemplateFile: $template}' \
      >"$preview_dir/$name.json"
    summary_args+=(--stack "$name=$preview_dir/$name.json")
    continue
  fi
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
  read -r name stack_name template _ <<<"$line"
  [[ " ${created_stacks[*]+"${created_stacks[*]}"} " == *" $stack_name "* ]] || continue
  for ((attempt = 1; ; attempt++)); do
    status=$(aws_cli cloudformation describe-change-set --stack-name "$stack_name" \
      --change-set-name "$change_set_name" --query Status --output text)
    [[ "$status" == CREATE_PENDING || "$status" == CREATE_IN_PROGRESS ]] || break
    ((attempt < poll_attempts)) || die "change set of $stack_name still $status after $((poll_attempts * poll_seconds)) s"
    sleep "$poll_seconds"
  done
  log "$name: change set $status"
  # What describe-change-set leaves out: the outputs and exports the merge request changes.
  deployed='[]'
  if [[ "$(stack_status "$stack_name")" != REVIEW_IN_PROGRESS ]]; then
    deployed=$(aws_cli cloudformation describe-stacks --stack-name "$stack_name" --query 'Stacks[0].Outputs' --output json)
    [[ "$deployed" != null ]] || deployed='[]'
  fi
  aws_cli cloudformation describe-change-set --stack-name "$stack_name" \
    --change-set-name "$change_set_name" --output json \
    | jq --arg template "$template" --argjson deployed "$deployed" '. + {TemplateFile: $template, DeployedOutputs: $deployed}' \
      >"$preview_dir/$name.json"
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

if [[ -n "${CI_MERGE_REQUEST_IID:-}" && -n "${GITLAB_API_TOKEN:-}" ]]; then
  "$CI_SCRIPTS_DIR/mr-note.sh" "$preview_dir/note.md"
elif [[ -n "${CI_MERGE_REQUEST_IID:-}" ]]; then
  log "no GITLAB_API_TOKEN: the note is above and in the job's artifact $preview_dir/note.md; set GITLAB_API_TOKEN to post it on the merge request (docs/deploying.md)"
fi
((summary_status == 0)) || die "at least one change set could not be created; see the note above"
