#!/usr/bin/env bash
# Prints the parameter values the pipeline passes to one stack, one Key=Value a line, for the
# parameters that stack declares in templates/stacks.json:
#   AppName  <- APP_NAME, EnvName <- ENV_NAME (or DEPLOY_ENV), ImageTag <- IMAGE_TAG (when set)
#   any Name <- the value the DEPLOY_ENV environment of stacks.json gives it (dev, prod)
#   any Name <- CFN_PARAM_Name (a CI/CD variable, for example CFN_PARAM_MaxCapacity=10), over all of the above
# A parameter the environment lists as required (prod: the alb stack's CertificateArn) must come
# from CFN_PARAM_Name, or the script fails.
# Parameters with no value here keep their current value on an existing stack (what
# "aws cloudformation deploy" does) or take the template's default on a new one.
#
# usage: stack-params.sh NAME
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

(($# == 1)) || die "usage: stack-params.sh NAME"
name=$1
stack_lookup "$name" >/dev/null # fails naming the known stacks when NAME is not one
env_check
mapfile -t required < <(env_value ".required[\"$name\"][]?")
for param in "${required[@]+"${required[@]}"}"; do
  override="CFN_PARAM_$param"
  [[ -n "${!override:-}" ]] || die "environment $DEPLOY_ENV needs $override for stack $name (see docs/deploying.md)"
done

mapfile -t declared < <(jq -r --arg name "$name" \
  '.stacks[] | select(.name == $name) | (.parameters // [])[] | .name' "$STACKS_FILE")

for param in "${declared[@]+"${declared[@]}"}"; do
  [[ "$param" =~ ^[A-Za-z0-9]+$ ]] || die "stack $name: parameter name '$param' is not alphanumeric"
  override="CFN_PARAM_$param"
  value=""
  env_set=$(env_value ".parameters[\"$name\"] | has(\"$param\") // false")
  if [[ -n "${!override+set}" ]]; then
    value=${!override}
  elif [[ "$env_set" == true ]]; then
    value=$(env_value ".parameters[\"$name\"][\"$param\"]")
  elif [[ "$param" == AppName ]]; then
    value=${APP_NAME:-}
  elif [[ "$param" == EnvName ]]; then
    value=${ENV_NAME:-}
  elif [[ "$param" == "$IMAGE_TAG_PARAMETER" ]]; then
    value=${IMAGE_TAG:-}
  fi
  if [[ -n "$value" || -n "${!override+set}" || "$env_set" == true ]]; then
    printf '%s=%s\n' "$param" "$value"
  fi
done
