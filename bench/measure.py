"""Page timings inside one engine's Django: the pages, their SQL floors, and the numbers.

Imported by ``run.py``'s worker after ``django.setup()``.
"""

from __future__ import annotations

import functools
import html
import json
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from spec import (
    DEEP_PAGES,
    INTERACTIONS_SHOWN,
    LIST_PAGE,
    MIN_REQUESTS,
    TIME_BUDGET,
    TIMELINE_PAGE,
    WARM_UP,
    Row,
)

from khata.people.models import User

Rows = list[tuple[Any, ...]]
Query = Callable[[], Rows]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(call: Callable[[], object], count: int) -> tuple[float, float, float, int]:
    """p50 and p95 of the wall time, and the mean CPU time of this process, in milliseconds, of
    ``count`` calls after a warm-up (shorter for a short run), and how many calls were timed. The CPU
    time shows what the work itself costs when other processes crowd the machine (it leaves out
    PostgreSQL's own time). A slow page warms up for a quarter of ``TIME_BUDGET`` seconds at most
    and stops after ``TIME_BUDGET`` seconds with at least ``MIN_REQUESTS`` calls timed, so that a
    full run stays within minutes."""
    warm_until = time.perf_counter() + TIME_BUDGET / 4
    for _ in range(min(WARM_UP, count)):
        call()
        if time.perf_counter() > warm_until:
            break
    samples: list[float] = []
    cpu_started = time.process_time()
    budget_ends = time.perf_counter() + TIME_BUDGET
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        if len(samples) >= MIN_REQUESTS and started > budget_ends:
            break
    cpu = (time.process_time() - cpu_started) * 1000 / len(samples)
    return statistics.median(samples), percentile(samples, 0.95), cpu, len(samples)


NEXT_HTML = re.compile(r"<a\b[^>]*\brel=\"next\"[^>]*>", re.IGNORECASE)
HREF = re.compile(r"\bhref=\"([^\"]+)\"")


def next_html(url: str, body: str) -> str | None:
    """The page's rel="next" link."""
    tag = NEXT_HTML.search(body)
    href = HREF.search(tag.group(0)) if tag else None
    if href is None:
        return None
    target = html.unescape(href.group(1))
    return url.split("?", 1)[0] + target if target.startswith("?") else target


def next_json(url: str, body: str) -> str | None:
    """The API page's ``next`` link, without scheme and host."""
    target = json.loads(body).get("next")
    return re.sub(r"^https?://[^/]+", "", target) if target else None


def names_shown(body: str, floor_rows: Rows) -> str:
    """Whether the list page shows every client of the floor's page."""
    missing = [row[1] for row in floor_rows[:LIST_PAGE] if html.escape(str(row[1])) not in body]
    return f"{len(missing)} clients of the floor's page are not on the page" if missing else ""


def ids_equal(body: str, floor_rows: Rows) -> str:
    """Whether the API page lists exactly the floor's clients, in its order."""
    shown = [item.get("id") for item in json.loads(body).get("results", [])]
    expected = [row[0] for row in floor_rows[: len(shown)]]
    return "" if shown == expected else "the API page's clients differ from the floor's"


