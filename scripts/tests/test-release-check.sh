#!/usr/bin/env bash
# Runs the blue/green release check's tests (scripts/tests/release_check_test.py): the Lambda function's
# handler against a local HTTP server on 127.0.0.1: pass, wrong body, /health not UP, 5xx (also with the right body), timeout,
# refused connection, no healthy target, an ELB error.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m unittest -v release_check_test
