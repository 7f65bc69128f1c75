"""``make bench`` still runs: a tiny data set on SQLite in a temporary folder, every page measured.

Timings belong to ``bench/`` and are never asserted here; only that the benchmark works end to end.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_bench_builds_a_tiny_data_set_and_measures_every_page(tmp_path: Path) -> None:
    out = tmp_path / "latest.md"
    command = [sys.executable, str(settings.BASE_DIR / "bench" / "run.py"), "--engine", "sqlite"]
    command += ["--scale", "0.001", "--requests", "3", "--data-dir", str(tmp_path), "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = out.read_text()
    assert "Bulk load:" in report
    rows = [line for line in report.splitlines() if line.startswith("| sqlite |")]
    # Five client pages and three project and task pages, as an AM and as the head; my tasks as a specialist.
    assert len(rows) == 17
    assert all(line.endswith(("| yes |", "| **no** |")) for line in rows), report  # every page answered 200
    assert "Checks of the pages" not in report, report  # each page showed its floor's rows
