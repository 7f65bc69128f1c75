"""``make bench``: page timings of Khata over a large data set, on SQLite and PostgreSQL.

    .venv/bin/python bench/run.py [--engine sqlite|postgres|both] [--scale 1.0] [--rebuild]
                                  [--requests 200] [--data-dir var/bench] [--out bench/results/latest.md]
                                  [--only all|clients|production|documents|billing|health|care]

Builds the data set of ``bench/dataset.py`` once per engine (a SQLite file under ``var/bench/``, the
PostgreSQL database ``khata_bench`` on 127.0.0.1:5432) and reuses it while its size is the same.
Then, in-process with Django's test client, signed in as an account manager who holds a third of
the clients and as the head of accounts, it requests each page many times and reports p50 and p95,
the queries per request, and the "SQL floor": the same answer computed by one hand-written SQL
query, timed the same way (``bench/measure.py``). Target: p95 within 3 x the floor's p95 + 20 ms,
and as many queries on a deep page as on the first.

Each engine runs in a child process of its own (Django's settings are fixed per process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from spec import FLOOR_DOCS, WARM_UP, Row, Spec  # noqa: E402 (needs the path above)

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = os.environ.get("KHATA_BENCH_DATABASE", "khata_bench")  # the smoke test uses a throw-away one
SQLITE_FILE = "khata-bench.sqlite3"


# The parent: prepares each engine's database, runs a worker per engine, writes the report.


def database_url(engine: str, data_dir: Path) -> str:
    if engine == "sqlite":
        return f"sqlite://{(data_dir / SQLITE_FILE).resolve()}"
    return f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"


def reset_storage(engine: str, data_dir: Path) -> None:
    """Start the engine's data set from nothing."""
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (data_dir / f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {PG_DATABASE}")


def ensure_postgres_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]).fetchone()
        if not found:
            admin.execute(f"CREATE DATABASE {PG_DATABASE}")


def run_parent(args: argparse.Namespace) -> int:
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    spec = Spec.at_scale(args.scale)
    results: list[dict[str, Any]] = []
    for engine in engines:
        meta_file = data_dir / f"{engine}.json"
        meta = json.loads(meta_file.read_text()) if meta_file.exists() else None
        if args.rebuild or meta != spec.as_dict():
            meta_file.unlink(missing_ok=True)
            reset_storage(engine, data_dir)
        elif engine == "postgres":
            ensure_postgres_database()
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        env = os.environ | {
            "DATABASE_URL": database_url(engine, data_dir),
            "KHATA_DATA_DIR": str(data_dir),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "khata-bench-only"),
        }
        command = [
            sys.executable,
            __file__,
            "--worker",
            engine,
            "--json",
            str(out),
            "--scale",
            str(args.scale),
        ]
        command += ["--requests", str(args.requests), "--data-dir", str(data_dir), "--only", args.only]
        print(f"== {engine}", flush=True)
        subprocess.run(command, env=env, check=True)
        results.append(json.loads(out.read_text()))
        out.unlink()
    report = render(results, scale=args.scale, requests=args.requests)
    print("\n" + report)
    out_file = Path(args.out)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(report)
    print(f"Written to {out_file}")
    return 0


