"""The demo agency: a believable agency with 18 months of relationship history, built through the services.

The story is replayed in time order per client: every write runs with the clock set to the moment
it happened (``_clock``), so the services stamp the timeline, status dates and interactions as the
agency lived them, and every event is written by the same service a user's action would call.
Randomness is seeded, so the same seed tells the same story (relative to today).
"""

from __future__ import annotations

import datetime as dt
import random
import string
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest import mock

import phonenumbers
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from stdnum.in_ import gstin
from stdnum.us import ein

from khata.clients.models import Client, Contact, Interaction
from khata.clients.services import (
    client_create,
    client_update,
    contact_create,
    contact_set_portal_access,
    interaction_log,
    next_step_complete,
    tags_from_names,
)
from khata.core.agency import agency_update
from khata.demo import data
from khata.people.models import Specialty, User

DEMO_PASSWORD = data.DEMO_PASSWORD
HISTORY_DAYS = 548  # eighteen months


@dataclass
class DemoLogin:
    """One sign-in the demo offers, as printed for the person trying Khata."""

    role: str
    name: str
    email: str


@dataclass
class DemoAgency:
    """What ``demo_agency_create`` built."""

    logins: list[DemoLogin] = field(default_factory=list)
    clients: int = 0
    contacts: int = 0
    interactions: int = 0
    projects: int = 0
    tasks: int = 0
    reports: int = 0
    documents: int = 0
    invoices: int = 0
    claims: int = 0


def agency_domain() -> str:
    """The demo agency's email domain, from its name (``khata-agency.example``)."""
    return f"{slugify(settings.KHATA_AGENCY_NAME) or 'agency'}.example"


def staff_email(name: str) -> str:
    return f"{slugify(name).replace('-', '.')}@{agency_domain()}"


def demo_has_data() -> bool:
    """Whether the database already holds clients or the demo agency's people."""
    return (
        Client.objects.exists()
        or User.objects.filter(email__in=[staff_email(p.name) for p in data.STAFF]).exists()
    )


def demo_logins() -> list[DemoLogin]:
    """The demo's sign-ins that exist in this database: staff first, then portal contacts."""
    wanted = [p for p in data.STAFF if p.role != User.Role.SPECIALIST]
    wanted.insert(4, next(p for p in data.STAFF if "seo" in p.specialties))
    emails = [staff_email(p.name) for p in wanted]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    logins = [
        DemoLogin(str(users[e].get_role_display()), users[e].full_name, e) for e in emails if e in users
    ]
    if not logins:
        return []
    contacts = (
        Contact.objects.filter(portal_access=True, user__isnull=False, email__endswith=".example")
        .select_related("client")
        .order_by("id")
    )
    # One contact per client, the portal's own demo companies first (approvers of other clients
    # sign in too, but these tell the portal's story best).
    first: dict[int, Contact] = {}
    for contact in sorted(contacts[:100], key=lambda c: c.client.display_name not in data.PORTAL_COMPANIES):
        first.setdefault(contact.client_id, contact)
    logins += [
        DemoLogin(f"{User.Role.CONTACT.label} ({c.client.display_name})", c.full_name, c.email)
        for c in list(first.values())[:5]
    ]
    return logins


@contextmanager
def _clock(at: dt.datetime) -> Iterator[None]:
    """Run the writes inside as if it were ``at`` (see the module's docstring)."""
    with mock.patch.object(timezone, "now", new=lambda: at):
        yield


