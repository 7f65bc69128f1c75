"""The receivables page: the aging report, each client's payment behaviour, and the CSV export."""

from django.urls import path

from khata.billing import receivable_views

urlpatterns = [
    path("", receivable_views.receivables, name="receivables"),
    path("payers/", receivable_views.payers, name="receivables_payers"),
    path("export.csv", receivable_views.receivables_csv, name="receivables_csv"),
]
