"""The analysis of dissatisfaction: where claims and low scores come from, how fast they are answered,
and how NPS and CSAT move.

Every table is one aggregate query (or two merged: claims and low scores), so the page costs the same
number of queries whatever the data size. Low scores are NPS 0–6 and CSAT 1–2 answers; they carry no
reason or service of their own, so the reason, root-cause, service and specialist tables count claims
(a detractor's follow-up claim is among them). Response and resolution times are calendar hours
between the stored moments, worked out by the database (two whole numbers per claim reach Python):
the working hours are not stored per claim, and recomputing them on the agency calendar for every
claim would cost a pass in Python per row.

Who sees what: the head of accounts every client; an account manager the clients they own or back
up; nobody else.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Avg,
    BigIntegerField,
    Case,
    Count,
    Expression,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.care.models import _DEFAULT_NAMES, Claim, Survey, SurveyAnswer
from khata.clients.models import Client
from khata.people.models import User
from khata.people.policies import AnyUser

Cell = str | int | Decimal | None


def can_view_analysis(user: AnyUser) -> bool:
    """The head of accounts and account managers read the analysis; others may not."""
    return isinstance(user, User) and user.is_active and user.role in {User.Role.HEAD, User.Role.AM}


@dataclass(frozen=True)
class AnalysisFilter:
    """What the reader narrowed the analysis to; every part is optional."""

    start: dt.date | None = None
    end: dt.date | None = None
    client_id: int | None = None
    am_id: int | None = None
    service_id: int | None = None


# A table shows this many rows on the page (the by-client ones run to every client); its CSV has all.
ROWS_SHOWN = 50


@dataclass
class Table:
    """One table of the page, also its CSV export: a key, a title, column headers and rows."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def shown(self) -> list[list[Cell]]:
        """The rows the page shows, the heaviest first (the CSV has every row)."""
        return self.rows[:ROWS_SHOWN]

    @property
    def more(self) -> bool:
        return len(self.rows) > ROWS_SHOWN


@dataclass
class Analysis:
    tables: dict[str, Table]
    # Chart data: label, count and cumulative percent per Pareto table; NPS/CSAT per month.
    charts: dict[str, object]

    def table(self, key: str) -> Table:
        return self.tables[key]


TABLE_KEYS = (
    "reasons",
    "root_causes",
    "clients",
    "services",
    "specialists",
    "months",
    "times",
    "scores_months",
    "scores_clients",
    "scores_ams",
)

LOW_SCORE = Q(kind=Survey.Kind.NPS, score__lte=6) | Q(kind=Survey.Kind.CSAT, score__lte=2)
NONE_LABEL = gettext_lazy("(not set)")


