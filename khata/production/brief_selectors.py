"""Reads of briefs and their templates for the pages: completeness in the same query as the list,
a brief's questions beside their answers, the templates by service. Every read that depends on who
asks goes through ``selectors.brief_visible_to``; what a user may not see answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from khata.clients.models import Contact
from khata.core.boards import capped_count
from khata.people.policies import AnyUser
from khata.production.models import Brief, BriefAnswer, BriefQuestion, BriefTemplate
from khata.production.policies import can_view_brief_templates
from khata.production.selectors import brief_list_for, brief_visible_to, percent_of


def _count_of(queryset: QuerySet[Any], by: str) -> Coalesce:
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_completeness(briefs: QuerySet[Brief]) -> QuerySet[Brief]:
    """Each brief with ``required_count`` and ``answered_count`` (required questions answered)."""
    return briefs.annotate(
        required_count=_count_of(
            BriefQuestion.objects.filter(template=OuterRef("template"), required=True), "template"
        ),
        answered_count=_count_of(
            BriefAnswer.objects.filter(brief=OuterRef("pk"), question__required=True).exclude(
                value="", file=""
            ),
            "brief",
        ),
    )


def completeness_percent(answered: int, required: int) -> int:
    """Answered of required as a whole percent (2 of 3 reads 67%); a brief with nothing required is whole."""
    return 100 if required == 0 else percent_of(answered, required)


def project_briefs_for(user: AnyUser, project_id: int, *, limit: int) -> tuple[list[Brief], int, bool]:
    """The briefs of one project this user may see, newest first, with completeness (two queries)."""
    briefs = brief_list_for(user).filter(project_id=project_id)
    total, capped = capped_count(briefs)
    return list(with_completeness(briefs)[:limit]), total, capped


def briefs_to_answer_for(contact: Contact, *, limit: int) -> tuple[list[Brief], int, bool]:
    """Sent briefs waiting for this contact's answers, oldest first (two queries)."""
    briefs = (
        Brief.objects.filter(sent_to=contact, status=Brief.Status.SENT)
        .select_related("project", "template")
        .order_by("sent_at", "id")
    )
    total, capped = capped_count(briefs)
    return list(with_completeness(briefs)[:limit]), total, capped


def briefs_incomplete_for(user: AnyUser) -> QuerySet[Brief]:
    """Sent briefs of the user's projects that the client has not answered yet, waiting longest first."""
    return with_completeness(brief_list_for(user).filter(status=Brief.Status.SENT).order_by("sent_at", "id"))


@dataclass
class BriefRow:
    """One question of a brief beside its answer (if any)."""

    question: BriefQuestion
    answer: BriefAnswer | None

    @property
    def given(self) -> bool:
        return self.answer is not None and self.answer.is_given


@dataclass
class BriefPage:
    brief: Brief
    rows: list[BriefRow]

    @property
    def required(self) -> int:
        return sum(1 for row in self.rows if row.question.required)

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.question.required and row.given)

    @property
    def percent(self) -> int:
        return completeness_percent(self.answered, self.required)

    @property
    def complete(self) -> bool:
        return self.answered >= self.required


def brief_page_for(brief: Brief) -> BriefPage:
    """A brief's questions in order, each with its answer (two queries)."""
    answers = {answer.question_id: answer for answer in BriefAnswer.objects.filter(brief=brief)}
    questions = BriefQuestion.objects.filter(template_id=brief.template_id).order_by("order", "id")
    return BriefPage(brief, [BriefRow(q, answers.get(q.pk)) for q in questions])


def brief_answer_file_get_for(user: AnyUser, brief_pk: int | str, answer_pk: int | str) -> BriefAnswer:
    """A file answer of a brief this user may see, or 404."""
    try:
        visible = brief_visible_to(user).filter(pk=brief_pk).values("pk")
        return BriefAnswer.objects.exclude(file="").get(pk=answer_pk, brief__in=visible)
    except (BriefAnswer.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such file.") from error


# --- templates ------------------------------------------------------------------------------------


@dataclass
class ServiceTemplates:
    service: str
    templates: list[BriefTemplate]
    label: str = ""  # the service's name in the reader's language, set by the page


def brief_templates_for(user: AnyUser) -> list[ServiceTemplates]:
    """Every template grouped by service, with its number of questions (one query); 404 for others."""
    if not can_view_brief_templates(user):
        raise Http404("No brief templates.")
    templates = BriefTemplate.objects.annotate(
        question_count=Count("questions"),
        brief_count=_count_of(Brief.objects.filter(template=OuterRef("pk")), "template"),
    ).order_by("service", "-active", "name", "id")
    return [
        ServiceTemplates(service, list(rows))
        for service, rows in groupby(templates, key=lambda template: template.service)
    ]


def brief_template_get_for(user: AnyUser, pk: int | str) -> BriefTemplate:
    if not can_view_brief_templates(user):
        raise Http404("No brief templates.")
    try:
        return BriefTemplate.objects.get(pk=pk)
    except (BriefTemplate.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such template.") from error


def brief_template_questions(template: BriefTemplate) -> list[BriefQuestion]:
    """The template's questions in order, each with ``answer_count`` (answers sent briefs hold)."""
    return list(
        template.questions.annotate(
            answer_count=_count_of(
                BriefAnswer.objects.filter(question=OuterRef("pk")).exclude(value="", file=""), "question"
            )
        ).order_by("order", "id")
    )


def brief_question_get_for(user: AnyUser, pk: int | str) -> BriefQuestion:
    if not can_view_brief_templates(user):
        raise Http404("No brief templates.")
    try:
        return BriefQuestion.objects.select_related("template").get(pk=pk)
    except (BriefQuestion.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such question.") from error
