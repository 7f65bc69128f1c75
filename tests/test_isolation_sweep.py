"""The isolation sweep (DESIGN.md, "Surfaces"): a client contact never reaches another client.

It walks EVERY URL pattern under ``/portal/`` and ``/api/v1/`` as found in the URL configuration at
run time, so a route added later is swept without anyone editing this file. Each path parameter is
filled with the id of an object of the *other* client (the client itself, its contacts, its
interactions, its events, its people… any model that leads to a client through its foreign keys),
and the route is requested as the contact of the first client:

- a route with parameters (an object route) answers 404 to every method (GET, then POST, PUT,
  PATCH, DELETE with an empty body); a 405 is accepted when the route does not offer the method,
  since it says nothing about the object. Never 200, never 403, never a redirect;
- a route without parameters (a page or a list) is requested with GET, plain and with the other
  client's ids as query parameters (``?client=…&contact=…``), and may answer anything but an error
  of the server;
- no response, whatever its status, carries the other client's names, emails, tax id or notes
  (distinctive strings are planted in its data), and nothing the sweep sent changed that client.

Parameters are matched to a model by name (``client_pk``, ``contact_id``, ``interaction``…) or, for a
bare ``pk``/``id``, by the route's name (``api:contact-detail``, ``portal:invoice_pdf``). A parameter
that names no known model is tried with ids from every client-linked model. An id that also belongs
to the asking contact's own client in the same table cannot tell isolation from access, so such a
request is checked only for leaks.

A new domain adds a function to ``PLANTERS`` that gives a client some of its objects with the
client's ``secret`` in their text; its routes are swept either way.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, include, path, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from django.utils.regex_helper import normalize

from khata.clients.models import Client, Contact
from khata.clients.services import (
    client_update,
    contact_create,
    interaction_log,
    next_step_complete,
    tags_from_names,
)
from khata.people.models import User
from khata.plans.services import plan_item_add, plan_propose, plan_version_create, project_create
from khata.production.models import Task
from khata.production.reports import report_draft, report_publish, report_update

pytestmark = pytest.mark.django_db

ROOTS = ("portal/", "api/v1/")

# The only routes under ROOTS the sweep does not request, each with its reason.
ALLOW_LIST = {
    "api:schema": "the OpenAPI document describes shapes only and holds no client data",
    "api:docs": "the Swagger UI page and its start-up script are static and hold no client data",
}

WRITE_METHODS = ("post", "put", "patch", "delete")
# Parameters that do not name an object: filled with a value the route accepts.
PLAIN_PARAMETERS = {"format": "json"}
MAX_IDS_PER_MODEL = 4


# --- the data: two clients, each with distinctive strings in everything it owns ----------------


def plant_relationship(client: Client, secret: str) -> None:
    """Contacts, interactions (one with its next step done), a tag, an address and a tax id."""
    owner = client.owner
    tax_id = "27AAPFU0939F1ZV" if client.country == "IN" else f"{secret}TAX77"
    client_update(
        client=client,
        by=owner,
        billing_address=f"{secret} Tower, 9 Hidden Lane",
        tax_id=tax_id,
        tags=tags_from_names([f"{secret.lower()}-key-account"]),
    )
    people = [
        contact_create(
            client=client,
            by=owner,
            full_name=f"{secret} Stakeholder {n}",
            position=f"{secret} Director",
            email=f"{secret.lower()}.person{n}@example.test",
            sentiment="negative",
        )
        for n in (1, 2)
    ]
    for n, when in enumerate((timezone.now() - dt.timedelta(days=3), timezone.now())):
        interaction = interaction_log(
            client=client,
            by=owner,
            contacts=people,
            summary=f"{secret} confidential roadmap {n}",
            next_step=f"{secret} next move {n}",
            next_step_due=timezone.localdate() + dt.timedelta(days=n),
            occurred_at=when,
        )
        if n == 0:
            next_step_complete(interaction=interaction, by=owner)


def plant_plans(client: Client, secret: str) -> None:
    """A project with a version before the client (two items) and a draft made from it."""
    owner = client.owner
    project = project_create(client=client, by=owner, name=f"{secret} launch project", services="SEO")
    proposed = plan_version_create(project=project, by=owner, note=f"{secret} plan note")
    for n in (1, 2):
        plan_item_add(
            version=proposed, by=owner, deliverable=f"{secret} deliverable {n}", price_minor=1000 * n
        )
    plan_propose(version=proposed, by=owner)
    plan_version_create(project=project, by=owner, based_on=proposed, note=f"{secret} draft note")


def plant_reports(client: Client, secret: str) -> None:
    """A project with a published status report (a task the client sees) and a draft after it."""
    owner = client.owner
    project = project_create(client=client, by=owner, name=f"{secret} reported project", services="SEO")
    Task.objects.create(
        project=project,
        title=f"{secret} finished work",
        visible_to_client=True,
        status=Task.Status.DONE,
        done_at=timezone.now(),
    )
    report = report_draft(project=project, by=owner)
    report_update(report=report, by=owner, summary=f"{secret} report words")
    report_publish(report=report, by=owner)
    draft = report_draft(project=project, by=owner)
    report_update(report=draft, by=owner, summary=f"{secret} draft words")


def plant_tasks(client: Client, secret: str) -> None:
    """A project's tasks, one shown to the client and one hidden, with time, a comment and a file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from khata.production.models import Task, TimeLog
    from khata.production.services import task_attach, task_comment_add

    owner = client.owner
    project = project_create(client=client, by=owner, name=f"{secret} task project", services="SEO")
    shown = Task.objects.create(project=project, title=f"{secret} shown task", visible_to_client=True)
    hidden = Task.objects.create(project=project, title=f"{secret} hidden task", estimate_minutes=60)
    TimeLog.objects.create(task=hidden, user=owner, minutes=30, on=timezone.localdate(), note=secret)
    for task in (shown, hidden):
        task_comment_add(task=task, by=owner, text=f"{secret} task remark")
        upload = SimpleUploadedFile(f"{secret}-notes.txt", f"{secret}\n".encode())
        task_attach(task=task, by=owner, file=upload)


