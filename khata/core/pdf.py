"""PDFs from Django templates, with WeasyPrint, on the agency's letterhead.

``pdf_render`` renders a template in the reader's language and hands the HTML to WeasyPrint. The
fonts are the system's Noto fonts (``fonts-noto-core``: Latin, Cyrillic, Devanagari and ₹), found by
name through fontconfig. A document never reaches the network: the URL fetcher serves only the
project's own static files (``khata-static:path``) and the agency's logo (``khata-agency:logo``),
and refuses everything else, so a URL typed into a document's text is never fetched.

Hindi reads back from the PDF as it was typed (search, copy, text extraction): see ``pdf_text``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from khata.core import pdf_text  # noqa: F401 (puts the text hooks in WeasyPrint)
from khata.core.agency import COLOUR, agency_get
from khata.core.models import Agency

STATIC_SCHEME = "khata-static:"
LOGO_URL = "khata-agency:logo"
DEFAULT_ACCENT = "#1F4E79"
_STATIC_TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}


class PdfFetchRefused(ValueError):
    """A document asked for something outside Khata's own files."""


class LocalFetcher(URLFetcher):
    """Serves the static files and the agency's logo; refuses every other URL (no network, no disk)."""

    def __init__(self, *, agency: Agency) -> None:
        super().__init__(allowed_protocols=(), fail_on_errors=False)
        self.agency = agency
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url == LOGO_URL and self.agency.logo:
            with self.agency.logo.open("rb") as logo:
                body = logo.read()
            return URLFetcherResponse(url, body, {"Content-Type": self.agency.logo_content_type})
        if url.startswith(STATIC_SCHEME):
            relative = url.removeprefix(STATIC_SCHEME).lstrip("/")
            content_type = _STATIC_TYPES.get(Path(relative).suffix.lower())
            found = finders.find(relative) if content_type and ".." not in relative else None
            if isinstance(found, str):
                return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})
        self.refused.append(url)
        raise PdfFetchRefused(f"Documents fetch nothing from outside Khata: {url}")


def pdf_render(*, template: str, context: dict[str, Any], language: str, variant: str | None = None) -> bytes:
    """Render ``template`` to PDF bytes in ``language``, with the agency's letterhead details.

    ``variant`` is one of WeasyPrint's PDF variants (``"pdf/a-3b"`` for an archivable file that may
    carry attachments, as Factur-X needs); None is a plain PDF.
    """
    agency = context.get("agency") or agency_get()
    with translation.override(language):
        html = render_to_string(
            template,
            {
                **context,
                "agency": agency,
                "language": language,
                "logo_url": LOGO_URL if agency.logo else "",
                # The colour goes into the style sheet: only a checked #RRGGBB ever gets there.
                "accent": agency.accent_colour if COLOUR.match(agency.accent_colour) else DEFAULT_ACCENT,
            },
        )
        fetcher = LocalFetcher(agency=agency)
        document = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=fetcher)
        return (document.write_pdf(pdf_variant=variant) if variant else document.write_pdf()) or b""
