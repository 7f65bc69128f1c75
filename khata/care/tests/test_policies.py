"""Who sees and handles claims: one matrix over the personas, and the selectors agree with it."""

from __future__ import annotations

import pytest
from django.http import Http404

from khata.care.models import Claim
from khata.care.policies import can_answer_claim, can_file_claim, can_handle_claim, can_view_claim
from khata.care.selectors import claim_get_for, claim_list_for, claim_open_for
from khata.care.services import claim_analyse, corrective_action_add
from khata.clients.models import Client
from khata.people.models import User

pytestmark = pytest.mark.django_db

#               view   handle answer file-for-A
MATRIX = {
    "anonymous": (False, False, False, False),
    "admin": (True, True, True, True),
    "am": (True, True, True, True),
    "other_am": (False, False, False, False),
    "specialist": (False, False, False, False),
    "finance": (True, False, False, False),
    "contact_a": (True, False, True, True),
    "contact_b": (False, False, False, False),
}


@pytest.mark.parametrize("name", list(MATRIX))
def test_policy_matrix(name: str, personas: dict[str, User | None], claim: Claim, client_a: Client) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = personas[name] or AnonymousUser()
    view, handle, answer, file = MATRIX[name]
    assert can_view_claim(user, claim) is view
    assert can_handle_claim(user, claim) is handle
    assert can_answer_claim(user, claim) is answer
    assert can_file_claim(user, client_a) is file
    visible = list(claim_list_for(user).values_list("pk", flat=True))
    assert visible == ([claim.pk] if view else [])
    if view:
        assert claim_get_for(user, claim.pk).pk == claim.pk
        assert [c.pk for c in claim_open_for(user)] == [claim.pk]
    else:
        with pytest.raises(Http404):
            claim_get_for(user, claim.pk)


def test_a_specialist_sees_the_claims_they_are_responsible_for_or_act_on(
    claim: Claim, am: User, specialist: User
) -> None:
    assert not can_view_claim(specialist, claim)
    corrective_action_add(claim=claim, by=am, description="Fix the copy", owner=specialist)
    assert can_view_claim(specialist, claim) and not can_handle_claim(specialist, claim)
    assert list(claim_list_for(specialist)) == [claim]
    other = Claim.objects.get(pk=claim.pk)
    other.actions.all().delete()
    assert list(claim_list_for(specialist)) == []
    claim_analyse(claim=claim, by=am, responsible=specialist)
    assert list(claim_list_for(specialist)) == [claim]
    assert can_view_claim(specialist, Claim.objects.get(pk=claim.pk))


def test_the_claim_owner_handles_it_even_without_the_client(claim: Claim, other_am: User) -> None:
    Claim.objects.filter(pk=claim.pk).update(owner=other_am)
    claim.refresh_from_db()
    assert can_handle_claim(other_am, claim) and can_view_claim(other_am, claim)
    assert list(claim_list_for(other_am)) == [claim]


def test_garbage_ids_answer_404(admin: User) -> None:
    for pk in ("abc", None, 999_999):
        with pytest.raises(Http404):
            claim_get_for(admin, pk)  # type: ignore[arg-type]


def test_the_list_costs_one_query_whatever_its_size(
    claim: Claim, am: User, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(1):  # type: ignore[operator]
        rows = list(claim_list_for(am))
        labels = [(row.client.display_name, row.reason.label, row.owner) for row in rows]
    assert len(labels) == 1