def plant_briefs(client: Client, secret: str) -> None:
    """A copywriting brief sent to the client's portal contact, answered in part, with a file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from khata.production.models import BriefTemplate
    from khata.production.services import brief_answers_save, brief_send

    owner = client.owner
    contact = Contact.objects.filter(client=client, portal_access=True, user__isnull=False).first()
    assert contact is not None and contact.user is not None
    project = project_create(client=client, by=owner, name=f"{secret} briefed project", services="copy")
    template = BriefTemplate.objects.get(service="copywriting", name="Copywriting brief")
    brief = brief_send(project=project, template=template, contact=contact, by=owner)
    questions = list(template.questions.all())
    brief_answers_save(
        brief=brief,
        by=contact.user,
        values={q.pk: f"{secret} brief answer" for q in questions if q.kind == "text"},
        files={
            q.pk: SimpleUploadedFile(f"{secret}-brand.txt", f"{secret} brand book\n".encode())
            for q in questions
            if q.kind == "file"
        },
    )


def plant_documents(client: Client, secret: str) -> None:
    """A sent act with a line and a file, a contract signed in the portal, and a draft never sent."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from khata.documents.models import DocumentKind
    from khata.documents.services import (
        act_line_add,
        document_accept,
        document_create,
        document_file_add,
        document_send,
    )

    owner = client.owner
    contact = Contact.objects.filter(client=client, portal_access=True, user__isnull=False).first()
    assert contact is not None and contact.user is not None
    project = project_create(client=client, by=owner, name=f"{secret} documented project", services="SEO")
    today = timezone.localdate()
    act = document_create(
        by=owner,
        kind=DocumentKind.objects.get(code="act"),
        client=client,
        title=f"{secret} act of work",
        project=project,
        period_start=today.replace(day=1),
        period_end=today,
    )
    act_line_add(document=act, by=owner, deliverable=f"{secret} act line", minutes=90, amount_minor=5000)
    document_file_add(
        document=act, by=owner, file=SimpleUploadedFile(f"{secret}-act.txt", f"{secret} act\n".encode())
    )
    document_send(document=act, by=owner)
    contract = document_create(
        by=owner,
        kind=DocumentKind.objects.get(code="contract"),
        client=client,
        title=f"{secret} services agreement",
        parties=f"{secret} parties",
        start_date=today,
        amount_minor=100000,
    )
    document_send(document=contract, by=owner)
    document_accept(document=contract, by=contact.user, name=f"{secret} Signatory", ip_address="192.0.2.1")
    document_create(
        by=owner,
        kind=DocumentKind.objects.get(code="contract"),
        client=client,
        title=f"{secret} draft agreement",
        start_date=today,
    )


