#!/usr/bin/env bash
# Tests of stack-list.sh and stack-params.sh against fixtures/stacks.json.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

test_pipeline_stacks_in_deploy_order_with_defaults() {
  run_script stack-list.sh
  assert_status 0
  assert_eq "$out" "ecr hello-prod-ecr templates/ecr.yaml -
network hello-prod-network templates/network.yaml -
alb hello-prod-alb templates/alb.yaml -
service hello-prod-service templates/service.yaml CAPABILITY_NAMED_IAM"
}

test_app_and_env_names_come_from_ci_variables() {
  APP_NAME=shop ENV_NAME=staging run_script stack-list.sh --except ecr --except network
  assert_status 0
  assert_eq "$out" "alb shop-staging-alb templates/alb.yaml -
service shop-staging-service templates/service.yaml CAPABILITY_NAMED_IAM"
}

test_all_includes_the_administrator_stack() {
  run_script stack-list.sh --all --only gitlab-oidc
  assert_status 0
  assert_eq "$out" "gitlab-oidc gitlab-oidc-hello-prod templates/gitlab-oidc.yaml CAPABILITY_IAM"
}

test_unknown_stack_names_the_known_ones() {
  run_script stack-list.sh --only netwrok
  assert_status 1
  assert_contains "$err" "unknown stack(s) netwrok; known: gitlab-oidc, ecr, network, alb, service"
}

test_invalid_stack_name_from_variables_is_rejected() {
  APP_NAME="my app" run_script stack-list.sh
  assert_status 1
  assert_contains "$err" 'becomes "my app-prod-ecr", which CloudFormation rejects'
}

test_bad_deployed_by_names_the_allowed_values() {
  jq '.stacks[1].deployedBy = "robot"' templates/stacks.json >s.json
  STACKS_FILE=s.json run_script stack-list.sh
  assert_status 1
  assert_contains "$err" 'stack ecr: deployedBy is "robot"; allowed: pipeline, administrator'
}

test_missing_key_is_named() {
  jq 'del(.stacks[2].template)' templates/stacks.json >s.json
  STACKS_FILE=s.json run_script stack-list.sh
  assert_status 1
  assert_contains "$err" 'stack network: key "template" must be a non-empty string'
}

test_missing_stacks_file_says_how_to_get_it() {
  STACKS_FILE=nope.json run_script stack-list.sh
  assert_status 1
  assert_contains "$err" "nope.json not found"
}

test_params_pass_only_declared_parameters_with_a_value() {
  IMAGE_TAG=abc123 APP_NAME=shop CFN_PARAM_DesiredCount=3 CFN_PARAM_VpcCidr=10.1.0.0/16 \
    run_script stack-params.sh service
  assert_status 0
  assert_eq "$out" "AppName=shop
ImageTag=abc123
DesiredCount=3"
  run_script stack-params.sh network
  assert_status 0
  assert_eq "$out" ""
}

run_tests
