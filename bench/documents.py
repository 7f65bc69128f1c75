"""Documents of the benchmark agency (contracts, addenda, NDAs, acts, reports), and the pages that show them.

At scale 1: 200,000 documents over the clients, from the last five years (more of them lately), of
every kind the agency ships. Most are answered and done with (accepted acts, contracts in force,
archived ones); about 5% of all documents are acts sent and waiting for the client (the register of
unsigned acts), a few are disputed, rejected or terminated, and the newest are drafts. The heavy
client (``HEAVY_CLIENT_ID``) has 1% of the documents. Acts and reports belong to a project that
reached production; half the acts hang off one of their client's contracts. Registered documents
carry gapless numbers per series and year in date order, and the core counters are set to the last
number of each, so a document registered later in the bench database continues the series. Acts have
three lines each (one of the heavy client has 20: its page and its PDF are measured), and every
answered document has the client's answer (``DocumentDecision``).

Rows are written like the rest of the data set (``dataset.Writer``: COPY or ``executemany``, the
tables' secondary indexes built once at the end), ten thousand documents with their lines and answers
per transaction.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from dataset import FIRST, HEAVY_CLIENT_ID, LAST, Writer, bulk_load_mode, columns, weighted
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.test.utils import CaptureQueriesContext
from measure import Floors, Query, Rows, Session, percentile, timed
from production import DELIVERABLES, WITH_TASKS
from spec import DEEP_PAGES, LIST_PAGE, MIN_REQUESTS, Row, Spec

from khata.clients.models import Client
from khata.core.keyset import KeysetPage, keyset_paginate
from khata.core.models import Counter
from khata.core.services import number_render
from khata.documents.models import ActLine, Document, DocumentDecision, DocumentKind
from khata.documents.selectors import (
    RegistryFilters,
    contracts_coming_up_for,
    document_page_for,
    document_registry_for,
    unsigned_acts_for,
)
from khata.people.models import User
from khata.plans.models import Project

DOC_CHUNK = 10_000
YEARS = 5
LINES_PER_ACT = 3
BIG_ACT_LINES = 20  # the act whose page and PDF are measured
PDF_RENDERS = 20
CONTRACT_DAYS = 30

KINDS = (("act", 45), ("report", 25), ("contract", 12), ("addendum", 7), ("nda", 4), ("other", 7))
# Per kind: how its documents stand today. Sent acts are 11% of the acts = 5% of all documents.
STATUSES: dict[str, tuple[tuple[str, int], ...]] = {
    "act": (("accepted", 72), ("archived", 5), ("sent", 11), ("disputed", 2), ("rejected", 1), ("draft", 9)),
    "contract": (
        ("active", 50), ("signed", 8), ("archived", 14), ("terminated", 8), ("sent", 6), ("disputed", 1),
        ("rejected", 2), ("draft", 11),
    ),
    "addendum": (
        ("signed", 60), ("active", 10), ("archived", 10), ("sent", 8), ("rejected", 2), ("draft", 10),
    ),
    "nda": (("signed", 70), ("active", 10), ("archived", 10), ("sent", 5), ("draft", 5)),
    "report": (("active", 85), ("archived", 8), ("draft", 7)),
    "other": (("active", 80), ("archived", 8), ("draft", 12)),
}  # fmt: skip
ANSWER = {"accepted": "accepted", "signed": "signed", "disputed": "disputed", "rejected": "rejected"}
DISPUTES = (
    "The hours on the second line are more than we agreed.",
    "The landing page is not live yet; we accept once it is.",
    "Please split the act by month.",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


@dataclass
class Planned:
    """One document before it is written: what the generator decided first, in date order."""

    date: dt.date
    kind: str
    status: str
    client: int
    project: int | None


def build_documents(
    spec: Spec,
    *,
    writer: Writer,
    rng: random.Random,
    owners: dict[int, int],
    now: dt.datetime,
    progress: Callable[[str], None],
) -> None:
    """Documents, act lines and the client's answers for clients ``1..spec.clients``; the counters."""
    started = time.perf_counter()
    today = now.date()
    kinds = {kind.code: kind for kind in DocumentKind.objects.all()}
    currency = dict(Client.objects.values_list("id", "currency"))
    projects_of: dict[int, list[int]] = defaultdict(list)
    with_work: list[tuple[int, int]] = []
    for pid, client, stage in Project.objects.values_list("id", "client_id", "stage").order_by("id"):
        if stage in WITH_TASKS:
            projects_of[client].append(pid)
            with_work.append((pid, client))
    kind_of = weighted(rng, KINDS)
    status_of = {code: weighted(rng, shares) for code, shares in STATUSES.items()}

    # First what each document is, then ids and numbers in date order (numbers follow registration).
    planned: list[Planned] = []
    for _ in range(spec.documents):
        kind = kind_of()
        if kind in {"act", "report"} and not with_work:
            kind = "other"  # a tiny data set whose projects never reached production
        status = status_of[kind]()
        heavy = rng.random() < 0.01
        project: int | None = None
        if kind in {"act", "report"}:
            if heavy and projects_of[HEAVY_CLIENT_ID]:
                project, client = rng.choice(projects_of[HEAVY_CLIENT_ID]), HEAVY_CLIENT_ID
            else:
                project, client = rng.choice(with_work)
        else:
            client = HEAVY_CLIENT_ID if heavy else rng.randint(1, spec.clients)
        if status == "draft":
            age = rng.randint(0, 30)
        elif status in {"sent", "disputed"}:
            age = int(rng.expovariate(1 / 25))  # most answered within weeks, a few waiting for months
        else:
            age = int(YEARS * 365 * rng.random() ** 1.3)  # the agency grew: more documents lately
        day = today - dt.timedelta(days=min(age, YEARS * 365))
        planned.append(Planned(day, kind, status, client, project))
    planned.sort(key=lambda doc: doc.date)
    # The act whose page and PDF are measured: the heavy client's latest accepted act gets 20 lines.
    big = max(
        (n for n, doc in enumerate(planned) if doc.kind == "act" and doc.status == "accepted"),
        key=lambda n: (planned[n].client == HEAVY_CLIENT_ID, n),
        default=None,
    )
    contracts_of: dict[int, list[int]] = defaultdict(list)
    for n, doc in enumerate(planned, start=1):
        if doc.kind == "contract" and doc.status != "draft":
            contracts_of[doc.client].append(n)
    counters: dict[tuple[str, int], int] = defaultdict(int)

    document_table, document_cols = columns(
        Document,
        "id", "kind", "client", "project", "contract", "replaces", "title", "number", "status", "date",
        "currency", "amount_minor", "note", "parties", "start_date", "end_date", "auto_renew",
        "renewal_months", "notice_days", "period_start", "period_end", "milestone", "status_report",
        "created_by", "created_at", "registered_at", "sent_at", "decided_at", "terminated_on",
    )  # fmt: skip
    line_table, line_cols = columns(
        ActLine, "id", "document", "position", "deliverable", "minutes", "amount_minor", "task", "plan_item"
    )
    decision_table, decision_cols = columns(
        DocumentDecision,
        "id", "document", "decision", "by", "name", "ip_address", "reason", "in_portal", "at",
    )  # fmt: skip
    line_id = decision_id = 0
    counts = {"documents": 0, "lines": 0, "decisions": 0}
    with bulk_load_mode([document_table, line_table, decision_table], progress):
        for first in range(0, len(planned), DOC_CHUNK):
            documents: list[tuple[Any, ...]] = []
            lines: list[tuple[Any, ...]] = []
            decisions: list[tuple[Any, ...]] = []
            for n in range(first, min(first + DOC_CHUNK, len(planned))):
                doc, did = planned[n], n + 1
                kind_row = kinds[doc.kind]
                owner = owners[doc.client]
                morning = dt.datetime.combine(doc.date, dt.time(4), dt.UTC)
                created = morning + dt.timedelta(minutes=rng.randint(0, 480))
                created = min(now - dt.timedelta(hours=2), created)
                number, registered = "", None
                if doc.status != "draft":
                    counters[(kind_row.series, doc.date.year)] += 1
                    seq = counters[(kind_row.series, doc.date.year)]
                    number = number_render(kind_row.number_format, year=doc.date.year, seq=seq)
                    registered = created + dt.timedelta(hours=1)
                sent = registered
                # The client's answer: given for answered documents, taken as signed or accepted for
                # those in force or done with since (a report or a letter is not answered).
                decision = ANSWER.get(doc.status)
                if decision is None and doc.status in {"active", "archived", "terminated"}:
                    decision = {"contract": "signed", "act": "accepted"}.get(kind_row.behaviour)
                answered = None
                if decision is not None and registered is not None:
                    answered = min(now, registered + dt.timedelta(days=rng.randint(1, 20)))
                title, amount = "", 0
                contract = start = end = renewal = notice = period_start = period_end = terminated = None
                auto_renew = False
                parties = ""
                if doc.kind == "act":
                    period_end = doc.date - dt.timedelta(days=doc.date.day)
                    period_start = period_end.replace(day=1)
                    title = f"Work done in {MONTHS[period_end.month - 1]} {period_end.year}"
                    if contracts_of[doc.client] and rng.random() < 0.5:
                        contract = rng.choice(contracts_of[doc.client])
                    for position in range(BIG_ACT_LINES if n == big else LINES_PER_ACT):
                        line_id += 1
                        line_amount = rng.randint(10, 200) * 100_000
                        amount += line_amount
                        lines.append(
                            (line_id, did, position, rng.choice(DELIVERABLES)[0],
                             rng.choice((2, 4, 8, 16, 24)) * 60, line_amount, None, None)
                        )  # fmt: skip
                elif doc.kind in {"contract", "addendum", "nda"}:
                    title = {"contract": "Services agreement", "addendum": "Addendum: scope change",
                             "nda": "Mutual non-disclosure agreement"}[doc.kind]  # fmt: skip
                    parties = "The agency and the client, as in the letterhead."
                    start = doc.date + dt.timedelta(days=rng.randint(0, 14))
                    if doc.status in {"active", "signed"}:
                        # In force: ends any day of the next two years (the contracts coming up).
                        end = today + dt.timedelta(days=rng.randint(1, 730))
                        end = max(start + dt.timedelta(days=90), end)
                    else:
                        end = start + dt.timedelta(days=rng.choice((180, 365, 365, 730)))
                    if doc.status == "terminated":
                        terminated = min(today, start + (end - start) / 2)
                    auto_renew = rng.random() < 0.4
                    renewal = 12 if auto_renew else None
                    notice = rng.choice((30, 60, 90, None))
                    amount = rng.randint(1, 100) * 1_000_000 if doc.kind == "contract" else 0
                elif doc.kind == "report":
                    title = f"Monthly report, {MONTHS[doc.date.month - 1]} {doc.date.year}"
                else:
                    title = "Letter of authorisation"
                documents.append(
                    (did, kind_row.pk, doc.client, doc.project, contract, None, title, number, doc.status,
                     writer.day(doc.date), currency[doc.client], amount, "", parties, writer.day(start),
                     writer.day(end), auto_renew, renewal, notice, writer.day(period_start),
                     writer.day(period_end), None, None, owner, writer.when(created), writer.when(registered),
                     writer.when(sent), writer.when(answered), writer.day(terminated))
                )  # fmt: skip
                if decision is not None and answered is not None:
                    decision_id += 1
                    in_portal = decision != "rejected" and rng.random() < 0.7
                    decisions.append(
                        (decision_id, did, decision, None if in_portal else owner,
                         f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                         f"203.0.113.{rng.randint(1, 254)}" if in_portal else None,
                         rng.choice(DISPUTES) if decision in {"disputed", "rejected"} else "", in_portal,
                         writer.when(answered))
                    )  # fmt: skip
            with transaction.atomic():
                writer.write(document_table, document_cols, documents)
                writer.write(line_table, line_cols, lines)
                writer.write(decision_table, decision_cols, decisions)
            counts["documents"] += len(documents)
            counts["lines"] += len(lines)
            counts["decisions"] += len(decisions)
            if counts["documents"] % (DOC_CHUNK * 5) == 0 or counts["documents"] == len(planned):
                progress(f"  {counts['documents']:,} documents ({time.perf_counter() - started:.0f} s)")
    # Later registrations continue each series where the data set left it.
    for (series, year), last in counters.items():
        Counter.objects.update_or_create(series=series, year=year, defaults={"last": last})
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    progress(
        f"  documents: {counts['documents']:,} documents, {counts['lines']:,} act lines, "
        f"{counts['decisions']:,} answers, {len(counters)} counters in {seconds:.1f} s "
        f"= {rows / seconds:,.0f} rows/s"
    )


