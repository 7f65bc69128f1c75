"""The staff pages of clients: the list, the client page, its forms, import and export.

Each view parses input, asks one selector or service, and renders. Who may do what is decided in
``policies.py``: a client another AM runs answers 404 (its existence is not told), a page a role
may read but not change answers 403 to a write, and client contacts (portal users) get 403 here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.clients import selectors, services
from khata.clients.forms import ClientForm, ContactForm, ImportForm, InteractionForm
from khata.clients.models import Client, Contact, Interaction
from khata.clients.policies import (
    can_create_client,
    can_edit_client,
    can_import_clients,
    can_reassign_client,
)
from khata.clients.transfer import CSV_COLUMNS, clients_export, clients_import
from khata.core.boards import board_cards, client_page
from khata.core.forms import apply_service_errors
from khata.core.keyset import keyset_paginate
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 25
OPEN_STEPS_SHOWN = 10
INTERACTIONS_SHOWN = 8
# Each panel other domains add to the client page shows at most this many rows.
PANEL_LIMIT = 10
IMPORT_STASH = "imports"


def _editable_client(request: HttpRequest, pk: int) -> Client:
    """A client the user may see (else 404) and change (else 403)."""
    client = selectors.client_get_for(signed_in_user(request), pk)
    if not can_edit_client(signed_in_user(request), client):
        raise PermissionDenied
    return client


def _partial_for(request: HttpRequest, target: str) -> bool:
    """Whether htmx asked to refresh just the element ``target``."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and getattr(htmx, "target", None) == target


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


# ---------- the list ----------


class ClientFilters:
    """The list's query string, parsed once for the selector, the links and the form."""

    FIELDS = ("q", "status", "owner", "segment", "tag", "sort")

    def __init__(self, query: QueryDict) -> None:
        self.q = query.get("q", "").strip()[:100]
        self.status = query.get("status", "") if query.get("status") in Client.Status.values else ""
        self.segment = query.get("segment", "") if query.get("segment") in Client.Segment.values else ""
        self.tag = query.get("tag", "").strip()[:40]
        owner = query.get("owner", "")
        self.owner = int(owner) if owner.isdigit() else None
        self.sort = selectors.ClientSort.parse(query.get("sort"))
        self.cursor = query.get("cursor") or None

    def selector_kwargs(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "status": self.status,
            "owner": self.owner,
            "segment": self.segment,
            "tag": self.tag,
            "sort": str(self.sort),
        }

    def params(self, **override: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "q": self.q,
            "status": self.status,
            "owner": self.owner or "",
            "segment": self.segment,
            "tag": self.tag,
            "sort": self.sort_param,
        } | override
        return {name: str(value) for name, value in values.items() if value not in ("", None)}

    def query(self, **override: Any) -> str:
        params = self.params(**override)
        return "?" + urlencode(params) if params else "?"

    @property
    def sort_param(self) -> str:
        """The sort as the query string carries it (nothing for the default)."""
        return "" if str(self.sort) == "name" else str(self.sort)

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.owner or self.segment or self.tag)

    def sort_links(self) -> dict[str, dict[str, str]]:
        """For each sortable column: the link that sorts by it and the current arrow, if any."""
        links = {}
        for field in selectors.CLIENT_SORTS:
            current = self.sort.field == field
            # A second click on the sorted column turns the order round.
            descending = not self.sort.descending if current else field in {"last_touch", "created"}
            state = ("desc" if self.sort.descending else "asc") if current else ""
            links[field] = {
                "url": self.query(sort=f"-{field}" if descending else field),
                "state": state,
                "aria": {"asc": "ascending", "desc": "descending"}.get(state, "none"),
            }
        return links


@staff_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    filters = ClientFilters(request.GET)
    clients = selectors.client_search(user, **filters.selector_kwargs())
    page = keyset_paginate(
        clients,
        keys=filters.sort.keys,
        descending=filters.sort.descending,
        cursor=filters.cursor,
        size=PAGE_SIZE,
    )
    context = {
        "page": page,
        "clients": page.items,
        "filters": filters,
        "sort_links": filters.sort_links(),
        "statuses": Client.Status.choices,
        "segments": Client.Segment.choices,
        "managers": list(selectors.account_manager_choices()),
        "tags": list(selectors.tag_list()),
        "export_query": filters.query(),
        "next_query": filters.query(cursor=page.next_cursor) if page.next_cursor else "",
        "prev_query": filters.query(cursor=page.prev_cursor) if page.prev_cursor else "",
        "can_create": can_create_client(user),
        "can_import": can_import_clients(user),
    }
    template = "clients/list.html#results" if _partial_for(request, "client-results") else "clients/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@staff_required