def plant_invoices(client: Client, secret: str) -> None:
    """An issued invoice of a project, part paid and part credited, another issued one, and a draft."""
    from khata.billing.services import (
        credit_note_issue,
        invoice_create,
        invoice_issue,
        invoice_line_add,
        payment_record,
    )

    owner = client.owner
    finance = User.objects.filter(role=User.Role.HEAD, is_active=True).first() or owner
    project = project_create(client=client, by=owner, name=f"{secret} billed project", services="SEO")
    today = timezone.localdate()
    issued = []
    for n in (1, 2):
        invoice = invoice_create(
            by=owner,
            client=client,
            project=project if n == 1 else None,
            issue_date=today - dt.timedelta(days=40),
            buyer_reference=f"{secret}-PO-{n}",
            note=f"{secret} invoice note {n}",
        )
        invoice_line_add(
            invoice=invoice, by=owner, description=f"{secret} billed work {n}", unit_price_minor=90000
        )
        issued.append(invoice_issue(invoice=invoice, by=owner))
    payment_record(
        invoice=issued[0], by=finance, amount_minor=10000, received_on=today, reference=f"{secret}-UTR-1"
    )
    credit_note_issue(invoice=issued[0], by=owner, reason=f"{secret} credit reason", amount_minor=5000)
    draft = invoice_create(by=owner, client=client, note=f"{secret} draft invoice note")
    invoice_line_add(
        invoice=draft, by=owner, description=f"{secret} draft invoice line", unit_price_minor=100
    )


def plant_claims(client: Client, secret: str) -> None:
    """A claim filed in the portal with a file, one resolved (waiting for the client), one closed; the
    two worked claims have a corrective action and goodwill."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from khata.care.models import ReasonCode, RootCause
    from khata.care.services import (
        claim_acknowledge,
        claim_confirm,
        claim_file,
        claim_resolve,
        claim_start,
        corrective_action_add,
        goodwill_record,
    )

    owner = client.owner
    contact = Contact.objects.filter(client=client, user__isnull=False, portal_access=True).first()
    assert contact is not None and contact.user is not None
    reason = ReasonCode.objects.get(code="quality")
    project = project_create(client=client, by=owner, name=f"{secret} claimed project", services="SEO")
    claim_file(
        by=contact.user,
        client=client,
        reason=reason,
        title=f"{secret} portal claim",
        description=f"{secret} what went wrong",
        project=project,
        attachments=[SimpleUploadedFile(f"{secret}-claim.txt", f"{secret} claim file\n".encode())],
    )
    for n, confirm in ((1, False), (2, True)):
        claim = claim_file(by=owner, client=client, reason=reason, title=f"{secret} recorded claim {n}")
        claim = claim_start(claim=claim_acknowledge(claim=claim, by=owner), by=owner)
        corrective_action_add(claim=claim, by=owner, description=f"{secret} internal action {n}")
        goodwill_record(claim=claim, by=owner, kind="credit", value_minor=1000, note=f"{secret} goodwill {n}")
        claim = claim_resolve(
            claim=claim,
            by=owner,
            resolution=f"{secret} what was done {n}",
            root_cause=RootCause.objects.get(code="process"),
        )
        if confirm:
            claim_confirm(claim=claim, by=contact.user)


def plant_surveys(client: Client, secret: str) -> None:
    """A survey waiting for the client's contact, one answered with a low score (a follow-up claim)."""
    from khata.care.models import Survey
    from khata.care.surveys import survey_answer, survey_send

    contact = Contact.objects.filter(client=client, user__isnull=False, portal_access=True).first()
    assert contact is not None
    survey_send(client=client, contact=contact, kind="nps", trigger=Survey.Trigger.MANUAL)
    answered = survey_send(client=client, contact=contact, kind="csat", trigger=Survey.Trigger.MANUAL)
    survey_answer(survey=answered, score=1, why=f"{secret} why so low")


