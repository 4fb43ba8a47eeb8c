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
echo "== wheel"
bash scripts/wheel_check.sh
echo "== pytest"
if [ "$#" -gt 0 ]; then
  exec pytest "$@"
fi
# The whole suite: the fault tests (tests/faults: their own PostgreSQL cluster and Redis server on free ports, which
# they kill and restart; mostly waiting on outages and leases) in the background, and meanwhile everything else on
# parallel workers (pytest-xdist; each worker has its own PostgreSQL and Redis databases). Both must pass.
FAULTS_LOG=$(mktemp "${TMPDIR:-/tmp}/chaine-faults.XXXXXX")
pytest -m faults --durations=10 -p no:cacheprovider > "$FAULTS_LOG" 2>&1 &
FAULTS_PID=$!
status=0
pytest -n "${CHAINE_TEST_WORKERS:-3}" --dist loadfile -m "not faults" --durations=25 || status=$?
faults_status=0
wait "$FAULTS_PID" || faults_status=$?
echo "== pytest -m faults (run alongside)"
cat "$FAULTS_LOG"
rm -f "$FAULTS_LOG"
[ "$status" -eq 0 ] && [ "$faults_status" -eq 0 ]
