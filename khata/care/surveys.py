"""Satisfaction surveys: sending one to a contact, answering it once, following up a low score.

``survey_send`` creates a ``Survey`` for one contact and emails the contact a link to
``/s/<token>/`` once the transaction commits. The token is an HMAC of the survey (made with the
installation's secret key), so only the agency can make it; the table keeps only its SHA-256, and a
leaked table opens no survey. The link works once, for as many days as the agency's
``SurveySettings.expiry_days`` say (14 unless the head changed it); the contact can also answer in
the portal.

``survey_answer`` records the score (NPS 0–10 with a why, CSAT 1–5) once. A detractor (NPS 0–6) or a
CSAT of 1–2 opens one follow-up in the same transaction, chosen by ``SurveySettings.follow_up``:
a claim (the default, with the source "a survey answer") or a task for the client's AM on the project
the survey is about, or the client's latest project (a client without a project gets a claim). The
answer is unique per survey, the claim per survey and the task per answer: a second or concurrent
answer fails and opens nothing.

The triggers (``survey_scheduling``) read ``SurveySettings``: which triggers are on and which
questionnaire each sends (by default CSAT after an accepted act and a closed claim, NPS every
quarter). The head changes them on the care settings page (``care.configuration``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from khata.care.configuration import survey_settings_get
from khata.care.models import Claim, FollowUp, ReasonCode, Severity, Survey, SurveyAnswer
from khata.care.services import TITLE_MAX, sla_due
from khata.clients.models import Client, Contact
from khata.clients.selectors import client_scope
from khata.core.calendar import working_calendar
from khata.core.services import event_record
from khata.documents.models import Document
from khata.people.models import User
from khata.people.policies import AnyUser, is_staff_user
from khata.plans.models import Project
from khata.production.models import Task

WHY_MAX = 5_000
SCORE_RANGE = {Survey.Kind.NPS: (0, 10), Survey.Kind.CSAT: (1, 5)}
TOKEN_SALT = "khata.care.survey"  # noqa: S105 - a salt, not a secret


class SurveyError(ValidationError):
    """A refused survey change; carries field errors like a form."""


def _refuse(field: str, message: str) -> SurveyError:
    return SurveyError({field: [message]})


# --- the signed link ------------------------------------------------------------------------------


def survey_token(survey: Survey) -> str:
    """The secret of the survey's link: only the secret key makes it; the table keeps its hash."""
    return salted_hmac(
        TOKEN_SALT, f"{survey.pk}:{survey.sent_at.isoformat()}", algorithm="sha256"
    ).hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_by_token(token: str) -> Survey | None:
    """The survey a link opens (answered or expired ones too: the page says why it is refused)."""
    if not token or len(token) > 128:
        return None
    return (
        Survey.objects.select_related("client", "contact", "answer")
        .filter(token_hash=token_hash(token))
        .first()
    )


# --- sending --------------------------------------------------------------------------------------


def _event(survey: Survey, *, kind: str, summary: str, by: User | None, **params: Any) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"contact": survey.contact.full_name, "kind": survey.get_kind_display(), **params},
        by=by,
        client=survey.client,
        subject=survey.claim if survey.claim_id else survey,
        data={"survey": survey.pk, "kind": survey.kind},
    )


