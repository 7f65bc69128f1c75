"""A document as a PDF on the agency's letterhead, in the reader's language.

``document_pdf`` reads what the document prints (its lines, the client's answer, the status report
it was made from) and renders ``documents/pdf/<behaviour>.html``. A document without a number (a
draft) prints with a DRAFT mark across each page, so a draft never passes for the real thing. The
callers (the staff and portal download views, the benchmark) have already checked who asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation

from khata.core.money import number_format
from khata.core.pdf import pdf_render
from khata.core.uploads import filename_safe
from khata.documents.models import ActLine, Behaviour, Document, DocumentDecision
from khata.production.reports import report_sections

TEMPLATES = {
    Behaviour.CONTRACT: "documents/pdf/contract.html",
    Behaviour.ACT: "documents/pdf/act.html",
    Behaviour.REPORT: "documents/pdf/report.html",
    Behaviour.OTHER: "documents/pdf/other.html",
}


@dataclass(frozen=True)
class PrintedLine:
    """One line of an act as printed: the hours already in the reader's number format."""

    deliverable: str
    hours: str
    amount_minor: int


def hours_text(minutes: int, language: str) -> str:
    """Minutes as hours for people: 90 → 1.5, 20 → 0.33, 120 → 2 (in the language's digits)."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return number_format(hours.normalize() if hours == hours.to_integral() else hours, language)


def pdf_language(requested: str | None, fallback: str | None) -> str:
    """The language a PDF is printed in: the one asked for (``?lang=hi``) if Khata speaks it."""
    codes = [code for code, _name in settings.LANGUAGES]
    for language in (requested, fallback):
        if language and language.split("-")[0] in codes:
            return language.split("-")[0]
    return settings.LANGUAGE_CODE


def document_filename(document: Document) -> str:
    """ACT-2026-00012.pdf; a draft: draft-<id>.pdf."""
    stem = document.number.replace("/", "-") if document.number else f"draft-{document.pk}"
    return filename_safe(f"{stem}.pdf")


def _answer(document: Document) -> DocumentDecision | None:
    """The client's acceptance or signature that stands, if any."""
    if document.status not in Document.FROZEN or document.status == Document.Status.REJECTED:
        return None
    return (
        document.decisions.filter(
            decision__in=[DocumentDecision.Decision.ACCEPTED, DocumentDecision.Decision.SIGNED]
        )
        .order_by("-at", "-id")
        .first()
    )


def document_pdf_context(document: Document, *, language: str) -> dict[str, Any]:
    """What the document's template prints, read in a fixed number of queries."""
    context: dict[str, Any] = {
        "document": document,
        "kind_label": document.kind.label,
        "client": document.client,
        "project": document.project,
        "draft": not document.number,
        "answer": _answer(document),
        "currency": document.currency,
    }
    if document.kind.is_act:
        rows = list(ActLine.objects.filter(document=document).order_by("position", "id"))
        context["lines"] = [
            PrintedLine(row.deliverable, hours_text(row.minutes, language), row.amount_minor) for row in rows
        ]
        context["total_minor"] = sum(row.amount_minor for row in rows)
        context["total_hours"] = hours_text(sum(row.minutes for row in rows), language)
    report = document.status_report if document.status_report_id is not None else None
    if report is not None:
        # Section titles are translated as they are built: build them in the PDF's language.
        with translation.override(language):
            context["sections"] = report_sections(report, for_client=True)
        context["report"] = report
    return context


def document_pdf(document: Document, *, language: str) -> bytes:
    """The document as PDF bytes in ``language`` (en, hi or ru)."""
    language = pdf_language(language, None)
    context = document_pdf_context(document, language=language)
    template = TEMPLATES.get(Behaviour(document.kind.behaviour), TEMPLATES[Behaviour.OTHER])
    return pdf_render(template=template, context=context, language=language)
