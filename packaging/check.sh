#!/usr/bin/env bash
# Check the built packages (`make package-check` builds them first):
# the frozen app's --version, a command on an empty data directory, a first
# sync long enough for a store writer process, the GUI offscreen for a few
# seconds, what the bundle holds and links to, the desktop
# entry and AppStream metadata, and the .deb's metadata, contents and a run
# of the app unpacked from it. Needs no display and installs nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
GUI_SECONDS=${GUI_SECONDS:-6}
APP=dist/talkapp/talkapp
passed=0
failed=0
work=$(mktemp -d)
gui_pid=
sim_pid=
cleanup() {
    [ -n "$gui_pid" ] && kill "$gui_pid" 2>/dev/null
    [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok      $*"; }
fail() { failed=$((failed + 1)); echo "FAILED  $*"; }
now() { date +%s.%N; }
since() { "$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
DEB=dist/talkapp_${VERSION}_${ARCH}.deb
TARBALL=dist/talkapp-$VERSION-linux-$(uname -m).tar.gz
for artefact in "$APP" "$DEB" "$TARBALL"; do
    if [ ! -e "$artefact" ]; then
        echo "$artefact is missing: run \`make package\` first" >&2
        exit 1
    fi
done
echo "Talk $VERSION: $(du -sh dist/talkapp | cut -f1) bundle, $(du -h "$TARBALL" | cut -f1) tarball, $(du -h "$DEB" | cut -f1) .deb"

# -- the frozen app ------------------------------------------------------------

start=$(now)
out=$("$APP" --version 2>&1)
took=$(since "$start")
if [ "$out" = "talkapp $VERSION" ]; then
    ok "--version prints \"$out\" (${took} s)"
else
    fail "--version printed \"$out\", expected \"talkapp $VERSION\""
fi

data=$work/cli
mkdir "$data"
if "$APP" --data-dir "$data" statuses --json >"$work/statuses.json" 2>"$work/statuses.err"; then
    labels=$("$PY" -c 'import json, sys; print(", ".join(s["label"] for s in json.load(open(sys.argv[1]))))' "$work/statuses.json")
    expected="New, Open, In progress, Open deal, Unqualified, Attempted to call, Connected, Bad timing"
    if [ "$labels" = "$expected" ] && [ ! -s "$work/statuses.err" ]; then
        ok "statuses --json on an empty data directory: the 8 default dispositions"
    else
        fail "statuses --json: got [$labels], stderr: $(cat "$work/statuses.err")"
    fi
else
    fail "statuses --json exited non-zero: $(cat "$work/statuses.err")"
fi

# A first sync long enough for a store writer process (talkapp/sync/writer.py):
# the frozen app runs the writer as itself (--store-writer), which must write
# every contact and be gone when the sync is.
data=$work/writer
mkdir "$data"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$APP" simulator --port "$port" --contacts 6000 --rate-limit 0 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for tick in $(seq 1 300); do
    grep -q "HubSpot simulator: " "$work/sim.out" 2>/dev/null && break
    sleep 0.1
done
start=$(now)
if "$APP" --data-dir "$data" connect --hubspot-url "http://127.0.0.1:$port" --token sim-token \
        >"$work/connect.out" 2>&1 \
    && HUBSPOT_ACCESS_TOKEN=sim-token "$APP" -v --data-dir "$data" sync >"$work/sync.out" 2>"$work/sync.err"; then
    took=$(since "$start")
    count=$("$APP" --data-dir "$data" contacts --json | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)))')
    left=$(pgrep -f -- "--store-writer" || true)
    if grep -q "a store writer process (pid" "$work/sync.err" && [ "$count" = 6000 ] \
        && [ -z "$left" ] && ! grep -q -E "Traceback|ERROR" "$work/sync.err"; then
        ok "a first sync of 6,000 contacts written by the frozen app's store writer process (${took} s)"
    else
        fail "store writer sync: $count contacts, writers left: [$left], log: $(grep -E 'writer|Traceback|ERROR' "$work/sync.err")"
    fi
else
    fail "connect or sync on the simulator failed: $(cat "$work/connect.out" "$work/sync.err")"
fi
kill "$sim_pid" 2>/dev/null
wait "$sim_pid" 2>/dev/null
sim_pid=

# The GUI, offscreen, on its built-in simulator: it must get to "session
# ready" and a first sync, and say nothing on stderr beyond the one expected
# warning (no system keyring on a machine without a desktop session).
data=$work/gui
mkdir "$data"
log=$data/logs/talk.log
start=$(now)
QT_QPA_PLATFORM=offscreen "$APP" --data-dir "$data" gui --simulator-contacts 50 \
    >"$work/gui.out" 2>"$work/gui.err" &
gui_pid=$!
# Run for GUI_SECONDS, longer (up to 60 s) on a slow machine until it has synced.
ready=
for tick in $(seq 1 600); do
    if [ -z "$ready" ] && grep -q "session ready" "$log" 2>/dev/null; then
        ready=$(since "$start")
    fi
    kill -0 "$gui_pid" 2>/dev/null || break
    if [ "$tick" -ge $((GUI_SECONDS * 10)) ] && grep -q "Full sync done" "$log" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if kill -0 "$gui_pid" 2>/dev/null; then
    kill -TERM "$gui_pid"
    wait "$gui_pid" 2>/dev/null
    gui_pid=
    ok "the GUI ran offscreen for $(since "$start") s"
else
    wait "$gui_pid"
    fail "the GUI exited by itself with code $? within ${GUI_SECONDS} s"
    gui_pid=
fi
if [ -n "$ready" ] && grep -q "Full sync done.*50 contacts pulled" "$log"; then
    ok "the GUI logged \"session ready\" ${ready} s after launch, then a first full sync of 50 contacts"
else
    fail "no \"session ready\" and first sync in $log: $(cat "$log" 2>/dev/null)"
fi
unexpected=$(grep -v -E \
    -e '^WARNING talkapp\.sync\.secrets: no system keyring is available' \
    -e 'This plugin does not support propagateSizeHints' \
    "$work/gui.err" "$work/gui.out")
if [ -z "$unexpected" ] && ! grep -q -E "Traceback|ERROR|CRITICAL" "$log"; then
    ok "no traceback, error or Qt warning on stderr or in the log"
else
    fail "unexpected output: $unexpected $(grep -E -A5 'Traceback|ERROR|CRITICAL' "$log" 2>/dev/null)"
fi

# -- what the bundle holds --------------------------------------------------------

# The bundle is frozen from Talk's wheel: a package missing from pyproject's
# [tool.setuptools] packages list would be missing from the app.
if [ -d build/stage ]; then
    lost=$(comm -23 <(cd . && find talkapp -name __init__.py | sort) \
        <(cd build/stage && find talkapp -name __init__.py | sort) | paste -sd' ' -)
    [ -z "$lost" ] && ok "the wheel the bundle is made from holds every package of talkapp/" \
        || fail "not in the wheel (add them to pyproject.toml's [tool.setuptools] packages): $lost"
fi

internal=dist/talkapp/_internal
plugins=$(cd "$internal/PySide6/Qt/plugins" && find . -name '*.so' | sed 's|^\./||' | sort | paste -sd' ' -)
missing=
for plugin in platforms/libqxcb.so platforms/libqwayland.so platforms/libqoffscreen.so \
    imageformats/libqsvg.so iconengines/libqsvgicon.so; do
    [ -e "$internal/PySide6/Qt/plugins/$plugin" ] || missing="$missing $plugin"
done
[ -z "$missing" ] && ok "Qt plugins: $plugins" || fail "Qt plugins missing:$missing"

unwanted=$(cd "$internal" && find . \( -name 'libQt6Network*' -o -name 'libQt6Qml*' \
    -o -name 'libQt6Quick*' -o -name 'libQt6Pdf*' -o -name 'QtTest*' -o -name 'QtNetwork*' \
    -o -name '*.qm' -o -path '*/tkinter*' -o -path '*/pytest*' \) | head -5)
dangling=$(find dist/talkapp -xtype l | head -5)
[ -z "$unwanted$dangling" ] && ok "no unused Qt module, translation or dangling link" \
    || fail "unexpected in the bundle: $unwanted $dangling"

svgs=$(ls "$internal/talkapp/resources/"*.svg 2>/dev/null | wc -l)
if [ "$svgs" -eq "$(ls resources/*.svg | wc -l)" ] && [ -f "$internal/talkapp/resources/talk.svg" ] \
    && [ -f "$internal/talkapp-$VERSION.dist-info/METADATA" ] && [ -f dist/talkapp/LICENSE ]; then
    ok "the SVG icons ($svgs), talkapp's metadata and the licence are in the bundle"
else
    fail "the bundle lacks icons ($svgs), metadata or LICENSE"
fi

# Every library the bundle links to and does not ship must be in the table the
# .deb's Depends come from.
if command -v readelf >/dev/null; then
    shipped=$(find dist/talkapp -name '*.so*' -printf '%f\n' | sort -u)
    needed=$(find dist/talkapp -type f \( -name '*.so*' -o -path "$APP" \) -print0 \
        | xargs -0 -n 50 readelf -d 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort -u)
    external=$(comm -23 <(echo "$needed") <(echo "$shipped"))
    listed=$(grep -v '^#' packaging/deb/libraries.txt | awk 'NF {print $1}' | sort -u)
    unlisted=$(comm -23 <(echo "$external") <(echo "$listed") | paste -sd' ' -)
    wrong=
    for soname in $external; do
        owner=$(dpkg -S "*/$soname" 2>/dev/null | head -1 | cut -d: -f1)
        table=$(awk -v s="$soname" '$1 == s { $1 = ""; print }' packaging/deb/libraries.txt)
        [ -z "$owner" ] || [[ " $table " == *" $owner "* ]] || wrong="$wrong $soname($owner, listed:$table)"
    done
    if [ -z "$unlisted$wrong" ]; then
        ok "the $(echo "$external" | wc -l) system libraries the bundle links to are all in the .deb's Depends"
    else
        fail "system libraries missing from packaging/deb/libraries.txt: $unlisted; wrong package: $wrong"
    fi
else
    echo "skip    library check: readelf (binutils) is not installed"
fi

# -- desktop entry and AppStream metadata -----------------------------------------

if "$PY" - <<'EOF'
import configparser, sys
entry = configparser.ConfigParser(interpolation=None)
entry.optionxform = str
entry.read("packaging/talkapp.desktop", encoding="utf-8")
e = entry["Desktop Entry"]
expected = {"Type": "Application", "Name": "Talk", "Exec": "talkapp", "Icon": "talkapp",
            "StartupWMClass": "talkapp", "Terminal": "false"}
bad = {k: e.get(k) for k, v in expected.items() if e.get(k) != v}
if bad or not e.get("Categories", "").endswith(";"):
    sys.exit(f"talkapp.desktop: {bad or e.get('Categories')}")
EOF
then
    if command -v desktop-file-validate >/dev/null; then
        desktop-file-validate packaging/talkapp.desktop && ok "talkapp.desktop: valid (desktop-file-validate)" \
            || fail "talkapp.desktop: desktop-file-validate"
    else
        ok "talkapp.desktop: Exec, Icon and StartupWMClass are talkapp"
    fi
else
    fail "talkapp.desktop"
fi

metainfo=packaging/io.github.talkapp.Talk.metainfo.xml
if release=$("$PY" - "$metainfo" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.findtext("id") == "io.github.talkapp.Talk", root.findtext("id")
assert root.findtext("launchable") == "talkapp.desktop"
assert root.find("icon").text == "talkapp"
print(root.find("releases/release").get("version"))
EOF
) && [ "$release" = "$VERSION" ]; then
    if command -v appstreamcli >/dev/null; then
        appstreamcli validate --no-net "$metainfo" >"$work/appstream.txt" 2>&1 \
            && ok "AppStream metadata: valid (appstreamcli), newest release $release" \
            || fail "AppStream metadata: $(cat "$work/appstream.txt")"
    else
        ok "AppStream metadata: well-formed, newest release $release"
    fi
else
    fail "AppStream metadata: newest release \"${release:-?}\" is not $VERSION, or the ids do not match"
fi

# -- the .deb ----------------------------------------------------------------------

info=$(dpkg-deb --info "$DEB")
fields=$(dpkg-deb --field "$DEB" Package Version Architecture)
depends=$(dpkg-deb --field "$DEB" Depends)
if [ "$fields" = "$(printf 'Package: talkapp\nVersion: %s\nArchitecture: %s' "$VERSION" "$ARCH")" ] \
    && [[ "$depends" == *libxcb-cursor0* && "$depends" == *libxkbcommon-x11-0* && "$depends" == *libegl1* ]]; then
    ok "dpkg-deb --info: talkapp $VERSION $ARCH, $(echo "$depends" | tr ',' '\n' | wc -l) dependencies"
else
    fail "dpkg-deb --info: $info"
fi

contents=$(dpkg-deb --contents "$DEB" | awk '{ print $6 ($7 ? " " $7 " " $8 : "") }')
missing=
for path in ./opt/talkapp/talkapp ./opt/talkapp/LICENSE "./usr/bin/talkapp -> /opt/talkapp/talkapp" \
    ./usr/share/applications/talkapp.desktop ./usr/share/metainfo/io.github.talkapp.Talk.metainfo.xml \
    ./usr/share/doc/talkapp/copyright ./usr/share/icons/hicolor/scalable/apps/talkapp.svg \
    ./opt/talkapp/_internal/talkapp/resources/lock.svg; do
    grep -q -x -F "$path" <<<"$contents" || missing="$missing $path"
done
for size in 16 22 24 32 48 64 128 256 512; do
    path=./usr/share/icons/hicolor/${size}x${size}/apps/talkapp.png
    grep -q -x -F "$path" <<<"$contents" || missing="$missing $path"
done
[ -z "$missing" ] && ok "dpkg-deb --contents: the bundle, /usr/bin/talkapp, the menu entry, metadata, 9 icon sizes + SVG" \
    || fail "dpkg-deb --contents lacks:$missing"

root=$work/root
dpkg -x "$DEB" "$root"
data=$work/deb-data
mkdir "$data"
out=$("$root/opt/talkapp/talkapp" --version 2>&1)
if [ "$out" = "talkapp $VERSION" ] && "$root/opt/talkapp/talkapp" --data-dir "$data" statuses >/dev/null 2>&1; then
    ok "unpacked from the .deb, /opt/talkapp/talkapp runs (--version, statuses)"
else
    fail "unpacked from the .deb, /opt/talkapp/talkapp --version printed \"$out\""
fi

if tar -tzf "$TARBALL" | grep -c -x "talkapp/talkapp" >/dev/null; then
    ok "$(basename "$TARBALL") holds talkapp/talkapp"
else
    fail "$TARBALL lacks talkapp/talkapp"
fi

echo "package-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
