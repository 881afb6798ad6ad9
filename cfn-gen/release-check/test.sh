#!/usr/bin/env bash
# Runs the blue/green release check's tests (release_check_test.py, beside the function): the Lambda function's
# handler, with the boto3 client it creates itself, against a moto server (ELB v2 and EC2, started by the
# tests on a free port picked here) and HTTP servers on 127.0.0.1 playing the tasks: pass, wrong body,
# /health not UP, 5xx (also with the right body), timeout, refused connection, no healthy target, an ELB
# error, and the handler in a Lambda-like process. One line per test; exits non-zero when one fails. Needs
# python3 with boto3 and moto's server (pip install 'moto[server]==5.2.1').
set -euo pipefail
cd "$(dirname "$0")"

if ! python3 -c 'import boto3, moto.server' 2>/dev/null; then
  echo "error: the release check's tests need python3 with boto3 and moto's server:" \
    "pip install 'moto[server]==5.2.1'" >&2
  exit 1
fi

work=$(mktemp -d)
tests=
cleanup() {
  # The tests stop moto and remove their files themselves; this is for when they were killed or
  # interrupted first: their process group (setsid) or, without setsid, them and moto by pid.
  if [[ -n "$tests" ]]; then
    kill -- "$tests" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  if [[ -s "$work/moto.pid" ]]; then kill "$(<"$work/moto.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

RELEASE_CHECK_MOTO_PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
RELEASE_CHECK_MOTO_PIDFILE=$work/moto.pid
TMPDIR=$work
export RELEASE_CHECK_MOTO_PORT RELEASE_CHECK_MOTO_PIDFILE TMPDIR
# In the background, so that a signal to this script reaches its traps at once; in a session of their own
# (setsid does not fork here: a background job is no process group leader), so that $! is their group.
if command -v setsid >/dev/null; then
  setsid python3 -m unittest -v release_check_test &
  tests=-$!
else
  python3 -m unittest -v release_check_test &
  tests=$!
fi
wait "${tests#-}"