class _Story:
    """The seeded story-teller: one instance builds one agency."""

    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.today = timezone.localdate(now)
        self.password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
        self.used_tax_ids: set[str] = set()
        self.result = DemoAgency()

    # People of the agency

    def staff(self) -> dict[str, list[User]]:
        specialties = {
            code: Specialty.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in data.SPECIALTIES
        }
        by_role: dict[str, list[User]] = {}
        for person in data.STAFF:
            head = person.role == User.Role.HEAD
            user = User.objects.create(
                email=staff_email(person.name),
                full_name=person.name,
                role=person.role,
                language=person.language,
                password=self.password,
                is_staff=head,
                is_superuser=head,
                date_joined=self.now - dt.timedelta(days=HISTORY_DAYS + self.rng.randint(30, 900)),
            )
            user.specialties.set([specialties[code] for code in person.specialties])
            by_role.setdefault(person.role, []).append(user)
        return by_role

    # Identifiers with valid check digits

    def _digits(self, count: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(count))

    def tax_id(self, company: data.Company) -> str:
        while True:
            number = self._tax_id_candidate(company)
            if number not in self.used_tax_ids:
                self.used_tax_ids.add(number)
                return number

    def _tax_id_candidate(self, company: data.Company) -> str:
        country = company.country
        if country == "IN":
            return gstin_make(self.rng, state=company.region, name=company.legal_name)
        if country == "US":
            while True:
                number = f"{self.rng.randint(10, 88)}-{self._digits(7)}"
                if ein.is_valid(number):
                    return number
        if country == "GB":
            while True:
                number = "GB" + self._digits(9)
                if gb_vat.is_valid(number):
                    return str(gb_vat.compact(number))
        while True:
            body = (
                self._digits(9) + "B01"
                if country == "NL"
                else self._digits({"FR": 11, "LV": 11}.get(country, 9))
            )
            if country == "LV":
                body = "4" + body[1:]  # a company, not a person
            number = country + body
            if eu_vat.is_valid(number):
                return str(eu_vat.compact(number))

    def phone(self, country: str) -> str:
        prefix, digits = PHONE_PLANS[country]
        while True:
            number = prefix + self._digits(digits)
            if phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
                return number

    # Time

    def at(self, day: dt.date, *, hour: tuple[int, int] = (10, 18)) -> dt.datetime:
        """A working-hours moment on ``day`` (a weekend moves back to Friday), in UTC."""
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        local = dt.datetime.combine(
            day, dt.time(self.rng.randint(*hour), self.rng.choice([0, 10, 15, 30, 40, 45])), self.zone
        )
        return local.astimezone(dt.UTC)

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    # Clients

    def client(
        self, company: data.Company, *, owner: User, backup: User | None, head: User, untouched: bool
    ) -> tuple[Client, list[Contact]]:
        rng = self.rng
        status = company.status
        created_ago = {
            "active": rng.randint(200, HISTORY_DAYS),
            "paused": rng.randint(300, HISTORY_DAYS),
            "churned": rng.randint(380, HISTORY_DAYS),
            "prospect": rng.randint(25, 120),
        }[status]
        started = self.at(self.days_ago(created_ago))
        author = head if company.segment == "enterprise" else owner
        with _clock(started):
            client = client_create(
                by=author,
                display_name=company.display_name,
                legal_name=company.legal_name,
                tax_id=self.tax_id(company),
                country=company.country,
                currency=company.currency or data.CURRENCY_OF_COUNTRY[company.country],
                billing_address=rng.choice(data.ADDRESSES[company.region]),
                segment=company.segment,
                status=Client.Status.PROSPECT,
                owner=owner,
                backup=backup,
                payment_terms_days=rng.choice([15, 30, 30, 30, 45, 60]),
                tags=tags_from_names(list(company.tags)),
            )
        Client.objects.filter(pk=client.pk).update(created_at=started)
        self.result.clients += 1
        contacts = self.contacts(client, company, at=started + dt.timedelta(hours=1), by=owner)

        # Status changes, each on its own day.
        active_from = started + dt.timedelta(days=rng.randint(14, 45)) if status != "prospect" else None
        stop: dt.datetime | None = None  # when the relationship went quiet
        if active_from is not None:
            with _clock(active_from):
                client_update(client=client, by=owner, status=Client.Status.ACTIVE)
        if status == "paused":
            stop = self.at(self.days_ago(rng.randint(35, 110)))
        elif status == "churned":
            stop = self.at(self.days_ago(rng.randint(60, 250)))
        elif untouched:
            stop = self.at(self.days_ago(rng.randint(36, 75)))

        self.history(
            client, company, contacts, owner=owner, backup=backup, head=head, start=started, stop=stop
        )
        if status in {"paused", "churned"} and stop is not None:
            reason = rng.choice(data.PAUSE_REASONS if status == "paused" else data.CHURN_REASONS)
            with _clock(stop):
                interaction_log(
                    client=client,
                    by=owner,
                    contacts=contacts[:1],
                    kind=Interaction.Kind.NOTE,
                    occurred_at=stop,
                    summary=(
                        f"Retainer paused: {reason}. They expect to restart next quarter."
                        if status == "paused"
                        else f"Client ended the retainer: {reason}. Exit call done, handover files sent."
                    ),
                    sentiment="negative" if status == "churned" else "neutral",
                )
            with _clock(stop + dt.timedelta(minutes=20)):
                client_update(client=client, by=owner, status=status)
            if status == "paused":
                # A paused client still gets the odd courtesy touch.
                self.history(
                    client,
                    company,
                    contacts,
                    owner=owner,
                    backup=None,
                    head=head,
                    start=stop + dt.timedelta(days=25),
                    stop=None,
                    gap=(28, 45),
                )
        self.portal(
            client, company, contacts, at=(active_from or started) + dt.timedelta(days=rng.randint(3, 20))
        )
        return client, contacts

    def contacts(self, client: Client, company: data.Company, *, at: dt.datetime, by: User) -> list[Contact]:
        rng = self.rng
        count = rng.randint(2, 5)
        roles = ["decision_maker", "champion", *rng.sample(["day_to_day", "payer", "approver", "user"], 3)]
        names = self._names(company, count)
        people = [
            (name, roles[i], rng.choice(data.POSITIONS[roles[i]]), slugify(name).replace("-", "."))
            for i, name in enumerate(names)
        ]
        people += data.EXTRA_CONTACTS.get(company.display_name, [])
        domain = slugify(company.display_name).replace("-", "") + ".example"
        created = []
        for number, (name, role, position, mailbox) in enumerate(people):
            language = "en"
            if name in data.RUSSIAN_SPEAKERS:
                language = "ru"
            elif data.HINDI_SCRIPT & set(name) or (
                company.region in data.HINDI_REGIONS and rng.random() < 0.45
            ):
                language = "hi"
            sentiment_weights = [2, 5, 3] if company.status == "churned" else [5, 4, 1]
            with _clock(at + dt.timedelta(minutes=5 * number)):
                contact = contact_create(
                    client=client,
                    by=by,
                    full_name=name,
                    position=position,
                    email=f"{mailbox}@{domain}",
                    phone=self.phone(company.country),
                    language=language,
                    role=role,
                    influence="high"
                    if role == "decision_maker"
                    else rng.choice(["low", "medium", "medium", "high"]),
                    sentiment=rng.choices(["positive", "neutral", "negative"], sentiment_weights)[0],
                )
            created.append(contact)
        self.result.contacts += len(created)
        return created

    def _names(self, company: data.Company, count: int) -> list[str]:
        if company.crowd != "in":
            pairs = data.FOREIGN_NAMES[company.crowd][:count]
            return [f"{first} {last}" for first, last in pairs]
        names: list[str] = []
        while len(names) < count:
            name = f"{self.rng.choice(data.INDIAN_FIRST)} {self.rng.choice(data.INDIAN_LAST)}"
            if name not in names:
                names.append(name)
        return names

    def history(
        self,
        client: Client,
        company: data.Company,
        contacts: list[Contact],
        *,
        owner: User,
        backup: User | None,
        head: User,
        start: dt.datetime,
        stop: dt.datetime | None,
        gap: tuple[int, int] | None = None,
    ) -> None:
        """Touches from ``start`` until ``stop`` (or today), with next steps mostly done on time."""
        rng = self.rng
        if gap is None:
            gap = (5, 12) if company.status == "prospect" else (6, 16)
        end = stop or self.now
        day = start.astimezone(self.zone).date() + dt.timedelta(days=rng.randint(1, 4))
        first = True
        while True:
            occurred = self.at(day)
            if occurred >= end or day > self.today:
                return
            kind = rng.choices(
                ["call", "email", "meeting", "visit", "note"],
                [35, 30, 15, 5, 15] if not first else [0, 0, 1, 0, 0],
            )[0]
            involved = rng.sample(contacts, k=min(len(contacts), rng.choice([1, 1, 1, 2])))
            words = {
                "first": involved[0].full_name.split()[0],
                "service": rng.choice(company.services),
                "month": (day - dt.timedelta(days=20)).strftime("%B"),
                "pct": str(rng.randint(4, 38)),
            }
            template = rng.choice(
                data.PROSPECT_OPENERS if first and company.status == "prospect" else data.SUMMARIES[kind]
            )
            late = stop is not None and company.status == "churned" and (stop - occurred).days < 90
            sentiment = rng.choices(["positive", "neutral", "negative"], [2, 4, 4] if late else [9, 8, 3])[0]
            step, due = "", None
            if rng.random() < 0.55:
                step = rng.choice(data.NEXT_STEPS).format(**words)
                due = day + dt.timedelta(days=rng.randint(2, 12))
            by = owner
            if backup is not None and rng.random() < 0.15:
                by = backup
            elif kind == "meeting" and rng.random() < 0.2:
                by = head
            with _clock(occurred):
                interaction = interaction_log(
                    client=client,
                    by=by,
                    contacts=[] if kind == "note" else involved,
                    kind=kind,
                    occurred_at=occurred,
                    summary=template.format(**words),
                    sentiment=sentiment,
                    next_step=step,
                    next_step_due=due,
                )
            self.result.interactions += 1
            if due is not None:
                self._maybe_complete(interaction, due=due, by=by, quiet_from=stop)
            first = False
            day += dt.timedelta(days=rng.randint(*gap))

    def _maybe_complete(
        self, interaction: Interaction, *, due: dt.date, by: User, quiet_from: dt.datetime | None
    ) -> None:
        """Steps get done around their due date; a few of recent weeks' slip, half of last week's wait."""
        if quiet_from is None:
            if due >= self.today:
                return
            if due >= self.today - dt.timedelta(days=7) and self.rng.random() < 0.5:
                return
            if due >= self.today - dt.timedelta(days=45) and self.rng.random() < 0.1:
                return  # slipped through: overdue by a few weeks on the Today board
        done = self.at(due + dt.timedelta(days=self.rng.randint(-2, 1)))
        done = max(done, interaction.occurred_at + dt.timedelta(hours=2))
        if done >= self.now:
            return
        with _clock(done):
            next_step_complete(interaction=interaction, by=by)

    def agenda(self, client: Client, contacts: list[Contact], *, owner: User, overdue: bool) -> None:
        """A recent touch whose next step is overdue or due this week, so the Today board has work."""
        rng = self.rng
        occurred = self.at(self.days_ago(rng.randint(4, 9) if overdue else rng.randint(1, 3)))
        due = self.today + dt.timedelta(days=-rng.randint(1, 3) if overdue else rng.randint(0, 5))
        first = contacts[0].full_name.split()[0]
        with _clock(occurred):
            interaction_log(
                client=client,
                by=owner,
                contacts=contacts[:1],
                kind=rng.choice(["call", "email", "meeting"]),
                occurred_at=occurred,
                summary=f"{first} asked for an update on open items before their internal review.",
                sentiment="neutral",
                next_step=rng.choice(
                    ["Send the status update", "Share the revised timeline", "Confirm the review date"]
                ),
                next_step_due=due,
            )
        self.result.interactions += 1

    def portal(
        self, client: Client, company: data.Company, contacts: list[Contact], *, at: dt.datetime
    ) -> None:
        role = data.PORTAL_COMPANIES.get(company.display_name)
        if role is None:
            return
        contact = next((c for c in contacts if c.role == role), contacts[0])
        with _clock(min(at, self.now - dt.timedelta(hours=1))):
            contact_set_portal_access(contact=contact, enabled=True, by=client.owner)
        User.objects.filter(contact=contact).update(password=self.password)


