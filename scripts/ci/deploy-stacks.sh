#!/usr/bin/env bash
# Deploys the DEPLOY_ENV environment's stacks in deploy order with "aws cloudformation deploy" (creates
# or updates through a change set and waits), passing the CloudFormation execution role, so the
# pipeline's own role never creates resources itself. An unchanged stack is not an error. Prints each
# stack's outputs. After the service stack, waits for the ECS release it started (release-wait.sh: the
# test-traffic check and the bake time) and fails the job when ECS rolled it back.
#
# Before anything deploys: every stack's deploy-time parameters are there (stack-params.sh), and in an
# HTTPS environment the certificate is issued and covers DomainName. Before each stack: a stack
# operation or a release that an earlier (perhaps cancelled) job left running is waited out.
#
# usage: deploy-stacks.sh [--only NAME]... [--except NAME]... [--dotenv FILE]
#   --dotenv FILE  write SERVICE_URL=<url> there (a GitLab dotenv report for the environment URL)
# Environment: DEPLOY_ROLE_ARN and AWS_ID_TOKEN (or AWS credentials), CFN_EXECUTION_ROLE_ARN,
# AWS_REGION, optional AWS_ENDPOINT_URL, DEPLOY_ENV, CFN_PARAM_<Name>; IMAGE_TAG (default
# CI_COMMIT_SHA) for the service stack's ImageTag; AWS_ROLE_SESSION_SECONDS (the job sets 7200).
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
admin_hint="as an administrator, with the CloudFormationExecutionRoleArn output of the gitlab-oidc stack as --role-arn"

stacks=$("$CI_SCRIPTS_DIR/stack-list.sh" ${select_args[@]+"${select_args[@]}"})
mapfile -t lines <<<"$stacks"
# Every stack's parameters first, so a missing value (such as prod's certificate) stops the job before
# anything is deployed.
declare -A stack_params=()
for line in "${lines[@]}"; do
  read -r name _ template _ <<<"$line"
  check_template "$template" "$name"
  stack_params[$name]=$("$CI_SCRIPTS_DIR/stack-params.sh" "$name")
done

# check_certificate PARAMS : in an HTTPS environment (PARAMS has CertificateArn and DomainName), the
# certificate is issued and covers DomainName.
check_certificate() {
  local arn host
  arn=$(sed -n 's/^CertificateArn=//p' <<<"$1")
  host=$(sed -n 's/^DomainName=//p' <<<"$1")
  [[ -z "$arn" || -z "$host" ]] || certificate_check "$arn" "$host"
}
for line in "${lines[@]}"; do
  read -r name _ <<<"$line"
  [[ "$name" != "$ALB_STACK" ]] || check_certificate "${stack_params[$name]}"
done

# An environment that builds no images (prod) runs the image the default branch built and dev ran, never
# a rebuild: the same tag, so the same digest (tags are immutable). It is tagged <env>-<tag> as well
# (and its images per architecture likewise), which the repository's lifecycle policy keeps: its
# first rule selects those tags, and an image a higher-priority rule selects cannot be expired by a
# lower one (templates/ecr.yaml; "Lifecycle policy evaluation rules", ECR User Guide).
promote_image() {
  local uri repository tag
  uri=$(stack_output "$(stack_name_of "$ECR_STACK")" "$REPOSITORY_URI_OUTPUT")
  repository=${uri#*/}
  [[ -n "$repository" ]] || die "the image repository's stack has no output $REPOSITORY_URI_OUTPUT: run the bootstrap (docs/deploying.md)"
  for tag in "$IMAGE_TAG" "$IMAGE_TAG-amd64" "$IMAGE_TAG-arm64"; do
    if [[ $(aws_cli ecr batch-get-image --repository-name "$repository" --image-ids "imageTag=$tag" \
      --query 'length(images)' --output text) == 0 ]]; then
      [[ "$tag" != "$IMAGE_TAG" ]] || die "$DEPLOY_ENV deploys only an image the default branch built, and $uri:$tag is not in ECR (the build-image and image-manifest jobs push it): run deploy-$DEPLOY_ENV from a pipeline of main whose smoke-dev passed"
      continue
    fi
    image_tag_add "$repository" "$tag" "$DEPLOY_ENV-$tag"
  done
  log "image $uri:$IMAGE_TAG promoted to $DEPLOY_ENV (tagged $DEPLOY_ENV-$IMAGE_TAG; the same digest dev runs)"
}
if [[ " ${lines[*]} " == *" $SERVICE_STACK "* && "$(env_value .pushesImages)" != true ]]; then
  require_env IMAGE_TAG
  promote_image
fi

# failed_events STACK_NAME SINCE : the stack's failed events of this deploy (not those of an earlier
# job), oldest first, one line each.
failed_events() {
  local since_iso
  since_iso=$(date -u -d "@$2" +%Y-%m-%dT%H:%M:%S)
  aws_cli cloudformation describe-stack-events --stack-name "$1" --output json \
    | jq -r --arg since "$since_iso" '[.StackEvents[] | select((.Timestamp | .[0:19]) >= $since)
        | select(.ResourceStatus | contains("FAILED"))] | reverse | .[]
        | "\(.Timestamp)  \(.LogicalResourceId)  \(.ResourceStatus)  \(.ResourceStatusReason // "")"' \
    || true
}

