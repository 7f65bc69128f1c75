"""Billing pages under ``/billing/``: invoices, receivables, reminders and promises to pay.

Each part keeps its routes beside its views; all of them share the ``billing`` namespace.
"""

from django.urls import include, path

app_name = "billing"
urlpatterns = [
    path("", include("khata.billing.invoice_urls")),
    path("receivables/", include("khata.billing.receivable_urls")),
    path("", include("khata.billing.reminder_urls")),
]
