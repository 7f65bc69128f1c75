"""Every write of the insights app: the head's health settings."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.core.services import event_record
from khata.insights.health import health_weights_get
from khata.insights.models import FACTORS, HealthWeights
from khata.people.models import User

SETTING_FIELDS = (*FACTORS, "green_from", "amber_from")


@transaction.atomic
def health_weights_update(*, by: User, **values: Any) -> HealthWeights:
    """The head changes the factors' weights (0–100 points each) and the bands' thresholds.

    Refused, with the reason beside each field, unless every weight is a whole number from 0 to 100
    and "at risk from" is below "healthy from"; a refused change stores nothing.
    """
    if not by.is_head:
        raise ValidationError(_("Only the head of accounts changes how health is scored."))
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for name in SETTING_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors[name] = [_("Enter a whole number from 0 to 100.")]
        else:
            clean[name] = value
    weights = HealthWeights.objects.select_for_update().get(pk=health_weights_get().pk)
    green = clean.get("green_from", weights.green_from)
    amber = clean.get("amber_from", weights.amber_from)
    if "green_from" not in errors and "amber_from" not in errors:
        if green < 1:
            errors["green_from"] = [_("A healthy score starts at 1 or more.")]
        elif amber >= green:
            errors["amber_from"] = [_("The at-risk band starts below the healthy one.")]
    if errors:
        raise ValidationError(errors)
    changed = [name for name, value in clean.items() if getattr(weights, name) != value]
    if not changed:
        return weights
    for name in changed:
        setattr(weights, name, clean[name])
    weights.save()
    event_record(
        kind="health.settings_updated",
        summary=gettext_noop("How client health is scored changed: %(fields)s"),
        params={"fields": ", ".join(changed)},
        by=by,
        subject=weights,
    )
    return weights
