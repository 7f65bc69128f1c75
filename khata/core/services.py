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


def number_next(*, series: str, on: dt.date) -> str:
    """The next gapless number of a series for the year of ``on``, e.g. ``INV/2026/000123``.

    Must run inside the issuing transaction: the counter row stays locked until it commits, so a
    rolled-back issue gives its number back and two concurrent issues never share one.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the issuing transaction.")
    Counter.objects.get_or_create(series=series, year=on.year)
    counter = Counter.objects.select_for_update().get(series=series, year=on.year)
    counter.last = models.F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    number = f"{series}/{on.year}/{counter.last:06d}"
    if not NUMBER_FORMAT.match(number):
        raise ValueError(f"Number {number!r} breaks the 16-character A-Z 0-9 / - rule.")
    return number