@transaction.atomic
def survey_send(
    *,
    client: Client,
    contact: Contact,
    kind: str,
    trigger: str,
    by: User | None = None,
    document: Document | None = None,
    claim: Claim | None = None,
    now: dt.datetime | None = None,
    expiry_days: int | None = None,
) -> Survey:
    """A survey for one contact of the client; the email with its link leaves once this commits.

    The link works for ``expiry_days`` days; without them, for as long as the survey settings say
    (a scheduler pass reads them once and passes them to each survey it sends).
    """
    if kind not in Survey.Kind.values:
        raise _refuse("kind", _("Choose NPS or CSAT."))
    if trigger not in Survey.Trigger.values:
        raise _refuse("trigger", _("Unknown reason to send a survey."))
    if contact.client_id != client.pk:
        raise _refuse("contact", _("This contact does not work for the client."))
    if by is not None and (not is_staff_user(by) or not _sees_client(by, client)):
        raise _refuse("client", _("You cannot send a survey to this client."))
    sent_at = now or timezone.now()
    days = survey_settings_get().expiry_days if expiry_days is None else expiry_days
    survey = Survey.objects.create(
        kind=kind,
        trigger=trigger,
        client=client,
        contact=contact,
        document=document,
        claim=claim,
        sent_at=sent_at,
        expires_at=sent_at + dt.timedelta(days=days),
    )
    survey.token_hash = token_hash(survey_token(survey))
    survey.save(update_fields=["token_hash"])
    _event(
        survey, kind="care.survey_sent", summary=gettext_noop("%(kind)s survey sent to %(contact)s"), by=by
    )

    def enqueue() -> None:
        from khata.care.survey_scheduling import survey_email_task

        survey_email_task.enqueue(survey_id=survey.pk)

    transaction.on_commit(enqueue)
    return survey


def _sees_client(user: User, client: Client) -> bool:
    scope = client_scope(user)
    return scope is not None and Client.objects.filter(scope, pk=client.pk).exists()


# --- answering ------------------------------------------------------------------------------------


def survey_refusal(survey: Survey, *, now: dt.datetime | None = None) -> str:
    """Why the survey cannot be answered now, or "" when it can."""
    if survey.answered_at is not None:
        return _("This survey has already been answered. Thank you!")
    if survey.is_expired(now):
        return _("This survey link has expired.")
    return ""


def survey_answer(
    *,
    survey: Survey,
    score: int | None,
    why: str = "",
    by: User | None = None,
    in_portal: bool = False,
    now: dt.datetime | None = None,
) -> SurveyAnswer:
    """Record the contact's answer, once, before the survey expires; a low score opens its follow-up.

    ``by`` is the portal user (who must be the survey's contact); ``None`` for the signed link.
    """
    try:
        with transaction.atomic():
            return _survey_answer(survey=survey, score=score, why=why, by=by, in_portal=in_portal, now=now)
    except IntegrityError as error:
        # A concurrent answer won the unique constraint: this one is refused.
        raise _refuse("survey", _("This survey has already been answered. Thank you!")) from error


def _survey_answer(
    *, survey: Survey, score: int | None, why: str, by: User | None, in_portal: bool, now: dt.datetime | None
) -> SurveyAnswer:
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("client", "contact", "document", "claim")
        .get(pk=survey.pk)
    )
    if by is not None and survey.contact.user_id != by.pk:
        raise _refuse("survey", _("This survey was sent to someone else."))
    now = now or timezone.now()
    refusal = survey_refusal(survey, now=now)
    if refusal:
        raise _refuse("survey", refusal)
    low, high = SCORE_RANGE[Survey.Kind(survey.kind)]
    errors: dict[str, list[str]] = {}
    if score is None or not low <= score <= high:
        errors["score"] = [_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}]
    why = (why or "").strip()
    if len(why) > WHY_MAX:
        errors["why"] = [_("Keep it under %(limit)s characters.") % {"limit": f"{WHY_MAX:,}"}]
    if errors:
        raise SurveyError(errors)
    assert score is not None
    answer = SurveyAnswer.objects.create(
        survey=survey, kind=survey.kind, score=score, why=why, in_portal=in_portal, at=now
    )
    # Only an unanswered survey is stamped: a racing second answer updates nothing and then fails
    # the answer's unique constraint above.
    Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(answered_at=now)
    survey.answered_at = now
    _event(
        survey,
        kind="care.survey_answered",
        summary=gettext_noop("%(contact)s answered the %(kind)s survey: %(score)s. %(why)s"),
        by=by,
        score=score,
        why=why[:200],
    )
    if answer.is_detractor:
        _follow_up(survey, answer, by=by, now=now)
    return answer


