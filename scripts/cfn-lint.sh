#!/usr/bin/env bash
# Lints the CloudFormation templates with cfn-lint, the version pinned in
# scripts/requirements.txt, configured by .cfnlintrc: errors, warnings and informational
# findings all fail. Then checks the silences in .cfnlintrc (ignore_checks): each one names one rule
# with its reason in a comment on the same line, and each rule still reports something on the
# templates when it is not silenced (a stale silence fails).
#
# usage: scripts/cfn-lint.sh [TEMPLATE]...   (default: templates/*.yaml and templates/*/*.yaml)
# Environment: CFN_LINT_CONFIG (default .cfnlintrc), CFN_LINT_REQUIREMENTS (default
# scripts/requirements.txt); both relative to the current directory.
set -euo pipefail

config=${CFN_LINT_CONFIG:-.cfnlintrc}
requirements=${CFN_LINT_REQUIREMENTS:-$(dirname "$0")/requirements.txt}
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

pinned=$(sed -n 's/^cfn-lint==\([0-9][0-9.]*\)$/\1/p' "$requirements")
[[ -n "$pinned" ]] || die "$requirements must pin one exact version: cfn-lint==X.Y.Z"
command -v cfn-lint >/dev/null \
  || die "cfn-lint not found; install it with: pip install -r $requirements (scripts/install-deps.sh does)"
installed=$(cfn-lint --version)
[[ "$installed" == "cfn-lint $pinned" ]] \
  || die "found $installed, this repository pins cfn-lint $pinned; install it with: pip install -r $requirements"
[[ -f "$config" ]] || die "$config not found"

if (($#)); then
  templates=("$@")
else
  shopt -s nullglob
  templates=(templates/*.yaml templates/*/*.yaml)
  ((${#templates[@]})) || die "no templates in templates/ (cfn-gen writes them)"
fi

# The silences: "- RULE  # reason" lines of the ignore_checks block.
silenced=()
in_block=false
line_no=0
while IFS= read -r line || [[ -n "$line" ]]; do
  line_no=$((line_no + 1))
  if [[ "$line" =~ ^ignore_checks:[[:space:]]*(.*)$ ]]; then
    rest=${BASH_REMATCH[1]%%#*}
    rest=${rest//[[:space:]]/}
    [[ -z "$rest" || "$rest" == "[]" ]] \
      || die "$config:$line_no: write ignore_checks as a block list, one rule per line with its reason"
    in_block=true
    continue
  fi
  [[ "$in_block" == true ]] || continue
  [[ "$line" =~ ^[[:space:]]*(#.*)?$ ]] && continue
  [[ "$line" =~ ^[[:space:]] ]] || { in_block=false; continue; }
  if [[ "$line" =~ ^[[:space:]]+-[[:space:]]+([A-Z][0-9]+)[[:space:]]+#[[:space:]]*(.*[^[:space:]].*)$ ]] \
    && ((${#BASH_REMATCH[2]} >= 10)); then
    silenced+=("${BASH_REMATCH[1]}")
  else
    die "$config:$line_no: a silence is one rule id and its reason, like: - I3011  # why it cannot pass (got: $line)"
  fi
done <"$config"

echo "==> cfn-lint $pinned (config $config) on ${templates[*]}"
status=0
cfn-lint --config-file "$config" -- "${templates[@]}" || status=$?
((status == 0)) || die "cfn-lint reported findings (exit status $status): fix them in the generator, or silence an informational rule with its reason in $config"

if ((${#silenced[@]})); then
  # Without the configuration: every rule, informational ones included, nothing ignored.
  status=0
  findings=$(cfn-lint --config-file /dev/null --include-checks I --format parseable -- "${templates[@]}") \
    || status=$?
  ((status != 1 && status < 32)) || die "cfn-lint failed without the configuration (exit status $status): $findings"
  for rule in "${silenced[@]}"; do
    grep -q ":$rule:" <<<"$findings" \
      || die "stale silence in $config: $rule no longer reports anything on ${templates[*]}; remove it"
  done
  echo "==> silences still needed: ${silenced[*]}"
fi
