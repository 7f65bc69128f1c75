"""The health of each client relationship: a score of 0–100 from delivery signals, explained.

Each factor reads one delivery signal for every client at once (one aggregate query per factor,
never one per client) and turns it into a severity between 0 and 1; the agency's weight of the
factor is the most points it may take off. The score is 100 minus the points taken, and the points
each factor took add up exactly to ``100 − score``: when the factors together ask for more than 100
points they are scaled down in proportion, and rounding hands the odd points to the largest
remainders, so the explanation a page shows always matches its number.

A daily job (``health_snapshot_take``) writes a ``HealthSnapshot`` per client and day and copies
the latest score onto the client for sorting, through the clients' own service.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khata.billing.models import Invoice
from khata.care.models import Claim, SurveyAnswer
from khata.clients.models import Client
from khata.clients.services import client_health_set_bulk
from khata.documents.models import Behaviour, Document
from khata.insights.models import FACTORS, Band, HealthSnapshot, HealthWeights
from khata.plans.models import PlanItem, PlanVersion
from khata.production.models import Task

# What turns a signal into a full penalty (severity 1); below, the severity grows in proportion.
LATE_TASKS_FULL = 5  # late tasks
SLIPPING_FULL = 3  # plan items past their date, not delivered
PLAN_GRACE_DAYS = 3  # a plan proposed this recently is not late yet
PLAN_LAG_FULL_DAYS = 21
ACT_GRACE_DAYS = 7  # an act sent this recently is not late yet
ACT_LAG_FULL_DAYS = 30
PAYMENT_FULL_DAYS = 60  # days the oldest overdue invoice is late
CLAIM_POINTS = {"low": 1, "normal": 2, "high": 3, "critical": 5}
CLAIM_BREACHED_FACTOR = 2  # a claim past its resolution time counts double
CLAIMS_FULL = 10  # claim points for a full penalty
SURVEY_DAYS = 180  # answers this recent count
NPS_GOOD = 9  # an average NPS at or above this costs nothing; 0 costs everything
CSAT_GOOD = 4  # likewise for CSAT (1–5): 4 and above cost nothing, 1 everything
SILENCE_GRACE_DAYS = 14
SILENCE_FULL_DAYS = 60
# From this many clients on, acts, claims and answers are read for everyone (see ``_in_scope``).
BULK_CLIENTS = 500

FACTOR_LABELS: dict[str, Promise] = {
    "late_tasks": _("Late tasks"),
    "slipping_milestones": _("Slipping milestones"),
    "plan_lag": _("Plan waiting for the client"),
    "unsigned_acts": _("Unsigned acts"),
    "payment_delays": _("Payment delays"),
    "open_claims": _("Open claims"),
    "satisfaction": _("Low satisfaction"),
    "silence": _("Days without a touch"),
}


@dataclass
class Signals:
    """The raw signals of one client, as read from the domains."""

    late_tasks: int = 0
    slipping_milestones: int = 0
    plan_days: int = 0  # days the oldest proposed plan has waited for the client
    unsigned_acts: int = 0
    act_days: int = 0  # days the oldest sent act has waited
    overdue_invoices: int = 0
    payment_days: int = 0  # days the oldest overdue invoice is late
    open_claims: int = 0
    breached_claims: int = 0
    claim_points: int = 0
    nps: float | None = None
    csat: float | None = None
    silent_days: int | None = None  # None: never touched


@dataclass(slots=True)
class Factor:
    """One factor's share of the score: its severity (0–1) and the points it took off."""

    code: str
    severity: float
    weight: int
    points: int
    detail: dict[str, float | int | None] = field(default_factory=dict)

    @property
    def label(self) -> Promise:
        return FACTOR_LABELS[self.code]


@dataclass
class Health:
    client_id: int
    score: int
    band: str
    factors: list[Factor]

    @property
    def band_label(self) -> str:
        return band_label(self.band)

    @property
    def pulling_down(self) -> list[Factor]:
        """The factors that took points, the heaviest first."""
        return sorted((f for f in self.factors if f.points), key=lambda f: (-f.points, FACTORS.index(f.code)))

    def factors_json(self) -> dict[str, dict[str, float | int | None]]:
        return {
            f.code: {"points": f.points, "severity": round(f.severity, 3), "weight": f.weight, **f.detail}
            for f in self.factors
        }


# The keys of a kept factor that are not its detail.
_FACTOR_KEYS = ("points", "severity", "weight")