# --- the follow-up of a low score -----------------------------------------------------------------


def _follow_up_reason() -> ReasonCode:
    for code in ("expectations", "quality"):
        reason = ReasonCode.objects.filter(code=code, active=True).first()
        if reason is not None:
            return reason
    return ReasonCode.objects.filter(active=True).order_by(
        "position", "id"
    ).first() or ReasonCode.objects.get(code="quality")


def _follow_up_title(survey: Survey, answer: SurveyAnswer) -> str:
    with override(settings.LANGUAGE_CODE):  # a stored title, in the agency's language
        return _("Low %(kind)s score %(score)s from %(contact)s") % {
            "kind": survey.get_kind_display(),
            "score": answer.score,
            "contact": survey.contact.full_name,
        }


def _follow_up_project(survey: Survey) -> Project | None:
    if survey.document is not None and survey.document.project_id:
        return Project.objects.get(pk=survey.document.project_id)
    if survey.claim is not None and survey.claim.project_id:
        return Project.objects.get(pk=survey.claim.project_id)
    return Project.objects.filter(client_id=survey.client_id).order_by("-id").first()


def _follow_up(survey: Survey, answer: SurveyAnswer, *, by: User | None, now: dt.datetime) -> None:
    title = _follow_up_title(survey, answer)[:TITLE_MAX]
    project = _follow_up_project(survey) if survey_settings_get().follow_up == FollowUp.TASK else None
    if project is not None:
        task = Task.objects.create(
            project=project,
            title=title,
            assignee_id=survey.client.owner_id,
            due_date=timezone.localdate(now) + dt.timedelta(days=2),
        )
        answer.follow_up_task = task
        answer.save(update_fields=["follow_up_task"])
        event_record(
            kind="production.task_created",
            summary=gettext_noop("Task %(title)s opened for a low survey score"),
            params={"title": title},
            by=by,
            client=survey.client,
            subject=task,
            data={"task": task.pk, "survey": survey.pk},
        )
        return
    first_response_due, resolution_due = sla_due(
        severity=Severity.NORMAL, received_at=now, calendar=working_calendar()
    )
    claim = Claim.objects.create(
        client=survey.client,
        project=survey.document.project if survey.document is not None else None,
        document=survey.document,
        survey=survey,
        source=Claim.Source.SURVEY,
        reason=_follow_up_reason(),
        severity=Severity.NORMAL,
        title=title,
        description=answer.why,
        contact=survey.contact,
        filed_by=by,
        owner_id=survey.client.owner_id,
        received_at=now,
        first_response_due=first_response_due,
        resolution_due=resolution_due,
    )
    event_record(
        kind="care.filed",
        summary=gettext_noop("Claim opened by a low survey score: %(claim)s"),
        params={"claim": claim.title},
        by=by,
        client=survey.client,
        subject=claim,
        data={"claim": claim.pk, "status": claim.status, "survey": survey.pk},
    )


# --- reading --------------------------------------------------------------------------------------


def survey_open_for(user: AnyUser, *, now: dt.datetime | None = None) -> QuerySet[Survey]:
    """The contact's own surveys that still wait for an answer (not answered, not expired)."""
    if not isinstance(user, User) or not user.is_active or user.role != User.Role.CONTACT:
        return Survey.objects.none()
    return Survey.objects.filter(
        Q(contact__user=user, contact__portal_access=True),
        answered_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    ).select_related("client")


def survey_get_for_contact(user: AnyUser, pk: int) -> Survey | None:
    """One of the contact's own surveys (answered or not); None for anyone else's."""
    if not isinstance(user, User) or not user.is_active or user.role != User.Role.CONTACT:
        return None
    return (
        Survey.objects.filter(pk=pk, contact__user=user, contact__portal_access=True)
        .select_related("client", "contact")
        .first()
    )
