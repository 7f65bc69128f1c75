"""Template helpers of the portal's document pages: ``{% load portal_documents %}``."""

from __future__ import annotations

from django import template

register = template.Library()

TONES = {
    "sent": "info",
    "disputed": "warning",
    "signed": "success",
    "accepted": "success",
    "active": "success",
    "rejected": "danger",
    "terminated": "muted",
    "archived": "muted",
    "draft": "muted",
}


@register.filter
def document_tone(status: str | None) -> str:
    """The badge modifier for a document's status."""
    return TONES.get(status or "", "muted")
