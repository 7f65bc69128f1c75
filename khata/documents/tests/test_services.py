"""The document flow's rules: numbering, the life cycle, frozen documents, acts from done work."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import ActLine, Document, DocumentFile
from khata.documents.selectors import (
    act_candidates,
    contracts_coming_up_for,
    document_get_for,
    document_page_for,
    unsigned_acts_for,
)
from khata.documents.services import (
    DocumentError,
    act_line_add,
    act_line_update,
    act_lines_from_project,
    contract_terminate,
    document_accept,
    document_activate,
    document_create,
    document_discard,
    document_dispute,
    document_file_add,
    document_kind_create,
    document_kind_update,
    document_reopen,
    document_revise,
    document_send,
    document_update,
)
from khata.documents.tests.conftest import kind
from khata.people.models import User
from khata.production.models import Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sent_act(act: Document, am: User, done_tasks: list[Task]) -> Document:
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    return document_send(document=act, by=am)


# --- numbering ----------------------------------------------------------------------------------


def test_a_draft_has_no_number_and_sending_registers_it(
    act: Document, am: User, done_tasks: list[Task]
) -> None:
    assert act.number == ""
    sent = sent_act(act, am, done_tasks)
    assert sent.number == "ACT/2026/00001"
    assert sent.status == Document.Status.SENT
    assert sent.registered_at is not None and sent.sent_at is not None


def test_numbers_follow_the_kinds_format_and_restart_each_year(
    kinds: None, am: User, client_a: Client
) -> None:
    numbers = []
    for on in (dt.date(2026, 3, 1), dt.date(2026, 5, 1), dt.date(2027, 1, 2)):
        letter = document_create(by=am, kind=kind("other"), client=client_a, title="Letter", date=on)
        numbers.append(document_send(document=letter, by=am).number)
    assert numbers == ["DOC/2026/00001", "DOC/2026/00002", "DOC/2027/00001"]


def test_a_rolled_back_registration_gives_its_number_back(kinds: None, am: User, client_a: Client) -> None:
    first = document_create(by=am, kind=kind("other"), client=client_a, title="One", date=dt.date(2026, 3, 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        document_send(document=first, by=am)
        raise RuntimeError("the mail server fell over")
    first.refresh_from_db()
    assert first.number == "" and first.is_draft
    assert document_send(document=first, by=am).number == "DOC/2026/00001"


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("CTR/{seq:04}", "{year} or {yy}"),
        ("CTR/{year}", "{seq} exactly once"),
        ("ctr/{year}/{seq}", "capital letters"),
        ("CTR/{year}/{seq.__class__}", "Only {year}, {yy} and {seq}"),
        ("CONTRACTS/{year}/{seq:06}", "16 characters"),
    ],
)
def test_a_bad_number_format_is_refused_with_its_reason(
    admin: User, kinds: None, fmt: str, message: str
) -> None:
    with pytest.raises(DocumentError) as refused:
        document_kind_create(
            by=admin,
            code="sow",
            name="Statement of work",
            behaviour="contract",
            series="SOW",
            number_format=fmt,
        )
    assert message in str(refused.value.message_dict["number_format"])
    assert not kind_exists("sow")


def kind_exists(code: str) -> bool:
    from khata.documents.models import DocumentKind

    return DocumentKind.objects.filter(code=code).exists()


def test_the_head_adds_a_kind_and_an_am_cannot(admin: User, am: User, kinds: None) -> None:
    with pytest.raises(DocumentError):
        document_kind_create(
            by=am,
            code="sow",
            name="SOW",
            behaviour="contract",
            series="SOW",
            number_format="SOW/{year}/{seq:03}",
        )
    made = document_kind_create(
        by=admin,
        code="sow",
        name="Statement of work",
        behaviour="contract",
        series="sow",
        number_format="SOW/{yy}/{seq:03}",
    )
    assert made.series == "SOW"


def test_a_series_in_use_cannot_change(admin: User, act: Document, am: User, done_tasks: list[Task]) -> None:
    sent_act(act, am, done_tasks)
    with pytest.raises(DocumentError) as refused:
        document_kind_update(kind=act.kind, by=admin, series="AOW")
    assert "series" in refused.value.message_dict
    document_kind_update(kind=act.kind, by=admin, number_format="ACT-{yy}-{seq:05}")


def _database_url(tmp_path: Any) -> str:
    """A URL the registering processes reach the test database by (SQLite: a copy in a file)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    path = tmp_path / "registry.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_keeps_numbers_consecutive_and_unique(
    kinds: None, am: User, client_a: Client, tmp_path: Any
) -> None:
    """Four processes register at once, some transactions rolled back: numbers have no gap and no twin."""
    letter_kind = kind("other")
    url = _database_url(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "KHATA_DATA_DIR": str(tmp_path)}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "khata.documents.tests.registrar",
                "15",
                str(client_a.pk),
                str(am.pk),
                str(letter_kind.pk),
                str(fail_every),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for fail_every in (3, 4, 5, 7)
    ]
    outputs = [process.communicate(timeout=180) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], [err for _out, err in outputs]
    numbers = sorted(line for out, _err in outputs for line in out.split())
    assert len(numbers) == 60 - (5 + 4 + 3 + 3)
    assert numbers == [f"DOC/2026/{n:05d}" for n in range(1, len(numbers) + 1)]
    if connection.vendor == "postgresql":
        registered = sorted(Document.objects.exclude(number="").values_list("number", flat=True))
        assert registered == numbers


