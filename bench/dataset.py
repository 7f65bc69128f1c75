"""The benchmark data set: a large agency loaded with bulk inserts.

At scale 1: 20,000 clients, 80,000 contacts, 200,000 interactions (with their contacts), 1,000,000
timeline events, 10 account managers (and the projects, documents and invoices of ``production.py``,
``documents.py`` and ``billing.py``). One AM (``bench.am01``) owns a third of the clients; the rest
are spread over the others, a third of the clients have a backup AM. Interactions per client follow
a long tail, and one client of that AM (``HEAVY_CLIENT_ID``) has 1% of all interactions and events:
the client page is measured on it.

Rows are written with PostgreSQL's COPY or SQLite's ``executemany``, in explicit ids, a thousand
clients (with everything hanging off them) per transaction; Django's models name the tables and
columns, so a schema change shows up here as an error rather than as silently wrong data.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import string
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from spec import Spec
from stdnum import luhn

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Approval, PlanItem, PlanVersion, Project
from khata.production.models import Task

HEAVY_CLIENT_ID = 1
PASSWORD = "khata-bench-2026"  # the benchmark users' (a local, throw-away database)
CHUNK = 1000
AM_COUNT = 10

# fmt: off
PREFIXES = (
    "Saffron", "Lotus", "Indus", "Ganga", "Kaveri", "Deccan", "Malabar", "Nilgiri", "Aravalli",
    "Sahyadri", "Himalaya", "Thar", "Konkan", "Narmada", "Godavari", "Sagar", "Surya", "Chandra", "Tara",
    "Vayu", "Agni", "Prithvi", "Akash", "Megh", "Nakshatra", "Kesari", "Neel", "Hara", "Swarna", "Rajat",
    "Heera", "Moti", "Kamal", "Chandan", "Tulsi", "Amrit", "Shakti", "Pragati", "Vikas", "Udaan", "Jugnu",
    "Mitti", "Rangoli", "Zaika", "Aangan", "Bodhi", "Dhruv", "Arjun", "Vega", "Prism", "Nova", "Orbit",
    "Zenith", "Apex", "Summit", "Harbor", "Maple", "Cedar", "Willow",
)
NOUNS = (
    "Textiles", "Foods", "Spices", "Steel", "Logistics", "Health", "Diagnostics", "Realty", "Travels",
    "Solar", "Learning", "Motors", "Pharma", "Jewellers", "Telecom", "Ceramics", "Books", "Seafoods",
    "Retail", "Fintech", "Insurance", "Fitness", "Analytics", "Apparel", "Dairy", "Exports", "Chemicals",
    "Software", "Labs", "Hospitality", "Hotels", "Organics", "Furniture", "Electronics", "Beverages",
    "Cosmetics", "Agritech", "Media", "Studios", "Consulting",
)
SUFFIXES = ("Private Limited", "Limited", "LLP", "Pvt Ltd", "Industries", "Enterprises")
FIRST = (
    "Priya", "Rahul", "Sneha", "Amit", "Deepika", "Suresh", "Anjali", "Manish", "Kavita", "Rajesh",
    "Nisha", "Harish", "Pallavi", "Gaurav", "Shreya", "Vivek", "Meenakshi", "Nikhil", "Ritu", "Sanjay",
    "Divya", "Abhishek", "Lakshmi", "Farhan", "Zoya", "Imran", "Gurpreet", "Tenzin", "Arvind", "Neha",
)
LAST = (
    "Sharma", "Patel", "Iyer", "Menon", "Chatterjee", "Banerjee", "Reddy", "Naidu", "Kapoor", "Agarwal",
    "Shah", "Pillai", "Mukherjee", "Chauhan", "Thakur", "Qureshi", "Siddiqui", "Gill", "Sandhu", "Bose",
    "Pandey", "Mishra", "Tiwari", "Jain", "Khanna", "Hegde", "Nambiar", "Fernandes",
)
TAGS = (
    "retail", "d2c", "b2b", "fintech", "healthcare", "edtech", "hospitality", "manufacturing", "export",
    "priority", "retainer", "travel", "energy", "logistics", "real-estate", "wellness", "food",
    "automotive", "telecom", "saas", "public-sector", "ngo", "crafts", "outdoor",
)
# fmt: on
STATES = ("27", "29", "07", "33", "24", "36", "19", "09", "08", "32", "06", "23")
ABROAD = (("DE", "EUR"), ("NL", "EUR"), ("FR", "EUR"), ("US", "USD"), ("GB", "GBP"), ("AE", "AED"))
STATUSES = (("active", 55), ("prospect", 15), ("paused", 10), ("churned", 20))
SEGMENTS = (("small", 45), ("mid", 30), ("enterprise", 12), ("public", 5), ("nonprofit", 8))
KINDS = (("call", 35), ("email", 30), ("meeting", 15), ("visit", 5), ("note", 15))
ROLES = ("decision_maker", "champion", "day_to_day", "payer", "approver", "user")
SUMMARIES = (
    "Weekly check-in: campaign on track, they asked for a simpler report.",
    "Monthly report walk-through: leads up, cost per lead steady.",
    "Discussed the festive-season calendar; creatives needed early.",
    "Budget call: shifting spend from social to search.",
    "Quarterly review: results, next quarter's goals, and budget.",
    "Sent the revised landing page copy for approval.",
    "Raised concerns about response times; promised a named contact.",
    "Workshop to map the customer journey for the new site.",
)
NEXT_STEPS = (
    "Send the revised proposal",
    "Share the monthly report deck",
    "Book the quarterly review",
    "Confirm next month's ad budget",
    "Send meeting notes and action items",
)
# Edits that fill a client's history up to its share of the events: (kind, message id, parameters).
FILLER: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "clients.client_updated",
        "Client details changed: %(fields)s",
        {"fields": [{"msg": "billing address"}]},
    ),
    (
        "clients.client_updated",
        "Client details changed: %(fields)s",
        {"fields": [{"msg": "payment terms (days)"}]},
    ),
    ("clients.interaction_updated", "Interaction of %(date)s edited", {"date": "2026-01-15"}),
)
Params = dict[str, Any]
# One event before it is written: when, who, kind, message id, parameters, subject type and id, more data.
Pending = tuple[dt.datetime, int | None, str, str, Params, int, int, Params]


def _english(value: Any) -> Any:
    if isinstance(value, dict):
        return value["msg"]
    if isinstance(value, list):
        return ", ".join(str(_english(item)) for item in value)
    return value


def event_text(msg: str, params: Params, extra: Params) -> tuple[str, str]:
    """The summary column (English) and the data column of an event, as the services write them:
    the message id and its parameters are kept so the timeline is shown in the reader's language."""
    summary = msg % {name: _english(value) for name, value in params.items()}
    return summary[:300], json.dumps(extra | {"text": {"msg": msg, "params": params}})


