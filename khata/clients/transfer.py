"""CSV import and export of clients with their contacts.

The file is UTF-8 (a byte-order mark is fine), comma-separated, with a header row naming the
columns of ``CSV_COLUMNS`` (any order; only ``REQUIRED_COLUMNS`` must be there). One row per contact:
the client columns repeat on each of its contact rows, and a client without contacts is one row with
the contact columns empty. Choice columns take the code (``active``) or the English label
(``Active``); dates are ``YYYY-MM-DD``; tags are separated by ``;``.

An empty cell keeps what the client or contact already has (a new one gets the default), so a file
may carry only the columns it means to change, and an export imports back as "unchanged".

An import is all or nothing: every row runs through the same services the forms use, each write inside
a savepoint so that one bad row cannot hide the next one's errors, and the whole transaction is rolled
back when any row failed or when it is a dry run. The report names every row with its line number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from khata.clients.models import Client, Contact, Sentiment, Tag
from khata.clients.policies import can_edit_client, can_import_clients, can_reassign_client
from khata.clients.services import (
    client_create,
    client_update,
    contact_create,
    contact_update,
)
from khata.clients.validators import phone_clean, tax_id_clean
from khata.core.services import event_record
from khata.people.models import User

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

CSV_COLUMNS: list[str] = [
    "display_name",
    "legal_name",
    "tax_id",
    "country",
    "currency",
    "billing_address",
    "segment",
    "status",
    "owner_email",
    "backup_email",
    "payment_terms_days",
    "tags",
    "partnership_since",
    "contact_name",
    "contact_position",
    "contact_email",
    "contact_phone",
    "contact_language",
    "contact_role",
    "contact_influence",
    "contact_sentiment",
]
CLIENT_COLUMNS = CSV_COLUMNS[:13]
CONTACT_COLUMNS = CSV_COLUMNS[13:]
REQUIRED_COLUMNS = ("display_name", "legal_name", "owner_email")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
TAG_SEPARATOR = ";"
# A spreadsheet runs a cell that starts with one of these as a formula; an export prefixes it with "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_CHUNK = 500

# Column → the model field it fills, and back: service errors speak of fields, the report of columns.
CLIENT_FIELD_OF = {
    "display_name": "display_name",
    "legal_name": "legal_name",
    "tax_id": "tax_id",
    "country": "country",
    "currency": "currency",
    "billing_address": "billing_address",
    "segment": "segment",
    "status": "status",
    "owner_email": "owner",
    "backup_email": "backup",
    "payment_terms_days": "payment_terms_days",
    "partnership_since": "partnership_since",
}
CONTACT_FIELD_OF = {
    "contact_name": "full_name",
    "contact_position": "position",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_language": "language",
    "contact_role": "role",
    "contact_influence": "influence",
    "contact_sentiment": "sentiment",
}
CLIENT_COLUMN_OF = {name: column for column, name in CLIENT_FIELD_OF.items()}
CONTACT_COLUMN_OF = {name: column for column, name in CONTACT_FIELD_OF.items()}

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("new"),
    UPDATE: gettext_lazy("updated"),
    UNCHANGED: gettext_lazy("unchanged"),
    ERROR: gettext_lazy("error"),
}
_STRENGTH = {UNCHANGED: 0, UPDATE: 1, CREATE: 2, ERROR: 3}


@dataclass
class ImportRow:
    """One CSV row's outcome in an import report (line 0 stands for the whole file)."""

    line: int
    client: str
    action: str  # "create", "update", "unchanged" or "error"
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did, or would do, row by row; counts are of rows."""

    rows: list[ImportRow]
    created: int
    updated: int
    unchanged: int
    failed: int
    dry_run: bool

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @classmethod
    def of(cls, rows: list[ImportRow], *, dry_run: bool) -> ImportReport:
        rows = sorted(rows, key=lambda row: row.line)
        count = {action: sum(1 for row in rows if row.action == action) for action in _STRENGTH}
        return cls(
            rows=rows,
            created=count[CREATE],
            updated=count[UPDATE],
            unchanged=count[UNCHANGED],
            failed=count[ERROR],
            dry_run=dry_run,
        )


def client_match(*, tax_id: str, legal_name: str) -> Client | None:
    """The existing client an imported row stands for: same tax id, else same legal name."""
    query = Q(legal_name__iexact=legal_name.strip()) if legal_name.strip() else Q(pk__in=[])
    if tax_id:
        query = Q(tax_id=tax_id) | query
    matches = list(Client.objects.filter(query)[:2])
    # A tax id is the stronger identity: prefer its client when the two point at different ones.
    return next((client for client in matches if tax_id and client.tax_id == tax_id), None) or next(
        iter(matches), None
    )


# ---------------------------------------------------------------- reading the file


class _FileError(Exception):
    """The file as a whole cannot be read: one error row, line 0."""


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    problem: str = ""


def _column(header_cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", header_cell.strip().lower())


def _cell(value: str) -> str:
    """A cell's value, with the export's formula guard taken off again."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in (*FORMULA_STARTS, "'"):
        return value[1:]
    return value


