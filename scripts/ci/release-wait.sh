#!/usr/bin/env bash
# After the service stack's deploy: waits until the ECS service deployment that deploy started has
# finished (a blue/green release includes its test-traffic check and its bake time) and reports how
# it ended. Exit 0 on SUCCESSFUL, or when the deploy started no service deployment (the service did
# not change); exit 1 when ECS rolled the release back or stopped it (the reason, the triggered
# alarms and the revision production runs are printed), or when it does not finish in time.
#
# usage: release-wait.sh STACK_NAME SINCE
#   STACK_NAME  the service stack (its ClusterName and ServiceName outputs name the service)
#   SINCE       epoch seconds from just before the deploy: only deployments created after it count
# usage: release-wait.sh --settle STACK_NAME
#   before a deploy: waits until no service deployment is under way (one an earlier, perhaps cancelled,
#   job started), whatever its outcome; exit 0 then, or at once when the stack has no service yet
# Environment: credentials already set up (deploy-stacks.sh), AWS_REGION, optional AWS_ENDPOINT_URL;
# RELEASE_WAIT_ATTEMPTS (default 160) and RELEASE_WAIT_DELAY_SECONDS (default 15): 40 minutes, room
# for the check, a bake time of up to 30 minutes and the old tasks' draining; the deploy job's timeout
# and the deploy role's two-hour session leave room for the stack updates before it
# (scripts/tests/gitlab_ci_test.py checks that they fit).
#
# What ECS answers (ECS API Reference): ListServiceDeployments returns "serviceDeployments", each a
# ServiceDeploymentBrief with "serviceDeploymentArn", "createdAt" and "status"; DescribeServiceDeployments
# returns "serviceDeployments" (ServiceDeployment: "status", "statusReason", "lifecycleStage", "rollback"
# {"reason", "serviceRevisionArn"}, "alarms" {"status", "triggeredAlarmNames"}) and "failures".
# ServiceDeployment.status is one of PENDING | SUCCESSFUL | STOPPED | STOP_REQUESTED | IN_PROGRESS |
# ROLLBACK_REQUESTED | ROLLBACK_IN_PROGRESS | ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED; the last four that
# are not "...REQUESTED"/"IN_PROGRESS" end a deployment ("View service history using Amazon ECS service
# deployments": Completed = SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

