"""The demo agency's projects: every stage, plans agreed through the portal, tasks on the boards.

Each project is a ``Plot``: a client, a kind of work (its deliverables), the stage it has reached
today and, for the named stories, a twist (a plan under negotiation, a frozen plan with a change
request, a plan waiting for the client, progress the client follows in the portal). The plot is
replayed through the services with the clock set to each moment (``agency._clock``), so the
timeline, the plan versions and the boards read as the agency lived them; dates are relative to
today. Timestamps the models take from a default (``created_at``) are set afterwards to the same
moment, since a default does not see the story's clock.

A seeded generator of its own keeps the rest of the demo's story unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from khata.clients.models import Client, Contact
from khata.clients.services import contact_set_portal_access, contact_update
from khata.demo.agency import _clock
from khata.people.models import Specialty, User
from khata.plans.models import (
    Approval,
    ClientRequest,
    ItemDecision,
    PlanItem,
    PlanVersion,
    Project,
)
from khata.plans.services import (
    client_item_request,
    item_decide,
    plan_approve,
    plan_change_request,
    plan_item_add,
    plan_item_remove,
    plan_item_update,
    plan_propose,
    plan_version_create,
    project_create,
    project_set_stage,
)
from khata.production.models import BriefQuestion, BriefTemplate, Task, TaskComment, TimeLog
from khata.production.reports import report_draft, report_publish, report_update
from khata.production.services import (
    assignee_suggest,
    brief_answer_save,
    brief_question_add,
    brief_send,
    brief_submit,
    brief_template_create,
    project_leave_brief_stage,
    task_assign,
    task_comment_add,
    task_move,
    task_set_visibility,
    tasks_from_plan,
    time_log,
)

T = TypeVar("T")
Stage = Project.Stage
Status = Task.Status

# Prices are set in rupees and converted to the client's currency at these rough rates.
RUPEES_PER = {"INR": 1, "USD": 83, "EUR": 90, "GBP": 105}


def price_in(rupees: int, currency: str) -> int:
    """A round price in ``currency``, in minor units, for a price set in rupees."""
    amount = rupees / RUPEES_PER.get(currency, 1)
    step = 500 if currency == "INR" else 50
    return max(step, round(amount / step) * step) * 100


@dataclass(frozen=True)
class Deliverable:
    name: str
    specialty: str  # a Specialty code
    hours: int
    rupees: int


@dataclass(frozen=True)
class Work:
    """A kind of project and the deliverables its plan starts from."""

    services: str
    deliverables: tuple[Deliverable, ...]


D = Deliverable
WORK: dict[str, Work] = {
    "seo": Work(
        "SEO",
        (
            D("Technical SEO audit", "seo", 16, 48_000),
            D("Keyword research and content map", "seo", 12, 36_000),
            D("On-page fixes for the top 20 pages", "seo", 20, 55_000),
            D("Four blog articles", "copywriting", 16, 32_000),
            D("Monthly ranking and traffic report", "analytics", 4, 12_000),
        ),
    ),
    "ppc": Work(
        "Contextual advertising (PPC)",
        (
            D("Account structure and keyword plan", "contextual-advertising", 10, 30_000),
            D("Ad copy for three campaigns", "copywriting", 8, 18_000),
            D("Landing page review", "usability", 8, 22_000),
            D("Conversion tracking set-up", "analytics", 6, 18_000),
            D("Bid and budget tuning, first month", "contextual-advertising", 12, 36_000),
        ),
    ),
    "usability": Work(
        "Usability audit",
        (
            D("Heuristic review of key journeys", "usability", 16, 52_000),
            D("Five user interviews", "usability", 20, 70_000),
            D("Funnel analysis in analytics", "analytics", 8, 24_000),
            D("Findings report with priorities", "usability", 8, 26_000),
            D("Microcopy rewrite for sign-up", "copywriting", 6, 15_000),
        ),
    ),
    "content": Work(
        "Content marketing, copywriting",
        (
            D("Content calendar for the quarter", "copywriting", 6, 15_000),
            D("Three long-form guides", "copywriting", 24, 60_000),
            D("SEO briefs for each guide", "seo", 6, 16_000),
            D("Newsletter sequence", "copywriting", 10, 25_000),
            D("Content performance dashboard", "analytics", 8, 22_000),
        ),
    ),
    "analytics": Work(
        "Analytics",
        (
            D("Measurement plan", "analytics", 10, 30_000),
            D("Tag manager and GA4 set-up", "analytics", 12, 36_000),
            D("Management dashboard", "analytics", 10, 30_000),
            D("Search Console and ads account linking", "contextual-advertising", 3, 8_000),
        ),
    ),
    "redesign": Work(
        "Website redesign, usability, SEO",
        (
            D("Wireframes of the key pages", "design", 24, 72_000),
            D("Usability review of the wireframes", "usability", 8, 24_000),
            D("Page copy", "copywriting", 16, 40_000),
            D("Front-end build", "development", 60, 180_000),
            D("SEO migration plan and redirects", "seo", 10, 30_000),
        ),
    ),
}

# What a client asks for during a negotiation, and what it says when it counters or rejects.
EXTRA: dict[str, Deliverable] = {
    "usability": D("Accessibility check of the sign-up flow", "usability", 8, 24_000),
    "content": D("Hindi versions of the guides", "copywriting", 12, 28_000),
    "redesign": D("Landing page for the trade fair", "design", 12, 36_000),
    "ppc": D("Remarketing campaign", "contextual-advertising", 6, 18_000),
    "seo": D("Local listings clean-up", "seo", 6, 15_000),
    "analytics": D("Call tracking", "analytics", 4, 12_000),
}
COUNTER = "Our budget for this is lower; can you do it for this price?"
REJECT = "We already have this done in-house; please take it out."
BLOCKED_ON_CLIENT = "Waiting for the client's product photos and brand guidelines."
BLOCKED_ON_TEAM = "Waiting for development to add the tracking script to the site."
COMMENTS = (
    "First draft shared in the project folder.",
    "Client asked for a simpler version; reworking the structure.",
    "Numbers checked against last month's report.",
    "Ready for review.",
    "Two questions for the client sent by email.",
)


@dataclass(frozen=True)
class Plot:
    """One project of the demo and how far it has come."""

    client: str  # the client's display name
    name: str
    work: str  # a key of WORK
    stage: str
    started: int  # days ago
    twist: str = ""  # a named story: see ``Builder.build``
    brief: str = ""  # "", "sent" (partly answered) or "answered"
    late: int = 0  # how many tasks run late
    blocked: str = ""  # "client" or "team": one task is blocked on it
    signs: str = ""  # "portal": the client's contact already in the portal becomes its approver


PLOTS: list[Plot] = [
    # Saffron Spice Co.'s portal contact approves plans: one waits for him, another shows progress.
    Plot("Saffron Spice Co.", "Festive season search ads", "ppc", Stage.PLANNING, 12, twist="awaiting",
         signs="portal"),
    Plot("Saffron Spice Co.", "SEO retainer", "seo", Stage.PRODUCTION, 48, twist="progress", late=1,
         signs="portal"),
    Plot("Saffron Spice Co.", "Recipe blog relaunch", "content", Stage.DONE, 160, signs="portal"),
    Plot("Kaveri Health", "Clinic pages local SEO", "seo", Stage.PRODUCTION, 55, late=2),
    Plot("Monsoon Travels", "Holiday packages search ads", "ppc", Stage.ACCEPTANCE, 70),
    Plot("Vidya Learning", "Course pages usability audit", "usability", Stage.PLANNING, 24,
         twist="negotiation"),
    Plot("Nagar Seva Digital Mission", "Citizen portal accessibility review", "usability",
         Stage.PRODUCTION, 40, blocked="client"),
    Plot("Coastal Cashews", "Export catalogue SEO", "seo", Stage.DONE, 130),
    Plot("Amrit Dairy", "Analytics set-up", "analytics", Stage.BRIEF, 6, brief="sent"),
    Plot("Sagar Seafoods", "Website redesign", "redesign", Stage.CANCELLED, 260),
    Plot("Thames & Tandoor", "Menu content sprint", "content", Stage.ON_HOLD, 90, twist="paused"),
    Plot("Bharat Steelworks", "Website redesign", "redesign", Stage.PRODUCTION, 75, twist="change", late=2),
    Plot("Bharat Steelworks", "Plant analytics dashboard", "analytics", Stage.BRIEF, 4),
    Plot("Ganga Fintech", "App onboarding usability audit", "usability", Stage.BRIEF, 9, brief="sent"),
    Plot("Ganga Fintech", "Search ads for credit cards", "ppc", Stage.PLANNING, 15, twist="draft"),
    Plot("Rangoli Textiles", "Export SEO", "seo", Stage.PRODUCTION, 50, late=1, blocked="team"),
    Plot("Nordlicht Reisen", "Summer campaign search ads", "ppc", Stage.PRODUCTION, 38, late=1),
    Plot("Nordlicht Reisen", "Booking funnel analytics", "analytics", Stage.DONE, 120),
    Plot("Pashmina House", "Winter collection ads", "ppc", Stage.ON_HOLD, 110),
    Plot("Mitti Ceramics", "Studio content sprint", "content", Stage.PLANNING, 20, twist="countered"),
    Plot("Urban Kirana", "Grocery app analytics", "analytics", Stage.CANCELLED, 300),
    Plot("Tiffin Express", "App store copy", "content", Stage.BRIEF, 3),
    Plot("Deccan Realty", "Project launch search ads", "ppc", Stage.PRODUCTION, 45, late=2),
    Plot("Deccan Realty", "Site analytics set-up", "analytics", Stage.DONE, 150),
    Plot("Himalayan Trail Outfitters", "Trek pages SEO", "seo", Stage.ACCEPTANCE, 80),
    Plot("Zaika Restaurants", "Restaurant local SEO", "seo", Stage.PRODUCTION, 35, blocked="client"),
    Plot("Kesari Motors", "Showroom landing pages", "redesign", Stage.ON_HOLD, 140),
    Plot("Jugnu Kids Books", "Catalogue content sprint", "content", Stage.PLANNING, 10, twist="proposed"),
    Plot("Prism Insurance Brokers", "Policy pages redesign", "redesign", Stage.CANCELLED, 280, twist="early"),
    Plot("Kulhad Chai House", "Outlet local SEO", "seo", Stage.BRIEF, 8, brief="answered"),
    Plot("Vidya Learning", "Exam season search ads", "ppc", Stage.PRODUCTION, 30),
]  # fmt: skip

SERVICE_OF_WORK = {
    "seo": "seo",
    "ppc": "contextual-advertising",
    "usability": "usability",
    "analytics": "analytics",
    "content": "copywriting",
    "redesign": "usability",
}
# Used where the installation has no template of its own for the service.
BRIEF_TEMPLATES: list[tuple[str, str, list[tuple[str, str, list[str], bool]]]] = [
    (
        "seo",
        "SEO brief",
        [
            ("Your website's address", BriefQuestion.Kind.URL, [], True),
            ("Who are your three main competitors online?", BriefQuestion.Kind.TEXT, [], True),
            ("Which regions do you sell in?", BriefQuestion.Kind.CHOICE, ["India", "Abroad", "Both"], True),
            ("Monthly organic visits today, roughly", BriefQuestion.Kind.NUMBER, [], False),
        ],
    ),
    (
        "usability",
        "Usability audit brief",
        [
            ("Which journey matters most to you?", BriefQuestion.Kind.TEXT, [], True),
            ("Link to the product or a test build", BriefQuestion.Kind.URL, [], True),
            ("Do you have analytics access to share?", BriefQuestion.Kind.CHOICE, ["Yes", "No"], True),
            ("Known complaints from users", BriefQuestion.Kind.TEXT, [], False),
        ],
    ),
    (
        "analytics",
        "Analytics brief",
        [
            ("What decisions should the data support?", BriefQuestion.Kind.TEXT, [], True),
            ("Your website's address", BriefQuestion.Kind.URL, [], True),
            ("Current tools", BriefQuestion.Kind.CHOICE, ["None", "GA4", "Other"], True),
        ],
    ),
]
ANSWERS: dict[str, str] = {
    BriefQuestion.Kind.TEXT: "Mostly repeat buyers from metro cities; mobile first.",
    BriefQuestion.Kind.NUMBER: "12000",
}


# The AM's own words at the top of the demo's status reports.
REPORT_WORDS = [
    "A good week: the audit is finished and the fixes for the top pages are under way. "
    "We need your product photos to finish the category pages.",
    "The first results are in and look promising. Next week we start on the content for the new pages.",
    "We are on schedule. Please look at the draft we sent on Tuesday so we can keep to the plan.",
]


@dataclass
class DemoProjects:
    """What ``demo_projects_create`` built."""

    projects: int = 0
    tasks: int = 0
    reports: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)


class StoryTime:
    """The story's time, relative to today: what the builders of the demo's domains share."""

    def __init__(self, *, rng: random.Random, now: dt.datetime) -> None:
        self.rng = rng
        self.now = now
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localdate(now)

    def moment(self, day: dt.date, *, hour: tuple[int, int] = (10, 17)) -> dt.datetime:
        """A working-hours moment on ``day`` (a weekend moves back to Friday), never in the future."""
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(self.rng.randint(*hour), self.rng.choice([0, 15, 30, 45])))
        return min(local.replace(tzinfo=self.zone).astimezone(dt.UTC), self.now - dt.timedelta(minutes=5))

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def at(self, when: dt.datetime, call: Callable[..., T], **kwargs: Any) -> T:
        with _clock(when):
            return call(**kwargs)

    @staticmethod
    def stamp(model: type[Model], pk: Any, when: dt.datetime, name: str = "created_at") -> None:
        """Give a row made under the story's clock the moment it was made (see the module docstring)."""
        model._default_manager.filter(pk=pk).update(**{name: when})

    def day_of(self, when: dt.datetime) -> dt.date:
        """The agency's calendar day of a moment."""
        return when.astimezone(self.zone).date()


