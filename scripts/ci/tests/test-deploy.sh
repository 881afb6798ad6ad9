#!/usr/bin/env bash
# Tests of deploy-stacks.sh, release-wait.sh and smoke.sh: the real AWS CLI against the AWS emulator,
# deploying the committed templates of dev and prod.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

rules_of() {
  local alb=hello-$1-alb
  aws_ elbv2 describe-rules --rule-arns "$(output_of "$alb" ProductionListenerRuleArn)" "$(output_of "$alb" TestListenerRuleArn)" \
    --query 'Rules[].Actions[0].ForwardConfig.TargetGroups[].Weight' --output text | tr -s '\t\n' ' '
}

# ecs_moves_production ENV : what ECS does on a release: both rules now weigh 100 on the alternate group.
ecs_moves_production() {
  local alb=hello-$1-alb rule
  for rule in ProductionListenerRuleArn TestListenerRuleArn; do
    aws_ elbv2 modify-rule --rule-arn "$(output_of "$alb" "$rule")" --actions "$(jq -nc \
      --arg tg "$(output_of "$alb" TargetGroupArn)" --arg alt "$(output_of "$alb" AlternateTargetGroupArn)" \
      '[{Type: "forward", ForwardConfig: {TargetGroups: [{TargetGroupArn: $tg, Weight: 0}, {TargetGroupArn: $alt, Weight: 100}]}}]')" >/dev/null
  done
}

test_first_deploy_of_dev_creates_every_stack_and_the_release_goes_live() {
  admin_bootstrap dev
  run_script deploy-stacks.sh --dotenv deploy.env
  assert_status 0
  for stack in network alb service; do
    assert_eq "$(stack_status_of "hello-dev-$stack")" CREATE_COMPLETE
  done
  assert_contains "$err" "service: deploying templates/dev/service.yaml as hello-dev-service ImageTag=$sha"
  assert_contains "$err" "release SUCCESSFUL"
  assert_eq "$(cat deploy.env)" "SERVICE_URL=$(output_of hello-dev-alb LoadBalancerUrl)"
  assert_contains "$(cat deploy.env)" "SERVICE_URL=http://hello-dev-"
  # The rules as first created: production on the first target group.
  assert_eq "$(rules_of dev)" "100 0 100 0 "
  assert_eq "$(aws_ cloudformation describe-stacks --stack-name hello-dev-service --query 'Stacks[0].EnableTerminationProtection')" false
}

test_first_deploy_of_prod_checks_its_values_protects_every_stack_and_smoke_checks_the_domain() {
  DEPLOY_ENV=prod admin_bootstrap prod
  DEPLOY_ENV=prod run_script deploy-stacks.sh
  assert_status 0
  assert_contains "$err" "is ISSUED and covers $DOMAIN"
  for stack in network alb service; do
    assert_eq "$(stack_status_of "hello-prod-$stack")" CREATE_COMPLETE
    assert_eq "$(aws_ cloudformation describe-stacks --stack-name "hello-prod-$stack" --query 'Stacks[0].EnableTerminationProtection')" true
  done
  assert_eq "$(output_of hello-prod-alb LoadBalancerUrl)" "https://$DOMAIN"
  # The image main built, promoted: the same images, also tagged prod-<tag> for the lifecycle policy.
  assert_contains "$err" "promoted to prod (tagged prod-$sha; the same digest dev runs)"
  local tag
  for tag in "$sha" "$sha-amd64" "$sha-arm64"; do
    assert_eq "$(aws_ ecr describe-images --repository-name hello --image-ids "imageTag=prod-$tag" --query 'imageDetails[0].imageDigest' --output text)" \
      "$(aws_ ecr describe-images --repository-name hello --image-ids "imageTag=$tag" --query 'imageDetails[0].imageDigest' --output text)"
  done
  # The smoke test reaches the load balancer (here the stand-in service, over TLS with the certificate of
  # DOMAIN) at DomainName, so curl checks the certificate against the name it covers.
  serve --cert "$WORK/tls.crt" --key "$WORK/tls.key"
  DEPLOY_ENV=prod SMOKE_LB_ADDRESS=127.0.0.1:$SERVED_PORT CURL_CA_BUNDLE=$WORK/tls.crt run_script smoke.sh
  assert_status 0
  assert_contains "$err" "checking https://$DOMAIN at the load balancer (127.0.0.1:$SERVED_PORT), with the certificate checked for $DOMAIN"
  assert_contains "$err" "https://$DOMAIN/hello answered 200 'Hello world'"
  assert_contains "$err" "warning: $DOMAIN does not resolve: create its DNS record"
}

