#!/usr/bin/env bash
# Tests an image before image.sh pushes it, with the checks of scripts/container-test.sh that decide
# whether it can ship (that script also builds the image and measures it; it needs Debian and root):
#   the image's USER is 10001:10001 and its ENTRYPOINT the exec form of /opt/jre/bin/java;
#   it starts with a read-only root file system and no tmpfs (as ECS runs it) and answers GET /hello
#   with 200 and exactly "Hello world";
#   the JVM runs as uid and gid 10001 (read from /proc, as the kernel sees it);
#   on SIGTERM it exits with status 0 within SHUTDOWN_TIMEOUT_SECONDS (5 here) plus 5 s.
#
# usage: image-test.sh IMAGE
# Environment: CONTAINER_ENGINE (default podman), IMAGE_TEST_PORT (default 18888),
# IMAGE_TEST_START_SECONDS (default 60).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

(($# == 1)) || die "usage: image-test.sh IMAGE"
image=$1
engine=${CONTAINER_ENGINE:-podman}
port=${IMAGE_TEST_PORT:-18888}
start_seconds=${IMAGE_TEST_START_SECONDS:-60}
readonly app_id=10001 shutdown_timeout=5
name=image-test-$$

body_file=$(mktemp)
cleanup() {
  "$engine" rm --force --time 0 "$name" >/dev/null 2>&1 || true
  rm -f "$body_file"
}
trap cleanup EXIT
failed() {
  "$engine" logs "$name" 2>&1 | tail -n 20 >&2 || true
  die "image test of $image: $*"
}

user=$("$engine" image inspect --format '{{.Config.User}}' "$image") || die "image $image not found"
[[ "$user" == "$app_id:$app_id" ]] || die "image test of $image: USER is '$user', expected $app_id:$app_id"
entrypoint=$("$engine" image inspect --format '{{json .Config.Entrypoint}}' "$image")
[[ "$entrypoint" == '["/opt/jre/bin/java",'* ]] \
  || die "image test of $image: ENTRYPOINT is $entrypoint, expected the exec form of /opt/jre/bin/java (SIGTERM must reach the JVM)"
log "image test: USER $user, ENTRYPOINT $entrypoint"

"$engine" run --detach --name "$name" --read-only --read-only-tmpfs=false --network host \
  --env HOST=127.0.0.1 --env PORT="$port" --env SHUTDOWN_TIMEOUT_SECONDS="$shutdown_timeout" \
  "$image" >/dev/null || die "image test of $image: $engine run failed"
[[ $("$engine" inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name") == true ]] \
  || failed "the container's root file system is not read-only"

deadline=$((SECONDS + start_seconds))
until status=$(curl --silent --max-time 2 --output "$body_file" --write-out '%{http_code}' \
  "http://127.0.0.1:$port/hello" 2>/dev/null) && [[ "$status" == 200 ]]; do
  [[ $("$engine" inspect --format '{{.State.Running}}' "$name") == true ]] \
    || failed "the container exited during start-up"
  ((SECONDS < deadline)) || failed "no 200 on /hello within ${start_seconds}s"
  sleep 1
done
[[ "$(cat "$body_file")" == "Hello world" ]] || failed "GET /hello answered 200 '$(head -c 200 "$body_file")', expected 'Hello world'"
log "image test: read-only root file system, GET /hello -> 200 'Hello world'"

pid=$("$engine" inspect --format '{{.State.Pid}}' "$name")
uids=$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$pid/status")
gids=$(awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$pid/status")
[[ "$uids $gids" == "$app_id $app_id $app_id $app_id $app_id $app_id $app_id $app_id" ]] \
  || failed "the JVM runs with uids '$uids' and gids '$gids', expected $app_id"
log "image test: the JVM runs as uid and gid $app_id"

"$engine" kill --signal TERM "$name" >/dev/null || failed "$engine kill --signal TERM failed"
exit_code=$(timeout $((shutdown_timeout + 5)) "$engine" wait "$name") \
  || failed "still running $((shutdown_timeout + 5)) s after SIGTERM"
[[ "$exit_code" == 0 ]] || failed "exit status $exit_code after SIGTERM, expected 0"
log "image test: SIGTERM -> exit status 0; $image can ship"