def health_from_snapshot(
    *, client_id: int, score: int, band: str, factors: dict[str, dict[str, float | int | None]]
) -> Health:
    """A kept snapshot read back as the health it recorded (a factor it lacks took no points)."""
    kept = []
    for code in FACTORS:
        saved = factors.get(code) or {}
        kept.append(
            Factor(
                code=code,
                severity=float(saved.get("severity") or 0),
                weight=int(saved.get("weight") or 0),
                points=int(saved.get("points") or 0),
                detail={key: value for key, value in saved.items() if key not in _FACTOR_KEYS},
            )
        )
    return Health(client_id=client_id, score=score, band=band, factors=kept)


def health_weights_get() -> HealthWeights:
    """The agency's health settings (made with the defaults if missing)."""
    weights, _created = HealthWeights.objects.get_or_create(id=HealthWeights.SINGLETON)
    return weights


def _ramp(value: float, *, grace: float = 0, full: float) -> float:
    """0 up to ``grace``, rising evenly to 1 at ``full``."""
    if value <= grace:
        return 0.0
    return min((value - grace) / (full - grace), 1.0)


def severities(signals: Signals) -> dict[str, tuple[float, dict[str, float | int | None]]]:
    """Each factor's severity (0–1) and the figures behind it."""
    nps_severity = 0.0 if signals.nps is None else max(0.0, min((NPS_GOOD - signals.nps) / NPS_GOOD, 1.0))
    csat_severity = (
        0.0 if signals.csat is None else max(0.0, min((CSAT_GOOD - signals.csat) / (CSAT_GOOD - 1), 1.0))
    )
    silence = (
        1.0
        if signals.silent_days is None
        else _ramp(signals.silent_days, grace=SILENCE_GRACE_DAYS, full=SILENCE_FULL_DAYS)
    )
    return {
        "late_tasks": (min(signals.late_tasks / LATE_TASKS_FULL, 1.0), {"count": signals.late_tasks}),
        "slipping_milestones": (
            min(signals.slipping_milestones / SLIPPING_FULL, 1.0),
            {"count": signals.slipping_milestones},
        ),
        "plan_lag": (
            _ramp(signals.plan_days, grace=PLAN_GRACE_DAYS, full=PLAN_LAG_FULL_DAYS),
            {"days": signals.plan_days},
        ),
        "unsigned_acts": (
            _ramp(signals.act_days, grace=ACT_GRACE_DAYS, full=ACT_LAG_FULL_DAYS),
            {"count": signals.unsigned_acts, "days": signals.act_days},
        ),
        "payment_delays": (
            min(signals.payment_days / PAYMENT_FULL_DAYS, 1.0),
            {"count": signals.overdue_invoices, "days": signals.payment_days},
        ),
        "open_claims": (
            min(signals.claim_points / CLAIMS_FULL, 1.0),
            {"count": signals.open_claims, "breached": signals.breached_claims},
        ),
        "satisfaction": (
            max(nps_severity, csat_severity),
            {
                "nps": None if signals.nps is None else round(signals.nps, 1),
                "csat": None if signals.csat is None else round(signals.csat, 1),
            },
        ),
        "silence": (silence, {"days": signals.silent_days}),
    }


_FACTOR_ORDER = {code: n for n, code in enumerate(FACTORS)}


def health_score(
    *, client_id: int, signals: Signals, weights: HealthWeights, weight_of: dict[str, int] | None = None
) -> Health:
    """The score of one client from its signals: 100 minus the points its factors took.

    ``weight_of`` is ``weights.weights()`` read once by a caller scoring many clients.
    """
    found = severities(signals)
    weight_of = weight_of or weights.weights()
    wanted = {code: found[code][0] * weight_of[code] for code in FACTORS}
    total = sum(wanted.values())
    # More than 100 points asked: every factor gives up the same share, so the score stops at 0.
    scale = 100 / total if total > 100 else 1.0
    exact = {code: wanted[code] * scale for code in FACTORS}
    taken = min(round(sum(exact.values())), 100)
    points = {code: math.floor(exact[code]) for code in FACTORS}
    # The points left after rounding down go to the largest remainders, so the parts add up.
    left = taken - sum(points.values())
    if left:
        by_remainder = sorted(FACTORS, key=lambda code: (-(exact[code] - points[code]), _FACTOR_ORDER[code]))
        for code in by_remainder[:left]:
            points[code] += 1
    score = 100 - taken
    factors = [
        Factor(
            code=code,
            severity=found[code][0],
            weight=weight_of[code],
            points=points[code],
            detail=found[code][1],
        )
        for code in FACTORS
    ]
    return Health(client_id=client_id, score=score, band=weights.band_of(score), factors=factors)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _days(moment: dt.datetime | dt.date | None, today: dt.date, zone: dt.tzinfo | None = None) -> int:
    """Whole days from ``moment`` (its local date in ``zone``, the current one by default) to ``today``."""
    if moment is None:
        return 0
    if isinstance(moment, dt.datetime):
        day = moment.astimezone(zone or timezone.get_current_timezone()).date()
    else:
        day = moment
    return max((today - day).days, 0)


