"""Every read of documents that depends on who asks.

``document_visible_to`` scopes by the asking user (a contact: its own company's documents, never a
draft); the registry, the register of unsigned acts and the contracts coming to an end are built on
it, filtered in the database and paged by keyset, so a page costs the same whatever the size of the
register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from khata.clients.models import Client
from khata.clients.selectors import client_scope
from khata.core.models import Counter, Event
from khata.core.services import number_format_check, number_render
from khata.documents.models import ActLine, Behaviour, Document, DocumentDecision, DocumentFile, DocumentKind
from khata.documents.services import NUMBER_FORMAT_ERRORS, items_on_other_acts, tasks_on_other_acts
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.models import PlanItem, PlanVersion
from khata.production.models import Task

CONTRACT_HORIZON_DAYS = 30
DOCUMENT_PAGE_EVENTS = 100


def document_visible_to(user: AnyUser) -> QuerySet[Document]:
    if not isinstance(user, User) or not user.is_active:
        return Document.objects.none()
    if user.role == User.Role.AM:
        return Document.objects.filter(
            Q(client__owner=user) | Q(client__backup=user) | Q(project__owner=user)
        )
    scope = client_scope(user)
    if scope is None:
        return Document.objects.none()
    if user.role == User.Role.CONTACT:
        return Document.objects.filter(client__in=Client.objects.filter(scope)).exclude(
            status=Document.Status.DRAFT
        )
    if not scope:
        return Document.objects.all()
    return Document.objects.filter(client__in=Client.objects.filter(scope))


def document_list_for(user: AnyUser) -> QuerySet[Document]:
    """The documents this user may see, ready for a list page (no N+1)."""
    return document_visible_to(user).select_related("kind", "client", "project")


def document_get_for(user: AnyUser, pk: int | str) -> Document:
    """One document this user may see, or 404 (the same for missing and not yours)."""
    try:
        return document_list_for(user).select_related("contract", "replaces", "milestone").get(pk=pk)
    except (Document.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such document.") from error


@dataclass
class RegistryFilters:
    """What the registry is narrowed to; every field optional."""

    kind: int | None = None
    status: str = ""
    client: int | None = None
    client_name: str = ""
    project: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    number: str = ""
    behaviour: str = ""

    def q(self) -> Q:
        q = Q()
        if self.kind is not None:
            q &= Q(kind_id=self.kind)
        if self.behaviour:
            q &= Q(kind__behaviour=self.behaviour)
        if self.status:
            q &= Q(status=self.status)
        if self.client is not None:
            q &= Q(client_id=self.client)
        elif self.client_name:
            q &= Q(client__display_name__icontains=self.client_name)
        if self.project is not None:
            q &= Q(project_id=self.project)
        if self.date_from is not None:
            q &= Q(date__gte=self.date_from)
        if self.date_to is not None:
            q &= Q(date__lte=self.date_to)
        if self.number:
            q &= number_q(self.number)
        return q


def number_q(text: str) -> Q:
    """Documents whose number starts with the text (ACT/2026 finds that year's acts), read as a range
    on the number index; text that starts with a digit (the tail of a number) is found anywhere in it.
    """
    text = text.strip().upper()
    if not text or not text[0].isalpha():
        return Q(number__contains=text)
    # Numbers hold A-Z, 0-9, / and -: everything that starts with the text sorts before its successor.
    return Q(number__gte=text, number__lt=text[:-1] + chr(ord(text[-1]) + 1))


def document_registry_for(user: AnyUser, filters: RegistryFilters | None = None) -> QuerySet[Document]:
    """The registry: every document the user sees, newest first, narrowed by the filters.

    Ordered by (date, id) descending for keyset pagination (``core.keyset``).
    """
    rows = document_list_for(user)
    if filters is not None:
        rows = rows.filter(filters.q())
    return rows


def unsigned_acts_for(user: AnyUser) -> QuerySet[Document]:
    """Acts sent and not yet accepted (disputed ones included), the oldest sent first."""
    return (
        document_list_for(user)
        .filter(kind__behaviour=Behaviour.ACT, status__in=sorted(Document.WAITING))
        .order_by("sent_at", "id")
    )


@dataclass
class ContractDate:
    """A contract with the date that needs the AM: its end or the last day to give notice."""

    document: Document
    what: str  # "end" or "notice"
    on: dt.date

    @property
    def days_left(self) -> int:
        return (self.on - timezone.localdate()).days


def contracts_coming_up_for(
    user: AnyUser, *, days: int = CONTRACT_HORIZON_DAYS, today: dt.date | None = None, limit: int = 200
) -> list[ContractDate]:
    """Contracts in force ending, or reaching their last day to give notice, within ``days``."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=days)
    in_force = document_list_for(user).filter(
        kind__behaviour=Behaviour.CONTRACT,
        status__in=[Document.Status.SIGNED, Document.Status.ACTIVE],
        end_date__gte=today,
    )
    # A notice date is the end date less the notice period: the longest period in use bounds the
    # end dates worth reading, so the index on the end date reads days, not years.
    longest = in_force.order_by().aggregate(longest=Max("notice_days"))["longest"] or 0
    rows = in_force.filter(end_date__lte=horizon + dt.timedelta(days=longest)).order_by("end_date", "id")
    found: list[ContractDate] = []
    for document in rows.iterator(chunk_size=500):
        notice = document.notice_date
        if notice is not None and today <= notice <= horizon:
            found.append(ContractDate(document, "notice", notice))
        if document.end_date is not None and document.end_date <= horizon:
            found.append(ContractDate(document, "end", document.end_date))
        if len(found) >= limit:
            break
    found.sort(key=lambda item: (item.on, item.document.pk))
    return found


@dataclass
class DocumentPage:
    """Everything the document's page shows, read in a fixed number of queries."""

    document: Document
    lines: list[ActLine] = field(default_factory=list)
    files: list[DocumentFile] = field(default_factory=list)
    decisions: list[DocumentDecision] = field(default_factory=list)
    versions: list[Document] = field(default_factory=list)
    dependants: list[Document] = field(default_factory=list)
    total_minutes: int = 0
    events: list[Event] = field(default_factory=list)


def document_page_for(user: AnyUser, pk: int | str) -> DocumentPage:
    """A document with its lines, files, the client's answers and its chain of versions."""
    document = document_get_for(user, pk)
    lines = list(document.lines.select_related("task", "plan_item"))
    files = list(document.files.select_related("uploaded_by"))
    decisions = list(document.decisions.select_related("by"))
    # The chain of versions: walk back through ``replaces`` and forward through ``replaced_by``.
    chain_ids = {document.pk}
    back = document.replaces_id
    seen = 0
    while back is not None and seen < 50:
        chain_ids.add(back)
        back = Document.objects.filter(pk=back).values_list("replaces_id", flat=True).first()
        seen += 1
    forward = [document.pk]
    while forward and seen < 100:
        # Unordered: with the default (date, id) order SQLite walks the whole date index instead of
        # looking the few successors up by ``replaces`` (its statistics see a column of NULLs).
        successors = Document.objects.filter(replaces_id__in=forward).order_by()
        forward = list(successors.values_list("pk", flat=True))
        chain_ids.update(forward)
        seen += 1
    visible = document_visible_to(user)
    versions = list(visible.filter(pk__in=chain_ids).select_related("kind").order_by("created_at", "id"))
    dependants = list(visible.filter(contract=document).select_related("kind").order_by("-date", "-id")[:50])
    # The document's history: the newest events whose subject it is, on its client's timeline.
    events = list(
        Event.objects.filter(
            client_id=document.client_id,
            subject_type=ContentType.objects.get_for_model(Document),
            subject_id=document.pk,
        )
        .select_related("actor")
        .order_by("-at", "-id")[:DOCUMENT_PAGE_EVENTS]
    )
    return DocumentPage(
        document=document,
        lines=lines,
        files=files,
        decisions=decisions,
        versions=versions if len(versions) > 1 else [],
        dependants=dependants,
        total_minutes=sum(line.minutes for line in lines),
        events=events,
    )


@dataclass
class ActCandidates:
    """What can go on a draft act: the project's done tasks and agreed plan items not yet on one."""

    tasks: list[Task]
    plan_items: list[PlanItem]


def act_candidates(document: Document, *, limit: int = 200) -> ActCandidates:
    """Done tasks (in the act's period when it has one) and the agreed plan's items not worked as
    tasks, none of them on an act yet."""
    project = document.project
    if project is None or not document.kind.is_act:
        return ActCandidates(tasks=[], plan_items=[])
    taken_tasks = tasks_on_other_acts(project) | set(
        document.lines.filter(task__isnull=False).values_list("task_id", flat=True)
    )
    tasks = Task.objects.filter(project=project, status=Task.Status.DONE).exclude(pk__in=taken_tasks)
    if document.period_start is not None:
        tasks = tasks.filter(done_at__date__gte=document.period_start)
    if document.period_end is not None:
        tasks = tasks.filter(done_at__date__lte=document.period_end)
    tasks = (
        tasks.select_related("plan_item", "assignee")
        .annotate(logged=Sum("time_logs__minutes"))
        .order_by("done_at", "id")
    )
    taken_items = items_on_other_acts(project) | set(
        document.lines.filter(plan_item__isnull=False).values_list("plan_item_id", flat=True)
    )
    agreed = (
        PlanVersion.objects.filter(project=project, status=PlanVersion.Status.AGREED)
        .order_by("-number")
        .first()
    )
    items: list[PlanItem] = []
    if agreed is not None:
        items = list(
            PlanItem.objects.filter(version=agreed)
            .exclude(pk__in=taken_items)
            # An item worked as tasks goes on the act through its done tasks, never twice.
            .exclude(tasks__isnull=False)
            .order_by("id")[:limit]
        )
    return ActCandidates(tasks=list(tasks[:limit]), plan_items=items)


def document_kinds_in_use() -> QuerySet[DocumentKind]:
    return DocumentKind.objects.filter(active=True).order_by("position", "name")


def portal_waiting_for(user: AnyUser, *, limit: int = 50) -> list[Document]:
    """Documents sent to the contact's company that wait for its answer, the oldest first."""
    return list(
        document_list_for(user)
        .filter(status=Document.Status.SENT, kind__needs_client_answer=True)
        .order_by("sent_at", "id")[:limit]
    )


def number_example(*, fmt: str, series: str, on: dt.date) -> tuple[str, str]:
    """The next number a kind's format would give in its series this year, or why it cannot."""
    if not fmt:
        return "", ""
    problem = number_format_check(fmt)
    if problem is not None:
        return "", gettext(NUMBER_FORMAT_ERRORS[problem])
    last = (
        Counter.objects.filter(series=series, year=on.year).values_list("last", flat=True).first()
        if series
        else None
    )
    return number_render(fmt, year=on.year, seq=(last or 0) + 1), ""


def kind_number_examples(kinds: list[DocumentKind], *, on: dt.date) -> dict[int, str]:
    """The next number of each kind (one query for all), for the kinds editor."""
    counters = dict(
        Counter.objects.filter(series__in=[kind.series for kind in kinds], year=on.year).values_list(
            "series", "last"
        )
    )
    examples = {}
    for kind in kinds:
        if number_format_check(kind.number_format) is None:
            examples[kind.pk] = number_render(
                kind.number_format, year=on.year, seq=counters.get(kind.series, 0) + 1
            )
    return examples
