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
echo "== pytest"
pytest "$@"
