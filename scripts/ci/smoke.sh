#!/usr/bin/env bash
# After a deploy: checks that the ECS service runs the image just deployed (the deployment circuit
# breaker can roll a bad image back while CloudFormation reports success) and that GET /hello on
# the load balancer answers exactly "Hello world", retrying while the new tasks come up.
#
# Environment: DEPLOY_ROLE_ARN and AWS_ID_TOKEN (or AWS credentials), AWS_REGION, optional
# AWS_ENDPOINT_URL; IMAGE_TAG (default CI_COMMIT_SHA); SERVICE_URL (default: read from the stack
# outputs; set it to your own domain when the load balancer has a certificate for it, since the
# certificate does not match the load balancer's DNS name); SMOKE_ATTEMPTS (default 30) and
# SMOKE_DELAY_SECONDS (default 10).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

expected_tag=${IMAGE_TAG:-${CI_COMMIT_SHA:-}}
[[ -n "$expected_tag" ]] || die "missing IMAGE_TAG or CI_COMMIT_SHA: which image should be running?"
attempts=${SMOKE_ATTEMPTS:-30}
delay=${SMOKE_DELAY_SECONDS:-10}
aws_assume_role DEPLOY_ROLE_ARN

# 1. The service runs the image tag we deployed.
info=$(stack_lookup "$SERVICE_STACK")
read -r service_stack _ <<<"$info"
cluster=$(stack_output "$service_stack" "$CLUSTER_NAME_OUTPUT")
service=$(stack_output "$service_stack" "$SERVICE_NAME_OUTPUT")
[[ -n "$cluster" && -n "$service" ]] \
  || die "stack $service_stack lacks the outputs $CLUSTER_NAME_OUTPUT and $SERVICE_NAME_OUTPUT"
state=$(aws_cli ecs describe-services --cluster "$cluster" --services "$service" \
  --query "services[0].[taskDefinition, deployments[?status=='PRIMARY'] | [0].rolloutState]" --output text)
read -r task_definition rollout <<<"$state"
[[ -n "$task_definition" && "$task_definition" != None ]] || die "service $service not found in cluster $cluster"
[[ "$rollout" != FAILED ]] || die "the service's last deployment FAILED (circuit breaker); see the ECS service events"
image=$(aws_cli ecs describe-task-definition --task-definition "$task_definition" \
  --query 'taskDefinition.containerDefinitions[0].image' --output text)
if [[ "${image##*:}" != "$expected_tag" ]]; then
  die "service $service runs $image, not tag $expected_tag: the deployment was rolled back (see the ECS service events)"
fi
log "service $service runs $image ($task_definition, rollout ${rollout})"

# 2. The load balancer answers.
url=${SERVICE_URL:-$("$CI_SCRIPTS_DIR/service-url.sh")}
url=${url%/}
body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT
for ((attempt = 1; attempt <= attempts; attempt++)); do
  if curl --silent --show-error --max-time 5 --output "$body_file" "$url/hello"; then
    body=$(cat "$body_file"; printf x)
    body=${body%x}
    if [[ "$body" == "Hello world" || "$body" == $'Hello world\n' ]]; then
      log "$url/hello answered 'Hello world' (attempt $attempt)"
      exit 0
    fi
    log "attempt $attempt/$attempts: $url/hello answered '$(head -c 200 "$body_file")'"
  else
    log "attempt $attempt/$attempts: $url/hello did not answer"
  fi
  ((attempt == attempts)) || sleep "$delay"
done
die "$url/hello did not answer 'Hello world' after $attempts attempts"
