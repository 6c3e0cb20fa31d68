"""The benchmarks run end to end on small numbers, so they cannot rot.

Only that they run and report every figure is checked here; what the
figures are worth is for ``make bench`` at full size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.loopback]


def test_make_bench_runs_on_small_numbers(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--small", "--json", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]

    figures = json.loads(out.read_text())["figures"]
    # 6,000 contacts: long enough for a store writer process.
    assert figures["sync"]["first_sync"]["requests"] == 62
    assert figures["sync"]["first_sync"]["store_writer"] is True
    assert figures["sync"]["push"]["batch_updates"] == 2
    assert figures["sync"]["rate_limited_first_sync"]["http_429s"] == 0
    assert figures["gui"]["rows_listed"] == 400
    assert figures["webhook"]["changes"] == 5
    for line in ("1. first sync", "5. type-to-search p95", "6. webhook to table"):
        assert line in result.stdout
