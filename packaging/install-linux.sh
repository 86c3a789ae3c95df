#!/usr/bin/env bash
# Install the built desk for the current user on Linux (no root): program, menu entry, icon, and the
# .deskbackup file type. Run it from the unpacked build folder or from the checkout after scripts/build.sh.
#   packaging/install-linux.sh [BUILD_FOLDER]    install or update (default: the folder it is in, else dist/)
#   packaging/install-linux.sh --uninstall       remove the program; the data folder is kept
# The shop's data lives in ~/.local/share/AfterSalesDesk (desk/profile.py, platformdirs), apart from the
# program: installing, updating and uninstalling never touch it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
prefix="$HOME/.local/lib/after-sales-desk"
bin="$HOME/.local/bin"
sizes=(16 24 32 48 64 128 256 512)

refresh() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
  command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$prefix"
  rm -f "$bin/after-sales-desk" "$bin/after-sales-desk-cli" \
    "$data/applications/after-sales-desk.desktop" "$data/mime/packages/after-sales-desk.xml" \
    "$data/icons/hicolor/scalable/apps/after-sales-desk.svg"
  for n in "${sizes[@]}"; do rm -f "$data/icons/hicolor/${n}x${n}/apps/after-sales-desk.png"; done
  refresh
  echo "已卸载。数据文件夹 $data/AfterSalesDesk 保留未动（确定不再需要时可自行删除）。"
  exit 0
fi

# Run from inside a build folder (the spec copies this script there) or from packaging/ in a checkout.
if [ -x "$here/after-sales-desk" ]; then default="$here"; else default="$here/../dist/after-sales-desk"; fi
build="${1:-$default}"
build="$(cd "$build" && pwd)"
[ -x "$build/after-sales-desk" ] || { echo "在“$build”里找不到 after-sales-desk：请先运行 scripts/build.sh" >&2; exit 2; }
icons="$build/_internal/desk_resources/icons"
[ -d "$icons" ] || icons="$here/../resources/icons"

# A new copy beside the old one, then swapped in: an update that fails half way leaves the old program.
mkdir -p "$(dirname "$prefix")" "$bin" "$data/applications" "$data/mime/packages"
rm -rf "$prefix.new"
cp -a "$build" "$prefix.new"
rm -rf "$prefix.old"
[ -d "$prefix" ] && mv "$prefix" "$prefix.old"
mv "$prefix.new" "$prefix"
rm -rf "$prefix.old"

ln -sf "$prefix/after-sales-desk" "$bin/after-sales-desk"
ln -sf "$prefix/after-sales-desk-cli" "$bin/after-sales-desk-cli"
# The menu entry names the program by its full path: ~/.local/bin is not on every desktop session's PATH.
sed -e "s|^Exec=.*|Exec=\"$prefix/after-sales-desk\" %f|" -e "s|^TryExec=.*|TryExec=$prefix/after-sales-desk|" \
  "$here/after-sales-desk.desktop" >"$data/applications/after-sales-desk.desktop"
cp "$here/after-sales-desk-mime.xml" "$data/mime/packages/after-sales-desk.xml"
mkdir -p "$data/icons/hicolor/scalable/apps"
cp "$icons/after-sales-desk.svg" "$data/icons/hicolor/scalable/apps/"
for n in "${sizes[@]}"; do
  mkdir -p "$data/icons/hicolor/${n}x${n}/apps"
  cp "$icons/after-sales-desk-$n.png" "$data/icons/hicolor/${n}x${n}/apps/after-sales-desk.png"
done
refresh
echo "已安装到 $prefix（菜单：售后申诉工作台；命令行：after-sales-desk-cli）。数据文件夹：$data/AfterSalesDesk"
