#!/usr/bin/env bash
# Everything a fresh machine needs: virtualenv and pinned dependencies, PostgreSQL and Redis running,
# the fonts the PDF letters embed, the DSFR (npm, web/node_modules) and Debian's Chromium for the browser tests. Idempotent; sourced by scripts/test.sh and scripts/demo.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

setup_python() {
  if [ ! -x .venv/bin/python ]; then
    log "création du virtualenv .venv"
    python3 -m venv .venv
  fi
  local stamp=.venv/.chaine-installed want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installation des dépendances (pyproject.toml)"
    .venv/bin/pip install -q --upgrade pip >&2
    .venv/bin/pip install -q -e '.[dev]' >&2
    echo "$want" > "$stamp"
  fi
}

setup_fonts() {
  if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    log "installation des polices DejaVu (lettres PDF)"
    apt_install fonts-dejavu-core
  fi
}

setup_web() {
  # The DSFR (système de design de l'État) comes from npm at the version pinned in web/package-lock.json.
  local stamp=web/node_modules/.chaine-installed want
  want=$(sha256sum web/package.json web/package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  if ! command -v npm >/dev/null 2>&1; then
    log "installation de Node.js et npm"
    apt_install nodejs npm
  fi
  log "installation du DSFR (npm, web/node_modules)"
  # Run from web/: the DSFR's install script looks for web/.dsfr.yml (acceptance of its terms of use) there.
  if [ -f web/package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund >&2)
  else
    (cd web && npm install --no-audit --no-fund >&2)
  fi
  echo "$want" > "$stamp"
}

setup_poppler() {
  # pdftoppm rasterises letters in the tests that read their QR code back (tests/test_answer_letters.py).
  if ! command -v pdftoppm >/dev/null 2>&1; then
    log "installation de poppler-utils (tests des courriers)"
    apt_install poppler-utils
  fi
}

setup_chromium() {
  # The web pages are tested in Debian's Chromium, driven by Playwright (never `playwright install`).
  if [ ! -x /usr/bin/chromium ]; then
    log "installation de Chromium (tests des pages web)"
    apt_install chromium
  fi
}

setup_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installation de PostgreSQL"
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  log "démarrage de PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL ne démarre pas"; exit 1; }
  # A fresh Debian cluster uses peer/scram auth: give the postgres role the password the tests use.
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2 || true
}

setup_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    log "installation de Redis"
    apt_install redis-server
  fi
  log "démarrage de Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/chaine.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { log "Redis ne démarre pas"; exit 1; }
}

setup_python
setup_fonts
setup_web
if [ "${CHAINE_SETUP_SERVICES:-1}" = "1" ]; then
  # What the test suite needs (the embedded demo sets CHAINE_SETUP_SERVICES=0 and needs none of it).
  setup_chromium
  setup_poppler
  setup_postgres
  setup_redis
fi
