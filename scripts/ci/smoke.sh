#!/usr/bin/env bash
# After a deploy: checks that the ECS service runs the task definition and image tag just deployed
# (the deployment circuit breaker can roll a bad image back) with all its tasks, and that GET /hello
# on the load balancer answers status 200 and exactly "Hello world", retrying while the new tasks
# come up.
#
# An HTTPS environment is checked at its DomainName, the name the certificate covers: curl connects to
# the load balancer's own address (--connect-to DomainName:443:<load balancer DNS name>:443) and checks
# the certificate against DomainName, so the check works before the DNS record exists and fails when the
# certificate does not cover the name; a DomainName that does not resolve yet is reported.
#
# Environment: DEPLOY_ROLE_ARN and AWS_ID_TOKEN (or AWS credentials), AWS_REGION, optional
# AWS_ENDPOINT_URL, DEPLOY_ENV; IMAGE_TAG (default CI_COMMIT_SHA); SERVICE_URL (default: the stacks'
# LoadBalancerUrl output); SMOKE_LB_ADDRESS (default: the alb stack's LoadBalancerDnsName, port 443: where
# an HTTPS check connects, host:port); SMOKE_ATTEMPTS (default 30) and SMOKE_DELAY_SECONDS (default 10);
# SMOKE_DNS_SECONDS (default 60), how long a name that does not resolve is retried.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

expected_tag=${IMAGE_TAG:-${CI_COMMIT_SHA:-}}
[[ -n "$expected_tag" ]] || die "missing IMAGE_TAG or CI_COMMIT_SHA: which image should be running?"
attempts=${SMOKE_ATTEMPTS:-30}
delay=${SMOKE_DELAY_SECONDS:-10}
env_check
aws_assume_role DEPLOY_ROLE_ARN

# 1. The service runs what the stack deployed. The deploy role may describe our service but not task
# definitions (ecs:DescribeTaskDefinition is authorised only on "*"), so instead of reading the image
# from the task definition: the stack's ImageTag parameter is the tag we deployed, and the service's
# PRIMARY deployment runs the stack's task definition (after a circuit-breaker rollback it runs the
# previous one), has finished rolling out, and runs as many tasks as it wants.
service_stack=$(stack_name_of "$SERVICE_STACK")
deployed_tag=$(stack_parameter "$service_stack" "$IMAGE_TAG_PARAMETER")
if [[ "$deployed_tag" != "$expected_tag" ]]; then
  die "stack $service_stack has $IMAGE_TAG_PARAMETER=${deployed_tag:-<none>}, not $expected_tag: the deploy did not update it, or CloudFormation rolled it back"
fi
cluster=$(stack_output "$service_stack" "$CLUSTER_NAME_OUTPUT")
service=$(stack_output "$service_stack" "$SERVICE_NAME_OUTPUT")
task_definition=$(stack_output "$service_stack" "$TASK_DEFINITION_OUTPUT")
[[ -n "$cluster" && -n "$service" && -n "$task_definition" ]] \
  || die "stack $service_stack lacks the outputs $CLUSTER_NAME_OUTPUT, $SERVICE_NAME_OUTPUT and $TASK_DEFINITION_OUTPUT"
for ((attempt = 1; ; attempt++)); do
  state=$(aws_cli ecs describe-services --cluster "$cluster" --services "$service" \
    --query "services[0].deployments[?status=='PRIMARY'] | [0].[taskDefinition, rolloutState, runningCount, desiredCount]" \
    --output text)
  read -r running_definition rollout running desired <<<"$state"
  [[ -n "$running_definition" && "$running_definition" != None ]] || die "service $service not found in cluster $cluster"
  [[ "$rollout" != FAILED ]] || die "the service's last deployment FAILED (circuit breaker); see the ECS service events"
  if [[ "$running_definition" != "$task_definition" ]]; then
    die "service $service runs $running_definition, not $task_definition of stack $service_stack (image tag $expected_tag): the deployment was rolled back (see the ECS service events)"
  fi
  # "The rolloutState of a service is only returned for services that use the rolling update (ECS)
  # deployment type" (ECS API Reference, Deployment): a blue/green service may report none (the CLI
  # prints None), and deploy has already waited for its release to end (release-wait.sh).
  if [[ ("$rollout" == COMPLETED || "$rollout" == None) && "$running" == "$desired" ]]; then
    break
  fi
  ((attempt < attempts)) \
    || die "service $service: deployment $rollout with $running of $desired tasks running after $attempts checks"
  log "service $service: deployment $rollout, $running of $desired tasks running; checking again in ${delay}s"
  sleep "$delay"
done
log "service $service runs $task_definition (image tag $expected_tag), $running of $desired tasks, rollout $rollout"

# 2. The load balancer answers: status 200 and exactly "Hello world". A name that does not resolve is
# retried for SMOKE_DNS_SECONDS (default 60: a new load balancer's name can take a moment to appear in
# DNS), then fails with its own message instead of using up the whole retry budget.
url=${SERVICE_URL:-$("$CI_SCRIPTS_DIR/service-url.sh")}
url=${url%/}
dns_seconds=${SMOKE_DNS_SECONDS:-60}
connect=()
if [[ "$url" == https://* ]]; then
  host=${url#https://}
  host=${host%%[:/]*}
  lb=${SMOKE_LB_ADDRESS:-$(stack_output "$(stack_name_of "$ALB_STACK")" LoadBalancerDnsName):443}
  connect=(--connect-to "$host:443:$lb")
  log "checking $url at the load balancer ($lb), with the certificate checked for $host"
  getent hosts "$host" >/dev/null \
    || log "warning: $host does not resolve: create its DNS record (a CNAME, or an alias, to ${lb%:*}); users cannot reach the service without it"
fi
body_file=$(mktemp)
trap 'rm -f "$body_file" "$body_file.err"' EXIT
dns_failing_since=""
for ((attempt = 1; attempt <= attempts; attempt++)); do
  curl_status=0
  http_status=$(curl --silent --show-error --max-time 5 ${connect[@]+"${connect[@]}"} --output "$body_file" \
    --write-out '%{http_code}' "$url/hello" 2>"$body_file.err") || curl_status=$?
  if ((curl_status == 0)); then
    dns_failing_since=""
    body=$(cat "$body_file"; printf x)
    body=${body%x}
    if [[ "$http_status" == 200 && ("$body" == "Hello world" || "$body" == $'Hello world\n') ]]; then
      log "$url/hello answered 200 'Hello world' (attempt $attempt)"
      exit 0
    fi
    log "attempt $attempt/$attempts: $url/hello answered HTTP $http_status '$(head -c 200 "$body_file")'"
  elif ((curl_status == 6)); then
    # curl exit status 6: "Couldn't resolve host. The given remote host was not resolved." (curl(1), EXIT CODES)
    dns_failing_since=${dns_failing_since:-$SECONDS}
    if ((SECONDS - dns_failing_since >= dns_seconds)); then
      die "the host of $url does not resolve ($(cat "$body_file.err")) for ${dns_seconds}s: check SERVICE_URL, or the load balancer's DNS name in the alb stack's outputs"
    fi
    log "attempt $attempt/$attempts: $url does not resolve yet: $(cat "$body_file.err")"
  else
    dns_failing_since=""
    log "attempt $attempt/$attempts: $url/hello did not answer: $(cat "$body_file.err")"
  fi
  ((attempt == attempts)) || sleep "$delay"
done
die "$url/hello did not answer 200 'Hello world' after $attempts attempts"
