"""Template helpers of the plan pages: ``{% load plans %}`` ``{{ version.status|plan_tone }}``."""

from __future__ import annotations

from django import template

register = template.Library()

TONES = {
    # plan versions
    "draft": "muted",
    "proposed": "info",
    "agreed": "success",
    "superseded": "muted",
    # the client's answers
    "accept": "success",
    "counter": "warning",
    "reject": "danger",
    # project stages
    "brief": "info",
    "planning": "info",
    "production": "high",
    "acceptance": "warning",
    "done": "success",
    "on_hold": "warning",
    "cancelled": "muted",
    # differences
    "added": "success",
    "removed": "danger",
    "changed": "warning",
}


@register.filter
def plan_tone(value: str | None) -> str:
    """The badge modifier for a status, stage, answer or change."""
    return TONES.get(value or "", "muted")