test_prod_deploys_only_an_image_main_built_and_changes_nothing_without_it() {
  DEPLOY_ENV=prod admin_bootstrap prod
  DEPLOY_ENV=prod IMAGE_TAG=fedcba9876543210fedcba9876543210fedcba98 run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "prod deploys only an image the default branch built, and "
  assert_contains "$err" "hello:fedcba9876543210fedcba9876543210fedcba98 is not in ECR"
  assert_not_contains "$(aws_ cloudformation list-stacks --query 'StackSummaries[].StackName' --output text)" hello-prod-
}

test_smoke_fails_when_the_certificate_does_not_cover_the_domain() {
  DEPLOY_ENV=prod admin_bootstrap prod
  DEPLOY_ENV=prod run_script deploy-stacks.sh
  certificate other.example.org
  serve --cert "$WORK/tls.crt" --key "$WORK/tls.key"
  DEPLOY_ENV=prod SMOKE_LB_ADDRESS=127.0.0.1:$SERVED_PORT CURL_CA_BUNDLE=$WORK/tls.crt SMOKE_ATTEMPTS=2 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "did not answer"
  assert_contains "$err" "$DOMAIN"
}

test_prod_needs_its_certificate_domain_and_alarm_topic_before_anything_deploys() {
  DEPLOY_ENV=prod admin_bootstrap prod
  unset CFN_PARAM_CertificateArn CFN_PARAM_AlarmTopicArn
  DEPLOY_ENV=prod run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "environment prod, stack alb needs: CFN_PARAM_CertificateArn (ACM certificate (in this Region) for DomainName. Required.)"
  assert_not_contains "$err" "deploying templates"
  assert_eq "$(stack_status_of hello-prod-network 2>/dev/null || echo NONE)" NONE
}

test_a_certificate_that_does_not_cover_the_domain_stops_the_deploy() {
  DEPLOY_ENV=prod admin_bootstrap prod
  DEPLOY_ENV=prod CFN_PARAM_DomainName=www.example.com run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "covers $DOMAIN, not DomainName www.example.com"
  assert_not_contains "$err" "deploying templates"
}

test_a_second_deploy_that_changes_nothing_starts_no_release() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  assert_status 0
  run_script deploy-stacks.sh
  assert_status 0
  assert_eq "$(grep -c "No changes to deploy" <<<"$out")" 3
  assert_contains "$err" "this deploy started no service deployment (the service did not change): nothing to wait for"
}

test_a_release_that_ecs_rolls_back_fails_the_job_with_the_reason() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  assert_status 0
  before=$(output_of hello-dev-service TaskDefinitionArn)
  cat >"$EMULATOR_STATE/ecs-next-deployment.json" <<'JSON'
{"steps": [{"status": "IN_PROGRESS", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT"},
           {"status": "ROLLBACK_SUCCESSFUL", "lifecycleStage": "BAKE_TIME",
            "rollback": {"reason": "Alarm hello-dev-Target5xx in ALARM"},
            "alarms": {"status": "TRIGGERED", "triggeredAlarmNames": ["hello-dev-Target5xx"]}}]}
JSON
  IMAGE_TAG=fedcba9876543210 run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "release ROLLED BACK at stage BAKE_TIME: Alarm hello-dev-Target5xx in ALARM"
  assert_contains "$err" "alarms that fired: hello-dev-Target5xx"
  assert_contains "$err" "production runs arn:aws:ecs:us-east-1:123456789012:service-revision/hello-dev/"
  assert_contains "$err" "deploying hello-dev-service: the release did not go live"
  # ECS put the service back on the revision it ran; smoke sees that the stack's revision is not running.
  service=$(output_of hello-dev-service ServiceName)
  assert_eq "$(aws_ ecs describe-services --cluster hello-dev --services "$service" --query 'services[0].taskDefinition' --output text)" "$before"
  IMAGE_TAG=fedcba9876543210 SERVICE_URL=http://127.0.0.1:9 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "runs $before, not"
}

