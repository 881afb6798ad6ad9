#!/usr/bin/env bash
# Runs every test: the Maven build (unit, integration, template checks, pipeline
# tests), shellcheck and yamllint, then the container test (podman, as root). Installs what the tests need on a
# fresh Debian machine when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "==> mvn -B verify"
mvn -B -ntp verify

echo "==> scripts/lint.sh"
scripts/lint.sh

echo "==> scripts/container-test.sh"
scripts/container-test.sh
