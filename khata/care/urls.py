from django.urls import path

from khata.care import analysis_views, settings_views, survey_views, views

app_name = "care"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("new/", views.claim_new, name="new"),
    path("surveys/", survey_views.survey_list, name="surveys"),
    path("analysis/", analysis_views.claim_analysis, name="analysis"),
    path("settings/", settings_views.care_settings_sla, name="settings_sla"),
    path("settings/surveys/", settings_views.care_settings_surveys, name="settings_surveys"),
    path("settings/<slug:kind>/", settings_views.care_settings_labels, name="settings_labels"),
    path(
        "settings/<slug:kind>/<int:pk>/", settings_views.care_settings_label_edit, name="settings_label_edit"
    ),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/acknowledge/", views.claim_acknowledge, name="acknowledge"),
    path("<int:pk>/start/", views.claim_start, name="start"),
    path("<int:pk>/analysis/", views.claim_analyse, name="analyse"),
    path("<int:pk>/resolve/", views.claim_resolve, name="resolve"),
    path("<int:pk>/close/", views.claim_close, name="close"),
    path("<int:pk>/actions/", views.action_add, name="action_add"),
    path("<int:pk>/goodwill/", views.goodwill_add, name="goodwill_add"),
    path("<int:pk>/files/", views.file_add, name="file_add"),
    path("actions/<int:pk>/done/", views.action_complete, name="action_complete"),
    path("files/<int:pk>/", views.file_download_view, name="file"),
]
