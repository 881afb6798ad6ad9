#!/usr/bin/env bash
# The container test: builds the Dockerfile with podman and checks the image as ECS runs it.
#
#  1. installs podman, runc and mmdebstrap when missing (Debian, as root) and points podman at
#     scripts/container/containers.conf (runc, cgroupfs, no default ulimits, host network);
#  2. builds or reuses the stand-in base images (scripts/container/build-base-images.sh), as this
#     machine cannot pull the public ones, and builds the Dockerfile unchanged except for the
#     BUILD_IMAGE/RUNTIME_IMAGE arguments (plus the OCI label arguments);
#  3. checks the image: user 10001:10001, EXPOSE 8888, exec-form ENTRYPOINT, OCI labels, the heap
#     at 75% of a 512 MiB memory limit, at most 120 MB (IMAGE_MAX_MB), and no shell or package
#     manager (none in the file list, and starting /bin/sh fails);
#  4. runs it with a read-only root file system (and no tmpfs either: ECS mounts none), 1 CPU and
#     512 MiB, and with -XX:AOTMode=on, so that an unusable AOT cache fails the start; checks that
#     the process runs as uid/gid 10001, uses the epoll transport, logs no JVM warning, and that
#     /hello answers exactly "Hello world", / and /health answer 200;
#  5. sends SIGTERM while one request is in flight (its headers sent, its body half sent) and one
#     client is stalled: checks that the server stops accepting, completes the in-flight request
#     with 200, closes the stalled connection, and exits 0 within SHUTDOWN_TIMEOUT_SECONDS;
#  6. measures start-up (process start to the first 200 on /hello, and the CPU time the JVM used
#     until then), with and without the AOT cache, and prints the figures with their ratio, the
#     image's size by part and, as the last line before the pass/fail count,
#     "container: size_mb=N startup_ms_median=M". Start-up is a figure, never a pass/fail
#     condition: on a shared machine it says more about the load than about the image
#     (docs/performance.md keeps the figures of earlier runs).
#
# The server listens on 127.0.0.1 only (HOST), on port 8888, or on the first free port from 18888
# when 8888 is taken. Needs root. Any failure exits non-zero with a message naming the check;
# containers are removed on exit, the image is kept (localhost/hello-server:container-test).
# Environment (all optional):
#   CONTAINER_TEST_PORT           the port to test on (default 8888, see above)
#   CONTAINER_TEST_CPUS           the CPU limit of the containers (default 1; ECS's default task
#                                 here has 0.25)
#   CONTAINER_TEST_STARTUP_RUNS   start-up measurements with and without the AOT cache (default 5)
#   CONTAINERS_CONF               podman configuration (default scripts/container/containers.conf)
#   CONTAINER_TEST_BUILD_IMAGE,   base images you can pull (both or neither), for example
#   CONTAINER_TEST_RUNTIME_IMAGE  the Dockerfile's defaults: then no stand-ins are built (no
#                                 mmdebstrap, no Temurin 25 JDK on the host) and podman pulls them
set -euo pipefail
cd "$(dirname "$0")/.."

readonly IMAGE=localhost/hello-server:container-test
readonly APP_UID=10001
readonly SHUTDOWN_TIMEOUT=5            # SHUTDOWN_TIMEOUT_SECONDS given to the container under test
readonly STARTUP_RUNS=${CONTAINER_TEST_STARTUP_RUNS:-5}
readonly IMAGE_MAX_MB=120              # the issue-14 budget for the runtime image, in MB (10^6 bytes)
readonly CPUS=${CONTAINER_TEST_CPUS:-1}
readonly LIMITS=(--cpus "$CPUS" --memory 512m)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/scripts/container/containers.conf}

passed=0
workdir=$(mktemp -d /tmp/hellostack-container-test.XXXXXX)
containers=()

log() { echo "==> $*"; }
# Ends a phase begun at $1 (a $SECONDS value): one line with its elapsed time.
done_in() { echo "    done in $((SECONDS - $1)) s: $2"; }
pass() {
  passed=$((passed + 1))
  echo "    ok: $*"
}
fail() {
  echo "container-test: FAILED: $*" >&2
  echo "container-test: $passed passed, 1 failed" >&2
  exit 1
}
cleanup() {
  local name
  for name in "${containers[@]}"; do
    podman rm --force --time 0 "$name" >/dev/null 2>&1 || true
  done
  rm -rf "$workdir"
}
trap cleanup EXIT