settle=false
if [[ "${1:-}" == --settle ]]; then
  settle=true
  shift
  (($# == 1)) || die "usage: release-wait.sh --settle STACK_NAME"
  set -- "$1" 0
fi
(($# == 2)) || die "usage: release-wait.sh STACK_NAME SINCE, or release-wait.sh --settle STACK_NAME"
stack_name=$1
since=$2
attempts=${RELEASE_WAIT_ATTEMPTS:-160}
delay=${RELEASE_WAIT_DELAY_SECONDS:-15}

cluster=$(stack_output "$stack_name" "$CLUSTER_NAME_OUTPUT")
service=$(stack_output "$stack_name" "$SERVICE_NAME_OUTPUT")
if [[ -z "$cluster" || -z "$service" ]]; then
  $settle && exit 0
  die "stack $stack_name lacks the outputs $CLUSTER_NAME_OUTPUT and $SERVICE_NAME_OUTPUT: cannot find its ECS service"
fi
log_group=$(stack_output "$stack_name" "$LOG_GROUP_OUTPUT")

if $settle; then
  # The newest deployment, described (its status is what DescribeServiceDeployments reports now).
  for ((attempt = 1; ; attempt++)); do
    newest=$(aws_cli ecs list-service-deployments --cluster "$cluster" --service "$service" --output json \
      | jq -r '.serviceDeployments // [] | max_by(.createdAt) | .serviceDeploymentArn // empty') \
      || die "list-service-deployments failed (see the message above)"
    [[ -n "$newest" ]] || exit 0
    status=$(aws_cli ecs describe-service-deployments --service-deployment-arns "$newest" \
      --query 'serviceDeployments[0].status' --output text) || die "describe-service-deployments failed (see the message above)"
    case $status in
      SUCCESSFUL | STOPPED | ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED | None) exit 0 ;;
    esac
    ((attempt < attempts)) \
      || die "service $service still has a deployment under way after $attempts checks (${newest##*/}, $status); follow it in the ECS console"
    log "service $service: a release an earlier job started is still under way (${newest##*/}, $status): waiting before deploying, check $attempt of $attempts, every ${delay}s"
    sleep "$delay"
  done
fi

# The order of the list is not documented: take the newest by createdAt.
list=$(aws_cli ecs list-service-deployments --cluster "$cluster" --service "$service" \
  --created-at "after=$since" --output json) || die "list-service-deployments failed (see the message above)"
arn=$(jq -r '.serviceDeployments // [] | max_by(.createdAt) | .serviceDeploymentArn // empty' <<<"$list")
if [[ -z "$arn" ]]; then
  log "service $service: this deploy started no service deployment (the service did not change): nothing to wait for"
  exit 0
fi
log "service $service: following release ${arn##*/} (ECS console: cluster $cluster, service $service, Deployments)"

field() { jq -r "$1 // empty" <<<"$json"; }
for ((attempt = 1; ; attempt++)); do
  json=$(aws_cli ecs describe-service-deployments --service-deployment-arns "$arn" --output json) \
    || die "describe-service-deployments failed (see the message above)"
  failure=$(jq -r '.failures[0] // empty | "\(.reason // "") \(.detail // "")"' <<<"$json")
  [[ -z "$failure" ]] || die "describe-service-deployments could not describe ${arn##*/}: $failure"
  json=$(jq '.serviceDeployments[0]' <<<"$json")
  status=$(field .status)
  stage=$(field .lifecycleStage)
  case $status in
    SUCCESSFUL)
      strategy=$(field .deploymentConfiguration.strategy)
      log "release SUCCESSFUL: service $service runs $(field .targetServiceRevision.arn)${strategy:+ (strategy $strategy, bake time $(field .deploymentConfiguration.bakeTimeInMinutes) min)}"
      exit 0 ;;
    ROLLBACK_SUCCESSFUL | ROLLBACK_FAILED | STOPPED)
      reason=$(field .rollback.reason)
      alarms=$(jq -r '.alarms.triggeredAlarmNames // [] | join(", ")' <<<"$json")
      log "release ${status/ROLLBACK_SUCCESSFUL/ROLLED BACK} at stage ${stage:-unknown}: ${reason:-no rollback reason given}"
      [[ -z "$(field .statusReason)" ]] || log "ECS says: $(field .statusReason)"
      [[ -z "$alarms" ]] || log "alarms that fired: $alarms (CloudWatch console, Alarms)"
      [[ -z "$(field .rollback.serviceRevisionArn)" ]] || log "production runs $(field .rollback.serviceRevisionArn)"
      if [[ "$reason" == *ook* || "$stage" == *TEST_TRAFFIC* ]]; then
        log "the release check's log lines are in the log group ${log_group:-/ecs/$cluster} (streams of the function $cluster-release-check): aws logs tail ${log_group:-/ecs/$cluster} --since 1h"
      fi
      [[ "$status" != ROLLBACK_FAILED ]] \
        || log "ROLLBACK_FAILED: ECS could not restore the previous revision; check the service's events and tasks now"
      die "the release of $service did not go live: $status" ;;
    *)
      ((attempt < attempts)) \
        || die "release ${arn##*/} is still ${status:-unknown} at stage ${stage:-unknown} after $attempts checks; follow it in the ECS console"
      log "release ${arn##*/}: ${status:-unknown}, stage ${stage:-unknown}; checking again in ${delay}s"
      sleep "$delay" ;;
  esac
done
