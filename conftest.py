"""The shared cast of personas every test uses, and the real-browser set-up.

Client A is owned by ``am`` (backed up by nobody); client B by ``other_am``. ``contact_a`` signs in to
the portal for client A, ``contact_b`` for client B.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.local import Local
from django.conf import settings as django_settings
from django.tasks import task_backends
from django.test import Client as HttpClient
from django.test.signals import setting_changed
from playwright.sync_api import expect

from khata.clients.models import Client, Contact
from khata.clients.services import client_create, contact_create
from khata.people.models import Specialty, User

# A fast hasher: tests sign people in by the hundred; production keeps Django's default.
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _task_backends_reset(**kwargs: Any) -> None:
    """Forget the task backends made so far, so the next enqueue follows the TASKS setting."""
    if kwargs.get("setting", "TASKS") == "TASKS":
        task_backends.__dict__.pop("settings", None)
        task_backends._settings = None  # type: ignore[attr-defined]
        task_backends._connections = Local(task_backends.thread_critical)  # type: ignore[attr-defined]


# Background tasks run at once in tests (a published report's emails are in the outbox when the
# call returns); a test of the worker itself sets TASKS to the database backend.
django_settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
_task_backends_reset()
setting_changed.connect(_task_backends_reset, dispatch_uid="khata-tests-task-backends")

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test persona)


def make_user(email: str, role: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, full_name=name, role=role)


@pytest.fixture
def admin(db: Any) -> User:
    """The head of accounts."""
    return make_user("head@agency.test", User.Role.HEAD, "Meera Head")


@pytest.fixture
def am(db: Any) -> User:
    return make_user("am@agency.test", User.Role.AM, "Arjun Manager")


@pytest.fixture
def other_am(db: Any) -> User:
    return make_user("other.am@agency.test", User.Role.AM, "Olga Manager")


@pytest.fixture
def specialist(db: Any) -> User:
    user = make_user("seo@agency.test", User.Role.SPECIALIST, "Sunil Specialist")
    seo, _ = Specialty.objects.get_or_create(code="seo", defaults={"name": "SEO"})
    user.specialties.add(seo)
    return user


@pytest.fixture
def finance(db: Any) -> User:
    return make_user("finance@agency.test", User.Role.FINANCE, "Farah Finance")


@pytest.fixture
def client_a(am: User) -> Client:
    return client_create(
        by=am,
        display_name="Acme Retail",
        legal_name="Acme Retail Private Limited",
        country="IN",
        currency="INR",
        owner=am,
        status=Client.Status.ACTIVE,
    )


@pytest.fixture
def client_b(other_am: User) -> Client:
    return client_create(
        by=other_am,
        display_name="Borealis Foods",
        legal_name="Borealis Foods LLC",
        country="US",
        currency="USD",
        owner=other_am,
        status=Client.Status.ACTIVE,
    )


def _portal_contact(client: Client, email: str, name: str) -> User:
    contact = contact_create(client=client, by=client.owner, full_name=name, email=email, portal_access=True)
    user = contact.user
    assert user is not None
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def contact_a(client_a: Client) -> User:
    """The portal user of client A."""
    return _portal_contact(client_a, "priya@acme.test", "Priya Contact")


@pytest.fixture
def contact_b(client_b: Client) -> User:
    """The portal user of client B."""
    return _portal_contact(client_b, "bob@borealis.test", "Bob Contact")


@pytest.fixture
def contact_a_row(contact_a: User) -> Contact:
    return Contact.objects.get(user=contact_a)


@pytest.fixture
def personas(
    admin: User,
    am: User,
    other_am: User,
    specialist: User,
    finance: User,
    contact_a: User,
    contact_b: User,
) -> dict[str, User | None]:
    """Every persona by name; ``anonymous`` is None."""
    return {
        "anonymous": None,
        "admin": admin,
        "am": am,
        "other_am": other_am,
        "specialist": specialist,
        "finance": finance,
        "contact_a": contact_a,
        "contact_b": contact_b,
    }


@pytest.fixture
def http_as(personas: dict[str, User | None]) -> Any:
    """``http_as("am")``: a test client signed in as that persona (or anonymous)."""

    def make(name: str) -> HttpClient:
        client = HttpClient()
        user = personas[name]
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


def _database_order(item: pytest.Item) -> int:
    """0: runs inside a rolled-back transaction; 1: commits for real (a live server, threads,
    processes) and empties the tables afterwards; 2: no database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    committed = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    if committed or "transactional_db" in fixtures or "live_server" in fixtures:
        return 1
    return 0 if marker is not None or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every test that commits after every test that rolls back, as Django does.

    A committing test leaves the tables empty, rows from data migrations (brief templates, document
    kinds) included. pytest-django orders the tests so, but pytest then groups the tests that share
    a parametrised browser, which mixes live-server tests in among the others; sort again, keeping
    each group's order.
    """
    items.sort(key=_database_order)
    for item in items:
        if _database_order(item) == 1:
            _restore_migration_rows(item)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    """The test database, with Django's copy of the data migrations' rows kept where every connection
    object finds it.

    Once Playwright's event loop runs in the main thread, Django hands that thread new connection
    objects (its per-thread storage follows the running context); the copy, stored on the first
    connection object only, would be missing there and a flushed table would stay empty.
    """
    from django.db import connections

    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            wrapper_class: Any = type(connections[alias])
            wrapper_class._test_serialized_contents = contents


def _restore_migration_rows(item: pytest.Item) -> None:
    """A committing test starts from the rows the data migrations made (reason codes, SLA policies,
    document kinds, reminder levels, brief templates), reloaded from a copy taken when the test
    database was built: the test before it emptied the tables."""
    marker = item.get_closest_marker("django_db")
    kwargs = dict(marker.kwargs) if marker else {}
    kwargs.update(transaction=True, serialized_rollback=True)
    item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False)


# Real browser: Debian's Chromium, never a downloaded one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The SQLite suite, browser tests included, runs beside the PostgreSQL one on a two-core machine:
# a browser step may wait longer than on an idle machine before the page has changed.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Any, settings: Any) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    yield


@pytest.fixture
def brief_defaults(db: None) -> None:
    """The five default brief templates a fresh installation has from its migration.

    A test that runs after a transactional one (a live server, say) finds the tables flushed, so the
    rows the migration made are gone: this puts them back the way the migration does.
    """
    from django.apps import apps

    migration = importlib.import_module("khata.production.migrations.0003_default_brief_templates")
    migration.create_defaults(apps, None)
