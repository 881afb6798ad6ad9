#!/usr/bin/env bash
# Lints the repository's YAML (yamllint with .yamllint: .gitlab-ci.yml, templates/*.yaml), shell
# scripts (shellcheck: scripts/**/*.sh, the scripts/ci test fakes, bench/*.sh, .ci/run) and
# CloudFormation templates (scripts/cfn-lint.sh: the pinned cfn-lint with .cfnlintrc); then runs
# the tests in scripts/tests/test-*.sh (cfn-lint silences, install-deps.sh, the release check).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in yamllint shellcheck cfn-lint; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "error: ${missing[*]} not found; install them with scripts/install-deps.sh" >&2
  exit 1
fi

shopt -s nullglob globstar
yaml_files=(.gitlab-ci.yml templates/*.yaml)
shell_files=(scripts/**/*.sh scripts/ci/tests/fakes/* bench/*.sh .ci/run)

echo "==> yamllint ${yaml_files[*]}"
yamllint --strict "${yaml_files[@]}"
echo "==> shellcheck ${#shell_files[@]} scripts"
shellcheck --external-sources "${shell_files[@]}"
scripts/cfn-lint.sh
for test in scripts/tests/test-*.sh; do
  echo "==> $test"
  "$test"
done
