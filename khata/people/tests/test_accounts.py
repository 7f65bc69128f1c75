"""Signing in: the pages, the language they speak, rate limits, codes, resets and two-factor."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail
from django.test import Client as HttpClient
from django.test import override_settings

from conftest import PASSWORD
from khata.people.models import User

pytestmark = pytest.mark.django_db


def sign_in(http: HttpClient, email: str, password: str = PASSWORD) -> Any:
    return http.post("/accounts/login/", {"login": email, "password": password})


def current_code(secret: str) -> str:
    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/signup/",
    ],
)
def test_account_pages_render_in_the_khata_layout(path: str) -> None:
    response = HttpClient().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="topbar"' in html
    assert "khata/portal.css" in html
    assert "<style" not in html and " style=" not in html  # the CSP allows no inline styles


def test_sign_in_page_follows_the_browser_language_before_anyone_chooses() -> None:
    response = HttpClient().get("/accounts/login/", headers={"accept-language": "hi"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "hi"
    assert '<html lang="hi"' in response.content.decode()
    russian = HttpClient().get("/accounts/login/", headers={"accept-language": "ru,en;q=0.5"})
    assert russian.headers["Content-Language"] == "ru"


def test_a_chosen_language_wins_over_the_browser() -> None:
    http = HttpClient()
    http.post("/people/language/", {"language": "ru", "next": "/accounts/login/"})
    response = http.get("/accounts/login/", headers={"accept-language": "hi"})
    assert response.headers["Content-Language"] == "ru"


def test_sign_up_is_closed() -> None:
    response = HttpClient().post("/accounts/signup/", {"email": "new@x.test", "password1": "a-b-c-d-e-f-g1"})
    assert response.status_code == 200
    assert not User.objects.filter(email="new@x.test").exists()


def test_staff_sign_in_lands_on_today_and_contacts_on_the_portal(am: User, contact_a: User) -> None:
    assert sign_in(HttpClient(), am.email)["Location"] == "/"
    assert sign_in(HttpClient(), contact_a.email)["Location"] == "/portal/"


def test_a_wrong_password_shows_a_form_error() -> None:
    response = sign_in(HttpClient(), "nobody@agency.test", "wrong-password-1")
    assert response.status_code == 200
    assert response.context["form"].errors


def test_repeated_failed_sign_ins_are_refused_even_with_the_right_password(am: User) -> None:
    http = HttpClient()
    for _attempt in range(5):
        response = sign_in(http, am.email, "not-the-password")
        assert response.status_code == 200
    refused = sign_in(http, am.email)  # now the right password
    assert refused.status_code in {200, 429}
    assert "_auth_user_id" not in http.session
    if refused.status_code == 200:
        assert "Too many failed login attempts" in str(refused.context["form"].non_field_errors())


def test_a_contact_signs_in_with_a_code_sent_by_email(contact_a: User) -> None:
    http = HttpClient()
    response = http.post("/accounts/login/code/", {"email": contact_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contact_a.email]
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", str(message.body), re.MULTILINE)
    assert code is not None, message.body
    page = http.get(response["Location"])
    assert page.status_code == 200
    confirmed = http.post(response["Location"], {"code": code.group(1)})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/portal/"
    assert int(http.session["_auth_user_id"]) == contact_a.pk


def test_password_reset_sends_a_link_that_leads_to_a_new_password(am: User) -> None:
    http = HttpClient()
    response = http.post("/accounts/password/reset/", {"email": am.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", str(mail.outbox[0].body))
    assert link is not None, mail.outbox[0].body
    path = link.group(0).split("testserver", 1)[1]
    form_page = http.get(path, follow=True)
    assert form_page.status_code == 200
    new_password = "a-fresh-password-2026"
    done = http.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    am.refresh_from_db()
    assert am.check_password(new_password)


def test_sign_out_asks_then_signs_out(http_as: Any) -> None:
    http = http_as("am")
    page = http.get("/accounts/logout/")
    assert page.status_code == 200
    assert "Sign out" in page.content.decode()
    http.post("/accounts/logout/")
    assert "_auth_user_id" not in http.session


def test_two_factor_pages_render_for_staff(http_as: Any) -> None:
    http = http_as("am")
    assert http.get("/accounts/2fa/").status_code == 200


@override_settings(KHATA_REQUIRE_2FA_FOR_HEADS=True)
def test_a_head_without_totp_is_sent_to_set_it_up(http_as: Any, admin: User) -> None:
    http = http_as("admin")
    for path in ["/", "/people/", "/clients/", "/portal/", "/admin/"]:
        response = http.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/", path
    api = http.get("/api/v1/clients/")
    assert api.status_code == 403
    htmx = http.get("/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/accounts/2fa/totp/activate/"


@override_settings(KHATA_REQUIRE_2FA_FOR_HEADS=True)
def test_a_head_without_totp_still_reaches_what_setting_it_up_needs(http_as: Any) -> None:
    http = http_as("admin")
    assert http.get("/healthz").status_code == 200
    assert http.get("/static/khata/khata.css").status_code == 200
    assert http.get("/accounts/2fa/").status_code == 200
    assert http.get("/accounts/2fa/totp/activate/").status_code in {200, 302}
    assert http.post("/people/language/", {"language": "hi", "next": "/"}).status_code == 302


@override_settings(KHATA_REQUIRE_2FA_FOR_HEADS=True)
def test_a_head_sets_up_totp_and_then_uses_khata(admin: User) -> None:
    http = HttpClient()
    assert sign_in(http, admin.email).status_code == 302
    first = http.get("/")
    assert first["Location"] == "/accounts/2fa/totp/activate/"
    # Changing two-factor settings asks for the password again first.
    reauth = http.get(first["Location"])
    assert reauth["Location"].startswith("/accounts/reauthenticate/")
    assert http.get(reauth["Location"]).status_code == 200
    back = http.post(reauth["Location"], {"password": PASSWORD})
    assert back["Location"] == "/accounts/2fa/totp/activate/"
    page = http.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "data:image/svg+xml;base64," in page.content.decode()
    secret = page.context["form"].secret
    done = http.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists()
    assert http.get("/").status_code == 200


@override_settings(KHATA_REQUIRE_2FA_FOR_HEADS=True)
def test_the_two_factor_rule_leaves_heads_with_totp_and_other_roles_alone(http_as: Any, admin: User) -> None:
    TOTP.activate(admin, generate_totp_secret())
    assert http_as("admin").get("/").status_code == 200
    assert http_as("am").get("/").status_code == 200
    assert http_as("finance").get("/").status_code == 200


def test_without_the_setting_a_head_needs_no_totp(http_as: Any) -> None:
    assert http_as("admin").get("/").status_code == 200


@override_settings(KHATA_REQUIRE_2FA_FOR_HEADS=True)
def test_a_head_with_totp_is_asked_for_a_code_at_sign_in(admin: User) -> None:
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    http = HttpClient()
    response = sign_in(http, admin.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    page = http.get("/accounts/2fa/authenticate/")
    assert page.status_code == 200
    signed_in = http.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert signed_in.status_code == 302
    assert http.get("/").status_code == 200


def test_the_sign_in_page_speaks_hindi_from_the_catalogue(tmp_path: Any, settings: Any) -> None:
    """The page's own words come from Khata's catalogue, not from django-allauth's (it has no Hindi)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="hi")
    catalog.add("Sign in", "साइन इन करें")
    catalog.add(
        "The email address and/or password you specified are not correct.", "ईमेल या पासवर्ड सही नहीं है।"
    )
    folder = tmp_path / "hi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "django.mo").open("wb") as handle:
        write_mo(handle, catalog)
    settings.LOCALE_PATHS = [tmp_path]
    http = HttpClient()
    page = http.get("/accounts/login/", headers={"accept-language": "hi"}).content.decode()
    assert '<h1 class="account__title">साइन इन करें</h1>' in page
    wrong = http.post(
        "/accounts/login/",
        {"login": "x@agency.test", "password": "nope-nope-1"},
        headers={"accept-language": "hi"},
    )
    assert "ईमेल या पासवर्ड सही नहीं है।" in wrong.content.decode()