# Each domain that gives clients objects plants some here (plans, documents, invoices…).
PLANTERS: list[Callable[[Client, str], None]] = [
    plant_relationship,
    plant_plans,
    plant_reports,
    plant_tasks,
    plant_briefs,
    plant_documents,
    plant_invoices,
    plant_claims,
    plant_surveys,
]


@dataclass
class Side:
    """One client of the sweep: its contact who signs in, and what must never leak from it."""

    client: Client
    user: User
    secret: str
    strings: list[str] = field(default_factory=list)


def _secrets_of(client: Client, secret: str) -> list[str]:
    client.refresh_from_db()
    strings = [secret, client.display_name, client.legal_name, client.tax_id, client.billing_address]
    for contact in Contact.objects.filter(client=client):
        strings += [contact.full_name, contact.email, contact.phone]
    strings += [str(summary) for summary in client.interactions.values_list("summary", flat=True)]
    return sorted({text for text in strings if len(text) >= 6})


@pytest.fixture
def sides(
    client_a: Client,
    client_b: Client,
    contact_a: User,
    contact_b: User,
    brief_defaults: None,
    admin: User,  # records the planted payments
) -> dict[str, Side]:
    # Client A's objects are planted first, so client B's ids are higher in every table.
    for planter in PLANTERS:
        planter(client_a, "QUILLON")
    for planter in PLANTERS:
        planter(client_b, "ZORBLAX")
    return {
        "a": Side(client_a, contact_a, "QUILLON", _secrets_of(client_a, "QUILLON")),
        "b": Side(client_b, contact_b, "ZORBLAX", _secrets_of(client_b, "ZORBLAX")),
    }


# --- the routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "api:contact-detail"; unnamed routes are swept too, under their pattern
    template: str  # "api/v1/contacts/%(pk)s/"
    parameters: tuple[str, ...]
    callback: Callable[..., Any]


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in resolver.url_patterns:
        regex = prefix + entry.pattern.regex.pattern.lstrip("^")
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from _walk(entry, regex, inner)
        elif isinstance(entry, URLPattern):
            for template, parameters in normalize(regex):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or ""
                yield Route(name or template, template, tuple(parameters), entry.callback)


def swept_routes(urlconf: Any = None) -> list[Route]:
    routes = [route for route in _walk(get_resolver(urlconf)) if route.template.startswith(ROOTS)]
    return [route for route in routes if route.name not in ALLOW_LIST]


# --- which ids to put in a route -----------------------------------------------------------------


def _client_paths() -> dict[type[models.Model], str]:
    """Every model that leads to a client, with its lookup to the client ("" for the client itself).

    Follows foreign keys and one-to-one links both ways (a person reaches a client through their
    contact record), at most three steps.
    """
    paths: dict[type[models.Model], str] = {Client: ""}
    for model in apps.get_models():
        if model is Client:
            continue
        queue: list[tuple[type[models.Model], str, int]] = [(model, "", 0)]
        seen = {model}
        while queue:
            current, path, depth = queue.pop(0)
            if depth >= 3:
                continue
            links = [
                relation
                for relation in current._meta.get_fields()
                if (relation.many_to_one or relation.one_to_one) and relation.related_model is not None
            ]
            target = next((link for link in links if link.related_model is Client), None)
            if target is not None:
                paths[model] = f"{path}{target.name}"
                break
            for link in links:
                related = link.related_model
                if isinstance(related, type) and related not in seen:
                    seen.add(related)
                    queue.append((related, f"{path}{link.name}__", depth + 1))
    return paths


def _ids_of(client: Client, paths: dict[type[models.Model], str]) -> dict[str, list[int]]:
    """The primary keys of the client's objects per model name (``contact``: [5, 6, 7])."""
    found: dict[str, list[int]] = {}
    for model, lookup_path in paths.items():
        lookup = {"pk": client.pk} if not lookup_path else {lookup_path: client}
        ids = sorted(model._default_manager.filter(**lookup).values_list("pk", flat=True).distinct())
        if ids and all(isinstance(pk, int) for pk in ids):
            found.setdefault(model._meta.model_name or model.__name__.lower(), []).extend(ids)
    return found


