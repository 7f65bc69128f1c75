from django.urls import path

from khata.production import report_views

app_name = "reports"
urlpatterns = [
    path("project/<int:project_pk>/new/", report_views.report_new, name="new"),
    path("<int:statusreport_pk>/", report_views.report_detail, name="detail"),
    path("<int:statusreport_pk>/edit/", report_views.report_edit, name="edit"),
    path("<int:statusreport_pk>/refresh/", report_views.report_refresh, name="refresh"),
    path("<int:statusreport_pk>/publish/", report_views.report_publish, name="publish"),
]
