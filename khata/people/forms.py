from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class LanguageForm(forms.Form):
    """The language switcher: a language code, or empty to follow the browser."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Browser language")), *settings.LANGUAGES],
    )
    next = forms.CharField(required=False, max_length=2000)
