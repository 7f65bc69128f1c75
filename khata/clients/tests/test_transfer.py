"""CSV import and export of clients with their contacts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.db.models import QuerySet

from khata.clients.models import Client, Contact, Tag
from khata.clients.services import client_create, contact_create
from khata.clients.transfer import (
    CSV_COLUMNS,
    MAX_ROWS,
    ImportReport,
    client_match,
    clients_export,
    clients_import,
)
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
DOCS_EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "import-clients.csv"


def csv_bytes(*rows: dict[str, str], columns: list[str] = CSV_COLUMNS, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def client_row(**cells: str) -> dict[str, str]:
    row = {
        "display_name": "Jasmine Spa",
        "legal_name": "Jasmine Spa Private Limited",
        "country": "IN",
        "currency": "INR",
        "owner_email": "am@agency.test",
    }
    return row | cells


def snapshot() -> dict[str, int]:
    return {
        "clients": Client.objects.count(),
        "contacts": Contact.objects.count(),
        "events": Event.objects.count(),
        "tags": Tag.objects.count(),
        "users": User.objects.count(),
    }


def exported(clients: QuerySet[Client] | None = None) -> bytes:
    out = io.StringIO()
    clients_export(clients=clients if clients is not None else Client.objects.all(), out=out)
    return out.getvalue().encode()


def actions(report: ImportReport) -> dict[int, str]:
    return {row.line: row.action for row in report.rows}


@pytest.fixture
def staff(am: User, other_am: User, admin: User) -> dict[str, User]:
    return {"am": am, "other_am": other_am, "admin": admin}


def test_good_file_imports_clients_with_their_contacts(staff: dict[str, User]) -> None:
    report = clients_import(data=(DATA / "good.csv").read_bytes(), by=staff["admin"], dry_run=False)

    assert report.ok, report.rows
    assert (report.created, report.updated, report.unchanged, report.failed) == (3, 0, 0, 0)
    assert [row.line for row in report.rows] == [2, 4, 6]  # a quoted address spans two lines
    tulsi = Client.objects.get(legal_name="Tulsi Organics Private Limited")
    assert tulsi.display_name == "Tulsi Organics"
    assert tulsi.tax_id == "29AABCT3518Q1ZS"
    assert tulsi.billing_address == "12 MG Road\nBengaluru 560001"
    assert (tulsi.segment, tulsi.status) == (Client.Segment.MID, Client.Status.ACTIVE)
    assert (tulsi.owner, tulsi.backup) == (staff["am"], staff["other_am"])
    assert tulsi.payment_terms_days == 45
    assert tulsi.partnership_since == dt.date(2024, 2, 1)
    assert sorted(tulsi.tags.values_list("name", flat=True)) == ["organic", "retail"]
    anita, dev = tulsi.contacts.order_by("full_name")
    assert (anita.email, anita.phone, anita.language) == ("anita.rao@tulsi.test", "+919820012345", "hi")
    assert (anita.role, anita.influence, anita.sentiment) == ("decision_maker", "high", "positive")
    assert (dev.position, dev.phone, dev.role) == ("Brand Manager", "+912261234567", "day_to_day")
    cedar = Client.objects.get(legal_name="Cedar Labs Inc")
    assert (cedar.country, cedar.currency, cedar.owner) == ("US", "USD", staff["other_am"])
    assert not cedar.contacts.exists()
    assert Event.objects.filter(kind="clients.client_created", actor=staff["admin"]).count() == 2
    assert Event.objects.filter(kind="clients.contact_added").count() == 2


def test_import_leaves_one_completed_event_with_counts(staff: dict[str, User]) -> None:
    clients_import(data=(DATA / "good.csv").read_bytes(), by=staff["admin"], dry_run=False)

    event = Event.objects.get(kind="clients.import_completed")
    assert event.client is None
    assert event.actor == staff["admin"]
    assert event.data["rows"] == 3
    assert event.data["created"] == 3
    assert event.data["clients_created"] == 2
    assert event.data["contacts_created"] == 2


def test_second_run_of_the_same_file_creates_nothing_new(staff: dict[str, User]) -> None:
    data = (DATA / "good.csv").read_bytes()
    clients_import(data=data, by=staff["admin"], dry_run=False)
    before = snapshot()

    report = clients_import(data=data, by=staff["admin"], dry_run=False)

    assert report.ok
    assert set(actions(report).values()) == {"unchanged"}
    assert snapshot() == before | {"events": before["events"] + 1}  # only the import's own event
    assert Event.objects.filter(kind="clients.import_completed").count() == 2


def test_file_with_one_bad_row_changes_nothing_and_names_the_row(
    staff: dict[str, User], client_a: Client
) -> None:
    before = snapshot()

    report = clients_import(data=(DATA / "bad_row.csv").read_bytes(), by=staff["admin"], dry_run=False)

    assert not report.ok
    assert report.failed == 1
    bad = [row for row in report.rows if row.action == "error"]
    assert [(row.line, row.client, row.errors) for row in bad] == [
        (7, "Marigold Foods", ["country: Unknown country code: XX."])
    ]
    assert snapshot() == before
    assert not Client.objects.filter(legal_name__startswith="Tulsi").exists()


def test_dry_run_changes_nothing_and_says_what_would_happen(staff: dict[str, User]) -> None:
    before = snapshot()

    report = clients_import(data=(DATA / "good.csv").read_bytes(), by=staff["admin"], dry_run=True)

    assert report.dry_run and report.ok
    assert actions(report) == {2: "create", 4: "create", 6: "create"}
    assert snapshot() == before


def test_dry_run_reports_every_bad_row_with_a_specific_message(staff: dict[str, User]) -> None:
    data = csv_bytes(
        client_row(country="XX"),
        client_row(display_name="Neem", legal_name="Neem Ltd", currency="ABC"),
        client_row(display_name="Peepal", legal_name="Peepal Ltd", owner_email="nobody@agency.test"),
        client_row(display_name="Banyan", legal_name="Banyan Ltd", status="sleeping"),
        client_row(display_name="Ashoka", legal_name="Ashoka Ltd", tax_id="27AAPFU0939F1ZX"),
        client_row(display_name="Sal", legal_name="Sal Ltd", payment_terms_days="400"),
        client_row(display_name="Teak", legal_name="Teak Ltd", partnership_since="31/03/2024"),
        client_row(display_name="Deodar", legal_name="Deodar Ltd", contact_email="x@deodar.test"),
        client_row(display_name="Kikar", legal_name="Kikar Ltd", contact_name="A", contact_phone="12"),
        client_row(display_name="Amla", legal_name="Amla Ltd", contact_name="B", contact_email="not-mail"),
        client_row(display_name="Jamun", legal_name="Jamun Ltd", owner_email="seo@agency.test"),
    )
    User.objects.create_user(email="seo@agency.test", full_name="Sunil", role=User.Role.SPECIALIST)
    before = snapshot()

    report = clients_import(data=data, by=None, dry_run=True)

    errors = {row.line: row.errors for row in report.rows}
    assert report.failed == 11
    assert errors[2] == ["country: Unknown country code: XX."]
    assert errors[3] == ["currency: Unknown currency code: ABC."]
    assert errors[4] == ["owner_email: No one at the agency signs in with nobody@agency.test."]
    assert errors[5][0].startswith("status: Unknown value “sleeping”; use one of: active, churned")
    assert errors[6][0].startswith("tax_id: 27AAPFU0939F1ZX is not a valid tax id for IN")
    assert errors[7] == ["payment_terms_days: A whole number of days from 0 to 365."]
    assert errors[8] == ["partnership_since: Write the date as YYYY-MM-DD, e.g. 2024-03-31."]
    assert errors[9] == ["contact_name: This field is required."]
    assert errors[10] == ["contact_phone: 12 is not a valid phone number."]
    assert errors[11] == ["contact_email: not-mail is not an email address."]
    assert errors[12] == ["owner_email: Only an active account manager or head can hold a client."]
    assert snapshot() == before


def test_changed_field_updates_the_client_through_the_service(
    staff: dict[str, User], client_a: Client
) -> None:
    row = client_row(
        display_name="Acme Retail",
        legal_name="ACME RETAIL PRIVATE LIMITED",  # matched on legal name, ignoring case
        status="Churned",
        payment_terms_days="60",
    )

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert actions(report) == {2: "update"}
    client_a.refresh_from_db()
    assert (client_a.status, client_a.payment_terms_days) == ("churned", 60)
    assert client_a.churned_on == dt.date.today()
    assert client_a.legal_name == "ACME RETAIL PRIVATE LIMITED"
    kinds = set(client_a.events.values_list("kind", flat=True))
    assert {"clients.client_status_changed", "clients.client_updated"} <= kinds
    assert Client.objects.count() == 1


def test_client_is_matched_on_tax_id_before_legal_name(staff: dict[str, User]) -> None:
    taxed = client_create(
        by=None,
        display_name="Saffron",
        legal_name="Saffron Threads Private Limited",
        tax_id="27AAPFU0939F1ZV",
        country="IN",
        currency="INR",
        owner=staff["am"],
    )
    row = client_row(display_name="Saffron", legal_name="Saffron Threads Pvt Ltd", tax_id="27aapfu0939f1zv")

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert actions(report) == {2: "update"}
    taxed.refresh_from_db()
    assert taxed.legal_name == "Saffron Threads Pvt Ltd"
    assert client_match(tax_id="27AAPFU0939F1ZV", legal_name="Other") == taxed
    assert client_match(tax_id="", legal_name="saffron threads pvt ltd") == taxed
    assert client_match(tax_id="", legal_name="") is None


def test_empty_cells_keep_what_the_client_and_contact_have(staff: dict[str, User], client_a: Client) -> None:
    contact_create(
        client=client_a, by=None, full_name="Priya", email="priya@acme.test", phone="+919820012345"
    )
    row = client_row(
        display_name="",
        legal_name="Acme Retail Private Limited",
        country="",
        currency="",
        owner_email="",
        contact_name="Priya",
        contact_email="PRIYA@acme.test",
    )

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert actions(report) == {2: "unchanged"}
    contact = client_a.contacts.get()
    assert (contact.email, contact.phone) == ("priya@acme.test", "+919820012345")


def test_contact_is_matched_by_email_and_updated(staff: dict[str, User], client_a: Client) -> None:
    contact_create(client=client_a, by=None, full_name="Priya Shah", email="priya@acme.test")
    row = client_row(
        display_name="Acme Retail",
        legal_name="Acme Retail Private Limited",
        contact_name="Priya Shah",
        contact_email="Priya@Acme.test",
        contact_sentiment="negative",
    )

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert actions(report) == {2: "update"}
    contact = client_a.contacts.get()
    assert contact.sentiment == "negative"
    assert client_a.events.filter(kind="clients.contact_updated").exists()


def test_contact_without_email_is_matched_by_name(staff: dict[str, User], client_a: Client) -> None:
    contact_create(client=client_a, by=None, full_name="Ramesh Gupta")
    row = client_row(
        display_name="Acme Retail",
        legal_name="Acme Retail Private Limited",
        contact_name="ramesh gupta",
        contact_position="CFO",
    )

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert actions(report) == {2: "update"}
    contact = client_a.contacts.get()
    assert (contact.full_name, contact.position) == ("ramesh gupta", "CFO")


def test_duplicate_rows_of_one_contact_are_merged(staff: dict[str, User]) -> None:
    data = csv_bytes(
        client_row(contact_name="Meena", contact_email="meena@jasmine.test"),
        client_row(contact_name="Meena", contact_email="MEENA@jasmine.test", contact_position="Owner"),
        client_row(contact_name="Meena"),
    )

    report = clients_import(data=data, by=staff["am"], dry_run=False)

    assert report.ok
    assert actions(report) == {2: "create", 3: "unchanged", 4: "unchanged"}
    contact = Contact.objects.get()
    assert (contact.email, contact.position) == ("meena@jasmine.test", "Owner")


def test_rows_that_disagree_about_one_client_are_an_error(staff: dict[str, User]) -> None:
    data = csv_bytes(
        client_row(status="active", contact_name="A"),
        client_row(status="Paused", contact_name="B"),
        client_row(status="ACTIVE", contact_name="C"),
    )

    report = clients_import(data=data, by=staff["am"], dry_run=False)

    assert actions(report) == {2: "create", 3: "error", 4: "create"}
    assert report.rows[1].errors == ["status: Line 2 gives “active” for the same client."]
    assert not Client.objects.exists()


def test_choices_accept_code_and_english_label_in_any_case(staff: dict[str, User]) -> None:
    row = client_row(
        segment="PUBLIC SECTOR",
        status="paused",
        contact_name="Ira",
        contact_language="Russian",
        contact_role="DAY-TO-DAY",
        contact_influence="Low",
        contact_sentiment="NEGATIVE",
    )

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert report.ok, report.rows
    client = Client.objects.get()
    contact = client.contacts.get()
    assert (client.segment, client.status) == ("public", "paused")
    assert (contact.language, contact.role, contact.influence, contact.sentiment) == (
        "ru",
        "day_to_day",
        "low",
        "negative",
    )


def test_header_may_use_labels_spaces_and_any_order(staff: dict[str, User]) -> None:
    data = "Owner Email,Legal Name,Display Name,Country,Currency\nam@agency.test,Neem Ltd,Neem,in,inr\n"

    report = clients_import(data=data.encode(), by=staff["am"], dry_run=False)

    assert report.ok
    assert Client.objects.get().country == "IN"


def test_utf8_with_byte_order_mark_is_read(staff: dict[str, User]) -> None:
    data = csv_bytes(client_row(display_name="Мир Чая", contact_name="अनीता"), bom=True)

    report = clients_import(data=data, by=staff["am"], dry_run=False)

    assert report.ok
    assert Client.objects.get().contacts.get().full_name == "अनीता"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("display_name,legal_name,owner_email\nCafé,Café Ltd,am@agency.test\n".encode("cp1252"), "not UTF-8"),
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "not a CSV file"),
        (b"display_name,legal_name,owner_email\n", "The file has a header but no rows."),
        (b"display_name;legal_name;owner_email\nA;B;C\n", "separated by semicolons"),
        (b"display_name,legal_name,owner_email,colour\nA,B,am@agency.test,red\n", "Unknown columns: colour."),
        (b"display_name,owner_email\nA,am@agency.test\n", "Missing required columns: legal_name."),
        (b"display_name,legal_name,owner_email,contact_email\nA,B,C,D\n", "columns: contact_name."),
        (b"display_name,legal_name,legal_name,owner_email\nA,B,B,C\n", "Columns given twice: legal_name."),
    ],
)
def test_unreadable_file_is_one_clear_error_on_line_zero(
    staff: dict[str, User], data: bytes, message: str
) -> None:
    report = clients_import(data=data, by=staff["am"], dry_run=False)

    assert len(report.rows) == 1
    row = report.rows[0]
    assert (row.line, row.action, report.failed) == (0, "error", 1)
    assert message in row.errors[0]
    assert not Client.objects.exists()


def test_row_with_more_cells_than_the_header_is_an_error(staff: dict[str, User]) -> None:
    data = b"display_name,legal_name,owner_email\nA,A Ltd,am@agency.test,surplus\n"

    report = clients_import(data=data, by=staff["am"], dry_run=False)

    assert report.rows[0].errors == ["This row has 4 cells but the header has 3 columns."]


def test_files_over_the_limits_are_refused(staff: dict[str, User]) -> None:
    header = b"display_name,legal_name,owner_email\n"
    too_many = header + b"".join(b"C%d,C%d Ltd,am@agency.test\n" % (n, n) for n in range(MAX_ROWS + 1))
    too_big = header + b"A,A Ltd,am@agency.test," + b"x" * (5 * 1024 * 1024) + b"\n"

    assert "more than 20,000 rows" in clients_import(data=too_many, by=None, dry_run=True).rows[0].errors[0]
    assert "larger than 5 MB" in clients_import(data=too_big, by=None, dry_run=True).rows[0].errors[0]


def test_specialist_may_not_import(staff: dict[str, User], specialist: User) -> None:
    report = clients_import(data=(DATA / "good.csv").read_bytes(), by=specialist, dry_run=False)

    assert report.rows[0].errors == ["You may not import clients."]
    assert not Client.objects.exists()


def test_am_cannot_change_a_client_of_another_portfolio(staff: dict[str, User], client_b: Client) -> None:
    same = client_row(display_name="Borealis Foods", legal_name="Borealis Foods LLC", country="US")
    same |= {"currency": "USD", "owner_email": "other.am@agency.test"}
    changed = same | {"status": "paused"}
    new_for_other = client_row(
        display_name="Cedar", legal_name="Cedar Ltd", owner_email="other.am@agency.test"
    )

    assert actions(clients_import(data=csv_bytes(same), by=staff["am"], dry_run=False)) == {2: "unchanged"}
    report = clients_import(data=csv_bytes(changed, new_for_other), by=staff["am"], dry_run=False)

    assert report.rows[0].errors == ["You may not change this client: it is in another portfolio."]
    assert report.rows[1].errors == ["owner_email: You may import only clients that you own or back up."]
    client_b.refresh_from_db()
    assert client_b.status == "active"


def test_am_cannot_add_contacts_to_a_client_of_another_portfolio(
    staff: dict[str, User], client_b: Client
) -> None:
    row = client_row(
        display_name="Borealis Foods",
        legal_name="Borealis Foods LLC",
        country="US",
        currency="USD",
        owner_email="other.am@agency.test",
        contact_name="Sneaky",
    )
    before = snapshot()

    report = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)

    assert report.rows[0].errors == ["You may not change this client: it is in another portfolio."]
    assert snapshot() == before


def test_only_the_head_moves_a_client_to_another_manager(staff: dict[str, User], client_a: Client) -> None:
    row = client_row(
        display_name="Acme Retail",
        legal_name="Acme Retail Private Limited",
        owner_email="other.am@agency.test",
    )

    by_am = clients_import(data=csv_bytes(row), by=staff["am"], dry_run=False)
    by_head = clients_import(data=csv_bytes(row), by=staff["admin"], dry_run=False)

    assert by_am.rows[0].errors == [
        "owner_email: Only the head of accounts moves a client to another account manager."
    ]
    assert by_head.ok
    client_a.refresh_from_db()
    assert client_a.owner == staff["other_am"]


def test_export_writes_one_row_per_contact_in_the_import_columns(staff: dict[str, User]) -> None:
    clients_import(data=(DATA / "good.csv").read_bytes(), by=None, dry_run=False)

    rows = list(csv.DictReader(io.StringIO(exported().decode())))

    assert list(rows[0]) == CSV_COLUMNS
    assert [(row["display_name"], row["contact_name"]) for row in rows] == [
        ("Cedar Labs", ""),
        ("Tulsi Organics", "Anita Rao"),
        ("Tulsi Organics", "Dev Patel"),
    ]
    anita = rows[1]
    assert anita["tags"] == "organic; retail"
    assert anita["segment"] == "mid"
    assert anita["owner_email"] == "am@agency.test"
    assert anita["backup_email"] == "other.am@agency.test"
    assert anita["partnership_since"] == "2024-02-01"
    assert anita["contact_phone"] == "'+919820012345"


def test_export_guards_cells_that_a_spreadsheet_would_run_as_formulas(staff: dict[str, User]) -> None:
    client = client_create(
        by=None,
        display_name='=HYPERLINK("http://evil.test")',
        legal_name="+Plus Ltd",
        billing_address="-1 Road",
        country="IN",
        currency="INR",
        owner=staff["am"],
    )
    contact_create(client=client, by=None, full_name="@mention", position="'=quoted", email="a@b.test")

    rows = list(csv.DictReader(io.StringIO(exported().decode())))

    row = rows[0]
    assert row["display_name"] == '\'=HYPERLINK("http://evil.test")'
    assert row["legal_name"] == "'+Plus Ltd"
    assert row["billing_address"] == "'-1 Road"
    assert row["contact_name"] == "'@mention"
    assert row["contact_position"] == "''=quoted"
    assert row["contact_email"] == "a@b.test"
    report = clients_import(data=exported(), by=None, dry_run=False)
    assert actions(report) == {2: "unchanged"}  # the guard comes off again on import


def test_export_then_import_is_all_unchanged(
    staff: dict[str, User], client_a: Client, client_b: Client, contact_a: User, contact_b: User
) -> None:
    clients_import(data=(DATA / "good.csv").read_bytes(), by=None, dry_run=False)
    contact_create(client=client_b, by=None, full_name="Без почты", phone="+1 212 555 0100")
    data = exported()
    before = snapshot()

    report = clients_import(data=data, by=staff["admin"], dry_run=False)

    assert report.ok, report.rows
    assert report.unchanged == len(report.rows) == 6
    assert snapshot() == before | {"events": before["events"] + 1}


def test_export_costs_the_same_queries_for_3_and_30_clients(
    staff: dict[str, User], django_assert_num_queries: Any
) -> None:
    def add_clients(count: int) -> None:
        start = Client.objects.count()
        for number in range(start, start + count):
            client = client_create(
                by=None,
                display_name=f"Client {number}",
                legal_name=f"Client {number} Ltd",
                country="IN",
                currency="INR",
                owner=staff["am"],
                backup=staff["other_am"],
            )
            contact_create(client=client, by=None, full_name=f"Person {number}")
            contact_create(client=client, by=None, full_name=f"Other {number}")

    add_clients(3)
    with django_assert_num_queries(3):
        assert clients_export(clients=Client.objects.all(), out=io.StringIO()) == 6
    add_clients(27)
    with django_assert_num_queries(3):
        assert clients_export(clients=Client.objects.all(), out=io.StringIO()) == 60


def test_export_follows_the_filtered_list(staff: dict[str, User], client_a: Client, client_b: Client) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(Client.objects.filter(owner=staff["am"])).decode())))

    assert [row["legal_name"] for row in rows] == ["Acme Retail Private Limited"]


def test_documented_example_file_imports_into_the_demo_agency(db: Any) -> None:
    for email in ("arjun.mehta", "kavya.nair", "rohan.desai"):
        User.objects.create_user(email=f"{email}@khata-agency.example", full_name=email, role=User.Role.AM)

    report = clients_import(data=DOCS_EXAMPLE.read_bytes(), by=None, dry_run=False)
    again = clients_import(data=DOCS_EXAMPLE.read_bytes(), by=None, dry_run=False)

    assert report.ok, report.rows
    assert report.created == len(report.rows) == 5
    assert Client.objects.count() == 4
    assert Contact.objects.count() == 4
    assert again.unchanged == 5
