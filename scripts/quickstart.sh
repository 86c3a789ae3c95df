#!/usr/bin/env bash
# One-command set-up for a fresh Debian/Ubuntu machine (Python >= 3.11):
#   scripts/quickstart.sh demo   set everything up, then open the desk on a fresh demo profile
#   scripts/quickstart.sh test   set everything up, then run the whole test suite headless (on SQLite,
#                                then every test not marked sqlite_only or gui again on a local
#                                PostgreSQL server it starts: tests/conftest.py has the rule)
# Safe to run again: it only installs what is missing.
set -euo pipefail

mode="${1:-}"
shift || true
case "$mode" in
  demo|test|setup) ;;
  *) echo "usage: $0 demo|test|setup [extra pytest args]" >&2; exit 2 ;;
esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
venv="${DESK_VENV:-$repo/.venv}"

# Debian packages: Qt's window-system libraries (xcb), fonts with wide CJK coverage, the PDF and
# image tools the tests use to look at what the desk produces.
debs=(
  python3-venv
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libxcb-xinerama0
  fonts-wqy-microhei fonts-wqy-zenhei
  poppler-utils qpdf
)

if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo ">> installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo ">> not a Debian/Ubuntu system: install Qt's runtime libraries and poppler-utils yourself" >&2
fi

py="${PYTHON:-python3}"
"$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "Python 3.11 or newer is needed (found: $("$py" --version 2>&1))" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
  echo ">> creating the virtual environment in $venv"
  "$py" -m venv "$venv"
fi
stamp="$venv/.desk-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo ">> installing Python packages"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -e ".[test,ocr]"
  # The text-recognition engine without its own requirements (it asks for the GUI flavour of opencv;
  # the [ocr] extra brings the headless one): pyproject.toml, docs/recognition.md.
  "$venv/bin/python" -m pip install -q --no-deps "rapidocr-onnxruntime==1.4.4"
  touch "$stamp"
fi

case "$mode" in
  setup)
    echo ">> ready: $venv/bin/python main.py --demo"
    ;;
  demo)
    exec "$venv/bin/python" main.py --demo "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=offscreen TZ=UTC
    # The suite runs a second time against PostgreSQL (shared-database mode, docs/backup.md), without the
    # tests about the SQLite file itself and the window tests (the rule: tests/conftest.py): only for a
    # whole-suite run (no test paths given) and unless a URL is already set.
    selected=0
    for a in "$@"; do case "$a" in -*) ;; *) selected=1 ;; esac; done
    # A whole-suite run spreads its tests over one worker process per core (pytest-xdist): many tests wait
    # on child processes, timers and the disk, and one process left a core idle (26 min → 10 min on 2
    # cores, docs/architecture.md "Tests"). Each test still gets its own profile and, on PostgreSQL, each
    # worker its own database (tests/conftest.py). -n 0 as an argument runs in one process.
    parallel=(-n auto --dist loadscope)
    for a in "$@"; do case "$a" in -n|-n*|--numprocesses*|--pdb) parallel=() ;; esac; done
    [ "$selected" -eq 1 ] && parallel=()
    set +e
    "$venv/bin/python" -m pytest "${parallel[@]}" "$@"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then
      echo "pytest collected no tests: that is a failure" >&2
      exit 1
    fi
    if [ "$rc" -ne 0 ] || [ "$selected" -eq 1 ] || [ -n "${DESK_TEST_DATABASE_URL:-}" ]; then
      exit "$rc"
    fi
    if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
      echo "!! PostgreSQL tests NOT run: starting a local server needs root or sudo" \
        "(or set DESK_TEST_DATABASE_URL to a server of your own and run the command again)" >&2
      exit "$rc"
    fi
    DESK_TEST_DATABASE_URL="$(bash scripts/pg_test_server.sh)"
    case "$DESK_TEST_DATABASE_URL" in
      postgresql+psycopg://*) ;;
      *) echo "!! scripts/pg_test_server.sh printed no database URL: [$DESK_TEST_DATABASE_URL]" >&2; exit 1 ;;
    esac
    export DESK_TEST_DATABASE_URL
    pg_selection="not sqlite_only and not gui and not no_database"  # the rule and the markers: tests/conftest.py
    echo ">> the suite again, on PostgreSQL (${DESK_TEST_DATABASE_URL%%:*}://…@127.0.0.1): -m \"$pg_selection\""
    set +e
    "$venv/bin/python" -m pytest "${parallel[@]}" "$@" -m "$pg_selection"
    rc=$?
    set -e
    [ "$rc" -eq 5 ] && { echo "pytest collected no tests: that is a failure" >&2; exit 1; }
    exit "$rc"
    ;;
esac
