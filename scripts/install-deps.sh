#!/usr/bin/env bash
# Installs what the tests need when it is missing: Debian packages (as root; otherwise it names
# them and fails) and cfn-lint, the version pinned in scripts/requirements-cfn-lint.txt, with pip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(shellcheck yamllint jq curl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# cfn-lint: only when it is missing (scripts/cfn-lint.sh refuses a different version, saying so).
requirements=scripts/requirements-cfn-lint.txt
pin=$(grep '^cfn-lint==' "$requirements")
if ! command -v cfn-lint >/dev/null; then
  python=$(command -v python3 || true)
  [[ -n "$python" ]] || {
    echo "error: cfn-lint is missing and so is python3 to install it; install python3 and pip, then: pip install -r $requirements" >&2
    exit 1
  }
  echo "==> pip install $pin"
  if ! "$python" -m pip install --disable-pip-version-check --quiet -r "$requirements"; then
    cat >&2 <<MSG
error: pip could not install $pin (see pip's message above). When pip cannot reach its package
index (no internet, a proxy, or "No matching distribution found ... (from versions: none)"):
  - point pip at a mirror you can reach: PIP_INDEX_URL=https://<mirror>/simple scripts/install-deps.sh
  - or, on a machine with internet: pip download -d wheels $pin
    copy wheels/ here, then: pip install --no-index --find-links wheels $pin
When pip refuses with "externally-managed-environment", install into a virtual environment on
PATH: python3 -m venv ~/.venvs/cfn-lint && ~/.venvs/cfn-lint/bin/pip install -r $requirements
Then run scripts/install-deps.sh again.
MSG
    exit 1
  fi
  command -v cfn-lint >/dev/null || {
    echo "error: pip installed $pin, but cfn-lint is not on PATH; add pip's script directory ($("$python" -m site --user-base)/bin for a user install) to PATH" >&2
    exit 1
  }
fi