def _pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _one(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _name(full: str | None, email: str | None) -> str:
    return full or (email or "")


def _bounds(day: dt.date, *, end: bool) -> dt.datetime:
    """The start of ``day`` (or of the day after it, for an end) in the agency's time zone."""
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    return timezone.make_aware(moment)


def _scoped_claims(user: User, filters: AnalysisFilter) -> QuerySet[Claim]:
    claims = Claim.objects.all()
    if user.role != User.Role.HEAD:
        claims = claims.filter(Q(client__owner=user) | Q(client__backup=user))
    if filters.start:
        claims = claims.filter(received_at__gte=_bounds(filters.start, end=False))
    if filters.end:
        claims = claims.filter(received_at__lt=_bounds(filters.end, end=True))
    if filters.client_id:
        claims = claims.filter(client_id=filters.client_id)
    if filters.am_id:
        claims = claims.filter(client__owner_id=filters.am_id)
    if filters.service_id:
        claims = claims.filter(task__specialty_id=filters.service_id)
    return claims


def _scoped_clients(user: User, filters: AnalysisFilter) -> QuerySet[Client]:
    """The clients whose answers are in scope (the same narrowing as ``_scoped_answers``)."""
    clients = Client.objects.all()
    if user.role != User.Role.HEAD:
        clients = clients.filter(Q(owner=user) | Q(backup=user))
    if filters.client_id:
        clients = clients.filter(pk=filters.client_id)
    if filters.am_id:
        clients = clients.filter(owner_id=filters.am_id)
    return clients


def _scoped_answers(user: User, filters: AnalysisFilter) -> QuerySet[SurveyAnswer]:
    """Survey answers in scope; a survey has no service, so the service filter does not apply."""
    answers = SurveyAnswer.objects.all()
    if user.role != User.Role.HEAD:
        answers = answers.filter(Q(survey__client__owner=user) | Q(survey__client__backup=user))
    if filters.start:
        answers = answers.filter(at__gte=_bounds(filters.start, end=False))
    if filters.end:
        answers = answers.filter(at__lt=_bounds(filters.end, end=True))
    if filters.client_id:
        answers = answers.filter(survey__client_id=filters.client_id)
    if filters.am_id:
        answers = answers.filter(survey__client__owner_id=filters.am_id)
    return answers


def pareto(counts: Iterable[tuple[str, int]]) -> list[tuple[str, int, Decimal, Decimal]]:
    """Rows sorted by count (largest first, then by label) with their share and cumulative share."""
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0]))
    total = sum(n for _label, n in ordered)
    rows = []
    running = 0
    for label, n in ordered:
        running += n
        rows.append((label, n, _pct(n, total), _pct(running, total)))
    return rows


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0–100) with linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def nps(promoters: int, detractors: int, total: int) -> Decimal | None:
    """Net promoter score: the share of promoters (9–10) minus the share of detractors (0–6)."""
    if not total:
        return None
    return _one(Decimal(promoters - detractors) * 100 / Decimal(total))


def _pareto_table(key: str, title: str, label_header: str, counts: list[tuple[str, int]]) -> Table:
    table = Table(key, title, [label_header, _("Claims"), _("Share, %"), _("Cumulative, %")])
    table.rows = [[label, n, share, cumulative] for label, n, share, cumulative in pareto(counts)]
    return table


def _label(value: str | None) -> str:
    return str(value) if value else str(NONE_LABEL)


