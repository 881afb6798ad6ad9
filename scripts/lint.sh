#!/usr/bin/env bash
# Lints with the field's tools: yamllint (.yamllint) on .gitlab-ci.yml and every template; shellcheck on
# the shell scripts; cfn-lint (scripts/cfn-lint.sh, the pinned version, .cfnlintrc) and cfn-guard
# (scripts/guard.py: the AWS Control Tower proactive controls and our rules) on every template; and the
# AWS CLI commands that scripts, pipeline and docs call, against the pinned AWS CLI v2 release
# (scripts/ci/aws-cli/check-commands.py). scripts/install-deps.sh installs the tools.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in yamllint shellcheck cfn-lint python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "error: ${missing[*]} not found; install them with scripts/install-deps.sh" >&2
  exit 1
fi

shopt -s nullglob globstar
yaml_files=(.gitlab-ci.yml templates/**/*.yaml)
shell_files=(scripts/**/*.sh scripts/ci/tests/fakes/* cfn-gen/release-check/*.sh bench/*.sh .ci/run)
# Everything that tells someone to run an AWS CLI command. (test-cli-commands.sh holds wrong ones on
# purpose.)
cli_files=(.gitlab-ci.yml README.md docs/*.md cfn-gen/README.md)
for file in scripts/**/*.sh; do
  [[ "$file" == scripts/ci/tests/test-cli-commands.sh ]] || cli_files+=("$file")
done

echo "==> yamllint ${#yaml_files[@]} files"
yamllint --strict "${yaml_files[@]}"
echo "==> shellcheck ${#shell_files[@]} scripts"
shellcheck --external-sources "${shell_files[@]}"
scripts/cfn-lint.sh
echo "==> cfn-guard"
scripts/guard.py
echo "==> AWS CLI commands in ${#cli_files[@]} files"
scripts/ci/aws-cli/check-commands.py "${cli_files[@]}"
