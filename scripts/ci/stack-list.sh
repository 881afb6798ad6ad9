#!/usr/bin/env bash
# Prints the stacks of templates/stacks.json (written by cfn-gen) in deploy order, one line each:
#
#   name stackName template capabilities
#
# stackName has ${AppName} and ${EnvName} replaced by APP_NAME and ENV_NAME, or by the defaults of
# the stack's AppName and EnvName parameters when those variables are unset; capabilities are
# comma-separated, or "-" when the stack needs none.
#
# usage: stack-list.sh [--all] [--only NAME]... [--except NAME]...
#   --all          include the stacks an administrator deploys by hand (gitlab-oidc)
#   --only NAME    only this stack (repeatable)
#   --except NAME  all but this stack (repeatable)
# Environment: STACKS_FILE (default templates/stacks.json), APP_NAME, ENV_NAME.
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

only_json=$(printf '%s\n' "${only[@]+"${only[@]}"}" | jq -R . | jq -sc 'map(select(. != ""))')
except_json=$(printf '%s\n' "${except[@]+"${except[@]}"}" | jq -R . | jq -sc 'map(select(. != ""))')

# shellcheck disable=SC2016 # $names etc. are jq variables, not shell ones
program='
def fail($msg): error("\($file): \($msg)");
def default_of($stack; $param):
  [($stack.parameters // [])[] | select(.name == $param) | .default // ""][0] // "";
def text($stack; $key):
  if ($stack[$key] | type) == "string" and $stack[$key] != "" then $stack[$key]
  else fail("stack \($stack.name // "?"): key \"\($key)\" must be a non-empty string") end;

if (.stacks | type) != "array" then fail("key \"stacks\" must be a list of stacks") else . end
| .stacks as $stacks
| ($stacks | map(.name)) as $names
| ($only + $except | map(select(. as $n | $names | index($n) | not))) as $unknown
| if ($unknown | length) > 0
  then fail("unknown stack(s) \($unknown | join(", ")); known: \($names | join(", "))") else . end
| $stacks[]
| . as $s
| text($s; "name") as $name
| text($s; "template") as $template
| text($s; "stackName") as $pattern
| text($s; "deployedBy") as $by
| if ($by | IN("pipeline", "administrator") | not)
  then fail("stack \($name): deployedBy is \"\($by)\"; allowed: pipeline, administrator") else . end
| select($all or $by == "pipeline")
| select(($only | length) == 0 or ($only | index($name)))
| select($except | index($name) | not)
| (if $app != "" then $app else default_of($s; "AppName") end) as $appName
| (if $env != "" then $env else default_of($s; "EnvName") end) as $envName
| ($pattern | gsub("\\$\\{AppName\\}"; $appName) | gsub("\\$\\{EnvName\\}"; $envName)) as $stackName
| if ($stackName | test("^[A-Za-z][A-Za-z0-9-]{0,127}$") | not)
  then fail("stack \($name): stack name \"\($pattern)\" becomes \"\($stackName)\", which CloudFormation rejects (letters, digits and -, starting with a letter; check APP_NAME and ENV_NAME)")
  else . end
| ((.capabilities // []) | if length == 0 then "-" else join(",") end) as $caps
| "\($name) \($stackName) \($template) \($caps)"
'
if ! out=$(jq -r \
  --arg file "$STACKS_FILE" \
  --arg app "${APP_NAME:-}" \
  --arg env "${ENV_NAME:-}" \
  --argjson all "$all" \
  --argjson only "$only_json" \
  --argjson except "$except_json" \
  "$program" "$STACKS_FILE" 2>&1); then
  die "${out#jq: error (at *): }"
fi
[[ -n "$out" ]] || die "no stacks selected from $STACKS_FILE"
printf '%s\n' "$out"
