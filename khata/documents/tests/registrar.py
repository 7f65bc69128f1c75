"""One process of the concurrent-registration test: registers letters, rolling some back.

Run as ``python -m khata.documents.tests.registrar COUNT CLIENT AM KIND FAIL_EVERY`` with
DATABASE_URL pointing at the test database; prints the numbers it kept, one per line.
"""

from __future__ import annotations

import datetime as dt
import os
import sys


def register_many(count: int, *, client_id: int, am_id: int, kind_id: int, fail_every: int) -> list[str]:
    from django.db import transaction

    from khata.clients.models import Client
    from khata.documents.models import DocumentKind
    from khata.documents.services import document_create, document_send
    from khata.people.models import User

    am = User.objects.get(pk=am_id)
    client = Client.objects.get(pk=client_id)
    kind = DocumentKind.objects.get(pk=kind_id)
    kept: list[str] = []
    for n in range(count):
        letter = document_create(
            by=am, kind=kind, client=client, title=f"Letter {n}", date=dt.date(2026, 6, 1)
        )
        try:
            with transaction.atomic():
                sent = document_send(document=letter, by=am)
                if n % fail_every == 0:
                    raise RuntimeError("rolled back on purpose")
                kept.append(sent.number)
        except RuntimeError:
            pass
    return kept


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    import django

    django.setup()
    count, client_id, am_id, kind_id, fail_every = (int(arg) for arg in sys.argv[1:6])
    for number in register_many(
        count, client_id=client_id, am_id=am_id, kind_id=kind_id, fail_every=fail_every
    ):
        print(number)


if __name__ == "__main__":
    main()
