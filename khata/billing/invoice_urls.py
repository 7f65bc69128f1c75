"""The staff invoice pages under ``/billing/``."""

from django.urls import URLPattern, path

from khata.billing import views

urlpatterns: list[URLPattern] = [
    path("", views.invoice_list, name="list"),
    path("new/", views.invoice_new, name="new"),
    path("from-acts/", views.invoice_from_acts, name="from_acts"),
    path("from-plan/", views.invoice_from_plan, name="from_plan"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/edit/", views.invoice_edit, name="edit"),
    path("<int:pk>/issue/", views.invoice_issue, name="issue"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("lines/<int:pk>/", views.line_edit, name="line_edit"),
    path("lines/<int:pk>/remove/", views.line_remove, name="line_remove"),
    path("<int:pk>/payments/", views.payment_add, name="payment"),
    path("<int:pk>/credit/", views.credit_add, name="credit"),
    path("<int:pk>/void/", views.invoice_void, name="void"),
    path("<int:pk>/pdf/", views.invoice_pdf_download, name="pdf"),
    path("<int:pk>/facturx/", views.invoice_facturx_download, name="facturx"),
    path("<int:pk>/ubl/", views.invoice_ubl_download, name="ubl"),
]
