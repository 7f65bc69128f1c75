from django.urls import path

from khata.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("profile/", views.profile, name="profile"),
    path("preview/<int:contact_pk>/", views.preview, name="preview"),
]