# --- life cycle ---------------------------------------------------------------------------------


def test_an_act_is_built_from_done_tasks_with_their_time_and_price(
    act: Document, am: User, done_tasks: list[Task]
) -> None:
    candidates = act_candidates(act)
    assert [t.pk for t in candidates.tasks] == [t.pk for t in done_tasks]
    lines = act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    assert [(line.deliverable, line.minutes, line.amount_minor) for line in lines] == [
        ("SEO audit", 540, 80_000_00),
        ("Landing page copy", 200, 30_000_00),
    ]
    act.refresh_from_db()
    assert act.amount_minor == 110_000_00
    assert act_candidates(act).tasks == []
    with pytest.raises(DocumentError, match="Already on an act"):
        act_lines_from_project(document=act, by=am, task_ids=[done_tasks[0].pk])


def test_a_task_not_done_cannot_go_on_an_act(act: Document, am: User, done_tasks: list[Task]) -> None:
    Task.objects.filter(pk=done_tasks[0].pk).update(status=Task.Status.IN_PROGRESS, done_at=None)
    with pytest.raises(DocumentError, match="not done"):
        act_lines_from_project(document=act, by=am, task_ids=[done_tasks[0].pk])
    assert not act.lines.exists()


def test_another_projects_task_is_refused(
    act: Document, am: User, client_a: Client, done_tasks: list[Task]
) -> None:
    from khata.plans.services import project_create

    other = project_create(client=client_a, by=am, name="Other", services="seo")
    stray = Task.objects.create(
        project=other, title="Stray", status=Task.Status.DONE, done_at=done_tasks[0].done_at
    )
    with pytest.raises(DocumentError, match="not tasks of this project"):
        act_lines_from_project(document=act, by=am, task_ids=[stray.pk])


def test_the_client_accepts_an_act_with_name_time_and_ip(
    act: Document, am: User, done_tasks: list[Task], approver_a: User
) -> None:
    sent = sent_act(act, am, done_tasks)
    decision = document_accept(document=sent, by=approver_a, name="Anita Approver", ip_address="203.0.113.9")
    sent.refresh_from_db()
    assert sent.status == Document.Status.ACCEPTED and sent.is_frozen
    assert (decision.name, decision.ip_address, decision.in_portal) == ("Anita Approver", "203.0.113.9", True)
    assert Event.objects.filter(kind="documents.accepted", subject_id=sent.pk).exists()
    assert unsigned_acts_for(am).count() == 0


def test_a_dispute_needs_a_reason_and_waits_on_the_register(
    act: Document, am: User, done_tasks: list[Task], approver_a: User
) -> None:
    sent = sent_act(act, am, done_tasks)
    with pytest.raises(DocumentError) as refused:
        document_dispute(document=sent, by=approver_a, reason="  ")
    assert "reason" in refused.value.message_dict
    document_dispute(document=sent, by=approver_a, reason="The copy was delivered late")
    sent.refresh_from_db()
    assert sent.status == Document.Status.DISPUTED
    assert list(unsigned_acts_for(am)) == [sent]
    reopened = document_reopen(document=sent, by=am)
    assert reopened.is_draft and reopened.number == "ACT/2026/00001"
    act_line_update(line=reopened.lines.first(), by=am, amount_minor=70_000_00)  # type: ignore[arg-type]
    again = document_send(document=reopened, by=am)
    assert again.number == "ACT/2026/00001" and again.amount_minor == 100_000_00


def test_another_clients_contact_cannot_answer(
    act: Document, am: User, done_tasks: list[Task], approver_b: User
) -> None:
    sent = sent_act(act, am, done_tasks)
    with pytest.raises(DocumentError):
        document_accept(document=sent, by=approver_b, name="Ben")
    sent.refresh_from_db()
    assert sent.status == Document.Status.SENT


def test_a_frozen_document_refuses_every_edit(
    act: Document, am: User, done_tasks: list[Task], approver_a: User
) -> None:
    sent = sent_act(act, am, done_tasks)
    document_accept(document=sent, by=approver_a, name="Anita Approver")
    line = sent.lines.first()
    assert line is not None
    for attempt in (
        lambda: document_update(document=sent, by=am, title="Changed"),
        lambda: act_line_add(document=sent, by=am, deliverable="Extra"),
        lambda: act_line_update(line=line, by=am, amount_minor=1),
        lambda: document_reopen(document=sent, by=am),
        lambda: document_discard(document=sent, by=am),
    ):
        with pytest.raises(DocumentError):
            attempt()
    sent.refresh_from_db()
    assert sent.title == "Work done in December" and sent.amount_minor == 110_000_00
    assert ActLine.objects.filter(document=sent).count() == 2