DOCUMENT_MODELS: list[type[Model]] = [Document, ActLine, DocumentDecision]


# Floors: the hand-written SQL answering each page.

REGISTRY_COLUMNS = (
    "d.id, d.number, d.date, k.name, d.title, c.display_name, p.name, d.status, d.amount_minor, d.currency "
    "FROM documents_document d JOIN documents_documentkind k ON k.id = d.kind_id "
    "JOIN clients_client c ON c.id = d.client_id LEFT JOIN plans_project p ON p.id = d.project_id"
)


def _visible_documents(user: User) -> tuple[str, list[Any]]:
    """The documents a user may see, as a condition on ``d`` (with its client ``c`` and project ``p``)."""
    if user.role == User.Role.AM:
        return "(c.owner_id = %s OR c.backup_id = %s OR p.owner_id = %s)", [user.pk] * 3
    return "1 = 1", []


def registry_floor(
    user: User, where: str = "1 = 1", params: Iterable[Any] = (), after: tuple[Any, int] | None = None
) -> Query:
    """A page of the registry: newest first, keyset after ``after`` (date, id)."""
    visible, visible_params = _visible_documents(user)
    all_params = [*visible_params, *params]
    keyset = ""
    if after is not None:
        keyset = " AND d.date <= %s AND (d.date < %s OR (d.date = %s AND d.id < %s))"
        all_params += [after[0], after[0], after[0], after[1]]
    return Floors.query(
        f"SELECT {REGISTRY_COLUMNS} WHERE {visible} AND {where}{keyset} "
        f"ORDER BY d.date DESC, d.id DESC LIMIT {LIST_PAGE + 1}",
        all_params,
    )