def render(results: list[dict[str, Any]], *, scale: float, requests: int) -> str:
    lines = [
        "# Khata benchmark",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; scale {scale:g}; "
        f"{requests} timed requests per row after {min(WARM_UP, requests)} warm-up; "
        f"in-process Django test client; {os.cpu_count()} cores; load average "
        f"{results[0]['load_average'] if results else '?'} at the start. Times in ms. Target: p95 ≤ "
        "3 × floor p95 + 20 ms (the billing reports: < 1 s; recording a payment: < 50 ms), and queries "
        "per request independent of data size. CPU: the mean CPU time of the benchmark process per "
        "request (without PostgreSQL's own).",
        "",
    ]
    for result in results:
        sizes = result["sizes"]
        lines.append(
            f"- **{result['engine']}**: {sizes['clients']:,} clients, {sizes['contacts']:,} contacts, "
            f"{sizes['interactions']:,} interactions, {sizes['events']:,} events, "
            f"{sizes.get('projects', 0):,} projects, {sizes.get('tasks', 0):,} tasks, "
            f"{sizes.get('documents', 0):,} documents, {sizes.get('invoices', 0):,} invoices, "
            f"{sizes.get('payments', 0):,} payments. {result['load']}"
        )
        if "pdf" in result:
            lines.append(f"  {result['pdf']}")
        if result.get("invoice_pdf"):
            lines.append(f"  {result['invoice_pdf']}")
    lines += [
        "",
        "| engine | page | as | p50 | p95 | CPU | queries | floor p50 | floor p95 | target | meets |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes: list[str] = []
    for result in results:
        for raw in result["rows"]:
            row = Row(**raw)
            head = f"| {row.engine} | {row.page} | {row.persona} "
            if row.status != "ok":
                lines.append(head + f"| – | – | – | – | – | – | – | {row.status} |")
                continue
            lines.append(
                head
                + f"| {row.p50:.1f} | {row.p95:.1f} | {row.cpu:.1f} | {row.queries} | {row.floor_p50:.2f} "
                f"| {row.floor_p95:.2f} | {row.target:.1f} | {'yes' if row.meets_target else '**no**'} |"
            )
            if row.note:
                notes.append(f"- {row.engine}, {row.page}, {row.persona}: {row.note}")
    lines += ["", "Floors (one SQL query each):", *(f"- {text}" for text in FLOOR_DOCS)]
    if notes:
        lines += ["", "Checks of the pages against their floors:", *notes]
    return "\n".join(lines) + "\n"


# The worker: runs inside one engine's Django.


def run_worker(args: argparse.Namespace) -> int:
    load_average = "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    import django

    django.setup()
    from dataset import HEAVY_CLIENT_ID, build, personas
    from django.core.management import call_command
    from django.utils import timezone
    from documents import explain_plans, measure_documents, measure_pdf
    from measure import measure_all
    from production import measure_production

    from khata.billing.models import Invoice, Payment
    from khata.clients.models import Client, Contact, Interaction
    from khata.core.models import Event
    from khata.documents.models import Document
    from khata.plans.models import Project
    from khata.production.models import Task

    spec = Spec.at_scale(args.scale)
    call_command("migrate", verbosity=0)
    load = "Data set reused."
    if not Client.objects.exists():
        print(f"Building the data set: {spec}", flush=True)
        report = build(spec, progress=lambda text: print(text, flush=True))
        load = (
            f"Bulk load: {report.rows:,} rows in {report.seconds:.1f} s "
            f"= {report.rows_per_second:,.0f} rows/s."
        )
        print(load, flush=True)
        (Path(args.data_dir) / f"{args.worker}.json").write_text(json.dumps(spec.as_dict()))
    sizes = {
        "clients": Client.objects.count(),
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "events": Event.objects.count(),
        "projects": Project.objects.count(),
        "tasks": Task.objects.count(),
        "documents": Document.objects.count(),
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
    }
    rows = []
    today = timezone.localdate()
    if args.only in {"all", "clients"}:
        rows += measure_all(
            engine=args.worker, users=personas(), heavy_client=HEAVY_CLIENT_ID, requests=args.requests
        )
    if args.only in {"all", "production"}:
        rows += measure_production(engine=args.worker, users=personas(), requests=args.requests, today=today)
    pdf = "PDF: not measured (--only)"
    if args.only in {"all", "documents"}:
        rows += measure_documents(engine=args.worker, users=personas(), requests=args.requests, today=today)
        measured = measure_pdf(requests=args.requests)
        pdf = measured.get("text", measured["status"])
        print(f"  {pdf}", flush=True)
        plans = Path(args.data_dir) / f"plans-{args.worker}.txt"
        plans.write_text(explain_plans(personas(), today) + "\n")
        print(f"  Query plans of the registry and the unsigned acts: {plans}", flush=True)
    invoice_pdf = ""
    if args.only in {"all", "billing"}:
        from billing import explain_billing, measure_billing, measure_invoice_pdf

        rows += measure_billing(engine=args.worker, users=personas(), requests=args.requests, today=today)
        invoice_pdf = measure_invoice_pdf(requests=args.requests)
        print(f"  {invoice_pdf}", flush=True)
        plans = Path(args.data_dir) / f"billing-plans-{args.worker}.txt"
        plans.write_text(explain_billing(personas(), today) + "\n")
        print(f"  Query plans of the invoice list and the aging report: {plans}", flush=True)
    if args.only in {"all", "health"}:
        from health import measure_health

        rows += measure_health(engine=args.worker, requests=args.requests)
    if args.only in {"all", "care"}:
        from care import build_care, measure_care

        from khata.care.models import Claim

        if not Claim.objects.exists():  # the care rows join a kept data set once
            build_care(progress=lambda text: print(text, flush=True))
        rows += measure_care(engine=args.worker, users=personas(), requests=args.requests)
    return _write_result(args, sizes, load, load_average, rows, pdf, invoice_pdf)


def _write_result(
    args: argparse.Namespace,
    sizes: dict[str, int],
    load: str,
    load_average: str,
    rows: list[Any],
    pdf: str,
    invoice_pdf: str = "",
) -> int:
    result = {
        "engine": args.worker,
        "sizes": sizes,
        "load": load,
        "load_average": load_average,
        "rows": [row.__dict__ for row in rows],
        "pdf": pdf,
        "invoice_pdf": invoice_pdf,
    }
    Path(args.json).write_text(json.dumps(result))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Page timings of Khata over a large data set.")
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 = 20,000 clients, 1,000,000 events, 500,000 tasks, 250,000 invoices, 300,000 payments",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the data set again even if it exists")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row (default 200)")
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.md"))
    parser.add_argument(
        "--only",
        choices=["all", "clients", "production", "documents", "billing", "health", "care"],
        default="all",
        help="measure only these pages (the data set is built whole)",
    )
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return run_worker(args) if args.worker else run_parent(args)


if __name__ == "__main__":
    raise SystemExit(main())
