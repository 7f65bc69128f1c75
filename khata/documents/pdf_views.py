"""The staff download of a document's PDF: the document as the agency prints it, in the reader's
language (``?lang=hi`` prints it in another). Whoever may see the document may download it; anyone
else gets 404, the same as for a document that does not exist."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_GET

from khata.documents.models import Document
from khata.documents.pdf import document_filename, document_pdf, pdf_language
from khata.documents.selectors import document_get_for
from khata.people.decorators import signed_in_user, staff_required


def pdf_response(document: Document, request: HttpRequest) -> HttpResponse:
    """The PDF of a document the asking user may see, as a download."""
    language = pdf_language(request.GET.get("lang"), translation.get_language())
    response = HttpResponse(document_pdf(document, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document_filename(document)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_GET
def document_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get_for(signed_in_user(request), pk)
    return pdf_response(document, request)