def unsigned_floor(user: User) -> Query:
    """The register of unsigned acts: its first page, oldest sent first, and the total per currency."""
    visible, params = _visible_documents(user)
    where = f"k.behaviour = 'act' AND d.status IN ('disputed', 'sent') AND {visible}"
    return Floors.query(
        f"SELECT * FROM (SELECT {REGISTRY_COLUMNS} WHERE {where} ORDER BY d.sent_at, d.id "
        f"LIMIT {LIST_PAGE + 1}) page UNION ALL SELECT COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL, "
        f"NULL, SUM(d.amount_minor), d.currency FROM documents_document d "
        "JOIN documents_documentkind k ON k.id = d.kind_id JOIN clients_client c ON c.id = d.client_id "
        f"LEFT JOIN plans_project p ON p.id = d.project_id WHERE {where} GROUP BY d.currency",
        params + params,
    )


def contracts_floor(user: User, today: dt.date, days: int = CONTRACT_DAYS) -> Query:
    """Contracts in force whose end or last day to give notice falls within ``days``, in end-date order."""
    visible, params = _visible_documents(user)
    horizon = today + dt.timedelta(days=days)
    if connection.vendor == "postgresql":
        notice = "(d.end_date - d.notice_days)"
    else:
        notice = "date(d.end_date, '-' || d.notice_days || ' days')"
    return Floors.query(
        f"SELECT {REGISTRY_COLUMNS} WHERE k.behaviour = 'contract' AND d.status IN ('active', 'signed') "
        f"AND d.end_date >= %s AND d.end_date <= %s AND {visible} "
        f"AND (d.end_date <= %s OR {notice} BETWEEN %s AND %s) ORDER BY d.end_date, d.id LIMIT 200",
        [today, horizon + dt.timedelta(days=730), *params, horizon, today, horizon],
    )