class Builder(StoryTime):
    """Replays the plots through the services; one instance builds every project."""

    def __init__(self, *, seed: int, now: dt.datetime, password: str) -> None:
        super().__init__(rng=random.Random(seed * 7919 + 17), now=now)
        self.password = password
        self.head = User.objects.get(role=User.Role.HEAD, email__endswith=".example")
        self.specialties = {s.code: s for s in Specialty.objects.all()}
        self.templates: dict[str, BriefTemplate] = {}
        self.result = DemoProjects()

    # Status reports

    def reports(self) -> None:
        """Projects in production whose client sees tasks: a report published a week ago, then a draft
        of the next one on the first of them, so both the AM's and the client's pages have one."""
        projects = list(
            Project.objects.filter(
                stage__in=[Project.Stage.PRODUCTION, Project.Stage.ACCEPTANCE], tasks__visible_to_client=True
            )
            .select_related("owner", "client")
            .distinct()
            .order_by("id")
        )
        for index, project in enumerate(projects):
            when = self.moment(self.ago(7))
            report = self.at(when, report_draft, project=project, by=project.owner)
            summary = REPORT_WORDS[index % len(REPORT_WORDS)]
            self.at(when, report_update, report=report, by=project.owner, summary=summary)
            later = when + dt.timedelta(hours=1)
            self.at(later, report_publish, report=report, by=project.owner, notify=False)
            self.result.reports += 1
        if projects:
            project = projects[0]
            when = self.moment(self.today)
            draft = self.at(when, report_draft, project=project, by=project.owner)
            self.at(when, report_update, report=draft, by=project.owner, summary=REPORT_WORDS[-1])
            self.result.reports += 1

    # People

    def approver(self, client: Client, *, owner: User, when: dt.datetime, portal_first: bool) -> Contact:
        """The contact who answers and approves the client's plans in the portal.

        ``portal_first``: the contact already using the portal takes the approver role.
        """
        contacts = list(Contact.objects.filter(client=client).order_by("id"))
        chosen = next((c for c in contacts if c.portal_access and c.role == Contact.Role.APPROVER), None)
        if chosen is None and portal_first:
            chosen = next((c for c in contacts if c.portal_access), None)
        if chosen is None:
            chosen = next((c for c in contacts if c.role == Contact.Role.APPROVER), None)
        if chosen is None:
            chosen = next((c for c in contacts if c.role == Contact.Role.CHAMPION), contacts[0])
        if chosen.role != Contact.Role.APPROVER:
            chosen = self.at(when, contact_update, contact=chosen, by=owner, role=Contact.Role.APPROVER)
        return self.portal(chosen, owner=owner, when=when + dt.timedelta(minutes=10))

    def brief_contact(self, client: Client, *, owner: User, when: dt.datetime) -> Contact:
        """Who answers the brief: the contact already in the portal, else the approver or the champion."""
        contacts = list(Contact.objects.filter(client=client).order_by("id"))
        chosen = next((c for c in contacts if c.portal_access), None)
        chosen = chosen or next((c for c in contacts if c.role == Contact.Role.APPROVER), None)
        chosen = chosen or next((c for c in contacts if c.role == Contact.Role.CHAMPION), contacts[0])
        return self.portal(chosen, owner=owner, when=when)

    def portal(self, contact: Contact, *, owner: User, when: dt.datetime) -> Contact:
        if not contact.portal_access:
            contact = self.at(when, contact_set_portal_access, contact=contact, enabled=True, by=owner)
            User.objects.filter(contact=contact).update(password=self.password)
        contact.refresh_from_db()
        return contact

    def specialists(self, code: str) -> list[User]:
        return list(
            User.objects.filter(role=User.Role.SPECIALIST, specialties__code=code).order_by("full_name", "id")
        )

    # Briefs

    def template(self, work: str) -> BriefTemplate:
        """The brief template for a kind of work: the installation's own, or one the head makes."""
        service = SERVICE_OF_WORK[work]
        if service not in self.templates:
            found = BriefTemplate.objects.filter(service=service, active=True).order_by("id").first()
            if found is None:
                _service, name, questions = next(t for t in BRIEF_TEMPLATES if t[0] == service)
                when = self.moment(self.ago(200))
                found = self.at(when, brief_template_create, by=self.head, service=service, name=name)
                for text, kind, choices, required in questions:
                    self.at(when, brief_question_add, template=found, by=self.head, text=text, kind=kind,
                            choices=choices, required=required)  # fmt: skip
            self.templates[service] = found
        return self.templates[service]

    def run_brief(self, project: Project, plot: Plot, contact: Contact, day: dt.date) -> dt.date:
        """Send the brief; the contact answers part of it, or all of it and submits."""
        owner = project.owner
        template = self.template(plot.work)
        brief = self.at(
            self.moment(day), brief_send, project=project, template=template, contact=contact, by=owner
        )
        user = contact.user
        assert user is not None
        questions = list(template.questions.exclude(kind=BriefQuestion.Kind.FILE).order_by("order", "id"))
        day += dt.timedelta(days=1)
        if plot.brief == "sent":
            questions = questions[:2]
        for question in questions:
            value = ANSWERS.get(question.kind, "")
            if question.kind == BriefQuestion.Kind.URL:
                value = f"https://www.{contact.email.rsplit('@', 1)[1]}/"
            elif question.kind == BriefQuestion.Kind.CHOICE:
                value = question.choices[0]
            self.at(self.moment(day), brief_answer_save, brief=brief, by=user, question=question, value=value)
        if plot.brief == "answered" and not template.questions.filter(required=True, kind="file").exists():
            self.at(self.moment(day), brief_submit, brief=brief, by=user)
        return day + dt.timedelta(days=1)

    # Plans

    def price(self, rupees: int, currency: str) -> int:
        return price_in(rupees, currency)

    def draft(
        self, project: Project, plot: Plot, *, day: dt.date, due_from: dt.date, due_to: dt.date
    ) -> PlanVersion:
        """The first version, its items due evenly between two dates."""
        owner = project.owner
        when = self.moment(day)
        version = self.at(when, plan_version_create, project=project, by=owner)
        self.stamp(PlanVersion, version.pk, when)
        items = WORK[plot.work].deliverables
        span = max(0, (due_to - due_from).days)
        for number, item in enumerate(items):
            due = due_from + dt.timedelta(days=round(span * number / max(1, len(items) - 1)))
            self.at(
                when + dt.timedelta(minutes=5 + number),
                plan_item_add,
                version=version,
                by=owner,
                deliverable=item.name,
                specialty=self.specialties[item.specialty],
                estimate_minutes=item.hours * 60,
                due_date=due,
                price_minor=self.price(item.rupees, project.client.currency),
            )
        return version

    def propose(self, version: PlanVersion, owner: User, day: dt.date) -> dt.datetime:
        when = self.moment(day)
        self.at(when, plan_propose, version=version, by=owner)
        return when

    def agree(self, version: PlanVersion, owner: User, approver: User, day: dt.date) -> None:
        """The client accepts every item and approves; the AM approves for the company."""
        when = self.moment(day)
        for offset, item in enumerate(version.items.order_by("id")):
            self.answer(item, approver, when + dt.timedelta(minutes=offset), ItemDecision.Decision.ACCEPT)
        self.approve(version, approver, Approval.Side.CLIENT, when + dt.timedelta(minutes=20))
        self.approve(version, owner, Approval.Side.COMPANY, when + dt.timedelta(hours=2))

    def answer(self, item: PlanItem, by: User, when: dt.datetime, decision: str, **values: Any) -> None:
        answer = self.at(when, item_decide, item=item, by=by, decision=decision, **values)
        self.stamp(ItemDecision, answer.pk, when)

    def approve(self, version: PlanVersion, by: User, side: str, when: dt.datetime) -> None:
        approval = self.at(when, plan_approve, version=version, by=by, side=side)
        self.stamp(Approval, approval.pk, when)

    def negotiate(
        self, version: PlanVersion, owner: User, approver: User, day: dt.date, plot: Plot
    ) -> list[Any]:
        """The client accepts most items, counters one on price, rejects one and asks for more."""
        when = self.moment(day)
        items = list(version.items.order_by("id"))
        countered, rejected = items[1], items[-1]
        currency = version.project.client.currency
        for offset, item in enumerate(items):
            moment = when + dt.timedelta(minutes=offset)
            if item == countered:
                price = item.price_minor * 3 // 4 // 100 * 100
                self.answer(item, approver, moment, ItemDecision.Decision.COUNTER, comment=COUNTER,
                            proposed_price_minor=price)  # fmt: skip
            elif item == rejected:
                self.answer(item, approver, moment, ItemDecision.Decision.REJECT, comment=REJECT)
            else:
                self.answer(item, approver, moment, ItemDecision.Decision.ACCEPT)
        extra = EXTRA[plot.work]
        request = self.at(
            when + dt.timedelta(minutes=15),
            client_item_request,
            version=version,
            by=approver,
            deliverable=extra.name,
            comment="We would like this in the same plan.",
            proposed_price_minor=self.price(extra.rupees, currency),
        )
        self.stamp(ClientRequest, request.pk, when + dt.timedelta(minutes=15))
        return [countered, rejected, request]

    def revise(
        self, version: PlanVersion, owner: User, answered: list[Any], day: dt.date, plot: Plot
    ) -> PlanVersion:
        """The AM's next version: the countered price met halfway, the rejected item out, the request in."""
        countered, rejected, request = answered
        when = self.moment(day)
        draft = self.at(when, plan_version_create, project=version.project, by=owner, based_on=version,
                        note="Answers the client's comments on the previous version.")  # fmt: skip
        self.stamp(PlanVersion, draft.pk, when)
        items = {item.key: item for item in draft.items.all()}
        item = items[countered.key]
        self.at(when + dt.timedelta(minutes=5), plan_item_update, item=item, by=owner,
                price_minor=(countered.price_minor * 7 // 8) // 100 * 100)  # fmt: skip
        self.at(when + dt.timedelta(minutes=6), plan_item_remove, item=items[rejected.key], by=owner)
        extra = EXTRA[plot.work]
        self.at(
            when + dt.timedelta(minutes=8),
            plan_item_add,
            version=draft,
            by=owner,
            answers=request,
            specialty=self.specialties[extra.specialty],
            estimate_minutes=extra.hours * 60,
            due_date=max(item.due_date or self.today, self.today) + dt.timedelta(days=7),
            price_minor=self.price(extra.rupees, version.project.client.currency) * 9 // 10 // 100 * 100,
        )
        return draft

    # Tasks

    def run_tasks(
        self, project: Project, plot: Plot, version: PlanVersion, start: dt.date, end: dt.date
    ) -> None:
        """The agreed plan becomes tasks; specialists work them until ``end`` (today, or a pause)."""
        owner = project.owner
        when = self.moment(start)
        tasks = self.at(when, tasks_from_plan, version=version, by=owner)
        Task.objects.filter(pk__in=[t.pk for t in tasks]).update(created_at=when)
        self.result.tasks += len(tasks)
        finished = plot.stage in {Stage.ACCEPTANCE, Stage.DONE}
        past = [
            n for n, task in enumerate(tasks) if task.due_date and task.due_date < end - dt.timedelta(days=2)
        ]
        late = set(past[len(past) - plot.late :]) if plot.late else set()
        blocked = plot.blocked
        for number, task in enumerate(tasks):
            specialist = assignee_suggest(task)
            assert specialist is not None, task.specialty_id
            self.at(
                when + dt.timedelta(minutes=10 + number),
                task_assign,
                task=task,
                specialist=specialist,
                by=owner,
            )
            due = task.due_date or end
            began = min(max(start, due - dt.timedelta(days=self.rng.randint(4, 10))), end)
            if finished:
                last = number == len(tasks) - 1
                target = Status.IN_REVIEW if plot.stage == Stage.ACCEPTANCE and last else Status.DONE
            elif number in late:
                target = Status.IN_PROGRESS if number % 2 else Status.TO_DO
            elif due < end:
                target = Status.DONE
            elif blocked:
                target, blocked = Status.BLOCKED, ""
                began = max(start, min(began, end - dt.timedelta(days=3)))
            elif began < end - dt.timedelta(days=1):
                target = Status.IN_PROGRESS
            else:
                target = Status.TO_DO
            self.work(task, specialist, target, began=began, due=due, end=end, blocked_on=plot.blocked)
            if plot.twist == "progress" or (finished and number % 2 == 0):
                self.at(when + dt.timedelta(hours=1), task_set_visibility, task=task, by=owner, visible=True)

    def work(
        self,
        task: Task,
        specialist: User,
        target: str,
        *,
        began: dt.date,
        due: dt.date,
        end: dt.date,
        blocked_on: str,
    ) -> None:
        """One task's life: started, time logged on the days worked, reviewed, done or blocked."""
        if target == Status.TO_DO:
            return
        start = self.moment(began, hour=(9, 11))
        self.at(start, task_move, task=task, status=Status.IN_PROGRESS, by=specialist)
        stop = min(due, end) if target == Status.DONE else end
        days = max(1, (stop - began).days)
        worked = sorted(
            {began + dt.timedelta(days=self.rng.randint(0, days - 1)) for _ in range(min(3, days))}
        )
        # The first entry goes through the service (the timeline shows it); the rest are bulk rows.
        logs: list[TimeLog] = []
        for day in worked:
            minutes = self.rng.choice([60, 90, 120, 180, 240])
            moment = self.moment(day, hour=(15, 17))
            if moment <= start:
                moment = min(start + dt.timedelta(minutes=30), self.now - dt.timedelta(minutes=1))
            on = moment.astimezone(self.zone).date()  # a weekend's work is logged on the Friday
            if not logs:
                log = self.at(moment, time_log, task=task, by=specialist, minutes=minutes, on=on)
                self.stamp(TimeLog, log.pk, moment)
                logs.append(log)
            else:
                logs.append(TimeLog(task=task, user=specialist, minutes=minutes, on=on, created_at=moment))
        TimeLog.objects.bulk_create(logs[1:])
        if self.rng.random() < 0.4:
            moment = min(self.moment(worked[-1], hour=(16, 17)), self.now - dt.timedelta(minutes=1))
            comment = self.at(
                moment, task_comment_add, task=task, by=specialist, text=self.rng.choice(COMMENTS)
            )
            self.stamp(TaskComment, comment.pk, moment)
        finish = max(self.moment(stop, hour=(17, 18)), start + dt.timedelta(minutes=1))
        if target == Status.IN_REVIEW:
            self.at(finish, task_move, task=task, status=Status.IN_REVIEW, by=specialist)
        elif target == Status.DONE:
            self.at(finish, task_move, task=task, status=Status.DONE, by=specialist)
        elif target == Status.BLOCKED:
            reason = BLOCKED_ON_CLIENT if blocked_on == Task.BlockedOn.CLIENT else BLOCKED_ON_TEAM
            self.at(finish, task_move, task=task, status=Status.BLOCKED, by=specialist, blocked_on=blocked_on,
                    reason=reason)  # fmt: skip

    # Projects

    def build(self, plot: Plot) -> Project | None:
        client = Client.objects.filter(display_name=plot.client).select_related("owner").first()
        if client is None:
            return None
        owner = client.owner
        started = self.ago(plot.started)
        when = self.moment(started)
        lengths: dict[str, int] = {Stage.DONE: 90, Stage.CANCELLED: 60}
        length = lengths.get(plot.stage, plot.started + self.rng.randint(25, 80))
        work = WORK[plot.work]
        project = self.at(
            when,
            project_create,
            client=client,
            by=owner,
            name=plot.name,
            services=work.services,
            start_date=started,
            target_date=started + dt.timedelta(days=length),
            budget_minor=sum(self.price(d.rupees, client.currency) for d in work.deliverables),
            budget_hours=sum(d.hours for d in work.deliverables),
        )
        self.stamp(Project, project.pk, when)
        self.result.projects += 1
        self.result.by_stage[plot.stage] = self.result.by_stage.get(plot.stage, 0) + 1
        day = started + dt.timedelta(days=1)

        # The brief, answered in the portal.
        if plot.brief:
            contact = self.brief_contact(client, owner=owner, when=when)
            day = self.run_brief(project, plot, contact, day)
        if plot.stage == Stage.BRIEF:
            return project
        if plot.twist == "early":
            self.stage(
                project,
                Stage.CANCELLED,
                day + dt.timedelta(days=6),
                "The client spent the budget on a new store.",
            )
            return project
        self.at(self.moment(day), project_leave_brief_stage, project=project, by=owner,
                reason="Goals and access agreed on the kick-off call.")  # fmt: skip

        # The plan, negotiated with the client's approver.
        production_from = day + dt.timedelta(days=7)
        if plot.stage in {Stage.DONE, Stage.ACCEPTANCE}:
            due_to = self.ago(3 if plot.stage == Stage.ACCEPTANCE else max(5, plot.started - 80))
        elif plot.stage in {Stage.ON_HOLD, Stage.CANCELLED}:
            due_to = production_from + dt.timedelta(days=40)
        else:
            due_to = self.today + dt.timedelta(days=self.rng.randint(18, 35))
        due_from = production_from + dt.timedelta(days=5)
        version = self.draft(project, plot, day=day + dt.timedelta(days=1), due_from=due_from, due_to=due_to)
        if plot.twist == "draft":
            return project
        if plot.stage == Stage.CANCELLED:
            self.stage(
                project, Stage.CANCELLED, day + dt.timedelta(days=6), "The client chose to do it in-house."
            )
            return project
        if plot.stage == Stage.ON_HOLD and plot.twist == "paused":
            self.stage(project, Stage.ON_HOLD, day + dt.timedelta(days=4), "The client paused the retainer.")
            return project
        approver = self.approver(client, owner=owner, when=when, portal_first=plot.signs == "portal")
        assert approver.user is not None
        approver_user = approver.user
        self.propose(version, owner, day + dt.timedelta(days=2))
        if plot.twist == "proposed":
            return project
        if plot.twist == "awaiting":
            self.approve(
                version, owner, Approval.Side.COMPANY, self.moment(day + dt.timedelta(days=2), hour=(17, 18))
            )
            return project
        if plot.twist in {"negotiation", "countered"}:
            answered = self.negotiate(version, owner, approver_user, day + dt.timedelta(days=4), plot)
            draft = self.revise(version, owner, answered, day + dt.timedelta(days=6), plot)
            if plot.twist == "negotiation":
                self.propose(draft, owner, day + dt.timedelta(days=7))
            return project
        self.agree(version, owner, approver_user, day + dt.timedelta(days=5))
        version.refresh_from_db()

        # Production, then acceptance and done, or a pause.
        start = production_from
        self.stage(project, Stage.PRODUCTION, start)
        end = start + dt.timedelta(days=20) if plot.stage == Stage.ON_HOLD else self.today
        self.run_tasks(project, plot, version, start, end)
        if plot.stage == Stage.ON_HOLD:
            self.stage(project, Stage.ON_HOLD, end, "The client paused the work until next season's budget.")
        elif plot.stage in {Stage.ACCEPTANCE, Stage.DONE}:
            accepted = self.ago(2) if plot.stage == Stage.ACCEPTANCE else due_to + dt.timedelta(days=1)
            self.stage(project, Stage.ACCEPTANCE, accepted)
            if plot.stage == Stage.DONE:
                self.stage(project, Stage.DONE, accepted + dt.timedelta(days=4))
        if plot.twist == "change":
            self.change(project, owner, plot)
        return project

    def stage(self, project: Project, stage: str, day: dt.date, reason: str = "") -> None:
        self.at(
            self.moment(day), project_set_stage, project=project, by=project.owner, stage=stage, reason=reason
        )

    def change(self, project: Project, owner: User, plot: Plot) -> None:
        """The client asks for more once the plan is frozen: a change request the AM proposes and approves."""
        when = self.moment(self.ago(3))
        draft = self.at(when, plan_change_request, project=project, by=owner,
                        note="The client asked for a trade fair landing page.")  # fmt: skip
        self.stamp(PlanVersion, draft.pk, when)
        extra = EXTRA[plot.work]
        self.at(
            when + dt.timedelta(minutes=10),
            plan_item_add,
            version=draft,
            by=owner,
            deliverable=extra.name,
            specialty=self.specialties[extra.specialty],
            estimate_minutes=extra.hours * 60,
            due_date=self.today + dt.timedelta(days=21),
            price_minor=self.price(extra.rupees, project.client.currency),
        )
        self.propose(draft, owner, self.ago(2))
        self.approve(draft, owner, Approval.Side.COMPANY, self.moment(self.ago(2), hour=(17, 18)))


def demo_projects_create(*, seed: int, now: dt.datetime, password: str) -> DemoProjects:
    """Build every plot whose client exists (the caller built the agency's clients first)."""
    builder = Builder(seed=seed, now=now, password=password)
    # Oldest first: a contact's portal access and role change when their first project needs them.
    for plot in sorted(PLOTS, key=lambda plot: -plot.started):
        builder.build(plot)
    builder.reports()
    return builder.result
