#!/usr/bin/env bash
# Tests of scripts/bootstrap.sh: the real AWS CLI against the AWS emulator (moto) for the AWS side, the
# stand-in GitLab API (gitlab_api.py, which answers each endpoint as GitLab's API documentation says;
# quoted there) for the GitLab side. A fresh account and project, the second run that changes nothing,
# the dry run, Premium and Free, what it refuses, and a first pipeline from what it set up.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

PROJECT=my-group/hello-stack
TOKEN=glpat-bootstrap-test

# gitlab [free|premium [owner|maintainer]] : starts the stand-in GitLab API; sets GITLAB_API_URL.
gitlab() {
  local fifo=$WORK/gitlab line
  mkfifo "$fifo"
  python3 "$TESTS_DIR/gitlab_api.py" --token "$TOKEN" --project-path "$PROJECT" --tier "${1:-free}" --role "${2:-owner}" >"$fifo" &
  echo $! >>"$WORK/servers"
  read -r -t 10 line <"$fifo"
  export GITLAB_API_URL=${line##* }
}
state() { curl --silent --fail "${GITLAB_API_URL%/api/v4}/_state"; }
set_state() { curl --silent --fail --request POST --header 'Content-Type: application/json' --data-binary @- "${GITLAB_API_URL%/api/v4}/_state" >/dev/null; }
variable_of() { # KEY SCOPE : value|protected
  state | jq -r --arg k "$1" --arg s "$2" '.variables[] | select(.key == $k and .environment_scope == $s) | "\(.value)|\(.protected)"'
}
bootstrap() { # ARGS : runs scripts/bootstrap.sh from the repository, with the token in the environment
  status=0
  (cd "$REPO_ROOT" && GITLAB_TOKEN=${GITLAB_TOKEN-$TOKEN} scripts/bootstrap.sh "$@") >"$WORK/out" 2>"$WORK/err" </dev/null || status=$?
  out=$(cat "$WORK/out")
  err=$(cat "$WORK/err")
}
providers() { aws_ iam list-open-id-connect-providers --query 'length(OpenIDConnectProviderList)' --output text; }

test_a_fresh_account_and_project_are_set_up_for_both_environments() {
  gitlab free
  bootstrap --project "$PROJECT" --region us-east-1
  assert_status 0
  # AWS: the service-linked roles, the repository, one gitlab-oidc stack per environment, one provider.
  for service in ecs.amazonaws.com elasticloadbalancing.amazonaws.com ecs.application-autoscaling.amazonaws.com; do
    assert_eq "$(aws_ iam list-roles --path-prefix "/aws-service-role/$service/" --query 'length(Roles)' --output text)" 1
  done
  for stack in hello-ecr gitlab-oidc-hello-dev gitlab-oidc-hello-prod; do
    assert_eq "$(stack_status_of "$stack")" CREATE_COMPLETE
    assert_eq "$(aws_ cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].EnableTerminationProtection' --output text)" True
  done
  assert_eq "$(providers)" 1
  local provider
  provider=$(aws_ iam list-open-id-connect-providers --query 'OpenIDConnectProviderList[0].Arn' --output text)
  assert_eq "$(aws_ cloudformation describe-stacks --stack-name gitlab-oidc-hello-prod --query "Stacks[0].Parameters[?ParameterKey=='ExistingProviderArn'].ParameterValue | [0]" --output text)" "$provider"
  assert_eq "$(aws_ cloudformation describe-stacks --stack-name gitlab-oidc-hello-dev --query "Stacks[0].Parameters[?ParameterKey=='ProjectPath'].ParameterValue | [0]" --output text)" "$PROJECT"
  # GitLab: the variables, scoped and protected as the jobs need them.
  assert_eq "$(variable_of AWS_REGION '*')" "us-east-1|false"
  for env in dev prod; do
    assert_eq "$(variable_of CHANGESET_ROLE_ARN "$env")" "$(output_of "gitlab-oidc-hello-$env" ChangeSetRoleArn)|false"
    assert_eq "$(variable_of DEPLOY_ROLE_ARN "$env")" "$(output_of "gitlab-oidc-hello-$env" DeployRoleArn)|true"
    assert_eq "$(variable_of CFN_EXECUTION_ROLE_ARN "$env")" "$(output_of "gitlab-oidc-hello-$env" CloudFormationExecutionRoleArn)|true"
  done
  assert_eq "$(variable_of IMAGE_TAG_ROLE_ARN dev)" "$(output_of gitlab-oidc-hello-dev ImageTagRoleArn)|true"
  assert_eq "$(variable_of IMAGE_TAG_ROLE_ARN prod)" ""
  assert_eq "$(state | jq -c '.protected_branches[] | [.name, .push_access_levels[0].access_level, .merge_access_levels[0].access_level, .allow_force_push]')" '["main",0,40,false]'
  assert_eq "$(state | jq -c '[.protected_tags[] | [.name, .create_access_levels[0].access_level]]')" '[["v*",40]]'
  assert_eq "$(state | jq -c '.projects["1"] | [.only_allow_merge_if_pipeline_succeeds, .ci_forward_deployment_enabled]')" '[true,true]'
  assert_eq "$(state | jq -c '[.environments[] | [.name, .tier]]')" '[["dev","development"],["prod","production"]]'
  # Free: no protected environments or required approvals, and it says so; the resource groups come later.
  assert_contains "$out" "skipped   protected environment prod: not on this GitLab tier"
  assert_contains "$out" "GitLab Free has no protected environments: anyone who may run jobs on main"
  assert_contains "$out" "resource group deploy-dev does not exist until the first pipeline uses it"
  # prod's deploy-time values are still missing: named, with what to create.
  assert_contains "$out" "prod needs CertificateArn before its first deploy: run this again with --param prod.CertificateArn=<value>"
  assert_contains "$out" "aws sns create-topic --name hello-prod-alarms"
  assert_not_contains "$out" "dev needs"
  assert_not_contains "$out$err" "$TOKEN"
  assert_not_contains "$(state | jq -c .requests)" "$TOKEN"
}

test_a_second_run_changes_nothing_and_says_so() {
  # A Maintainer's token, which does not see every project setting.
  gitlab free maintainer
  bootstrap --project "$PROJECT" --region us-east-1
  assert_status 0
  local before
  before=$(state | jq '.requests | length')
  bootstrap --project "$PROJECT" --region us-east-1
  assert_status 0
  assert_contains "$out" "==> 0 changed"
  assert_contains "$out" "nothing to change: the account and the project were already set up"
  assert_contains "$out" "unchanged stack gitlab-oidc-hello-prod"
  assert_contains "$out" "unchanged variable DEPLOY_ROLE_ARN (prod)"
  # Only reads the second time, but for the one setting a Maintainer cannot read, set again to its value.
  assert_eq "$(state | jq -r --argjson n "$before" '[.requests[$n:][] | select(startswith("GET ") | not) | split(" ")[0:2] | join(" ")] | join(",")')" \
    "PUT /api/v4/projects/my-group%2Fhello-stack"
  assert_contains "$out" "unchanged merge only when the pipeline succeeds; prevent outdated deployment jobs (set again"
  assert_eq "$(state | jq -c '.projects["1"].ci_forward_deployment_enabled')" true
  assert_eq "$(providers)" 1
}

test_the_dry_run_prints_every_call_and_makes_none() {
  gitlab free
  # No AWS credentials and no token: a dry run needs neither.
  status=0
  (cd "$REPO_ROOT" && env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u GITLAB_TOKEN \
    scripts/bootstrap.sh --project "$PROJECT" --region us-east-1 --env dev --env prod --dry-run) >"$WORK/out" 2>&1 || status=$?
  out=$(cat "$WORK/out")
  assert_status 0
  assert_eq "$(aws_ cloudformation list-stacks --query 'length(StackSummaries)' --output text)" 0
  assert_eq "$(state | jq '.requests | length')" 0
  local call
  for call in "aws sts get-caller-identity" \
    "aws iam create-service-linked-role --aws-service-name ecs.application-autoscaling.amazonaws.com" \
    "aws cloudformation deploy --stack-name hello-ecr --template-file templates/ecr.yaml --no-fail-on-empty-changeset" \
    "aws cloudformation deploy --stack-name gitlab-oidc-hello-dev --template-file templates/dev/gitlab-oidc.yaml --no-fail-on-empty-changeset --capabilities CAPABILITY_IAM --parameter-overrides ProjectPath=$PROJECT DefaultBranch=main" \
    "aws cloudformation update-termination-protection --enable-termination-protection --stack-name gitlab-oidc-hello-prod" \
    "POST $GITLAB_API_URL/projects/my-group%2Fhello-stack/variables {\"key\":\"DEPLOY_ROLE_ARN\",\"value\":\"<DeployRoleArn of gitlab-oidc-hello-prod>\",\"environment_scope\":\"prod\",\"protected\":true" \
    "POST $GITLAB_API_URL/projects/my-group%2Fhello-stack/protected_branches {\"name\":\"main\",\"push_access_level\":0,\"merge_access_level\":40,\"allow_force_push\":false}" \
    "POST $GITLAB_API_URL/projects/my-group%2Fhello-stack/protected_tags {\"name\":\"v*\",\"create_access_level\":40}" \
    "PUT $GITLAB_API_URL/projects/my-group%2Fhello-stack {\"only_allow_merge_if_pipeline_succeeds\":true,\"ci_forward_deployment_enabled\":true}" \
    "POST $GITLAB_API_URL/projects/my-group%2Fhello-stack/environments {\"name\":\"prod\",\"tier\":\"production\"}" \
    "POST $GITLAB_API_URL/projects/my-group%2Fhello-stack/protected_environments" \
    "PUT $GITLAB_API_URL/projects/my-group%2Fhello-stack/resource_groups/deploy-prod {\"process_mode\":\"oldest_first\"}"; do
    assert_contains "$out" "$call"
  done
  # In order: AWS first, the repository before the environments, dev before prod.
  assert_eq "$(grep -n -m1 'stack-name hello-ecr' <<<"$out" | cut -d: -f1)" "$(grep -n 'stack-name hello-ecr' <<<"$out" | head -n1 | cut -d: -f1)"
  (($(grep -n -m1 'gitlab-oidc-hello-dev' <<<"$out" | cut -d: -f1) < $(grep -n -m1 'gitlab-oidc-hello-prod' <<<"$out" | cut -d: -f1))) || fail "dev after prod"
  (($(grep -n -m1 'aws cloudformation' <<<"$out" | cut -d: -f1) < $(grep -n -m1 "GET $GITLAB_API_URL" <<<"$out" | cut -d: -f1))) || fail "GitLab before AWS"
}

test_premium_protects_prod_with_an_approval_and_merge_requests_need_another_person() {
  gitlab premium
  bootstrap --project "$PROJECT" --region us-east-1
  assert_status 0
  assert_eq "$(state | jq -c '.protected_environments[] | [.name, .deploy_access_levels[0].access_level, .approval_rules[0].required_approvals]')" '["prod",40,1]'
  assert_eq "$(state | jq -c '[.approval_rules[] | .approvals_required]')" '[1]'
  assert_eq "$(state | jq -c '.projects["1"].approvals.merge_requests_author_approval')" false
  assert_not_contains "$out" "GitLab Free"
  bootstrap --project "$PROJECT" --region us-east-1
  assert_contains "$out" "unchanged protected environment prod"
  assert_contains "$out" "unchanged merge request approval rule"
}

test_prod_values_become_scoped_variables_after_the_certificate_is_checked() {
  gitlab free
  local cert
  certificate "$DOMAIN"
  cert=$(aws_ acm import-certificate --certificate "fileb://$WORK/tls.crt" --private-key "fileb://$WORK/tls.key" --query CertificateArn --output text)
  bootstrap --project "$PROJECT" --region us-east-1 --param "prod.CertificateArn=$cert" --param "prod.DomainName=$DOMAIN" \
    --param prod.AlarmTopicArn=arn:aws:sns:us-east-1:123456789012:hello-prod-alarms
  assert_status 0
  assert_eq "$(variable_of CFN_PARAM_CertificateArn prod)" "$cert|true"
  assert_eq "$(variable_of CFN_PARAM_DomainName prod)" "$DOMAIN|true"
  assert_not_contains "$out" "prod needs"
}

test_a_certificate_for_another_name_stops_it_and_says_what_was_done() {
  gitlab free
  local cert
  certificate other.example.org
  cert=$(aws_ acm import-certificate --certificate "fileb://$WORK/tls.crt" --private-key "fileb://$WORK/tls.key" --query CertificateArn --output text)
  bootstrap --project "$PROJECT" --region us-east-1 --param "prod.CertificateArn=$cert" --param "prod.DomainName=$DOMAIN"
  assert_status 1
  assert_contains "$err" "covers other.example.org, not DomainName $DOMAIN"
  assert_contains "$err" "the bootstrap stopped at: checking the certificate of prod"
  assert_contains "$err" "done before it: "
  assert_contains "$err" "stack gitlab-oidc-hello-prod"
  assert_contains "$err" "run the same command again"
  assert_eq "$(state | jq '.variables | length')" 0
}

test_an_oidc_provider_the_account_already_has_is_reused() {
  gitlab free
  local existing
  # AWS CLI v1 would fetch a parameter value that starts with https:// ("cli_follow_urlparam", off in v2).
  printf '[default]\ncli_follow_urlparam = false\n' >"$WORK/aws-config"
  existing=$(AWS_CONFIG_FILE=$WORK/aws-config aws_ iam create-open-id-connect-provider --url https://gitlab.com --client-id-list https://gitlab.com \
    --thumbprint-list 0000000000000000000000000000000000000000 --query OpenIDConnectProviderArn --output text)
  bootstrap --project "$PROJECT" --region us-east-1 --env dev --skip-gitlab
  assert_status 0
  assert_eq "$(providers)" 1
  assert_eq "$(aws_ cloudformation describe-stacks --stack-name gitlab-oidc-hello-dev --query "Stacks[0].Parameters[?ParameterKey=='ExistingProviderArn'].ParameterValue | [0]" --output text)" "$existing"
  # --skip-gitlab prints what to set by hand instead.
  assert_contains "$out" "DEPLOY_ROLE_ARN=$(output_of gitlab-oidc-hello-dev DeployRoleArn) (environment dev, protected)"
}

test_a_branch_protected_otherwise_and_resource_groups_after_the_first_pipeline() {
  gitlab free
  bootstrap --project "$PROJECT" --region us-east-1 --env dev
  # Someone let Developers push to main; the first pipeline created the resource groups.
  state | jq '.protected_branches[0].push_access_levels = [{"access_level": 30}]
    | .resource_groups = [{"key": "deploy-dev", "process_mode": "unordered"}]' | set_state
  bootstrap --project "$PROJECT" --region us-east-1 --env dev
  assert_status 0
  assert_contains "$out" 'differs   protected branch main: {"push":[30],"merge":[40],"force":false}'
  assert_contains "$out" "set Allowed to push: No one, Allowed to merge: Maintainers"
  assert_contains "$out" "changed   resource group deploy-dev: oldest_first"
  assert_eq "$(state | jq -r '.resource_groups[0].process_mode')" oldest_first
}

test_what_it_refuses_is_named() {
  gitlab free
  bootstrap --region us-east-1
  assert_status 1
  assert_contains "$err" "--project GROUP/PROJECT is required"
  bootstrap --project "$PROJECT" --region us-east-1 --env staging
  assert_contains "$err" "--env staging is not an environment of templates/stacks.json (known: dev prod)"
  bootstrap --project "$PROJECT" --region us-east-1 --param DomainName=x
  assert_contains "$err" "--param DomainName=x: expected ENV.NAME=VALUE"
  GITLAB_TOKEN="" bootstrap --project "$PROJECT" --region us-east-1
  assert_contains "$err" "no GitLab token: put a token of a Maintainer of $PROJECT (scope api) in GITLAB_TOKEN or in a file"
  GITLAB_TOKEN=glpat-wrong bootstrap --project "$PROJECT" --region us-east-1 --env dev
  assert_status 1
  assert_contains "$err" "GitLab refused the token (401"
  assert_contains "$err" "the bootstrap stopped at: reading the GitLab project"
  # The token from a file, never from the command line.
  printf '%s\n' "$TOKEN" >"$WORK/token"
  GITLAB_TOKEN="" bootstrap --project "$PROJECT" --region us-east-1 --env dev --gitlab-token-file "$WORK/token"
  assert_status 0
}

# The first pipeline after the bootstrap, with exactly the variables it set: dev deploys, and its URL
# answers Hello world.
test_the_first_dev_pipeline_runs_on_what_the_bootstrap_set() {
  gitlab free
  bootstrap --project "$PROJECT" --region us-east-1 --env dev
  assert_status 0
  local assignments
  assignments=$(state | jq -r '.variables[] | select(.environment_scope == "dev" or .environment_scope == "*") | "\(.key)=\(.value)"')
  while IFS= read -r assignment; do export "${assignment?}"; done <<<"$assignments"
  run_script deploy-stacks.sh --dotenv "$WORK/deploy.env"
  assert_status 0
  assert_contains "$err" "release SUCCESSFUL"
  # The load balancer's URL from the deploy; here the stand-in service answers in its place.
  assert_contains "$(cat "$WORK/deploy.env")" "SERVICE_URL=http://hello-dev-"
  serve --body "Hello world"
  SERVICE_URL=http://127.0.0.1:$SERVED_PORT run_script smoke.sh
  assert_status 0
  assert_contains "$err" "answered 200 'Hello world'"
}

run_tests