@dataclass
class LoadReport:
    """Rows written per table and how long it took."""

    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Writer:
    """Bulk rows into one table: COPY on PostgreSQL, ``executemany`` on SQLite."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.postgres = connection.vendor == "postgresql"
        self.report = LoadReport()
        if not self.postgres:
            # A throw-away data set: trade durability for speed while loading (this connection only).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -262144")
                cursor.execute("PRAGMA temp_store = MEMORY")

    def when(self, value: dt.datetime | None) -> Any:
        """A UTC datetime as the database driver wants it (SQLite keeps naive UTC text)."""
        if value is None or self.postgres:
            return value
        return value.replace(tzinfo=None).isoformat(" ")

    def uuid(self, value: uuid.UUID) -> Any:
        """A UUID as Django stores it: native on PostgreSQL, 32 hex digits on SQLite."""
        return value if self.postgres else value.hex

    def day(self, value: dt.date | None) -> Any:
        if value is None or self.postgres:
            return value
        return value.isoformat()

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        raw = connection.connection
        assert raw is not None
        if self.postgres:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        self.report.tables[table] = self.report.tables.get(table, 0) + len(rows)


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """Name and CREATE statement of each index of ``table`` that no constraint owns."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        return [(str(name), str(sql)) for name, sql in cursor.fetchall()]


