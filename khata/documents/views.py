"""The staff pages of documents: a new document, a document's page with its act lines, the act
builder, the client's answers, files and history, every action of its life cycle, and the head's
editor of document kinds.

Each view parses input, calls one service or selector and renders. A document the user may not see
answers 404 (the same as one that does not exist; a client contact gets 404 on every page here, the
portal is theirs); a write the user's role may not make answers 403; a refused change shows the
service's reason with status 400 and changes nothing. Every action is a plain POST that redirects
back to the document with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.clients.selectors import client_visible_to
from khata.core.uploads import file_download
from khata.documents import selectors, services
from khata.documents.forms import (
    BuilderForm,
    DocumentForm,
    FileForm,
    KindForm,
    LineForm,
    PaperSignatureForm,
    ReasonForm,
    ReopenForm,
    SendForm,
    TerminateForm,
    apply_document_errors,
)
from khata.documents.models import ActLine, Document, DocumentFile, DocumentKind
from khata.documents.policies import can_create_documents, can_edit_document, can_edit_document_kinds
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import is_staff_user
from khata.plans.selectors import project_visible_to
from khata.production.reports import report_get_for

View = Callable[..., HttpResponse]


def staff_page(view: View) -> View:
    """Agency staff only: anonymous → sign-in page; a client contact → 404, as for what is not theirs."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(guarded)


def _messages_of(error: services.DocumentError) -> list[str]:
    return [str(message) for message in error.messages]


def _form_errors(form: Form) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
        for name, found in form.errors.items()
        for message in found
    ]


def _pdf_url(document: Document) -> str:
    """The PDF download of the document, when the installation has it."""
    for name in ("documents:pdf", "document_pdf"):
        try:
            return reverse(name, args=[document.pk])
        except NoReverseMatch:
            continue
    return ""


# ---------- a new document and a draft's fields ----------


def _document_form(
    user: User, data: Any = None, *, initial: dict[str, Any] | None = None, document: Document | None = None
) -> DocumentForm:
    return DocumentForm(
        data,
        initial=initial,
        kinds=selectors.document_kinds_in_use(),
        clients=client_visible_to(user),
        projects=project_visible_to(user),
        contracts=selectors.document_visible_to(user),
        document=document,
    )


def _new_initial(request: HttpRequest, user: User) -> dict[str, Any]:
    """The kind, client and project a link asks for (``?client=&project=&kind=``)."""
    initial: dict[str, Any] = {"date": timezone.localdate()}
    kind_code = request.GET.get("kind", "")
    if kind_code:
        kind = selectors.document_kinds_in_use().filter(code=kind_code).first()
        if kind is None and kind_code.isdigit():
            kind = selectors.document_kinds_in_use().filter(pk=int(kind_code)).first()
        if kind is not None:
            initial["kind"] = kind.pk
    # The fields typed so far come back when the kind or client changes (htmx or the no-JS button).
    for name in DocumentForm.base_fields:
        if name != "kind" and request.GET.get(name):
            initial[name] = request.GET[name]
    project_pk = request.GET.get("project", "")
    if project_pk.isdigit() and not request.GET.get("client"):
        project = project_visible_to(user).filter(pk=int(project_pk)).only("client_id").first()
        if project is not None:
            initial["client"] = project.client_id
    return initial


@staff_page
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    """A new draft: its kind decides which fields the form has."""
    user = signed_in_user(request)
    if not can_create_documents(user):
        raise PermissionDenied
    if request.method == "POST":
        form = _document_form(user, request.POST)
        if form.is_valid():
            try:
                document = services.document_create(
                    by=user,
                    kind=form.cleaned_data["kind"],
                    client=form.cleaned_data["client"],
                    **form.service_values(),
                )
            except services.DocumentError as error:
                apply_document_errors(form, error)
            else:
                messages.success(request, _("The draft is saved. It gets its number when it is sent."))
                return redirect("documents:detail", pk=document.pk)
        return render(request, "documents/form.html", {"form": form}, status=400)
    form = _document_form(user, initial=_new_initial(request, user))
    template = (
        "documents/form.html#document-form" if request.headers.get("HX-Request") else "documents/form.html"
    )
    return render(request, template, {"form": form})