def _in_scope(bulk: bool, **lookup: object) -> Q:
    """The clients' filter of one signal's query, or none when reading for many clients.

    Acts, claims and survey answers of many clients are read by their own filters (sent and
    waiting, open, recent), not client by client: a plan that starts from the clients walks every
    act, claim and answer of each over the years (seconds on SQLite) to keep the few that count.
    The rows of other clients are skipped in Python instead.
    """
    return Q() if bulk else Q(**lookup)


def signals_for(clients: QuerySet[Client], *, today: dt.date) -> dict[int, Signals]:
    """The signals of every client in ``clients``: one aggregate query per factor, whatever the count."""
    # Computed as of the end of ``today``: what happened later (a claim filed since) does not count,
    # so a past day can be recomputed for the history.
    now = min(timezone.now(), _day_start(today + dt.timedelta(days=1)))
    zone = timezone.get_current_timezone()  # read once: thousands of moments turn into local dates
    ids = clients.order_by().values("pk")
    signals: dict[int, Signals] = {}
    for pk, last_touch in clients.order_by().values_list("pk", "last_touch_at"):
        signals[pk] = Signals(silent_days=None if last_touch is None else _days(last_touch, today, zone))
    bulk = len(signals) > BULK_CLIENTS

    late = (
        Task.objects.filter(project__client__in=ids, due_date__lt=today)
        .exclude(status=Task.Status.DONE)
        .values("project__client")
        .annotate(n=Count("pk"))
    )
    for late_row in late:
        signals[late_row["project__client"]].late_tasks = late_row["n"]

    delivered = Task.objects.filter(plan_item=OuterRef("pk"), status=Task.Status.DONE)
    slipping = (
        PlanItem.objects.filter(
            version__project__client__in=ids, version__status=PlanVersion.Status.AGREED, due_date__lt=today
        )
        .exclude(version__project__stage__in=["done", "cancelled"])
        .filter(~Exists(delivered))
        .values("version__project__client")
        .annotate(n=Count("pk"))
    )
    for slip_row in slipping:
        signals[slip_row["version__project__client"]].slipping_milestones = slip_row["n"]

    proposed = (
        PlanVersion.objects.filter(
            project__client__in=ids, status=PlanVersion.Status.PROPOSED, proposed_at__lt=now
        )
        .values("project__client")
        .annotate(oldest=Min("proposed_at"))
    )
    for plan_row in proposed:
        signals[plan_row["project__client"]].plan_days = _days(plan_row["oldest"], today, zone)

    acts = (
        Document.objects.filter(
            _in_scope(bulk, client__in=ids),
            kind__behaviour=Behaviour.ACT,
            status__in=sorted(Document.WAITING),
            sent_at__lt=now,
        )
        .values("client")
        .annotate(n=Count("pk"), oldest=Min("sent_at"))
    )
    for act_row in acts:
        if act_row["client"] not in signals:
            continue
        signals[act_row["client"]].unsigned_acts = act_row["n"]
        signals[act_row["client"]].act_days = _days(act_row["oldest"], today, zone)

    # Issued invoices past their due date with something left to pay (the invoice keeps its own
    # paid and credited amounts, so no join to the payments).
    overdue = (
        Invoice.objects.filter(
            client__in=ids, kind=Invoice.Kind.INVOICE, status=Invoice.Status.ISSUED, due_date__lt=today
        )
        .filter(issue_date__lte=today)
        .filter(total_minor__gt=F("amount_paid_minor") + F("credited_minor"))
        .values("client")
        .annotate(n=Count("pk"), oldest=Min("due_date"))
    )
    for invoice_row in overdue:
        signals[invoice_row["client"]].overdue_invoices = invoice_row["n"]
        signals[invoice_row["client"]].payment_days = _days(invoice_row["oldest"], today, zone)

    claims = (
        Claim.objects.filter(
            _in_scope(bulk, client__in=ids), status__in=sorted(Claim.OPEN), received_at__lt=now
        )
        .values("client", "severity")
        .annotate(n=Count("pk"), breached=Count("pk", filter=Q(resolution_due__lt=now)))
    )
    for claim_row in claims:
        if claim_row["client"] not in signals:
            continue
        one = signals[claim_row["client"]]
        one.open_claims += claim_row["n"]
        one.breached_claims += claim_row["breached"]
        weight = CLAIM_POINTS.get(claim_row["severity"], 1)
        one.claim_points += (
            weight * (claim_row["n"] - claim_row["breached"])
            + weight * CLAIM_BREACHED_FACTOR * claim_row["breached"]
        )

    answers = (
        SurveyAnswer.objects.filter(
            _in_scope(bulk, survey__client__in=ids),
            at__gte=_day_start(today - dt.timedelta(days=SURVEY_DAYS)),
            at__lt=now,
        )
        .values("survey__client", "kind")
        .annotate(avg=Avg("score"))
    )
    for answer_row in answers:
        if answer_row["survey__client"] not in signals:
            continue
        if answer_row["kind"] == "nps":
            signals[answer_row["survey__client"]].nps = float(answer_row["avg"])
        else:
            signals[answer_row["survey__client"]].csat = float(answer_row["avg"])
    return signals


