#!/usr/bin/env bash
# Tests of scripts/cfn-lint.sh with the real cfn-lint (the pinned version) on small templates in a
# temporary directory: a finding fails, a silence with its reason passes, a stale silence, a
# silence without a reason and another cfn-lint version fail. scripts/lint.sh runs it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir templates
cp "$repo/scripts/requirements.txt" requirements.txt
export CFN_LINT_REQUIREMENTS=$work/requirements.txt

# A log group without DeletionPolicy and UpdateReplacePolicy: informational finding I3011 only.
cat >templates/logs.yaml <<'YAML'
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
YAML
# The same group with both policies: no finding.
cat >templates/kept.yaml <<'YAML'
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      RetentionInDays: 30
YAML

config() { printf 'include_checks:\n  - I\n%s\n' "$1" >.cfnlintrc; }

failed=0 count=0
# check NAME EXPECTED_STATUS EXPECTED_TEXT TEMPLATE : runs scripts/cfn-lint.sh on TEMPLATE.
check() {
  local status=0 output
  count=$((count + 1))
  output=$("$repo/scripts/cfn-lint.sh" "templates/$4" 2>&1) || status=$?
  if [[ "$status" == "$2" && "$output" == *"$3"* ]]; then
    printf 'ok   %s\n' "$1"
  else
    printf 'FAIL %s: exit status %s (expected %s), expected [%s] in:\n%s\n' "$1" "$status" "$2" "$3" "$output"
    failed=$((failed + 1))
  fi
}

config 'ignore_checks: []'
check informational_finding_fails 1 "I3011" logs.yaml
check clean_template_passes 0 "==> cfn-lint" kept.yaml

config $'ignore_checks:\n  - I3011  # the group is a scratch space, nothing in it is worth keeping'
check silence_with_reason_passes 0 "silences still needed: I3011" logs.yaml
check stale_silence_fails 1 "stale silence in .cfnlintrc: I3011 no longer reports anything" kept.yaml

config $'ignore_checks:\n  - I3011'
check silence_without_reason_fails 1 ".cfnlintrc:4: a silence is one rule id and its reason" logs.yaml

config 'ignore_checks: [I3011]'
check inline_silence_list_fails 1 ".cfnlintrc:3: write ignore_checks as a block list" logs.yaml

config 'ignore_checks: []'
sed -i 's/^cfn-lint==.*/cfn-lint==1.50.0/' requirements.txt
check other_version_is_refused 1 "this repository pins cfn-lint 1.50.0" kept.yaml
printf 'cfn-lint>=1,<2\n' >requirements.txt
check version_range_is_refused 1 "must pin one exact version: cfn-lint==X.Y.Z" kept.yaml

printf '%d tests, %d failed\n' "$count" "$failed"
((failed == 0))
