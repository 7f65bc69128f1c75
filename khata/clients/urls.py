from django.urls import path

from khata.clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("export.csv", views.client_export, name="export"),
    path("import/", views.client_import, name="import"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_update, name="update"),
    path("<int:pk>/timeline/", views.client_timeline, name="timeline"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/interactions/new/", views.interaction_log, name="interaction_log"),
    path("contacts/<int:pk>/edit/", views.contact_update, name="contact_update"),
    path("interactions/<int:pk>/edit/", views.interaction_update, name="interaction_update"),
    path("interactions/<int:pk>/done/", views.next_step_done, name="next_step_done"),
]
