"""Care's background work, run by ``khata worker``."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from khata.care.models import Claim
from khata.care.services import ClaimError, claim_close_unconfirmed, claim_from_disputed_act
from khata.documents.models import Document


@task
def claim_auto_close_task(*, claim_id: int, resolved_at: str) -> int:
    """Close a resolved claim the client left unanswered; nothing if it moved on since it was due."""
    claim = Claim.objects.filter(pk=claim_id, status=Claim.Status.RESOLVED).first()
    if claim is None or claim.resolved_at != dt.datetime.fromisoformat(resolved_at):
        return 0
    try:
        claim_close_unconfirmed(claim=claim)
    except ClaimError:
        return 0
    return 1


@task
def claim_from_dispute_task(*, document_id: int) -> int:
    """Open the claim of a disputed act (once per dispute: the service is idempotent)."""
    document = Document.objects.filter(pk=document_id, status=Document.Status.DISPUTED).first()
    if document is None:
        return 0
    try:
        claim_from_disputed_act(document=document)
    except ClaimError:
        return 0
    return 1
