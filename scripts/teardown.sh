#!/usr/bin/env bash
# Deletes one environment's stacks, as an administrator, from a checkout: the reverse of the deploy
# order (service, alb, network), then the environment's gitlab-oidc stack; with --repository also the
# image repository's stack, once no environment is left. Safe to run again: a stack already gone is
# reported so.
#
#   scripts/teardown.sh --env NAME --region REGION [--repository] [--dry-run | --yes]
#
# What needs an administrator, it does first and says so: termination protection off (prod's stacks),
# the load balancer's deletion protection off (prod). The application stacks are deleted with the
# environment's execution role (the role CloudFormation used for them). What CloudFormation keeps
# (DeletionPolicy Retain or RetainExceptOnCreate: the image repository, log groups, prod's access-log
# bucket and KMS keys), it lists with the commands that remove them, to run once you are sure.
# It refuses, before deleting anything, to delete a gitlab-oidc stack whose OIDC provider another
# environment's stack still uses, and the repository while an environment is left.
#
# --dry-run   makes no change; prints every call it would make (it reads what exists to know them)
# --yes       deletes; without it (and without --dry-run) nothing happens
#
# On failure it says which stack failed, why (its DELETE_FAILED events) and what was deleted before it;
# fix the cause and run the same command again. Environment: AWS_ENDPOINT_URL (the tests' emulator),
# STACKS_FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ci/lib.sh
source scripts/ci/lib.sh

env="" region="" repository=false dry_run=false yes=false
while (($#)); do
  case $1 in
    --env | --region)
      (($# >= 2)) || die "$1 needs a value"
      if [[ $1 == --env ]]; then env=$2; else region=$2; fi
      shift 2 ;;
    --repository) repository=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    --yes) yes=true; shift ;;
    -h | --help) sed -n '7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) die "unknown argument '$1'; allowed: --env, --region, --repository, --dry-run, --yes (see the top of $0)" ;;
  esac
done
known_envs=$(jq -r '[.environments[].name] | join(" ")' "$STACKS_FILE")
[[ " $known_envs " == *" $env "* && -n "$env" ]] || die "--env NAME is required, one of: $known_envs (got '$env')"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || die "--region REGION is required (such as us-east-1), got '$region'"
$dry_run || $yes || die "this deletes the stacks of $env in $region: add --yes to go ahead, or --dry-run to see every call first"
export AWS_REGION=$region AWS_DEFAULT_REGION=$region DEPLOY_ENV=$env

