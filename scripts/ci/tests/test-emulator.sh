#!/usr/bin/env bash
# Self-test of aws_emulator.py with the real AWS CLI: moto behind the front server, and the shim's
# ECS ListServiceDeployments / DescribeServiceDeployments (default outcome, a rollback scenario,
# documented errors, reset). Prints one "ok ..." line per check; stops at the first failure.
set -euo pipefail

tests_dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
emulator_pid=
cleanup() {
  if [[ -n "$emulator_pid" ]]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  [[ ! -s "$tmp/emulator.err" ]] || printf -- '--- emulator stderr:\n%s\n' "$(cat "$tmp/emulator.err")" >&2
  exit 1
}
ok() { printf 'ok %s\n' "$*"; }
expect_eq() { [[ "$1" == "$2" ]] || fail "$3: expected [$2], got [$1]"; }

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_REGION

python3 "$tests_dir/aws_emulator.py" --port 0 --state "$tmp/state" --verbose \
  >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emulator_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's|^aws-emulator ready on \(http://127\.0\.0\.1:[0-9]*\)$|\1|p' "$tmp/emulator.out")
  [[ -z "$url" ]] || break
  kill -0 "$emulator_pid" 2>/dev/null || fail "the emulator exited before it was ready"
  sleep 0.2
done
[[ -n "$url" ]] || fail "the emulator printed no ready line in 20s"
ok "emulator ready on $url"

awse() { aws --endpoint-url "$url" "$@"; }
# expect_error CODE COMMAND... : the command fails and its error names CODE.
expect_error() {
  local code=$1 err
  shift
  if err=$("$@" 2>&1 >/dev/null); then fail "$* succeeded; expected $code"; fi
  [[ "$err" == *"($code)"* ]] || fail "$*: expected $code, got: $err"
}

