"""What briefs add to the boards: a panel on the staff project page and on the client's, the portal
home's "Briefs to answer", and "Briefs incomplete" on the AM's Today board. Each costs two queries
whatever the number of briefs (a capped count and one page with completeness annotated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.clients.models import Contact
from khata.core.boards import (
    Card,
    Counter,
    capped_count,
    register_portal_project_panel,
    register_portal_section,
    register_project_panel,
    register_today_card,
)
from khata.people.models import User
from khata.people.policies import AnyUser, is_contact_user, is_staff_user
from khata.plans.models import Project
from khata.plans.policies import can_edit_project
from khata.production.brief_selectors import (
    briefs_incomplete_for,
    briefs_to_answer_for,
    completeness_percent,
    project_briefs_for,
)
from khata.production.models import Brief


def _with_progress(briefs: list[Brief]) -> list[Brief]:
    for brief in briefs:
        brief.percent = completeness_percent(brief.answered_count, brief.required_count)  # type: ignore[attr-defined]
    return briefs


def _days_waiting(brief: Brief, today: dt.date) -> int:
    if brief.sent_at is None:
        return 0
    return max((today - timezone.localdate(brief.sent_at)).days, 0)


def project_briefs_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The project's briefs with status and completeness; "Send a brief" for those who run it."""
    if not is_staff_user(user):
        return None
    briefs, total, capped = project_briefs_for(user, project.pk, limit=limit)
    can_send = can_edit_project(user, project)
    return Card(
        key="production.briefs",
        title=gettext_lazy("Briefs"),
        template="production/briefs/_panel.html",
        items=_with_progress(briefs),
        total=total,
        capped=capped,
        empty=gettext_lazy("No brief sent yet."),
        action_url=reverse("briefs:send", args=[project.pk]) if can_send else "",
        action_label=gettext_lazy("Send a brief") if can_send else "",
    )


def portal_project_briefs_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The briefs of this project sent to the signed-in contact; nothing when there are none."""
    if not is_contact_user(user):
        return None
    contact = getattr(user, "contact", None)
    if contact is None:
        return None
    briefs, total, capped = project_briefs_for(user, project.pk, limit=limit)
    if not total:
        return None
    return Card(
        key="production.briefs",
        title=gettext_lazy("Briefs"),
        template="portal/briefs/_panel.html",
        items=_with_progress(briefs),
        total=total,
        capped=capped,
    )


def portal_briefs_to_answer(contact: Contact, *, limit: int = 10) -> Card:
    """Briefs sent to this contact and not yet handed in, with how far they got."""
    briefs, total, capped = briefs_to_answer_for(contact, limit=limit)
    items: list[dict[str, Any]] = []
    for brief in _with_progress(briefs):
        items.append(
            {
                "title": f"{brief.template.name} · {brief.project.name}",
                "detail": _("%(answered)s of %(required)s required answers given (%(percent)s%%)")
                % {
                    "answered": brief.answered_count,  # type: ignore[attr-defined]
                    "required": brief.required_count,  # type: ignore[attr-defined]
                    "percent": brief.percent,  # type: ignore[attr-defined]
                },
                "url": reverse("portal:brief", args=[brief.pk]),
                "action": _("Answer the brief"),
            }
        )
    return Card(
        key="briefs",
        title=gettext_lazy("Briefs to answer"),
        template="portal/sections/list.html",
        items=items,
        total=total,
        capped=capped,
        empty=gettext_lazy("No brief waits for your answers."),
    )


def briefs_incomplete_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Sent briefs the client has not handed in yet, the longest waiting first."""
    if not (isinstance(user, User) and user.is_active and user.role in {User.Role.HEAD, User.Role.AM}):
        return None
    briefs = briefs_incomplete_for(user)
    total, capped = capped_count(briefs)
    items = _with_progress(list(briefs[:limit]))
    for brief in items:
        brief.days_waiting = _days_waiting(brief, today)  # type: ignore[attr-defined]
    return Card(
        key="production.briefs_incomplete",
        title=gettext_lazy("Briefs incomplete"),
        template="production/briefs/_today.html",
        items=items,
        total=total,
        capped=capped,
        empty=gettext_lazy("Every brief sent has been answered."),
        counters=[
            Counter(
                label=gettext_lazy("briefs awaited"), value=total, capped=capped, tone="warn" if total else ""
            )
        ],
    )


def register_brief_boards() -> None:
    """Called once from ``ProductionConfig.ready()``."""
    register_project_panel("production.briefs", project_briefs_panel, order=20)
    register_portal_project_panel("production.briefs", portal_project_briefs_panel, order=20)
    register_portal_section("briefs", portal_briefs_to_answer, order=20)
    register_today_card("production.briefs_incomplete", briefs_incomplete_card, order=35)