PHONE_PLANS: dict[str, tuple[str, int]] = {
    "IN": ("+919", 9),
    "DE": ("+49151", 8),
    "NL": ("+316", 8),
    "FR": ("+336", 8),
    "LV": ("+3712", 7),
    "US": ("+1512", 7),
    "GB": ("+447", 9),
}


def gstin_make(rng: random.Random, *, state: str, name: str) -> str:
    """A GSTIN with a valid check character for a company of ``state`` (a GST state code)."""
    kind = "F" if "LLP" in name else "T" if "Trust" in name or "Mission" in name else "C"
    initial = next((ch for ch in name.upper() if ch.isalpha()), "A")
    while True:
        letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
        pan = f"{letters}{kind}{initial}{rng.randint(1, 9999):04d}{rng.choice(string.ascii_uppercase)}"
        body = f"{state}{pan}1Z"
        number = body + luhn.calc_check_digit(body, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if gstin.is_valid(number):
            return number


@transaction.atomic
def demo_agency_create(*, seed: int = 2026) -> DemoAgency:
    """Build the demo agency into an empty database (the caller checks ``demo_has_data`` first)."""
    story = _Story(seed=seed, now=timezone.now())
    people = story.staff()
    head = people[User.Role.HEAD][0]
    ams = people[User.Role.AM]
    agency_update(by=head, **data.AGENCY_DETAILS)
    rng = story.rng
    # One active client of each AM goes quiet for over a month: the Today board's "no touch" card.
    actives = [i for i, c in enumerate(data.COMPANIES) if c.status == "active"]
    untouched = {actives[k] for k in (3, 7, 11, 14)}
    for index, company in enumerate(data.COMPANIES):
        owner = ams[index % len(ams)]
        shared = company.segment in {"enterprise", "mid"} and rng.random() < 0.6
        backup = ams[(index + 1) % len(ams)] if shared else None
        client, contacts = story.client(
            company, owner=owner, backup=backup, head=head, untouched=index in untouched
        )
        if index in actives[:9] and index not in untouched:
            # Each of these has one step overdue and one due this week.
            story.agenda(client, contacts, owner=owner, overdue=True)
            story.agenda(client, contacts, owner=owner, overdue=False)
    # Projects come last: they build on the clients, their contacts and the staff.
    # Imported here: projects.py uses this module's clock.
    from khata.demo.projects import demo_projects_create

    built = demo_projects_create(seed=seed, now=story.now, password=story.password)
    story.result.projects, story.result.tasks = built.projects, built.tasks
    story.result.reports = built.reports
    # Documents last: contracts, acts and reports are made from the clients and their projects.
    from khata.demo.documents import demo_documents_create

    story.result.documents = demo_documents_create(seed=seed, now=story.now).documents
    # Billing last: invoices bill the accepted acts and the contracts' retainers.
    from khata.demo.billing import demo_billing_create

    story.result.invoices = demo_billing_create(seed=seed, now=story.now).invoices
    # Care last: claims point at the clients' acts, and the disputed act opens one.
    from khata.demo.care import demo_care_create

    story.result.claims = demo_care_create(seed=seed, now=story.now).claims
    # Health very last: it reads every domain's signals and keeps 30 days of daily snapshots.
    from khata.demo.health import demo_health_create

    demo_health_create(now=story.now)
    story.result.logins = demo_logins()
    return story.result