@require_GET
def client_export(request: HttpRequest) -> HttpResponse:
    filters = ClientFilters(request.GET)
    clients = selectors.client_search(signed_in_user(request), **filters.selector_kwargs())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="clients.csv"'
    clients_export(clients=clients, out=response)
    return response


# ---------- one client ----------


# How the timeline filter names the events of this domain; other domains' kinds read as their code.
EVENT_LABELS: dict[str, Any] = {
    "clients.client_created": gettext_lazy("Client created"),
    "clients.client_updated": gettext_lazy("Client details changed"),
    "clients.client_status_changed": gettext_lazy("Status changed"),
    "clients.contact_added": gettext_lazy("Contact added"),
    "clients.contact_updated": gettext_lazy("Contact changed"),
    "clients.portal_access_granted": gettext_lazy("Portal opened"),
    "clients.portal_access_revoked": gettext_lazy("Portal closed"),
    "clients.interaction_logged": gettext_lazy("Interaction logged"),
    "clients.interaction_updated": gettext_lazy("Interaction edited"),
    "clients.next_step_done": gettext_lazy("Next step done"),
}

# The areas of the timeline filter: each domain's events, named for people.
DOMAIN_LABELS: dict[str, Any] = {
    "clients": gettext_lazy("Relationship"),
    "people": gettext_lazy("People and access"),
    "core": gettext_lazy("Back office"),
    "portal": gettext_lazy("Portal"),
}


class TimelineFilters:
    def __init__(self, query: QueryDict, kinds: list[str]) -> None:
        domains = sorted({kind.split(".", 1)[0] for kind in kinds})
        self.domain = query.get("domain", "") if query.get("domain") in domains else ""
        self.kind = query.get("kind", "") if query.get("kind") in kinds else ""
        self.cursor = query.get("cursor") or None
        self.domains = [(domain, DOMAIN_LABELS.get(domain, domain.capitalize())) for domain in domains]
        self.kind_options = [(kind, EVENT_LABELS.get(kind, kind)) for kind in kinds]

    def query(self, **override: Any) -> str:
        params = {"domain": self.domain, "kind": self.kind} | override
        return urlencode({name: value for name, value in params.items() if value})


def _timeline_context(request: HttpRequest, client: Client) -> dict[str, Any]:
    filters = TimelineFilters(request.GET, selectors.client_timeline_kinds(client))
    events = selectors.client_timeline(client, domain=filters.domain, kind=filters.kind)
    page = keyset_paginate(
        events, keys=("at", "id"), descending=True, cursor=filters.cursor, size=TIMELINE_PAGE_SIZE
    )
    return {
        "timeline": page,
        "timeline_filters": filters,
        "older_query": filters.query(cursor=page.next_cursor) if page.next_cursor else "",
        "newer_query": filters.query(cursor=page.prev_cursor) if page.prev_cursor else "",
    }


@staff_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    client = selectors.client_get_for(user, pk)
    # One more than shown, so the page knows to link to the rest.
    data = selectors.client_page_data(client, interactions=INTERACTIONS_SHOWN + 1)
    context = {
        "client": client,
        "contacts": data["contacts"],
        "interactions": data["interactions"],
        # Bounded: a client with a backlog of steps still gets a page of fixed size.
        "open_steps": list(selectors.client_open_steps(client)[: OPEN_STEPS_SHOWN + 1]),
        "open_steps_shown": OPEN_STEPS_SHOWN,
        "interactions_shown": INTERACTIONS_SHOWN,
        "can_edit": can_edit_client(user, client),
        "panels": board_cards(client_page, client, user, limit=PANEL_LIMIT),
        **_timeline_context(request, client),
    }
    return render(request, "clients/detail.html", context)