def analysis_for(user: AnyUser, filters: AnalysisFilter) -> Analysis:
    """Every table and chart of the analysis page for this user, in a fixed number of queries."""
    if not can_view_analysis(user):
        raise PermissionError
    assert isinstance(user, User)
    claims = _scoped_claims(user, filters)
    answers = _scoped_answers(user, filters)
    tables: dict[str, Table] = {}

    # Reasons and root causes from one pass: a handful of pairs, summed each way.
    reasons_counted: dict[str, int] = defaultdict(int)
    causes_counted: dict[str, int] = defaultdict(int)
    for pair in claims.values("reason__name", "root_cause__name").annotate(n=Count("id")).order_by():
        reasons_counted[_reason_label(pair["reason__name"])] += pair["n"]
        causes_counted[_reason_label(pair["root_cause__name"])] += pair["n"]
    tables["reasons"] = _pareto_table(
        "reasons", _("Claims by reason"), _("Reason"), list(reasons_counted.items())
    )
    tables["root_causes"] = _pareto_table(
        "root_causes", _("Claims by root cause"), _("Root cause"), list(causes_counted.items())
    )

    # Survey answers per client and kind, in one pass: the low scores by client, and the NPS and
    # CSAT by client and by account manager all add up from it.
    client_kinds: list[dict[str, Any]] = [
        dict(row)
        for row in answers.values("survey__client_id", "kind")
        .annotate(
            n=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
            total=Sum("score"),
            low=Count("id", filter=LOW_SCORE),
        )
        .order_by()
    ]
    # The names and account managers of those clients, read once (not joined to every answer).
    about = {
        row["pk"]: row
        for row in _scoped_clients(user, filters)
        .values("pk", "display_name", "owner_id", "owner__full_name", "owner__email")
        .order_by()
    }
    for answer_row in client_kinds:
        client = about[answer_row["survey__client_id"]]
        answer_row["survey__client__display_name"] = client["display_name"]
        answer_row["survey__client__owner_id"] = client["owner_id"]
        answer_row["survey__client__owner__full_name"] = client["owner__full_name"]
        answer_row["survey__client__owner__email"] = client["owner__email"]

    # By client: claims, open claims and low scores side by side.
    per_client: dict[int, list[Cell]] = {}
    no_task = 0
    for row in (
        claims.values("client_id", "client__display_name")
        .annotate(
            n=Count("id"),
            open=Count("id", filter=Q(status__in=sorted(Claim.OPEN))),
            no_task=Count("id", filter=Q(task__isnull=True)),
        )
        .order_by()
    ):
        per_client[row["client_id"]] = [row["client__display_name"], row["n"], row["open"], 0]
        no_task += row["no_task"]
    for answer_row in client_kinds:
        if answer_row["low"]:
            entry = per_client.setdefault(
                answer_row["survey__client_id"], [answer_row["survey__client__display_name"], 0, 0, 0]
            )
            entry[3] = int(entry[3] or 0) + answer_row["low"]
    table = Table(
        "clients",
        _("Claims and low scores by client"),
        [_("Client"), _("Claims"), _("Open claims"), _("Low scores")],
    )
    table.rows = sorted(per_client.values(), key=lambda r: (-(int(r[1] or 0) + int(r[3] or 0)), str(r[0])))
    tables["clients"] = table

    # Claims about a task, by its service; those about none are counted with the clients above
    # (so the tasks table is only joined for the claims that name one).
    services: dict[str | None, int] = defaultdict(int)
    for service_row in (
        claims.filter(task__isnull=False).values("task__specialty__name").annotate(n=Count("id")).order_by()
    ):
        services[service_row["task__specialty__name"]] += service_row["n"]
    if no_task:
        services[None] += no_task
    tables["services"] = _pareto_table(
        "services",
        _("Claims by service"),
        _("Service"),
        [(_label(name), n) for name, n in services.items()],
    )

    by_person = (
        claims.values("responsible_id", "responsible__full_name", "responsible__email")
        .annotate(n=Count("id"))
        .order_by()
    )
    tables["specialists"] = _pareto_table(
        "specialists",
        _("Claims by responsible specialist"),
        _("Specialist"),
        [
            (
                _label(
                    _name(row["responsible__full_name"], row["responsible__email"])
                    if row["responsible_id"]
                    else None
                ),
                row["n"],
            )
            for row in by_person
        ],
    )

    # Scores by month, with the low scores of each month (one query).
    answer_months = _Months.spanning(SurveyAnswer.objects.aggregate(first=Min("at"), last=Max("at")))
    month_scores = list(
        answers.annotate(month=answer_months.of("at"))
        .values("month", "kind")
        .annotate(
            n=Count("id"),
            promoters=Count("id", filter=Q(score__gte=9)),
            detractors=Count("id", filter=Q(score__lte=6)),
            average=Avg("score"),
            low=Count("id", filter=LOW_SCORE),
        )
        .order_by()
    )

    # By month: claims received and low scores given.
    claim_months = _Months.spanning(
        Claim.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    )
    months: dict[dt.date, list[int]] = {}
    for month_row in (
        claims.annotate(month=claim_months.of("received_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    ):
        months.setdefault(claim_months.day(month_row["month"]), [0, 0])[0] = month_row["n"]
    for low_month in month_scores:
        if low_month["low"]:
            months.setdefault(answer_months.day(low_month["month"]), [0, 0])[1] += low_month["low"]
    table = Table("months", _("Claims and low scores by month"), [_("Month"), _("Claims"), _("Low scores")])
    table.rows = [[month.strftime("%Y-%m"), c, s] for month, (c, s) in sorted(months.items())]
    tables["months"] = table

    tables["times"] = _times_table(claims)

    # Scores: NPS and CSAT per month, per client and per account manager.
    tables["scores_months"] = _scores_table(
        "scores_months",
        _("NPS and CSAT by month"),
        _("Month"),
        ((answer_months.day(row["month"]).strftime("%Y-%m"), row) for row in month_scores),
        sort_by_label=True,
    )
    tables["scores_clients"] = _scores_table(
        "scores_clients",
        _("NPS and CSAT by client"),
        _("Client"),
        _summed(client_kinds, lambda row: row["survey__client__display_name"]),
    )
    tables["scores_ams"] = _scores_table(
        "scores_ams",
        _("NPS and CSAT by account manager"),
        _("Account manager"),
        (
            (
                _label(
                    _name(row["survey__client__owner__full_name"], row["survey__client__owner__email"])
                    if row["survey__client__owner_id"]
                    else None
                ),
                row,
            )
            for _owner, row in _summed(client_kinds, lambda row: row["survey__client__owner_id"])
        ),
    )
    return Analysis(tables=tables, charts=_charts(tables))


def _reason_label(name: str | None) -> str:
    """A shipped reason or cause name in the reader's language; an agency's own as typed."""
    if not name:
        return str(NONE_LABEL)
    return _(name) if name in _DEFAULT_NAMES else name


@dataclass(frozen=True)
class _Months:
    """The agency's calendar months (in its time zone) from the first stored moment to the last, so
    that a query groups rows by month with plain comparisons against their UTC starts: SQLite would
    otherwise call a Python function per row to truncate each moment to its month."""

    starts: tuple[dt.datetime, ...]  # the start of each month and of the month after the last

    @classmethod
    def spanning(cls, found: Mapping[str, dt.datetime | None]) -> _Months:
        now = timezone.now()
        first = found["first"] or now
        # A row stored while the page is read still falls in a known month.
        last = max(found["last"] or now, now)
        local = timezone.localtime(first)
        year, month = local.year, local.month
        starts: list[dt.datetime] = []
        while True:
            start = timezone.make_aware(dt.datetime(year, month, 1))
            starts.append(start)
            # At least two months, so that the month is a comparison and not a constant (a
            # constant drops out of GROUP BY and an empty set would answer one row of zeros).
            if start > last and len(starts) > 2:
                return cls(starts=tuple(starts))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    def of(self, field: str) -> Expression:
        """The number of the month ``field`` falls in: a balanced CASE, a few comparisons a row."""

        def within(low: int, high: int) -> Expression:
            # The moment lies in [starts[low], starts[high]).
            if high - low <= 1:
                return Value(low, output_field=IntegerField())
            middle = (low + high) // 2
            return Case(
                When(**{f"{field}__lt": self.starts[middle]}, then=within(low, middle)),
                default=within(middle, high),
                output_field=IntegerField(),
            )

        return within(0, len(self.starts) - 1)

    def day(self, number: int) -> dt.date:
        """The first day of the month of that number."""
        return timezone.localtime(self.starts[number]).date()


class MicrosecondsBetween(Func):
    """The exact microseconds from the second moment to the first (NULL when either is NULL),
    worked out by the database: the page then reads two whole numbers per claim instead of
    turning three timestamps per claim into Python datetimes."""

    arity = 2
    output_field = BigIntegerField()

    def get_db_converters(self, connection: BaseDatabaseWrapper) -> list[Any]:
        return []  # a whole number from both databases already: no call per row

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # The difference of two timestamps is an interval of days and time (no months), and its
        # epoch a numeric of seconds with the microseconds: exact.
        return self.as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) * 1000000)::bigint",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        # SQLite keeps a moment as UTC text, "YYYY-MM-DD HH:MM:SS" and ".ffffff" when it has
        # microseconds: whole seconds from strftime, the microseconds from the text.
        (later, later_params), (earlier, earlier_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )

        def micros(sql: str) -> str:
            return f"CAST(substr({sql} || '.000000', 21, 6) AS INTEGER)"

        sql = (
            f"((strftime('%%s', {later}) - strftime('%%s', {earlier})) * 1000000 "
            f"+ {micros(later)} - {micros(earlier)})"
        )
        return sql, (*later_params, *earlier_params, *later_params, *earlier_params)


def _hours(microseconds: int) -> float:
    """Microseconds as hours, a negative span (a moment recorded out of order) as none."""
    return max(microseconds / 1_000_000, 0) / 3600


def _times_table(claims: QuerySet[Claim]) -> Table:
    """Median and 90th percentile of the hours to the first response and to the resolution."""
    spans = (
        claims.filter(Q(acknowledged_at__isnull=False) | Q(resolved_at__isnull=False))
        .annotate(
            to_first=MicrosecondsBetween("acknowledged_at", "received_at"),
            to_fix=MicrosecondsBetween("resolved_at", "received_at"),
        )
        .values_list("to_first", "to_fix")
        .order_by()
    )
    first: list[float] = []
    fix: list[float] = []
    for to_first, to_fix in spans:
        if to_first is not None:
            first.append(_hours(to_first))
        if to_fix is not None:
            fix.append(_hours(to_fix))
    table = Table(
        "times",
        _("Time to answer (calendar hours)"),
        [_("Measure"), _("Claims"), _("Median, hours"), _("90th percentile, hours")],
    )
    for label, values in ((_("First response"), first), (_("Resolution"), fix)):
        table.rows.append([label, len(values), _one(percentile(values, 50)), _one(percentile(values, 90))])
    return table


def _summed(
    rows: Iterable[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any]
) -> list[tuple[Any, dict[str, Any]]]:
    """Per-client answer counts added up per ``key`` and kind, with each group's average score."""
    groups: dict[tuple[Any, str], dict[str, Any]] = {}
    for row in rows:
        group = groups.get((key(row), row["kind"]))
        if group is None:
            groups[key(row), row["kind"]] = dict(row)
            continue
        group["n"] += row["n"]
        group["promoters"] += row["promoters"]
        group["detractors"] += row["detractors"]
        group["total"] += row["total"]
    summed = []
    for (label, _kind), group in groups.items():
        group["average"] = Decimal(group["total"]) / group["n"] if group["n"] else None
        summed.append((label, group))
    return summed


def _scores_table(
    key: str,
    title: str,
    label_header: str,
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    sort_by_label: bool = False,
) -> Table:
    merged: dict[str, list[Cell]] = {}
    for label, row in rows:
        entry = merged.setdefault(label, [label, 0, None, 0, None])
        n = int(row["n"])
        if row["kind"] == Survey.Kind.NPS:
            entry[1] = n
            entry[2] = nps(int(row["promoters"]), int(row["detractors"]), n)
        else:
            entry[3] = n
            entry[4] = _one(row["average"])
    table = Table(
        key, title, [label_header, _("NPS answers"), _("NPS"), _("CSAT answers"), _("CSAT average")]
    )
    table.rows = (
        sorted(merged.values(), key=lambda r: str(r[0]))
        if sort_by_label
        else sorted(merged.values(), key=lambda r: (-(int(r[1] or 0) + int(r[3] or 0)), str(r[0])))
    )
    return table


def _charts(tables: dict[str, Table]) -> dict[str, object]:
    def series(key: str) -> dict[str, list[object]]:
        rows = tables[key].rows
        return {
            "labels": [str(r[0]) for r in rows],
            "counts": [r[1] for r in rows],
            "cumulative": [float(r[3]) if r[3] is not None else None for r in rows],
        }

    trend = tables["scores_months"].rows
    return {
        "reasons": series("reasons"),
        "root_causes": series("root_causes"),
        "trend": {
            "labels": [str(r[0]) for r in trend],
            "nps": [float(r[2]) if r[2] is not None else None for r in trend],
            "csat": [float(r[4]) if r[4] is not None else None for r in trend],
        },
    }
