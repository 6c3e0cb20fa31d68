#!/usr/bin/env bash
# The figures in packaging/README.md: sizes of the built packages, the frozen
# app's start-up (--version, a command, and the GUI to "session ready"), each
# beside the same thing run from .venv. Run after `make package`; uses
# hyperfine where it is installed (apt-get install hyperfine), else a loop.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
APP=dist/talkapp/talkapp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "bundle: $(du -sh dist/talkapp | cut -f1) ($(du -sb dist/talkapp | cut -f1) bytes)"
for f in dist/talkapp-*.tar.gz dist/talkapp_*.deb; do
    echo "$(basename "$f"): $(du -h "$f" | cut -f1) ($(stat -c %s "$f") bytes)"
done

mkdir "$work/data"
"$APP" --data-dir "$work/data" statuses >/dev/null
if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$RUNS" --style basic \
        "$APP --version" ".venv/bin/talkapp --version" \
        "$APP --data-dir $work/data statuses" ".venv/bin/talkapp --data-dir $work/data statuses" \
        2>&1 | grep -E "^Benchmark|Time \(mean"
else
    for cmd in "$APP --version" ".venv/bin/talkapp --version"; do
        start=$(date +%s%N)
        for _ in $(seq "$RUNS"); do $cmd >/dev/null; done
        echo "$cmd: $(( ($(date +%s%N) - start) / RUNS / 1000000 )) ms a run (mean of $RUNS)"
    done
fi

# The GUI, offscreen, on the built-in simulator: launch to the first window
# ("contacts shown", logged as the window is built) and to "session ready"
# (simulator up, connected, syncing).
gui() {
    local label=$1
    shift
    local sum_window=0 sum_ready=0
    for run in $(seq 5); do
        local data=$work/gui-$label-$run log
        log=$data/logs/talk.log
        mkdir -p "$data"
        local start window= ready= now
        start=$(date +%s%N)
        QT_QPA_PLATFORM=offscreen "$@" --data-dir "$data" gui --simulator-contacts 50 \
            >/dev/null 2>&1 &
        local pid=$!
        for _ in $(seq 1500); do
            now=$(date +%s%N)
            [ -z "$window" ] && grep -q "contacts shown" "$log" 2>/dev/null && window=$(( (now - start) / 1000000 ))
            grep -q "session ready" "$log" 2>/dev/null && { ready=$(( (now - start) / 1000000 )); break; }
            sleep 0.02
        done
        kill "$pid"
        wait "$pid" 2>/dev/null || true
        sum_window=$((sum_window + ${window:-0}))
        sum_ready=$((sum_ready + ${ready:-0}))
    done
    echo "$label GUI: window after $((sum_window / 5)) ms, session ready after $((sum_ready / 5)) ms (mean of 5)"
}
gui frozen "$APP"
gui venv .venv/bin/talkapp
