#!/usr/bin/env bash
# Tests of stack-list.sh and stack-params.sh over the committed templates/stacks.json.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

test_the_pipelines_stacks_of_each_environment_in_deploy_order() {
  run_script stack-list.sh
  assert_status 0
  assert_eq "$out" $'network hello-dev-network templates/dev/network.yaml CAPABILITY_NAMED_IAM\nalb hello-dev-alb templates/dev/alb.yaml -\nservice hello-dev-service templates/dev/service.yaml CAPABILITY_NAMED_IAM'
  DEPLOY_ENV=prod run_script stack-list.sh --only alb
  assert_eq "$out" "alb hello-prod-alb templates/prod/alb.yaml -"
}

test_all_includes_what_an_administrator_deploys() {
  DEPLOY_ENV=prod run_script stack-list.sh --all --except network --except alb --except service
  assert_eq "$out" $'ecr hello-ecr templates/ecr.yaml -\ngitlab-oidc gitlab-oidc-hello-prod templates/prod/gitlab-oidc.yaml CAPABILITY_IAM'
}

test_an_unknown_stack_or_environment_names_the_known_ones() {
  run_script stack-list.sh --only nope
  assert_status 1
  assert_contains "$err" "unknown stack(s) nope; known: ecr, gitlab-oidc, network, alb, service"
  DEPLOY_ENV="" run_script stack-list.sh
  assert_status 1
  assert_contains "$err" "missing CI/CD variable: DEPLOY_ENV (one of: dev, prod)"
  STACKS_FILE=missing.json run_script stack-list.sh
  assert_status 1
  assert_contains "$err" "missing.json not found (run the build: cfn-gen writes it next to the templates)"
}

test_params_are_only_the_deploy_time_values() {
  run_script stack-params.sh network
  assert_status 0
  assert_eq "$out" ""
  IMAGE_TAG=abc run_script stack-params.sh service
  assert_eq "$out" "ImageTag=abc"
  # A new alb stack takes the template's first weights (nothing is live yet).
  run_script stack-params.sh alb
  assert_eq "$out" ""
  CFN_PARAM_LiveProductionTargetGroup=AlternateTargetGroup run_script stack-params.sh alb
  assert_eq "$out" "LiveProductionTargetGroup=AlternateTargetGroup"
}

test_a_required_value_is_named_with_what_to_set() {
  run_script stack-params.sh service
  assert_status 1
  assert_contains "$err" "environment dev, stack service needs: IMAGE_TAG or CI_COMMIT_SHA"
  DEPLOY_ENV=prod IMAGE_TAG=abc run_script stack-params.sh service
  assert_status 1
  assert_contains "$err" "CFN_PARAM_AlarmTopicArn (The SNS topic the alarms notify (ALARM and OK). Required.)"
  DEPLOY_ENV=prod CFN_PARAM_CertificateArn=arn CFN_PARAM_DomainName=hello.example.org run_script stack-params.sh alb
  assert_status 0
  assert_eq "$out" $'CertificateArn=arn\nDomainName=hello.example.org'
}

run_tests
