#!/usr/bin/env bash
# Checks of the documentation:
#   every relative link and anchor in every Markdown file resolves: remark with remark-validate-links
#     (pinned in scripts/tests/node; headings get GitHub's anchors), first shown to fail on a broken one;
#   README.md stays short (12 KiB at most: reference goes to docs/);
#   .ci/run runs exactly the README's test command (Quick start, step 4).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
modules=$repo/scripts/tests/node/node_modules
[[ -x "$modules/.bin/remark" ]] || { echo "error: remark is missing: run scripts/install-deps.sh" >&2; exit 1; }
export PATH="$modules/.bin:$PATH" # its Node.js 22
failed=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; failed=1; }

links() { # DIR : remark's findings on every Markdown file under DIR; exit status 1 on any
  (cd "$1" && remark --quiet --frail --no-stdout --no-config --no-color \
    --use "$modules/remark-validate-links/index.js=repository:false" \
    --ignore-pattern '**/node_modules/**' --ignore-pattern '**/target/**' . 2>&1)
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/docs"
printf '# Top\n\n## A part\n\n[fine](#a-part) [fine too](docs/b.md#b) [gone](docs/none.md) [no such part](#nowhere)\n' >"$work/README.md"
printf '# B\n' >"$work/docs/b.md"
if out=$(links "$work"); then
  fail "remark passes broken links: $out"
elif [[ "$out" == *"docs/none.md"* && "$out" == *"#nowhere"* && "$out" != *"#a-part"* && "$out" != *"b.md#b"* ]]; then
  ok "remark finds a broken file link and a broken anchor, and only those"
else
  fail "remark's findings on the fixture: $out"
fi

if out=$(links "$repo"); then
  ok "every relative link and anchor in the repository's Markdown resolves"
else
  fail "broken links:"$'\n'"$out"
fi

size=$(wc -c <"$repo/README.md")
if ((size <= 12 * 1024)); then ok "README.md is $size bytes (at most 12 KiB)"; else fail "README.md is $size bytes; keep it at most 12 KiB and move reference to docs/"; fi

# The first command line after "# 4. " in the README's Quick start.
command=$(sed -n '/^# 4\. /,/^```/p' "$repo/README.md" | grep -v '^#' | grep -v '^```' | grep -m1 .)
if grep -qxF -- "$command" "$repo/.ci/run"; then
  ok ".ci/run runs the README's test command: $command"
else
  fail ".ci/run does not run the README's step 4 command: $command"
fi
exit "$failed"
