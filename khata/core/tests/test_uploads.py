from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from khata.core.uploads import IMAGE_KINDS, file_download, filename_safe, upload_check


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POWERPOINT = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
MACROS = _zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
DOCX = _zip("[Content_Types].xml", "word/document.xml")
XLSX = _zip("[Content_Types].xml", "xl/workbook.xml")
PPTX = _zip("[Content_Types].xml", "ppt/presentation.xml")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "kind", "content_type", "extension"),
    [
        ("offer.pdf", PDF, "pdf", "application/pdf", "pdf"),
        ("logo.png", PNG, "png", "image/png", "png"),
        ("photo.JPG", JPEG, "jpeg", "image/jpeg", "jpg"),
        ("photo.jpeg", JPEG, "jpeg", "image/jpeg", "jpeg"),
        ("anim.gif", GIF, "gif", "image/gif", "gif"),
        ("shot.webp", WEBP, "webp", "image/webp", "webp"),
        ("brief.docx", DOCX, "docx", WORD, "docx"),
        ("sheet.xlsx", XLSX, "xlsx", EXCEL, "xlsx"),
        ("deck.pptx", PPTX, "pptx", POWERPOINT, "pptx"),
        ("notes.txt", "Namaste, नमस्ते, привет\n".encode(), "text", "text/plain", "txt"),
        ("leads.csv", b"\xef\xbb\xbfname,city\nAsha,Pune\n", "text", "text/csv", "csv"),
        ("no-extension", PDF, "pdf", "application/pdf", "pdf"),
        ("tags.txt", b"Use a <div> here, not <table>.\n", "text", "text/plain", "txt"),
    ],
)
def test_accepted_kinds_are_told_by_their_content(
    name: str, content: bytes, kind: str, content_type: str, extension: str
) -> None:
    info = upload_check(upload(name, content))
    assert (info.kind, info.content_type, info.extension) == (kind, content_type, extension)
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", EXE, "Programs and scripts are not accepted."),
        ("tool", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "Programs and scripts are not accepted."),
        ("app", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 64, "Programs and scripts are not accepted."),
        ("run.sh", b"#!/bin/sh\nrm -rf ~\n", "Programs and scripts are not accepted."),
        ("page.htm", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "Web pages and SVG images"),
        ("icon.svg", SVG, "Web pages and SVG images"),
        ("bare", b"  <svg onload=alert(1)>", "Web pages and SVG images"),
        ("bundle.zip", _zip("a.txt", "b.txt"), "ZIP archives are not accepted"),
        ("macro.docx", MACROS, "Office files with macros are not accepted"),
        ("broken", b"PK\x03\x04garbage", "damaged"),
        ("blob.bin", bytes(range(256)) * 4, "This kind of file is not accepted."),
        ("empty.pdf", b"", "The file is empty."),
        ("invoice.pdf", EXE, "This file is not a PDF: its name ends in .pdf but it is a program"),
        ("photo.png", PDF, "This file is not a PNG image: its name ends in .png but it is a PDF."),
        (
            "report.pdf",
            b"<html><body>hi</body></html>",
            "This file is not a PDF: its name ends in .pdf but it is a web page",
        ),
        ("logo.exe", PNG, "The name ends in .exe but the file is a PNG image."),
        ("notes.html", b"just words\n", "The name ends in .html but the file is a text file."),
    ],
)
def test_refused_files_say_why(name: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        upload_check(upload(name, content))
    assert message in caught.value.messages[0]


def test_a_file_over_the_limit_is_refused(settings: object) -> None:
    with pytest.raises(ValidationError) as caught:
        upload_check(upload("big.pdf", PDF + b"0" * 2_000_000), max_bytes=1_048_576)
    assert caught.value.messages == ["The file is too large: 1.9 MB; the limit is 1 MB."]


def test_the_default_limit_comes_from_the_settings(settings: object) -> None:
    settings.KHATA_UPLOAD_MAX_BYTES = 10  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="too large"):
        upload_check(upload("offer.pdf", PDF))


def test_a_caller_may_accept_fewer_kinds() -> None:
    assert upload_check(upload("logo.png", PNG), allowed=IMAGE_KINDS).kind == "png"
    with pytest.raises(ValidationError) as caught:
        upload_check(upload("offer.pdf", PDF), allowed=IMAGE_KINDS)
    assert caught.value.messages == ["Files of this kind (a PDF) are not accepted here."]


def test_the_file_is_rewound_for_storage() -> None:
    file = upload("offer.pdf", PDF)
    upload_check(file)
    assert file.read() == PDF


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\asha\\offer.pdf", "offer.pdf"),
        ('re"port;\r\n.pdf', "report.pdf"),
        ("स्वागत.pdf", "स्वागत.pdf"),
        ("...", "download"),
        ("a" * 300 + ".pdf", "a" * 146 + ".pdf"),
    ],
)
def test_download_names_are_made_safe(name: str, safe: str) -> None:
    assert filename_safe(name) == safe


def test_a_download_is_an_attachment_the_browser_does_not_sniff(settings: object) -> None:
    stored = default_storage.save("tests/offer.pdf", ContentFile(PDF))
    fieldfile = default_storage.open(stored)
    response = file_download(fieldfile, '../evil"name.pdf', "application/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="evilname.pdf"'
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[arg-type]