test_a_failed_release_check_points_at_its_log_lines_with_their_real_names() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  printf '%s' '{"steps": [{"status": "ROLLBACK_SUCCESSFUL", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT", "rollback": {"reason": "Lifecycle hook failed"}}]}' \
    >"$EMULATOR_STATE/ecs-next-deployment.json"
  IMAGE_TAG=fedcba9876543210 run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "the release check's log lines are in the log group /ecs/hello-dev (streams of the function hello-dev-release-check): aws logs tail /ecs/hello-dev"
  assert_not_contains "$err" "<app>"
}

# ECS rewrites the rules' weights on every release; a later stack update must write back what ECS set.
test_a_release_then_an_alb_change_keeps_production_where_ecs_put_it() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  ecs_moves_production dev
  assert_eq "$(rules_of dev)" "0 100 0 100 "
  run_script deploy-stacks.sh --only alb
  assert_status 0
  assert_contains "$err" "LiveProductionTargetGroup=AlternateTargetGroup LiveTestTargetGroup=AlternateTargetGroup"
  assert_eq "$(rules_of dev)" "0 100 0 100 "
  # What the template's own weights would do (the defect): production back on the first group.
  CFN_PARAM_LiveProductionTargetGroup=TargetGroup CFN_PARAM_LiveTestTargetGroup=TargetGroup run_script deploy-stacks.sh --only alb
  assert_eq "$(rules_of dev)" "100 0 100 0 "
}

test_a_stack_an_earlier_job_left_in_progress_is_waited_for() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  echo '{"hello-dev-network": ["UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"]}' >"$EMULATOR_STATE/stack-statuses.json"
  run_script deploy-stacks.sh --only network
  assert_status 0
  assert_eq "$(grep -c "stack hello-dev-network is UPDATE_IN_PROGRESS (another job, or one that was cancelled, left CloudFormation working): waiting" <<<"$err")" 2
}

test_a_release_an_earlier_job_left_running_is_waited_for() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  printf '%s' '{"steps": [{"status": "IN_PROGRESS"}, {"status": "IN_PROGRESS"}, {"status": "SUCCESSFUL"}]}' \
    >"$EMULATOR_STATE/ecs-next-deployment.json"
  # The cancelled job's release: a new task definition, deployed without waiting.
  aws_ cloudformation deploy --stack-name hello-dev-service --template-file templates/dev/service.yaml \
    --capabilities CAPABILITY_NAMED_IAM --parameter-overrides ImageTag=fedcba9876543210 \
    --role-arn "$CFN_EXECUTION_ROLE_ARN" >/dev/null
  run_script deploy-stacks.sh --only service
  assert_status 0
  assert_contains "$err" "a release an earlier job started is still under way"
}

# A failed first create: the events shown are this deploy's (the cause), and the retry deletes the
# ROLLBACK_COMPLETE stack and creates it again.
test_a_failed_first_create_shows_this_deploys_events_and_is_retried() {
  admin_bootstrap dev
  fail_alb_create
  assert_status 1
  assert_eq "$(stack_status_of hello-dev-alb)" ROLLBACK_COMPLETE
  assert_contains "$err" "the failed events of this deploy, oldest first (the first is the cause):"
  assert_contains "$err" "AlternateTargetGroup  CREATE_FAILED"
  assert_contains "$err" "the next run of this job deletes it and creates it again"
  first_run_events=$(grep -c CREATE_FAILED <<<"$err")
  run_script deploy-stacks.sh --only alb
  assert_status 1
  assert_contains "$err" "hello-dev-alb is ROLLBACK_COMPLETE after a failed first create: deleting it before deploying again"
  # Only this run's failure, not the first run's as well.
  assert_eq "$(grep -c CREATE_FAILED <<<"$err")" "$first_run_events"
  aws_ elbv2 delete-target-group --target-group-arn "$(aws_ elbv2 describe-target-groups --names hello-dev-alt \
    --query 'TargetGroups[0].TargetGroupArn' --output text)"
  run_script deploy-stacks.sh --only alb
  assert_status 0
  assert_eq "$(stack_status_of hello-dev-alb)" CREATE_COMPLETE
}

