"""One process of the concurrent-issue test: issues a range of drafts, rolling some back.

Run as ``python -m khata.billing.tests.issuer FIRST_ID LAST_ID FINANCE FAIL_EVERY`` with
DATABASE_URL pointing at the test database; prints the numbers it kept, one per line.
"""

from __future__ import annotations

import os
import sys


def issue_many(first_id: int, last_id: int, *, finance_id: int, fail_every: int) -> list[str]:
    from django.db import transaction

    from khata.billing.models import Invoice
    from khata.billing.services import invoice_issue
    from khata.people.models import User

    finance = User.objects.get(pk=finance_id)
    kept: list[str] = []
    for position, invoice in enumerate(Invoice.objects.filter(pk__range=(first_id, last_id)).order_by("pk")):
        try:
            with transaction.atomic():
                issued = invoice_issue(invoice=invoice, by=finance)
                if position % fail_every == 0:
                    raise RuntimeError("rolled back on purpose")
                kept.append(issued.number)
        except RuntimeError:
            pass
    return kept


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    import django

    django.setup()
    first_id, last_id, finance_id, fail_every = (int(arg) for arg in sys.argv[1:5])
    for number in issue_many(first_id, last_id, finance_id=finance_id, fail_every=fail_every):
        print(number)


if __name__ == "__main__":
    main()
