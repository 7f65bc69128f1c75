from django.urls import path

from khata.insights import views

app_name = "insights"
urlpatterns = [path("", views.today, name="today")]
