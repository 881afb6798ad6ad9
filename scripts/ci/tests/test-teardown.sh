#!/usr/bin/env bash
# Tests of scripts/teardown.sh: the real AWS CLI against the AWS emulator (moto, with what CloudFormation
# enforces on a delete and moto does not: termination protection, exports in use, RetainExceptOnCreate,
# a load balancer's deletion protection; aws_emulator.py quotes the pages). Environments deployed by the
# pipeline's own scripts, then torn down: dev, prod with every protection on, a second run, a dry run,
# a delete that fails half-way, and what it refuses.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

teardown() { # ARGS : runs scripts/teardown.sh from the repository; sets $status, $out, $err
  status=0
  (cd "$REPO_ROOT" && scripts/teardown.sh "$@") >"$WORK/out" 2>"$WORK/err" </dev/null || status=$?
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}
deployed() { # ENV : the administrator's stacks and a first pipeline deploy of ENV
  DEPLOY_ENV=$1 admin_bootstrap "$1"
  DEPLOY_ENV=$1 run_script deploy-stacks.sh
  assert_status 0
}
providers() { aws_ iam list-open-id-connect-providers --query 'length(OpenIDConnectProviderList)' --output text; }

test_dev_goes_in_reverse_order_with_its_execution_role_and_the_repository_stays() {
  deployed dev
  teardown --env dev --region us-east-1 --yes
  assert_status 0
  for stack in service alb network; do
    assert_eq "$(stack_status_of "hello-dev-$stack" 2>&1 | grep -c 'does not exist')" 1
  done
  assert_eq "$(stack_status_of gitlab-oidc-hello-dev 2>&1 | grep -c 'does not exist')" 1
  assert_eq "$(stack_status_of hello-ecr)" CREATE_COMPLETE
  assert_eq "$(providers)" 0
  # Last deployed, first deleted; the application stacks with the role that made them.
  assert_eq "$(grep -o 'delete    stack [a-z-]*' <<<"$out" | cut -d' ' -f6 | paste -sd' ')" \
    "hello-dev-service hello-dev-alb hello-dev-network gitlab-oidc-hello-dev"
  assert_contains "$out" "delete    stack hello-dev-service (with the role $CFN_EXECUTION_ROLE_ARN)"
  assert_contains "$out" "dev is torn down in us-east-1: 4 stacks deleted"
  assert_contains "$out" "the CI/CD variables scoped to dev remain"
  # A second run finds nothing to delete.
  teardown --env dev --region us-east-1 --yes
  assert_status 0
  assert_contains "$out" "gone      stack hello-dev-network (nothing to delete)"
  assert_contains "$out" "0 stacks deleted"
}

test_prod_turns_its_protections_off_and_lists_what_cloudformation_kept() {
  deployed prod
  local balancer
  balancer=$(aws_ cloudformation describe-stack-resources --stack-name hello-prod-alb \
    --query "StackResources[?ResourceType=='AWS::ElasticLoadBalancingV2::LoadBalancer'].PhysicalResourceId | [0]" --output text)
  assert_eq "$(aws_ elbv2 describe-load-balancer-attributes --load-balancer-arn "$balancer" \
    --query "Attributes[?Key=='deletion_protection.enabled'].Value | [0]" --output text)" true
  # What an administrator meets without the teardown: CloudFormation refuses a protected stack.
  status=0
  aws_ cloudformation delete-stack --stack-name hello-prod-service 2>"$WORK/refused" || status=$?
  assert_status 255
  assert_contains "$(cat "$WORK/refused")" "cannot be deleted while TerminationProtection is enabled"
  teardown --env prod --region us-east-1 --yes
  assert_status 0
  assert_contains "$out" "admin     termination protection off for hello-prod-alb"
  assert_contains "$out" "admin     deletion protection off for the load balancer $balancer"
  assert_eq "$(aws_ elbv2 describe-load-balancers --query 'length(LoadBalancers)' --output text)" 0
  # Kept: the log groups, the access-log bucket and the KMS keys, with the commands that remove them,
  # the keys last (they encrypt the log groups).
  assert_contains "$out" "aws logs delete-log-group --log-group-name /ecs/hello-prod"
  assert_contains "$out" "then: aws s3api delete-bucket --bucket "
  assert_eq "$(grep -c 'aws kms schedule-key-deletion --key-id' <<<"$out")" 2
  (($(grep -n -m1 'delete-log-group' <<<"$out" | cut -d: -f1) < $(grep -n -m1 'schedule-key-deletion' <<<"$out" | cut -d: -f1))) \
    || fail "a key listed before the log groups it encrypts"
  local group
  group=$(aws_ logs describe-log-groups --log-group-name-prefix /ecs/hello-prod --query 'logGroups[0].logGroupName' --output text)
  assert_eq "$group" /ecs/hello-prod
}

