from django.urls import path

from khata.people import views

app_name = "people"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("language/", views.set_language, name="set_language"),
]
