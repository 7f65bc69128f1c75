from django.urls import path

from khata.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.today, name="today"),
    path("today/next-steps/<int:pk>/done/", views.next_step_done, name="next_step_done"),
    path("settings/health/", views.health_settings, name="health_settings"),
]
