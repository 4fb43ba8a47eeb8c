#!/usr/bin/env bash
# The main job, embedded (SQLite, no server): set-up, then `chaine demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
CHAINE_SETUP_SERVICES=0 bash scripts/setup.sh
exec .venv/bin/chaine demo "$@"