def document_page_floor(pk: int) -> Query:
    """The act with its kind, client and project, its lines, the client's answers and its files."""

    def text(*names: str) -> str:
        return ", ".join(f"CAST({name} AS TEXT)" for name in names)

    answer = text("a.decision", "a.name", "a.ip_address", "a.at", "u.full_name")
    file = text("f.version", "f.name", "f.content_type", "f.size", "f.sha256")
    return Floors.query(
        f"SELECT 'document', d.id, {text('d.number', 'd.title', 'k.name', 'c.display_name', 'p.name')} "
        "FROM documents_document d JOIN documents_documentkind k ON k.id = d.kind_id "
        "JOIN clients_client c ON c.id = d.client_id LEFT JOIN plans_project p ON p.id = d.project_id "
        "WHERE d.id = %s "
        f"UNION ALL SELECT 'line', l.id, {text('l.position', 'l.deliverable', 'l.minutes', 'l.amount_minor')}"
        ", NULL FROM documents_actline l WHERE l.document_id = %s "
        f"UNION ALL SELECT 'answer', a.id, {answer}"
        " FROM documents_documentdecision a LEFT JOIN people_user u ON u.id = a.by_id "
        "WHERE a.document_id = %s "
        f"UNION ALL SELECT 'file', f.id, {file}"
        " FROM documents_documentfile f WHERE f.document_id = %s",
        [pk, pk, pk, pk],
    )


