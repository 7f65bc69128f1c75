"""Projects, plans and tasks of the benchmark agency, and the pages that show them.

At scale 1: 20,000 projects over the clients (each project run by its client's AM, so the first AM
runs a third of them), one plan version per project past the brief (a change request's second
version on some), three items per version, the agreed versions' two approvals, 300 specialists of
seven specialties and 500,000 tasks. Tasks follow a long tail over the projects that reached
production; one project of the heavy client (``HEAVY_PROJECT_ID``) holds 1% of them, and the
project board is measured on it. A specialist has a few hundred open tasks; "my tasks" is measured
as the busiest one.

Rows are written like the rest of the data set (``dataset.Writer``), a thousand projects with their
versions, items and tasks per transaction, with the tables' secondary indexes built once at the end.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from dataset import Writer, bulk_load_mode, columns, weighted
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from measure import Floors, Query, Rows, Session
from spec import Row, Spec

from khata.core.boards import COUNT_CAP
from khata.people.models import Specialty, User
from khata.plans.models import Approval, PlanItem, PlanVersion, Project
from khata.plans.selectors import PORTFOLIO_STAGE_LIMIT
from khata.production.models import Task
from khata.production.selectors import AT_RISK_DAYS, COLUMN_LIMIT, DONE_RECENT_DAYS, PORTFOLIO_LIMIT
from khata.production.views import WORKLOAD_PEOPLE, WORKLOAD_WEEKS

HEAVY_PROJECT_ID = 1
CHUNK = 1000
SPECIALTIES = (
    "usability",
    "copywriting",
    "analytics",
    "seo",
    "contextual-advertising",
    "design",
    "development",
)
STAGES = (
    ("brief", 8),
    ("planning", 10),
    ("production", 22),
    ("acceptance", 7),
    ("done", 33),
    ("on_hold", 10),
    ("cancelled", 10),
)
WITH_TASKS = {"production", "acceptance", "done", "on_hold"}
AGREED = WITH_TASKS
# fmt: off
WORK = (
    ("SEO retainer", "SEO"), ("Search ads", "Contextual advertising (PPC)"), ("Usability audit", "Usability"),
    ("Content sprint", "Copywriting"), ("Analytics set-up", "Analytics"), ("Website redesign", "Design"),
)
DELIVERABLES = (
    ("Technical audit", "seo"), ("Keyword plan", "contextual-advertising"), ("Heuristic review", "usability"),
    ("Landing page copy", "copywriting"), ("Tracking set-up", "analytics"), ("Wireframes", "design"),
    ("Front-end build", "development"), ("Monthly report", "analytics"), ("Blog articles", "copywriting"),
)
# fmt: on


def specialists(count: int) -> list[tuple[User, str]]:
    """The specialists, each with one specialty, spread evenly over the seven."""
    password = make_password("khata-bench-2026")
    specialties = {
        code: Specialty.objects.get_or_create(code=code, defaults={"name": code.replace("-", " ").title()})[0]
        for code in SPECIALTIES
    }
    people = []
    for n in range(1, count + 1):
        code = SPECIALTIES[n % len(SPECIALTIES)]
        user = User.objects.create(
            email=f"bench.specialist{n:03d}@bench.example",
            full_name=f"Specialist {n:03d}",
            role=User.Role.SPECIALIST,
            password=password,
        )
        user.specialties.set([specialties[code]])
        people.append((user, code))
    return people


def build_projects(
    spec: Spec,
    *,
    writer: Writer,
    rng: random.Random,
    owners: dict[int, int],
    now: dt.datetime,
    progress: Callable[[str], None],
) -> None:
    """Projects, plans and tasks for clients ``1..spec.clients`` (``owners``: client id → AM id)."""
    started = time.perf_counter()
    today = now.date()
    people = specialists(spec.specialists)
    by_specialty: dict[str, list[int]] = {}
    for user, code in people:
        by_specialty.setdefault(code, []).append(user.pk)
    specialty_ids = dict(Specialty.objects.values_list("code", "pk"))
    stage_of = weighted(rng, STAGES)

    stages = [stage_of() for _ in range(spec.projects)]
    stages[HEAVY_PROJECT_ID - 1] = "production"
    # Tasks per project with tasks: a long tail, and the heavy project 1% of all.
    weights = [min(rng.paretovariate(1.5), 40.0) if stage in WITH_TASKS else 0.0 for stage in stages]
    heavy = max(50, spec.tasks // 100)
    scale = (spec.tasks - heavy) / (sum(weights) - weights[0])
    counts = [round(w * scale) for w in weights]
    counts[0] = heavy

    project_table, project_cols = columns(
        Project, "id", "client", "name", "services", "stage", "start_date", "target_date", "budget_minor",
        "budget_hours", "owner", "created_at",
    )  # fmt: skip
    version_table, version_cols = columns(
        PlanVersion, "id", "project", "number", "status", "created_by", "created_at", "based_on", "note",
        "proposed_at",
    )  # fmt: skip
    item_table, item_cols = columns(
        PlanItem, "id", "version", "key", "deliverable", "specialty", "estimate_minutes", "due_date",
        "price_minor", "origin",
    )  # fmt: skip
    approval_table, approval_cols = columns(Approval, "id", "version", "side", "by", "created_at")
    task_table, task_cols = columns(
        Task, "id", "project", "plan_item", "title", "assignee", "specialty", "status", "blocked_on",
        "blocked_reason", "due_date", "estimate_minutes", "visible_to_client", "created_at", "done_at",
    )  # fmt: skip
    version_id = item_id = approval_id = task_id = 0
    tables = [project_table, version_table, item_table, approval_table, task_table]
    with bulk_load_mode(tables, progress):
        for first in range(1, spec.projects + 1, CHUNK):
            projects: list[tuple[Any, ...]] = []
            versions: list[tuple[Any, ...]] = []
            items: list[tuple[Any, ...]] = []
            approvals: list[tuple[Any, ...]] = []
            tasks: list[tuple[Any, ...]] = []
            for pid in range(first, min(first + CHUNK, spec.projects + 1)):
                stage = stages[pid - 1]
                client = HEAVY_PROJECT_ID if pid == HEAVY_PROJECT_ID else rng.randint(1, spec.clients)
                owner = owners[client]
                length = rng.randint(30, 180)
                if stage in {"done", "cancelled"}:
                    start = today - dt.timedelta(days=length + rng.randint(10, 700))
                elif stage in {"brief", "planning"}:
                    start = today - dt.timedelta(days=rng.randint(0, 40))
                else:
                    start = today - dt.timedelta(days=rng.randint(10, length))
                if pid == HEAVY_PROJECT_ID:
                    start, length = today - dt.timedelta(days=300), 420
                target = start + dt.timedelta(days=length)
                created = dt.datetime.combine(start, dt.time(9), dt.UTC) - dt.timedelta(days=3)
                name, service = WORK[pid % len(WORK)]
                projects.append(
                    (pid, client, f"{name} {pid}", service, stage, writer.day(start), writer.day(target),
                     rng.randint(50, 2000) * 100_000, rng.randint(20, 400), owner, writer.when(created))
                )  # fmt: skip
                if stage == "brief":
                    continue

                # The plan: one version (agreed past planning), a change request on some in production.
                statuses = ["agreed"] if stage in AGREED else [rng.choice(["draft", "proposed"])]
                if stage == "production" and rng.random() < 0.1:
                    statuses.append("proposed")
                keys = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(3)]
                deliverables = rng.sample(DELIVERABLES, 3)
                agreed_items: list[int] = []
                previous = None
                for number, status in enumerate(statuses, start=1):
                    version_id += 1
                    at = created + dt.timedelta(days=2 * number)
                    versions.append(
                        (version_id, pid, number, status, owner, writer.when(at), previous, "",
                         writer.when(at) if status != "draft" else None)
                    )  # fmt: skip
                    for n, (key, (deliverable, code)) in enumerate(zip(keys, deliverables, strict=True)):
                        item_id += 1
                        due = start + dt.timedelta(days=length * (n + 1) // 3)
                        items.append(
                            (item_id, version_id, writer.uuid(key), deliverable, specialty_ids[code],
                             rng.choice((4, 8, 16, 24)) * 60, writer.day(due), rng.randint(10, 200) * 100_000,
                             "company")
                        )  # fmt: skip
                        if status == "agreed":
                            agreed_items.append(item_id)
                    if status == "agreed":
                        for side in ("client", "company"):
                            approval_id += 1
                            approvals.append(
                                (
                                    approval_id,
                                    version_id,
                                    side,
                                    owner,
                                    writer.when(at + dt.timedelta(hours=2)),
                                )
                            )
                    previous = version_id

                # Tasks: the agreed items first, then the rest of the project's work.
                for n in range(counts[pid - 1]):
                    task_id += 1
                    code = SPECIALTIES[rng.randrange(len(SPECIALTIES))]
                    due = start + dt.timedelta(days=rng.randint(0, length))
                    status, done_at = _task_state(rng, stage, due, today, now)
                    blocked_on = rng.choice(("client", "team")) if status == "blocked" else ""
                    tasks.append(
                        (task_id, pid, agreed_items[n] if n < len(agreed_items) else None,
                         f"{rng.choice(DELIVERABLES)[0]} #{n + 1}", rng.choice(by_specialty[code]),
                         specialty_ids[code], status, blocked_on,
                         "Waiting for the client's access" if blocked_on else "", writer.day(due),
                         rng.choice((2, 4, 8, 16)) * 60, rng.random() < 0.3,
                         writer.when(created + dt.timedelta(days=5)), writer.when(done_at))
                    )  # fmt: skip
            with transaction.atomic():
                writer.write(project_table, project_cols, projects)
                writer.write(version_table, version_cols, versions)
                writer.write(item_table, item_cols, items)
                writer.write(approval_table, approval_cols, approvals)
                writer.write(task_table, task_cols, tasks)
            done = min(first + CHUNK - 1, spec.projects)
            if done % (CHUNK * 5) == 0 or done == spec.projects:
                progress(f"  {done:,} projects, {task_id:,} tasks ({time.perf_counter() - started:.0f} s)")


def _task_state(
    rng: random.Random, stage: str, due: dt.date, today: dt.date, now: dt.datetime
) -> tuple[str, dt.datetime | None]:
    """A task's status (and when it was done) from its project's stage and its due date."""
    done_at = min(now, dt.datetime.combine(due, dt.time(12), dt.UTC) - dt.timedelta(days=rng.randint(0, 5)))
    if stage == "done" or (stage == "acceptance" and rng.random() < 0.9):
        return "done", done_at
    if stage == "acceptance":
        return "in_review", None
    roll = rng.random()
    if roll < 0.02:
        return "blocked", None
    if due < today:
        return ("done", done_at) if roll < 0.85 else (rng.choice(("todo", "in_progress")), None)
    if due < today + dt.timedelta(days=14):
        return rng.choice(("todo", "in_progress", "in_progress", "in_review")), None
    return ("todo", None) if roll < 0.9 else ("in_progress", None)


def busiest_specialist() -> User:
    """The specialist with the most open tasks: "my tasks" is measured as them."""
    row = (
        Task.objects.exclude(status="done")
        .values_list("assignee")
        .annotate(n=Count("id"))
        .order_by("-n", "assignee")
        .first()
    )
    assert row is not None
    return User.objects.get(pk=row[0])


# Floors: the hand-written SQL answering each page.

TASK_COLUMNS = (
    "t.id, t.title, t.status, t.due_date, t.blocked_on, p.name, c.display_name, a.full_name, s.name "
    "FROM production_task t JOIN plans_project p ON p.id = t.project_id "
    "JOIN clients_client c ON c.id = p.client_id LEFT JOIN people_user a ON a.id = t.assignee_id "
    "LEFT JOIN people_specialty s ON s.id = t.specialty_id"
)


def _visible_projects(user: User) -> tuple[str, list[Any]]:
    """The projects a user may see, as a condition on ``p`` (joined with its client ``c``)."""
    if user.role == User.Role.AM:
        return "(p.owner_id = %s OR c.owner_id = %s OR c.backup_id = %s)", [user.pk] * 3
    return "1 = 1", []


def portfolio_floor(user: User) -> Query:
    """Each stage's first projects in target-date order, with client, AM and the latest plan version."""
    visible, params = _visible_projects(user)
    latest = "(SELECT v.{} FROM plans_planversion v WHERE v.project_id = p.id ORDER BY v.number DESC LIMIT 1)"
    parts = []
    for stage, _weight in STAGES:
        parts.append(
            "SELECT * FROM (SELECT p.id, p.name, p.stage, p.target_date, c.display_name, o.full_name, "
            f"{latest.format('number')}, {latest.format('status')} FROM plans_project p "
            "JOIN clients_client c ON c.id = p.client_id JOIN people_user o ON o.id = p.owner_id "
            f"WHERE p.stage = %s AND {visible} ORDER BY p.target_date, p.name, p.id "
            f"LIMIT {PORTFOLIO_STAGE_LIMIT}) s_{stage}"
        )
    counts = (
        f"SELECT NULL, NULL, p.stage, NULL, NULL, NULL, COUNT(*), NULL FROM plans_project p "
        f"JOIN clients_client c ON c.id = p.client_id WHERE {visible} GROUP BY p.stage"
    )
    all_params: list[Any] = []
    for stage, _weight in STAGES:
        all_params += [stage, *params]
    return Floors.query(" UNION ALL ".join([*parts, counts]), all_params + params)


