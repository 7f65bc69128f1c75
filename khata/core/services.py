"""Writes of the shared mechanisms: timeline events and document numbers."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from khata.core.models import Counter, Event
from khata.core.texts import text_store

if TYPE_CHECKING:
    from khata.people.models import User

NUMBER_FORMAT = re.compile(r"^[A-Z0-9/-]{1,16}$")


def event_record(
    *,
    kind: str,
    summary: str,
    by: User | None,
    client: Any = None,
    subject: models.Model | None = None,
    data: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Event:
    """Write one timeline event; every state change in every domain calls this.

    With ``params``, ``summary`` is an untranslated message id (mark it with ``gettext_noop``):
    the event keeps it and is shown in each reader's language; the summary column holds English.
    """
    actor = by if by is not None and by.is_authenticated else None
    data = dict(data or {})
    if params is not None:
        summary, data["text"] = text_store(summary, params)
    return Event.objects.create(
        kind=kind,
        summary=summary[:300],
        actor=actor,
        client=client,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        data=data,
    )


NUMBER_PLACEHOLDER = re.compile(r"\{(year|yy|seq(?::0[1-9])?)\}")


def number_format_check(fmt: str) -> str | None:
    """Why a number format cannot be used, or None when it can.

    A format is literal text (A-Z 0-9 / -) with ``{year}`` or ``{yy}`` once and ``{seq}`` (or
    ``{seq:04}``…) once, e.g. ``ACT/{year}/{seq:05}``; nothing else is evaluated, so a format typed
    by the head cannot reach into Python objects. The longest number it can give must fit 16 characters.
    """
    placeholders = NUMBER_PLACEHOLDER.findall(fmt)
    literal = NUMBER_PLACEHOLDER.sub("", fmt)
    if "{" in literal or "}" in literal:
        return "unknown"
    if sum(1 for p in placeholders if p.startswith("seq")) != 1:
        return "seq"
    if sum(1 for p in placeholders if p in ("year", "yy")) != 1:
        return "year"
    if literal and not re.fullmatch(r"[A-Z0-9/-]+", literal):
        return "characters"
    if len(number_render(fmt, year=2099, seq=10 ** _seq_width(fmt) - 1)) > 16:
        return "length"
    return None


def _seq_width(fmt: str) -> int:
    match = re.search(r"\{seq(?::0([1-9]))?\}", fmt)
    return int(match.group(1)) if match and match.group(1) else 1


def number_render(fmt: str, *, year: int, seq: int) -> str:
    """Fill a checked number format: ``{year}``, ``{yy}`` and ``{seq[:0N]}``."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "year":
            return f"{year:04d}"
        if name == "yy":
            return f"{year % 100:02d}"
        return f"{seq:0{_seq_width(match.group(0))}d}"

    return NUMBER_PLACEHOLDER.sub(fill, fmt)


def number_next(*, series: str, on: dt.date, fmt: str | None = None) -> str:
    """The next gapless number of a series for the year of ``on``, e.g. ``INV/2026/000123``.

    ``fmt`` shapes the number (``CTR/{year}/{seq:04}``, see ``number_format_check``); without it the
    number is ``SERIES/YEAR/NNNNNN``. Must run inside the issuing transaction: the counter row stays
    locked until it commits, so a rolled-back issue gives its number back and two concurrent issues
    never share one.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the issuing transaction.")
    Counter.objects.get_or_create(series=series, year=on.year)
    counter = Counter.objects.select_for_update().get(series=series, year=on.year)
    counter.last = models.F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    if fmt is None:
        number = f"{series}/{on.year}/{counter.last:06d}"
    else:
        number = number_render(fmt, year=on.year, seq=counter.last)
    if not NUMBER_FORMAT.match(number):
        raise ValueError(f"Number {number!r} breaks the 16-character A-Z 0-9 / - rule.")
    return number
