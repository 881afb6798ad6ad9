#!/usr/bin/env bash
# Refreshes resource-spec-subset.json, the part of AWS's CloudFormation resource
# specification that the spec check (dev.hellostack.cfn.check.SpecValidator) reads.
#
# It installs two pinned npm packages into a temporary directory and keeps only the
# resource types listed in extract-subset.mjs (the ones cfn-gen emits):
#   @aws-cdk/aws-service-spec  current data: properties, types, attributes, required flags
#   @aws-cdk/cfnspec           the older CloudFormation Resource Specification, used as a
#                              cross-check (properties it knows that the current data lacks,
#                              required flags it had that AWS has since relaxed)
# To move to newer data: change the versions below, run this script, review the diff of
# resource-spec-subset.json, run `mvn verify`, commit.
# Needs node 18+ and npm, and access to the npm registry.
set -euo pipefail

SERVICE_SPEC_VERSION=0.1.216
CFNSPEC_VERSION=2.72.1

here="$(cd "$(dirname "$0")" && pwd)"
command -v npm >/dev/null || { echo "error: npm not found; install Node.js 18+ with npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> installing @aws-cdk/aws-service-spec@$SERVICE_SPEC_VERSION and @aws-cdk/cfnspec@$CFNSPEC_VERSION into $work"
(cd "$work" && npm init -y >/dev/null \
  && npm install --no-audit --no-fund --ignore-scripts --legacy-peer-deps \
       "@aws-cdk/aws-service-spec@$SERVICE_SPEC_VERSION" "@aws-cdk/cfnspec@$CFNSPEC_VERSION" >/dev/null)

node "$here/extract-subset.mjs" "$work/node_modules" "$here/resource-spec-subset.json"
