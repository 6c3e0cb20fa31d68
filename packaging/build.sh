#!/usr/bin/env bash
# Build Talk's desktop packages from this checkout (`make package` runs this
# after installing the `package` extra into .venv):
#
#   dist/talkapp/                              the one-folder bundle (PyInstaller)
#   dist/talkapp-VERSION-linux-x86_64.tar.gz   that folder, for any Linux
#   dist/talkapp_VERSION_amd64.deb             /opt/talkapp, menu entry, icons
#
# Offline apart from PyPI (the wheel build fetches setuptools, as pip does).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
umask 022
started=$(date +%s)

rm -rf build dist/talkapp dist/talkapp-*.tar.gz dist/talkapp_*.deb
mkdir -p build dist

# 1. Talk as its wheel installs it: the spec freezes this, not the source tree.
"$PY" -m pip wheel --quiet --no-deps --wheel-dir build/wheel . 2> >(grep -v "is ignored: it is neither" >&2)
rm -rf build/lib build/bdist.*
"$PY" - <<'EOF'
import glob, zipfile
(wheel,) = glob.glob("build/wheel/talkapp-*.whl")
zipfile.ZipFile(wheel).extractall("build/stage")
EOF
VERSION=$("$PY" - <<'EOF'
import glob
from email.parser import Parser
(meta,) = glob.glob("build/stage/talkapp-*.dist-info/METADATA")
print(Parser().parse(open(meta, encoding="utf-8"))["Version"])
EOF
)
echo "Talk $VERSION"

# 2. The icon, rendered from resources/talk.svg at every size.
"$PY" packaging/render_icons.py build/icons

# 3. The bundle.
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/talkapp.spec
cp LICENSE dist/talkapp/LICENSE
tar -C dist -czf "dist/talkapp-$VERSION-linux-$(uname -m).tar.gz" talkapp
bundled=$(date +%s)

# 4. The .deb.
ARCH=$(dpkg --print-architecture)
DEB=dist/talkapp_${VERSION}_${ARCH}.deb
root=build/deb
install -d "$root/DEBIAN" "$root/opt" "$root/usr/bin" \
    "$root/usr/share/applications" "$root/usr/share/metainfo" \
    "$root/usr/share/doc/talkapp" "$root/usr/share/icons"
cp -a dist/talkapp "$root/opt/talkapp"
ln -s /opt/talkapp/talkapp "$root/usr/bin/talkapp"
install -m 644 packaging/talkapp.desktop "$root/usr/share/applications/talkapp.desktop"
install -m 644 packaging/io.github.talkapp.Talk.metainfo.xml "$root/usr/share/metainfo/"
cp -r build/icons/hicolor "$root/usr/share/icons/hicolor"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: talkapp"
    echo "Comment: /opt/talkapp bundles Python and Qt (LGPL-3.0, PySide6) with"
    echo " the Python packages Talk depends on, each under its own licence; their"
    echo " licence files are in /opt/talkapp/_internal/*.dist-info/."
    echo
    echo "Files: *"
    echo "Copyright: The Talk team"
    echo "License: MIT"
    sed -e 's/^$/./' -e 's/^/ /' LICENSE
} > "$root/usr/share/doc/talkapp/copyright"
depends=$(grep -v '^#' packaging/deb/libraries.txt | awk 'NF { $1 = ""; sub(/^ /, ""); print }' \
    | grep -v -x -e libc6 -e libstdc++6 | sort -u | paste -sd, - | sed 's/,/, /g')
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" \
    -e "s/@INSTALLED_SIZE@/$(du -sk --exclude=DEBIAN "$root" | cut -f1)/" \
    -e "s/@DEPENDS@/$depends/" packaging/deb/control.in > "$root/DEBIAN/control"
find "$root" -type d -exec chmod 755 {} +
# zstd: 5 s and 48 MB here, where xz takes a minute for 39 MB; every dpkg that
# can run this bundle (glibc 2.35+: Debian 12, Ubuntu 22.04 and later) reads it.
dpkg-deb --root-owner-group -Zzstd -z9 --build "$root" "$DEB" >/dev/null

finished=$(date +%s)
echo "built in $((finished - started)) s (bundle $((bundled - started)) s, .deb $((finished - bundled)) s):"
du -sh dist/talkapp
ls -lh dist/talkapp-*.tar.gz "$DEB" | awk '{print $5 "\t" $NF}'