# 1. A Fargate service on the first task definition: one deployment, IN_PROGRESS then SUCCESSFUL.
since=$(date +%s)
awse ecs create-cluster --cluster-name hello >/dev/null
task_def() {
  awse ecs register-task-definition --family hello --requires-compatibilities FARGATE --network-mode awsvpc \
    --cpu 256 --memory 512 --container-definitions "[{\"name\":\"app\",\"image\":\"hello:$1\"}]" \
    --query taskDefinition.taskDefinitionArn --output text
}
td1=$(task_def v1)
td2=$(task_def v2)
# moto checks that the awsvpc subnets and security groups exist in its EC2: its default VPC's do.
subnet=$(awse ec2 describe-subnets --query 'Subnets[0].SubnetId' --output text)
group=$(awse ec2 describe-security-groups --group-names default --query 'SecurityGroups[0].GroupId' --output text)
create_service() {
  awse ecs create-service --cluster hello --service-name web --task-definition "$td1" --desired-count 2 \
    --launch-type FARGATE --network-configuration "awsvpcConfiguration={subnets=[$subnet],securityGroups=[$group]}" >/dev/null
}
create_service
list=$(awse ecs list-service-deployments --cluster hello --service web --created-at "after=$since" --output json)
expect_eq "$(jq '.serviceDeployments | length' <<<"$list")" 1 "deployments after the service's creation"
arn1=$(jq -r '.serviceDeployments[0].serviceDeploymentArn' <<<"$list")
[[ "$arn1" == arn:aws:ecs:us-east-1:123456789012:service-deployment/hello/web/* ]] || fail "deployment ARN $arn1"
ok "list-service-deployments --created-at after=$since lists the new service's deployment"
later=$(awse ecs list-service-deployments --cluster hello --service web --created-at "after=$((since + 3600))" \
  --query 'length(serviceDeployments)')
expect_eq "$later" 0 "deployments created after an hour from now"
ok "the createdAt after filter excludes older deployments"

describe() { awse ecs describe-service-deployments --service-deployment-arns "$@" --output json; }
expect_eq "$(describe "$arn1" | jq -r '.serviceDeployments[0].status')" IN_PROGRESS "first describe"
json=$(describe "$arn1")
expect_eq "$(jq -r '.serviceDeployments[0] | "\(.status) \(.targetServiceRevision.runningTaskCount) \(.finishedAt > 0)"' <<<"$json")" \
  "SUCCESSFUL 2 true" "second describe"
revision1=$(jq -r '.serviceDeployments[0].targetServiceRevision.arn' <<<"$json")
ok "describe-service-deployments walks IN_PROGRESS -> SUCCESSFUL"

# 2. A rollback scenario for the next deployment, then an update to the second task definition.
cat >"$tmp/state/ecs-next-deployment.json" <<'EOF'
{"steps": [{"status": "IN_PROGRESS", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT"},
           {"status": "ROLLBACK_SUCCESSFUL", "lifecycleStage": "BAKE_TIME",
            "rollback": {"reason": "Service deployment rolled back because the alarm fired."},
            "alarms": {"status": "TRIGGERED", "triggeredAlarmNames": ["hello-prod-5xx"]},
            "statusReason": "Alarm hello-prod-5xx is in ALARM."}]}
EOF
awse ecs update-service --cluster hello --service web --task-definition "$td2" \
  --deployment-configuration "strategy=BLUE_GREEN,bakeTimeInMinutes=5" >/dev/null
list=$(awse ecs list-service-deployments --cluster hello --service web --created-at "after=$since" --output json)
expect_eq "$(jq '.serviceDeployments | length' <<<"$list")" 2 "deployments after the update"
arn2=$(jq -r '.serviceDeployments | max_by(.createdAt) | .serviceDeploymentArn' <<<"$list")
[[ "$arn2" != "$arn1" ]] || fail "the newest deployment is still the first one"
[[ ! -e "$tmp/state/ecs-next-deployment.json" ]] || fail "the scenario file was not consumed"
ok "the update started a second deployment, the newest by createdAt"

json=$(describe "$arn2" | jq '.serviceDeployments[0]')
expect_eq "$(jq -r '"\(.status) \(.lifecycleStage) \(.sourceServiceRevisions[0].arn)"' <<<"$json")" \
  "IN_PROGRESS POST_TEST_TRAFFIC_SHIFT $revision1" "first describe of the update"
expect_eq "$(jq -r '"\(.deploymentConfiguration.strategy) \(.deploymentConfiguration.bakeTimeInMinutes)"' <<<"$json")" \
  "BLUE_GREEN 5" "deploymentConfiguration"
for _ in 1 2 3; do
  json=$(describe "$arn2" | jq '.serviceDeployments[0]')
  [[ "$(jq -r .status <<<"$json")" != ROLLBACK_SUCCESSFUL ]] || break
done
expect_eq "$(jq -r '"\(.status) \(.lifecycleStage) \(.alarms.triggeredAlarmNames | join(","))"' <<<"$json")" \
  "ROLLBACK_SUCCESSFUL BAKE_TIME hello-prod-5xx" "rolled-back deployment"
expect_eq "$(jq -r .rollback.reason <<<"$json")" "Service deployment rolled back because the alarm fired." "rollback reason"
expect_eq "$(jq -r .rollback.serviceRevisionArn <<<"$json")" "$revision1" "rollback revision"
ok "describe-service-deployments walks the scenario to ROLLBACK_SUCCESSFUL with its reason and alarms"
expect_eq "$(awse ecs describe-services --cluster hello --services web --query 'services[0].taskDefinition' --output text)" \
  "$td1" "the service's task definition after the rollback"
expect_eq "$(awse ecs list-service-deployments --cluster hello --service web --query 'length(serviceDeployments)')" 2 \
  "deployments after the rollback"
ok "the rollback put the service back on $td1 without a new deployment"

# 3. Documented errors.
mapfile -t many < <(for i in $(seq 1 21); do echo "$arn1-$i"; done)
expect_error InvalidParameterException awse ecs describe-service-deployments --service-deployment-arns "${many[@]}"
ok "21 ARNs: InvalidParameterException"
expect_error ServiceNotFoundException awse ecs list-service-deployments --cluster hello --service nope
ok "unknown service: ServiceNotFoundException"
expect_error ClusterNotFoundException awse ecs list-service-deployments --cluster nope --service web
ok "unknown cluster: ClusterNotFoundException"
expect_eq "$(describe "${arn1%/*}/unknown" | jq -r '"\(.failures[0].reason) \(.serviceDeployments | length)"')" "MISSING 0" \
  "unknown deployment ARN"
ok "unknown deployment ARN: a failure with reason MISSING"

# 4. Reset clears moto and the shim: the same service again has only its new deployment.
curl -fsS -X POST "$url/moto-api/reset" >/dev/null || fail "POST /moto-api/reset failed"
expect_eq "$(awse ecs list-clusters --query 'length(clusterArns)')" 0 "clusters after the reset"
expect_eq "$(describe "$arn2" | jq -r '.failures[0].reason')" MISSING "a deployment from before the reset"
awse ecs create-cluster --cluster-name hello >/dev/null
td1=$(task_def v1)
subnet=$(awse ec2 describe-subnets --query 'Subnets[0].SubnetId' --output text)
group=$(awse ec2 describe-security-groups --group-names default --query 'SecurityGroups[0].GroupId' --output text)
create_service
expect_eq "$(awse ecs list-service-deployments --cluster hello --service web --query 'length(serviceDeployments)')" 1 \
  "deployments of the recreated service"
ok "POST /moto-api/reset clears moto and the shim"

kill -TERM "$emulator_pid"
status=0
wait "$emulator_pid" || status=$?
emulator_pid=
expect_eq "$status" 0 "the emulator's exit status on SIGTERM"
expect_eq "$(wc -l <"$tmp/emulator.out")" 1 "lines on the emulator's stdout"
ok "the emulator exits cleanly on SIGTERM"
