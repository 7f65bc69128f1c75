"""The small forms of the task boards: a move, a block, time spent, an assignment."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.production.models import Task


class MoveForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Task.Status.choices)
    blocked_on = forms.ChoiceField(
        label=_("Waiting on"), choices=[("", "—"), *Task.BlockedOn.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class TimeForm(forms.Form):
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.25"), max_value=Decimal(24), decimal_places=2, max_digits=4
    )
    on = forms.DateField(label=_("Date"), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    @property
    def minutes(self) -> int:
        return round(self.cleaned_data["hours"] * 60)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=_("Assignee"))


class VisibilityForm(forms.Form):
    visible = forms.BooleanField(label=_("Visible to the client"), required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachForm(forms.Form):
    file = forms.FileField(
        label=_("File"), max_length=255, help_text=_("PDF, images, Word, Excel, PowerPoint or text files.")
    )