@staff_required
@require_GET
def client_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline alone: htmx swaps it into the client page; without JS it is a page of its own."""
    client = selectors.client_get_for(signed_in_user(request), pk)
    context = {"client": client, **_timeline_context(request, client)}
    if _partial_for(request, "timeline"):
        template = "clients/timeline.html#timeline"
    else:
        template = "clients/timeline.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# ---------- client forms ----------


def _render_form(
    request: HttpRequest, template: str, context: dict[str, Any], *, invalid: bool = False
) -> HttpResponse:
    # A submission with errors answers 400, so neither a person nor a script mistakes it for success.
    return render(request, template, context, status=400 if invalid else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can_create_client(user):
        raise PermissionDenied
    may_reassign = user.role == User.Role.HEAD
    if request.method == "POST":
        form = ClientForm(request.POST, may_reassign=may_reassign)
        if form.is_valid():
            values = form.service_values()
            values.setdefault("owner", user)
            try:
                with transaction.atomic():
                    tags = services.tags_from_names(form.tag_names())
                    client = services.client_create(by=user, tags=tags, **values)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Client %(name)s created.") % {"name": client.display_name})
                return redirect("clients:detail", pk=client.pk)
        return _render_form(request, "clients/client_form.html", {"form": form}, invalid=True)
    form = ClientForm(
        may_reassign=may_reassign, initial={"owner": user.pk, "country": "IN", "currency": "INR"}
    )
    return _render_form(request, "clients/client_form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def client_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    client = _editable_client(request, pk)
    may_reassign = can_reassign_client(user, client)
    if request.method == "POST":
        form = ClientForm(request.POST, may_reassign=may_reassign, initial=ClientForm.initial_for(client))
        if form.is_valid():
            try:
                with transaction.atomic():
                    tags = services.tags_from_names(form.tag_names())
                    services.client_update(client=client, by=user, tags=tags, **form.service_values())
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("clients:detail", pk=client.pk)
        return _render_form(
            request, "clients/client_form.html", {"form": form, "client": client}, invalid=True
        )
    form = ClientForm(may_reassign=may_reassign, initial=ClientForm.initial_for(client))
    return _render_form(request, "clients/client_form.html", {"form": form, "client": client})


# ---------- contacts ----------


@staff_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = _editable_client(request, pk)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            try:
                contact = services.contact_create(
                    client=client, by=signed_in_user(request), **form.service_values()
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Contact %(name)s added.") % {"name": contact.full_name})
                return redirect("clients:detail", pk=client.pk)
        return _render_form(
            request, "clients/contact_form.html", {"form": form, "client": client}, invalid=True
        )
    form = ContactForm()
    return _render_form(request, "clients/contact_form.html", {"form": form, "client": client})


@staff_required
@require_http_methods(["GET", "POST"])
def contact_update(request: HttpRequest, pk: int) -> HttpResponse:
    contact: Contact = selectors.contact_get_for(signed_in_user(request), pk)
    client = contact.client
    if not can_edit_client(signed_in_user(request), client):
        raise PermissionDenied
    context: dict[str, Any] = {"client": client, "contact": contact}
    if request.method == "POST":
        form = ContactForm(request.POST, initial=ContactForm.initial_for(contact))
        if form.is_valid():
            try:
                services.contact_update(contact=contact, by=signed_in_user(request), **form.service_values())
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("clients:detail", pk=client.pk)
        return _render_form(request, "clients/contact_form.html", context | {"form": form}, invalid=True)
    form = ContactForm(initial=ContactForm.initial_for(contact))
    return _render_form(request, "clients/contact_form.html", context | {"form": form})


# ---------- interactions ----------


@staff_required
@require_http_methods(["GET", "POST"])
def interaction_log(request: HttpRequest, pk: int) -> HttpResponse:
    client = _editable_client(request, pk)
    if request.method == "POST":
        form = InteractionForm(request.POST, client=client)
        if form.is_valid():
            try:
                services.interaction_log(client=client, by=signed_in_user(request), **form.service_values())
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Interaction logged."))
                return redirect("clients:detail", pk=client.pk)
        return _render_form(
            request, "clients/interaction_form.html", {"form": form, "client": client}, invalid=True
        )
    initial: dict[str, Any] = {}
    contact_pk = request.GET.get("contact", "")
    if contact_pk.isdigit():
        initial["contacts"] = [int(contact_pk)]
    form = InteractionForm(client=client, initial=initial)
    return _render_form(request, "clients/interaction_form.html", {"form": form, "client": client})


@staff_required
@require_http_methods(["GET", "POST"])
def interaction_update(request: HttpRequest, pk: int) -> HttpResponse:
    interaction: Interaction = selectors.interaction_get_for(signed_in_user(request), pk)
    client = interaction.client
    if not can_edit_client(signed_in_user(request), client):
        raise PermissionDenied
    context: dict[str, Any] = {"client": client, "interaction": interaction}
    if request.method == "POST":
        form = InteractionForm(request.POST, client=client, initial=InteractionForm.initial_for(interaction))
        if form.is_valid():
            try:
                services.interaction_update(
                    interaction=interaction, by=signed_in_user(request), **form.service_values()
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("clients:detail", pk=client.pk)
        return _render_form(request, "clients/interaction_form.html", context | {"form": form}, invalid=True)
    form = InteractionForm(client=client, initial=InteractionForm.initial_for(interaction))
    return _render_form(request, "clients/interaction_form.html", context | {"form": form})


@staff_required
@require_POST
def next_step_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick off an interaction's next step; htmx gets the updated item, a form post goes back."""
    interaction: Interaction = selectors.interaction_get_for(signed_in_user(request), pk)
    if not can_edit_client(signed_in_user(request), interaction.client):
        raise PermissionDenied
    fallback = reverse("clients:detail", args=[interaction.client_id])
    try:
        interaction = services.next_step_complete(interaction=interaction, by=signed_in_user(request))
    except ValidationError as error:
        if getattr(request, "htmx", False):
            return HttpResponse(" ".join(error.messages), status=400)
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(_next_url(request, fallback))
    if getattr(request, "htmx", False):
        return render(request, "clients/_step.html", {"step": interaction, "can_edit": True, "done": True})
    messages.success(request, _("Next step done: %(step)s") % {"step": interaction.next_step})
    return HttpResponseRedirect(_next_url(request, fallback))


