"""The demo agency's claims and surveys: a claim at every stage of its life, and six months of answers.

Built through the care services under the story's clock (``agency._clock``), so the SLA due times
come from the agency's working calendar and every step is on the client's timeline. The story,
relative to today:
- Saffron Spice Co. filed a claim in the portal this morning (new);
- Kulhad Chai House rang yesterday about a late menu shoot; the AM acknowledged it;
- Ganga Fintech's claim about the app-store copy is in progress with two corrective actions, one done;
- Vidya Learning's broken course pages are fixed and wait for the client's word (resolved);
- Coastal Cashews confirmed the fix of its catalogue translation (closed), with a goodwill credit;
- Kaveri Health never answered about its clinic listings: closed automatically after a week;
- Nordlicht Reisen's booking tracking was fixed, failed again and was reopened once;
- Bharat Steelworks' critical downtime claim was acknowledged eight working days ago and is still
  being worked: it has broken its resolution SLA;
- Monsoon Travels' disputed act opened its claim (``claim_from_disputed_act``), acknowledged;
- older claims, closed, over the last six months, so the analysis has reasons and root causes.
Surveys (NPS and CSAT) went to the clients' contacts over the last six months; most were answered,
a few by detractors, and some still wait in the portal.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils import timezone

from khata.care.models import Claim, ReasonCode, RootCause, Survey, SurveyAnswer
from khata.care.services import (
    claim_acknowledge,
    claim_close_unconfirmed,
    claim_confirm,
    claim_file,
    claim_from_disputed_act,
    claim_reopen,
    claim_resolve,
    claim_start,
    corrective_action_add,
    corrective_action_complete,
    goodwill_record,
)
from khata.clients.models import Client, Contact
from khata.demo.agency import _clock
from khata.demo.projects import StoryTime
from khata.documents.models import Document, DocumentDecision
from khata.people.models import User

T = TypeVar("T")


@dataclass
class DemoCare:
    """What ``demo_care_create`` built."""

    claims: int = 0
    surveys: int = 0
    answers: int = 0


# Why the clients answered as they did (score band → reasons they gave).
PRAISE = (
    "Quick answers and the reports are always on time.",
    "The team understands our customers.",
    "Arjun's weekly call keeps us on track.",
    "Good results from the search campaign.",
    "",
)
PASSIVE = (
    "Good work, but the reports could come earlier.",
    "Fine overall; the designs needed two rounds more than planned.",
    "",
)
COMPLAINTS = (
    "The launch slipped twice this quarter.",
    "Hard to reach anyone while our campaign was down.",
    "We had to chase the invoice corrections.",
)
# Older closed claims: (client, reason, root cause, severity, days ago, title).
HISTORY = (
    ("Saffron Spice Co.", "quality", "performer", "normal", 170, "Recipe images uploaded without alt text"),
    ("Ganga Fintech", "deadline", "process", "high", 150, "Monthly SEO report came a week late"),
    ("Kulhad Chai House", "communication", "communication", "low", 128, "No reply to the menu brief"),
    ("Bharat Steelworks", "billing", "billing", "normal", 110, "Invoice charged hours of a cancelled sprint"),
    ("Vidya Learning", "expectations", "expectation", "normal", 90, "Expected more leads from the campaign"),
    ("Coastal Cashews", "quality", "quality", "normal", 72, "Broken links in the export catalogue"),
    ("Monsoon Travels", "specialist", "performer", "high", 55, "Ads ran with last season's prices"),
    ("Saffron Spice Co.", "deadline", "process", "normal", 33, "Festive banners came after the sale began"),
)  # fmt: skip


class _Desk:
    """The care desk of the demo: files and works claims as the story's people, at the story's times."""

    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.time = StoryTime(rng=random.Random(seed + 6), now=now)
        self.rng = self.time.rng
        self.now = now
        self.result = DemoCare()
        self.clients = {client.display_name: client for client in Client.objects.select_related("owner")}
        self.specialists = list(User.objects.filter(role=User.Role.SPECIALIST, is_active=True).order_by("id"))

    def at(self, when: dt.datetime, call: Callable[..., T], **kwargs: Any) -> T:
        with _clock(when if when < self.now else self.now - dt.timedelta(minutes=1)):
            return call(**kwargs)

    def moment(self, days: int, hour: tuple[int, int] = (10, 16)) -> dt.datetime:
        return self.time.moment(self.time.ago(days), hour=hour)

    def am(self, client: Client) -> User:
        assert client.owner is not None
        return client.owner

    def portal_user(self, client: Client) -> User | None:
        return User.objects.filter(
            contact__client=client, contact__portal_access=True, is_active=True
        ).first()

    def specialist(self) -> User | None:
        return self.rng.choice(self.specialists) if self.specialists else None

    def file(
        self, name: str, *, reason: str, title: str, when: dt.datetime, severity: str = "normal",
        description: str = "", in_portal: bool = False,
    ) -> Claim | None:  # fmt: skip
        client = self.clients.get(name)
        if client is None:
            return None
        by = (self.portal_user(client) if in_portal else None) or self.am(client)
        claim = self.at(
            when, claim_file, by=by, client=client, reason=ReasonCode.objects.get(code=reason), title=title,
            description=description, severity=severity, received_at=when,
        )  # fmt: skip
        self.result.claims += 1
        return claim

    def work(self, claim: Claim, *, ack: dt.datetime, start: dt.datetime, actions: list[str]) -> Claim:
        am = self.am(claim.client)
        claim = self.at(
            ack, claim_acknowledge, claim=claim, by=am, note="We are on it and will call you today."
        )
        claim = self.at(start, claim_start, claim=claim, by=am)
        due = self.time.day_of(start) + dt.timedelta(days=5)
        for description in actions:
            self.at(
                start + dt.timedelta(minutes=20), corrective_action_add, claim=claim, by=am,
                description=description, owner=self.specialist(), due_date=due,
            )  # fmt: skip
        return claim

    def resolve(
        self, claim: Claim, *, when: dt.datetime, cause: str, resolution: str, preventive: str
    ) -> Claim:
        am = self.am(claim.client)
        for action in claim.actions.filter(done_at__isnull=True):
            self.at(when - dt.timedelta(hours=1), corrective_action_complete, action=action, by=am)
        return self.at(
            when, claim_resolve, claim=claim, by=am, resolution=resolution,
            root_cause=RootCause.objects.get(code=cause), preventive_action=preventive,
        )  # fmt: skip

    def answerer(self, claim: Claim) -> User:
        return self.portal_user(claim.client) or self.am(claim.client)

    # The stories

    def stages(self) -> None:
        # New: filed in the portal this morning (two hours ago, or at midnight when the day is younger).
        midnight = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        self.file(
            "Saffron Spice Co.", reason="quality", in_portal=True,
            when=max(self.now - dt.timedelta(hours=2), midnight),
            title="Product pages show the old pack sizes",
            description="The 200 g packs became 250 g last month but the shop pages still say 200 g.",
        )  # fmt: skip
        # Acknowledged: a phone call yesterday.
        claim = self.file(
            "Kulhad Chai House", reason="deadline", when=self.moment(1, (10, 12)),
            title="Menu photo shoot moved twice without notice",
            description="Raised by phone: the owner lost a day waiting for the photographer.",
        )  # fmt: skip
        if claim:
            self.at(
                claim.received_at + dt.timedelta(hours=1),
                claim_acknowledge,
                claim=claim,
                by=self.am(claim.client),
            )
        # In progress with corrective actions, one of them done.
        claim = self.file(
            "Ganga Fintech", reason="quality", when=self.moment(2, (10, 11)),
            title="App-store description has compliance mistakes",
            description="The interest rates in the copy are not the ones approved by our compliance team.",
        )  # fmt: skip
        if claim:
            claim = self.work(
                claim, ack=claim.received_at + dt.timedelta(minutes=40),
                start=claim.received_at + dt.timedelta(hours=2),
                actions=["Replace the rates with the approved sheet and resubmit to the store",
                         "Add the compliance review to the copy checklist"],
            )  # fmt: skip
            first = claim.actions.order_by("id").first()
            if first is not None:
                self.at(claim.received_at + dt.timedelta(hours=5), corrective_action_complete,
                        action=first, by=self.am(claim.client))  # fmt: skip
        # Resolved, waiting for the client's word.
        claim = self.file(
            "Vidya Learning", reason="quality", when=self.moment(6),
            title="Course pages broken on mobile after the redesign",
        )  # fmt: skip
        if claim:
            claim = self.work(claim, ack=claim.received_at + dt.timedelta(hours=1),
                              start=claim.received_at + dt.timedelta(hours=3),
                              actions=["Fix the course grid on small screens"])  # fmt: skip
            self.resolve(
                claim, when=self.moment(2), cause="quality",
                resolution="The grid is fixed and tested on Android and iOS phones.",
                preventive="Mobile checks are part of every release review.",
            )  # fmt: skip
        # Closed: the client confirmed the fix, and got a goodwill credit.
        claim = self.file(
            "Coastal Cashews", reason="quality", when=self.moment(24),
            title="German catalogue translated by machine",
            description="Our distributor in Hamburg found paragraphs that read like a machine translation.",
        )  # fmt: skip
        if claim:
            claim = self.work(claim, ack=claim.received_at + dt.timedelta(hours=2),
                              start=claim.received_at + dt.timedelta(hours=4),
                              actions=["Have a native speaker translate the catalogue again"])  # fmt: skip
            claim = self.resolve(
                claim, when=self.moment(17), cause="performer",
                resolution="A native German translator rewrote the catalogue; the distributor approved it.",
                preventive="Translations go to native speakers only, with a second reader.",
            )  # fmt: skip
            currency = claim.client.currency
            self.at(
                self.moment(17), goodwill_record, claim=claim, by=self.am(claim.client), kind="credit",
                value_minor=15_000_00 if currency == "INR" else 150_00,
                note="Credit on the next invoice for the week the catalogue was wrong.",
            )  # fmt: skip
            self.at(self.moment(15), claim_confirm, claim=claim, by=self.answerer(claim),
                    note="The new catalogue reads well, thank you.")  # fmt: skip
        # Closed automatically: the client never answered.
        claim = self.file("Kaveri Health", reason="communication", when=self.moment(30),
                          title="Clinic timings wrong on the map listings")  # fmt: skip
        if claim:
            claim = self.work(claim, ack=claim.received_at + dt.timedelta(hours=1),
                              start=claim.received_at + dt.timedelta(hours=2),
                              actions=["Correct the timings of all six clinics on the listings"])  # fmt: skip
            claim = self.resolve(
                claim, when=self.moment(26), cause="communication",
                resolution="All six listings show the new timings.",
                preventive="Clinic changes reach the AM through a shared form.",
            )  # fmt: skip
            assert claim.resolved_at is not None
            later = claim.resolved_at + dt.timedelta(days=8)
            self.at(later, claim_close_unconfirmed, claim=claim, now=min(later, self.now))
        # Reopened once: the fix did not hold.
        claim = self.file("Nordlicht Reisen", reason="quality", severity="low", when=self.moment(8),
                          title="Bookings no longer reach the analytics")  # fmt: skip
        if claim:
            claim = self.work(claim, ack=claim.received_at + dt.timedelta(minutes=30),
                              start=claim.received_at + dt.timedelta(hours=1),
                              actions=["Restore the purchase event on the confirmation page"])  # fmt: skip
            claim = self.resolve(
                claim, when=self.moment(6), cause="process",
                resolution="The purchase event fires again on the confirmation page.",
                preventive="Tracking is tested after each release of the booking site.",
            )  # fmt: skip
            self.at(self.moment(3), claim_reopen, claim=claim, by=self.answerer(claim),
                    reason="Bookings paid by invoice are still missing.")  # fmt: skip
        # Breaching its SLA: high, filed eight working days ago, still being worked.
        claim = self.file(
            "Bharat Steelworks", reason="deadline", severity="high", when=self.moment(11, (10, 11)),
            title="Dealer locator down since the hosting move",
            description="Dealers cannot find the nearest depot; the sales team gets the calls.",
        )  # fmt: skip
        if claim:
            self.work(claim, ack=claim.received_at + dt.timedelta(hours=3),
                      start=claim.received_at + dt.timedelta(days=1),
                      actions=["Move the locator's database to the new host",
                               "Monitor the locator page every five minutes"])  # fmt: skip

    def disputed_act(self) -> None:
        """The disputed act of Monsoon Travels opens its claim."""
        decision = (
            DocumentDecision.objects.filter(
                document__client__display_name="Monsoon Travels", decision=DocumentDecision.Decision.DISPUTED
            )
            .select_related("document")
            .order_by("-at")
            .first()
        )
        if decision is None:
            return
        document: Document = decision.document
        claim = self.at(decision.at + dt.timedelta(minutes=10), claim_from_disputed_act, document=document)
        self.result.claims += 1
        if claim.status == Claim.Status.NEW:
            note = "We will review the dates with you on Monday."
            self.at(decision.at + dt.timedelta(hours=2), claim_acknowledge, claim=claim,
                    by=self.am(claim.client), note=note)  # fmt: skip

    def history(self) -> None:
        for name, reason, cause, severity, days, title in HISTORY:
            claim = self.file(name, reason=reason, severity=severity, when=self.moment(days), title=title)
            if claim is None:
                continue
            claim = self.work(claim, ack=claim.received_at + dt.timedelta(hours=self.rng.randint(1, 6)),
                              start=claim.received_at + dt.timedelta(hours=8),
                              actions=["Correct it and check the rest of the deliverable"])  # fmt: skip
            claim = self.resolve(
                claim, when=self.moment(days - 3), cause=cause,
                resolution="Corrected and checked with the client.",
                preventive="Added to the review checklist.",
            )  # fmt: skip
            self.at(self.moment(days - 5), claim_confirm, claim=claim, by=self.answerer(claim))

    def surveys(self) -> None:
        """NPS and CSAT answers over the last six months; a few detractors; two waiting in the portal."""
        rng = self.rng
        contacts = list(
            Contact.objects.filter(client__status="active")
            .select_related("client")
            .order_by("client_id", "id")
        )
        firsts: dict[int, Contact] = {}
        for contact in contacts:
            if contact.portal_access or contact.client_id not in firsts:
                firsts[contact.client_id] = contact
        detractors = 0
        for n, contact in enumerate(firsts.values()):
            for month in range(6):
                pending = month == 0 and contact.portal_access
                if rng.random() < 0.35 and not pending:
                    continue
                kind = Survey.Kind.NPS if (n + month) % 2 == 0 else Survey.Kind.CSAT
                sent = self.moment(month * 30 + rng.randint(2, 25))
                unanswered = pending
                survey = Survey.objects.create(
                    kind=kind, trigger="quarterly" if kind == Survey.Kind.NPS else "act_accepted",
                    client=contact.client, contact=contact, sent_at=sent,
                    expires_at=(self.now if unanswered else sent) + dt.timedelta(days=14),
                )  # fmt: skip
                self.result.surveys += 1
                if unanswered:
                    continue
                low = detractors < 6 and rng.random() < 0.18
                if kind == Survey.Kind.NPS:
                    score = rng.randint(2, 6) if low else rng.choice((7, 8, 8, 9, 9, 9, 10, 10))
                else:
                    score = rng.randint(1, 2) if low else rng.choice((3, 4, 4, 5, 5))
                detractors += low
                why = rng.choice(COMPLAINTS if low else PASSIVE if score in (7, 8, 3) else PRAISE)
                answered = min(
                    sent + dt.timedelta(hours=rng.randint(2, 72)), self.now - dt.timedelta(minutes=5)
                )
                SurveyAnswer.objects.create(
                    survey=survey,
                    kind=kind,
                    score=score,
                    why=why,
                    in_portal=contact.portal_access,
                    at=answered,
                )
                Survey.objects.filter(pk=survey.pk).update(answered_at=answered)
                self.result.answers += 1


def demo_care_create(*, seed: int, now: dt.datetime) -> DemoCare:
    """Build the claims and surveys of the demo (the caller built clients, documents and billing first)."""
    desk = _Desk(seed=seed, now=now)
    desk.history()
    desk.stages()
    desk.disputed_act()
    desk.surveys()
    return desk.result
