#!/usr/bin/env bash
# Build the self-contained desk (scripts/build.sh), then run the smoke test of the built program
# (tests/test_build_smoke.py, marker `build`): every step through the built program, in a bare environment.
#   scripts/build_smoke.sh              build, then test
#   scripts/build_smoke.sh --no-build   test the build already in dist/
# The test itself runs from the developer's venv (DESK_VENV, default .venv): it needs pytest, pypdf and
# the libraries that make its HEIC picture and its video, none of which the built program may lean on.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
venv="${DESK_VENV:-$repo/.venv}"
if [ -x "$venv/bin/python" ]; then vpy="$venv/bin/python"; else vpy="$venv/Scripts/python.exe"; fi

started=$(date +%s)
if [ "${1:-}" != "--no-build" ]; then
  bash scripts/build.sh
fi
app="$repo/dist/after-sales-desk/after-sales-desk"
[ -e "$app" ] || app="$app.exe"
DESK_BUILT_APP="$app" QT_QPA_PLATFORM=offscreen TZ=UTC "$vpy" -m pytest -q -m build tests/test_build_smoke.py
echo "build smoke test passed in $(($(date +%s) - started)) s"