# run ARGS : an AWS CLI call that changes something; in a dry run only printed.
run() {
  if $dry_run; then
    printf '    aws %s\n' "$*"
  else
    aws_cli "$@" >/dev/null
  fi
}
deleted=() step=""
on_exit() {
  local status=$?
  ((status == 0)) || [[ -z "$step" ]] || {
    printf '\nerror: the teardown stopped at: %s\n' "$step" >&2
    ((${#deleted[@]} == 0)) || printf 'done before it: %s\n' "$(IFS=';'; echo "${deleted[*]}")" >&2
    printf 'nothing after that step ran. Fix the cause above and run the same command again.\n' >&2
  }
}
trap on_exit EXIT

# The stacks to delete, last deployed first: "name stackName" lines.
mapfile -t stacks < <(scripts/ci/stack-list.sh --all | tac | while read -r name stack_name _; do
  [[ "$name" != "$ECR_STACK" ]] && printf '%s %s\n' "$name" "$stack_name"
done)
ecr_stack_name=$(stack_name_of "$ECR_STACK")
oidc_stack_name=$(stack_name_of gitlab-oidc)

# ---- refusals, before anything is deleted ----------------------------------------------------------
other_stacks() { # the stacks of the other environments that exist
  local other name stack_name
  for other in $known_envs; do
    [[ "$other" != "$env" ]] || continue
    while read -r name stack_name _; do
      [[ "$name" == "$ECR_STACK" || $(stack_status "$stack_name") == NONE ]] || printf '%s\n' "$stack_name"
    done < <(DEPLOY_ENV=$other scripts/ci/stack-list.sh --all)
  done
}
if [[ $(stack_status "$oidc_stack_name") != NONE && -z "$(stack_parameter "$oidc_stack_name" ExistingProviderArn)" ]]; then
  # This stack created the account's GitLab OIDC provider; another environment's stack may reuse it.
  provider=$(aws_cli cloudformation describe-stack-resources --stack-name "$oidc_stack_name" \
    --query "StackResources[?ResourceType=='AWS::IAM::OIDCProvider'].PhysicalResourceId | [0]" --output text)
  for other in $(other_stacks); do
    [[ "$other" == gitlab-oidc-* && $(stack_parameter "$other" ExistingProviderArn) == "$provider" ]] \
      && die "$oidc_stack_name created the OIDC provider $provider, which $other uses: tear down that environment first (its gitlab-oidc stack goes with it), then this one"
  done
fi
if $repository; then
  left=$(other_stacks | paste -sd' ')
  [[ -z "$left" ]] || die "--repository: the image repository's stack $ecr_stack_name is shared, and these stacks of other environments still exist: $left. Tear those environments down first"
fi

# ---- delete ------------------------------------------------------------------------------------
kept=()
# delete_stack NAME STACK_NAME
delete_stack() {
  local name=$1 stack_name=$2 status stack_id role="" balancer protected events
  step="deleting stack $stack_name"
  status=$(settled_status "$stack_name")
  if [[ "$status" == NONE ]]; then
    printf '==> gone      stack %s (nothing to delete)\n' "$stack_name"
    return 0
  fi
  stack_id=$(aws_cli cloudformation describe-stacks --stack-name "$stack_name" --query 'Stacks[0].StackId' --output text)
  if [[ $(aws_cli cloudformation describe-stacks --stack-name "$stack_name" --query 'Stacks[0].EnableTerminationProtection' --output text) == True ]]; then
    printf '==> admin     termination protection off for %s\n' "$stack_name"
    run cloudformation update-termination-protection --no-enable-termination-protection --stack-name "$stack_name"
  fi
  if [[ "$name" == "$ALB_STACK" ]]; then
    for balancer in $(aws_cli cloudformation describe-stack-resources --stack-name "$stack_name" \
      --query "StackResources[?ResourceType=='AWS::ElasticLoadBalancingV2::LoadBalancer'].PhysicalResourceId" --output text); do
      protected=$(aws_cli elbv2 describe-load-balancer-attributes --load-balancer-arn "$balancer" \
        --query "Attributes[?Key=='deletion_protection.enabled'].Value | [0]" --output text)
      [[ "$protected" == true ]] || continue
      printf '==> admin     deletion protection off for the load balancer %s\n' "$balancer"
      run elbv2 modify-load-balancer-attributes --load-balancer-arn "$balancer" \
        --attributes Key=deletion_protection.enabled,Value=false
    done
  fi
  # The application stacks were made with the environment's execution role: delete with it too.
  if [[ "$name" != gitlab-oidc && $(stack_status "$oidc_stack_name") != NONE ]]; then
    role=$(stack_output "$oidc_stack_name" CloudFormationExecutionRoleArn)
  fi
  printf '==> delete    stack %s%s\n' "$stack_name" "${role:+ (with the role $role)}"
  run cloudformation delete-stack --stack-name "$stack_name" ${role:+--role-arn "$role"}
  $dry_run && return 0
  if ! aws_cli cloudformation wait stack-delete-complete --stack-name "$stack_id" 2>/dev/null; then
    # The events of this delete: newer than its stack-level DELETE_IN_PROGRESS (newest come first).
    events=$(aws_cli cloudformation describe-stack-events --stack-name "$stack_id" --output json | jq -r '.StackEvents
      | (map(.ResourceStatus == "DELETE_IN_PROGRESS" and .LogicalResourceId == .StackName) | index(true)) as $start
      | .[:$start] | map(select(.ResourceStatus == "DELETE_FAILED")) | .[:5][] | "  \(.LogicalResourceId): \(.ResourceStatusReason)"')
    die "$stack_name is $(stack_status "$stack_id"), not deleted; what failed:
$events
Stacks that import its exports are deleted first; a resource that cannot be deleted may need deleting by hand, then: aws cloudformation delete-stack --stack-name $stack_name --retain-resources <its logical id>"
  fi
  deleted+=("deleted stack $stack_name")
  mapfile -t -O "${#kept[@]}" kept < <(aws_cli cloudformation describe-stack-events --stack-name "$stack_id" \
    --query "StackEvents[?ResourceStatus=='DELETE_SKIPPED'].[ResourceType, PhysicalResourceId]" --output text)
}

for line in "${stacks[@]}"; do
  read -r name stack_name <<<"$line"
  delete_stack "$name" "$stack_name"
done
$repository && delete_stack "$ECR_STACK" "$ecr_stack_name"
step=""

# ---- what is left --------------------------------------------------------------------------------
$dry_run && exit 0
printf '\n==> %s is torn down in %s: %d stacks deleted\n' "$env" "$region" "${#deleted[@]}"
if ((${#kept[@]})); then
  printf '==> kept by CloudFormation (DeletionPolicy), to remove by hand once you are sure, in this order:\n'
  # Log groups and the bucket before the KMS keys that encrypt them.
  for type in AWS::Logs::LogGroup AWS::S3::Bucket AWS::ECR::Repository AWS::KMS::Key; do
    for entry in "${kept[@]}"; do
      read -r kept_type id <<<"$entry"
      [[ "$kept_type" == "$type" ]] || continue
      case $type in
        AWS::Logs::LogGroup) printf '    aws logs delete-log-group --log-group-name %s\n' "$id" ;;
        AWS::S3::Bucket) printf '    empty the bucket %s, every object version included (S3 console: Empty), then: aws s3api delete-bucket --bucket %s\n' "$id" "$id" ;;
        AWS::ECR::Repository) printf '    aws ecr delete-repository --repository-name %s --force\n' "$id" ;;
        AWS::KMS::Key) printf '    aws kms schedule-key-deletion --key-id %s --pending-window-in-days 30\n' "$id" ;;
      esac
    done
  done
  for entry in "${kept[@]}"; do
    read -r kept_type id <<<"$entry"
    [[ " AWS::Logs::LogGroup AWS::S3::Bucket AWS::ECR::Repository AWS::KMS::Key " == *" $kept_type "* ]] \
      || printf '    %s %s (delete it in its service)\n' "$kept_type" "$id"
  done
fi
printf '==> in GitLab, the CI/CD variables scoped to %s remain: delete them (Settings > CI/CD > Variables), or run scripts/bootstrap.sh again to bring %s back\n' "$env" "$env"
