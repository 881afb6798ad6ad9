#!/usr/bin/env bash
# Prints the service's URL: the service stack's ServiceUrl output, else the load balancer stack's
# LoadBalancerUrl output (see lib.sh for the names). Uses the AWS credentials in the environment.
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

aws_region_setup
env_check
for stack in "$SERVICE_STACK" "$ALB_STACK"; do
  stack_name=$(stack_name_of "$stack")
  for key in $SERVICE_URL_OUTPUTS; do
    url=$(stack_output "$stack_name" "$key")
    if [[ -n "$url" ]]; then
      printf '%s\n' "$url"
      exit 0
    fi
  done
done
die "no output named one of ($SERVICE_URL_OUTPUTS) in stacks $SERVICE_STACK and $ALB_STACK"
