"""``khata token create EMAIL`` and ``khata token revoke EMAIL``."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token

from khata.cli import main as khata
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command run from the command line closes the database connections when it ends; the
    test's transaction lives on one of them."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_token_create_prints_the_same_token_until_revoked(am: User, capsys: Any, client: Any) -> None:
    khata(["token", "create", "AM@agency.test"])
    first = capsys.readouterr().out.strip()
    assert first == Token.objects.get(user=am).key

    khata(["token", "create", "am@agency.test"])
    assert capsys.readouterr().out.strip() == first
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}").json()["email"] == "am@agency.test"

    khata(["token", "revoke", "am@agency.test"])
    assert "revoked" in capsys.readouterr().out
    assert not Token.objects.filter(user=am).exists()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 401
    kinds = list(Event.objects.filter(subject_id=am.pk).order_by("id").values_list("kind", flat=True))
    assert kinds == ["people.api_token_created", "people.api_token_revoked"]


@pytest.mark.parametrize("action", ["create", "revoke"])
def test_an_unknown_email_is_a_clear_error_with_exit_code_1(db: Any, capsys: Any, action: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        khata(["token", action, "nobody@agency.test"])
    assert exit_.value.code == 1
    assert "No one signs in with nobody@agency.test" in capsys.readouterr().err
    assert not Token.objects.exists()


def test_a_deactivated_person_gets_no_token(am: User, capsys: Any) -> None:
    am.is_active = False
    am.save(update_fields=["is_active"])
    with pytest.raises(SystemExit) as exit_:
        khata(["token", "create", am.email])
    assert exit_.value.code == 1
    assert not Token.objects.exists()
