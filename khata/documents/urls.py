from django.urls import path

from khata.documents import pdf_views, registry_views, views

app_name = "documents"
urlpatterns = [
    path("", registry_views.registry, name="registry"),
    path("unsigned-acts/", registry_views.unsigned_acts, name="unsigned_acts"),
    path("contracts/", registry_views.contracts, name="contracts"),
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.document_edit, name="edit"),
    path("<int:pk>/discard/", views.document_discard, name="discard"),
    path("<int:pk>/send/", views.document_send, name="send"),
    path("<int:pk>/reopen/", views.document_reopen, name="reopen"),
    path("<int:pk>/sign/", views.document_sign, name="sign"),
    path("<int:pk>/reject/", views.document_reject, name="reject"),
    path("<int:pk>/activate/", views.document_activate, name="activate"),
    path("<int:pk>/terminate/", views.document_terminate, name="terminate"),
    path("<int:pk>/archive/", views.document_archive, name="archive"),
    path("<int:pk>/revise/", views.document_revise, name="revise"),
    path("<int:pk>/lines/", views.line_add, name="line_add"),
    path("<int:pk>/lines/from-project/", views.act_build, name="act_build"),
    path("lines/<int:pk>/", views.line_edit, name="line_edit"),
    path("lines/<int:pk>/remove/", views.line_remove, name="line_remove"),
    path("<int:pk>/files/", views.file_add, name="file_add"),
    path("files/<int:pk>/", views.file_download_view, name="file"),
    path("kinds/", views.kind_list, name="kinds"),
    path("kinds/example/", views.kind_number_example, name="kind_example"),
    path("kinds/<int:pk>/", views.kind_edit, name="kind_edit"),
    path("<int:pk>/pdf/", pdf_views.document_pdf_download, name="pdf"),
    path(
        "from-status-report/<int:statusreport_pk>/",
        views.document_from_status_report,
        name="from_status_report",
    ),
]
