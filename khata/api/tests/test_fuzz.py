"""Whatever JSON arrives, the API answers with a status below 500 (Hypothesis-generated bodies)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khata.api.serializers import ClientWriteSerializer, ContactCreateSerializer, InteractionCreateSerializer
from khata.api.tests.conftest import World
from khata.api.tests.helpers import call

pytestmark = pytest.mark.django_db

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.sampled_from(["IN", "in", "EUR", "active", "positive", "call", "+919812345678", "a@b.test", ""]),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
    st.datetimes(min_value=dt.datetime(1, 1, 2)).map(lambda when: when.isoformat()),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def bodies(serializer: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    names = list(serializer().fields)
    return st.dictionaries(st.sampled_from([*names, "id", "extra"]), values, max_size=len(names) + 1)


ENDPOINTS = [
    ("POST", "/api/v1/clients/", ClientWriteSerializer),
    ("PATCH", "/api/v1/clients/{client}/", ClientWriteSerializer),
    ("POST", "/api/v1/contacts/", ContactCreateSerializer),
    ("PATCH", "/api/v1/contacts/{contact}/", ContactCreateSerializer),
    ("POST", "/api/v1/interactions/", InteractionCreateSerializer),
    ("PATCH", "/api/v1/interactions/{interaction}/", InteractionCreateSerializer),
]


@pytest.mark.parametrize(("method", "url", "serializer"), ENDPOINTS)
def test_no_body_makes_the_api_fail(
    world: World, http_as: Any, method: str, url: str, serializer: Any
) -> None:
    http = http_as("am")
    path = url.format(client=world.client.pk, contact=world.contact.pk, interaction=world.interaction.pk)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies(serializer))
    def check(body: dict[str, Any]) -> None:
        if "client" in body and isinstance(body["client"], bool | None):
            body["client"] = world.client.pk
        response = call(http, method, path, body)
        assert response.status_code < 500, (body, response.content[:300])

    check()