@staff_page
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's fields; a document sent or answered is not edited here."""
    user = signed_in_user(request)
    document = selectors.document_get_for(user, pk)
    if not can_edit_document(user, document):
        raise PermissionDenied
    if request.method == "POST":
        form = _document_form(user, request.POST, document=document)
        if form.is_valid():
            try:
                services.document_update(document=document, by=user, **form.service_values())
            except services.DocumentError as error:
                apply_document_errors(form, error)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("documents:detail", pk=document.pk)
        return render(request, "documents/form.html", {"form": form, "document": document}, status=400)
    if not document.is_draft:
        messages.warning(request, _("Only a draft can be changed: reopen the document to correct it."))
        return redirect("documents:detail", pk=document.pk)
    form = _document_form(user, initial=DocumentForm.initial_for(document), document=document)
    return render(request, "documents/form.html", {"form": form, "document": document})


# ---------- the document's page ----------


@dataclass
class Actions:
    """What the viewer may do to the document now; each is one POST."""

    edit: bool = False
    discard: bool = False
    send: bool = False
    resend: bool = False
    reopen: bool = False
    sign: bool = False
    reject: bool = False
    activate: bool = False
    terminate: bool = False
    archive: bool = False
    revise: bool = False
    lines: bool = False
    files: bool = False

    @property
    def any(self) -> bool:
        """Whether the "Next step" card has anything to offer (the rest sit in the page header)."""
        steps = (self.send, self.resend, self.reopen, self.sign, self.reject, self.terminate, self.discard)
        return any(steps)


def _actions(document: Document, *, can_edit: bool, has_newer: bool) -> Actions:
    if not can_edit:
        return Actions()
    status = document.status
    waiting = document.is_waiting
    return Actions(
        edit=document.is_draft,
        discard=document.is_draft and not document.number,
        send=document.is_draft,
        resend=status == Document.Status.DISPUTED,
        reopen=waiting,
        sign=waiting,
        reject=waiting,
        activate=status == Document.Status.SIGNED and document.kind.is_contract,
        terminate=document.kind.is_contract and status in (Document.Status.SIGNED, Document.Status.ACTIVE),
        archive=status in (Document.Status.ACCEPTED, Document.Status.SIGNED, Document.Status.ACTIVE),
        revise=not has_newer
        and status in (Document.Status.SIGNED, Document.Status.ACCEPTED, Document.Status.ACTIVE),
        lines=document.is_draft and document.kind.is_act,
        files=status not in (Document.Status.ARCHIVED, Document.Status.TERMINATED, Document.Status.REJECTED),
    )