for line in "${lines[@]}"; do
  read -r name stack_name template capabilities <<<"$line"
  params=${stack_params[$name]}
  override_args=()
  if [[ -n "$params" ]]; then
    mapfile -t overrides <<<"$params"
    override_args=(--parameter-overrides "${overrides[@]}")
  fi
  capability_args "$capabilities"
  status=$(settled_status "$stack_name")
  if [[ "$name" == "$SERVICE_STACK" && "$status" != NONE && "$status" != REVIEW_IN_PROGRESS ]]; then
    "$CI_SCRIPTS_DIR/release-wait.sh" --settle "$stack_name"
  fi
  case $status in
    ROLLBACK_COMPLETE)
      # A first create that failed leaves a stack that can only be deleted; it holds no resources.
      log "$stack_name is ROLLBACK_COMPLETE after a failed first create: deleting it before deploying again"
      aws_cli cloudformation delete-stack --stack-name "$stack_name" ${role_args[@]+"${role_args[@]}"} \
        || die "could not delete $stack_name (ROLLBACK_COMPLETE after a failed first create): see the message above. Where the pipeline may not delete stacks (prod), run $admin_hint: aws cloudformation delete-stack --stack-name $stack_name --role-arn <role>; retry this job when the stack is gone."
      if ! aws_cli cloudformation wait stack-delete-complete --stack-name "$stack_name"; then
        die "deleting $stack_name (ROLLBACK_COMPLETE after a failed first create) failed: it is now $(stack_status "$stack_name"). See its events; delete what blocks it ($admin_hint: aws cloudformation delete-stack --stack-name $stack_name --role-arn <role> --retain-resources <logical ids>), then retry this job"
      fi ;;
    ROLLBACK_FAILED | DELETE_FAILED)
      die "$stack_name is $status: CloudFormation could not delete some of its resources (see its events). Fix what blocks them (for example a load balancer's deletion protection), then, $admin_hint: aws cloudformation delete-stack --stack-name $stack_name --role-arn <role> (add --retain-resources <logical ids> for resources that still cannot be deleted). Retry this job when the stack is gone." ;;
    UPDATE_ROLLBACK_FAILED)
      die "$stack_name is UPDATE_ROLLBACK_FAILED: an update failed and so did its rollback (see its events). Fix the cause, then, $admin_hint: aws cloudformation continue-update-rollback --stack-name $stack_name --role-arn <role>; retry this job when the stack is UPDATE_ROLLBACK_COMPLETE." ;;
  esac
  log "$name: deploying $template as $stack_name ${params//$'\n'/ }"
  since=$(date -u +%s)
  deploy_status=0
  aws_cli cloudformation deploy \
    --stack-name "$stack_name" \
    --template-file "$template" \
    --no-fail-on-empty-changeset \
    ${role_args[@]+"${role_args[@]}"} \
    ${caps[@]+"${caps[@]}"} \
    ${override_args[@]+"${override_args[@]}"} || deploy_status=$?
  if ((deploy_status != 0)); then
    after=$(stack_status "$stack_name")
    case $after in
      NONE | REVIEW_IN_PROGRESS)
        # Nothing was created: CloudFormation refused the template or a parameter (the message above).
        die "deploying $stack_name failed before CloudFormation created anything: see the message above" ;;
    esac
    events=$(failed_events "$stack_name" "$since")
    if [[ -n "$events" ]]; then
      log "deploying $stack_name failed ($after); the failed events of this deploy, oldest first (the first is the cause):"
      printf '%s\n' "$events" >&2
    else
      log "deploying $stack_name failed ($after) with no failed resource event: the change set was rejected (see the message above)"
    fi
    if [[ "$name" == "$SERVICE_STACK" && "$after" == UPDATE_ROLLBACK* ]]; then
      # An update that ECS rolled back fails the stack update too; say why. (A failed first create has no
      # release to report: its events above are the cause.)
      "$CI_SCRIPTS_DIR/release-wait.sh" "$stack_name" "$since" || true
    fi
    [[ "$after" != ROLLBACK_COMPLETE ]] \
      || log "$stack_name is ROLLBACK_COMPLETE: the next run of this job deletes it and creates it again (after the cause above is fixed)"
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
