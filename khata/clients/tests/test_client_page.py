from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from khata.clients.models import Client
from khata.clients.services import interaction_log
from khata.people.models import User

pytestmark = pytest.mark.django_db


def test_a_backlog_of_next_steps_keeps_the_client_page_bounded(
    client_a: Client, am: User, http_as: Any, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    for day in range(15):
        interaction_log(
            client=client_a,
            by=am,
            summary=f"Call {day}",
            next_step=f"Follow-up number {day:02d}",
            next_step_due=today + dt.timedelta(days=day),
        )
    response = http_as("am").get(f"/clients/{client_a.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Follow-up number 09" in html
    assert "Follow-up number 10" not in html.split('id="steps-title"')[1].split("</section>")[0]
    assert "The 10 soonest are shown" in html
