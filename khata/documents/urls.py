from django.urls import path

from khata.documents import views

app_name = "documents"
urlpatterns = [
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_detail, name="detail"),
]
