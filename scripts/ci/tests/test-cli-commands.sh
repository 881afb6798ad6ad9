#!/usr/bin/env bash
# Tests of scripts/ci/aws-cli/check-commands.py: it reports what the pinned AWS CLI v2 lacks, with
# file and line, and lets real commands, waiters and wrapped calls through.
set -euo pipefail
check=$(cd "$(dirname "$0")/.." && pwd)/aws-cli/check-commands.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

cat >"$work/good.sh" <<'SH'
aws_cli --region us-east-1 cloudformation describe-stacks --stack-name x
aws ecs list-service-deployments --cluster c \
  --service s
aws cloudformation wait stack-delete-complete --stack-name x
aws_cli cloudformation wait "$waiter" --stack-name x
echo "create it in the aws console"
SH
cat >"$work/bad.sh" <<'SH'
aws_cli ecs list-service-deployment --cluster c
aws --endpoint-url "$AWS_ENDPOINT_URL" \
  cloudformation describe-stack --stack-name x
aws cloudformation wait stack-done --stack-name x
aws elb describe-rules
SH

if out=$("$check" "$work/good.sh" 2>&1); then
  echo "ok   accepts commands, waiters and wrapped calls"
else
  echo "FAIL good.sh: $out"
  failed=1
fi

status=0
out=$("$check" "$work/bad.sh" 2>&1) || status=$?
expected="$work/bad.sh:1: aws ecs list-service-deployment: not a command of AWS CLI 2.36.7
$work/bad.sh:2: aws cloudformation describe-stack: not a command of AWS CLI 2.36.7
$work/bad.sh:4: aws cloudformation wait stack-done: not a command of AWS CLI 2.36.7
$work/bad.sh:5: aws elb describe-rules: commands.txt has no commands of elb; add it to SERVICES in extract-commands.py and run that again"
if [[ $status == 1 && "$out" == "$expected" ]]; then
  echo "ok   reports unknown commands and waiters with their lines"
else
  printf 'FAIL bad.sh: exit status %s, output:\n%s\nexpected:\n%s\n' "$status" "$out" "$expected"
  failed=1
fi
exit "$failed"
