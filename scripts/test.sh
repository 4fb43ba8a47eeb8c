#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up, ruff, mypy, pytest against real PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check .
echo "== mypy"
mypy campaigns channels api
echo "== import rules (import-linter contracts in pyproject.toml)"
lint-imports --no-cache
echo "== pytest"
if [ "$#" -gt 0 ]; then
  bash scripts/wheel_check.sh
  exec pytest "$@"
fi
# The wheel check (build, install in a bare virtualenv, demo, serve) mostly waits on pip and disk: it runs alongside.
WHEEL_LOG=$(mktemp "${TMPDIR:-/tmp}/chaine-wheel-log.XXXXXX")
bash scripts/wheel_check.sh > "$WHEEL_LOG" 2>&1 &
WHEEL_PID=$!
# The whole suite: the fault tests (tests/faults: their own PostgreSQL cluster and Redis server on free ports, which
# they kill and restart; mostly waiting on outages and leases) in the background, and meanwhile everything else on
# parallel workers (pytest-xdist; each worker has its own PostgreSQL and Redis databases). Both must pass.
FAULTS_LOG=$(mktemp "${TMPDIR:-/tmp}/chaine-faults.XXXXXX")
pytest -m faults --durations=10 -p no:cacheprovider > "$FAULTS_LOG" 2>&1 &
FAULTS_PID=$!
status=0
# Files in collection order (tests/conftest.py puts the long ones first), not xdist's default of the most tests first.
pytest -n "${CHAINE_TEST_WORKERS:-3}" --dist loadfile --no-loadscope-reorder -m "not faults" --durations=25 \
  || status=$?
faults_status=0
wait "$FAULTS_PID" || faults_status=$?
wheel_status=0
wait "$WHEEL_PID" || wheel_status=$?
echo "== pytest -m faults (run alongside)"
cat "$FAULTS_LOG"
echo "== wheel (run alongside)"
cat "$WHEEL_LOG"
rm -f "$FAULTS_LOG" "$WHEEL_LOG"
[ "$status" -eq 0 ] && [ "$faults_status" -eq 0 ] && [ "$wheel_status" -eq 0 ]