def health_for(
    clients: QuerySet[Client], *, today: dt.date | None = None, weights: HealthWeights | None = None
) -> dict[int, Health]:
    """The health of every client in ``clients``, computed in bulk (a fixed number of queries)."""
    today = today or timezone.localdate()
    weights = weights or health_weights_get()
    weight_of = weights.weights()
    return {
        pk: health_score(client_id=pk, signals=one, weights=weights, weight_of=weight_of)
        for pk, one in signals_for(clients, today=today).items()
    }


def health_clients() -> QuerySet[Client]:
    """The clients whose health is followed: everyone we work with or may (not the churned)."""
    return Client.objects.exclude(status=Client.Status.CHURNED)


@dataclass
class SnapshotResult:
    on: dt.date
    written: int
    clients_updated: int


def health_snapshot_take(*, on: dt.date | None = None, batch_size: int = 1000) -> SnapshotResult:
    """Compute every followed client's health for the day ``on``, keep it, and update the clients.

    Idempotent: a second run the same day writes no second snapshot (unique per client and day)
    and leaves the clients as they are.
    """
    on = on or timezone.localdate()
    healths = health_for(health_clients(), today=on)
    with transaction.atomic():
        existing = set(HealthSnapshot.objects.filter(on=on).values_list("client_id", flat=True))
        new = [
            HealthSnapshot(client_id=pk, on=on, score=h.score, band=h.band, factors=h.factors_json())
            for pk, h in healths.items()
            if pk not in existing
        ]
        HealthSnapshot.objects.bulk_create(new, batch_size=batch_size, ignore_conflicts=True)
        updated = client_health_set_bulk(scores={pk: (h.score, h.band) for pk, h in healths.items()})
    return SnapshotResult(on=on, written=len(new), clients_updated=updated)


@dataclass
class Trend:
    """A client's score now, a week and a month ago, and the points of the last 30 days."""

    week_ago: int | None = None
    month_ago: int | None = None
    points: list[tuple[dt.date, int]] = field(default_factory=list)

    def change(self, score: int, then: int | None) -> int | None:
        return None if then is None else score - then


TREND_DAYS = 30


def health_trends(client_ids: Iterable[int], *, today: dt.date) -> dict[int, Trend]:
    """The last 30 days of snapshots of these clients (one query)."""
    trends: dict[int, Trend] = defaultdict(Trend)
    rows = (
        HealthSnapshot.objects.filter(
            client_id__in=list(client_ids), on__gte=today - dt.timedelta(days=TREND_DAYS), on__lte=today
        )
        .order_by("client_id", "on")
        .values_list("client_id", "on", "score")
    )
    for pk, on, score in rows:
        _trend_add(trends[pk], on=on, score=score, today=today)
    return trends


def _trend_add(trend: Trend, *, on: dt.date, score: int, today: dt.date) -> None:
    """Add one day's snapshot to a trend; the days come oldest first."""
    trend.points.append((on, score))
    if on <= today - dt.timedelta(days=7):
        trend.week_ago = score
    if trend.month_ago is None:
        trend.month_ago = score if on <= today - dt.timedelta(days=TREND_DAYS - 2) else None


def health_kept_today(client_id: int, *, today: dt.date) -> tuple[Health | None, Trend]:
    """The client's snapshot of ``today`` read back as its health (None when not taken yet), and its
    trend over the days before (one query)."""
    rows = (
        HealthSnapshot.objects.filter(
            client_id=client_id, on__gte=today - dt.timedelta(days=TREND_DAYS), on__lte=today
        )
        .order_by("on")
        .values_list("on", "score", "band", "factors")
    )
    health: Health | None = None
    trend = Trend()
    for on, score, band, factors in rows:
        if on == today:
            health = health_from_snapshot(client_id=client_id, score=score, band=band, factors=factors)
        else:
            _trend_add(trend, on=on, score=score, today=today)
    return health, trend


def band_label(band: str) -> str:
    try:
        return str(Band(band).label)
    except ValueError:
        return ""