def _model_for(parameter: str, route: Route, known: set[str]) -> str | None:
    """The model a parameter names: ``contact_pk`` → contact; ``pk`` of ``api:contact-detail`` → contact."""
    base = re.sub(r"(_pk|_id|pk|id)$", "", parameter).strip("_")
    if base in known:
        return base
    if base:
        return None
    words = set(re.split(r"[^a-z0-9]+", route.name.lower()))
    words |= {word[:-1] for word in words if word.endswith("s")}
    matches = sorted(words & known)
    return matches[0] if len(matches) == 1 else None


@dataclass(frozen=True)
class Probe:
    path: str
    conclusive: bool  # False when an id also belongs to the asking contact's client in that model


def _spread(ids: list[int]) -> list[int]:
    if len(ids) <= MAX_IDS_PER_MODEL:
        return ids
    step = (len(ids) - 1) / (MAX_IDS_PER_MODEL - 1)
    return sorted({ids[round(n * step)] for n in range(MAX_IDS_PER_MODEL)})


def probes(route: Route, victim: dict[str, list[int]], own: dict[str, list[int]]) -> list[Probe]:
    """Paths that put the victim's ids in each parameter of the route."""
    options: list[list[tuple[str, bool]]] = []
    own_anywhere = {pk for ids in own.values() for pk in ids}
    for parameter in route.parameters:
        if parameter in PLAIN_PARAMETERS:
            options.append([(PLAIN_PARAMETERS[parameter], True)])
            continue
        model = _model_for(parameter, route, set(victim))
        if model is not None:
            choices = [(str(pk), pk not in own.get(model, [])) for pk in _spread(victim[model])]
        else:  # a parameter the sweep cannot place: every client-linked model's ids
            ids = sorted({pk for name in victim for pk in _spread(victim[name])})
            choices = [(str(pk), pk not in own_anywhere) for pk in ids]
        options.append(choices)
    found = []
    for combination in itertools.islice(itertools.product(*options), 60):
        values = dict(zip(route.parameters, (value for value, _ in combination), strict=True))
        found.append(Probe("/" + route.template % values, all(ok for _, ok in combination)))
    return found


# --- the sweep ---------------------------------------------------------------------------------


def _leaks(response: Any, strings: list[str]) -> list[str]:
    body = b"" if getattr(response, "streaming", False) else response.content
    text = body.decode("utf-8", errors="replace") + " " + str(dict(response.headers))
    return [text_ for text_ in strings if text_ in text]


def _victim_query(victim: dict[str, list[int]]) -> str:
    """``?client=2&contact=5&…``: the other client's ids under the names filters usually take."""
    first = {name: ids[0] for name, ids in sorted(victim.items())}
    return "?" + "&".join(f"{name}={pk}" for name, pk in first.items())


