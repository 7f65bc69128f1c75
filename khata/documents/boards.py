"""What the documents domain adds to the boards: on the staff Today board the disputed acts, the acts
waiting for the client for more than a week and the contracts ending or reaching their notice date;
the documents panel of the staff project page and of the client page.

Each card is scoped like the registry (an AM: the clients they own or back up and the projects they
own; the head and finance: everyone's) and costs a fixed number of queries whatever the size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client
from khata.core.boards import (
    Card,
    Counter,
    capped_count,
    register_client_panel,
    register_project_panel,
    register_today_card,
)
from khata.documents.models import Document, DocumentDecision
from khata.documents.policies import can_create_documents, can_edit_document
from khata.documents.selectors import contracts_coming_up_for, document_list_for, unsigned_acts_for
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import Project

# An act sent this many days ago without an answer needs a nudge.
WAITING_DAYS = 7
CONTRACT_DAYS = 30
CONTRACTS_COUNTED = 200
# The documents panels show the latest ones.
PANEL_SIZE = 10


def _works_documents(user: AnyUser) -> bool:
    """Heads, AMs and (read-only) finance follow the documents on their board."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.role in {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}
    )


@dataclass
class WaitingAct:
    """An act on the board with the days it has waited and, when disputed, the client's reason."""

    document: Document
    days: int
    reason: str = ""
    by: str = ""


def _days_since(moment: dt.datetime | None, today: dt.date) -> int:
    return max((today - timezone.localtime(moment).date()).days, 0) if moment else 0


def disputed_acts_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Acts the client disputed, until the AM reopens, sends again or marks them rejected."""
    if not _works_documents(user):
        return None
    acts = unsigned_acts_for(user).filter(status=Document.Status.DISPUTED).order_by("decided_at", "id")
    total, capped = capped_count(acts)
    disputes = DocumentDecision.objects.filter(decision=DocumentDecision.Decision.DISPUTED).order_by(
        "-at", "-id"
    )
    rows = list(acts.prefetch_related(Prefetch("decisions", queryset=disputes, to_attr="disputes"))[:limit])
    items = []
    for act in rows:
        latest = act.disputes[0] if act.disputes else None
        items.append(
            WaitingAct(
                document=act,
                days=_days_since(act.decided_at, today),
                reason=latest.reason if latest else "",
                by=latest.name if latest else "",
            )
        )
    return Card(
        key="documents.disputed_acts",
        title=_("Disputed acts"),
        template="documents/registry/cards/disputed.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("No client disputes an act."),
        counters=[
            Counter(label=_("disputed acts"), value=total, capped=capped, tone="danger" if total else "")
        ],
        more_url=reverse("documents:unsigned_acts") + "?status=disputed",
    )


def waiting_acts_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Acts sent more than a week ago that the client has not answered, the oldest first."""
    if not _works_documents(user):
        return None
    since = timezone.make_aware(dt.datetime.combine(today - timedelta(days=WAITING_DAYS), dt.time.min))
    acts = unsigned_acts_for(user).filter(status=Document.Status.SENT, sent_at__lt=since)
    total, capped = capped_count(acts)
    items = [WaitingAct(document=act, days=_days_since(act.sent_at, today)) for act in acts[:limit]]
    return Card(
        key="documents.waiting_acts",
        title=_("Acts waiting for the client"),
        template="documents/registry/cards/waiting.html",
        items=items,
        total=total,
        capped=capped,
        empty=_("No act has waited more than a week."),
        counters=[
            Counter(label=_("acts unanswered"), value=total, capped=capped, tone="warn" if total else "")
        ],
        more_url=reverse("documents:unsigned_acts") + "?status=sent",
    )


@dataclass
class ContractItem:
    document: Document
    what: str
    on: dt.date
    days_left: int


def contracts_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Contracts in force ending, or reaching their last day to give notice, within 30 days."""
    if not _works_documents(user):
        return None
    dates = contracts_coming_up_for(user, days=CONTRACT_DAYS, today=today, limit=CONTRACTS_COUNTED)
    items = [ContractItem(d.document, d.what, d.on, (d.on - today).days) for d in dates[:limit]]
    soon = sum(1 for d in dates if (d.on - today).days <= WAITING_DAYS)
    return Card(
        key="documents.contracts",
        title=_("Contracts ending or at their notice date"),
        template="documents/registry/cards/contracts.html",
        items=items,
        total=len(dates),
        capped=len(dates) >= CONTRACTS_COUNTED,
        empty=_("No contract ends or reaches its notice date this month."),
        counters=[Counter(label=_("contract dates this week"), value=soon, tone="warn" if soon else "")],
        more_url=reverse("documents:contracts") + f"?days={CONTRACT_DAYS}",
    )


# ---------- panels ----------


@dataclass
class DocumentsCard(Card):
    """A documents panel; ``total`` is the rows shown and ``capped`` says more exist."""

    new_url: str = ""


def _panel(rows: QuerySet[Document], *, key: str, registry_query: dict[str, Any]) -> DocumentsCard:
    # One query: a row more than shown tells whether the rest is worth a link.
    found = list(rows.order_by("-date", "-id")[: PANEL_SIZE + 1])
    return DocumentsCard(
        key=key,
        title=_("Documents"),
        template="documents/registry/panel.html",
        items=found[:PANEL_SIZE],
        total=min(len(found), PANEL_SIZE),
        capped=len(found) > PANEL_SIZE,
        empty=_("No documents yet."),
        more_url=reverse("documents:registry") + "?" + urlencode(registry_query),
    )


def project_documents_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The staff project page: the project's latest documents and a way to draft its next act."""
    if not _works_documents(user):
        return None
    card = _panel(
        document_list_for(user).filter(project=project),
        key="documents.project",
        registry_query={"client": project.client_id, "project": project.pk},
    )
    if can_create_documents(user) and can_edit_document(
        user, Document(client=project.client, project=project)
    ):
        card.action_url = reverse("documents:new") + "?" + urlencode({"project": project.pk, "kind": "act"})
        card.action_label = _("New act")
    return card


def client_documents_panel(client: Client, user: AnyUser, *, limit: int) -> Card | None:
    """The client page: the client's latest documents, with the registry filtered to them."""
    if not _works_documents(user):
        return None
    card = _panel(
        document_list_for(user).filter(client=client),
        key="documents.client",
        registry_query={"client": client.pk},
    )
    if can_create_documents(user) and can_edit_document(user, Document(client=client)):
        card.action_url = reverse("documents:new") + "?" + urlencode({"client": client.pk})
        card.action_label = _("New document")
    return card


def register_boards() -> None:
    """Called once from ``DocumentsConfig.ready()``."""
    register_today_card("documents.disputed_acts", disputed_acts_card, order=25)
    register_today_card("documents.waiting_acts", waiting_acts_card, order=45)
    register_today_card("documents.contracts", contracts_card, order=50)
    register_project_panel("documents.project", project_documents_panel, order=70)
    register_client_panel("documents.client", client_documents_panel, order=20)