def numbers_on_page(column: int, rows_checked: int = 20) -> Callable[[str, Rows], str]:
    """A check that the page shows the first numbers (or lines) the floor found in ``column``."""
    import html

    def check(body: str, rows: Rows) -> str:
        wanted = {str(row[column]) for row in rows[:rows_checked] if row[column] and row[1] is not None}
        missing = [text for text in wanted if html.escape(text) not in body]
        return f"{len(missing)} of the floor's {len(wanted)} entries are not on the page" if missing else ""

    return check


# The pages, and the selectors under them while a page is not served yet.


def big_act() -> Document:
    """The heavy client's latest accepted act: the one with 20 lines."""
    document = (
        Document.objects.filter(kind__behaviour="act", status="accepted", client_id=HEAVY_CLIENT_ID)
        .order_by("-id")
        .first()
    ) or Document.objects.filter(kind__behaviour="act", status="accepted").order_by("-id").first()
    assert document is not None
    return document


def number_prefix(today: dt.date) -> str:
    """A number prefix as a person types it: last year's acts 100 to 199."""
    return f"ACT/{today.year - 1}/001"


def measure_call(
    *, engine: str, persona: str, page: str, call: Callable[[], object], floor: Query, requests: int
) -> Row:
    """A selector timed like a page (when the page itself is not served yet)."""
    row = Row(engine=engine, page=f"{page} [selector]", persona=persona)
    try:
        call()
    except Exception as error:  # one failing selector must not stop the others
        row.status = f"error: {type(error).__name__}"
        return row
    with CaptureQueriesContext(connection) as captured:
        call()
    row.queries = len(captured.captured_queries)
    row.p50, row.p95, row.cpu, timed_requests = timed(call, requests)
    row.floor_p50, row.floor_p95, _, _ = timed(floor, requests)
    if timed_requests < requests:
        row.note = f"{timed_requests} requests timed (time budget)"
    return row


def _registry_keyset(user: User, filters: RegistryFilters | None, cursor: str | None) -> KeysetPage[Document]:
    rows = document_registry_for(user, filters)
    return keyset_paginate(rows, keys=["date", "id"], descending=True, cursor=cursor, size=LIST_PAGE)


