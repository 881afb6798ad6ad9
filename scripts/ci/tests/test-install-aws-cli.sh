#!/usr/bin/env bash
# Tests of scripts/ci/install-aws-cli.sh with real curl, unzip and gpg. AWS's installer cannot be
# downloaded here, so a local HTTP server serves a stand-in installer zip (its aws/install writes an
# `aws` that reports the version, as `aws --version` does: "aws-cli/2.36.7 Python/3.13.11 ...")
# signed by a throwaway key. What is tested is the refusal: a zip that is not exactly what a key
# with the pinned fingerprint signed is never installed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../../.." && pwd)
script=$repo/scripts/ci/install-aws-cli.sh
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -z "$server_pid" ]] || kill "$server_pid" 2>/dev/null || true
  for home in "$work"/gnupg-*; do gpgconf --homedir "$home" --kill gpg-agent 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
version=2.36.7

# Two throwaway signing keys: "test" (trusted by the tests that set AWS_CLI_SIGNING_KEY) and
# "other" (never trusted).
keys() { gpg --homedir "$work/gnupg-$1" --batch --quiet "${@:2}"; }
for name in test other; do
  mkdir -m 700 "$work/gnupg-$name"
  keys "$name" --passphrase '' --quick-gen-key "$name <$name@example.invalid>" ed25519 sign never
  keys "$name" --armor --export >"$work/$name-key.asc"
done
test_fingerprint=$(keys test --with-colons --fingerprint | awk -F: '$1 == "fpr" {print $10; exit}')

# installer VERSION_REPORTED : the stand-in installer zip, on stdout.
installer() {
  local dir
  dir=$(mktemp -d)
  mkdir "$dir/aws"
  cat >"$dir/aws/install" <<EOF
#!/usr/bin/env bash
# Arguments as AWS's installer takes them: --install-dir DIR --bin-dir DIR [--update]
set -eu
install_dir=\$2 bin_dir=\$4
mkdir -p "\$install_dir/v2/$1/bin" "\$bin_dir"
printf '#!/bin/sh\necho "aws-cli/$1 Python/3.13.11 Linux/6.1 exe/x86_64.debian.12"\n' >"\$install_dir/v2/$1/bin/aws"
chmod +x "\$install_dir/v2/$1/bin/aws"
ln -sfn "\$install_dir/v2/$1" "\$install_dir/v2/current"
ln -sf "\$install_dir/v2/current/bin/aws" "\$bin_dir/aws"
echo "\$*" >>"$work/install.log"
EOF
  chmod +x "$dir/aws/install"
  (cd "$dir" && zip -q -r - aws)
  rm -rf "$dir"
}

# publish KEY [VERSION_REPORTED] : serves an installer for $version signed with KEY.
publish() {
  local zip=$work/www/awscli-exe-linux-x86_64-$version.zip
  rm -rf "$work/www"
  mkdir -p "$work/www"
  installer "${2:-$version}" >"$zip"
  keys "$1" --detach-sign --output "$zip.sig" "$zip"
}

mkdir -p "$work/www"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 0 >"$work/http.out" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  port=$(sed -n 's|.*port \([0-9]*\).*|\1|p' "$work/http.out" | head -n1)
  [[ -z "$port" ]] || break
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$work/http.out"; echo "the HTTP server did not start"; exit 1; }
export AWS_CLI_DOWNLOAD_URL=http://127.0.0.1:$port

failed=0 count=0
# check NAME EXPECTED_STATUS EXPECTED_TEXT [ENV=VALUE]... : a fresh install directory each time,
# unless KEEP=1.
check() {
  local status=0 output
  count=$((count + 1))
  [[ "${KEEP:-}" == 1 ]] || rm -rf "$work/install" "$work/install.log"
  output=$(env AWS_CLI_INSTALL_DIR="$work/install/aws-cli" AWS_CLI_BIN_DIR="$work/install/bin" "${@:4}" \
    "$script" 2>&1) || status=$?
  if [[ "$status" == "$2" && "$output" == *"$3"* ]]; then
    printf 'ok   %s\n' "$1"
  else
    printf 'FAIL %s: exit status %s (expected %s), expected [%s] in:\n%s\n' "$1" "$status" "$2" "$3" "$output"
    failed=$((failed + 1))
  fi
}
installed() { [[ -x "$work/install/bin/aws" ]]; }
expect_nothing_installed() {
  if installed; then
    printf 'FAIL %s: an aws was installed\n' "$1"
    failed=$((failed + 1))
  fi
}
trusted=(AWS_CLI_SIGNING_KEY="$work/test-key.asc" AWS_CLI_SIGNING_FINGERPRINT="$test_fingerprint")

publish test
check "installs what the trusted key signed" 0 "AWS CLI $version installed" "${trusted[@]}"
[[ $("$work/install/bin/aws" --version) == "aws-cli/$version "* ]] || { echo "FAIL: aws --version"; failed=$((failed + 1)); }
KEEP=1 check "a second run keeps the installed version" 0 "AWS CLI $version is already installed" "${trusted[@]}"

check "refuses an installer the vendored AWS key did not sign" 1 "not signed by the AWS CLI key FB5DB77FD5C118B80511ADA8A6310ACC4672475C; refusing"
expect_nothing_installed "vendored key"

check "refuses a good signature from a key with another fingerprint" 1 "refusing to install" \
  AWS_CLI_SIGNING_KEY="$work/test-key.asc"
expect_nothing_installed "fingerprint pin"

publish other
check "refuses a signature by a key it does not hold" 1 "refusing to install" "${trusted[@]}"
expect_nothing_installed "unknown key"

publish test
printf 'x' >>"$work/www/awscli-exe-linux-x86_64-$version.zip"
check "refuses an installer changed after signing" 1 "BAD signature" "${trusted[@]}"
expect_nothing_installed "changed zip"

publish test 2.9.19
check "reports an installer that installs another version" 1 "reports \"2.9.19\"" "${trusted[@]}"

check "names a release it cannot download" 1 "could not download $AWS_CLI_DOWNLOAD_URL/awscli-exe-linux-x86_64-2.99.0.zip" \
  "${trusted[@]}" AWS_CLI_VERSION=2.99.0
check "rejects a version that is not 2.x.y" 1 'invalid AWS CLI version "1.45.0": expected 2.<minor>.<patch>' \
  AWS_CLI_VERSION=1.45.0

printf '%d tests, %d failed\n' "$count" "$failed"
((failed == 0))
