"""One process of the concurrent-payment test: records one payment and prints "ok" or "refused".

Run as ``python -m khata.billing.tests.payer INVOICE FINANCE AMOUNT [KEY]`` with DATABASE_URL
pointing at the test database.
"""

from __future__ import annotations

import datetime as dt
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    import django

    django.setup()
    from khata.billing.models import Invoice
    from khata.billing.services import BillingError, payment_record
    from khata.people.models import User

    invoice_id, user_id, amount = (int(arg) for arg in sys.argv[1:4])
    key = sys.argv[4] if len(sys.argv) > 4 else None
    try:
        result = payment_record(
            invoice=Invoice.objects.get(pk=invoice_id),
            by=User.objects.get(pk=user_id),
            amount_minor=amount,
            received_on=dt.date(2026, 11, 2),
            reference="NEFT",
            idempotency_key=key,
        )
    except BillingError:
        print("refused")
    else:
        print("repeat" if result.repeated else "ok")


if __name__ == "__main__":
    main()