def test_a_correction_is_a_new_version_that_archives_the_old_one(
    act: Document, am: User, done_tasks: list[Task], approver_a: User
) -> None:
    sent = sent_act(act, am, done_tasks)
    document_accept(document=sent, by=approver_a, name="Anita Approver")
    copy = document_revise(document=sent, by=am)
    assert copy.is_draft and copy.replaces_id == sent.pk and copy.lines.count() == 2
    with pytest.raises(DocumentError, match="already exists"):
        document_revise(document=sent, by=am)
    document_send(document=copy, by=am)
    document_accept(document=copy, by=approver_a, name="Anita Approver")
    sent.refresh_from_db()
    assert sent.status == Document.Status.ARCHIVED
    page = document_page_for(am, copy.pk)
    assert [v.pk for v in page.versions] == [sent.pk, copy.pk]


def test_a_contract_is_signed_put_in_force_and_terminated(
    contract: Document, am: User, approver_a: User
) -> None:
    document_send(document=contract, by=am)
    document_accept(document=contract, by=approver_a, name="Anita Approver")
    contract.refresh_from_db()
    assert contract.status == Document.Status.SIGNED and contract.number == "CTR/2026/0001"
    document_activate(document=contract, by=am)
    with pytest.raises(DocumentError):
        contract_terminate(document=contract, by=am, on=dt.date(2026, 6, 30), reason="")
    contract_terminate(document=contract, by=am, on=dt.date(2026, 6, 30), reason="Client merged")
    contract.refresh_from_db()
    assert contract.status == Document.Status.TERMINATED and contract.is_frozen


def test_contract_fields_belong_to_contracts(act: Document, am: User) -> None:
    with pytest.raises(DocumentError) as refused:
        document_update(document=act, by=am, end_date=dt.date(2027, 1, 1), amount_minor=5)
    assert set(refused.value.message_dict) == {"end_date", "amount_minor"}


def test_one_end_of_a_period_is_checked_against_the_other_as_stored(
    act: Document, contract: Document, am: User
) -> None:
    """A change that sends only the end (an API PATCH) is refused when it falls before the stored start."""
    cases = [(act, "period_end", dt.date(2026, 11, 30)), (act, "period_start", dt.date(2027, 1, 1))]
    cases += [(contract, "end_date", dt.date(2025, 12, 31)), (contract, "start_date", dt.date(2027, 1, 1))]
    for document, field, value in cases:
        before = list(Document.objects.filter(pk=document.pk).values())
        with pytest.raises(DocumentError) as refused:
            document_update(document=document, by=am, **{field: value})
        assert set(refused.value.message_dict) == {"period_end" if "period" in field else "end_date"}
        assert list(Document.objects.filter(pk=document.pk).values()) == before
    changed = document_update(document=act, by=am, period_end=dt.date(2026, 12, 15))
    assert (changed.period_start, changed.period_end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 15))


def test_contract_dates_and_notice_show_up_in_time(contract: Document, am: User, approver_a: User) -> None:
    document_send(document=contract, by=am)
    document_accept(document=contract, by=approver_a, name="Anita Approver")
    coming = contracts_coming_up_for(am, days=45, today=dt.date(2026, 11, 20))
    assert [(c.what, c.on) for c in coming] == [
        ("notice", dt.date(2026, 12, 1)),
        ("end", dt.date(2026, 12, 31)),
    ]
    assert contracts_coming_up_for(am, days=30, today=dt.date(2026, 10, 1)) == []


# --- files --------------------------------------------------------------------------------------


def test_files_are_versions_checked_by_content(contract: Document, am: User) -> None:
    document_file_add(document=contract, by=am, file=SimpleUploadedFile("msa.pdf", PDF))
    document_file_add(document=contract, by=am, file=SimpleUploadedFile("msa-v2.pdf", PDF + b"\n"))
    assert list(contract.files.values_list("version", "name")) == [(2, "msa-v2.pdf"), (1, "msa.pdf")]
    exe = SimpleUploadedFile("signed.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    with pytest.raises(DocumentError) as refused:
        document_file_add(document=contract, by=am, file=exe)
    assert "not a PDF" in str(refused.value.message_dict["file"])
    assert DocumentFile.objects.filter(document=contract).count() == 2


# --- who sees what ------------------------------------------------------------------------------


def test_a_contact_never_sees_a_draft_or_another_clients_document(
    act: Document, am: User, contact_a: User, contact_b: User, done_tasks: list[Task]
) -> None:
    from django.http import Http404

    with pytest.raises(Http404):
        document_get_for(contact_a, act.pk)
    sent = sent_act(act, am, done_tasks)
    assert document_get_for(contact_a, sent.pk) == sent
    with pytest.raises(Http404):
        document_get_for(contact_b, sent.pk)


def test_another_am_cannot_draft_for_a_client_not_theirs(
    kinds: None, other_am: User, client_a: Client
) -> None:
    with pytest.raises(DocumentError):
        document_create(by=other_am, kind=kind("other"), client=client_a, title="Letter")
    assert not Document.objects.exists()
