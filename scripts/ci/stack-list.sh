#!/usr/bin/env bash
# Prints the stacks of the DEPLOY_ENV environment of templates/stacks.json (written by cfn-gen) in
# deploy order, one line each:
#
#   name stackName template capabilities
#
# capabilities are comma-separated, or "-" when the stack needs none.
#
# usage: stack-list.sh [--all] [--only NAME]... [--except NAME]...
#   --all          include the stacks an administrator deploys (the image repository, gitlab-oidc)
#   --only NAME    only this stack (repeatable)
#   --except NAME  all but this stack (repeatable)
# Environment: DEPLOY_ENV, STACKS_FILE (default templates/stacks.json).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

all=false
only=()
except=()
while (($#)); do
  case $1 in
    --all) all=true; shift ;;
    --only | --except)
      (($# >= 2)) || die "$1 needs a stack name"
      if [[ $1 == --only ]]; then only+=("$2"); else except+=("$2"); fi
      shift 2 ;;
    *) die "unknown argument '$1'; allowed: --all, --only NAME, --except NAME" ;;
  esac
done

[[ -f "$STACKS_FILE" ]] || die "$STACKS_FILE not found (run the build: cfn-gen writes it next to the templates)"
env_check

list_json() { printf '%s\n' "$@" | jq -R . | jq -sc 'map(select(. != ""))'; }
# shellcheck disable=SC2016 # $names etc. are jq variables, not shell ones
program='
.environments[] | select(.name == $env) | .stacks as $stacks
| ($stacks | map(.name)) as $names
| ($only + $except | map(select(. as $n | $names | index($n) | not))) as $unknown
| if ($unknown | length) > 0
  then error("unknown stack(s) \($unknown | join(", ")); known: \($names | join(", "))") else . end
| $stacks[]
| select($all or .deployedBy == "pipeline")
| select(.name as $n | ($only | length) == 0 or ($only | index($n)))
| select(.name as $n | $except | index($n) | not)
| "\(.name) \(.stackName) \(.template) \(if (.capabilities | length) == 0 then "-" else .capabilities | join(",") end)"
'
if ! out=$(jq -r --arg env "$DEPLOY_ENV" --argjson all "$all" \
  --argjson only "$(list_json ${only[@]+"${only[@]}"})" --argjson except "$(list_json ${except[@]+"${except[@]}"})" \
  "$program" "$STACKS_FILE" 2>&1); then
  die "$STACKS_FILE: ${out#jq: error (at *): }"
fi
[[ -n "$out" ]] || die "no stacks selected from $STACKS_FILE"
printf '%s\n' "$out"