def _read(data: bytes) -> list[_Row]:
    if not data.strip():
        raise _FileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _FileError(
            _("The file is larger than %(size)s MB: split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _FileError(
            _(
                "The file is not UTF-8 text (unreadable byte at position %(position)s). "
                "Save it as “CSV UTF-8” and try again."
            )
            % {"position": error.start}
        ) from error
    if "\x00" in text:
        raise _FileError(_("This is not a CSV file. Save the spreadsheet as “CSV UTF-8” and try again."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((record for record in reader if any(cell.strip() for cell in record)), None)
        if header is None:
            raise _FileError(_("The file is empty."))
        columns = _check_header(header)
        rows: list[_Row] = []
        end = reader.line_num
        for record in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) == MAX_ROWS:
                raise _FileError(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            row = _Row(
                line=start,
                cells={column: _cell(value) for column, value in zip(columns, record, strict=False)},
            )
            if len(record) > len(columns):
                row.problem = _("This row has %(cells)s cells but the header has %(columns)s columns.") % {
                    "cells": len(record),
                    "columns": len(columns),
                }
            rows.append(row)
    except csv.Error as error:
        raise _FileError(
            _("This is not a readable CSV file (line %(line)s: %(reason)s).")
            % {"line": reader.line_num, "reason": error}
        ) from error
    if not rows:
        raise _FileError(_("The file has a header but no rows."))
    return rows


def _check_header(header: list[str]) -> list[str]:
    columns = [_column(cell) for cell in header]
    if len(columns) == 1 and ";" in header[0]:
        raise _FileError(
            _(
                "The columns are separated by semicolons; Khata reads comma-separated files. "
                "Save the spreadsheet as “CSV UTF-8 (comma delimited)”."
            )
        )
    problems: list[str] = []
    unknown = [column or "(empty)" for column in columns if column not in CSV_COLUMNS]
    if unknown:
        problems.append(
            _("Unknown columns: %(unknown)s. The columns Khata reads are: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(CSV_COLUMNS)}
        )
    twice = sorted({column for column in columns if column and columns.count(column) > 1})
    if twice:
        problems.append(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(twice)})
    required = list(REQUIRED_COLUMNS)
    if any(column in CONTACT_COLUMNS for column in columns):
        required.append("contact_name")
    missing = [column for column in required if column not in columns]
    if missing:
        problems.append(_("Missing required columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if problems:
        raise _FileError(" ".join(problems))
    return columns


# ---------------------------------------------------------------- values of a row


def _choices(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Accepted spellings of a choice, lower-cased: its code and its English label."""
    with translation.override("en"):
        accepted = {}
        for code, label in pairs:
            accepted[str(code).lower()] = str(code)
            accepted[str(label).lower()] = str(code)
    return accepted


def _choice_columns() -> dict[str, dict[str, str]]:
    return {
        "segment": _choices(Client.Segment.choices),
        "status": _choices(Client.Status.choices),
        "contact_language": _choices(settings.LANGUAGES),
        "contact_role": _choices(Contact.Role.choices),
        "contact_influence": _choices(Contact.Influence.choices),
        "contact_sentiment": _choices(Sentiment.choices),
    }


def _max_length(model: type[Client] | type[Contact], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _compact_tax_id(value: str) -> str:
    return re.sub(r"[\s\-./]", "", value).upper()


class _Problems(Exception):
    """Errors of one row, by column."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _messages(errors: dict[str, list[str]]) -> list[str]:
    return [
        f"{column}: {message}" if column not in {"", "__all__"} else message
        for column, messages in errors.items()
        for message in messages
    ]


def _service_errors(error: ValidationError, column_of: dict[str, str]) -> list[str]:
    if hasattr(error, "error_dict"):
        return _messages(
            {column_of.get(name, name): messages for name, messages in error.message_dict.items()}
        )
    return list(error.messages)


class _Importer:
    """One import run: parses, matches and writes through the services, row by row."""

    def __init__(self, *, by: User | None) -> None:
        self.by = by
        self.choices = _choice_columns()
        self.users: dict[str, User | None] = {}
        self.tags: dict[str, Tag] = {}
        self.clients_seen: dict[int, int] = {}  # client pk → first line that matched it
        self.counts = {
            "clients_created": 0,
            "clients_updated": 0,
            "contacts_created": 0,
            "contacts_updated": 0,
        }

    # -- parsing -----------------------------------------------------------------------------

    def user(self, email: str) -> User | None:
        key = email.lower()
        if key not in self.users:
            self.users[key] = User.objects.filter(email__iexact=key).first()
        return self.users[key]

    def choice(self, column: str, value: str, errors: dict[str, list[str]]) -> str | None:
        code = self.choices[column].get(value.lower())
        if code is None:
            accepted = sorted({code for code in self.choices[column].values()})
            errors.setdefault(column, []).append(
                _("Unknown value “%(value)s”; use one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(accepted)}
            )
        return code

    def client_values(self, cells: dict[str, str]) -> tuple[dict[str, Any], list[str] | None]:
        """Model values of the non-empty client cells, and the tag names (None: keep the tags)."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for column in ("display_name", "legal_name", "tax_id", "billing_address"):
            if cells.get(column):
                values[column] = cells[column]
        for column in ("country", "currency"):
            if cells.get(column):
                values[column] = cells[column].upper()
        for column in ("segment", "status"):
            if cells.get(column):
                values[column] = self.choice(column, cells[column], errors)
        for column, name in (("owner_email", "owner"), ("backup_email", "backup")):
            email = cells.get(column)
            if email:
                person = self.user(email)
                if person is None:
                    errors.setdefault(column, []).append(
                        _("No one at the agency signs in with %(email)s.") % {"email": email}
                    )
                values[name] = person
        if cells.get("payment_terms_days"):
            try:
                values["payment_terms_days"] = int(cells["payment_terms_days"])
                if not 0 <= values["payment_terms_days"] <= 365:
                    raise ValueError
            except ValueError:
                errors.setdefault("payment_terms_days", []).append(_("A whole number of days from 0 to 365."))
        if cells.get("partnership_since"):
            try:
                values["partnership_since"] = dt.date.fromisoformat(cells["partnership_since"])
                if len(cells["partnership_since"]) != 10:
                    raise ValueError
            except ValueError:
                errors.setdefault("partnership_since", []).append(
                    _("Write the date as YYYY-MM-DD, e.g. 2024-03-31.")
                )
        for name, value in values.items():
            limit = _max_length(Client, name)
            if isinstance(value, str) and limit is not None and len(value) > limit:
                errors.setdefault(CLIENT_COLUMN_OF[name], []).append(
                    _("At most %(max)s characters (this has %(count)s).")
                    % {"max": limit, "count": len(value)}
                )
        tags = None
        if cells.get("tags"):
            tags = sorted(
                {name.strip()[:40] for name in cells["tags"].split(TAG_SEPARATOR) if name.strip()},
                key=str.lower,
            )
        if errors:
            raise _Problems(errors)
        return values, tags

    def contact_values(self, cells: dict[str, str], country: str) -> dict[str, Any]:
        """Model values of the non-empty contact cells; the checks that need no database."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for column in ("contact_name", "contact_position", "contact_email", "contact_phone"):
            if cells.get(column):
                values[CONTACT_FIELD_OF[column]] = cells[column]
        for column in ("contact_language", "contact_role", "contact_influence", "contact_sentiment"):
            if cells.get(column):
                values[CONTACT_FIELD_OF[column]] = self.choice(column, cells[column], errors)
        if values.get("email"):
            values["email"] = values["email"].lower()
            try:
                validate_email(values["email"])
            except ValidationError:
                errors.setdefault("contact_email", []).append(
                    _("%(email)s is not an email address.") % {"email": values["email"]}
                )
        if values.get("phone"):
            try:
                values["phone"] = phone_clean(values["phone"], country or "IN")
            except ValidationError as error:
                errors.setdefault("contact_phone", []).extend(error.messages)
        for name, value in values.items():
            limit = _max_length(Contact, name)
            if isinstance(value, str) and limit is not None and len(value) > limit:
                errors.setdefault(CONTACT_COLUMN_OF[name], []).append(
                    _("At most %(max)s characters (this has %(count)s).")
                    % {"max": limit, "count": len(value)}
                )
        if errors:
            raise _Problems(errors)
        return values

    # -- writing -----------------------------------------------------------------------------

    def tag_objects(self, names: list[str]) -> list[Tag]:
        missing = [name for name in names if name not in self.tags]
        if missing:
            self.tags.update((tag.name, tag) for tag in Tag.objects.filter(name__in=missing))
        for name in names:
            if name not in self.tags:
                self.tags[name] = Tag.objects.get_or_create(name=name)[0]
        return [self.tags[name] for name in names]

    def apply_client(self, group: _ClientGroup) -> str:
        """Create or update the group's client (kept on the group); the action taken."""
        values, tags = self.client_values(group.cells)
        country = values.get("country", "")
        tax_id = values.get("tax_id", "")
        if tax_id and country:
            try:
                tax_id = tax_id_clean(tax_id, country)
            except ValidationError:
                tax_id = tax_id.upper()
        existing = client_match(tax_id=tax_id, legal_name=values.get("legal_name", ""))
        group.existing = existing
        if existing is not None:
            first = self.clients_seen.setdefault(existing.pk, group.lines[0])
            if first != group.lines[0]:
                raise _Problems(
                    {
                        "legal_name": [
                            _("This client is also on line %(line)s with other values.") % {"line": first}
                        ]
                    }
                )
            return self.update_client(existing, values, tags)
        self.check_new_client(values)
        client = client_create(by=self.by, tags=self.tag_objects(tags or []), **values)
        self.clients_seen[client.pk] = group.lines[0]
        group.client = client
        self.counts["clients_created"] += 1
        return CREATE

    def check_new_client(self, values: dict[str, Any]) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("display_name", "legal_name", "country", "currency", "owner"):
            if not values.get(name):
                errors.setdefault(CLIENT_COLUMN_OF[name], []).append(_("A new client needs this value."))
        by = self.by
        holders = {getattr(values.get("owner"), "pk", None), getattr(values.get("backup"), "pk", None)}
        if by is not None and not by.is_head and values.get("owner") is not None and by.pk not in holders:
            errors.setdefault("owner_email", []).append(
                _("You may import only clients that you own or back up.")
            )
        if errors:
            raise _Problems(errors)

    def update_client(self, client: Client, values: dict[str, Any], tags: list[str] | None) -> str:
        changes: dict[str, Any] = {}
        country = values.get("country", client.country)
        for name, new in values.items():
            current = getattr(client, f"{name}_id" if name in {"owner", "backup"} else name)
            wanted = new
            if name == "tax_id":
                try:
                    wanted = tax_id_clean(new, country)
                except ValidationError:
                    wanted = new
            if name in {"owner", "backup"}:
                wanted = new.pk
            if current != wanted:
                changes[name] = new
        tag_change = tags is not None and tags != sorted(
            (tag.name for tag in client.tags.all()), key=str.lower
        )
        if not changes and not tag_change:
            return UNCHANGED
        by = self.by
        if by is not None and not can_edit_client(by, client):
            raise _Problems({"": [_("You may not change this client: it is in another portfolio.")]})
        if by is not None and "owner" in changes and not can_reassign_client(by, client):
            raise _Problems(
                {"owner_email": [_("Only the head of accounts moves a client to another account manager.")]}
            )
        client_update(
            client=client,
            by=by,
            tags=self.tag_objects(tags) if tag_change and tags is not None else None,
            **changes,
        )
        self.counts["clients_updated"] += 1
        return UPDATE

    def apply_contact(self, client: Client, index: _ContactIndex, cells: dict[str, str]) -> str:
        values = self.contact_values(cells, client.country)
        contact = index.find(values.get("email", ""), values.get("full_name", ""))
        if contact is None:
            if self.by is not None and client.pk in index.readonly:
                raise _Problems({"": [_("You may not change this client: it is in another portfolio.")]})
            contact = contact_create(client=client, by=self.by, **values)
            index.add(contact)
            self.counts["contacts_created"] += 1
            return CREATE
        changes = {name: new for name, new in values.items() if getattr(contact, name) != new}
        if not changes:
            return UNCHANGED
        if self.by is not None and client.pk in index.readonly:
            raise _Problems({"": [_("You may not change this client: it is in another portfolio.")]})
        contact = contact_update(contact=contact, by=self.by, **changes)
        index.add(contact)
        self.counts["contacts_updated"] += 1
        return UPDATE


@dataclass
class _ContactGroup:
    lines: list[int]
    cells: dict[str, str]


@dataclass
class _ClientGroup:
    lines: list[int]
    cells: dict[str, str]
    contacts: list[_ContactGroup] = field(default_factory=list)
    contact_keys: dict[str, _ContactGroup] = field(default_factory=dict)
    existing: Client | None = None
    client: Client | None = None

    @property
    def name(self) -> str:
        target = self.client or self.existing
        return (
            self.cells.get("display_name") or self.cells.get("legal_name") or (target and str(target)) or ""
        )


class _ContactIndex:
    """The contacts of one client, found by email or, without one, by name."""

    def __init__(self, contacts: Iterable[Contact], *, readonly: set[int]) -> None:
        self.by_email: dict[str, Contact] = {}
        self.by_name: dict[str, Contact] = {}
        self.readonly = readonly
        for contact in contacts:
            self.add(contact)

    def add(self, contact: Contact) -> None:
        if contact.email:
            self.by_email.setdefault(contact.email.lower(), contact)
        name = contact.full_name.lower()
        if name not in self.by_name or (self.by_name[name].email and not contact.email):
            self.by_name[name] = contact

    def find(self, email: str, name: str) -> Contact | None:
        if email:
            found = self.by_email.get(email.lower())
            if found is None:
                # A person first imported without an email, now with one.
                candidate = self.by_name.get(name.lower())
                if candidate is not None and not candidate.email:
                    found = candidate
            return found
        return self.by_name.get(name.lower()) if name else None


def _same(column: str, one: str, other: str, choices: dict[str, dict[str, str]]) -> bool:
    if column in choices:
        return choices[column].get(one.lower(), one.lower()) == choices[column].get(
            other.lower(), other.lower()
        )
    if column == "tax_id":
        return _compact_tax_id(one) == _compact_tax_id(other)
    if column.endswith("email") or column in {"country", "currency"}:
        return one.lower() == other.lower()
    if column == "tags":
        return {tag.strip() for tag in one.split(TAG_SEPARATOR) if tag.strip()} == {
            tag.strip() for tag in other.split(TAG_SEPARATOR) if tag.strip()
        }
    return one == other


def _merge(
    target: dict[str, str],
    first_line: int,
    cells: dict[str, str],
    columns: list[str],
    choices: dict[str, dict[str, str]],
) -> dict[str, list[str]]:
    """Fill the group's empty cells from this row; a different non-empty value is an error."""
    errors: dict[str, list[str]] = {}
    for column in columns:
        value = cells.get(column, "")
        if not value:
            continue
        if not target.get(column):
            continue
        if not _same(column, target[column], value, choices):
            errors.setdefault(column, []).append(
                _("Line %(line)s gives “%(value)s” for the same %(what)s.")
                % {
                    "line": first_line,
                    "value": target[column],
                    "what": _("contact") if column in CONTACT_COLUMNS else _("client"),
                }
            )
    if not errors:
        for column in columns:
            if cells.get(column) and not target.get(column):
                target[column] = cells[column]
    return errors


def _group(
    rows: list[_Row], choices: dict[str, dict[str, str]], outcome: dict[int, ImportRow]
) -> list[_ClientGroup]:
    """Rows gathered per client (by tax id, else legal name) and per contact (by email, else name)."""
    groups: list[_ClientGroup] = []
    keys: dict[str, _ClientGroup] = {}
    for row in rows:
        cells = row.cells
        name = cells.get("display_name") or cells.get("legal_name") or ""
        if row.problem:
            outcome[row.line] = ImportRow(row.line, name, ERROR, [row.problem])
            continue
        tax_key = "tax:" + _compact_tax_id(cells.get("tax_id", "")) if cells.get("tax_id") else ""
        name_key = "name:" + cells.get("legal_name", "").lower() if cells.get("legal_name") else ""
        if not tax_key and not name_key:
            outcome[row.line] = ImportRow(
                row.line,
                name,
                ERROR,
                [f"legal_name: {_('Every row names its client: give the legal name.')}"],
            )
            continue
        group = keys.get(tax_key) or keys.get(name_key)
        if group is None:
            group = _ClientGroup(lines=[], cells={})
            groups.append(group)
        else:
            errors = _merge(group.cells, group.lines[0], cells, CLIENT_COLUMNS, choices)
            if errors:
                outcome[row.line] = ImportRow(row.line, name, ERROR, _messages(errors))
                continue
        if not group.lines:
            group.cells = {column: cells[column] for column in CLIENT_COLUMNS if cells.get(column)}
        group.lines.append(row.line)
        for key in (tax_key, name_key):
            if key:
                keys.setdefault(key, group)
        outcome[row.line] = ImportRow(row.line, name, UNCHANGED, [])
        contact_cells = {column: cells[column] for column in CONTACT_COLUMNS if cells.get(column)}
        if not contact_cells:
            continue
        email_key = (
            "email:" + contact_cells["contact_email"].lower() if contact_cells.get("contact_email") else ""
        )
        person_key = (
            "name:" + contact_cells["contact_name"].lower() if contact_cells.get("contact_name") else ""
        )
        contact = group.contact_keys.get(email_key) if email_key else None
        if contact is None and person_key:
            candidate = group.contact_keys.get(person_key)
            if candidate is not None and not (email_key and candidate.cells.get("contact_email")):
                contact = candidate
        if contact is None:
            contact = _ContactGroup(lines=[row.line], cells=contact_cells)
            group.contacts.append(contact)
        else:
            errors = _merge(contact.cells, contact.lines[0], contact_cells, CONTACT_COLUMNS, choices)
            if errors:
                outcome[row.line] = ImportRow(row.line, name, ERROR, _messages(errors))
                continue
            contact.lines.append(row.line)
        for key in (email_key, person_key):
            if key:
                group.contact_keys.setdefault(key, contact)
    return groups


def clients_import(*, data: bytes, by: User | None, dry_run: bool) -> ImportReport:
    """Import clients with their contacts from CSV bytes: all or nothing, with a row-by-row report.

    Every row goes through the client and contact services, each write inside a savepoint, so the
    report carries every bad row's errors; the transaction is rolled back when a row failed or on a
    dry run.
    A successful run leaves one ``clients.import_completed`` event beside the services' own events.
    """
    if by is not None and not can_import_clients(by):
        return ImportReport.of([ImportRow(0, "", ERROR, [_("You may not import clients.")])], dry_run=dry_run)
    try:
        rows = _read(data)
    except _FileError as error:
        return ImportReport.of([ImportRow(0, "", ERROR, [str(error)])], dry_run=dry_run)
    importer = _Importer(by=by)
    outcome: dict[int, ImportRow] = {}
    groups = _group(rows, importer.choices, outcome)
    with transaction.atomic():
        for group in groups:
            _import_group(importer, group, outcome)
        report = ImportReport.of(list(outcome.values()), dry_run=dry_run)
        if dry_run or not report.ok:
            transaction.set_rollback(True)
        else:
            event_record(
                kind="clients.import_completed",
                summary=gettext_noop(
                    "Clients imported: %(created)s rows new, %(updated)s updated, %(unchanged)s unchanged"
                ),
                params={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                by=by,
                data={
                    "rows": len(report.rows),
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    **importer.counts,
                },
            )
    return report


def _settle(
    outcome: dict[int, ImportRow], line: int, action: str, name: str, errors: Iterable[str] = ()
) -> None:
    row = outcome[line]
    row.client = name or row.client
    row.errors.extend(errors)
    if _STRENGTH[action] > _STRENGTH[row.action]:
        row.action = action


def _attempt(step: Callable[[], str], column_of: dict[str, str], *, savepoint: bool) -> tuple[str, list[str]]:
    """Run one row's writes; their errors as report messages instead of an exception.

    The services roll their own writes back to a savepoint when they refuse; ``savepoint`` adds
    one around the whole step for steps that also read or write outside a service.
    """
    try:
        if not savepoint:
            return step(), []
        with transaction.atomic():
            return step(), []
    except _Problems as problems:
        return ERROR, _messages(problems.errors)
    except ValidationError as error:
        return ERROR, _service_errors(error, column_of)
    except DatabaseError as error:
        return ERROR, [_("The database refused this row: %(reason)s") % {"reason": error}]


def _import_group(importer: _Importer, group: _ClientGroup, outcome: dict[int, ImportRow]) -> None:
    first = group.lines[0]
    action, errors = _attempt(lambda: importer.apply_client(group), CLIENT_COLUMN_OF, savepoint=True)
    client = group.client or group.existing
    _settle(outcome, first, action, group.name, errors)
    if errors:
        for line in group.lines[1:]:
            _settle(
                outcome,
                line,
                ERROR,
                group.name,
                [_("The client has errors: see line %(line)s.") % {"line": first}],
            )
    if client is None:
        # A new client that failed: check its contacts as far as that goes without the database.
        country = group.cells.get("country", "")
        for contact in group.contacts:
            try:
                importer.contact_values(contact.cells, country.upper() if len(country) == 2 else "IN")
            except _Problems as problems:
                _settle(outcome, contact.lines[0], ERROR, group.name, _messages(problems.errors))
        return
    readonly: set[int] = set()
    if importer.by is not None and not can_edit_client(importer.by, client):
        readonly.add(client.pk)
    index = _ContactIndex(client.contacts.all() if group.existing is not None else [], readonly=readonly)
    for contact in group.contacts:
        action, errors = _attempt(
            partial(importer.apply_contact, client, index, contact.cells), CONTACT_COLUMN_OF, savepoint=False
        )
        _settle(outcome, contact.lines[0], action, group.name, errors)
        for line in contact.lines[1:]:
            if errors:
                _settle(
                    outcome,
                    line,
                    ERROR,
                    group.name,
                    [_("The contact has errors: see line %(line)s.") % {"line": contact.lines[0]}],
                )


# ---------------------------------------------------------------- export


def _safe(value: str) -> str:
    """Guard a cell against running as a spreadsheet formula (CSV injection)."""
    if value and (value[0] in FORMULA_STARTS or (value[0] == "'" and value[1:2] in (*FORMULA_STARTS, "'"))):
        return "'" + value
    return value


def _client_cells(client: Client) -> list[str]:
    return [
        client.display_name,
        client.legal_name,
        client.tax_id,
        client.country,
        client.currency,
        client.billing_address,
        client.segment,
        client.status,
        client.owner.email,
        client.backup.email if client.backup is not None else "",
        str(client.payment_terms_days),
        f"{TAG_SEPARATOR} ".join(sorted((tag.name for tag in client.tags.all()), key=str.lower)),
        client.partnership_since.isoformat() if client.partnership_since else "",
    ]


def _contact_cells(contact: Contact | None) -> list[str]:
    if contact is None:
        return [""] * len(CONTACT_COLUMNS)
    return [
        contact.full_name,
        contact.position,
        contact.email,
        contact.phone,
        contact.language,
        contact.role,
        contact.influence,
        contact.sentiment,
    ]


def clients_export(*, clients: QuerySet[Client], out: SupportsWrite[str]) -> int:
    """Write the clients as CSV (the import's columns, one row per contact); the number of rows.

    Reads in chunks with their tags and contacts prefetched: a fixed number of queries per chunk.
    """
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    if not clients.ordered:
        clients = clients.order_by("display_name", "id")
    clients = clients.select_related("owner", "backup").prefetch_related(
        "tags", Prefetch("contacts", queryset=Contact.objects.order_by("full_name", "id"))
    )
    written = 0
    for client in clients.iterator(chunk_size=EXPORT_CHUNK):
        head = _client_cells(client)
        contacts: list[Contact | None] = [*client.contacts.all()] or [None]
        for contact in contacts:
            writer.writerow([_safe(value) for value in head + _contact_cells(contact)])
            written += 1
    return written