def _registry_page(user: User, filters: RegistryFilters | None, cursor: str | None = None) -> list[Document]:
    return _registry_keyset(user, filters, cursor).items


def _deep_cursor(user: User, pages: int) -> tuple[str | None, int]:
    cursor, depth = None, 0
    for _ in range(pages):
        page = _registry_keyset(user, None, cursor)
        if page.next_cursor is None:
            break
        cursor, depth = page.next_cursor, depth + 1
    return cursor, depth


def _served(session: Session, url: str) -> bool:
    """Whether the page answers 200 (the pages are built beside the benchmark)."""
    try:
        return session.browser.get(url).status_code == 200
    except Exception:
        return False


def measure_documents(*, engine: str, users: dict[str, User], requests: int, today: dt.date) -> list[Row]:
    """The registry (first page, three filters, a deep page), the unsigned acts, the contracts coming
    up and an act's page, as each persona; prints each row as it is done."""
    from measure import next_html

    rows: list[Row] = []

    def done(row: Row) -> None:
        print(
            f"  {row.persona:10} {row.page:52} {row.status:6} p50 {row.p50:6.1f}  p95 {row.p95:6.1f}  "
            f"cpu {row.cpu:5.1f}  queries {row.queries:3}  floor p95 {row.floor_p95:6.2f}",
            flush=True,
        )
        rows.append(row)

    act_kind = DocumentKind.objects.get(code="act")
    act = big_act()
    prefix = number_prefix(today)
    filtered: list[tuple[str, str, RegistryFilters, str, list[Any]]] = [
        (f"registry, client {HEAVY_CLIENT_ID}", f"/documents/?client={HEAVY_CLIENT_ID}",
         RegistryFilters(client=HEAVY_CLIENT_ID), "d.client_id = %s", [HEAVY_CLIENT_ID]),
        ("registry, sent acts (kind + status)", f"/documents/?kind={act_kind.pk}&status=sent",
         RegistryFilters(kind=act_kind.pk, status="sent"), "d.kind_id = %s AND d.status = %s",
         [act_kind.pk, "sent"]),
        (f"registry, number {prefix}", f"/documents/?number={prefix}", RegistryFilters(number=prefix),
         "d.number >= %s AND d.number < %s", [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]),
    ]  # fmt: skip
    for persona, user in users.items():
        session = Session(engine=engine, persona=persona, user=user, requests=requests)

        def page(
            name: str,
            url: str,
            floor: Query,
            check: Any,
            call: Callable[[], object],
            session: Session = session,
        ) -> None:
            if _served(session, url):
                done(session.measure(name, url, floor, check))
                return
            done(
                measure_call(
                    engine=engine,
                    persona=session.persona,
                    page=name,
                    call=call,
                    floor=floor,
                    requests=requests,
                )
            )

        numbers = numbers_on_page(1)
        page("registry, first page", "/documents/", registry_floor(user), numbers,
             partial(_registry_page, user, None))  # fmt: skip
        for name, url, filters, where, params in filtered:
            page(name, url, registry_floor(user, where, params), numbers,
                 partial(_registry_page, user, filters))  # fmt: skip
        if _served(session, "/documents/"):
            url, depth = session.follow("/documents/", next_html)
            after = _floor_position(user, depth)
            floor = registry_floor(user, after=after)
            done(session.measure(f"registry, page {depth + 1}", url, floor, numbers))
        else:
            cursor, depth = _deep_cursor(user, DEEP_PAGES)
            after = _floor_position(user, depth)
            done(
                measure_call(
                    engine=engine, persona=persona, page=f"registry, page {depth + 1}",
                    call=partial(_registry_page, user, None, cursor),
                    floor=registry_floor(user, after=after), requests=requests,
                )
            )  # fmt: skip
        page("unsigned acts, first page", "/documents/unsigned-acts/", unsigned_floor(user), numbers,
             partial(_unsigned_page, user))  # fmt: skip
        page(f"contracts coming up ({CONTRACT_DAYS} days)", f"/documents/contracts/?days={CONTRACT_DAYS}",
             contracts_floor(user, today), numbers,
             partial(contracts_coming_up_for, user, days=CONTRACT_DAYS, today=today))  # fmt: skip
        page(f"act page ({BIG_ACT_LINES} lines)", f"/documents/{act.pk}/", document_page_floor(act.pk),
             _lines_shown, partial(document_page_for, user, act.pk))  # fmt: skip
    return rows


