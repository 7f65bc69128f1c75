"""The health of each client relationship: the agency's weights and the daily history.

``HealthWeights`` is one row the head edits: how many points each delivery signal may take off a
client's score of 100, and where green turns amber and amber turns red. ``HealthSnapshot`` keeps
one score per client and day (written by the daily job) so the pages can show a trend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The factors, in the order the pages list them; a ``HealthWeights`` field ``<factor>`` holds each weight.
FACTORS: tuple[str, ...] = (
    "late_tasks",
    "slipping_milestones",
    "plan_lag",
    "unsigned_acts",
    "payment_delays",
    "open_claims",
    "satisfaction",
    "silence",
)

DEFAULT_WEIGHTS: dict[str, int] = {
    "late_tasks": 20,
    "slipping_milestones": 15,
    "plan_lag": 10,
    "unsigned_acts": 10,
    "payment_delays": 20,
    "open_claims": 25,
    "satisfaction": 15,
    "silence": 10,
}


class Band(models.TextChoices):
    GREEN = "green", _("Healthy")
    AMBER = "amber", _("At risk")
    RED = "red", _("Critical")


def _weight(label: StrOrPromise, factor: str) -> models.PositiveSmallIntegerField[int, int]:
    return models.PositiveSmallIntegerField(
        label, default=DEFAULT_WEIGHTS[factor], validators=[MaxValueValidator(100)]
    )


class HealthWeights(models.Model):
    """The agency's health settings: one row (``SINGLETON``), edited by the head."""

    SINGLETON = 1

    late_tasks = _weight(_("late tasks"), "late_tasks")
    slipping_milestones = _weight(_("slipping milestones"), "slipping_milestones")
    plan_lag = _weight(_("plan waiting for the client"), "plan_lag")
    unsigned_acts = _weight(_("unsigned acts"), "unsigned_acts")
    payment_delays = _weight(_("payment delays"), "payment_delays")
    open_claims = _weight(_("open claims"), "open_claims")
    satisfaction = _weight(_("low satisfaction"), "satisfaction")
    silence = _weight(_("days without a touch"), "silence")
    green_from = models.PositiveSmallIntegerField(
        _("healthy from"), default=70, validators=[MaxValueValidator(100)]
    )
    amber_from = models.PositiveSmallIntegerField(
        _("at risk from"), default=40, validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amber_from__lt=models.F("green_from"), green_from__lte=100),
                name="health_thresholds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return str(_("health settings"))

    def weights(self) -> dict[str, int]:
        return {factor: int(getattr(self, factor)) for factor in FACTORS}

    def band_of(self, score: int) -> str:
        if score >= self.green_from:
            return Band.GREEN.value
        if score >= self.amber_from:
            return Band.AMBER.value
        return Band.RED.value


class HealthSnapshot(models.Model):
    """A client's health on one day, with the points each factor took off."""

    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.CASCADE, related_name="health_snapshots"
    )
    on = models.DateField(_("date"))
    score = models.PositiveSmallIntegerField(_("score"))
    band = models.CharField(_("band"), max_length=5, choices=Band.choices)
    factors = models.JSONField(_("factors"), default=dict)

    class Meta:
        ordering = ["client", "-on"]
        verbose_name = _("health snapshot")
        verbose_name_plural = _("health snapshots")
        constraints = [
            models.UniqueConstraint(fields=["client", "on"], name="health_snapshot_client_day"),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="health_snapshot_score_range"),
            models.CheckConstraint(
                condition=models.Q(band__in=["green", "amber", "red"]), name="health_snapshot_band_valid"
            ),
        ]
        indexes = [models.Index(fields=["on", "band"], name="health_snapshot_day_band")]

    def __str__(self) -> str:
        return f"{self.client_id} · {self.on} · {self.score}"