test_the_dry_run_prints_the_calls_and_deletes_nothing() {
  deployed prod
  teardown --env prod --region us-east-1 --dry-run
  assert_status 0
  assert_contains "$out" "aws cloudformation update-termination-protection --no-enable-termination-protection --stack-name hello-prod-service"
  assert_contains "$out" "aws elbv2 modify-load-balancer-attributes --load-balancer-arn "
  assert_contains "$out" "aws cloudformation delete-stack --stack-name hello-prod-network --role-arn $CFN_EXECUTION_ROLE_ARN"
  assert_contains "$out" "aws cloudformation delete-stack --stack-name gitlab-oidc-hello-prod"
  for stack in hello-prod-service hello-prod-alb hello-prod-network gitlab-oidc-hello-prod; do
    assert_eq "$(stack_status_of "$stack")" CREATE_COMPLETE
  done
  assert_eq "$(aws_ cloudformation describe-stacks --stack-name hello-prod-service --query 'Stacks[0].EnableTerminationProtection')" true
}

test_a_delete_that_fails_stops_there_and_says_why_and_what_was_done() {
  deployed dev
  # Another stack of the account imports the network's VPC id.
  cat >"$WORK/user.yaml" <<'YAML'
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: a user's own
      VpcId: !ImportValue hello-dev-VpcId
YAML
  aws_ cloudformation deploy --stack-name users-stack --template-file "$WORK/user.yaml" >/dev/null
  teardown --env dev --region us-east-1 --yes
  assert_status 1
  assert_contains "$err" "hello-dev-network is DELETE_FAILED, not deleted"
  assert_contains "$err" "in use by users-stack"
  assert_contains "$err" "the teardown stopped at: deleting stack hello-dev-network"
  assert_contains "$err" "done before it: deleted stack hello-dev-service;deleted stack hello-dev-alb"
  assert_eq "$(stack_status_of gitlab-oidc-hello-dev)" CREATE_COMPLETE
  # Once the user's stack is gone, the same command finishes the job.
  aws_ cloudformation delete-stack --stack-name users-stack
  teardown --env dev --region us-east-1 --yes
  assert_status 0
  assert_contains "$out" "gone      stack hello-dev-alb"
  assert_contains "$out" "2 stacks deleted"
}

test_what_it_refuses_before_deleting_anything() {
  teardown --env staging --region us-east-1 --yes
  assert_status 1
  assert_contains "$err" "--env NAME is required, one of: dev prod (got 'staging')"
  teardown --env dev --region us-east-1
  assert_status 1
  assert_contains "$err" "add --yes to go ahead, or --dry-run to see every call first"
  # dev's gitlab-oidc stack made the OIDC provider that prod's reuses; the repository is shared.
  (cd "$REPO_ROOT" && scripts/bootstrap.sh --project my-group/hello-stack --region us-east-1 --skip-gitlab) >/dev/null
  teardown --env dev --region us-east-1 --yes
  assert_status 1
  assert_contains "$err" "gitlab-oidc-hello-dev created the OIDC provider"
  assert_contains "$err" "which gitlab-oidc-hello-prod uses: tear down that environment first"
  teardown --env prod --region us-east-1 --repository --yes
  assert_status 1
  assert_contains "$err" "--repository: the image repository's stack hello-ecr is shared, and these stacks of other environments still exist: gitlab-oidc-hello-dev"
  assert_eq "$(stack_status_of gitlab-oidc-hello-prod)" CREATE_COMPLETE
  # In the right order, everything goes, the repository's stack last.
  teardown --env prod --region us-east-1 --yes
  assert_status 0
  teardown --env dev --region us-east-1 --repository --yes
  assert_status 0
  assert_eq "$(aws_ cloudformation list-stacks --stack-status-filter CREATE_COMPLETE UPDATE_COMPLETE --query 'length(StackSummaries)' --output text)" 0
  assert_eq "$(providers)" 0
  assert_contains "$out" "aws ecr delete-repository --repository-name hello --force"
}

run_tests
