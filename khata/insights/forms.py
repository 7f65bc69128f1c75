"""The head's form of the health settings: it only collects numbers; ``health_weights_update``
checks them and decides what is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from khata.insights.health import FACTOR_LABELS
from khata.insights.models import FACTORS, HealthWeights

BAD_NUMBER = {
    "invalid": _("Enter a whole number from 0 to 100."),
    "required": _("Enter a whole number from 0 to 100."),
}


class HealthWeightsForm(forms.Form):
    green_from = forms.IntegerField(
        label=_("Healthy from"),
        error_messages=BAD_NUMBER,
        help_text=_("A score at or above this is green."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 100}),
    )
    amber_from = forms.IntegerField(
        label=_("At risk from"),
        error_messages=BAD_NUMBER,
        help_text=_("A score at or above this (and below healthy) is amber; below it, red."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
    )

    def __init__(self, *args: Any, weights: HealthWeights, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {**weights.weights(), "green_from": weights.green_from, "amber_from": weights.amber_from},
        )
        super().__init__(*args, **kwargs)
        for factor in FACTORS:
            self.fields[factor] = forms.IntegerField(
                label=str(FACTOR_LABELS[factor]),
                error_messages=BAD_NUMBER,
                widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
            )

    def factor_fields(self) -> list[forms.BoundField]:
        return [self[factor] for factor in FACTORS]

    def values(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in (*FACTORS, "green_from", "amber_from")}
