"""A fresh installation has a brief template for each of the agency's five services."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from khata.production.models import BriefQuestion, BriefTemplate

pytestmark = pytest.mark.django_db

SERVICES = {"seo", "contextual-advertising", "copywriting", "usability", "analytics"}


def test_data_migration_gives_each_service_a_template() -> None:
    templates = BriefTemplate.objects.filter(service__in=SERVICES)
    assert {t.service for t in templates} == SERVICES
    for template in templates:
        questions = list(template.questions.all())
        assert 5 <= len(questions) <= 8
        assert any(q.required for q in questions)
        assert [q.order for q in questions] == list(range(1, len(questions) + 1))
        for question in questions:
            if question.kind == BriefQuestion.Kind.CHOICE:
                assert len(question.choices) >= 2
            else:
                assert question.choices == []
    kinds = set(BriefQuestion.objects.filter(template__in=templates).values_list("kind", flat=True))
    assert kinds == set(BriefQuestion.Kind.values)


def test_data_migration_leaves_a_service_that_has_a_template_alone() -> None:
    migration = importlib.import_module("khata.production.migrations.0003_default_brief_templates")
    BriefTemplate.objects.filter(service="seo").update(name="Our own SEO brief")
    migration.create_defaults(apps, None)
    assert list(BriefTemplate.objects.filter(service="seo").values_list("name", flat=True)) == [
        "Our own SEO brief"
    ]
    assert BriefTemplate.objects.filter(service__in=SERVICES).count() == len(SERVICES)
