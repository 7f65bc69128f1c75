"""Documents as PDFs, read back with a PDF text extractor, and who may download them."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client
from khata.core.agency import agency_get
from khata.documents.models import Document, DocumentKind
from khata.documents.pdf import document_filename, document_pdf, hours_text, pdf_language
from khata.documents.services import (
    act_line_add,
    document_accept,
    document_create,
    document_send,
    report_from_status_report,
)
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task
from khata.production.reports import report_draft, report_publish, report_update

pytestmark = pytest.mark.django_db

QUERIES = 3  # the agency, the lines, the client's answer
HINDI_LINE = "कीवर्ड अनुसंधान और प्रतिस्पर्धी विश्लेषण — श्रीमती क्षमा"


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is missing: make system-deps"
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def flat(text: str) -> str:
    """Text with every run of spaces made one (table cells come out with their own spacing)."""
    return " ".join(text.split())


@pytest.fixture
def act_with_lines(act: Document, am: User) -> Document:
    act_line_add(document=act, by=am, deliverable="Technical SEO audit", minutes=540, amount_minor=45_000_00)
    act_line_add(document=act, by=am, deliverable=HINDI_LINE, minutes=90, amount_minor=12_500_50)
    return act


@pytest.fixture
def sent_act(act_with_lines: Document, am: User) -> Document:
    return document_send(document=act_with_lines, by=am)


def test_act_pdf_holds_its_number_client_lines_and_total(sent_act: Document, tmp_path: Path) -> None:
    pdf = document_pdf(sent_act, language="en")

    text = flat(pypdf_text(pdf))
    assert sent_act.number and sent_act.number in text
    assert "Acme Retail Private Limited" in text
    assert "Work done in December" in text
    assert "Technical SEO audit" in text
    assert "₹45,000.00" in text and "₹12,500.50" in text
    assert "₹57,500.50" in text  # the total
    assert "10.5" in text  # 9 h + 1.5 h
    assert "1 Dec 2026 to 31 Dec 2026" in text
    assert "DRAFT" not in text
    assert HINDI_LINE in text
    poppler = pdftotext(pdf, tmp_path)
    assert HINDI_LINE in poppler
    assert sent_act.number in poppler


def test_a_draft_prints_the_draft_mark_and_no_number(act_with_lines: Document) -> None:
    text = pypdf_text(document_pdf(act_with_lines, language="en"))

    assert "DRAFT" in text
    assert "Draft: no number yet" in text
    assert "ACT/" not in text


def test_contract_pdf_holds_its_dates_value_and_notice(contract: Document, am: User, tmp_path: Path) -> None:
    document_send(document=contract, by=am)
    contract.refresh_from_db()

    text = flat(pdftotext(document_pdf(contract, language="en"), tmp_path))

    assert contract.number in text
    assert "1 Jan 2026" in text and "31 Dec 2026" in text
    assert "30 days" in text
    assert "notice by 1 Dec 2026 at the latest" in text
    assert "₹12,00,000.00" in text
    assert "Does not renew automatically" in text
    assert "Acme Retail Private Limited and the agency" in text


def test_contract_pdf_reads_in_russian(contract: Document, am: User, tmp_path: Path) -> None:
    document_send(document=contract, by=am)

    text = flat(pdftotext(document_pdf(contract, language="ru"), tmp_path))

    assert "1 января 2026" in text and "31 декабря 2026" in text


def test_an_accepted_act_says_who_accepted_it_when_and_from_where(
    sent_act: Document, contact_a: User, tmp_path: Path
) -> None:
    document_accept(document=sent_act, by=contact_a, name="Priya Sharma", ip_address="203.0.113.7")
    sent_act.refresh_from_db()

    text = flat(pdftotext(document_pdf(sent_act, language="en"), tmp_path))

    assert "Accepted by Priya Sharma on" in text
    assert "203.0.113.7" in text
    assert "Given in the client portal." in text


def test_an_unanswered_act_has_lines_to_sign(sent_act: Document, tmp_path: Path) -> None:
    text = flat(pdftotext(document_pdf(sent_act, language="en"), tmp_path))

    assert "For Acme Retail Private Limited" in text
    assert "Name, position, date" in text


def test_report_pdf_prints_the_status_report(kinds: None, am: User, project: Project, tmp_path: Path) -> None:
    Task.objects.create(
        project=project,
        title="Landing page copy delivered",
        visible_to_client=True,
        status=Task.Status.DONE,
        done_at=timezone.now(),
    )
    status_report = report_draft(project=project, by=am)
    report_update(report=status_report, by=am, summary="A calm month: copy delivered, audit under way.")
    status_report = report_publish(report=status_report, by=am, notify=False)
    document = report_from_status_report(
        status_report=status_report, by=am, kind=DocumentKind.objects.get(code="report")
    )
    document_send(document=document, by=am)
    document.refresh_from_db()

    text = flat(pdftotext(document_pdf(document, language="en"), tmp_path))

    assert document.number in text
    assert "A calm month: copy delivered, audit under way." in text
    assert "Done since the last report" in text
    assert "Landing page copy delivered" in text


def test_other_documents_print_their_title_and_note(
    kinds: None, am: User, client_a: Client, tmp_path: Path
) -> None:
    letter = document_create(
        by=am,
        kind=DocumentKind.objects.get(code="other"),
        client=client_a,
        title="Letter of authorisation",
        note="The agency may manage the client's ad accounts.",
    )

    text = flat(pdftotext(document_pdf(letter, language="en"), tmp_path))

    assert "Letter of authorisation" in text
    assert "The agency may manage the client's ad accounts." in text


@pytest.mark.parametrize(("minutes", "shown"), [(0, "0"), (60, "1"), (90, "1.5"), (20, "0.33"), (540, "9")])
def test_hours_read_as_people_write_them(minutes: int, shown: str) -> None:
    assert hours_text(minutes, "en") == shown


def test_pdf_language_takes_the_one_asked_for_when_khata_speaks_it() -> None:
    assert pdf_language("hi", "en") == "hi"
    assert pdf_language("de", "ru") == "ru"
    assert pdf_language(None, "en-gb") == "en"
    assert pdf_language("", None) == "en"


def test_file_name_comes_from_the_number(sent_act: Document, act_with_lines: Document) -> None:
    assert document_filename(sent_act) == sent_act.number.replace("/", "-") + ".pdf"
    draft = Document.objects.get(pk=act_with_lines.pk)
    draft.number = ""
    assert document_filename(draft) == f"draft-{draft.pk}.pdf"


# --- downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("contact_a", 403),
        ("admin", 200),
        ("am", 200),
        ("finance", 200),
        ("other_am", 404),
        ("specialist", 404),
    ],
)
def test_staff_download_answers_each_persona(
    http_as: Any, sent_act: Document, persona: str, status: int
) -> None:
    response = http_as(persona).get(reverse("documents:pdf", args=[sent_act.pk]))

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert document_filename(sent_act) in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_staff_download_of_a_missing_document_is_404(http_as: Any, kinds: None) -> None:
    assert http_as("admin").get(reverse("documents:pdf", args=[999_999])).status_code == 404


def test_the_contact_downloads_its_own_sent_document_in_the_language_asked(
    http_as: Any, sent_act: Document, tmp_path: Path
) -> None:
    url = reverse("portal:document_pdf", args=[sent_act.pk])

    response = http_as("contact_a").get(url, {"lang": "ru"})

    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert "31 декабря 2026" in pdftotext(response.content, tmp_path)


def test_a_draft_and_another_clients_document_answer_404_in_the_portal(
    http_as: Any, act_with_lines: Document, contact_b: User
) -> None:
    url = reverse("portal:document_pdf", args=[act_with_lines.pk])

    assert http_as("contact_a").get(url).status_code == 404  # a draft
    document_send(document=act_with_lines, by=act_with_lines.client.owner)
    assert http_as("contact_a").get(url).status_code == 200
    assert http_as("contact_b").get(url).status_code == 404
    assert http_as("contact_b").get(reverse("portal:document_pdf", args=[999_999])).status_code == 404


def test_staff_opening_the_portal_download_go_to_their_board(http_as: Any, sent_act: Document) -> None:
    response = http_as("am").get(reverse("portal:document_pdf", args=[sent_act.pk]))

    assert response.status_code == 302


@pytest.mark.parametrize("extra_lines", [1, 20])
def test_the_pdf_is_read_in_a_fixed_number_of_queries(
    act_with_lines: Document,
    am: User,
    contact_a: User,
    django_assert_num_queries: Any,
    extra_lines: int,
) -> None:
    for n in range(extra_lines):
        act_line_add(document=act_with_lines, by=am, deliverable=f"Extra {n}")
    document_accept(document=document_send(document=act_with_lines, by=am), by=contact_a, name="Priya")
    agency_get()
    document = Document.objects.select_related("kind", "client", "project").get(pk=act_with_lines.pk)
    with django_assert_num_queries(QUERIES):
        document_pdf(document, language="en")