def _columns_floor(where: str, params: list[Any]) -> Query:
    """A board's columns as the page reads them: each status's first cards (most urgent first; the
    latest done first in Done) with project, client, assignee and specialty, and the count per status."""
    parts = []
    all_params: list[Any] = []
    for status in Task.Status.values:
        order = "t.done_at DESC, t.id DESC" if status == Task.Status.DONE else "t.due_date, t.id"
        parts.append(
            f"SELECT * FROM (SELECT {TASK_COLUMNS} WHERE {where} AND t.status = %s "
            f"ORDER BY {order} LIMIT {COLUMN_LIMIT}) col_{status}"
        )
        all_params += [*params, status]
    counts = (
        # The count in the specialty's text column: PostgreSQL unites only columns of one type.
        "SELECT NULL, NULL, t.status, NULL, NULL, NULL, NULL, NULL, CAST(COUNT(*) AS TEXT) "
        f"FROM production_task t WHERE {where} GROUP BY t.status"
    )
    return Floors.query(" UNION ALL ".join([*parts, counts]), all_params + params)


def project_board_floor(project_id: int) -> Query:
    """The project board: each column's first tasks and the count per status."""
    return _columns_floor("t.project_id = %s", [project_id])


def mine_floor(user: User, today: dt.date) -> Query:
    """The specialist's columns: open tasks and those done in the last two weeks, first cards of each."""
    since = dt.datetime.combine(today - dt.timedelta(days=DONE_RECENT_DAYS), dt.time(0), dt.UTC)
    return _columns_floor("t.assignee_id = %s AND (t.status <> 'done' OR t.done_at >= %s)", [user.pk, since])


