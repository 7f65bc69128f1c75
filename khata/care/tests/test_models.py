"""The care tables start with their defaults and the database refuses impossible rows."""

from __future__ import annotations

import pytest

from khata.care.models import DEFAULT_REASONS, DEFAULT_ROOT_CAUSES, ReasonCode, RootCause, SlaPolicy

pytestmark = pytest.mark.django_db


def test_defaults_exist_after_migration() -> None:
    assert set(ReasonCode.objects.values_list("code", flat=True)) == {code for code, _ in DEFAULT_REASONS}
    assert set(RootCause.objects.values_list("code", flat=True)) == {code for code, _ in DEFAULT_ROOT_CAUSES}
    assert set(SlaPolicy.objects.values_list("severity", flat=True)) == {"low", "normal", "high", "critical"}
