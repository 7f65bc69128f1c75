from django.urls import path

from khata.documents import pdf_views, views

app_name = "documents"
urlpatterns = [
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/pdf/", pdf_views.document_pdf_download, name="pdf"),
]
