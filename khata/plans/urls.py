from django.urls import path

from khata.plans import views

app_name = "plans"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/edit/", views.project_update, name="update"),
    path("<int:pk>/stage/", views.project_stage, name="stage"),
    path("requests/<int:pk>/add/", views.request_add, name="request_add"),
    path("requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    path("<int:pk>/versions/new/", views.version_create, name="version_create"),
    path("<int:pk>/change-request/", views.change_request, name="change_request"),
    path("versions/<int:pk>/propose/", views.version_propose, name="version_propose"),
    path("versions/<int:pk>/approve/", views.version_approve, name="version_approve"),
    path("versions/<int:pk>/items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/edit/", views.item_update, name="item_update"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
]
