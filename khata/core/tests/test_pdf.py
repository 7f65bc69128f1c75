"""PDFs on the agency's letterhead, read back as text; and the head's page for the agency's details."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest
import weasyprint.draw.text as weasyprint_text
import weasyprint.pdf.fonts as weasyprint_fonts
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from khata.core import pdf as core_pdf
from khata.core import pdf_text
from khata.core.agency import agency_get, agency_update, colour_check
from khata.core.models import Agency, Event
from khata.core.pdf import pdf_render
from khata.people.models import User

pytestmark = pytest.mark.django_db

HINDI = "कार्य पूर्णता प्रमाणपत्र — श्रीमती क्षमा"
RUSSIAN = "Акт выполненных работ за ноябрь — Щёлковский филиал"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


def png_bytes(colour: str = "#1F4E79", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def pypdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    """The text poppler reads from the PDF."""
    assert shutil.which("pdftotext"), "poppler-utils is missing: make system-deps"
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def sample(language: str, **context: Any) -> bytes:
    defaults: dict[str, Any] = {"heading": HINDI, "on": dt.date(2026, 11, 27), "paragraphs": [RUSSIAN]}
    return pdf_render(template="pdf/sample.html", context=defaults | context, language=language)


# --- rendering ----------------------------------------------------------------------------------


def test_letterhead_hindi_and_russian_come_back_as_the_same_text(tmp_path: Path) -> None:
    agency = agency_get()
    agency.name = "Kshamta Digital"
    agency.legal_name = "Kshamta Digital Private Limited"
    agency.tax_id = "27AAPFU0939F1ZV"
    agency.save()

    pdf = sample("hi")

    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    text = pypdf_text(pdf)
    assert "Kshamta Digital Private Limited" in text
    assert "27AAPFU0939F1ZV" in text
    assert RUSSIAN in text
    assert HINDI in text  # conjuncts, the reph and pre-base vowel signs read as typed
    poppler = pdftotext(pdf, tmp_path)
    assert HINDI in poppler
    assert RUSSIAN in poppler
    assert "Kshamta Digital" in poppler


def test_dates_and_page_numbers_follow_the_language(tmp_path: Path) -> None:
    russian = pdftotext(sample("ru"), tmp_path)
    assert "27 ноября 2026" in russian
    assert "Страница 1 / 1" in russian
    english = pdftotext(sample("en"), tmp_path)
    assert "27 Nov 2026" in english
    assert "Page 1 / 1" in english


def test_money_lines_and_terms_print_with_the_draft_mark(tmp_path: Path) -> None:
    agency = agency_get()
    agency.terms = "Payment within 15 days of acceptance."
    agency.bank_details = "HDFC Bank · IFSC HDFC0000123"
    agency.save()
    lines = [{"title": f"Audit part {n}", "hours": 2, "amount_minor": 1_234_550} for n in range(3)]

    pdf = sample("en", lines=lines, total_minor=3_703_650, currency="INR", draft=True)
    text = pdftotext(pdf, tmp_path)

    assert "DRAFT" in pypdf_text(pdf)  # drawn across the page: poppler reads it letter by letter
    assert "Audit part 2" in text
    assert "₹12,345.50" in text and "₹37,036.50" in text
    assert "Payment within 15 days of acceptance." in text
    assert "IFSC HDFC0000123" in text


def test_the_logo_prints_from_storage(admin: User) -> None:
    agency_update(by=admin, logo=SimpleUploadedFile("logo.png", png_bytes()))

    pdf = sample("en")

    images = [image for page in pypdf.PdfReader(io.BytesIO(pdf)).pages for image in page.images]
    assert len(images) == 1


def test_a_remote_url_in_a_document_is_never_fetched(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "remote.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}'
        '<link rel="stylesheet" href="https://cdn.example.com/style.css">'
        '<img src="http://tracker.example.com/pixel.png"><img src="file:///etc/passwd">'
        "<p>Remote things stay remote.</p>{% endblock %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
    ]
    connections: list[Any] = []

    def no_network(*args: Any, **kwargs: Any) -> None:
        connections.append(args)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    asked: list[str] = []
    original = core_pdf.LocalFetcher.fetch

    def spy(self: core_pdf.LocalFetcher, url: str, headers: Any = None) -> Any:
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(core_pdf.LocalFetcher, "fetch", spy)

    pdf = pdf_render(template="remote.html", context={}, language="en")

    assert "Remote things stay remote." in pypdf_text(pdf)
    assert "http://tracker.example.com/pixel.png" in asked
    assert "https://cdn.example.com/style.css" in asked
    assert connections == []


def test_the_fetcher_serves_only_static_files_and_the_logo(admin: User) -> None:
    agency_update(by=admin, logo=SimpleUploadedFile("logo.png", png_bytes()))
    fetcher = core_pdf.LocalFetcher(agency=agency_get())

    assert fetcher.fetch(core_pdf.LOGO_URL).read().startswith(b"\x89PNG")
    assert b"--" in fetcher.fetch("khata-static:khata/khata.css").read()
    for url in (
        "khata-static:../khata/settings.py",
        "khata-static:khata/khata.js",
        "file:///etc/passwd",
        "https://example.com/a.css",
        "data:text/plain,hello",
    ):
        with pytest.raises(core_pdf.PdfFetchRefused):
            fetcher.fetch(url)


# --- the agency's details -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["#1f4e79", "#ABCDEF", " #000000 "])
def test_colour_check_accepts_six_hex_digits(value: str) -> None:
    assert colour_check(value) == value.strip().upper()


@pytest.mark.parametrize("value", ["1F4E79", "#1F4E7", "#GGGGGG", "red", "#1F4E79;}", ""])
def test_colour_check_refuses_anything_else(value: str) -> None:
    with pytest.raises(Exception, match="six hexadecimal digits"):
        colour_check(value)


def test_agency_is_made_from_the_settings_once(settings: Any) -> None:
    settings.KHATA_AGENCY_NAME = "Fresh Agency"
    assert agency_get().name == "Fresh Agency"
    assert agency_get().pk == Agency.SINGLETON
    assert Agency.objects.count() == 1


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Khata Agency",
        "legal_name": "Khata Agency Private Limited",
        "tax_id": "27AAPFU0939F1ZV",
        "registration_number": "U74999MH2020PTC123456",
        "email": "hello@khata.test",
        "phone": "+91 22 4000 1234",
        "website": "https://khata.test",
        "accent_colour": "#0f766e",
        "address": "Orchid Tower, BKC\nMumbai 400051",
        "bank_details": "HDFC Bank\nIFSC HDFC0000123",
        "country": "IN",
        "bank_name": "HDFC Bank",
        "bank_account_name": "Khata Agency Private Limited",
        "bank_account_number": "50100012345678",
        "bank_code": "HDFC0000123",
        "time_zone": "Asia/Kolkata",
        "working_days": ["0", "1", "2", "3", "4"],
        "work_starts": "09:30",
        "work_ends": "18:30",
        "document_footer": "Thank you for your business.",
        "terms": "Payment within 15 days.",
    }
    return data | changes


def stored() -> tuple[Any, ...]:
    agency = agency_get()
    return tuple(getattr(agency, name) for name in [*form_data(), "logo", "logo_content_type"])


@pytest.mark.parametrize(
    ("persona", "read", "write"),
    [
        ("anonymous", 302, 302),
        ("contact_a", 403, 403),
        ("am", 403, 403),
        ("other_am", 403, 403),
        ("specialist", 403, 403),
        ("finance", 403, 403),
        ("admin", 200, 302),
    ],
)
def test_only_the_head_edits_the_agency(http_as: Any, persona: str, read: int, write: int) -> None:
    http = http_as(persona)
    before = stored()

    assert http.get(reverse("settings:agency")).status_code == read
    assert http.get(reverse("settings:letterhead_preview")).status_code == read
    assert http.post(reverse("settings:agency"), form_data(name="Changed")).status_code == write

    if persona != "admin":
        assert stored() == before
        assert not Event.objects.filter(kind="agency.updated").exists()


def test_head_saves_the_details_and_a_logo(http_as: Any, admin: User) -> None:
    http = http_as("admin")
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")

    response = http.post(reverse("settings:agency"), form_data(logo=logo))

    assert response.status_code == 302
    agency = agency_get()
    assert agency.legal_name == "Khata Agency Private Limited"
    assert agency.accent_colour == "#0F766E"
    assert str(agency.logo.name).startswith("agency/logo-") and str(agency.logo.name).endswith(".png")
    assert agency.logo_content_type == "image/png"
    event = Event.objects.get(kind="agency.updated")
    assert event.actor == admin and "logo" in event.summary
    page = http.get(reverse("settings:agency"))
    assert reverse("settings:agency_logo") in page.content.decode()
    served = http.get(reverse("settings:agency_logo"))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    preview = http.get(reverse("settings:letterhead_preview"))
    assert preview["Content-Type"] == "application/pdf" and preview.content.startswith(b"%PDF-")


def test_a_bad_colour_is_refused_and_nothing_changes(http_as: Any) -> None:
    http = http_as("admin")
    before = stored()

    response = http.post(reverse("settings:agency"), form_data(name="Renamed", accent_colour="teal"))

    assert response.status_code == 400
    assert "six hexadecimal digits" in response.content.decode()
    assert stored() == before
    assert not Event.objects.filter(kind="agency.updated").exists()


def test_a_program_named_png_is_refused_and_nothing_changes(http_as: Any, settings: Any) -> None:
    http = http_as("admin")
    before = stored()
    fake = SimpleUploadedFile("logo.png", EXE, content_type="image/png")

    response = http.post(reverse("settings:agency"), form_data(name="Renamed", logo=fake))

    assert response.status_code == 400
    assert "This file is not a PNG image" in response.content.decode()
    assert stored() == before
    assert not (Path(settings.MEDIA_ROOT) / "agency").exists()


def test_a_picture_of_another_kind_is_refused_as_a_logo(admin: User) -> None:
    gif = SimpleUploadedFile("logo.gif", b"GIF89a" + b"\x00" * 32)
    with pytest.raises(Exception, match="not accepted here"):
        agency_update(by=admin, logo=gif)
    assert not agency_get().logo


def test_the_logo_is_served_to_staff_only(http_as: Any, admin: User) -> None:
    agency_update(by=admin, logo=SimpleUploadedFile("logo.png", png_bytes()))
    url = reverse("settings:agency_logo")

    assert http_as("am").get(url).status_code == 200
    assert http_as("contact_a").get(url).status_code == 403
    assert http_as("anonymous").get(url).status_code == 302


def test_the_head_removes_the_logo(http_as: Any, admin: User) -> None:
    agency_update(by=admin, logo=SimpleUploadedFile("logo.png", png_bytes()))

    http_as("admin").post(reverse("settings:agency"), form_data(logo_remove="on"))

    assert not agency_get().logo
    assert http_as("admin").get(reverse("settings:agency_logo")).status_code == 404


def test_hindi_reads_back_as_typed_and_looks_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aliased glyph codes change what a reader copies, never what the page shows."""
    syllables = "कि क की क्षि र्क र्य र्ण ण पत्र ड्राफ़्ट"
    with_codes = sample("hi", heading=syllables, paragraphs=[HINDI])
    # pypdf guesses spaces from glyph positions: compare words, not the runs of spaces between them.
    assert syllables in flat(pypdf_text(with_codes)) and HINDI in pypdf_text(with_codes)
    assert syllables in pdftotext(with_codes, tmp_path)

    monkeypatch.setattr(weasyprint_text, "draw_first_line", pdf_text._weasyprint_draw_line)
    monkeypatch.setattr(
        weasyprint_fonts, "_build_vector_font_dictionary", pdf_text._weasyprint_font_dictionary
    )
    plain = sample("hi", heading=syllables, paragraphs=[HINDI])
    assert syllables not in flat(pypdf_text(plain))  # what WeasyPrint alone gives a reader

    pictures = []
    for name, pdf in (("codes", with_codes), ("plain", plain)):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-singlefile",
                str(tmp_path / f"{name}.pdf"),
                str(tmp_path / name),
            ],
            check=True,
        )
        pictures.append((tmp_path / f"{name}.png").read_bytes())
    assert pictures[0] == pictures[1]
