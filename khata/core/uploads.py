"""Safe uploads and downloads.

A file is judged by its content (its first bytes), never by the name or the browser's content type:
both are chosen by whoever uploads it. Only a short list of document and image kinds is accepted;
executables and anything a browser would run as a page (HTML, SVG) are refused, and a name whose
extension says something else than the content is refused too, so a renamed program never reaches a
colleague as a "PDF". Files go back out only as attachments that the browser must not sniff.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    content_type: str
    extensions: tuple[str, ...]  # the first one is given to a file whose name has none
    label: Any  # a lazy translated name: "a PDF", "a PNG image"


KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", ("pdf",), _("a PDF")),
    "png": Kind("image/png", ("png",), _("a PNG image")),
    "jpeg": Kind("image/jpeg", ("jpg", "jpeg"), _("a JPEG image")),
    "gif": Kind("image/gif", ("gif",), _("a GIF image")),
    "webp": Kind("image/webp", ("webp",), _("a WebP image")),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
        _("a Word document"),
    ),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), _("an Excel workbook")
    ),
    "pptx": Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ("pptx",),
        _("a PowerPoint presentation"),
    ),
    "text": Kind("text/plain", ("txt", "csv", "tsv", "md", "log"), _("a text file")),
}
DEFAULT_KINDS: frozenset[str] = frozenset(KINDS)
IMAGE_KINDS: frozenset[str] = frozenset({"png", "jpeg", "gif", "webp"})

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal (and Java classes)
    b"#!",  # scripts
)
# What a browser takes for a page when it sniffs (WHATWG MIME sniffing looks at these tags).
_MARKUP = re.compile(
    rb"<\s*(!doctype|html|head|body|script|iframe|svg|\?xml|object|embed|style|title|img|div|table)", re.I
)
_OFFICE_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_CSV_TYPES = {"csv": "text/csv", "tsv": "text/tab-separated-values", "md": "text/markdown"}


@dataclass(frozen=True)
class UploadInfo:
    kind: str
    content_type: str
    extension: str
    size: int
    sha256: str


def _extension(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


# Why the content is refused, and what it is called in "This file is not a PDF: … it is …".
_REFUSALS: dict[str, tuple[Any, Any]] = {
    "program": (_("Programs and scripts are not accepted."), _("a program or a script")),
    "markup": (_("Web pages and SVG images are not accepted; attach a PDF or a picture."), _("a web page")),
    "archive": (_("ZIP archives are not accepted; attach the documents themselves."), _("a ZIP archive")),
    "damaged": (_("This archive is damaged and cannot be read."), _("a damaged archive")),
    "macros": (
        _("Office files with macros are not accepted; save it without macros."),
        _("an Office file with macros"),
    ),
    "unknown": (
        _("This kind of file is not accepted. Attach a PDF, an image, an Office document or a text file."),
        _("a file of an unknown kind"),
    ),
}


class _Refused(Exception):
    def __init__(self, what: str) -> None:
        self.what = what


def _office_kind(file: IO[bytes]) -> str:
    """Which Office Open XML document this ZIP is; refuse other archives and macro documents."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _Refused("damaged") from None
    if "[Content_Types].xml" not in names:
        raise _Refused("archive")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _Refused("macros")
    for prefix, kind in _OFFICE_DIRS.items():
        if any(name.startswith(prefix) for name in names):
            return kind
    raise _Refused("archive")


def _is_text(file: IO[bytes]) -> bool:
    """Valid UTF-8 (a BOM allowed) with no NUL byte, read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    file.seek(0)
    while chunk := file.read(64 * 1024):
        if b"\x00" in chunk:
            return False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff(head: bytes, file: IO[bytes]) -> str:
    """The kind of the content, from its first bytes; _Refused for what is never accepted."""
    if head.startswith(_EXECUTABLE_MAGIC):
        raise _Refused("program")
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(file)
    if _is_text(file):
        start = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
        if start.startswith(b"<") and _MARKUP.search(start):
            raise _Refused("markup")
        return "text"
    raise _Refused("unknown")


def upload_check(
    file: Any,
    *,
    max_bytes: int | None = None,
    allowed: frozenset[str] | set[str] = DEFAULT_KINDS,
) -> UploadInfo:
    """Judge an uploaded file by its content; raise ValidationError with a clear message if refused."""
    limit = settings.KHATA_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    size = int(file.size or 0)
    if size == 0:
        raise ValidationError(gettext("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            gettext("The file is too large: %(size)s MB; the limit is %(limit)s MB.")
            % {"size": f"{size / 1_048_576:.1f}", "limit": f"{limit / 1_048_576:.0f}"},
            code="too_large",
        )
    extension = _extension(str(getattr(file, "name", "") or ""))
    claimed = _claimed(extension)
    stream = cast(IO[bytes], file)
    stream.seek(0)
    head = stream.read(2048)
    try:
        kind = _sniff(head, stream)
    except _Refused as refused:
        reason, what = _REFUSALS[refused.what]
        if claimed is not None and refused.what not in ("macros", "damaged"):
            raise ValidationError(_not_what_it_says(claimed, extension, what), code="mismatch") from None
        raise ValidationError(str(reason), code=refused.what) from None
    spec = KINDS[kind]
    if extension and extension not in spec.extensions:
        raise ValidationError(_not_what_it_says(claimed, extension, spec.label), code="mismatch")
    if kind not in allowed:
        raise ValidationError(
            gettext("Files of this kind (%(kind)s) are not accepted here.") % {"kind": spec.label},
            code="kind",
        )
    extension = extension or spec.extensions[0]
    content_type = _CSV_TYPES.get(extension, spec.content_type) if kind == "text" else spec.content_type
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(256 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return UploadInfo(
        kind=kind, content_type=content_type, extension=extension, size=size, sha256=digest.hexdigest()
    )


def _claimed(extension: str) -> Any:
    """What a name's extension says the file is ("a PDF"), or None for no extension."""
    if not extension:
        return None
    for spec in KINDS.values():
        if extension in spec.extensions:
            return spec.label
    return None


def _not_what_it_says(claimed: Any, extension: str, what: Any) -> str:
    if claimed is None:
        return gettext("The name ends in .%(extension)s but the file is %(kind)s.") % {
            "extension": extension,
            "kind": what,
        }
    return gettext("This file is not %(named)s: its name ends in .%(extension)s but it is %(kind)s.") % {
        "named": claimed,
        "extension": extension,
        "kind": what,
    }


def filename_safe(name: str, *, default: str = "download") -> str:
    """A file name fit for a Content-Disposition header: no path, no control characters, not too long."""
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*;')
    base = base.strip(" .")
    if len(base) > 150:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else base[:150]
    return base or default


def file_download(fieldfile: Any, filename: str, content_type: str) -> FileResponse:
    """Send a stored file as an attachment the browser will neither sniff nor run."""
    response = FileResponse(
        fieldfile.open("rb"), as_attachment=True, filename=filename_safe(filename), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
