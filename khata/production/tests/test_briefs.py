"""Briefs through the pages: the head's template editor, sending from a project, the staff brief page,
answering in the portal, files, the boards, and fixed query counts."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client, Contact
from khata.clients.services import contact_create
from khata.core.boards import board_cards, portal_project_page, project_page
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import Project
from khata.plans.services import project_create
from khata.portal.selectors import portal_contact_get_for, portal_home_for
from khata.production.brief_boards import briefs_incomplete_card
from khata.production.brief_selectors import project_briefs_for
from khata.production.models import Brief, BriefAnswer, BriefQuestion, BriefTemplate
from khata.production.services import (
    ProductionError,
    brief_answers_save,
    brief_completeness,
    brief_question_add,
    brief_question_move,
    brief_question_remove,
    brief_question_update,
    brief_send,
    brief_template_create,
    brief_template_update,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n"


@pytest.fixture(autouse=True)
def media_root(settings: Any) -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="khata-briefs-")
    settings.MEDIA_ROOT = folder
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def template(admin: User) -> BriefTemplate:
    """A copywriting brief: a required text, a required choice, a number, a link and a file."""
    template = brief_template_create(by=admin, service="copywriting", name="Copy brief")
    brief_question_add(template=template, by=admin, text="Who reads it?", required=True)
    brief_question_add(
        template=template, by=admin, text="Tone", kind="choice", choices=["Formal", "Friendly"], required=True
    )
    brief_question_add(template=template, by=admin, text="Words", kind="number")
    brief_question_add(template=template, by=admin, text="Example", kind="url")
    brief_question_add(template=template, by=admin, text="Brand book", kind="file")
    return template


def q(template: BriefTemplate, kind: str) -> BriefQuestion:
    return template.questions.get(kind=kind)


@pytest.fixture
def brief(project: Project, template: BriefTemplate, am: User, contact_a_row: Contact) -> Brief:
    return brief_send(project=project, template=template, contact=contact_a_row, by=am)


def _answers(brief: Brief) -> dict[int, tuple[str, str]]:
    return {a.question_id: (a.value, a.file.name or "") for a in BriefAnswer.objects.filter(brief=brief)}


# --- the template editor ----------------------------------------------------------------------------

EDITOR = {"admin": 200, "am": 403, "other_am": 403, "specialist": 403, "finance": 403}
READER = {"admin": 200, "am": 200, "other_am": 200, "specialist": 403, "finance": 403}


@pytest.mark.parametrize(
    "persona", ["anonymous", "contact_a", "admin", "am", "other_am", "specialist", "finance"]
)
def test_template_pages_answer_each_persona(http_as: Any, template: BriefTemplate, persona: str) -> None:
    http = http_as(persona)
    question = q(template, "text")
    reads = [reverse("briefs:templates"), reverse("briefs:template", args=[template.pk])]
    writes = [
        (reverse("briefs:template_create"), {"name": "New", "service": "seo", "active": "on"}),
        (reverse("briefs:template", args=[template.pk]), {"name": "Renamed", "service": "seo"}),
        (reverse("briefs:question_add", args=[template.pk]), {"text": "More?", "kind": "text"}),
        (reverse("briefs:question_edit", args=[question.pk]), {"text": "Changed", "kind": "text"}),
        (reverse("briefs:question_move", args=[question.pk]), {"direction": "down"}),
        (reverse("briefs:question_remove", args=[q(template, "number").pk]), {}),
    ]
    before = (
        list(BriefTemplate.objects.values_list("name", "service", "active")),
        list(BriefQuestion.objects.values_list("pk", "text", "order")),
    )
    for url in reads:
        response = http.get(url)
        if persona == "anonymous":
            assert response.status_code == 302
        elif persona == "contact_a":
            assert response.status_code == 403
        else:
            assert response.status_code == READER[persona], url
    if persona != "admin":
        for url, data in writes:
            response = http.post(url, data)
            expected = 302 if persona == "anonymous" else 403
            assert response.status_code == expected, url
        after = (
            list(BriefTemplate.objects.values_list("name", "service", "active")),
            list(BriefQuestion.objects.values_list("pk", "text", "order")),
        )
        assert after == before
        return
    for url, data in writes:
        assert http.post(url, data).status_code == 302, url
    template.refresh_from_db()
    assert template.name == "Renamed" and template.service == "seo" and not template.active
    assert BriefTemplate.objects.filter(name="New", service="seo", active=True).exists()
    texts = list(template.questions.values_list("text", flat=True))
    assert texts == ["Tone", "Changed", "Example", "Brand book", "More?"]


def test_am_reads_the_templates_without_edit_buttons(http_as: Any, template: BriefTemplate) -> None:
    page = http_as("am").get(reverse("briefs:template", args=[template.pk])).content.decode()
    assert "Who reads it?" in page
    assert reverse("briefs:question_add", args=[template.pk]) not in page
    page = http_as("admin").get(reverse("briefs:template", args=[template.pk])).content.decode()
    assert reverse("briefs:question_add", args=[template.pk]) in page


def test_question_form_errors_answer_400_and_change_nothing(http_as: Any, template: BriefTemplate) -> None:
    http = http_as("admin")
    count = template.questions.count()
    response = http.post(
        reverse("briefs:question_add", args=[template.pk]),
        {"text": "Pick", "kind": "choice", "choices": "Only one"},
    )
    assert response.status_code == 400
    assert "at least two choices" in response.content.decode()
    assert template.questions.count() == count
    response = http.post(
        reverse("briefs:question_add", args=[template.pk]),
        {"text": "Pick", "kind": "choice", "choices": "Red\n\n Blue \n"},
    )
    assert response.status_code == 302
    assert template.questions.get(text="Pick").choices == ["Red", "Blue"]


def test_answered_question_keeps_its_kind_and_answered_choices(
    admin: User, contact_a: User, brief: Brief, template: BriefTemplate
) -> None:
    tone, text = q(template, "choice"), q(template, "text")
    brief_answers_save(brief=brief, by=contact_a, values={tone.pk: "Friendly", text.pk: "Engineers"})
    with pytest.raises(ProductionError) as caught:
        brief_question_update(question=text, by=admin, text="Who?", kind="number")
    assert "kind" in caught.value.message_dict
    with pytest.raises(ProductionError) as caught:
        brief_question_update(question=tone, by=admin, text="Tone", kind="choice", choices=["Formal", "Dry"])
    assert "Friendly" in caught.value.message_dict["choices"][0]
    with pytest.raises(ProductionError) as caught:
        brief_question_remove(question=text, by=admin)
    assert "question" in caught.value.message_dict
    # Rewording, making optional and adding a choice stay possible.
    brief_question_update(question=text, by=admin, text="Who reads the text?", kind="text", required=False)
    brief_question_update(
        question=tone,
        by=admin,
        text="Tone",
        kind="choice",
        choices=["Formal", "Friendly", "Dry"],
        required=True,
    )
    assert _answers(brief)[tone.pk] == ("Friendly", "")
    # A question nobody answered goes; the template can be taken out of use and stays on its briefs.
    brief_question_remove(question=q(template, "number"), by=admin)
    brief_template_update(
        template=template, by=admin, name=template.name, service="copywriting", active=False
    )
    brief.refresh_from_db()
    assert brief.template_id == template.pk and brief.status == Brief.Status.SENT
    assert Event.objects.filter(kind="production.brief_question_removed").count() == 1


def test_remove_refused_on_the_page_answers_400(
    http_as: Any, contact_a: User, brief: Brief, template: BriefTemplate
) -> None:
    text = q(template, "text")
    brief_answers_save(brief=brief, by=contact_a, values={text.pk: "Engineers"})
    response = http_as("admin").post(reverse("briefs:question_remove", args=[text.pk]))
    assert response.status_code == 400
    assert BriefQuestion.objects.filter(pk=text.pk).exists()


def test_questions_move_up_and_down(admin: User, template: BriefTemplate) -> None:
    first, second = list(template.questions.order_by("order"))[:2]
    brief_question_move(question=second, by=admin, up=True)
    assert list(template.questions.order_by("order").values_list("pk", flat=True))[:2] == [
        second.pk,
        first.pk,
    ]
    brief_question_move(question=second, by=admin, up=True)  # already first: stays
    assert list(template.questions.order_by("order").values_list("order", flat=True)) == [1, 2, 3, 4, 5]


# --- sending a brief and the staff page ----------------------------------------------------------------


def test_am_sends_a_brief_from_the_project(
    http_as: Any, project: Project, template: BriefTemplate, contact_a_row: Contact
) -> None:
    http = http_as("am")
    url = reverse("briefs:send", args=[project.pk])
    page = http.get(url)
    assert page.status_code == 200 and contact_a_row.full_name in page.content.decode()
    bad = http.post(url, {"template": template.pk, "contact": "999999"})
    assert bad.status_code == 400 and not Brief.objects.exists()
    response = http.post(url, {"template": template.pk, "contact": contact_a_row.pk})
    brief = Brief.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("briefs:detail", args=[brief.pk])
    assert brief.sent_to == contact_a_row and brief.status == Brief.Status.SENT


def test_inactive_template_and_strangers_cannot_send(
    http_as: Any, project: Project, template: BriefTemplate, contact_a_row: Contact, admin: User
) -> None:
    url = reverse("briefs:send", args=[project.pk])
    assert http_as("other_am").get(url).status_code == 404
    assert http_as("specialist").get(url).status_code == 404
    assert http_as("contact_a").get(url).status_code == 403
    brief_template_update(
        template=template, by=admin, name=template.name, service="copywriting", active=False
    )
    response = http_as("am").post(url, {"template": template.pk, "contact": contact_a_row.pk})
    assert response.status_code == 400 and not Brief.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("am", 200),
        ("other_am", 404),
        ("finance", 200),
        ("contact_a", 403),
        ("contact_b", 403),
    ],
)
def test_staff_brief_page_and_file(
    http_as: Any, contact_a: User, brief: Brief, template: BriefTemplate, persona: str, status: int
) -> None:
    brief_answers_save(
        brief=brief,
        by=contact_a,
        values={q(template, "text").pk: "Engineers"},
        files={q(template, "file").pk: SimpleUploadedFile("brand.pdf", PDF)},
    )
    answer = BriefAnswer.objects.get(question__kind="file")
    http = http_as(persona)
    page = http.get(reverse("briefs:detail", args=[brief.pk]))
    assert page.status_code == status
    download = http.get(reverse("briefs:file", args=[brief.pk, answer.pk]))
    assert download.status_code == status
    if status == 200:
        assert "Engineers" in page.content.decode()
        assert download["Content-Disposition"].startswith("attachment")
        assert download["Content-Type"] == "application/octet-stream"
        assert b"".join(download.streaming_content).startswith(b"%PDF")


# --- the portal ----------------------------------------------------------------------------------------


def test_contact_saves_in_parts_comes_back_and_submits(
    http_as: Any, contact_a: User, brief: Brief, template: BriefTemplate
) -> None:
    http = http_as("contact_a")
    url = reverse("portal:brief", args=[brief.pk])
    page = http.get(url).content.decode()
    assert "Who reads it?" in page and "0/2" in page
    assert reverse("portal:brief_submit", args=[brief.pk]) not in page
    text, tone, words = q(template, "text"), q(template, "choice"), q(template, "number")
    response = http.post(url, {f"q{text.pk}": "Engineers", f"q{words.pk}": "1,200"})
    assert response.status_code == 302
    assert _answers(brief) == {text.pk: ("Engineers", ""), words.pk: ("1,200", "")}
    # Handing in too early is refused and changes nothing.
    early = http.post(reverse("portal:brief_submit", args=[brief.pk]))
    assert early.status_code == 400
    brief.refresh_from_db()
    assert brief.status == Brief.Status.SENT
    page = http.get(url).content.decode()
    assert "Engineers" in page and "1/2" in page
    response = http.post(
        url, {f"q{text.pk}": "Engineers", f"q{tone.pk}": "Friendly", f"q{words.pk}": "1,200"}
    )
    assert response.status_code == 302
    page = http.get(url).content.decode()
    assert reverse("portal:brief_submit", args=[brief.pk]) in page
    assert http.post(reverse("portal:brief_submit", args=[brief.pk])).status_code == 302
    brief.refresh_from_db()
    assert brief.status == Brief.Status.ANSWERED and brief.answered_at is not None
    # Once handed in the page is read-only and saving is refused.
    assert http.post(url, {f"q{text.pk}": "Changed"}).status_code == 400
    assert _answers(brief)[text.pk] == ("Engineers", "")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("number", "lots", "Enter a number."),
        ("url", "ftp://example.test", "web address"),
        ("choice", "Shouty", "offered choices"),
    ],
)
def test_a_wrong_answer_answers_400_and_saves_nothing(
    http_as: Any, brief: Brief, template: BriefTemplate, kind: str, value: str, message: str
) -> None:
    text = q(template, "text")
    wrong = q(template, kind)
    response = http_as("contact_a").post(
        reverse("portal:brief", args=[brief.pk]), {f"q{text.pk}": "Engineers", f"q{wrong.pk}": value}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and f'id="id_q{wrong.pk}_errors"' in body
    assert _answers(brief) == {}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("brand.pdf", b"MZ\x90\x00 not a pdf", "This file is not a PDF"),
        ("brand.exe", b"MZ\x90\x00", "Programs and scripts are not accepted"),
        ("brand.txt", b"\x00\x01\x02binary", "This file is not a text file"),
        ("brand.html", b"<html><script>alert(1)</script></html>", "Web pages"),
    ],
)
def test_a_wrong_file_answers_400(
    http_as: Any, brief: Brief, template: BriefTemplate, name: str, content: bytes, message: str
) -> None:
    file = q(template, "file")
    response = http_as("contact_a").post(
        reverse("portal:brief", args=[brief.pk]), {f"q{file.pk}": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert _answers(brief) == {}


def test_a_big_file_is_refused(contact_a: User, brief: Brief, template: BriefTemplate, settings: Any) -> None:
    big = SimpleUploadedFile("notes.txt", b"a" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ProductionError) as caught:
        brief_answers_save(brief=brief, by=contact_a, values={}, files={q(template, "file").pk: big})
    assert "too large" in caught.value.message_dict[f"q{q(template, 'file').pk}"][0]


def test_contact_downloads_own_file_and_keeps_it_when_saving_again(
    http_as: Any, brief: Brief, template: BriefTemplate
) -> None:
    http = http_as("contact_a")
    url = reverse("portal:brief", args=[brief.pk])
    file = q(template, "file")
    assert http.post(url, {f"q{file.pk}": SimpleUploadedFile("brand.pdf", PDF)}).status_code == 302
    assert http.post(url, {f"q{q(template, 'text').pk}": "Engineers"}).status_code == 302
    answer = BriefAnswer.objects.get(question=file)
    assert (answer.file.name or "").endswith(".pdf")
    download = http.get(reverse("portal:brief_file", args=[brief.pk, answer.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert (
        http_as("contact_b").get(reverse("portal:brief_file", args=[brief.pk, answer.pk])).status_code == 404
    )


def test_other_client_and_a_colleague_get_404(
    http_as: Any, brief: Brief, template: BriefTemplate, client_a: Client, am: User
) -> None:
    """A brief is for the contact it was sent to: another client's contact and a colleague get 404."""
    colleague = contact_create(
        client=client_a, by=am, full_name="Ravi Colleague", email="ravi@acme.test", portal_access=True
    )
    assert colleague.user is not None
    colleague.user.set_password("pw-ravi-2026")
    colleague.user.save()
    text = q(template, "text")
    for http in (http_as("contact_b"), _signed_in(colleague.user)):
        assert http.get(reverse("portal:brief", args=[brief.pk])).status_code == 404
        assert http.post(reverse("portal:brief", args=[brief.pk]), {f"q{text.pk}": "x"}).status_code == 404
        assert http.post(reverse("portal:brief_submit", args=[brief.pk])).status_code == 404
    assert _answers(brief) == {}
    assert portal_home_for(Contact.objects.get(pk=colleague.pk)).sections  # the colleague's home works
    assert not [
        s
        for s in portal_home_for(Contact.objects.get(pk=colleague.pk)).sections
        if s.key == "briefs" and s.total
    ]


