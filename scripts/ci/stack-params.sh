#!/usr/bin/env bash
# Prints the deploy-time parameter values the pipeline passes to one stack of the DEPLOY_ENV
# environment, one Key=Value a line. The templates hold every other value (cfn-gen wrote the
# environment into them), so these are only what is known when the job runs:
#   ImageTag                        <- IMAGE_TAG (the commit SHA)
#   LiveProductionTargetGroup,
#   LiveTestTargetGroup             <- the live listener rules of the alb stack (lib.sh, live_target_groups)
#   any other Name                  <- CFN_PARAM_<Name> (CI/CD variables, such as CFN_PARAM_CertificateArn)
# A parameter without a default in the template (stacks.json: "required") must get a value, or the
# script fails naming the variable to set; CFN_PARAM_<Name> overrides any of the above.
# Needs AWS credentials only for the alb stack (to read the live rules).
#
# usage: stack-params.sh NAME
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

(($# == 1)) || die "usage: stack-params.sh NAME"
name=$1
env_check
stack=$(stack_json "$name")
[[ -n "$stack" ]] || die "no stack '$name' in environment $DEPLOY_ENV (known: $(env_value '[.stacks[].name] | join(", ")'))"

declare -A live=()
if [[ "$name" == "$ALB_STACK" ]]; then
  for kv in $(live_target_groups "$(jq -r .stackName <<<"$stack")"); do
    live[${kv%%=*}]=${kv#*=}
  done
fi

missing=()
while IFS=$'\t' read -r param required description; do
  [[ -n "$param" ]] || continue
  [[ "$param" =~ ^[A-Za-z0-9]+$ ]] || die "stack $name: parameter name '$param' is not alphanumeric"
  override="CFN_PARAM_$param"
  value=""
  if [[ -n "${!override+set}" ]]; then
    value=${!override}
  elif [[ "$param" == "$IMAGE_TAG_PARAMETER" ]]; then
    value=${IMAGE_TAG:-}
  elif [[ -n "${live[$param]:-}" ]]; then
    value=${live[$param]}
  fi
  if [[ -n "$value" ]]; then
    printf '%s=%s\n' "$param" "$value"
  elif [[ "$required" == true && "$param" == "$IMAGE_TAG_PARAMETER" ]]; then
    missing+=("IMAGE_TAG or CI_COMMIT_SHA ($description)")
  elif [[ "$required" == true ]]; then
    missing+=("$override ($description)")
  fi
done < <(jq -r '.parameters[] | [.name, (.required | tostring), .description] | @tsv' <<<"$stack")
if ((${#missing[@]})); then
  die "environment $DEPLOY_ENV, stack $name needs: $(printf '%s; ' "${missing[@]}" | sed 's/; $//') (set them as CI/CD variables scoped to the environment $DEPLOY_ENV; docs/deploying.md)"
fi
