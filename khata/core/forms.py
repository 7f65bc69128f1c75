"""Form helpers shared by every domain's pages."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(
    form: forms.BaseForm, error: ValidationError, *, rename: Mapping[str, str] | None = None
) -> None:
    """Show a service's field errors on the form: on the field when it has one, else on top.

    ``rename`` maps a model field the service names (``price_minor``) to the form field the person
    typed into (``price``).
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.error_dict.items():
        messages = [message for item in errors for message in item.messages]
        name = (rename or {}).get(field, field)
        form.add_error(name if name in form.fields else None, messages)