def _unsigned_page(user: User) -> object:
    """What the register reads: its first page and the total per currency."""
    from django.db.models import Sum

    rows = unsigned_acts_for(user)
    page = keyset_paginate(rows, keys=["sent_at", "id"], size=LIST_PAGE)
    totals = list(rows.order_by().values("currency").annotate(total=Sum("amount_minor")))
    return page.items, totals


def _lines_shown(body: str, rows: Rows) -> str:
    import html

    wanted = {str(row[3]) for row in rows if row[0] == "line"}
    missing = [text for text in wanted if html.escape(text) not in body]
    return f"{len(missing)} of the act's {len(wanted)} deliverables are not on the page" if missing else ""


def _floor_position(user: User, pages: int) -> tuple[Any, int] | None:
    """The (date, id) keyset position after ``pages`` pages of the registry floor (None: page 1)."""
    position = None
    for _ in range(pages):
        rows = registry_floor(user, after=position)()[:LIST_PAGE]
        if not rows:
            break
        position = (rows[-1][2], rows[-1][0])
    return position


# The PDF of an act, and the plans the databases choose.


def measure_pdf(*, requests: int) -> dict[str, Any]:
    """p50 and p95 of ``document_pdf`` over 20 renders of the 20-line act (fewer in a short run)."""
    try:
        from khata.documents.pdf import document_pdf
    except ImportError as error:
        return {"status": f"PDF: not measured (khata.documents.pdf: {error})"}
    act = big_act()
    renders = max(1, min(PDF_RENDERS, requests, MIN_REQUESTS))
    try:
        document_pdf(act, language="en")  # fonts and templates loaded once
        samples = []
        size = 0
        for _ in range(renders):
            started = time.perf_counter()
            size = len(document_pdf(act, language="en"))
            samples.append((time.perf_counter() - started) * 1000)
    except Exception as error:  # the PDF is built beside the benchmark
        return {"status": f"PDF: not measured ({type(error).__name__}: {error})"}
    lines = act.lines.count()
    return {
        "status": "ok",
        "text": f"PDF of a {lines}-line act (document_pdf, English): "
        f"p50 {statistics.median(samples):.0f} ms, p95 {percentile(samples, 0.95):.0f} ms "
        f"over {renders} renders, {size / 1024:.0f} KiB.",
    }


def explain_plans(users: dict[str, User], today: dt.date) -> str:
    """The plans of the registry's and the unsigned register's queries (EXPLAIN QUERY PLAN / EXPLAIN)."""
    act_kind = DocumentKind.objects.get(code="act")
    out: list[str] = []
    for persona, user in users.items():
        queries: list[tuple[str, QuerySet[Any]]] = [
            ("registry, first page", document_registry_for(user, None)),
            ("registry, client", document_registry_for(user, RegistryFilters(client=HEAVY_CLIENT_ID))),
            ("registry, kind + status",
             document_registry_for(user, RegistryFilters(kind=act_kind.pk, status="sent"))),
            ("registry, number", document_registry_for(user, RegistryFilters(number=number_prefix(today)))),
        ]  # fmt: skip
        queries = [(name, rows.order_by("-date", "-id")[: LIST_PAGE + 1]) for name, rows in queries]
        queries.append(("unsigned acts, first page", unsigned_acts_for(user)[: LIST_PAGE + 1]))
        for name, rows in queries:
            out.append(f"--- {persona}: {name}\n{rows.explain()}")
    return "\n".join(out)
