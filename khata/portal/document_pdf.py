"""A document's PDF in the portal: the contact's own company's documents once sent, never a draft.

Another company's document, or a draft, answers 404 (``document_get_for`` scopes by the contact).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from khata.documents.pdf_views import pdf_response
from khata.documents.selectors import document_get_for
from khata.people.decorators import signed_in_user
from khata.people.policies import is_staff_user
from khata.portal.selectors import portal_contact_get_for


@require_GET
@login_required
def document_pdf(request: HttpRequest, document_pk: int) -> HttpResponse:
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    portal_contact_get_for(user)
    return pdf_response(document_get_for(user, document_pk), request)