[[ $CPUS =~ ^[0-9]+(\.[0-9]+)?$ && ! $CPUS =~ ^0+(\.0+)?$ ]] ||
  fail "invalid CONTAINER_TEST_CPUS='$CPUS': expected a positive number of CPUs, e.g. 1 or 0.25"
if ! [[ $STARTUP_RUNS =~ ^[0-9]{1,2}$ ]] || ((STARTUP_RUNS < 1 || STARTUP_RUNS > 20)); then
  fail "invalid CONTAINER_TEST_STARTUP_RUNS='$STARTUP_RUNS': expected an integer 1-20"
fi

# --- 1. tools and podman configuration ---------------------------------------------------------
[[ $(id -u) -eq 0 ]] ||
  fail "must run as root: it uses root podman and mmdebstrap in root mode (e.g. sudo $0)"
packages=(podman runc uidmap mmdebstrap curl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  log "apt-get install ${missing[*]}"
  apt_started=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq -o DPkg::Lock::Timeout=300 &&
    apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"; } \
    >"$workdir/apt.log" 2>&1; then
    tail -n 20 "$workdir/apt.log" >&2
    fail "could not install ${missing[*]} with apt-get"
  fi
  done_in "$apt_started" "apt-get install"
fi
[[ -f $CONTAINERS_CONF ]] || fail "CONTAINERS_CONF=$CONTAINERS_CONF does not exist"
podman info >/dev/null 2>"$workdir/podman-info.err" ||
  fail "podman does not work here: $(tail -n 3 "$workdir/podman-info.err")"

# --- port --------------------------------------------------------------------------------------
port_open() { { exec {probe}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1; exec {probe}>&-; }
if [[ -n ${CONTAINER_TEST_PORT:-} ]]; then
  if ! [[ $CONTAINER_TEST_PORT =~ ^[0-9]{1,5}$ ]] || ((CONTAINER_TEST_PORT < 1 || CONTAINER_TEST_PORT > 65535)); then
    fail "invalid CONTAINER_TEST_PORT='$CONTAINER_TEST_PORT': expected a port number 1-65535"
  fi
  port=$CONTAINER_TEST_PORT
  ! port_open "$port" || fail "CONTAINER_TEST_PORT=$port is already in use on 127.0.0.1"
else
  port=8888
  if port_open "$port"; then
    for candidate in $(seq 18888 18987); do
      port_open "$candidate" || { port=$candidate; break; }
    done
    [[ $port != 8888 ]] || fail "8888 and 18888-18987 are all in use; set CONTAINER_TEST_PORT"
    log "port 8888 is in use; testing on $port"
  fi
fi

# --- 2. base images and the image --------------------------------------------------------------
build_override=${CONTAINER_TEST_BUILD_IMAGE:-}
runtime_override=${CONTAINER_TEST_RUNTIME_IMAGE:-}
if [[ -n $build_override || -n $runtime_override ]]; then
  [[ -n $build_override && -n $runtime_override ]] ||
    fail "set both CONTAINER_TEST_BUILD_IMAGE and CONTAINER_TEST_RUNTIME_IMAGE, or neither"
  bases=("$build_override" "$runtime_override")
  pull=missing
  log "base images: $build_override and $runtime_override (pulled when missing, no stand-ins)"
else
  log "base images: stand-ins (scripts/container/build-base-images.sh)"
  bases_started=$SECONDS
  scripts/container/build-base-images.sh || fail "could not build the stand-in base images"
  mapfile -t bases < <(scripts/container/build-base-images.sh --names)
  pull=never
  done_in "$bases_started" "base images"
fi

version=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
revision=$(git rev-parse --verify --quiet HEAD 2>/dev/null || echo unknown)
# The remote's URL without any user:password@ part; a local path (a CI clone) is not a source URL.
source_url=$(git config --get remote.origin.url 2>/dev/null | sed -E 's#^([a-z+]+://)[^/@]*@#\1#' || true)
[[ $source_url =~ ^[a-z+]+://|^[^/:@]+@[^/:]+: && $source_url != file://* ]] || source_url=unknown

log "podman build $IMAGE (BUILD_IMAGE=${bases[0]}, RUNTIME_IMAGE=${bases[1]})"
old_image=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
build_started=$SECONDS
if ! podman build --network host "--pull=$pull" \
  --build-arg "BUILD_IMAGE=${bases[0]}" --build-arg "RUNTIME_IMAGE=${bases[1]}" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "SOURCE=$source_url" \
  -t "$IMAGE" . 2>&1 | tee "$workdir/build.log" |
  { grep --line-buffered -E '^\[[0-9]+/[0-9]+\] STEP|^STEP |^aot-training:|^jlink modules:' || true; }; then
  cp "$workdir/build.log" /tmp/hellostack-container-build.log
  tail -n 60 "$workdir/build.log" >&2
  fail "podman build failed (full log: /tmp/hellostack-container-build.log)"
fi
pass "image built in $((SECONDS - build_started)) s"
new_image=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [[ -n $old_image && $old_image != "$new_image" ]]; then
  podman rmi "$old_image" >/dev/null 2>&1 || true
fi

# --- 3. the image's configuration --------------------------------------------------------------
log "image configuration"
inspect() { podman image inspect --format "$1" "$IMAGE"; }
[[ $(inspect '{{.Config.User}}') == "$APP_UID:$APP_UID" ]] ||
  fail "USER is '$(inspect '{{.Config.User}}')', expected $APP_UID:$APP_UID"
pass "USER $APP_UID:$APP_UID"
# shellcheck disable=SC2016 # a Go template, not a shell expansion
[[ $(inspect '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}') == *8888/tcp* ]] ||
  fail "the image does not EXPOSE 8888"
pass "EXPOSE 8888"
entrypoint=$(inspect '{{json .Config.Entrypoint}}')
[[ $entrypoint == '["/opt/jre/bin/java",'* && $entrypoint == *'"-XX:AOTCache=/app/hello-server.aot"'* ]] ||
  fail "ENTRYPOINT is $entrypoint, expected the exec form starting /opt/jre/bin/java with the AOT cache"
pass "exec-form ENTRYPOINT $entrypoint"
for label in source:"$source_url" revision:"$revision" version:"$version"; do
  key=org.opencontainers.image.${label%%:*}
  value=$(inspect "{{index .Config.Labels \"$key\"}}")
  [[ $value == "${label#*:}" ]] || fail "label $key is '$value', expected '${label#*:}'"
done
pass "OCI labels source, revision ($revision) and version ($version)"
heap=$(podman run --rm "${LIMITS[@]}" --entrypoint /opt/jre/bin/java "$IMAGE" \
  @/app/jvm.options -XX:+PrintFlagsFinal -version 2>/dev/null |
  awk '$2 == "MaxHeapSize" { print $4 } $2 == "ExitOnOutOfMemoryError" { oom = $4 } END { print oom }' | paste -sd' ')
[[ $heap == "402653184 true" ]] ||
  fail "with 512 MiB the JVM reports MaxHeapSize/ExitOnOutOfMemoryError '$heap', expected '402653184 true' (75%)"
pass "512 MiB memory limit -> 384 MiB heap (MaxRAMPercentage=75), ExitOnOutOfMemoryError"

size=$(inspect '{{.Size}}')
((size <= IMAGE_MAX_MB * 1000000)) ||
  fail "the image is $((size / 1000000)) MB, over the $IMAGE_MAX_MB MB budget (see the parts listed in the summary)"
pass "image size $((size / 1000000)) MB (at most $IMAGE_MAX_MB MB)"

# The image's files (path and size), from a container that never starts.
containers+=(hellostack-ct-$$-files)
podman create --name "hellostack-ct-$$-files" "$IMAGE" >/dev/null || fail "podman create failed"
podman export "hellostack-ct-$$-files" | tar -tvf - |
  awk '{ size = $3; $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); sub(/ -> .*/, ""); print size "\t" $0 }' \
    >"$workdir/files.tsv" || fail "listing the image's files failed"
podman rm "hellostack-ct-$$-files" >/dev/null
# No shell (so no `sh -c`, no ECS Exec) and no package manager: by name anywhere in the image.
tools='sh|ash|bash|dash|zsh|ksh|busybox|toybox|dpkg|apt|apt-get|aptitude|rpm|yum|dnf|microdnf|apk'
if found=$(cut -f2 "$workdir/files.tsv" | grep -E "(^|/)($tools)\$"); then
  fail "the image contains a shell or package manager: $(paste -sd' ' <<<"$found")"
fi
status=0
podman run --rm --entrypoint /bin/sh "$IMAGE" -c true >/dev/null 2>&1 || status=$?
((status == 127)) || fail "running /bin/sh in the image exited $status, expected 127 (not found)"
pass "no shell or package manager ($(tr '|' ' ' <<<"$tools") absent; /bin/sh does not start)"

# The build context: the same .dockerignore on a copy of the inputs plus decoys that must stay out.
ctx=$workdir/context
mkdir -p "$ctx/server" "$ctx/cfn-gen" "$ctx/scripts/container"
cp .dockerignore pom.xml "$ctx/"
cp server/pom.xml "$ctx/server/"
cp -r server/src "$ctx/server/"
cp cfn-gen/pom.xml "$ctx/cfn-gen/"
cp scripts/container/jvm.options scripts/container/aot-training.sh "$ctx/scripts/container/"
decoys=(.git/config .env server/target/hello-server.jar server/src/main/resources/.env
  server/src/main/resources/tls.pem server/src/id_rsa server/src/.aws/credentials
  node_modules/pkg/index.js cfn-gen/src/Main.java README.md secrets.p12)
for decoy in "${decoys[@]}"; do
  mkdir -p "$(dirname "$ctx/$decoy")"
  echo decoy >"$ctx/$decoy"
done
# The build stand-in: the context is what the build stage sees, and the runtime base has no find.
printf 'FROM %s\nCOPY . /context\n' "${bases[0]}" >"$workdir/Containerfile.context"
podman build --quiet --network host --pull=never -f "$workdir/Containerfile.context" \
  -t localhost/hello-server:context-check "$ctx" >/dev/null || fail "building the context check image failed"
context_files=$(podman run --rm --network host localhost/hello-server:context-check \
  find /context -type f -printf '%P\n') || fail "listing the build context failed"
podman rmi localhost/hello-server:context-check >/dev/null 2>&1 || true
for decoy in "${decoys[@]}"; do
  ! grep -qxF "$decoy" <<<"$context_files" || fail ".dockerignore lets $decoy into the build context"
done
for input in pom.xml server/pom.xml cfn-gen/pom.xml scripts/container/jvm.options \
  scripts/container/aot-training.sh server/src/main/java/dev/hellostack/server/Main.java; do
  grep -qxF "$input" <<<"$context_files" || fail ".dockerignore keeps $input out of the build context"
done
pass ".dockerignore: the build inputs pass, ${#decoys[@]} decoys (.git, target/, .env, keys, node_modules...) stay out"

# --- helpers for running the image ---------------------------------------------------------------
# start NAME [podman run options...] [-- entrypoint override args...]; sets pid (on the host).
start() {
  local name=$1 opts=() args=()
  shift
  while (($# > 0)) && [[ $1 != -- ]]; do opts+=("$1"); shift; done
  (($# > 0)) && { shift; args=("$@"); }
  containers+=("$name")
  podman run -d --name "$name" --pidfile "$workdir/$name.pid" \
    --read-only --read-only-tmpfs=false --network host "${LIMITS[@]}" \
    -e HOST=127.0.0.1 -e PORT="$port" "${opts[@]}" "$IMAGE" "${args[@]}" >/dev/null ||
    fail "podman run $name failed"
  pid=$(<"$workdir/$name.pid")
}

# One GET /hello on a fresh connection; true when it answers 200. Only bash built-ins: polling
# with curl would compete with the JVM for the CPU during the start-up being measured.
hello_ok() {
  local fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  echo -n $'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&"$fd"
  IFS= read -r -t 5 line <&"$fd" || line=
  exec {fd}>&-
  [[ $line == "HTTP/1.1 200 "* ]]
}

# Waits for the first 200 on /hello; sets startup_ms: from the process start to that answer, and
# startup_cpu_ms: the CPU time (user + system, all threads) the process used until then.
wait_ready() {
  local name=$1 deadline=$((SECONDS + 60)) uptime start_ticks stat
  until hello_ok; do
    kill -0 "$pid" 2>/dev/null || { podman logs "$name" >&2 || true; fail "$name exited during start-up"; }
    ((SECONDS < deadline)) || { podman logs "$name" >&2 || true; fail "$name did not answer 200 on /hello within 60 s"; }
    sleep 0.01
  done
  read -r uptime _ </proc/uptime
  # After the parenthesised command name of /proc/PID/stat: field 14 utime, 15 stime and 22 the
  # start time, all in clock ticks.
  read -r -a stat <<<"$(sed 's/^.*) //' "/proc/$pid/stat")"
  start_ticks=${stat[19]}
  startup_ms=$((${uptime/./} * 10 - start_ticks * 1000 / clk_tck))
  startup_cpu_ms=$(((stat[11] + stat[12]) * 1000 / clk_tck))
}
clk_tck=$(getconf CLK_TCK)

stop() {
  podman stop --time 30 "$1" >/dev/null 2>&1 || true
  podman rm --force "$1" >/dev/null 2>&1 || true
}

# --- 4. the running container --------------------------------------------------------------------
log "run: read-only root, no tmpfs, $CPUS CPU, 512 MiB, AOT cache required, port $port"
main=hellostack-ct-$$-main
start "$main" -e SHUTDOWN_TIMEOUT_SECONDS="$SHUTDOWN_TIMEOUT" -e JDK_JAVA_OPTIONS=-XX:AOTMode=on
wait_ready "$main"
pass "answers 200 on /hello ${startup_ms} ms after the process started (${startup_cpu_ms} ms of CPU)"

# Real, effective, saved and file-system ids, as the kernel sees them.
uids=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$pid/status")
gids=$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$pid/status")
[[ $uids == "$APP_UID $APP_UID $APP_UID $APP_UID" ]] || fail "the JVM runs with uids '$uids', expected $APP_UID"
[[ $gids == "$APP_UID $APP_UID $APP_UID $APP_UID" ]] || fail "the JVM runs with gids '$gids', expected $APP_UID"
pass "the JVM (host pid $pid) runs as uid $APP_UID, gid $APP_UID"

body=$(curl -sS --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$port/hello") || fail "curl /hello failed"
[[ $body == $'Hello world\n200' ]] || fail "GET /hello answered '$body', expected exactly 'Hello world' with 200"
pass "GET /hello -> 200 'Hello world'"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/") || fail "curl / failed"
[[ $code == 200 ]] || fail "GET / answered $code, expected 200"
pass "GET / -> 200"
body=$(curl -sS --max-time 5 -w '\n%{http_code}' "http://127.0.0.1:$port/health") || fail "curl /health failed"
[[ $body == *$'\n200' && $body == *'"UP"'* ]] || fail "GET /health answered '$body', expected 200 and UP"
pass "GET /health -> 200 ${body%$'\n'*}"

podman logs "$main" >"$workdir/main.log" 2>&1
grep -q '"transport":"epoll"' "$workdir/main.log" ||
  fail "the server does not use the native epoll transport: $(grep -m1 -i transport "$workdir/main.log")"
pass "native epoll transport (Netty's library loads from /app/native on the read-only file system)"
if grep -E '^(WARNING|Error)|\[(warning|error) *\]' "$workdir/main.log"; then
  fail "the JVM logged the warnings above"
fi
pass "no JVM warnings; AOT cache in use (-XX:AOTMode=on)"

# --- 5. SIGTERM with a request in flight -------------------------------------------------------
log "SIGTERM with a request in flight and a stalled client (SHUTDOWN_TIMEOUT_SECONDS=$SHUTDOWN_TIMEOUT)"
# In flight: headers and half of a 10-byte body sent; the server answers once the body is complete.
exec {inflight}<>"/dev/tcp/127.0.0.1/$port"
echo -n $'GET /hello HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhello' >&"$inflight"
# Stalled: a request whose body never comes; only the drain deadline ends it.
exec {stalled}<>"/dev/tcp/127.0.0.1/$port"
echo -n $'GET /hello HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n' >&"$stalled"
sleep 0.5
term_at=$EPOCHREALTIME
podman kill --signal TERM "$main" >/dev/null || fail "podman kill --signal TERM failed"
# The listening socket closes as the drain begins; poll for that (a loaded machine may take a
# moment to deliver the signal), while the in-flight request keeps the process running.
for ((wait = 0; wait < 100; wait++)); do
  port_open "$port" || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null || fail "the container exited with a request still in flight"
! port_open "$port" || fail "the server still accepts connections 10 s after SIGTERM"
pass "after SIGTERM: still running (draining) and no longer accepting connections"
echo -n 'world' >&"$inflight"
response=
while IFS= read -r -t 5 line <&"$inflight"; do response+=${line%$'\r'}$'\n'; done
response+=$line
exec {inflight}>&-
[[ $response == "HTTP/1.1 200 "* ]] ||
  fail "the in-flight request got '${response%%$'\n'*}' instead of 200 after SIGTERM"
[[ $response == *$'\n\n'"Hello world" ]] || fail "the in-flight request's body was not 'Hello world': $response"
echo "$response" | grep -qi '^connection: close' || fail "the in-flight response lacks 'Connection: close'"
pass "the in-flight request completed after SIGTERM: 200 'Hello world', Connection: close"

# A hang guard only (the exit code below is the check): the server stops itself within its
# SHUTDOWN_TIMEOUT_SECONDS or exits 1.
deadline=$((SECONDS + SHUTDOWN_TIMEOUT + 60))
while kill -0 "$pid" 2>/dev/null; do
  ((SECONDS < deadline)) || fail "the container still runs $((SHUTDOWN_TIMEOUT + 60)) s after SIGTERM: it hangs"
  sleep 0.05
done
exited_at=$EPOCHREALTIME
stop_ms=$(((${exited_at/./} - ${term_at/./}) / 1000))
exec {stalled}>&-
exit_code=$(podman wait "$main" 2>/dev/null || podman inspect --format '{{.State.ExitCode}}' "$main")
podman logs "$main" >"$workdir/main.log" 2>&1
[[ $exit_code == 0 ]] || { tail -n 5 "$workdir/main.log" >&2; fail "the container exited with $exit_code after SIGTERM, expected 0"; }
# Exit code 0 says the server finished its drain within its timeout (it exits 1 when it does not);
# the wall time, which adds podman's signal delivery and this loop's polling, is only reported.
pass "exit code 0 after SIGTERM, the stalled connection closed at the drain deadline ($stop_ms ms, a figure)"
stop "$main"

# --- 6. start-up with and without the AOT cache --------------------------------------------------
log "start-up: process start to first 200 on /hello, $STARTUP_RUNS runs each, $CPUS CPU, 512 MiB"
startup_started=$SECONDS
with=()
with_cpu=()
without=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((run = 1; run <= STARTUP_RUNS; run++)); do
  name=hellostack-ct-$$-aot-$run
  start "$name"
  wait_ready "$name"
  with+=("$startup_ms")
  with_cpu+=("$startup_cpu_ms")
  stop "$name"
  # The same image and options without -XX:AOTCache (and so without any CDS archive).
  name=hellostack-ct-$$-noaot-$run
  start "$name" --entrypoint /opt/jre/bin/java -- @/app/jvm.options -jar /app/hello-server.jar
  wait_ready "$name"
  without+=("$startup_ms")
  stop "$name"
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
startup_median=$(median "${with[@]}")
cpu_median=$(median "${with_cpu[@]}")
without_median=$(median "${without[@]}")
echo "    measured in $((SECONDS - startup_started)) s: with the AOT cache median $startup_median ms" \
  "($cpu_median ms of CPU), without it $without_median ms: ratio $(awk -v a="$startup_median" -v b="$without_median" \
  'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') (figures, not checks)"

# The image by part, from the file list (MB = 10^6 bytes; the layers add a little metadata).
# part_mb REGEX [-v]: the MB (10^6 bytes) of the image's files whose path matches (-v: does not).
part_mb() {
  awk -F'\t' -v re="$1" -v invert="${2:-}" '(($2 ~ re) != (invert == "-v")) { sum += $1 }
    END { printf "%.1f", sum / 1e6 }' "$workdir/files.tsv"
}
echo
echo "container-test summary"
echo "  image              $IMAGE: $((size / 1000000)) MB"
echo "    base image       $(part_mb '^(\\./)?(opt/jre|app)/' -v) MB (${bases[1]}, and the hello user)"
echo "    Java runtime     $(part_mb '^(\\./)?opt/jre/') MB (libjvm.so $(part_mb '/libjvm[.]so$') MB, class library $(part_mb 'opt/jre/lib/modules$') MB)"
echo "    AOT cache        $(part_mb '^(\\./)?app/hello-server[.]aot$') MB"
echo "    server jar       $(part_mb '^(\\./)?app/hello-server[.]jar$') MB (+ $(part_mb '^(\\./)?app/native/') MB epoll library)"
echo "  start-up, AOT      median $startup_median ms (runs: ${with[*]}); CPU median $cpu_median ms (${with_cpu[*]})"
echo "  start-up, no AOT   median $without_median ms (runs: ${without[*]})"
echo "  load average       $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after the start-up runs ($(nproc) CPUs)"
echo "  graceful stop      exit 0, $stop_ms ms after SIGTERM"
echo "container: size_mb=$((size / 1000000)) startup_ms_median=$startup_median"
echo "container-test: $passed passed, 0 failed"