def _snapshot(client: Client, paths: dict[type[models.Model], str]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for model, lookup_path in paths.items():
        lookup = {"pk": client.pk} if not lookup_path else {lookup_path: client}
        rows = model._default_manager.filter(**lookup).order_by("pk").values()
        state[model._meta.label] = [dict(row) for row in rows]
    return state


@pytest.mark.parametrize(("viewer", "victim"), [("a", "b"), ("b", "a")])
def test_a_contact_never_reaches_another_clients_data(
    sides: dict[str, Side], viewer: str, victim: str
) -> None:
    me, them = sides[viewer], sides[victim]
    http = HttpClient()
    http.force_login(me.user, backend="django.contrib.auth.backends.ModelBackend")
    paths = _client_paths()
    victim_ids, own_ids = _ids_of(them.client, paths), _ids_of(me.client, paths)
    before = _snapshot(them.client, paths)

    routes = swept_routes()
    assert {"api:client-detail", "api:contact-list", "portal:home"} <= {route.name for route in routes}
    failures: list[str] = []
    conclusive = 0
    for route in routes:
        if not route.parameters:
            # A page or a list, also asked to narrow itself to the other client's objects.
            for query in ("", _victim_query(victim_ids)):
                response = http.get("/" + route.template + query)
                if response.status_code >= 500:
                    failures.append(f"GET /{route.template}{query} ({route.name}): {response.status_code}")
                if leaked := _leaks(response, them.strings):
                    failures.append(f"GET /{route.template}{query} ({route.name}) shows {leaked}")
            continue
        for probe in probes(route, victim_ids, own_ids):
            try:
                resolve(probe.path)
            except Resolver404:
                failures.append(f"{route.name}: the sweep cannot fill {route.parameters} ({probe.path})")
                continue
            conclusive += probe.conclusive
            for method in ("get", *WRITE_METHODS):
                response = getattr(http, method)(probe.path, data="", content_type="application/json")
                status = response.status_code
                if leaked := _leaks(response, them.strings):
                    failures.append(f"{method.upper()} {probe.path} ({route.name}) shows {leaked}")
                if not probe.conclusive:
                    if status >= 500:
                        failures.append(f"{method.upper()} {probe.path} ({route.name}): {status}")
                    continue
                refused_method = status == 405 and method.upper() not in response.get("Allow", "")
                if status != 404 and not refused_method:
                    failures.append(f"{method.upper()} {probe.path} ({route.name}): {status}, not 404")

    assert failures == [], "\n".join(failures)
    assert conclusive > 0
    assert _snapshot(them.client, paths) == before, "a request of the sweep changed the other client"


def _a_later_view(request: Any, interaction_pk: int, pk: int) -> HttpResponse:
    return HttpResponse()


class LaterUrls:
    """A URL configuration with one more portal route than Khata has today."""

    urlpatterns = [
        path("api/v1/", include("khata.api.urls")),
        path(
            "portal/",
            include(
                (
                    [path("notes/<int:interaction_pk>/lines/<int:pk>/", _a_later_view, name="sweep-extra")],
                    "portal",
                )
            ),
        ),
    ]


def test_the_sweep_walks_routes_added_later() -> None:
    names = {route.name: route for route in swept_routes(LaterUrls)}
    assert "portal:sweep-extra" in names
    route = names["portal:sweep-extra"]
    assert route.parameters == ("interaction_pk", "pk")
    assert _model_for("interaction_pk", route, {"interaction", "contact"}) == "interaction"
    assert _model_for("pk", route, {"interaction", "contact"}) is None  # tried with every model's ids
    assert _model_for("pk", names["api:contact-detail"], {"interaction", "contact"}) == "contact"
    assert "api:schema" not in names and "api:docs" not in names
    plans = {"project", "planversion", "planitem", "itemdecision", "clientrequest", "approval"}
    for name, model in [
        ("api:project-detail", "project"),
        ("api:project-stage", "project"),
        ("api:planversion-detail", "planversion"),
        ("api:planversion-approve", "planversion"),
        ("api:planversion-change-request", "planversion"),
        ("api:planversion-diff", "planversion"),
        ("api:planversion-requests", "planversion"),
        ("api:planitem-detail", "planitem"),
        ("api:planitem-decide", "planitem"),
    ]:
        assert _model_for("pk", names[name], plans) == model, name
    production = {"task", "taskcomment", "timelog", "brief", "briefanswer"}
    for name, model in [
        ("api:task-detail", "task"),
        ("api:task-move", "task"),
        ("api:task-assign", "task"),
        ("api:task-visibility", "task"),
        ("api:task-time", "task"),
        ("api:task-comments", "task"),
        ("api:timelog-detail", "timelog"),
        ("api:brief-detail", "brief"),
        ("api:brief-answers", "brief"),
        ("api:brief-submit", "brief"),
    ]:
        assert _model_for("pk", names[name], production) == model, name
    found = probes(route, {"interaction": [7, 9], "contact": [3]}, {"interaction": [1], "contact": [9]})
    assert {probe.path for probe in found} >= {"/portal/notes/7/lines/3/", "/portal/notes/9/lines/7/"}
    assert all(probe.conclusive is (not probe.path.endswith("/9/")) for probe in found)
