#!/usr/bin/env bash
# The AOT training run of the Dockerfile's build stage (Java 25, JEP 514/515):
#
#   aot-training.sh CACHE_FILE JAVA [JVM_AND_APP_ARGS...]
#
# starts the server as `JAVA -XX:AOTCacheOutput=CACHE_FILE JVM_AND_APP_ARGS...` on 127.0.0.1 and a
# free port, sends it the requests it serves in production (/hello, /, /health, a 404, a 405, HEAD,
# a request with a body) on keep-alive and fresh connections, then stops it with SIGTERM. On exit
# the JVM records what it loaded, linked and profiled, and writes CACHE_FILE. Fails (and so fails
# the image build) when the server does not start, answers wrongly, exits non-zero or leaves no
# cache. Needs only bash: requests go through bash's /dev/tcp, as build images may lack curl.
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 CACHE_FILE JAVA [ARGS...]" >&2
  exit 2
fi
cache=$1
shift

readonly ROUNDS=${AOT_TRAINING_ROUNDS:-100}
log=$(mktemp)
server_pid=

fail() {
  echo "aot-training: error: $*" >&2
  echo "--- server output ---" >&2
  cat "$log" >&2
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null
  exit 1
}

# PORT=0: the server picks a free port and reports it in its start-up log line, so the build
# cannot collide with anything listening on the build machine (podman build --network host).
HOST=127.0.0.1 PORT=0 "$1" "-XX:AOTCacheOutput=$cache" "${@:2}" >"$log" 2>&1 &
server_pid=$!

port=
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*"message":"server started".*"port":\([0-9]*\).*/\1/p' "$log" | head -n 1)
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited during start-up"
  sleep 0.1
done
[[ -n $port ]] || fail "the server did not log 'server started' within 60 s"

# One request on file descriptor 3; sets status and body. A Content-Length body is read exactly,
# so the connection can carry the next request.
request() {
  local method=$1 path=$2 body=${3:-} line length=0 req
  if [[ -n $body ]]; then
    printf -v req '%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n%s' \
      "$method" "$path" "${#body}" "$body"
  else
    printf -v req '%s %s HTTP/1.1\r\nHost: localhost\r\n\r\n' "$method" "$path"
  fi
  # One write: printf to a socket writes line by line, and the small segments then wait for
  # delayed ACKs (about 40 ms a request); echo writes the whole request at once.
  echo -n "$req" >&3
  IFS= read -r -t 10 line <&3 || fail "no response to $method $path"
  status=${line#HTTP/1.1 }
  status=${status%% *}
  while IFS= read -r -t 10 line <&3; do
    line=${line%$'\r'}
    [[ -z $line ]] && break
    shopt -s nocasematch
    [[ $line =~ ^content-length:\ *([0-9]+) ]] && length=${BASH_REMATCH[1]}
    shopt -u nocasematch
  done
  response_body=
  if [[ $method != HEAD ]] && ((length > 0)); then
    IFS= read -r -t 10 -N "$length" response_body <&3 || fail "short body from $method $path"
  fi
}

expect() {
  local want=$1 method=$2 path=$3 body=${4:-}
  request "$method" "$path" "$body"
  [[ $status == "$want" ]] || fail "$method $path answered $status, expected $want"
}

for ((round = 0; round < ROUNDS; round++)); do
  # Every tenth round on a fresh connection, the others on one keep-alive connection.
  if ((round % 10 == 0)); then
    exec 3>&- 2>/dev/null || true
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect to 127.0.0.1:$port"
  fi
  expect 200 GET /hello
  [[ $response_body == "Hello world" ]] || fail "GET /hello answered '$response_body'"
  expect 200 GET /health
  expect 200 GET /
  expect 200 HEAD /hello
  expect 404 GET /missing
  expect 405 POST /hello
  expect 200 GET /hello 'ignored body'
done
exec 3>&-

kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
server_pid=
((rc == 0)) || fail "the server exited with status $rc after SIGTERM"
[[ -s $cache ]] || fail "the JVM wrote no AOT cache at $cache"
grep -q 'AOTCache creation is complete' "$log" || fail "the JVM did not report the AOT cache as complete"
echo "aot-training: $((ROUNDS * 7)) requests on 127.0.0.1:$port; wrote $cache ($(du -h "$cache" | cut -f1))"
rm -f "$log"