def monitoring_floor(user: User, today: dt.date) -> Query:
    """The late, at-risk and blocked lists: their first rows and their counts up to the cap; then the
    first specialists' open minutes per day of the next weeks, as the page shows them (two queries)."""
    visible, params = _visible_projects(user)
    parts: list[str] = []
    part_params: list[Any] = []
    soon = today + dt.timedelta(days=AT_RISK_DAYS)
    for n, (condition, values) in enumerate(
        (
            ("t.status <> 'done' AND t.due_date < %s", [today]),
            ("t.status = 'todo' AND t.due_date >= %s AND t.due_date <= %s", [today, soon]),
            ("t.status = 'blocked'", []),
        )
    ):
        where = f"{condition} AND {visible}"
        parts.append(
            f"SELECT * FROM (SELECT {TASK_COLUMNS} WHERE {where} ORDER BY t.due_date, t.id "
            f"LIMIT {PORTFOLIO_LIMIT}) l{n}"
        )
        parts.append(
            f"SELECT COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM (SELECT t.id "
            "FROM production_task t JOIN plans_project p ON p.id = t.project_id "
            f"JOIN clients_client c ON c.id = p.client_id WHERE {where} LIMIT {COUNT_CAP + 1}) n{n}"
        )
        part_params += values + params + values + params
    monday = today - dt.timedelta(days=today.weekday())
    tasks = Floors.query(" UNION ALL ".join(parts), part_params)
    load = Floors.query(
        "SELECT t.assignee_id, t.due_date, SUM(t.estimate_minutes) FROM production_task t "
        "WHERE t.assignee_id IN (SELECT u.id FROM people_user u WHERE u.role = 'specialist' AND u.is_active "
        f"ORDER BY u.full_name, u.id LIMIT {WORKLOAD_PEOPLE}) "
        "AND t.status <> 'done' AND t.due_date >= %s AND t.due_date < %s GROUP BY t.assignee_id, t.due_date",
        [monday, monday + dt.timedelta(weeks=WORKLOAD_WEEKS)],
    )
    return lambda: tasks() + load()


