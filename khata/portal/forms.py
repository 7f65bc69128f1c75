from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ProfileForm(forms.Form):
    """A client contact's own name and language."""

    full_name = forms.CharField(label=_("Your name"), max_length=150)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The portal and our emails to you use this language."),
    )


class DocumentAcceptForm(forms.Form):
    """The contact accepts (or signs) a document: their full name, typed, and a confirmation."""

    name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        help_text=_("Typed as you would sign: it is kept with the time and the address you answer from."),
    )
    confirm = forms.BooleanField(required=True)

    def __init__(self, *args: Any, signs: bool, company: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if signs:
            label = _("I have read this document and I sign it on behalf of %(company)s.")
        else:
            label = _("I confirm the work listed here was done, and I accept it on behalf of %(company)s.")
        self.fields["confirm"].label = label % {"company": company}
        self.fields["confirm"].error_messages["required"] = _("Tick the box to confirm your answer.")


class DocumentDisputeForm(forms.Form):
    """The contact disputes a document and says why."""

    reason = forms.CharField(
        label=_("What is wrong"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Your account manager reads it and puts the document right."),
        error_messages={"required": _("Say what is wrong, so that the agency can put it right.")},
    )
