"""Billing fixtures beside the shared cast and the documents' ones: an accepted act to invoice."""

from __future__ import annotations

import pytest

from khata.documents.models import Document
from khata.documents.services import act_lines_from_project, document_accept, document_send
from khata.documents.tests.conftest import (
    act,
    agreed,
    approver_a,
    approver_b,
    copy,
    done_tasks,
    kinds,
    project,
    seo,
)
from khata.people.models import User
from khata.production.models import Task

__all__ = ["act", "agreed", "approver_a", "approver_b", "copy", "done_tasks", "kinds", "project", "seo"]


@pytest.fixture
def accepted_act(act: Document, am: User, done_tasks: list[Task], approver_a: User) -> Document:
    """December's act with both done tasks (₹80,000 + ₹30,000), accepted by the client."""
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    document_send(document=act, by=am)
    document_accept(document=act, by=approver_a, name="Anita Approver")
    act.refresh_from_db()
    return act
