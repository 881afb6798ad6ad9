#!/usr/bin/env bash
# Installs what scripts/lint.sh and scripts/test-scripts.sh need, each part only when it is missing:
#   Debian packages (as root; otherwise it names them and fails)
#   the Python packages pinned in scripts/requirements.txt (pip): cfn-lint, moto's server, boto3 and the
#     AWS CLI v1 the pipeline-script tests run against moto
#   the npm packages pinned by the package-lock.json files (npm ci): cfn-gen/guard (cfn-guard and the
#     AWS Control Tower rules) and scripts/tests/node (gitlab-ci-local, remark and their Node.js 22)
# The container test installs its own tools (scripts/container-test.sh); Maven and a JDK are
# prerequisites (README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Debian names the package after the command for all of these.
missing=()
for tool in shellcheck yamllint jq curl git zip unzip gpg openssl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
# Any Python with pip and any npm will do (pyenv, nvm, a job image's own).
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  (($(id -u) == 0)) || die "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
  echo "==> apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: pip install -r when a pinned distribution is missing or at another version.
requirements=scripts/requirements.txt
stale=$(python3 - "$requirements" <<'PY'
import importlib.metadata, re, sys
for line in open(sys.argv[1]):
    pin = re.match(r"^([A-Za-z0-9_.-]+)(\[[^]]*\])?==(\S+)", line)
    if pin:
        try:
            found = importlib.metadata.version(pin[1])
        except importlib.metadata.PackageNotFoundError:
            found = None
        if found != pin[3]:
            print(f"{pin[1]} {pin[3]} (found {found or 'none'})")
PY
)
if [[ -n "$stale" ]]; then
  echo "==> pip install -r $requirements: $(tr '\n' ';' <<<"$stale")"
  pip_args=(--disable-pip-version-check --quiet -r "$requirements")
  # Debian's own Python refuses pip installs outside a virtual environment (PEP 668); a job image or
  # a throwaway machine may override that.
  python3 -m pip install "${pip_args[@]}" 2>/dev/null || python3 -m pip install --break-system-packages "${pip_args[@]}" ||
    die "pip could not install $requirements (see above). Without internet access, point pip at a mirror
(PIP_INDEX_URL=https://<mirror>/simple), or install into a virtual environment on PATH:
python3 -m venv ~/.venvs/hello-stack && ~/.venvs/hello-stack/bin/pip install -r $requirements"
  for tool in cfn-lint moto_server aws; do
    command -v "$tool" >/dev/null || die "pip installed $requirements, but $tool is not on PATH; add pip's script directory ($(python3 -m site --user-base)/bin for a user install) to PATH"
  done
fi

# npm: npm ci when `npm ls` finds the pinned tree incomplete or at other versions.
for dir in cfn-gen/guard scripts/tests/node; do
  if ! (cd "$dir" && npm ls --depth=0 >/dev/null 2>&1); then
    echo "==> npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in $dir failed (it needs the npm registry)"
  fi
done