def _signed_in(user: User) -> Any:
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(user)
    return http


# --- boards and query counts ------------------------------------------------------------------------


def _many_briefs(project: Project, template: BriefTemplate, am: User, contact: Contact, n: int) -> None:
    for _ in range(n):
        brief_send(project=project, template=template, contact=contact, by=am)


def _queries(func: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def test_project_panel_shows_briefs_and_completeness(
    am: User, contact_a: User, brief: Brief, project: Project, template: BriefTemplate
) -> None:
    brief_answers_save(brief=brief, by=contact_a, values={q(template, "text").pk: "Engineers"})
    cards = [
        card for card in board_cards(project_page, project, am, limit=8) if card.key == "production.briefs"
    ]
    assert len(cards) == 1
    card = cards[0]
    assert card.total == 1 and card.action_url == reverse("briefs:send", args=[project.pk])
    row = card.items[0]
    assert (row.answered_count, row.required_count, row.percent) == (1, 2, 50)


def test_panel_and_portal_lists_cost_fixed_queries(
    am: User, http_as: Any, contact_a: User, contact_a_row: Contact, project: Project, template: BriefTemplate
) -> None:
    _many_briefs(project, template, am, contact_a_row, 2)
    panel = _queries(lambda: project_briefs_for(am, project.pk, limit=8))

    def home_page() -> None:
        portal_home_for(portal_contact_get_for(contact_a))

    home = _queries(home_page)
    page = _queries(lambda: http_as("contact_a").get(reverse("portal:project", args=[project.pk])))
    staff = _queries(lambda: http_as("am").get(reverse("plans:detail", args=[project.pk])))
    _many_briefs(project, template, am, contact_a_row, 20)
    assert _queries(lambda: project_briefs_for(am, project.pk, limit=8)) == panel == 2
    assert _queries(home_page) == home
    assert _queries(lambda: http_as("contact_a").get(reverse("portal:project", args=[project.pk]))) == page
    assert _queries(lambda: http_as("am").get(reverse("plans:detail", args=[project.pk]))) == staff


def test_portal_home_and_project_show_the_briefs_to_answer(
    http_as: Any, brief: Brief, project: Project
) -> None:
    home = http_as("contact_a").get(reverse("portal:home")).content.decode()
    assert "Copy brief" in home and reverse("portal:brief", args=[brief.pk]) in home
    page = http_as("contact_a").get(reverse("portal:project", args=[project.pk])).content.decode()
    assert reverse("portal:brief", args=[brief.pk]) in page


def test_today_card_lists_briefs_waiting_with_days(
    am: User, other_am: User, specialist: User, brief: Brief, http_as: Any
) -> None:
    Brief.objects.filter(pk=brief.pk).update(sent_at=timezone.now() - dt.timedelta(days=4))
    today = timezone.localdate()
    card = briefs_incomplete_card(am, today=today, limit=5)
    assert card is not None and card.total == 1
    assert card.items[0].days_waiting == 4
    other = briefs_incomplete_card(other_am, today=today, limit=5)
    assert other is not None and other.total == 0
    assert briefs_incomplete_card(specialist, today=today, limit=5) is None
    assert "waiting 4 days" in http_as("am").get(reverse("insights:today")).content.decode()


def test_today_card_costs_fixed_queries(
    am: User, contact_a_row: Contact, project: Project, template: BriefTemplate, client_a: Client
) -> None:
    _many_briefs(project, template, am, contact_a_row, 2)
    today = timezone.localdate()
    few = _queries(lambda: briefs_incomplete_card(am, today=today, limit=5))
    second = project_create(client=client_a, by=am, name="Autumn copy")
    _many_briefs(second, template, am, contact_a_row, 15)
    assert _queries(lambda: briefs_incomplete_card(am, today=today, limit=5)) == few == 2


def test_portal_panel_is_absent_without_briefs(contact_a: User, project: Project) -> None:
    assert [c.key for c in board_cards(portal_project_page, project, contact_a, limit=8)].count(
        "production.briefs"
    ) == 0


def test_completeness_counts_required_answers_only_in_one_query(
    admin: User, contact_a: User, brief: Brief, template: BriefTemplate, django_assert_num_queries: Any
) -> None:
    file = q(template, "file")
    brief_question_update(question=file, by=admin, text=file.text, kind="file", required=True)
    brief_answers_save(
        brief=brief,
        by=contact_a,
        values={q(template, "text").pk: "Engineers", q(template, "number").pk: "12"},
        files={file.pk: SimpleUploadedFile("brand.pdf", PDF)},
    )
    with django_assert_num_queries(1):
        assert brief_completeness(brief) == (2, 3)
    brief_answers_save(brief=brief, by=contact_a, values={q(template, "text").pk: ""})
    assert brief_completeness(brief) == (1, 3)


def test_completeness_rounds_to_the_nearest_percent() -> None:
    from khata.production.brief_selectors import completeness_percent

    assert [completeness_percent(a, r) for a, r in [(2, 3), (1, 3), (0, 3), (3, 3), (0, 0)]] == [
        67,
        33,
        0,
        100,
        100,
    ]
