"""Claims and survey answers of the benchmark agency, and the care pages over them.

At scale 1: 100,000 claims over the 20,000 clients from the last two years (more lately; the heavy
client has 1%), every stage of the life cycle by age (the newest are new or being worked, most old
ones closed, a tenth of the closed ones closed automatically, some reopened), each with a reason, and
the analysed ones with a root cause; 300,000 surveys to the clients' contacts, each answered (NPS
0–10 and CSAT 1–5, about a fifth of them detractors) over the same two years.

Measured against its SQL floor (the same page of rows from one hand-written query): the claims list
``/care/`` (open claims, newest first) as the AM and the head, the claim page, and the analysis
page ``/care/analysis/`` and the health of an AM's portfolio when they exist.

Run alone on the bench data sets ``bench/run.py`` built (it adds the care rows once)::

    nice .venv/bin/python bench/care.py [--engine sqlite|postgres] [--requests 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from django.db import connection, transaction  # noqa: E402

CLAIMS_PER_CLIENT = 5  # 100,000 claims over the 20,000 clients of scale 1
ANSWERS_PER_CLIENT = 15  # 300,000 answered surveys
CHUNK = 10_000
YEARS = 2
CLAIM_TITLES = (
    "The landing page went live with the old prices",
    "Report delivered four days after the agreed date",
    "Nobody answered our emails for a week",
    "The invoice charges hours that were not agreed",
    "Campaign results are far below what was promised",
    "The copywriter ignored the brand guidelines",
    "Search rankings dropped after the site migration",
    "The designer's mock-ups do not match the brief",
)
WHY = (
    "Quick and clear, thank you.",
    "Good work, the reports could come earlier.",
    "Hard to reach the account manager this month.",
    "The launch slipped again.",
    "",
    "",
)


def _stage(rng: random.Random, age_days: int) -> str:
    """How far a claim of this age has come."""
    if age_days < 2:
        return rng.choice(("new", "new", "acknowledged", "in_progress"))
    if age_days < 14:
        return rng.choice(("acknowledged", "in_progress", "in_progress", "resolved", "closed"))
    return "closed" if rng.random() < 0.96 else rng.choice(("in_progress", "resolved"))


def build_care(*, seed: int = 11, progress: Callable[[str], None] = print) -> tuple[int, float]:
    """Claims, surveys and survey answers for the bench clients; the rows written and the seconds."""
    from dataset import HEAVY_CLIENT_ID, Writer, bulk_load_mode, columns

    from khata.care.models import Claim, ReasonCode, RootCause, SlaPolicy, Survey, SurveyAnswer
    from khata.clients.models import Client, Contact

    started = time.perf_counter()
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    writer = Writer()
    clients = list(Client.objects.values_list("id", "owner_id").order_by("id"))
    claim_count, answer_count = CLAIMS_PER_CLIENT * len(clients), ANSWERS_PER_CLIENT * len(clients)
    contacts: dict[int, list[int]] = defaultdict(list)
    for pk, client in Contact.objects.values_list("id", "client_id").order_by("id"):
        contacts[client].append(pk)
    reasons = list(ReasonCode.objects.values_list("id", flat=True))
    causes = list(RootCause.objects.values_list("id", flat=True))
    hours = dict(SlaPolicy.objects.values_list("severity", "first_response_hours"))
    resolution = dict(SlaPolicy.objects.values_list("severity", "resolution_hours"))
    severities = ("low", "normal", "normal", "normal", "high", "high", "critical")
    sources = ("portal", "portal", "am")  # a disputed act needs its dispute row

    claim_table, claim_cols = columns(
        Claim,
        "id", "client", "source", "reason", "severity", "title", "description", "status",
        "reopened_count", "contact", "owner", "received_at", "first_response_due", "resolution_due",
        "acknowledged_at", "started_at", "resolved_at", "closed_at", "closed_automatically", "root_cause",
        "responsible_team", "resolution", "preventive_action",
    )  # fmt: skip
    survey_table, survey_cols = columns(
        Survey, "id", "kind", "trigger", "client", "contact", "sent_at", "token_hash", "expires_at",
        "answered_at",
    )  # fmt: skip
    answer_table, answer_cols = columns(
        SurveyAnswer, "id", "survey", "kind", "score", "why", "in_portal", "at"
    )
    span = YEARS * 365 * 24 * 60
    written = 0
    with bulk_load_mode([claim_table, survey_table, answer_table], progress):
        rows: list[tuple[Any, ...]] = []
        for pk in range(1, claim_count + 1):
            client, owner = (
                clients[HEAVY_CLIENT_ID - 1] if rng.random() < 0.01 else clients[rng.randrange(len(clients))]
            )
            age = int(span * rng.random() ** 1.6)
            received = now - dt.timedelta(minutes=age + 60)
            severity = rng.choice(severities)
            # Calendar hours stand in for working hours (three calendar hours per working hour).
            first_due = received + dt.timedelta(hours=3 * hours.get(severity, 8))
            due = received + dt.timedelta(hours=3 * resolution.get(severity, 40))
            stage = _stage(rng, age // (24 * 60))
            acked = started_at = resolved = closed = None
            if stage != "new":
                acked = received + dt.timedelta(minutes=rng.randint(20, 600))
            if stage in {"in_progress", "resolved", "closed"}:
                started_at = (acked or received) + dt.timedelta(minutes=rng.randint(10, 300))
            if stage in {"resolved", "closed"}:
                resolved = (started_at or received) + dt.timedelta(hours=rng.randint(2, 120))
            if stage == "closed":
                closed = (resolved or received) + dt.timedelta(hours=rng.randint(1, 200))
            analysed = stage in {"resolved", "closed"}
            automatic = stage == "closed" and rng.random() < 0.1
            people: list[int | None] = [*contacts.get(client, [])] or [None]
            rows.append(
                (pk, client, rng.choice(sources), rng.choice(reasons),
                 severity, rng.choice(CLAIM_TITLES), "", stage, 1 if rng.random() < 0.05 else 0,
                 rng.choice(people), owner, writer.when(received), writer.when(first_due), writer.when(due),
                 writer.when(acked), writer.when(started_at), writer.when(resolved and min(resolved, now)),
                 writer.when(closed and min(closed, now)), automatic,
                 rng.choice(causes) if analysed and causes else None, "",
                 "Fixed and checked with the client." if analysed else "", "")
            )  # fmt: skip
            if len(rows) == CHUNK:
                with transaction.atomic():
                    writer.write(claim_table, claim_cols, rows)
                written += len(rows)
                rows = []
        with transaction.atomic():
            writer.write(claim_table, claim_cols, rows)
        written += len(rows)
        progress(f"  {claim_count:,} claims ({time.perf_counter() - started:.0f} s)")
        surveys: list[tuple[Any, ...]] = []
        answers: list[tuple[Any, ...]] = []
        with_contacts = [client for client, _owner in clients if contacts.get(client)]
        for pk in range(1, answer_count + 1):
            client = rng.choice(with_contacts)
            kind = "nps" if rng.random() < 0.6 else "csat"
            sent = now - dt.timedelta(minutes=int(span * rng.random()) + 60)
            answered = sent + dt.timedelta(minutes=rng.randint(5, 3 * 24 * 60))
            answered = min(answered, now)
            if kind == "nps":
                score = rng.choices(range(11), weights=(1, 1, 1, 1, 2, 2, 3, 6, 10, 14, 12))[0]
            else:
                score = rng.choices(range(1, 6), weights=(2, 3, 8, 20, 22))[0]
            surveys.append(
                (pk, kind, rng.choice(("act_accepted", "claim_closed", "quarterly", "quarterly")), client,
                 rng.choice(contacts[client]), writer.when(sent), "",
                 writer.when(sent + dt.timedelta(days=14)), writer.when(answered))
            )  # fmt: skip
            answers.append((pk, pk, kind, score, rng.choice(WHY), rng.random() < 0.4, writer.when(answered)))
            if len(surveys) == CHUNK or pk == answer_count:
                with transaction.atomic():
                    writer.write(survey_table, survey_cols, surveys)
                    writer.write(answer_table, answer_cols, answers)
                written += len(surveys) + len(answers)
                surveys, answers = [], []
        progress(f"  {answer_count:,} surveys and answers ({time.perf_counter() - started:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (claim_table, survey_table, answer_table):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
                cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    progress(f"  care: {written:,} rows in {seconds:.1f} s = {written / seconds:,.0f} rows/s")
    return written, seconds


# The floors: one hand-written query per page.

OPEN = ("new", "acknowledged", "in_progress", "resolved")


def list_floor(user: Any) -> Callable[[], list[tuple[Any, ...]]]:
    """The first page of open claims, newest first, with what a row shows."""
    from measure import Floors
    from spec import LIST_PAGE

    from khata.people.models import User

    visible, params = "1 = 1", []
    if user.role == User.Role.AM:
        visible = (
            "(cl.owner_id = %s OR EXISTS (SELECT 1 FROM clients_client v WHERE v.id = cl.client_id "
            "AND (v.owner_id = %s OR v.backup_id = %s)))"
        )
        params = [user.pk, user.pk, user.pk]
    marks = ", ".join("%s" for _ in OPEN)
    return Floors.query(
        "SELECT cl.id, cl.title, cl.status, cl.severity, cl.received_at, cl.first_response_due, "
        "cl.resolution_due, cl.acknowledged_at, c.display_name, r.name, u.full_name, p.name "
        "FROM care_claim cl JOIN clients_client c ON c.id = cl.client_id "
        "JOIN care_reasoncode r ON r.id = cl.reason_id LEFT JOIN people_user u ON u.id = cl.owner_id "
        "LEFT JOIN plans_project p ON p.id = cl.project_id "
        f"WHERE cl.status IN ({marks}) AND {visible} ORDER BY cl.received_at DESC, cl.id DESC "
        f"LIMIT {LIST_PAGE + 1}",
        [*OPEN, *params],
    )


def claim_floor(pk: int) -> Callable[[], list[tuple[Any, ...]]]:
    """The claim with its client and reason, its actions and goodwill, its events (four queries)."""
    from measure import Floors

    parts = [
        Floors.query(
            "SELECT cl.*, c.display_name, r.name FROM care_claim cl JOIN clients_client c ON "
            "c.id = cl.client_id JOIN care_reasoncode r ON r.id = cl.reason_id WHERE cl.id = %s",
            [pk],
        ),
        Floors.query("SELECT * FROM care_correctiveaction WHERE claim_id = %s ORDER BY created_at, id", [pk]),
        Floors.query("SELECT * FROM care_goodwill WHERE claim_id = %s ORDER BY at, id", [pk]),
        Floors.query(
            "SELECT e.* FROM core_event e WHERE e.client_id = "
            "(SELECT client_id FROM care_claim WHERE id = %s) "
            "AND e.subject_id = %s ORDER BY e.at DESC, e.id DESC LIMIT 100",
            [pk, pk],
        ),
    ]

    def run() -> list[tuple[Any, ...]]:
        return [row for part in parts for row in part()]

    return run


def analysis_floor(user: Any) -> Callable[[], list[tuple[Any, ...]]]:
    """Claims by reason and root cause, and NPS and CSAT by month, over the whole history."""
    from measure import Floors

    from khata.people.models import User

    visible, params = "1 = 1", []
    if user.role == User.Role.AM:
        visible = (
            "EXISTS (SELECT 1 FROM clients_client v WHERE v.id = x.client_id "
            "AND (v.owner_id = %s OR v.backup_id = %s))"
        )
        params = [user.pk, user.pk]
    month = "strftime('%%Y-%%m', a.at)" if connection.vendor == "sqlite" else "date_trunc('month', a.at)"
    parts = [
        Floors.query(
            f"SELECT x.reason_id, COUNT(*) FROM care_claim x WHERE {visible} GROUP BY x.reason_id", params
        ),
        Floors.query(
            f"SELECT x.root_cause_id, COUNT(*) FROM care_claim x WHERE {visible} GROUP BY x.root_cause_id",
            params,
        ),
        Floors.query(
            f"SELECT {month}, a.kind, COUNT(*), SUM(CASE WHEN a.score >= 9 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN a.score <= 6 THEN 1 ELSE 0 END), AVG(a.score) FROM care_surveyanswer a "
            f"JOIN care_survey x ON x.id = a.survey_id WHERE {visible} GROUP BY 1, a.kind",
            params,
        ),
    ]

    def run() -> list[tuple[Any, ...]]:
        return [row for part in parts for row in part()]

    return run


def measure_care(*, engine: str, users: dict[str, Any], requests: int) -> list[Any]:
    """The claims list, a claim's page, the analysis page and the health of a portfolio."""
    from billing import _printed, _served, measure_call
    from measure import Session

    from khata.care.models import Claim

    rows: list[Any] = []
    for persona, user in users.items():
        session = Session(engine=engine, persona=persona, user=user, requests=requests)
        _printed(session.measure("claims list, open, first page", "/care/", list_floor(user)), rows)
        claim = (
            Claim.objects.filter(client__owner=user).order_by("-received_at").first()
            if persona != "head"
            else Claim.objects.order_by("-received_at").first()
        )
        if claim is not None:
            _printed(session.measure("claim page", f"/care/{claim.pk}/", claim_floor(claim.pk)), rows)
        if _served(session, "/care/analysis/"):
            row = session.measure("claim analysis page", "/care/analysis/", analysis_floor(user))
            row.limit_ms = 1000.0
            _printed(row, rows)
        try:
            from khata.clients.models import Client
            from khata.insights.health import health_for

            clients = Client.objects.filter(owner=user) if persona != "head" else Client.objects.all()
            row = measure_call(
                engine=engine, persona=persona, page="health of the portfolio [health_for]",
                call=partial(health_for, clients), floor=analysis_floor(user),
                requests=max(5, requests // 10),
            )  # fmt: skip
            row.limit_ms = 5000.0
            _printed(row, rows)
        except ImportError:
            pass
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description="Care rows and pages over the bench data set.")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench"))
    args = parser.parse_args()
    from run import database_url

    os.environ["DATABASE_URL"] = database_url(args.engine, Path(args.data_dir))
    os.environ["KHATA_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("SECRET_KEY", "khata-bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    import django

    django.setup()
    from dataset import personas
    from django.core.management import call_command

    from khata.care.models import Claim

    call_command("migrate", verbosity=0)
    if not Claim.objects.exists():
        build_care()
    print(f"== {args.engine}: {Claim.objects.count():,} claims", flush=True)
    measure_care(engine=args.engine, users=personas(), requests=args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
