"""The demo agency's document flow: contracts, NDAs, an addendum, acts of completed work, reports.

Built on the clients and projects the demo already has, through the documents services, so the
numbers, the client's answers and the timeline are the real thing. Every step is planned with the
moment it happened and the plan is replayed in time order (``agency._clock``): numbers are then
given in the order the documents were registered, as a registrar would have given them. Dates are
relative to today; what the services stamp from a model default (``created_at``, the moment of an
answer) is set afterwards to the story's moment, as in ``projects.py``.

The story, besides a master contract for every active client signed on paper and in force:
- a contract ending within a month (its renewal sent and waiting for the signature) and one whose
  last day to give notice is within two weeks, for the Today board and the reminders;
- two NDAs and an addendum signed in the portal, a new client's contract waiting, a churned
  client's contract terminated;
- acts from the done tasks of done, acceptance and production projects: accepted in the portal
  (name and IP address), one waiting for weeks, one fresh, one disputed, one draft, and a corrected
  act (a new version of an accepted one) sent again;
- a report from each published status report, and PDFs of two documents uploaded as files.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from khata.clients.models import Client, Contact, Interaction
from khata.core.agency import agency_get
from khata.demo.agency import _clock
from khata.demo.projects import StoryTime, price_in
from khata.documents.models import Document, DocumentDecision, DocumentFile, DocumentKind
from khata.documents.pdf import document_filename, document_pdf
from khata.documents.services import (
    act_line_update,
    act_lines_from_project,
    contract_terminate,
    document_accept,
    document_activate,
    document_create,
    document_dispute,
    document_file_add,
    document_revise,
    document_send,
    document_update,
    report_from_status_report,
)
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import StatusReport, Task

# A month of the retainer, in rupees, by the client's segment (the contract's value is a year of it).
MONTHLY_FEE = {"enterprise": 3_00_000, "mid": 1_20_000, "public": 1_50_000, "nonprofit": 40_000}
SMALL_FEE = 45_000

# The contract ending within a month (renewal sent) and the one whose notice date is near.
ENDING = "Nordlicht Reisen"
NOTICE = "Deccan Realty"
NEW_CLIENT = "Mitti Ceramics"  # a prospect: its first contract waits for the signature
NDAS = (("Ganga Fintech", 10), ("Bharat Steelworks", 5))  # (client, days ago it was sent)
ADDENDUM = ("Saffron Spice Co.", "SEO retainer")  # the master contract extended by a project
SCANNED = "Saffron Spice Co."  # its signed master contract has a scan uploaded

DISPUTE = "The landing-page copy was delivered after the agreed date"


@dataclass(frozen=True)
class ActPlot:
    """One act of the demo: whose project, and how far it has come."""

    client: str
    project: str
    fate: str  # "accepted", "corrected" (accepted, then a new version sent), "waiting", "disputed", "draft"
    sent: int = 0  # days ago it was sent (0: two days after the project's last task was done)


ACTS: list[ActPlot] = [
    ActPlot("Saffron Spice Co.", "Recipe blog relaunch", "accepted"),
    ActPlot("Coastal Cashews", "Export catalogue SEO", "accepted"),
    ActPlot("Nordlicht Reisen", "Booking funnel analytics", "accepted"),
    ActPlot("Deccan Realty", "Site analytics set-up", "corrected"),
    ActPlot("Kaveri Health", "Clinic pages local SEO", "accepted", sent=35),
    ActPlot("Nagar Seva Digital Mission", "Citizen portal accessibility review", "accepted", sent=13),
    ActPlot("Rangoli Textiles", "Export SEO", "waiting", sent=14),
    ActPlot("Himalayan Trail Outfitters", "Trek pages SEO", "waiting", sent=2),
    ActPlot("Monsoon Travels", "Holiday packages search ads", "disputed", sent=3),
    ActPlot("Bharat Steelworks", "Website redesign", "draft", sent=1),
]


@dataclass
class DemoDocuments:
    """What ``demo_documents_create`` built."""

    documents: int = 0
    files: int = 0


@dataclass
class _Paper:
    """A document of the plan; set once the step that drafts it has run."""

    document: Document | None = None

    @property
    def doc(self) -> Document:
        assert self.document is not None, "drafted by an earlier step"
        return self.document


@dataclass(order=True)
class _Step:
    when: dt.datetime
    order: int
    run: Callable[[], Any] = field(compare=False)


class Clerk(StoryTime):
    """Plans the documents of the demo, then replays the plan in time order."""

    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        super().__init__(rng=random.Random(seed * 6007 + 29), now=now)
        self.kinds = {kind.code: kind for kind in DocumentKind.objects.all()}
        self.agency = agency_get().legal_name or agency_get().name
        self.steps: list[_Step] = []
        self.masters: dict[int, _Paper] = {}  # the master contract of each client, by client id
        self.result = DemoDocuments()

    # The plan

    def plan(self, when: dt.datetime, run: Callable[[], Any]) -> dt.datetime:
        self.steps.append(_Step(when, len(self.steps), run))
        return when

    def replay(self) -> None:
        for step in sorted(self.steps):
            with _clock(step.when):
                step.run()

    # People

    @staticmethod
    def signatory(client: Client) -> Contact:
        """Who signs for the client on paper: the decision maker, else the first contact."""
        contacts = list(client.contacts.order_by("id"))
        return next((c for c in contacts if c.role == Contact.Role.DECISION_MAKER), contacts[0])

    @staticmethod
    def answerer(client: Client) -> Contact | None:
        """Who answers documents in the portal: the approver in the portal first."""
        contacts = [
            c
            for c in client.contacts.filter(portal_access=True, user__isnull=False).order_by("id")
            if c.role != Contact.Role.USER
        ]
        contacts.sort(key=lambda c: c.role != Contact.Role.APPROVER)
        return contacts[0] if contacts else None

    def ip_address(self) -> str:
        """An address from the documentation ranges (RFC 5737), never a real person's."""
        return f"{self.rng.choice(['203.0.113', '198.51.100'])}.{self.rng.randint(2, 254)}"

    # Steps shared by every kind

    def draft(
        self,
        paper: _Paper,
        when: dt.datetime,
        *,
        by: User,
        kind: str,
        client: Client,
        contract: _Paper | None = None,
        **values: Any,
    ) -> None:
        """A new draft, under the contract drafted by an earlier step when there is one."""

        def run() -> None:
            if contract is not None:
                values["contract"] = contract.doc
            paper.document = document_create(by=by, kind=self.kinds[kind], client=client, **values)
            self.stamp(Document, paper.doc.pk, when)

        self.plan(when, run)

    def send(self, paper: _Paper, when: dt.datetime, *, by: User, note: str = "") -> None:
        self.plan(when, lambda: document_send(document=paper.doc, by=by, note=note))

    def accept(self, paper: _Paper, when: dt.datetime, *, by: User, name: str, portal: bool) -> None:
        """The client's acceptance or signature: in the portal from an address, or on paper."""
        address = self.ip_address() if portal else None

        def run() -> None:
            decision = document_accept(
                document=paper.doc, by=by, name=name, ip_address=address, in_portal=portal
            )
            self.answered(decision, when)

        self.plan(when, run)

    def answered(self, decision: DocumentDecision, when: dt.datetime) -> None:
        self.stamp(DocumentDecision, decision.pk, when, name="at")
        self.stamp(Document, decision.document_id, when, name="decided_at")

    def attach(self, paper: _Paper, when: dt.datetime, *, by: User, note: str) -> None:
        """The document's own PDF, uploaded as its file (a scan of the signed copy, say)."""

        def run() -> None:
            document = Document.objects.select_related("kind", "client", "project").get(pk=paper.doc.pk)
            upload = SimpleUploadedFile(
                document_filename(document), document_pdf(document, language="en"), "application/pdf"
            )
            stored = document_file_add(document=document, by=by, file=upload, note=note)
            self.stamp(DocumentFile, stored.pk, when)
            self.result.files += 1

        self.plan(when, run)

    # Contracts

    def fee(self, client: Client) -> int:
        return price_in(MONTHLY_FEE.get(client.segment, SMALL_FEE) * 12, client.currency)

    def anniversary(self, start: dt.date, *, after: dt.date) -> dt.date:
        """The last day of the contract year that ends on or after ``after``."""
        years = 1
        while self.years_on(start, years) - dt.timedelta(days=1) < after:
            years += 1
        return self.years_on(start, years) - dt.timedelta(days=1)

    @staticmethod
    def years_on(day: dt.date, years: int) -> dt.date:
        try:
            return day.replace(year=day.year + years)
        except ValueError:  # 29 February
            return day.replace(year=day.year + years, day=28)

    def contract(
        self,
        client: Client,
        *,
        kind: str = "contract",
        title: str = "Master services agreement",
        start: dt.date,
        end: dt.date | None,
        sent: dt.datetime,
        signed: dt.datetime | None,
        portal: bool = False,
        active: bool = True,
        amount: int | None = None,
        master: _Paper | None = None,
        **terms: Any,
    ) -> _Paper:
        """A contract-like document drafted hours before it is sent, then signed and put in force."""
        owner = client.owner
        assert owner is not None
        paper = _Paper()
        drafted = sent - dt.timedelta(hours=self.rng.randint(3, 28))
        self.draft(
            paper,
            drafted,
            by=owner,
            kind=kind,
            client=client,
            title=title,
            date=self.day_of(sent),
            parties=f"{client.legal_name} and {self.agency}",
            start_date=start,
            end_date=end,
            amount_minor=self.fee(client) if amount is None else amount,
            contract=master,
            **terms,
        )
        self.send(paper, sent, by=owner)
        if signed is None:
            return paper
        contact = self.answerer(client) if portal else None
        if contact is not None and contact.user is not None:
            self.accept(paper, signed, by=contact.user, name=contact.full_name, portal=True)
        else:
            self.accept(paper, signed, by=owner, name=self.signatory(client).full_name, portal=False)
        if active:
            in_force = max(signed + dt.timedelta(minutes=30), self.moment(start))
            in_force = min(in_force, self.now - dt.timedelta(minutes=1))
            self.plan(in_force, lambda: document_activate(document=paper.doc, by=owner))
        return paper

    def masters_plan(self) -> None:
        """A master contract for every active client and for the churned ones (then terminated)."""
        clients = Client.objects.filter(status__in=[Client.Status.ACTIVE, Client.Status.CHURNED])
        for client in clients.select_related("owner").order_by("id"):
            start = client.partnership_since or self.day_of(client.created_at)
            sent = self.moment(start - dt.timedelta(days=5))
            signed = self.moment(start - dt.timedelta(days=2), hour=(11, 17))
            notice = 60 if client.segment == "enterprise" else 30
            renews = client.segment != "small" or client.pk % 2 == 0
            if client.display_name == ENDING:
                # A fixed term ending within a month, its notice date passed: the renewal is out.
                end = self.today + dt.timedelta(days=18)
                renews, notice = False, 30
            elif client.display_name == NOTICE:
                # Renews by itself unless notice is given within the next two weeks.
                end = self.today + dt.timedelta(days=70)
                renews, notice = True, 60
            elif client.status == Client.Status.CHURNED and client.churned_on is not None:
                end = self.anniversary(start, after=client.churned_on)
            else:
                # Far enough for neither the end nor the notice date to need the AM this month.
                end = self.anniversary(start, after=self.today + dt.timedelta(days=notice + 45))
            paper = self.contract(
                client,
                start=start,
                end=end,
                sent=sent,
                signed=signed,
                auto_renew=renews,
                renewal_months=12 if renews else None,
                notice_days=notice,
            )
            self.masters[client.pk] = paper
            if client.display_name == SCANNED:
                assert client.owner is not None
                self.attach(
                    paper,
                    self.moment(self.day_of(signed) + dt.timedelta(days=1)),
                    by=client.owner,
                    note="Signed copy, scanned",
                )
            if client.status == Client.Status.CHURNED and client.churned_on is not None:
                self.terminate(client, paper)
            if client.display_name == ENDING:
                self.renewal(client, end)

    def terminate(self, client: Client, paper: _Paper) -> None:
        assert client.owner is not None and client.churned_on is not None
        owner, on = client.owner, client.churned_on
        note = (
            Interaction.objects.filter(client=client, summary__startswith="Client ended the retainer:")
            .order_by("-occurred_at")
            .values_list("summary", flat=True)
            .first()
        )
        reason = note.split(":", 1)[1].split(".", 1)[0].strip() if note else ""
        reason = f"The client ended the retainer: {reason}." if reason else "The client ended the retainer."
        when = self.moment(on, hour=(16, 17))
        self.plan(when, lambda: contract_terminate(document=paper.doc, by=owner, on=on, reason=reason))

    def renewal(self, client: Client, ends: dt.date) -> None:
        start = ends + dt.timedelta(days=1)
        self.contract(
            client,
            title=f"Master services agreement from {start.day} {start:%B %Y}",
            start=start,
            end=self.years_on(start, 1) - dt.timedelta(days=1),
            sent=self.moment(self.ago(4)),
            signed=None,
            auto_renew=True,
            renewal_months=12,
            notice_days=30,
        )

    def others_plan(self) -> None:
        """NDAs and an addendum signed in the portal, and a new client's contract waiting."""
        by_name = {c.display_name: c for c in Client.objects.select_related("owner")}
        for name, days in NDAS:
            client = by_name.get(name)
            if client is None:
                continue
            sent = self.moment(self.ago(days))
            start = self.day_of(sent)
            self.contract(
                client,
                kind="nda",
                title="Mutual non-disclosure agreement",
                start=start,
                end=self.years_on(start, 3) - dt.timedelta(days=1),
                sent=sent,
                signed=sent + dt.timedelta(days=1, hours=2),
                portal=True,
                active=False,
                amount=0,
                master=self.masters.get(client.pk),
            )
        client = by_name.get(ADDENDUM[0])
        project = Project.objects.filter(client=client, name=ADDENDUM[1]).first() if client else None
        if client is not None and project is not None and project.start_date is not None:
            master = self.masters.get(client.pk)
            sent = self.moment(project.start_date - dt.timedelta(days=4))
            self.contract(
                client,
                kind="addendum",
                title=f"Addendum 1: {project.name}",
                start=project.start_date,
                end=None,
                sent=sent,
                signed=sent + dt.timedelta(days=2),
                portal=True,
                amount=project.budget_minor,
                master=master,
            )
        client = by_name.get(NEW_CLIENT)
        if client is not None:
            sent = self.moment(self.ago(6))
            start = self.day_of(sent) + dt.timedelta(days=14)
            self.contract(
                client,
                start=start,
                end=self.years_on(start, 1) - dt.timedelta(days=1),
                sent=sent,
                signed=None,
                auto_renew=True,
                renewal_months=12,
                notice_days=30,
            )

    # Acts

    def acts_plan(self) -> None:
        for plot in ACTS:
            project = (
                Project.objects.filter(client__display_name=plot.client, name=plot.project)
                .select_related("client", "owner")
                .first()
            )
            if project is not None and project.start_date is not None:
                self.act(project, plot)

    def act(self, project: Project, plot: ActPlot) -> None:
        """The done tasks up to the act's day on one act, and the client's answer to it."""
        owner, client = project.owner, project.client
        tasks = Task.objects.filter(project=project, status=Task.Status.DONE).order_by("done_at", "id")
        if plot.sent:
            sent = self.moment(self.ago(plot.sent))
        else:
            last = tasks.last()
            if last is None or last.done_at is None:
                return
            # Two days after the last task was done, on a working day, and never before it.
            day = self.day_of(last.done_at) + dt.timedelta(days=2)
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            sent = max(self.moment(day), last.done_at + dt.timedelta(hours=1))
        chosen = [task for task in tasks if task.done_at is not None and task.done_at < sent]
        if not chosen or owner is None:
            return
        assert project.start_date is not None
        period_end = max(self.day_of(sent) - dt.timedelta(days=1), project.start_date)
        title = (
            f"{project.name}: completed work"
            if project.stage in {Project.Stage.ACCEPTANCE, Project.Stage.DONE}
            else f"{project.name}: work to {period_end.day} {period_end:%B %Y}"
        )
        paper = _Paper()
        drafted = sent - dt.timedelta(hours=3)
        self.draft(
            paper,
            drafted,
            by=owner,
            kind="act",
            client=client,
            title=title,
            date=self.day_of(sent),
            project=project,
            period_start=project.start_date,
            period_end=period_end,
            contract=self.masters.get(client.pk),
        )
        ids = [task.pk for task in chosen]
        self.plan(
            drafted + dt.timedelta(minutes=10),
            lambda: act_lines_from_project(document=paper.doc, by=owner, task_ids=ids),
        )
        if plot.fate == "draft":
            return
        self.send(paper, sent, by=owner)
        contact = self.answerer(client)
        if plot.fate == "waiting" or contact is None or contact.user is None:
            return
        answered = min(
            sent + dt.timedelta(days=self.rng.randint(1, 4), hours=1), self.now - dt.timedelta(minutes=3)
        )
        user, name = contact.user, contact.full_name
        if plot.fate == "disputed":
            address = self.ip_address()

            def dispute() -> None:
                decision = document_dispute(
                    document=paper.doc, by=user, reason=DISPUTE, name=name, ip_address=address
                )
                self.answered(decision, answered)

            self.plan(answered, dispute)
            return
        self.accept(paper, answered, by=user, name=name, portal=True)
        if client.display_name == "Coastal Cashews":
            self.attach(paper, answered + dt.timedelta(hours=1), by=owner, note="The act as accepted")
        if plot.fate == "corrected":
            self.correct(paper, owner)

    def correct(self, paper: _Paper, owner: User) -> None:
        """A new version of an accepted act, its hours corrected, sent yesterday."""
        revised = _Paper()
        when = self.moment(self.ago(2))

        def revise() -> None:
            revised.document = document_revise(document=paper.doc, by=owner)
            self.stamp(Document, revised.doc.pk, when)
            first = revised.doc.lines.order_by("position", "id").first()
            if first is None:
                return
            act_line_update(line=first, by=owner, minutes=max(60, first.minutes - 90))
            document_update(
                document=revised.doc,
                by=owner,
                title=f"{paper.doc.title} (corrected hours)",
                note=f"An hour and a half of {first.deliverable.lower()} was counted twice; "
                "corrected at the client's request.",
            )

        self.plan(when, revise)
        sent = min(
            max(self.moment(self.ago(1)), when + dt.timedelta(hours=2)), self.now - dt.timedelta(minutes=2)
        )
        self.send(revised, sent, by=owner, note="Corrected hours, as agreed on the call.")

    # Reports

    def reports_plan(self) -> None:
        """Each published status report in the register, sent (a report needs no answer)."""
        published = (
            StatusReport.objects.filter(status=StatusReport.Status.PUBLISHED, published_at__isnull=False)
            .select_related("project__owner")
            .order_by("published_at", "id")
        )
        for report in published:
            owner = report.project.owner
            assert report.published_at is not None and owner is not None
            when = min(report.published_at + dt.timedelta(minutes=30), self.now - dt.timedelta(minutes=2))
            paper = _Paper()

            def run(
                report: StatusReport = report,
                owner: User = owner,
                paper: _Paper = paper,
                when: dt.datetime = when,
            ) -> None:
                document = report_from_status_report(
                    status_report=report, by=owner, kind=self.kinds["report"]
                )
                # Dated the day of the status report, as it would have been made that day.
                Document.objects.filter(pk=document.pk).update(created_at=when, date=self.day_of(when))
                paper.document = document

            self.plan(when, run)
            self.send(paper, when + dt.timedelta(minutes=1), by=owner)


def demo_documents_create(*, seed: int, now: dt.datetime) -> DemoDocuments:
    """Build the documents of the demo (the caller built the clients, projects and reports first)."""
    clerk = Clerk(seed=seed, now=now)
    clerk.masters_plan()
    clerk.others_plan()
    clerk.acts_plan()
    clerk.reports_plan()
    clerk.replay()
    clerk.result.documents = Document.objects.count()  # the demo loads into an empty database
    return clerk.result
