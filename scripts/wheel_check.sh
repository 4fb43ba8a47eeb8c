#!/usr/bin/env bash
# The wheel runs anywhere (docs/installation.md): build it from the checkout, install it in a fresh virtualenv outside
# the checkout, then, in an empty folder and with no CHAINE_* variable, run `chaine demo` and serve its data with
# `chaine run`. Fails on a file of the checkout missing from the wheel (a package-data entry forgotten in
# pyproject.toml or setup.py), on a demo without letters, SMS or e-mails, and on a page or DSFR asset not served.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOUT=$PWD
PYTHON=${PYTHON:-python3}
for name in $(compgen -e | grep '^CHAINE_' || true); do unset "$name"; done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/chaine-wheel.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '[wheel] %s\n' "$*"; }
fail() { printf '[wheel] ÉCHEC : %s\n' "$*" >&2; exit 1; }
started=$SECONDS

# 1. sdist, then the wheel from the sdist (as `python -m build` does): the wheel needs nothing but the sdist.
"$CHECKOUT/.venv/bin/python" -m build --outdir "$WORK/dist" "$CHECKOUT" > "$WORK/build.log" 2>&1 \
  || { tail -n 20 "$WORK/build.log" >&2; fail "construction du wheel"; }
WHEEL=$(ls "$WORK"/dist/chaine-*.whl)
step "construit : $(basename "$WHEEL") ($(du -h "$WHEEL" | cut -f1))"

# 2. Every file the code reads at run time is in the wheel.
"$PYTHON" - "$WHEEL" "$CHECKOUT" <<'PY' || fail "fichiers absents du wheel"
import subprocess, sys, zipfile
from pathlib import Path

wheel, checkout = Path(sys.argv[1]), Path(sys.argv[2])
names = set(zipfile.ZipFile(wheel).namelist())
listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "campaigns",
                         "channels", "api", "templates"], cwd=checkout, capture_output=True, text=True, check=True)
expected = {}
for path in listed.stdout.splitlines():
    if not (checkout / path).is_file() or path.endswith((".pyc", ".md")):
        continue
    expected[path] = "campaigns/_assets/" + path if path.startswith("templates/") else path
missing = sorted(source for source, name in expected.items() if name not in names)
for wanted in ("dsfr/dsfr.min.css", "dsfr/dsfr.module.min.js", "dsfr/utility/icons/icons.min.css",
               "dsfr/fonts/Marianne-Regular.woff2", "dsfr/favicon/favicon.svg", "fonts/DejaVuSans.ttf",
               "fonts/DejaVuSans-Bold.ttf", "cog/communes.json"):
    if "campaigns/_assets/" + wanted not in names:
        missing.append("campaigns/_assets/" + wanted)
if missing:
    print("absents du wheel :", *missing[:20], sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"[wheel] contenu : les {len(expected)} fichiers du dépôt et les ressources (DSFR, polices, communes) y sont")
PY

# 3. A bare virtualenv far from the checkout (pip's cache makes the second run fast).
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --disable-pip-version-check "$WHEEL" > "$WORK/pip.log" 2>&1 \
  || { tail -n 20 "$WORK/pip.log" >&2; fail "installation du wheel"; }
step "installé dans un virtualenv neuf ($WORK/venv)"

# 4. The demo in an empty folder: letters, SMS and e-mails on disk.
mkdir "$WORK/empty"
cd "$WORK/empty"
"$WORK/venv/bin/chaine" demo --households 80 --days 45 > "$WORK/demo.log" 2>&1 \
  || { tail -n 20 "$WORK/demo.log" >&2; fail "chaine demo"; }
OUTBOX=var/demo/outbox
letters=$(find "$OUTBOX/courrier" -name '*.pdf' 2>/dev/null | wc -l)
sms=$(find "$OUTBOX/sms" -type f 2>/dev/null | wc -l)
emails=$(find "$OUTBOX/email" -type f 2>/dev/null | wc -l)
[ "$letters" -gt 0 ] && [ "$sms" -gt 0 ] && [ "$emails" -gt 0 ] \
  || fail "chaine demo : $letters courrier(s), $sms SMS, $emails e-mail(s)"
head -c 5 "$(find "$OUTBOX/courrier" -name '*.pdf' | head -n 1)" | grep -q '%PDF-' || fail "courrier qui n'est pas un PDF"
step "chaine demo : $letters courriers PDF, $sms SMS, $emails e-mails"

# 5. `chaine migrate` on a new embedded database finds its Alembic scripts in the package.
CHAINE_DATA_DIR=var/migrate "$WORK/venv/bin/chaine" migrate > "$WORK/migrate.log" 2>&1 \
  || { tail -n 20 "$WORK/migrate.log" >&2; fail "chaine migrate"; }
step "chaine migrate : $(tail -n 1 "$WORK/migrate.log")"

# 6. `chaine run` on the demo's data: the login page and the DSFR stylesheet.
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CHAINE_DATA_DIR=var/demo "$WORK/venv/bin/chaine" run --port "$PORT" > "$WORK/run.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "$BASE/connexion" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$WORK/run.log" >&2; fail "chaine run s'est arrêté"; }
  sleep 0.5
done
check_url() {  # path, expected content type, text the body must contain
  local answer
  answer=$(curl -s -o "$WORK/body" -w '%{http_code} %{content_type}' "$BASE$1") || fail "$1 : pas de réponse"
  case "$answer" in
    "200 $2"*) ;;
    *) fail "$1 : réponse « $answer », attendu 200 $2" ;;
  esac
  grep -q -- "$3" "$WORK/body" || fail "$1 : « $3 » absent de la réponse"
}
check_url /connexion text/html 'dsfr.min.css'
check_url /dsfr/dsfr.min.css text/css 'Marianne'
check_url /dsfr/utility/icons/icons.min.css text/css 'fr-icon'
step "chaine run : /connexion, /dsfr/dsfr.min.css et les icônes servis (200, bons types)"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
step "terminé en $((SECONDS - started)) s"