def names_on_page(column: int) -> Callable[[str, Rows], str]:
    """A check that the page shows every name the floor found in ``column``."""
    import html

    def check(body: str, rows: Rows) -> str:
        wanted = {str(row[column]) for row in rows if row[column] is not None}
        missing = [name for name in wanted if html.escape(name) not in body]
        return f"{len(missing)} of the floor's {len(wanted)} names are not on the page" if missing else ""

    return check


def measure_production(*, engine: str, users: dict[str, User], requests: int, today: dt.date) -> list[Row]:
    """The portfolio, the heavy project's board, task monitoring, and the busiest specialist's tasks;
    prints each row as it is done."""
    rows: list[Row] = []

    def done(row: Row) -> None:
        print(
            f"  {row.persona:10} {row.page:40} {row.status:6} p50 {row.p50:6.1f}  p95 {row.p95:6.1f}  "
            f"cpu {row.cpu:5.1f}  queries {row.queries:3}  floor p95 {row.floor_p95:6.2f}",
            flush=True,
        )
        rows.append(row)

    board = f"project board (project {HEAVY_PROJECT_ID}: most tasks)"
    for persona, user in users.items():
        session = Session(engine=engine, persona=persona, user=user, requests=requests)
        done(session.measure("projects portfolio", "/projects/", portfolio_floor(user), names_on_page(1)))
        done(
            session.measure(
                board,
                f"/tasks/project/{HEAVY_PROJECT_ID}/",
                project_board_floor(HEAVY_PROJECT_ID),
                names_on_page(1),
            )
        )
        done(session.measure("task monitoring", "/tasks/", monitoring_floor(user, today)))
    specialist = busiest_specialist()
    session = Session(engine=engine, persona="specialist", user=specialist, requests=requests)
    floor = mine_floor(specialist, today)
    done(session.measure("my tasks (busiest specialist)", "/tasks/mine/", floor, names_on_page(1)))
    return rows