@contextmanager
def bulk_load_mode(tables: Iterable[str], progress: Callable[[str], None]) -> Iterator[None]:
    """Load without the tables' secondary indexes and foreign-key checks, then build the indexes once.

    One sort per index instead of a million random inserts into it; the generated rows are
    consistent by construction, so checking each foreign key row by row buys nothing here.
    """
    saved = [index for table in tables for index in secondary_indexes(table)]
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for name, _ in saved:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SET session_replication_role = replica" if postgres else "PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SET session_replication_role = DEFAULT" if postgres else "PRAGMA foreign_keys = ON"
            )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _, statement in saved:
            cursor.execute(statement)
    progress(f"  {len(saved)} indexes built ({time.perf_counter() - started:.0f} s)")


def columns(model: type[models.Model], *names: str) -> tuple[str, list[str]]:
    """The table and column names of ``model``'s fields (so a renamed field fails loudly)."""
    meta = model._meta
    return meta.db_table, [str(getattr(meta.get_field(name), "column")) for name in names]  # noqa: B009


def weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> Callable[[], str]:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return lambda: rng.choices(values, weights)[0]


def gstin_for(number: int, state: str) -> str:
    """A unique, valid GSTIN derived from a client number."""
    letters = ""
    rest = number // 9999
    for _ in range(3):
        rest, digit = divmod(rest, 26)
        letters += string.ascii_uppercase[digit]
    body = f"{state}{letters}CA{number % 9999 + 1:04d}Z1Z"
    return body + luhn.calc_check_digit(body, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def people() -> tuple[User, list[User]]:
    """The head and the account managers of the benchmark agency."""
    password = make_password(PASSWORD)
    head = User.objects.create(
        email="bench.head@bench.example", full_name="Bench Head", role=User.Role.HEAD, password=password
    )
    ams = [
        User.objects.create(
            email=f"bench.am{n:02d}@bench.example",
            full_name=f"{FIRST[n]} {LAST[n]}",
            role=User.Role.AM,
            password=password,
        )
        for n in range(1, AM_COUNT + 1)
    ]
    User.objects.create(
        email="bench.finance@bench.example",
        full_name="Bench Finance",
        role=User.Role.FINANCE,
        password=password,
    )
    return head, ams


def personas() -> dict[str, User]:
    """The people the pages are measured as: the AM holding a third of the clients, and the head."""
    return {
        "AM (1/3)": User.objects.get(email="bench.am01@bench.example"),
        "head": User.objects.get(email="bench.head@bench.example"),
    }


def build(spec: Spec, *, seed: int = 7, progress: Callable[[str], None] = print) -> LoadReport:
    """Write the whole data set into an empty, migrated database."""
    rng = random.Random(seed)
    writer = Writer()
    started = time.perf_counter()
    now = timezone.now().replace(microsecond=0)
    today = now.date()
    _, ams = people()
    tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS], batch_size=1000)
    types = ContentType.objects.get_for_models(Client, Contact, Interaction)
    ct_client, ct_contact, ct_interaction = types[Client].pk, types[Contact].pk, types[Interaction].pk

    # How many interactions each client has: a long tail, and the heavy client 1% of all.
    weights = [min(rng.paretovariate(1.6), 60.0) for _ in range(spec.clients)]
    heavy_interactions = max(20, spec.interactions // 100)
    scale = (spec.interactions - heavy_interactions) / (sum(weights) - weights[0])
    counts = [max(1, round(w * scale)) for w in weights]
    counts[0] = heavy_interactions
    events_per_interaction = spec.events / spec.interactions

    status_of, segment_of, kind_of = weighted(rng, STATUSES), weighted(rng, SEGMENTS), weighted(rng, KINDS)
    client_table, client_cols = columns(
        Client,
        "id", "display_name", "legal_name", "tax_id", "country", "currency", "billing_address", "segment",
        "status", "status_since", "partnership_since", "churned_on", "owner", "backup",
        "payment_terms_days", "last_touch_at", "created_at", "health_band",
    )  # fmt: skip
    tag_through = Client.tags.through
    tag_table, tag_cols = columns(tag_through, "client", "tag")
    contact_table, contact_cols = columns(
        Contact,
        "id", "client", "full_name", "position", "email", "phone", "language", "role", "influence",
        "sentiment", "last_touch_at", "portal_access",
    )  # fmt: skip
    interaction_table, interaction_cols = columns(
        Interaction,
        "id", "client", "kind", "occurred_at", "summary", "sentiment", "next_step", "next_step_due",
        "next_step_done_at", "by", "created_at",
    )  # fmt: skip
    link_through = Interaction.contacts.through
    link_table, link_cols = columns(link_through, "interaction", "contact")
    event_table, event_cols = columns(
        Event, "id", "at", "actor", "client", "kind", "summary", "subject_type", "subject_id", "data"
    )

    contact_id = interaction_id = event_id = 0
    owners: dict[int, int] = {}
    with bulk_load_mode(
        [client_table, tag_table, contact_table, interaction_table, link_table, event_table], progress
    ):
        for first in range(1, spec.clients + 1, CHUNK):
            client_rows: list[tuple[Any, ...]] = []
            tag_rows: list[tuple[Any, ...]] = []
            contact_rows: list[tuple[Any, ...]] = []
            interaction_rows: list[tuple[Any, ...]] = []
            link_rows: list[tuple[Any, ...]] = []
            event_rows: list[tuple[Any, ...]] = []
            for cid in range(first, min(first + CHUNK, spec.clients + 1)):
                # One in three clients belongs to the first AM; the rest are spread over the others.
                owner = ams[0] if cid % 3 == 1 else ams[1 + cid % (len(ams) - 1)]
                owners[cid] = owner.pk
                backup = rng.choice([a for a in ams if a is not owner]) if rng.random() < 0.33 else None
                created = now - dt.timedelta(days=rng.randint(30, 1800), seconds=rng.randint(0, 86_400))
                span = (now - created).total_seconds()
                status = status_of() if cid != HEAVY_CLIENT_ID else "active"
                status_since = (created + dt.timedelta(seconds=span * rng.uniform(0.05, 0.9))).date()
                if rng.random() < 0.85:
                    country, currency, tax_id = "IN", "INR", gstin_for(cid, rng.choice(STATES))
                else:
                    country, currency = rng.choice(ABROAD)
                    tax_id = ""
                display = f"{rng.choice(PREFIXES)} {rng.choice(NOUNS)}"

                # Contacts, then interactions touching them.
                n_contacts = rng.randint(2, 6)
                contact_ids = list(range(contact_id + 1, contact_id + n_contacts + 1))
                contact_id += n_contacts
                contact_touch: dict[int, dt.datetime] = {}
                n_interactions = counts[cid - 1]
                times = sorted(
                    created + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n_interactions)
                )
                client_events: list[Pending] = []
                for occurred in times:
                    interaction_id += 1
                    kind = kind_of()
                    summary = rng.choice(SUMMARIES)
                    step, due, done = "", None, None
                    if rng.random() < 0.35:
                        step = rng.choice(NEXT_STEPS)
                        due = occurred.date() + dt.timedelta(days=rng.randint(2, 14))
                        if due < today - dt.timedelta(days=3) and rng.random() < 0.9:
                            done = min(now, occurred + dt.timedelta(days=rng.randint(1, 14)))
                    by = owner.pk if backup is None or rng.random() < 0.8 else backup.pk
                    interaction_rows.append(
                        (
                            interaction_id, cid, kind, writer.when(occurred), summary,
                            rng.choice(("positive", "neutral", "neutral", "negative")), step, writer.day(due),
                            writer.when(done), by, writer.when(occurred),
                        )
                    )  # fmt: skip
                    if kind != "note":
                        who = rng.choice(contact_ids)
                        link_rows.append((interaction_id, who))
                        contact_touch[who] = occurred
                    client_events.append(
                        (occurred, by, "clients.interaction_logged", "%(kind)s: %(summary)s",
                         {"kind": {"msg": kind.title()}, "summary": summary}, ct_interaction, interaction_id,
                         {"next_step": step, "due": due.isoformat() if due else None})
                    )  # fmt: skip
                    if done is not None:
                        client_events.append(
                            (done, by, "clients.next_step_done", "Next step done: %(step)s", {"step": step},
                             ct_interaction, interaction_id, {})
                        )  # fmt: skip
                for number, contact in enumerate(contact_ids):
                    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                    role = ROLES[number] if number < len(ROLES) else "user"
                    contact_rows.append(
                        (
                            contact, cid, name, "Marketing Manager",
                            f"{name.lower().replace(' ', '.')}.{number}@client{cid}.example",
                            f"+9198{rng.randint(10_000_000, 99_999_999)}",
                        "hi" if rng.random() < 0.15 else "en",
                            role, rng.choice(("low", "medium", "high")),
                            rng.choice(("positive", "neutral", "negative")),
                            writer.when(contact_touch.get(contact)), False,
                        )
                    )  # fmt: skip
                    client_events.append(
                        (created + dt.timedelta(minutes=number + 1), owner.pk, "clients.contact_added",
                         "Contact %(name)s added", {"name": name}, ct_contact, contact, {})
                    )  # fmt: skip
                client_events.append(
                    (created, owner.pk, "clients.client_created", "Client %(name)s created",
                     {"name": display}, ct_client, cid, {"status": "prospect", "owner": owner.pk})
                )  # fmt: skip
                if status != "prospect":
                    client_events.append(
                        (dt.datetime.combine(status_since, dt.time(6), dt.UTC), owner.pk,
                         "clients.client_status_changed", "Status changed from %(old)s to %(new)s",
                         {"old": {"msg": "Prospect"}, "new": {"msg": status.title()}}, ct_client, cid,
                         {"from": "prospect", "to": status})
                    )  # fmt: skip
                wanted = round(n_interactions * events_per_interaction)
                for _ in range(max(0, wanted - len(client_events))):
                    kind, msg, params = rng.choice(FILLER)
                    at = created + dt.timedelta(seconds=rng.uniform(0, span))
                    client_events.append((at, owner.pk, kind, msg, params, ct_client, cid, {}))
                for at, actor, kind, msg, params, subject_type, subject_id, extra in client_events:
                    event_id += 1
                    summary, data = event_text(msg, params, extra)
                    event_rows.append(
                        (event_id, writer.when(at), actor, cid, kind, summary, subject_type, subject_id, data)
                    )

                client_rows.append(
                    (
                        cid, display, f"{display} {rng.choice(SUFFIXES)} {cid}", tax_id, country, currency,
                        f"{rng.randint(1, 300)}, Main Road, Mumbai 4000{rng.randint(10, 99)}",
                        segment_of(), status, writer.day(status_since),
                        writer.day(status_since) if status != "prospect" else None,
                        writer.day(status_since) if status == "churned" else None,
                        owner.pk, backup.pk if backup else None, rng.choice((15, 30, 30, 45, 60)),
                        writer.when(times[-1]) if times else None, writer.when(created), "",
                    )
                )  # fmt: skip
                tag_rows.extend((cid, tag.pk) for tag in rng.sample(tags, rng.randint(0, 3)))

            with transaction.atomic():
                writer.write(client_table, client_cols, client_rows)
                writer.write(tag_table, tag_cols, tag_rows)
                writer.write(contact_table, contact_cols, contact_rows)
                writer.write(interaction_table, interaction_cols, interaction_rows)
                writer.write(link_table, link_cols, link_rows)
                writer.write(event_table, event_cols, event_rows)
            done_clients = min(first + CHUNK - 1, spec.clients)
            if done_clients % (CHUNK * 5) == 0 or done_clients == spec.clients:
                elapsed = time.perf_counter() - started
                progress(f"  {done_clients:,} clients, {event_id:,} events ({elapsed:.0f} s)")

    # Projects, plans and tasks (bench/production.py, which builds on this module).
    from production import build_projects

    build_projects(spec, writer=writer, rng=rng, owners=owners, now=now, progress=progress)
    # Contracts, acts and reports (bench/documents.py).
    from documents import DOCUMENT_MODELS, build_documents

    build_documents(spec, writer=writer, rng=rng, owners=owners, now=now, progress=progress)
    # Invoices, credit notes and payments (bench/billing.py).
    from billing import BILLING_MODELS, build_billing

    build_billing(spec, writer=writer, rng=rng, owners=owners, now=now, progress=progress)
    models_loaded: list[type[models.Model]] = [Client, Contact, Interaction, Event, tag_through, link_through]
    _finish(
        writer,
        [*models_loaded, Project, PlanVersion, PlanItem, Approval, Task, *DOCUMENT_MODELS, *BILLING_MODELS],
    )
    writer.report.seconds = time.perf_counter() - started
    return writer.report


def _finish(writer: Writer, tables: Iterable[type[models.Model]]) -> None:
    """Move the id sequences past the explicit ids, and give the planner fresh statistics."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(tables)):
            cursor.execute(statement)
        cursor.execute("ANALYZE")