def _document_page(
    request: HttpRequest,
    pk: int | str,
    *,
    errors: list[str] | None = None,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    page = selectors.document_page_for(user, pk)
    document = page.document
    can_edit = can_edit_document(user, document)
    has_newer = any(version.replaces_id == document.pk for version in page.versions)
    actions = _actions(document, can_edit=can_edit, has_newer=has_newer)
    candidates = selectors.act_candidates(document) if actions.lines else None
    chosen = forms or {}
    context = {
        "page": page,
        "doc": document,
        "actions": actions,
        "can_create": can_edit and can_create_documents(user),
        "candidates": candidates,
        "errors": errors or [],
        "pdf_url": _pdf_url(document),
        "today": timezone.localdate(),
        "line_form": chosen.get("line") or LineForm(),
        "builder_form": chosen.get("builder") or BuilderForm(),
        "file_form": chosen.get("file") or FileForm(),
        "send_form": chosen.get("send") or SendForm(prefix="send"),
        "reopen_form": chosen.get("reopen") or ReopenForm(prefix="reopen"),
        "sign_form": chosen.get("sign") or PaperSignatureForm(),
        "reject_form": chosen.get("reject") or ReasonForm(prefix="reject"),
        "terminate_form": chosen.get("terminate") or TerminateForm(),
    }
    return render(request, "documents/detail.html", context, status=status)


@staff_page
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One document: its facts, lines, the client's answers, files, versions and history."""
    return _document_page(request, pk)


# ---------- actions ----------


def _editor_of(request: HttpRequest, pk: int | str) -> tuple[User, Document]:
    """The asking user and a document they may change; 404 when unseen, 403 when read-only."""
    user = signed_in_user(request)
    document = selectors.document_get_for(user, pk)
    if not can_edit_document(user, document):
        raise PermissionDenied
    return user, document


def _action(
    request: HttpRequest,
    pk: int,
    *,
    form: Form | None,
    key: str,
    do: Callable[[User, Document, dict[str, Any]], Any],
    done: Callable[[Document], str],
    anchor: str = "",
) -> HttpResponse:
    """Parse the action's form, call its service, and go back to the document with a message."""
    user, document = _editor_of(request, pk)
    if form is not None and not form.is_valid():
        return _document_page(request, document.pk, errors=_form_errors(form), forms={key: form}, status=400)
    try:
        result = do(user, document, form.cleaned_data if form is not None else {})
    except services.DocumentError as error:
        if form is not None:
            apply_document_errors(form, error)
        return _document_page(
            request, document.pk, errors=_messages_of(error), forms={key: form} if form else None, status=400
        )
    target = result if isinstance(result, Document) else document
    messages.success(request, done(target))
    return redirect(reverse("documents:detail", args=[target.pk]) + anchor)


def _name(document: Document) -> str:
    return document.number or document.title


@staff_page
@require_POST
def document_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=SendForm(request.POST, prefix="send"),
        key="send",
        do=lambda user, doc, data: services.document_send(
            document=doc, by=user, note=data["note"], site_url=request.build_absolute_uri("/").rstrip("/")
        ),
        done=lambda doc: _("%(document)s is registered and sent to the client.") % {"document": _name(doc)},
    )


@staff_page
@require_POST
def document_from_status_report(request: HttpRequest, statusreport_pk: int) -> HttpResponse:
    """Put a published status report in the register (once); the AM sends it from its page."""
    user = signed_in_user(request)
    report = report_get_for(user, statusreport_pk)
    existing = selectors.document_list_for(user).filter(status_report=report).first()
    if existing is not None:
        messages.info(request, _("This status report is already in the register."))
        return redirect("documents:detail", pk=existing.pk)
    try:
        document = services.report_from_status_report(status_report=report, by=user)
    except services.DocumentError as error:
        for message in _messages_of(error):
            messages.error(request, message)
        return redirect("reports:detail", statusreport_pk=report.pk)
    messages.success(request, _("The report is in the register as a draft: send it to give it its number."))
    return redirect("documents:detail", pk=document.pk)


@staff_page
@require_POST
def document_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=ReopenForm(request.POST, prefix="reopen"),
        key="reopen",
        do=lambda user, doc, data: services.document_reopen(document=doc, by=user, reason=data["note"]),
        done=lambda doc: _("%(document)s is a draft again; it keeps its number.") % {"document": _name(doc)},
    )


@staff_page
@require_POST
def document_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The AM records the client's signature (or acceptance) given on paper."""
    return _action(
        request,
        pk,
        form=PaperSignatureForm(request.POST),
        key="sign",
        do=lambda user, doc, data: services.document_accept(
            document=doc, by=user, name=data["name"], ip_address=None, in_portal=False
        ),
        done=lambda doc: _("The client's answer on paper is recorded."),
    )


@staff_page
@require_POST
def document_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=ReasonForm(request.POST, prefix="reject"),
        key="reject",
        do=lambda user, doc, data: services.document_reject(document=doc, by=user, reason=data["reason"]),
        done=lambda doc: _("%(document)s is marked rejected.") % {"document": _name(doc)},
    )


@staff_page
@require_POST
def document_activate(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=None,
        key="activate",
        do=lambda user, doc, data: services.document_activate(document=doc, by=user),
        done=lambda doc: _("%(document)s is in force.") % {"document": _name(doc)},
    )


