from django.urls import path

from khata.documents import pdf_views, registry_views, views

app_name = "documents"
urlpatterns = [
    path("", registry_views.registry, name="registry"),
    path("unsigned-acts/", registry_views.unsigned_acts, name="unsigned_acts"),
    path("contracts/", registry_views.contracts, name="contracts"),
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/pdf/", pdf_views.document_pdf_download, name="pdf"),
]
