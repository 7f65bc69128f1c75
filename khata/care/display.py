"""The claims list's rows as text ready to print.

The list drew each row through three included templates (severity, status, SLA clock) and two
``{% url %}`` lookups, a millisecond or two a row; here the labels, badge classes, links and dates
are worked out once per row in Python and the template only prints them. The text is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from khata.care.models import Claim, Severity
from khata.care.selectors import ClaimRow
from khata.care.services import SlaClock
from khata.care.templatetags.care import sla_hours
from khata.core.links import url_by_id

_SEVERITY_BADGE = {"critical": "danger", "high": "warning", "low": "muted"}
_STATUS_BADGE = {"new": "info", "resolved": "success", "closed": "muted"}
_CLOCK_BADGE = {"breached": "danger", "near": "warning", "met": "success"}


@dataclass(frozen=True)
class ClockText:
    """An SLA clock as the list prints it (the same text as ``care/_clock.html``)."""

    badge: str
    state: str
    running: str  # the working hours left or late; empty once the clock stopped
    due_iso: str
    due: str


@dataclass(frozen=True)
class ClaimListRow:
    """One row of the claims list, every cell ready to print."""

    claim: Claim
    url: str
    title: str
    sub: str
    client_url: str
    client: str
    severity_badge: str
    severity: str
    status_badge: str
    status: str
    clock: ClockText | None  # none for a closed claim
    received_iso: str
    received: str


def _clock_text(clock: SlaClock, labels: dict[str, str]) -> ClockText:
    running = ""
    if clock.running:
        hours = sla_hours(clock.remaining_minutes)
        running = (
            _("%(left)s working hours left") % {"left": hours}
            if clock.remaining_minutes >= 0
            else _("%(late)s working hours late") % {"late": hours}
        )
    due = timezone.localtime(clock.due)
    return ClockText(
        badge=_CLOCK_BADGE.get(clock.state, "plain"),
        state=labels.get(clock.state) or labels["ok"],
        running=running,
        due_iso=formats.date_format(due, "c"),
        due=formats.date_format(due, "j M, H:i"),
    )


def claim_list_rows(rows: list[ClaimRow]) -> list[ClaimListRow]:
    """The claims list's rows, printed once each in the reader's language and time zone."""
    claim_url, client_url = url_by_id("care:detail"), url_by_id("clients:detail")
    # Each label translated once a page, not once a row.
    severities = {value: str(label) for value, label in Severity.choices}
    statuses = {value: str(label) for value, label in Claim.Status.choices}
    clock_states = {"breached": _("Breached"), "near": _("Near breach"), "met": _("Met"), "ok": _("On time")}
    printed = []
    for row in rows:
        claim = row.claim
        sub = claim.reason.label
        if claim.reopened_count:
            sub += " · " + _("times reopened: %(count)s") % {"count": claim.reopened_count}
        received = timezone.localtime(claim.received_at)
        printed.append(
            ClaimListRow(
                claim=claim,
                url=claim_url(claim.pk),
                title=claim.title,
                sub=sub,
                client_url=client_url(claim.client_id),
                client=claim.client.display_name,
                severity_badge=_SEVERITY_BADGE.get(claim.severity, "plain"),
                severity=severities.get(claim.severity, claim.severity),
                status_badge=_STATUS_BADGE.get(claim.status, "plain"),
                status=statuses.get(claim.status, claim.status),
                clock=None if claim.status == Claim.Status.CLOSED else _clock_text(row.clock, clock_states),
                received_iso=formats.date_format(received, "c"),
                received=formats.date_format(received, "j M Y"),
            )
        )
    return printed
