#!/usr/bin/env bash
# Tests of the cfn-lint part of scripts/install-deps.sh, with a PATH that holds only the tools it
# uses and a stand-in python3 whose pip answers as the real one does: installed (it then puts a
# cfn-lint on PATH) or an unreachable index, where pip 23/24 prints (src/pip/_internal/resolution/
# resolvelib/factory.py) "ERROR: Could not find a version that satisfies the requirement
# cfn-lint==1.51.0 (from versions: none)" and "ERROR: No matching distribution found for
# cfn-lint==1.51.0", exit status 1. The Debian packages must be installed already (they are
# wherever scripts/lint.sh runs). scripts/lint.sh runs it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/bin
mkdir -p "$bin"
for tool in bash dirname dpkg-query grep id cat; do
  ln -s "$(command -v "$tool")" "$bin/$tool"
done

# The stand-in python3: logs its arguments; FAKE_PIP=ok installs cfn-lint into $bin.
cat >"$work/python3" <<'PY'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_LOG"
if [[ "$1 $2 $3" == "-m pip install" ]]; then
  if [[ "$FAKE_PIP" == ok ]]; then
    printf '#!/usr/bin/env bash\necho "cfn-lint 1.51.0"\n' >"$FAKE_BIN/cfn-lint"
    chmod +x "$FAKE_BIN/cfn-lint"
    exit 0
  fi
  echo "ERROR: Could not find a version that satisfies the requirement cfn-lint==1.51.0 (from versions: none)" >&2
  echo "ERROR: No matching distribution found for cfn-lint==1.51.0" >&2
  exit 1
fi
echo "fake python3: unexpected $*" >&2
exit 98
PY
chmod +x "$work/python3"
export FAKE_LOG=$work/python.log FAKE_BIN=$bin

failed=0 count=0
# check NAME EXPECTED_STATUS EXPECTED_TEXT : runs install-deps.sh with PATH=$bin.
check() {
  local status=0 output
  count=$((count + 1))
  output=$(PATH=$bin "$repo/scripts/install-deps.sh" 2>&1) || status=$?
  if [[ "$status" == "$2" && "$output" == *"$3"* ]]; then
    printf 'ok   %s\n' "$1"
  else
    printf 'FAIL %s: exit status %s (expected %s), expected [%s] in:\n%s\n' "$1" "$status" "$2" "$3" "$output"
    failed=$((failed + 1))
  fi
}

check missing_python_is_named 1 "cfn-lint is missing and so is python3 to install it"

ln -s "$work/python3" "$bin/python3"
FAKE_PIP=fail check unreachable_index_says_what_to_do 1 "PIP_INDEX_URL=https://<mirror>/simple"
FAKE_PIP=fail check pip_message_is_shown 1 "No matching distribution found for cfn-lint==1.51.0"
FAKE_PIP=fail check offline_wheels_are_explained 1 "pip install --no-index --find-links wheels cfn-lint==1.51.0"

: >"$FAKE_LOG"
FAKE_PIP=ok check missing_cfn_lint_is_installed_from_the_pin 0 "==> pip install cfn-lint==1.51.0"
count=$((count + 1))
if [[ "$(cat "$FAKE_LOG")" == "-m pip install --disable-pip-version-check --quiet -r scripts/requirements-cfn-lint.txt" ]]; then
  printf 'ok   %s\n' pip_installs_from_the_requirements_file
else
  printf 'FAIL %s: python3 was called with: %s\n' pip_installs_from_the_requirements_file "$(cat "$FAKE_LOG")"
  failed=$((failed + 1))
fi

: >"$FAKE_LOG"
FAKE_PIP=fail check present_cfn_lint_is_left_alone 0 ""
count=$((count + 1))
if [[ ! -s "$FAKE_LOG" ]]; then
  printf 'ok   %s\n' pip_is_not_called_when_cfn_lint_is_present
else
  printf 'FAIL %s: python3 was called with: %s\n' pip_is_not_called_when_cfn_lint_is_present "$(cat "$FAKE_LOG")"
  failed=$((failed + 1))
fi

printf '%d tests, %d failed\n' "$count" "$failed"
((failed == 0))
