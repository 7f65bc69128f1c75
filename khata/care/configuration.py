"""The head's care settings: the SLA hours per severity, the reason codes and the root causes, and
the surveys (which events send which questionnaire, how long a link works, what a low score opens).

Every write here is atomic, checks what it is given before changing anything and leaves a timeline
event. Reasons and root causes are never deleted: claims point at them, and the analysis counts them
over the years. A row nobody should pick any more is switched off: it leaves the pickers and keeps
its claims. At least one reason stays in use, or nobody could file a claim.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.care.models import (
    SURVEY_EXPIRY_MAX,
    SURVEY_EXPIRY_MIN,
    SURVEY_TRIGGERS,
    FollowUp,
    Labelled,
    ReasonCode,
    SlaPolicy,
    SurveySend,
    SurveySettings,
)
from khata.core.services import event_record
from khata.people.models import User

HOURS_MAX = 2000  # about a year of working hours
NAME_MAX = 100


def can_configure_care(user: object) -> bool:
    """Only the head of accounts changes how the agency answers claims."""
    return isinstance(user, User) and user.is_active and user.is_head


def _check_head(by: User) -> None:
    if not can_configure_care(by):
        raise ValidationError(_("Only the head of accounts changes the care settings."))


def _hours(errors: dict[str, list[str]], field: str, value: object) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool):
        errors[field] = [_("Give a whole number of working hours.")]
        return None
    if value <= 0:
        errors[field] = [_("Give at least one working hour.")]
        return None
    if value > HOURS_MAX:
        errors[field] = [_("Give at most %(max)d working hours.") % {"max": HOURS_MAX}]
        return None
    return value


@transaction.atomic
def sla_policy_update(*, by: User, hours: dict[str, tuple[object, object]]) -> list[SlaPolicy]:
    """Set the first response and resolution hours of each severity given, all or nothing.

    ``hours`` maps a severity to (first response, resolution); errors are keyed
    ``<severity>_first_response_hours`` and ``<severity>_resolution_hours``.
    """
    _check_head(by)
    policies = {policy.severity: policy for policy in SlaPolicy.objects.select_for_update()}
    errors: dict[str, list[str]] = {}
    wanted: dict[str, tuple[int, int]] = {}
    for severity, (first, last) in hours.items():
        if severity not in policies:
            errors["__all__"] = [_("There is no SLA policy for this severity.")]
            continue
        response = _hours(errors, f"{severity}_first_response_hours", first)
        resolution = _hours(errors, f"{severity}_resolution_hours", last)
        if response is not None and resolution is not None:
            if resolution < response:
                errors[f"{severity}_resolution_hours"] = [
                    _("The resolution cannot be due before the first response: give at least %(hours)d.")
                    % {"hours": response}
                ]
            else:
                wanted[severity] = (response, resolution)
    if errors:
        raise ValidationError(errors)
    changed: list[SlaPolicy] = []
    for severity, (response, resolution) in wanted.items():
        policy = policies[severity]
        if (policy.first_response_hours, policy.resolution_hours) == (response, resolution):
            continue
        before = f"{policy.first_response_hours} / {policy.resolution_hours}"
        policy.first_response_hours, policy.resolution_hours = response, resolution
        policy.save(update_fields=["first_response_hours", "resolution_hours"])
        event_record(
            kind="care.sla_changed",
            summary=gettext_noop("SLA for %(severity)s claims: %(before)s → %(after)s working hours"),
            params={"severity": severity, "before": before, "after": f"{response} / {resolution}"},
            by=by,
            subject=policy,
        )
        changed.append(policy)
    return changed


def _name(errors: dict[str, list[str]], model: type[Labelled], value: str, *, pk: int | None) -> str:
    name = " ".join((value or "").split())
    if not name:
        errors["name"] = [_("Give a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Keep the name under %(max)d characters.") % {"max": NAME_MAX}]
    elif model._default_manager.filter(name__iexact=name).exclude(pk=pk).exists():
        errors["name"] = [_("There is already one with this name.")]
    return name


def _code_for(model: type[Labelled], name: str) -> str:
    base = slugify(name)[:24] or "item"
    code, n = base, 1
    while model._default_manager.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _kind(model: type[Labelled]) -> str:
    return "reason" if model is ReasonCode else "root_cause"


@transaction.atomic
def care_label_add(*, by: User, model: type[Labelled], name: str) -> Labelled:
    """A new reason or root cause, in use, after the others."""
    _check_head(by)
    errors: dict[str, list[str]] = {}
    name = _name(errors, model, name, pk=None)
    if errors:
        raise ValidationError(errors)
    last = model._default_manager.order_by("-position").values_list("position", flat=True).first() or 0
    row = model._default_manager.create(code=_code_for(model, name), name=name, position=last + 1)
    event_record(
        kind=f"care.{_kind(model)}_added",
        summary=gettext_noop("Added to the care settings: %(name)s"),
        params={"name": name},
        by=by,
        subject=row,
    )
    return row


@transaction.atomic
def care_label_update(*, by: User, row: Labelled, name: str, active: bool) -> Labelled:
    """Rename a reason or root cause, or switch it off or on; its claims keep pointing at it."""
    _check_head(by)
    model = type(row)
    row = model._default_manager.select_for_update().get(pk=row.pk)
    errors: dict[str, list[str]] = {}
    name = _name(errors, model, name, pk=row.pk)
    if (
        model is ReasonCode
        and row.active
        and not active
        and not model._default_manager.filter(active=True).exclude(pk=row.pk).exists()
    ):
        errors["active"] = [_("Keep at least one reason in use: a claim needs one.")]
    if errors:
        raise ValidationError(errors)
    if (row.name, row.active) == (name, active):
        return row
    old = row.label
    row.name, row.active = name, active
    row.save(update_fields=["name", "active"])
    summary = (
        gettext_noop("Renamed in the care settings: %(old)s → %(name)s")
        if old != row.label
        else gettext_noop("Switched on in the care settings: %(name)s")
        if active
        else gettext_noop("Switched off in the care settings: %(name)s")
    )
    event_record(
        kind=f"care.{_kind(model)}_changed",
        summary=summary,
        params={"old": old, "name": name},
        by=by,
        subject=row,
    )
    return row


# --- surveys --------------------------------------------------------------------------------------


def survey_settings_get() -> SurveySettings:
    """The agency's survey settings (made with the defaults if missing), with who changed them last:
    one query."""
    row, _created = SurveySettings.objects.select_related("updated_by").get_or_create(
        id=SurveySettings.SINGLETON
    )
    return row


def _survey_values(values: dict[str, object]) -> dict[str, object]:
    """The given values checked one by one; the ValidationError names each bad field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, object] = {}
    for trigger in SURVEY_TRIGGERS:
        if trigger in values:
            if values[trigger] in SurveySend.values:
                clean[trigger] = values[trigger]
            else:
                errors[trigger] = [_("Choose NPS, CSAT or no survey.")]
    if "expiry_days" in values:
        days = values["expiry_days"]
        if not isinstance(days, int) or isinstance(days, bool):
            errors["expiry_days"] = [_("Give a whole number of days.")]
        elif not SURVEY_EXPIRY_MIN <= days <= SURVEY_EXPIRY_MAX:
            errors["expiry_days"] = [
                _("A link works from %(min)d to %(max)d days.")
                % {"min": SURVEY_EXPIRY_MIN, "max": SURVEY_EXPIRY_MAX}
            ]
        else:
            clean["expiry_days"] = days
    if "follow_up" in values:
        if values["follow_up"] in FollowUp.values:
            clean["follow_up"] = values["follow_up"]
        else:
            errors["follow_up"] = [_("Choose a claim or a task for the AM.")]
    if errors:
        raise ValidationError(errors)
    return clean


@transaction.atomic
def survey_settings_update(*, by: User, **values: object) -> list[str]:
    """Set which events send which survey, the link's life in days and the follow-up of a low score.

    All or nothing: a bad value is refused beside its field and nothing is stored. A change leaves one
    timeline event naming each changed field with its old and new value, and the row keeps who changed
    it last; the names of the changed fields are returned (none when nothing changed).
    """
    _check_head(by)
    clean = _survey_values(values)
    row = SurveySettings.objects.select_for_update().get(pk=survey_settings_get().pk)
    changed = [field for field, value in clean.items() if getattr(row, field) != value]
    if not changed:
        return []
    # e.g. "expiry_days 14 → 30; quarterly nps → off": the stored codes, the same in every language.
    changes = "; ".join(f"{field} {getattr(row, field)} → {clean[field]}" for field in changed)
    for field in changed:
        setattr(row, field, clean[field])
    row.updated_by = by
    row.save()
    event_record(
        kind="care.survey_settings_changed",
        summary=gettext_noop("Survey settings changed: %(changes)s"),
        params={"changes": changes},
        by=by,
        subject=row,
    )
    return changed
