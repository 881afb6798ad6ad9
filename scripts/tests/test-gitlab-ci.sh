#!/usr/bin/env bash
# Runs the tests of .gitlab-ci.yml (scripts/tests/gitlab_ci_test.py) with gitlab-ci-local, which
# scripts/install-deps.sh installs (npm ci in scripts/tests/node). Needs python3 with PyYAML
# (cfn-lint brings it) and git.
set -euo pipefail
cd "$(dirname "$0")"
exec python3 -m unittest -v gitlab_ci_test 2>&1
