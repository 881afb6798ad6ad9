#!/usr/bin/env bash
# Deploys the pipeline's stacks in deploy order with "aws cloudformation deploy" (creates or
# updates through a change set and waits), passing the CloudFormation execution role, so the
# pipeline's own role never creates resources itself. An unchanged stack is not an error.
# Prints each stack's outputs. After the service stack, waits for the ECS release it started
# (release-wait.sh: test-traffic check and bake time) and fails the job when ECS rolled it back.
#
# usage: deploy-stacks.sh [--only NAME]... [--except NAME]... [--dotenv FILE]
#   --dotenv FILE  write SERVICE_URL=<url> there (a GitLab dotenv report for the environment URL)
# Environment: DEPLOY_ROLE_ARN and AWS_ID_TOKEN (or AWS credentials), CFN_EXECUTION_ROLE_ARN,
# AWS_REGION, optional AWS_ENDPOINT_URL, DEPLOY_ENV (an environment of stacks.json: its parameter
# values, and termination protection when it asks for it), APP_NAME, ENV_NAME, CFN_PARAM_<Name>;
# IMAGE_TAG (default CI_COMMIT_SHA) for the service stack's ImageTag.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

select_args=()
dotenv=""
while (($#)); do
  case $1 in
    --only | --except)
      (($# >= 2)) || die "$1 needs a stack name"
      select_args+=("$1" "$2"); shift 2 ;;
    --dotenv)
      (($# >= 2)) || die "--dotenv needs a file name"
      dotenv=$2; shift 2 ;;
    *) die "unknown argument '$1'; allowed: --only NAME, --except NAME, --dotenv FILE" ;;
  esac
done

export IMAGE_TAG=${IMAGE_TAG:-${CI_COMMIT_SHA:-}}
env_check
aws_assume_role DEPLOY_ROLE_ARN
role_args=()
if [[ -n "${AWS_ID_TOKEN:-}" ]]; then
  require_env CFN_EXECUTION_ROLE_ARN
fi
[[ -z "${CFN_EXECUTION_ROLE_ARN:-}" ]] || role_args=(--role-arn "$CFN_EXECUTION_ROLE_ARN")

stacks=$("$CI_SCRIPTS_DIR/stack-list.sh" ${select_args[@]+"${select_args[@]}"})
mapfile -t lines <<<"$stacks"
# Every stack's parameters first, so a missing value (such as prod's certificate) stops the job
# before anything is deployed.
declare -A stack_params=()
for line in "${lines[@]}"; do
  read -r name _ template _ <<<"$line"
  check_template "$template" "$name"
  stack_params[$name]=$("$CI_SCRIPTS_DIR/stack-params.sh" "$name")
done
for line in "${lines[@]}"; do
  read -r name stack_name template capabilities <<<"$line"
  params=${stack_params[$name]}
  override_args=()
  if [[ -n "$params" ]]; then
    mapfile -t overrides <<<"$params"
    override_args=(--parameter-overrides "${overrides[@]}")
  fi
  capability_args "$capabilities"
  status=$(stack_status "$stack_name")
  case $status in
    ROLLBACK_COMPLETE)
      # A first create that failed leaves a stack that can only be deleted; it holds no resources.
      log "$stack_name is ROLLBACK_COMPLETE after a failed first create: deleting it before deploying again"
      aws_cli cloudformation delete-stack --stack-name "$stack_name" ${role_args[@]+"${role_args[@]}"} \
        || die "could not delete $stack_name (ROLLBACK_COMPLETE after a failed first create): see the message above. If this pipeline may not delete stacks (in prod the gitlab-oidc stack sets PipelineMayDeleteStacks=false), an administrator runs: aws cloudformation delete-stack --stack-name $stack_name --role-arn <CloudFormationExecutionRoleArn of the gitlab-oidc stack>; retry this job when the stack is gone."
      if ! aws_cli cloudformation wait stack-delete-complete --stack-name "$stack_name"; then
        die "deleting $stack_name (ROLLBACK_COMPLETE after a failed first create) failed: it is now $(stack_status "$stack_name"). See its events in the console; delete what blocks it (as an administrator: aws cloudformation delete-stack --stack-name $stack_name --role-arn <CloudFormationExecutionRoleArn of the gitlab-oidc stack>, with --retain-resources <logical ids> for resources that cannot be deleted), then retry this job"
      fi ;;
    ROLLBACK_FAILED | DELETE_FAILED)
      # Some resources of a failed create (or delete) could not be deleted: an administrator decides.
      die "$stack_name is $status: CloudFormation could not delete some of its resources (see its events in the console). As an administrator, fix what blocks them (for example turn off a load balancer's deletion protection), then run: aws cloudformation delete-stack --stack-name $stack_name --role-arn <CloudFormationExecutionRoleArn of the gitlab-oidc stack>; add --retain-resources <logical ids> for resources that still cannot be deleted (then delete those by hand). Retry this job when the stack is gone." ;;
    UPDATE_ROLLBACK_FAILED)
      die "$stack_name is UPDATE_ROLLBACK_FAILED: an update failed and so did its rollback (see its events). Fix the cause, then run: aws cloudformation continue-update-rollback --stack-name $stack_name --role-arn <CloudFormationExecutionRoleArn of the gitlab-oidc stack>; retry this job when the stack is UPDATE_ROLLBACK_COMPLETE." ;;
  esac
  log "$name: deploying $template as $stack_name ${params//$'\n'/ }"
  since=$(date -u +%s)
  if ! aws_cli cloudformation deploy \
    --stack-name "$stack_name" \
    --template-file "$template" \
    --no-fail-on-empty-changeset \
    ${role_args[@]+"${role_args[@]}"} \
    ${caps[@]+"${caps[@]}"} \
    ${override_args[@]+"${override_args[@]}"}; then
    if [[ $(stack_status "$stack_name") == NONE ]]; then
      # Nothing was created (a template or parameter CloudFormation rejected): there are no events.
      die "deploying $stack_name failed before CloudFormation created the stack: see the message above"
    fi
    log "deploying $stack_name failed; its latest failed events (newest first):"
    aws_cli cloudformation describe-stack-events --stack-name "$stack_name" --max-items 100 \
      --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceStatus,ResourceStatusReason]" \
      --output text || true
    if [[ "$name" == "$SERVICE_STACK" ]]; then
      # A release that ECS rolled back fails the stack update too; say why.
      "$CI_SCRIPTS_DIR/release-wait.sh" "$stack_name" "$since" || true
    fi
    die "deploying $stack_name failed"
  fi
  if [[ "$name" == "$SERVICE_STACK" ]]; then
    # Waits for the ECS release this deploy started (check, bake time) and reports how it ended.
    "$CI_SCRIPTS_DIR/release-wait.sh" "$stack_name" "$since" || die "deploying $stack_name: the release did not go live (see above)"
  fi
  if [[ "$(env_value .terminationProtection)" == true ]]; then
    log "$stack_name: termination protection on (environment $DEPLOY_ENV)"
    aws_cli cloudformation update-termination-protection --enable-termination-protection --stack-name "$stack_name" >/dev/null
  fi
  aws_cli cloudformation describe-stacks --stack-name "$stack_name" \
    --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text
done

if [[ -n "$dotenv" ]]; then
  url=$("$CI_SCRIPTS_DIR/service-url.sh")
  printf 'SERVICE_URL=%s\n' "$url" >"$dotenv"
  log "service URL: $url"
fi