@staff_page
@require_POST
def document_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=TerminateForm(request.POST),
        key="terminate",
        do=lambda user, doc, data: services.contract_terminate(
            document=doc, by=user, on=data["terminated_on"], reason=data["reason"]
        ),
        done=lambda doc: _("%(document)s is terminated.") % {"document": _name(doc)},
    )


@staff_page
@require_POST
def document_archive(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=None,
        key="archive",
        do=lambda user, doc, data: services.document_archive(document=doc, by=user),
        done=lambda doc: _("%(document)s is archived.") % {"document": _name(doc)},
    )


@staff_page
@require_POST
def document_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of a frozen document, as a draft that points at it."""
    return _action(
        request,
        pk,
        form=None,
        key="revise",
        do=lambda user, doc, data: services.document_revise(document=doc, by=user),
        done=lambda doc: _("A new version is drafted: correct it and send it."),
    )


@staff_page
@require_POST
def document_discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a draft that was never registered."""
    user, document = _editor_of(request, pk)
    try:
        services.document_discard(document=document, by=user)
    except services.DocumentError as error:
        return _document_page(request, document.pk, errors=_messages_of(error), status=400)
    messages.success(request, _("The draft %(title)s is discarded.") % {"title": document.title})
    return redirect(_back_after_discard(document))


def _back_after_discard(document: Document) -> str:
    if document.project_id is not None:
        return reverse("plans:detail", args=[document.project_id])
    return reverse("clients:detail", args=[document.client_id])


# ---------- an act's lines and the act builder ----------


@staff_page
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A line typed by hand on a draft act."""
    return _action(
        request,
        pk,
        form=LineForm(request.POST),
        key="line",
        do=lambda user, doc, data: services.act_line_add(
            document=doc, by=user, **LineForm.values_of(data, doc.currency)
        ),
        done=lambda doc: _("The line is added."),
        anchor="#lines",
    )


def _line_of(request: HttpRequest, pk: int) -> tuple[User, ActLine]:
    user = signed_in_user(request)
    line = ActLine.objects.filter(pk=pk).only("pk", "document_id").first()
    if line is None:
        raise Http404
    document = selectors.document_get_for(user, line.document_id)
    if not can_edit_document(user, document):
        raise PermissionDenied
    line = ActLine.objects.get(pk=pk)
    line.document = document
    return user, line


@staff_page
@require_http_methods(["GET", "POST"])
def line_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a line of a draft act."""
    user, line = _line_of(request, pk)
    document = line.document
    if request.method == "POST":
        form = LineForm(request.POST)
        if form.is_valid():
            try:
                services.act_line_update(
                    line=line, by=user, **LineForm.values_of(form.cleaned_data, document.currency)
                )
            except services.DocumentError as error:
                apply_document_errors(form, error)
            else:
                messages.success(request, _("The line is saved."))
                return redirect(reverse("documents:detail", args=[document.pk]) + "#lines")
        return render(
            request, "documents/line_form.html", {"form": form, "line": line, "doc": document}, status=400
        )
    if not document.is_draft:
        return redirect("documents:detail", pk=document.pk)
    form = LineForm(initial=LineForm.initial_for(line, document.currency))
    return render(request, "documents/line_form.html", {"form": form, "line": line, "doc": document})


@staff_page
@require_POST
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user, line = _line_of(request, pk)
    document = line.document
    try:
        services.act_line_remove(line=line, by=user)
    except services.DocumentError as error:
        return _document_page(request, document.pk, errors=_messages_of(error), status=400)
    messages.success(request, _("The line is removed."))
    return redirect(reverse("documents:detail", args=[document.pk]) + "#lines")


@staff_page
@require_POST
def act_build(request: HttpRequest, pk: int) -> HttpResponse:
    """The ticked done tasks and plan items become lines of the draft act."""
    form = BuilderForm(
        {"tasks": request.POST.getlist("tasks"), "plan_items": request.POST.getlist("plan_items")}
    )
    return _action(
        request,
        pk,
        form=form,
        key="builder",
        do=lambda user, doc, data: services.act_lines_from_project(
            document=doc, by=user, task_ids=data["tasks"], plan_item_ids=data["plan_items"]
        ),
        done=lambda doc: _("The chosen work is on the act."),
        anchor="#lines",
    )