# ---------- import ----------


def _stash_prune() -> None:
    """Forget checked files nobody imported within a day."""
    try:
        _, names = default_storage.listdir(IMPORT_STASH)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - dt.timedelta(days=1)
    for name in names:
        path = f"{IMPORT_STASH}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)


def _stash_upload(data: bytes, user: User) -> str:
    """Keep a checked file so "Import" can run it without a second upload; the token names it."""
    _stash_prune()
    name = default_storage.save(f"{IMPORT_STASH}/{uuid.uuid4().hex}.csv", ContentFile(data))
    return signing.dumps({"name": name, "user": user.pk}, salt="clients.import")


def _unstash_upload(token: str, user: User) -> tuple[str, bytes] | None:
    try:
        payload = signing.loads(token, salt="clients.import", max_age=3600)
    except signing.BadSignature:
        return None
    name = str(payload.get("name", ""))
    if payload.get("user") != user.pk or not name.startswith(f"{IMPORT_STASH}/") or ".." in name:
        return None
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return name, handle.read()


@staff_required
@require_http_methods(["GET", "POST"])
def client_import(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if not can_import_clients(user):
        raise PermissionDenied
    context: dict[str, Any] = {"columns": CSV_COLUMNS}
    if request.method != "POST":
        return render(request, "clients/import.html", context | {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    dry_run = request.POST.get("action") != "import"
    if not form.is_valid():
        return render(request, "clients/import.html", context | {"form": form}, status=400)
    upload = form.cleaned_data.get("file")
    stashed: str | None = None
    if upload is not None:
        data = upload.read()
        filename = upload.name
    else:
        found = _unstash_upload(form.cleaned_data["token"], user)
        if found is None:
            form.add_error("file", _("The checked file has expired. Choose it again."))
            return render(request, "clients/import.html", context | {"form": form}, status=400)
        stashed, data = found
        filename = request.POST.get("filename", "")
    report = clients_import(data=data, by=user, dry_run=dry_run)
    context |= {"report": report, "filename": filename}
    if dry_run:
        if report.ok:
            context["token"] = _stash_upload(data, user)
        if stashed:
            default_storage.delete(stashed)
        return render(request, "clients/import.html", context | {"form": ImportForm()})
    if stashed:
        default_storage.delete(stashed)
    if report.ok:
        messages.success(
            request,
            _("Import finished: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
        return render(request, "clients/import.html", context | {"form": ImportForm()})
    return render(request, "clients/import.html", context | {"form": ImportForm()}, status=400)
