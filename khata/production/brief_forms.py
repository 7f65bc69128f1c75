"""The forms of briefs: a template and its questions (the head), sending a brief (the AM) and the
answers (the client contact). They only collect what was typed; the services decide what fits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from khata.clients.models import Contact
from khata.production.models import BriefQuestion, BriefTemplate

# The services the agency sells; their names are stored in English and translated where shown.
SERVICES: list[tuple[str, str]] = [
    ("seo", gettext_noop("SEO")),
    ("contextual-advertising", gettext_noop("Contextual advertising (PPC)")),
    ("copywriting", gettext_noop("Copywriting")),
    ("usability", gettext_noop("Usability")),
    ("analytics", gettext_noop("Analytics")),
]


def service_label(service: str) -> str:
    """The translated name of a service, or its code for one outside the list."""
    from django.utils.translation import gettext

    names = dict(SERVICES)
    return gettext(names[service]) if service in names else service


def _service_choices(current: str = "") -> list[tuple[str, str]]:
    choices = [(code, service_label(code)) for code, _name in SERVICES]
    if current and current not in dict(SERVICES):
        choices.append((current, current))
    return choices


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    service = forms.ChoiceField(label=_("Service"))
    active = forms.BooleanField(label=_("In use: AMs can send it"), required=False, initial=True)

    def __init__(self, *args: Any, current_service: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service = self.fields["service"]
        assert isinstance(service, forms.ChoiceField)
        service.choices = _service_choices(current_service)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=BriefQuestion.Kind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a choice question: one choice per line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        lines = [line.strip() for line in data["choices"].splitlines() if line.strip()]
        return {"text": data["text"], "kind": data["kind"], "choices": lines, "required": data["required"]}


def _template_label(template: BriefTemplate) -> str:
    return f"{template.name} ({service_label(template.service)})"


def _contact_label(contact: Contact) -> str:
    return f"{contact.full_name} · {contact.email}" if contact.email else contact.full_name


class SendForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Brief template"), queryset=BriefTemplate.objects.none())
    contact = forms.ModelChoiceField(label=_("Send to"), queryset=Contact.objects.none())

    def __init__(
        self,
        *args: Any,
        templates: QuerySet[BriefTemplate],
        contacts: QuerySet[Contact],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        contact = self.fields["contact"]
        assert isinstance(template, forms.ModelChoiceField)
        assert isinstance(contact, forms.ModelChoiceField)
        template.queryset = templates
        template.label_from_instance = _template_label  # type: ignore[method-assign,assignment]
        contact.queryset = contacts
        contact.label_from_instance = _contact_label  # type: ignore[method-assign,assignment]


def answer_field_name(question: BriefQuestion) -> str:
    return f"q{question.pk}"


class AnswersForm(forms.Form):
    """One field per question, all optional here: a brief is saved in parts, the service checks each."""

    def __init__(self, *args: Any, questions: Iterable[BriefQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[answer_field_name(question)] = self._field(question)

    @staticmethod
    def _field(question: BriefQuestion) -> forms.Field:
        label = question.text
        kind = question.kind
        if kind == BriefQuestion.Kind.FILE:
            return forms.FileField(label=label, required=False, allow_empty_file=True)
        if kind == BriefQuestion.Kind.CHOICE:
            # A plain CharField with radio buttons: a value that is not offered reaches the service,
            # which names the question in its refusal.
            options = [(option, option) for option in question.choices]
            return forms.CharField(
                label=label,
                required=False,
                widget=forms.RadioSelect(choices=options, attrs={"class": "checkbox-list"}),
            )
        if kind == BriefQuestion.Kind.NUMBER:
            return forms.CharField(
                label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
            )
        if kind == BriefQuestion.Kind.URL:
            return forms.CharField(
                label=label,
                required=False,
                widget=forms.URLInput(attrs={"placeholder": "https://"}),
            )
        return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def values(self) -> dict[int, str]:
        return {
            question.pk: self.cleaned_data.get(answer_field_name(question)) or ""
            for question in self.questions
            if question.kind != BriefQuestion.Kind.FILE
        }

    def files_given(self) -> dict[int, UploadedFile]:
        given = {}
        for question in self.questions:
            file = self.cleaned_data.get(answer_field_name(question))
            if question.kind == BriefQuestion.Kind.FILE and file:
                given[question.pk] = file
        return given