# ---------- files ----------


@staff_page
@require_POST
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the document's file, checked by its content."""
    return _action(
        request,
        pk,
        form=FileForm(request.POST, request.FILES),
        key="file",
        do=lambda user, doc, data: services.document_file_add(
            document=doc, by=user, file=data["file"], note=data["note"]
        ),
        done=lambda doc: _("The file is added."),
        anchor="#files",
    )


@staff_page
@require_GET
def file_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A document's file, to staff who see the document, as an attachment the browser will not run."""
    user = signed_in_user(request)
    stored = DocumentFile.objects.filter(pk=pk).first()
    if stored is None:
        raise Http404
    selectors.document_get_for(user, stored.document_id)  # 404 unless the user sees the document
    return cast(HttpResponse, file_download(stored.file, stored.name, stored.content_type))


# ---------- the kinds of documents ----------


def _kinds_reader(request: HttpRequest) -> User:
    """Heads and AMs read the kinds; only the head changes them."""
    user = signed_in_user(request)
    if not (can_create_documents(user) or can_edit_document_kinds(user)):
        raise PermissionDenied
    return user


def _kinds_editor(request: HttpRequest) -> User:
    user = signed_in_user(request)
    if not can_edit_document_kinds(user):
        raise PermissionDenied
    return user


def _kinds_page(request: HttpRequest, form: KindForm | None = None) -> HttpResponse:
    user = signed_in_user(request)
    kinds = list(DocumentKind.objects.order_by("position", "name"))
    today = timezone.localdate()
    examples = selectors.kind_number_examples(kinds, on=today)
    rows = [(kind, examples.get(kind.pk, "")) for kind in kinds]
    context = {
        "rows": rows,
        "can_edit": can_edit_document_kinds(user),
        "form": form or KindForm(initial={"behaviour": "other", "needs_client_answer": True}),
    }
    return render(request, "documents/kinds.html", context, status=400 if form is not None else 200)


@staff_page
@require_http_methods(["GET", "POST"])
def kind_list(request: HttpRequest) -> HttpResponse:
    """Every kind of document with its numbering; the head adds one here (POST)."""
    _kinds_reader(request)
    if request.method == "GET":
        return _kinds_page(request)
    user = _kinds_editor(request)
    form = KindForm(request.POST)
    if form.is_valid():
        try:
            kind = services.document_kind_create(by=user, **form.cleaned_data)
        except services.DocumentError as error:
            apply_document_errors(form, error)
        else:
            messages.success(request, _("The kind %(name)s is added.") % {"name": kind.label})
            return redirect("documents:kinds")
    return _kinds_page(request, form)


@staff_page
@require_http_methods(["GET", "POST"])
def kind_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One kind: its name, numbering, whether the client answers it and whether it is in use."""
    _kinds_reader(request)
    kind = DocumentKind.objects.filter(pk=pk).first()
    if kind is None:
        raise Http404
    user = _kinds_editor(request)
    if request.method == "POST":
        form = KindForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                services.document_kind_update(kind=kind, by=user, **form.cleaned_data)
            except services.DocumentError as error:
                apply_document_errors(form, error)
            else:
                messages.success(request, _("The kind %(name)s is saved.") % {"name": kind.label})
                return redirect("documents:kinds")
        status = 400
    else:
        form = KindForm(initial=KindForm.initial_for(kind), kind=kind)
        status = 200
    example = selectors.kind_number_examples([kind], on=timezone.localdate()).get(kind.pk, "")
    return render(
        request, "documents/kind_form.html", {"form": form, "kind": kind, "example": example}, status=status
    )


@staff_page
@require_GET
def kind_number_example(request: HttpRequest) -> HttpResponse:
    """The next number a format would give, shown live while the head types it."""
    _kinds_reader(request)
    fmt = request.GET.get("number_format", "").strip()
    series = request.GET.get("series", "").strip().upper()
    example, problem = selectors.number_example(fmt=fmt, series=series, on=timezone.localdate())
    return render(
        request, "documents/kind_form.html#number-example", {"example": example, "problem": problem}
    )
