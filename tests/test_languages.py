"""Khata answers in the reader's language: Hindi and Russian from the compiled catalogues.

These read the real `locale/*/LC_MESSAGES/django.mo` (compiled by `make setup` / `make test`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import Client as HttpClient
from django.utils import translation

from khata.people.models import User

ROOT = Path(__file__).resolve().parent.parent
SIGN_IN = {"hi": "साइन इन करें", "ru": "Войти"}
SIGN_OUT = {"hi": "साइन आउट", "ru": "Выйти"}


@pytest.fixture(autouse=True)
def _compiled_catalogues() -> None:
    folder = ROOT / "locale"
    missing = [lang for lang in SIGN_IN if not (folder / lang / "LC_MESSAGES" / "django.mo").exists()]
    assert not missing, (
        f"no compiled catalogue for {missing}: run `make setup` "
        "(or `.venv/bin/pybabel compile --domain django --directory locale`)"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["hi", "ru"])
def test_the_sign_in_page_follows_the_browser_language(language: str) -> None:
    page = HttpClient().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert page.headers["Content-Language"] == language
    html = page.content.decode()
    assert f'<html lang="{language}"' in html
    assert f'<h1 class="account__title">{SIGN_IN[language]}</h1>' in html


@pytest.mark.django_db
def test_the_sign_in_page_is_english_for_an_english_browser() -> None:
    html = HttpClient().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h1 class="account__title">Sign in</h1>' in html
    assert SIGN_IN["hi"] not in html


@pytest.mark.django_db
@pytest.mark.parametrize("browser", ["ru", "en", "hi", ""])
def test_a_person_who_chose_hindi_reads_hindi_whatever_the_browser_says(am: User, browser: str) -> None:
    am.language = "hi"
    am.save(update_fields=["language"])
    http = HttpClient()
    http.force_login(am, backend="django.contrib.auth.backends.ModelBackend")
    page = http.get("/", HTTP_ACCEPT_LANGUAGE=browser)
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "hi"
    html = page.content.decode()
    assert SIGN_OUT["hi"] in html
    assert SIGN_OUT["ru"] not in html


@pytest.mark.django_db
def test_a_person_without_a_choice_follows_the_browser(am: User) -> None:
    am.language = ""
    am.save(update_fields=["language"])
    http = HttpClient()
    http.force_login(am, backend="django.contrib.auth.backends.ModelBackend")
    html = http.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert SIGN_OUT["ru"] in html


def test_russian_counts_take_the_three_plural_forms() -> None:
    template = Template(
        "{% load i18n %}{% blocktranslate count count=n %}{{ count }} client"
        "{% plural %}{{ count }} clients{% endblocktranslate %}"
    )
    with translation.override("ru"):
        said = {n: template.render(Context({"n": n})) for n in (1, 2, 5, 11, 21, 22, 25)}
    assert said == {
        1: "1 клиент",
        2: "2 клиента",
        5: "5 клиентов",
        11: "11 клиентов",
        21: "21 клиент",
        22: "22 клиента",
        25: "25 клиентов",
    }


@pytest.mark.parametrize("language", ["en", "hi"])
def test_money_uses_indian_grouping_in_english_and_hindi_pages(language: str) -> None:
    template = Template('{% load khata %}{{ amount|money:"INR" }}')
    with translation.override(language):
        assert template.render(Context({"amount": 12345678_50})) == "₹1,23,45,678.50"


def test_money_uses_russian_grouping_in_russian_pages() -> None:
    template = Template('{% load khata %}{{ amount|money:"INR" }}')
    with translation.override("ru"):
        shown = template.render(Context({"amount": 12345678_50}))
    assert shown.replace("\xa0", " ").replace("\u202f", " ") == "12 345 678,50 ₹"