# A failed first create of the service stack has no release to report: the job shows the create failure.
test_a_failed_first_create_of_the_service_reports_the_failure_not_missing_outputs() {
  admin_bootstrap dev
  run_script deploy-stacks.sh --except service
  aws_ logs create-log-group --log-group-name /ecs/hello-dev
  run_script deploy-stacks.sh --only service
  assert_status 1
  assert_contains "$err" "LogGroup  CREATE_FAILED"
  assert_not_contains "$err" "lacks the outputs"
  assert_not_contains "$err" "list-service-deployments"
}

test_a_template_rejected_before_the_stack_exists_asks_for_no_events() {
  admin_bootstrap dev
  # Without the network stack, the alb stack's import does not resolve: the change set fails.
  run_script deploy-stacks.sh --only alb
  assert_status 1
  assert_contains "$err" "No export named hello-dev-VpcId found"
  assert_contains "$err" "deploying hello-dev-alb failed before CloudFormation created anything"
  assert_not_contains "$err" "failed events"
}

test_the_job_assumes_the_deploy_role_with_the_gitlab_id_token_for_two_hours() {
  admin_bootstrap dev
  token=$(printf 'eyJhbGciOiJSUzI1NiJ9.%s.sig' "$(printf '{"sub":"project_path:my-group/hello-stack:ref_type:branch:ref:main","aud":"https://gitlab.com"}' | base64 -w0)")
  AWS_ID_TOKEN=$token AWS_ROLE_SESSION_SECONDS=7200 run_script deploy-stacks.sh --only network
  assert_status 0
  assert_contains "$err" "assuming $DEPLOY_ROLE_ARN with the job's GitLab ID token"
}

test_a_deploy_without_an_execution_role_is_refused() {
  admin_bootstrap dev
  unset CFN_EXECUTION_ROLE_ARN
  AWS_ID_TOKEN=token run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "missing CI/CD variable(s): CFN_EXECUTION_ROLE_ARN"
}

test_an_unknown_environment_is_refused_naming_the_known_ones() {
  DEPLOY_ENV=staging run_script deploy-stacks.sh
  assert_status 1
  assert_contains "$err" "DEPLOY_ENV 'staging' is not an environment in templates/stacks.json (known: dev, prod)"
}

test_smoke_passes_when_the_service_runs_this_commit_and_answers_hello_world() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  serve
  SERVICE_URL=http://127.0.0.1:$SERVED_PORT/ run_script smoke.sh
  assert_status 0
  assert_contains "$err" "runs arn:aws:ecs:us-east-1:123456789012:task-definition/hello-dev:1 (image tag $sha)"
  assert_contains "$err" "http://127.0.0.1:$SERVED_PORT/hello answered 200 'Hello world'"
}

test_smoke_fails_on_a_wrong_answer_or_an_error_status() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  serve --body "Hello World!"
  SERVICE_URL=http://127.0.0.1:$SERVED_PORT SMOKE_ATTEMPTS=2 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "answered HTTP 200 'Hello World!'"
  serve --status 503
  SERVICE_URL=http://127.0.0.1:$SERVED_PORT SMOKE_ATTEMPTS=1 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "answered HTTP 503 'Hello world'"
}

test_smoke_fails_when_the_stack_does_not_run_this_commit() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  IMAGE_TAG=fedcba9876543210 SERVICE_URL=http://127.0.0.1:9 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "stack hello-dev-service has ImageTag=$sha, not fedcba9876543210"
}

test_smoke_fails_fast_with_a_clear_line_when_the_name_does_not_resolve() {
  admin_bootstrap dev
  run_script deploy-stacks.sh
  SERVICE_URL=http://does-not-resolve.invalid SMOKE_DNS_SECONDS=0 run_script smoke.sh
  assert_status 1
  assert_contains "$err" "the host of http://does-not-resolve.invalid does not resolve"
}

run_tests
