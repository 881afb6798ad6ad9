# shellcheck shell=bash
# Shared by run.sh and abuse.sh (sourced, not executed).

# Fails with the apt-get line to run when a tool is missing.
require_tools() {
  local missing=() tool
  declare -A package=([wrk]=wrk [nginx]=nginx [gunicorn]=gunicorn [java]=openjdk-17-jdk-headless
                      [mvn]=maven [python3]=python3)
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing+=("${package[$tool]:-$tool}")
  done
  if [[ " $* " == *" gunicorn "* ]] && ! /usr/bin/python3 -c 'import flask' 2>/dev/null; then
    missing+=(python3-flask)
  fi
  if ((${#missing[@]})); then
    echo "error: missing Debian packages: ${missing[*]}; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# Builds server/target/hello-server.jar when it is missing or older than a source file.
build_jar_if_stale() {
  local jar=server/target/hello-server.jar
  if [[ ! -f $jar ]] || [[ -n $(find server/src server/pom.xml pom.xml -newer "$jar" -print -quit) ]]; then
    echo "==> building $jar"
    mvn -B -ntp -q -pl server -am package -DskipTests
  fi
}