class Floors:
    """The hand-written SQL answering each page, for this engine."""

    def __init__(self) -> None:
        aggregate = (
            "string_agg(t.name, ', ')" if connection.vendor == "postgresql" else "group_concat(t.name, ', ')"
        )
        self.tags = (
            f"(SELECT {aggregate} FROM clients_client_tags ct JOIN clients_tag t ON t.id = ct.tag_id "
            "WHERE ct.client_id = c.id)"
        )

    @staticmethod
    def query(sql: str, params: list[Any]) -> Query:
        def run() -> Rows:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    @staticmethod
    def _where(user: User, after: tuple[str, int] | None, key: str) -> tuple[str, list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if user.role == User.Role.AM:
            where.append("(c.owner_id = %s OR c.backup_id = %s)")
            params += [user.pk, user.pk]
        if after is not None:
            # The leading ">=" lets the planner seek in an index on (key, id) instead of walking it.
            where.append(f"{key} >= %s AND ({key} > %s OR ({key} = %s AND c.id > %s))")
            params += [after[0], after[0], after[0], after[1]]
        return ("WHERE " + " AND ".join(where) if where else ""), params

    def client_list(self, user: User, after: tuple[str, int] | None) -> Query:
        """The list page sorts by name regardless of case."""
        key = "lower(c.display_name)"
        where, params = self._where(user, after, key)
        return self.query(
            "SELECT c.id, c.display_name, c.legal_name, c.status, c.segment, c.country, c.currency, "
            f"c.last_touch_at, o.full_name, b.full_name, {self.tags}, {key} FROM clients_client c "
            "JOIN people_user o ON o.id = c.owner_id LEFT JOIN people_user b ON b.id = c.backup_id "
            f"{where} ORDER BY {key}, c.id LIMIT {LIST_PAGE + 1}",
            params,
        )

    def api_list(self, user: User, after: tuple[str, int] | None) -> Query:
        """The API sorts by name as stored."""
        key = "c.display_name"
        where, params = self._where(user, after, key)
        return self.query(
            "SELECT c.id, c.display_name, c.legal_name, c.tax_id, c.country, c.currency, c.status, "
            "c.segment, c.owner_id, c.backup_id, c.payment_terms_days, c.last_touch_at, c.created_at, "
            f"{self.tags}, {key} FROM clients_client c {where} ORDER BY {key}, c.id LIMIT {LIST_PAGE + 1}",
            params,
        )

    def client_page(self, pk: int) -> Query:
        return self.query(
            "SELECT * FROM (SELECT 'event', e.id, e.at, e.summary, a.full_name FROM core_event e "
            "LEFT JOIN people_user a ON a.id = e.actor_id WHERE e.client_id = %s "
            f"ORDER BY e.at DESC, e.id DESC LIMIT {TIMELINE_PAGE}) timeline "
            "UNION ALL SELECT * FROM (SELECT 'interaction', i.id, i.occurred_at, i.summary, u.full_name "
            "FROM clients_interaction i LEFT JOIN people_user u ON u.id = i.by_id WHERE i.client_id = %s "
            f"ORDER BY i.occurred_at DESC, i.id DESC LIMIT {INTERACTIONS_SHOWN}) touches "
            "UNION ALL SELECT 'contact', ct.id, ct.last_touch_at, ct.full_name, ct.email "
            "FROM clients_contact ct WHERE ct.client_id = %s "
            "UNION ALL SELECT 'client', c.id, c.last_touch_at, c.display_name, o.full_name "
            "FROM clients_client c JOIN people_user o ON o.id = c.owner_id WHERE c.id = %s",
            [pk, pk, pk, pk],
        )

    @staticmethod
    def position_after(make: Callable[[Any], Query], pages: int) -> tuple[str, int] | None:
        """The (sort key, id) keyset position after ``pages`` pages of a list floor (None: page 1)."""
        position = None
        for _ in range(pages):
            page = make(position)()[:LIST_PAGE]
            if not page:
                break
            position = (page[-1][-1], page[-1][0])
        return position


class Session:
    """One signed-in person requesting pages, and the rows measured for them."""

    def __init__(self, *, engine: str, persona: str, user: User, requests: int) -> None:
        self.engine, self.persona, self.user, self.requests = engine, persona, user, requests
        self.browser = HttpClient(HTTP_HOST="localhost")
        self.browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def measure(
        self, page: str, url: str, floor: Query, check: Callable[[str, Rows], str] | None = None
    ) -> Row:
        row = Row(engine=self.engine, page=page, persona=self.persona)
        try:
            response = self.browser.get(url)
        except Exception as error:  # a page under construction must not stop the others
            row.status = f"error: {type(error).__name__}"
            return row
        if response.status_code != 200:
            row.status = f"HTTP {response.status_code}"
            return row
        with CaptureQueriesContext(connection) as captured:
            self.browser.get(url)
        row.queries = len(captured.captured_queries)
        row.p50, row.p95, row.cpu, timed_requests = timed(lambda: self.browser.get(url), self.requests)
        row.floor_p50, row.floor_p95, _, _ = timed(floor, self.requests)
        if check is not None:
            row.note = check(response.content.decode(), floor())
        if timed_requests < self.requests:
            row.note = "; ".join(filter(None, [row.note, f"{timed_requests} requests timed (time budget)"]))
        return row

    def follow(self, url: str, step: Callable[[str, str], str | None]) -> tuple[str, int]:
        """The URL ``DEEP_PAGES`` "next" links from ``url`` (or the last page's), and how deep it is."""
        depth = 0
        for _ in range(DEEP_PAGES):
            response = self.browser.get(url)
            target = step(url, response.content.decode()) if response.status_code == 200 else None
            if target is None:
                break
            url, depth = target, depth + 1
        return url, depth


def measure_all(*, engine: str, users: dict[str, User], heavy_client: int, requests: int) -> list[Row]:
    """Every page for every persona; prints each row as it is done."""
    floors = Floors()
    rows: list[Row] = []
    for persona, user in users.items():
        session = Session(engine=engine, persona=persona, user=user, requests=requests)
        mine: list[Row] = []
        mine.append(
            session.measure(
                "client list, first page", "/clients/", floors.client_list(user, None), names_shown
            )
        )
        url, depth = session.follow("/clients/", next_html)
        after = floors.position_after(functools.partial(floors.client_list, user), depth)
        mine.append(
            session.measure(
                f"client list, page {depth + 1}", url, floors.client_list(user, after), names_shown
            )
        )
        mine.append(
            session.measure(
                f"client page (client {heavy_client}: most events)",
                f"/clients/{heavy_client}/",
                floors.client_page(heavy_client),
            )
        )
        api = "/api/v1/clients/"
        mine.append(
            session.measure("API client list, first page", api, floors.api_list(user, None), ids_equal)
        )
        url, depth = session.follow(api, next_json)
        after = floors.position_after(functools.partial(floors.api_list, user), depth)
        mine.append(
            session.measure(
                f"API client list, page {depth + 1}", url, floors.api_list(user, after), ids_equal
            )
        )
        for row in mine:
            print(
                f"  {row.persona:9} {row.page:40} {row.status:6} p50 {row.p50:6.1f}  p95 {row.p95:6.1f}  "
                f"cpu {row.cpu:5.1f}  queries {row.queries:3}  floor p95 {row.floor_p95:6.2f}",
                flush=True,
            )
        rows += mine
    return rows
