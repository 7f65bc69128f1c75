"""What the benchmark builds and measures (no Django here: the parent process reads it too)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

DATASET_VERSION = 5  # raise when the rows change shape: a kept data set is then built again


@dataclass(frozen=True)
class Spec:
    """How big the data set is."""

    clients: int
    contacts: int
    interactions: int
    events: int
    projects: int
    tasks: int
    specialists: int
    documents: int
    invoices: int
    payments: int

    @classmethod
    def at_scale(cls, scale: float) -> Spec:
        clients = max(10, round(20_000 * scale))
        return cls(
            clients=clients,
            contacts=clients * 4,
            interactions=clients * 10,
            events=clients * 50,
            projects=clients,
            tasks=clients * 25,
            specialists=max(7, round(300 * scale)),
            documents=clients * 10,
            invoices=round(clients * 12.5),
            payments=clients * 15,
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self) | {"version": DATASET_VERSION}


DEEP_PAGES = 100  # how many "next" links the deep page is away from the first
WARM_UP = 10
TIME_BUDGET = 8.0  # seconds of timed requests per page (and per floor), once MIN_REQUESTS are timed
MIN_REQUESTS = 20
LIST_PAGE = 50  # rows per page of the client list and of the API list
TIMELINE_PAGE = 25  # events per page of the client page's timeline
INTERACTIONS_SHOWN = 20

FLOOR_DOCS = [
    "client list: the page of clients in case-insensitive name order (keyset after the previous "
    "page's last row), with owner, backup and tags aggregated in a subquery;",
    "client page: one UNION ALL of the client with its owner, its contacts, its "
    f"{INTERACTIONS_SHOWN} latest interactions and its {TIMELINE_PAGE} newest events with their authors;",
    "API client list: the page of clients in name order as stored (the API's ordering), with the "
    "API's columns and tags aggregated;",
    "projects portfolio: one UNION ALL of each stage's first projects in target-date order (client, AM, "
    "the latest plan version's number and status) and the count per stage;",
    "project board: the project's first tasks in due-date order with project, client, assignee and "
    "specialty;",
    "task monitoring: one UNION ALL of the late, at-risk and blocked lists' first tasks and their counts "
    "up to the cap, then the specialists' open minutes per day of the next four weeks (two queries);",
    "my tasks: the specialist's open tasks and those done in the last two weeks, in due-date order;",
    "document registry (first page, filtered, deep): the page of documents in (date, id) descending order "
    "(keyset after the previous page's last row) with kind, client and project, narrowed as the page is;",
    "unsigned acts: the first page of sent or disputed acts, oldest sent first, and the total per currency;",
    "contracts coming up: signed or active contracts whose end or last day to give notice falls within 30 "
    "days, in end-date order;",
    "document page: one UNION ALL of the act with its kind, client and project, its lines, the client's "
    "answers and its files;",
    "invoice list (staff page and API, first and deep page): the page of invoices in (issue date, id) "
    "descending order (keyset after the previous page's last row) with client, project and the invoice a "
    "credit note credits;",
    "aging (by client, account manager or currency), DSO and on-time rate: one GROUP BY over the issued "
    "invoices with an open balance (the on-time rate with each invoice's last payment in a subquery);",
    "record a payment: in one transaction, the invoice read (locked on PostgreSQL), the payment inserted, "
    "the paid amount raised and the timeline event inserted, by hand.",
]


@dataclass
class Row:
    """One measured page for one persona."""

    engine: str
    page: str
    persona: str
    status: str = "ok"
    p50: float = 0.0
    p95: float = 0.0
    cpu: float = 0.0
    queries: int = 0
    floor_p50: float = 0.0
    floor_p95: float = 0.0
    note: str = ""
    limit_ms: float = 0.0  # an absolute target (a report, a write) instead of one relative to the floor

    @property
    def target(self) -> float:
        return self.limit_ms or 3 * self.floor_p95 + 20

    @property
    def meets_target(self) -> bool:
        return self.status == "ok" and self.p95 <= self.target
