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
# The whole suite: everything but the fault tests on parallel workers (pytest-xdist; each worker has its own
# PostgreSQL and Redis databases), then the fault tests alone, since they kill and restart the shared servers.
pytest -n "${CHAINE_TEST_WORKERS:-3}" --dist loadfile -m "not faults" --durations=25
pytest -m faults --durations=10
