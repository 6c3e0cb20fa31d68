"""``make bench``: every benchmark, one table, ``bench/results.json``.

    .venv/bin/python bench/run.py [--small]

Each figure stands beside its limit and the ratio to it. ``--small`` runs
the same code on small numbers (part of ``make test``, so the benchmarks
cannot rot); its figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent

FULL = {
    "sync": [
        "--contacts",
        "100000",
        "--limited",
        "20000",
        "--changes",
        "100",
        "--pushes",
        "10000",
    ],
    "gui": ["--contacts", "100000"],
    "webhook": ["--changes", "100", "--pause-ms", "300"],
}
SMALL = {
    "sync": [
        "--rounds",
        "2",
        "--contacts",
        "6000",
        "--limited",
        "300",
        "--changes",
        "20",
        "--pushes",
        "120",
    ],
    "gui": ["--contacts", "400"],
    "webhook": ["--changes", "5", "--pause-ms", "50"],
}
SCRIPTS = {"sync": "sync.py", "gui": "gui.py", "webhook": "webhook_latency.py"}


def run(name: str, args: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        subprocess.run(
            [sys.executable, str(HERE / SCRIPTS[name]), *args, "--json", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return json.loads(out.read_text())


def rows(figures: dict) -> list[tuple[str, float, str, float | None, str]]:
    """(what, measured, unit, limit, kind) — kind says how the ratio reads."""
    sync, gui, hook = figures["sync"], figures["gui"], figures["webhook"]
    first, limited = sync["first_sync"], sync["rate_limited_first_sync"]
    push = sync["push"]
    return [
        (
            "1. first sync: HTTP requests",
            first["requests"],
            "",
            first["requests_floor"],
            "≤ ×1.00 of the floor ⌈N/100⌉+1 (+1 anchor)",
        ),
        (
            "1. first sync: time vs a bare httpx walk",
            first["seconds"],
            "s",
            first["bare_loop_seconds"],
            "target ratio ≤ 1.25",
        ),
        (
            "1. first sync: time ratio, round by round",
            first["paired_time_ratio"],
            "×",
            None,
            "target ≤ 1.25 (median of each run / the bare walk before it)",
        ),
        (
            "2. rate-limited first sync: time vs the floor",
            limited["seconds"],
            "s",
            limited["floor_seconds"],
            "target ≥ 90 % of the allowed rate",
        ),
        ("2. rate-limited first sync: 429s", limited["http_429s"], "", 0, "target 0"),
        (
            "3. incremental sync: requests",
            sync["incremental"]["requests"],
            "",
            3,
            "target ≤ 3",
        ),
        (
            "3. incremental sync: time",
            sync["incremental"]["seconds"] * 1000,
            "ms",
            200,
            "target < 200 ms",
        ),
        (
            "4. two-way push: batch updates",
            push["batch_updates"],
            "",
            push["batch_updates_floor"],
            "floor ⌈m/100⌉",
        ),
        (
            "4. two-way push: batch reads",
            push["batch_reads"],
            "",
            push["batch_reads_floor"],
            "floor ⌈m/50⌉",
        ),
        ("4. two-way push: time", push["seconds"], "s", None, ""),
        (
            "5. app start to usable window",
            gui["startup_to_usable_s"],
            "s",
            2,
            "target < 2 s",
        ),
        (
            "5. type-to-search p95",
            gui["search_keystroke_p95_ms"],
            "ms",
            50,
            "target < 50 ms",
        ),
        (
            "5. longest GUI stall in a first sync",
            gui["gui_stall_max_ms"],
            "ms",
            100,
            "target < 100 ms",
        ),
        ("5. peak memory (RSS), the app", gui["peak_rss_mb"], "MB", None, ""),
        (
            "5. peak memory (RSS), app + store writer",
            gui["peak_rss_with_writer_mb"],
            "MB",
            300,
            "target < 300 MB",
        ),
        ("6. webhook to table, p50", hook["p50_ms"], "ms", None, ""),
        ("6. webhook to table, p95", hook["p95_ms"], "ms", 300, "target < 300 ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    plan = SMALL if args.small else FULL
    figures = {name: run(name, plan[name]) for name in plan}
    table = rows(figures)
    width = max(len(row[0]) for row in table)
    for what, value, unit, limit, kind in table:
        ratio = f"{value / limit:6.2f}×" if limit else "      "
        shown = f"{value:,.2f}".rstrip("0").rstrip(".") + (f" {unit}" if unit else "")
        limit_text = "" if limit is None else f"{limit:,}{' ' + unit if unit else ''}"
        print(f"{what:<{width}}  {shown:>12}  {limit_text:>10}  {ratio}  {kind}")
    args.json.write_text(
        json.dumps({"figures": figures, "small": args.small}, indent=2)
    )
    print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
