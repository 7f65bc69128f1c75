"""``make bench`` still runs: a tiny data set on SQLite in a temporary folder, every page measured.

Timings belong to ``bench/`` and are never asserted here; only that the benchmark works end to end.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_bench_builds_a_tiny_data_set_and_measures_every_page(tmp_path: Path) -> None:
    out = tmp_path / "latest.md"
    command = [sys.executable, str(settings.BASE_DIR / "bench" / "run.py"), "--engine", "sqlite"]
    command += ["--scale", "0.001", "--requests", "3", "--data-dir", str(tmp_path), "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = out.read_text()
    assert "Bulk load:" in report
    assert "200 documents" in report  # ten per client, with their lines and answers
    assert "PDF of a 20-line act" in report or "PDF: not measured" in report
    rows = [line for line in report.splitlines() if line.startswith("| sqlite |")]
    # Five client pages, three project and task pages and eight document pages (the registry five ways,
    # the unsigned acts, the contracts coming up, an act), as an AM and as the head; my tasks as a specialist.
    assert len(rows) == 33
    assert all(line.endswith(("| yes |", "| **no** |")) for line in rows), report  # every page answered 200
    assert "Checks of the pages" not in report, report  # each page showed its floor's rows
    # Registered documents carry gapless numbers per series and year, and the counters stand at the last
    # one, so a document registered later in the bench database continues its series.
    with sqlite3.connect(tmp_path / "khata-bench.sqlite3") as database:
        counters = database.execute("SELECT series, year, last FROM core_counter").fetchall()
        numbers = [
            row[0] for row in database.execute("SELECT number FROM documents_document WHERE number <> ''")
        ]
    assert counters
    assert len(numbers) == len(set(numbers)) == sum(last for _, _, last in counters)
    for series, year, last in counters:
        taken = sorted(int(n.rsplit("/", 1)[1]) for n in numbers if n.startswith(f"{series}/{year}/"))
        assert taken == list(range(1, last + 1)), (series, year)
