#!/usr/bin/env bash
# Installs AWS CLI v2 at one pinned version into /usr/local/bin (the AWS jobs of .gitlab-ci.yml run
# it), after checking the installer's signature against the AWS CLI Team's key vendored in
# scripts/ci/aws-cli/signing-key.asc. Distribution packages are too old: Debian 12's awscli is
# 2.9.19, and `aws ecs list-service-deployments` (release-wait.sh) first shipped in 2.18.18.
#
#   scripts/ci/install-aws-cli.sh [VERSION]     (default: AWS_CLI_VERSION, else the pin below)
#
# Needs curl, unzip and gpg. The steps are the ones on "Installing or updating to the latest version
# of the AWS CLI" (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html,
# "Linux", "(Optional) Verifying the integrity of your downloaded zip file"): download
# awscli-exe-linux-<arch>-<version>.zip and its .sig, `gpg --verify`, `./aws/install`.
# Environment: AWS_CLI_DOWNLOAD_URL (default https://awscli.amazonaws.com; a mirror holding the
# same file names), AWS_CLI_INSTALL_DIR and AWS_CLI_BIN_DIR (the installer's -i and -b; defaults
# /usr/local/aws-cli and /usr/local/bin). AWS_CLI_SIGNING_KEY and AWS_CLI_SIGNING_FINGERPRINT
# replace the vendored key and its fingerprint; only the tests set them.
set -euo pipefail

# The commands the scripts call are checked against this release's command list
# (scripts/ci/aws-cli/commands.txt, written by extract-commands.py from the aws/aws-cli tag).
readonly PINNED_VERSION=2.36.7
readonly AWS_FINGERPRINT=FB5DB77FD5C118B80511ADA8A6310ACC4672475C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=${1:-${AWS_CLI_VERSION:-$PINNED_VERSION}}
base_url=${AWS_CLI_DOWNLOAD_URL:-https://awscli.amazonaws.com}
install_dir=${AWS_CLI_INSTALL_DIR:-/usr/local/aws-cli}
bin_dir=${AWS_CLI_BIN_DIR:-/usr/local/bin}
key_file=${AWS_CLI_SIGNING_KEY:-$here/aws-cli/signing-key.asc}
fingerprint=${AWS_CLI_SIGNING_FINGERPRINT:-$AWS_FINGERPRINT}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

[[ "$version" =~ ^2\.[0-9]+\.[0-9]+$ ]] || die "invalid AWS CLI version \"$version\": expected 2.<minor>.<patch>, for example $PINNED_VERSION"
for tool in curl unzip gpg; do
  command -v "$tool" >/dev/null || die "$tool is needed to install the AWS CLI (Debian: apt-get install curl unzip gpg)"
done

installed_version() { # prints the version "$bin_dir/aws --version" reports, or nothing
  [[ -x "$bin_dir/aws" ]] || return 0
  "$bin_dir/aws" --version 2>&1 | sed -n 's|^aws-cli/\([^ ]*\) .*|\1|p'
}
if [[ $(installed_version) == "$version" ]]; then
  echo "==> AWS CLI $version is already installed in $bin_dir"
  exit 0
fi

case $(uname -m) in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) die "no AWS CLI v2 Linux installer for machine type $(uname -m) (there are x86_64 and aarch64)" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zip_name=awscli-exe-linux-$arch-$version.zip
echo "==> downloading $base_url/$zip_name and its signature"
for file in "$zip_name" "$zip_name.sig"; do
  curl --fail --silent --show-error --location --retry 3 -o "$work/$file" "$base_url/$file" ||
    die "could not download $base_url/$file (is $version an AWS CLI release? the list is https://raw.githubusercontent.com/aws/aws-cli/v2/CHANGELOG.rst)"
done

# An isolated keyring that holds only the vendored key. gpg's status lines are the documented
# machine interface (gnupg doc/DETAILS): VALIDSIG carries the fingerprint of the key that made a
# good signature, also when that key has expired since (then the status is EXPKEYSIG, not GOODSIG).
mkdir -m 700 "$work/gnupg"
gpg_batch=(gpg --homedir "$work/gnupg" --batch --no-autostart)
"${gpg_batch[@]}" --quiet --import "$key_file" 2>/dev/null || die "could not import the signing key $key_file"
status=$("${gpg_batch[@]}" --status-fd 1 --verify "$work/$zip_name.sig" "$work/$zip_name" 2>"$work/gpg.err" || true)
if ! grep -Eq "^\[GNUPG:\] VALIDSIG $fingerprint( |$)" <<<"$status"; then
  cat "$work/gpg.err" >&2
  die "$zip_name is not signed by the AWS CLI key $fingerprint; refusing to install it"
fi
echo "==> signature good (key $fingerprint)"

unzip -q "$work/$zip_name" -d "$work"
update=()
[[ -e "$install_dir/v2/current" ]] && update=(--update)
"$work/aws/install" --install-dir "$install_dir" --bin-dir "$bin_dir" "${update[@]}" >/dev/null
now=$(installed_version)
[[ "$now" == "$version" ]] || die "installed AWS CLI $version, but $bin_dir/aws reports \"${now:-nothing}\""
echo "==> AWS CLI $now installed in $bin_dir"
