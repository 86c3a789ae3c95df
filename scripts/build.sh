#!/usr/bin/env bash
# Build the self-contained desk: one folder, dist/after-sales-desk/, that runs on a machine without Python.
#   scripts/build.sh            build (reuses build/venv when it is there; the desk itself is reinstalled)
#   scripts/build.sh --clean    throw build/venv and the previous build away first
# Inside the folder: after-sales-desk (the window; `after-sales-desk cli …` is the command line) and
# after-sales-desk-cli (the command line, a console program on Windows). docs/install.md says why
# PyInstaller and what ships; packaging/desk.spec is the configuration, the same on Linux, macOS and Windows.
# Needs Python >= 3.11 with venv (Debian: apt-get install python3-venv); on Windows run it from Git Bash.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || python=python
venv="$repo/build/venv"

if [ "${1:-}" = "--clean" ]; then
  rm -rf "$venv" "$repo/build/pyinstaller" "$repo/dist/after-sales-desk"
fi

# A venv of its own, never the developer's .venv: what goes into the build is exactly the desk's
# dependencies plus the build tool, nothing the tests or the linters brought in.
if [ ! -d "$venv" ]; then
  "$python" -m venv "$venv"
fi
if [ -x "$venv/bin/python" ]; then vpy="$venv/bin/python"; else vpy="$venv/Scripts/python.exe"; fi
"$vpy" -m pip install --quiet --upgrade pip
"$vpy" -m pip install --quiet "pyinstaller>=6.10,<7"
# Not editable: the build takes the package data (fonts, platform profiles, playbooks, migrations) and the
# entry points from the installed distribution, the way a user's install has them. --force-reinstall
# --no-deps: the checkout's current code, even when the version number did not change.
"$vpy" -m pip install --quiet "$repo"
"$vpy" -m pip install --quiet --force-reinstall --no-deps "$repo"

started=$(date +%s)
"$vpy" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$repo/dist" --workpath "$repo/build/pyinstaller" "$repo/packaging/desk.spec"
app="$repo/dist/after-sales-desk"
echo "built $app in $(($(date +%s) - started)) s, $(du -sh "$app" | cut -f1)"
